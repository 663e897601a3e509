//! The build's static files (the app's WebAssembly and its JavaScript glue, the stylesheet, the
//! favicon), read once when the server starts and served from memory.
//!
//! - **Compressed once, not per request**: each file is kept as it is and, where it pays, brotli- and
//!   gzip-compressed; a request gets the best encoding its `Accept-Encoding` allows. Files the build
//!   already compressed (`cargo leptos build --release --precompress` writes `.br` / `.gz` beside them)
//!   are taken as they are; the others are compressed by [`Assets::compress`], which the server runs
//!   once in the background after it starts (brotli's best setting takes seconds on the WebAssembly;
//!   until it is done, those files go out as they are).
//! - **Content-hashed names**: every file is also offered as `name.<hash>.ext`, the name the pages use,
//!   and that name is cached by browsers for a year without asking again (`immutable`): a new build
//!   has new names. The plain names still answer, with `no-cache` and an `ETag`, so an old page or a
//!   bookmark revalidates instead of keeping a stale file. The JavaScript glue and the WebAssembly
//!   carry one hash over both: they only work as a pair, and the page names them by one output name.
//!
//! Under `cargo leptos watch` the files change while the server runs, so the set stays empty there and
//! the files are read from disk on every request (see `app::console`).

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use leptos::config::LeptosOptions;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// How browsers may cache a file whose name carries its content's hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// How browsers may cache a file under its plain name: keep it, but ask (cheaply, with the ETag) first.
pub const REVALIDATE: &str = "no-cache";

/// The build's files, by every path they answer to.
#[derive(Debug, Default)]
pub struct Assets {
    by_path: HashMap<String, Served>,
    /// Plain path (`/pkg/polarshare.css`) -> hashed path (`/pkg/polarshare.0123456789abcdef.css`).
    hashed: HashMap<String, String>,
    /// The hash the page's hydration script names the JavaScript glue and the WebAssembly by.
    app_hash: Option<String>,
}

#[derive(Debug, Clone)]
struct Served {
    file: Arc<File>,
    cache_control: &'static str,
}

#[derive(Debug)]
struct File {
    content_type: &'static str,
    /// Strong validator of the content (the same for every encoding; each encoding's ETag adds a suffix).
    hash: String,
    identity: Bytes,
    /// Set once: by the build's copy, or by [`Assets::compress`]; `None` inside when it doesn't pay.
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

impl File {
    fn brotli(&self) -> Option<&Bytes> {
        self.brotli.get().and_then(Option::as_ref)
    }
    fn gzip(&self) -> Option<&Bytes> {
        self.gzip.get().and_then(Option::as_ref)
    }
}

/// A compressed copy is kept only when it is at most this share of the original (an icon or an
/// already-compressed image gains nothing worth a `Vary`).
const WORTH_COMPRESSING: f64 = 0.9;

impl Assets {
    /// Reads every file under the site root (`LEPTOS_SITE_ROOT`). A missing site (tests, a server
    /// built without its front end) gives an empty set: pages then name the plain paths.
    pub fn load(options: &LeptosOptions) -> anyhow::Result<Self> {
        if std::env::var_os("LEPTOS_WATCH").is_some() {
            return Ok(Self::default());
        }
        let root = Path::new(&*options.site_root);
        let mut files = Vec::new();
        if root.is_dir() {
            collect(root, root, &mut files)?;
        }
        Ok(Self::from_files(files, &options.site_pkg_dir, &options.output_name))
    }

    /// The set for the given files (path under the site root, content), with the compressed copies
    /// the build made (`x.br`, `x.gz`); [`Assets::compress`] makes the others.
    pub fn from_files(files: Vec<(String, Vec<u8>)>, pkg_dir: &str, output_name: &str) -> Self {
        let precompressed: HashMap<String, Vec<u8>> = files
            .iter()
            .filter(|(p, _)| p.ends_with(".br") || p.ends_with(".gz"))
            .map(|(p, c)| (p.clone(), c.clone()))
            .collect();
        let glue = format!("{pkg_dir}/{output_name}.js");
        let wasm = format!("{pkg_dir}/{output_name}.wasm");
        let content = |p: &str| files.iter().find(|(path, _)| path == p).map(|(_, c)| c.as_slice());
        let app_hash = match (content(&glue), content(&wasm)) {
            (Some(js), Some(w)) => Some(hash_of(&[js, w])),
            _ => None,
        };

        let mut assets = Assets { app_hash: app_hash.clone(), ..Assets::default() };
        for (path, bytes) in files {
            if precompressed.contains_key(&path) {
                continue;
            }
            let hash =
                if path == glue || path == wasm { app_hash.clone().unwrap_or_default() } else { hash_of(&[&bytes]) };
            let built = |suffix: &str| {
                let cell = OnceLock::new();
                if let Some(copy) = precompressed.get(&format!("{path}.{suffix}")) {
                    let _ = cell.set(worth_it(copy.clone(), bytes.len()));
                }
                cell
            };
            let file = Arc::new(File {
                content_type: content_type(&path),
                brotli: built("br"),
                gzip: built("gz"),
                identity: Bytes::from(bytes),
                hash: hash.clone(),
            });
            let plain = format!("/{path}");
            let hashed = hashed_name(&plain, &hash);
            assets.by_path.insert(plain.clone(), Served { file: file.clone(), cache_control: REVALIDATE });
            assets.by_path.insert(hashed.clone(), Served { file, cache_control: IMMUTABLE });
            assets.hashed.insert(plain, hashed);
        }
        assets
    }

    /// The path a page should use for a build file: its hashed name when the server has the file,
    /// else the plain path.
    pub fn url(&self, plain: &str) -> String {
        self.hashed.get(plain).cloned().unwrap_or_else(|| plain.to_owned())
    }

    /// Leptos options whose output name carries the app's hash, for `HydrationScripts` (which names
    /// the glue `{output_name}.js` and the WebAssembly `{output_name}.wasm`).
    pub fn hydration_options(&self, options: &LeptosOptions) -> LeptosOptions {
        let mut options = options.clone();
        if let Some(hash) = &self.app_hash {
            options.output_name = format!("{}.{hash}", options.output_name).into();
        }
        options
    }

    /// Compresses every file the build did not (blocking: seconds for the WebAssembly at brotli's
    /// best). Each copy is served from the moment it is made.
    pub fn compress(&self) {
        for file in self.hashed.values().filter_map(|path| self.by_path.get(path)).map(|served| &served.file) {
            let size = file.identity.len();
            file.brotli.get_or_init(|| worth_it(brotli(&file.identity), size));
            file.gzip.get_or_init(|| worth_it(gzip(&file.identity), size));
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// The answer to a GET or HEAD of one of the files, or `None` when the path is not one of them.
    pub fn respond(&self, method: &Method, path: &str, request: &HeaderMap) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let served = self.by_path.get(path)?;
        let file = &served.file;
        let (encoding, body) = match (preferred_encoding(request), file.brotli(), file.gzip()) {
            (Encoding::Brotli, Some(br), _) => (Some("br"), br),
            (Encoding::Brotli | Encoding::Gzip, _, Some(gz)) if accepts(request, "gzip") => (Some("gzip"), gz),
            _ => (None, &file.identity),
        };
        let body = body.clone();
        let etag = format!("\"{}{}\"", file.hash, encoding.map(|e| format!("-{e}")).unwrap_or_default());

        let mut response = Response::new(Body::empty());
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(served.cache_control));
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        // Even while the compressed copies are being made: what a cache stores depends on the header.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if not_modified(request, &etag) {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return Some(response);
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        if method == Method::GET {
            *response.body_mut() = Body::from(body);
        }
        Some(response)
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    use anyhow::Context;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let relative = path.strip_prefix(root)?.to_string_lossy().replace('\\', "/");
            files.push((relative, std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?));
        }
    }
    Ok(())
}

/// The first 16 hex digits of the SHA-256 of the parts, one after another.
fn hash_of(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `/pkg/polarshare.css` -> `/pkg/polarshare.<hash>.css` (the hash goes before the last extension).
fn hashed_name(path: &str, hash: &str) -> String {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{dir}/{stem}.{hash}.{ext}"),
        _ => format!("{dir}/{name}.{hash}"),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("txt" | "ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn worth_it(copy: Vec<u8>, original: usize) -> Option<Bytes> {
    ((copy.len() as f64) <= original as f64 * WORTH_COMPRESSING).then(|| Bytes::from(copy))
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // Quality 11 (the best) and a 4 MB window: paid once per start, saved on every download.
    let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
    // Writing into a Vec can't fail.
    let _ = writer.write_all(bytes);
    drop(writer);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// Whether `Accept-Encoding` allows `coding` (listed, or `*`, with a q-value above 0).
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    let Some(value) = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut wildcard = false;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q > 0.0;
        }
        if name == "*" {
            wildcard = q > 0.0;
        }
    }
    wildcard
}

/// Brotli where allowed (smaller than gzip), else gzip, else the file as it is.
fn preferred_encoding(request: &HeaderMap) -> Encoding {
    if accepts(request, "br") {
        Encoding::Brotli
    } else if accepts(request, "gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether the request's `If-None-Match` names this representation's ETag (or `*`).
fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    let Some(value) = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Assets {
        let assets = built_site();
        assets.compress();
        assets
    }

    fn built_site() -> Assets {
        let wasm = vec![7u8; 50_000];
        let css = b"body { color: black; } ".repeat(200);
        Assets::from_files(
            vec![
                ("pkg/app.js".into(), b"export default function init() {} ".repeat(100)),
                ("pkg/app.wasm".into(), wasm),
                ("pkg/app.css".into(), css.clone()),
                ("pkg/app.css.br".into(), b"prebuilt".to_vec()),
                ("favicon.ico".into(), vec![1, 2, 3]),
            ],
            "pkg",
            "app",
        )
    }

    fn get(assets: &Assets, path: &str, pairs: &[(header::HeaderName, &str)]) -> Response {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        assets.respond(&Method::GET, path, &headers).expect("an asset")
    }

    fn header<'a>(response: &'a Response, name: header::HeaderName) -> Option<&'a str> {
        response.headers().get(name).map(|v| v.to_str().unwrap())
    }

    #[test]
    fn the_glue_and_the_webassembly_share_one_hash_and_other_files_have_their_own() {
        let assets = site();
        let js = assets.url("/pkg/app.js");
        let wasm = assets.url("/pkg/app.wasm");
        assert_eq!(js.trim_end_matches(".js"), wasm.trim_end_matches(".wasm"), "{js} {wasm}");
        assert!(js.starts_with("/pkg/app.") && js.len() == "/pkg/app.".len() + 16 + ".js".len(), "{js}");
        let css = assets.url("/pkg/app.css");
        assert_ne!(css.split('.').nth(1), js.split('.').nth(1));
        assert_eq!(assets.url("/pkg/unknown.css"), "/pkg/unknown.css");
    }

    #[test]
    fn a_hashed_name_is_cached_for_a_year_and_a_plain_name_revalidates() {
        let assets = site();
        let hashed = get(&assets, &assets.url("/pkg/app.wasm"), &[]);
        assert_eq!(header(&hashed, header::CACHE_CONTROL), Some(IMMUTABLE));
        assert_eq!(header(&hashed, header::CONTENT_TYPE), Some("application/wasm"));
        let plain = get(&assets, "/pkg/app.wasm", &[]);
        assert_eq!(header(&plain, header::CACHE_CONTROL), Some(REVALIDATE));
        assert!(header(&plain, header::ETAG).is_some());
    }

    #[test]
    fn brotli_is_preferred_then_gzip_then_the_file_as_it_is() {
        let assets = site();
        let path = assets.url("/pkg/app.wasm");
        let br = get(&assets, &path, &[(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")]);
        assert_eq!(header(&br, header::CONTENT_ENCODING), Some("br"));
        assert_eq!(header(&br, header::VARY), Some("accept-encoding"));
        let gz = get(&assets, &path, &[(header::ACCEPT_ENCODING, "gzip, br;q=0")]);
        assert_eq!(header(&gz, header::CONTENT_ENCODING), Some("gzip"));
        let plain = get(&assets, &path, &[]);
        assert_eq!(header(&plain, header::CONTENT_ENCODING), None);
        assert_eq!(header(&plain, header::CONTENT_LENGTH), Some("50000"));
        let refused = get(&assets, &path, &[(header::ACCEPT_ENCODING, "*;q=0")]);
        assert_eq!(header(&refused, header::CONTENT_ENCODING), None);
    }

    #[test]
    fn a_copy_the_build_compressed_is_served_as_it_is() {
        let assets = site();
        let response = get(&assets, "/pkg/app.css", &[(header::ACCEPT_ENCODING, "br")]);
        assert_eq!(header(&response, header::CONTENT_LENGTH), Some("8"));
        assert!(!assets.contains("/pkg/app.css.br"), "the compressed copy is not a file of its own");
    }

    #[test]
    fn a_file_that_does_not_shrink_is_sent_as_it_is() {
        let assets = site();
        let icon = get(&assets, "/favicon.ico", &[(header::ACCEPT_ENCODING, "br, gzip")]);
        assert_eq!(header(&icon, header::CONTENT_ENCODING), None);
    }

    #[test]
    fn until_compressed_a_file_goes_out_as_it_is_or_as_the_build_compressed_it() {
        let assets = built_site();
        let wasm = get(&assets, &assets.url("/pkg/app.wasm"), &[(header::ACCEPT_ENCODING, "br, gzip")]);
        assert_eq!(header(&wasm, header::CONTENT_ENCODING), None);
        assert_eq!(header(&wasm, header::VARY), Some("accept-encoding"));
        let css = get(&assets, "/pkg/app.css", &[(header::ACCEPT_ENCODING, "br, gzip")]);
        assert_eq!(header(&css, header::CONTENT_ENCODING), Some("br"));
    }

    #[test]
    fn a_matching_etag_answers_304_without_a_body() {
        let assets = site();
        let first = get(&assets, "/pkg/app.css", &[(header::ACCEPT_ENCODING, "gzip")]);
        let etag = header(&first, header::ETAG).unwrap().to_owned();
        let again = get(&assets, "/pkg/app.css", &[(header::ACCEPT_ENCODING, "gzip"), (header::IF_NONE_MATCH, &etag)]);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other_encoding =
            get(&assets, "/pkg/app.css", &[(header::ACCEPT_ENCODING, "br"), (header::IF_NONE_MATCH, &etag)]);
        assert_eq!(other_encoding.status(), StatusCode::OK);
    }

    #[test]
    fn the_hydration_options_name_the_hashed_pair() {
        let assets = site();
        let options = LeptosOptions::builder().output_name("app").build();
        let hashed = assets.hydration_options(&options);
        assert_eq!(format!("/pkg/{}.js", hashed.output_name), assets.url("/pkg/app.js"));
        assert_eq!(Assets::default().hydration_options(&options).output_name, options.output_name);
    }

    #[test]
    fn only_get_and_head_are_answered() {
        let assets = site();
        assert!(assets.respond(&Method::POST, "/favicon.ico", &HeaderMap::new()).is_none());
        let head = assets.respond(&Method::HEAD, "/favicon.ico", &HeaderMap::new()).unwrap();
        assert_eq!(head.status(), StatusCode::OK);
    }
}
