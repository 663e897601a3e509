//! What the console checks on every request before a page or server function sees it, and the headers
//! it puts on every answer.
//!
//! - **Same-origin writes** ([`same_origin`]): a state-changing request (anything but GET/HEAD/OPTIONS)
//!   that a browser sends must come from the console's own pages. Browsers say where a request comes
//!   from in `Sec-Fetch-Site` and `Origin` (or, when `Origin` is left out, `Referer`), and a page on
//!   another origin can't forge any of them. A request with none of them is not a browser's cross-site
//!   request (every current browser sends `Origin` on a cross-origin POST), so it passes: tests, curl
//!   and scripts carry their own credentials rather than a victim's ambient cookie. This is a layer of the console's routes only, so an endpoint with
//!   its own authentication (signed OpenAPI calls) can be mounted beside them without it.
//! - **Server function bodies** ([`api_body`]): only the content type the function decodes, and at
//!   most [`MAX_API_BODY`] bytes.
//! - **Headers** ([`response_headers`], [`content_security_policy`]).

use super::state::AppState;
use crate::domain::Refusal;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Larger than any server function's arguments can sensibly be (a share with 64 principals is ~3 KB,
/// a ticket's 1,000 characters at most 4 KB); a larger body is refused before it is read to the end.
pub const MAX_API_BODY: usize = 64 * 1024;

/// An error as every console endpoint answers it: the error's status and `{kind, code, message}`.
pub fn error_response(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(e)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The console's own origin (`scheme://host[:port]`, lower case): the configured public origin, or the
/// one the request's `Host` names (https when cookies are marked `Secure`, which means the console is
/// served over HTTPS).
pub fn console_origin(public_origin: Option<&str>, secure_cookies: bool, headers: &HeaderMap) -> Option<String> {
    if let Some(origin) = public_origin {
        return Some(origin.to_ascii_lowercase());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if secure_cookies { "https" } else { "http" };
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// Whether a request may change state, from what the browser says about where it comes from.
pub fn check_same_origin(method: &Method, headers: &HeaderMap, console_origin: Option<&str>) -> Result<(), AppError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let refused = || AppError::from(Refusal::CrossOrigin);
    if let Some(site) = headers.get("sec-fetch-site") {
        if site.as_bytes() != b"same-origin" {
            return Err(refused());
        }
    }
    // Without `Origin` (an extension or an older browser leaves it out), the page that sent the request
    // is still named by `Referer`, which another site's page can't set to the console's either.
    let sender = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin.to_str().map_err(|_| refused())?,
        (None, Some(referer)) => referer.to_str().ok().and_then(origin_of).ok_or_else(refused)?,
        (None, None) => return Ok(()),
    };
    if console_origin.is_none_or(|own| !sender.eq_ignore_ascii_case(own)) {
        return Err(refused());
    }
    Ok(())
}

/// The origin (`scheme://host[:port]`) of an absolute URL, as a browser writes `Referer`.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    (!authority.is_empty()).then(|| &url[..scheme.len() + 3 + authority.len()])
}

/// The same-origin layer of the console's routes (see the module documentation).
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let own = console_origin(state.settings.public_origin.as_deref(), state.settings.secure_cookies, request.headers());
    match check_same_origin(request.method(), request.headers(), own.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(e) => error_response(e),
    }
}

/// Whether the console answers a request that names `host` (its `Host` header): DNS rebinding makes a
/// page on evil.example talk to the console (its name now resolving to 127.0.0.1) with
/// `Host: evil.example`, and without `--public-origin` the console's own origin comes from `Host`, so
/// that page would count as the console's own. No other site's page can be at an IP address (a page
/// there is the server's) or at a localhost name (browsers resolve `localhost` and `*.localhost` to
/// loopback themselves), so without a public origin only those are answered; with one, its own host
/// name, and IP addresses (what a proxy that rewrites `Host` to the upstream's address sends).
pub fn check_host(host: &str, public_origin: Option<&str>) -> Result<(), Refusal> {
    let name = host_name(host).map(str::to_ascii_lowercase);
    let public_host =
        public_origin.and_then(|origin| origin.split_once("://")).and_then(|(_, authority)| host_name(authority));
    let allowed = name.as_deref().is_some_and(|name| match public_host {
        Some(own) => name.eq_ignore_ascii_case(own) || name.parse::<std::net::IpAddr>().is_ok(),
        None => name.parse::<std::net::IpAddr>().is_ok() || name == "localhost" || name.ends_with(".localhost"),
    });
    if allowed {
        return Ok(());
    }
    let shown: String = host.chars().filter(|c| !c.is_control()).take(80).collect();
    Err(Refusal::UnknownHost { host: shown, public_host: public_host.map(str::to_owned) })
}

/// The host of `host[:port]` (an IPv6 address without its brackets), if the port is digits.
fn host_name(authority: &str) -> Option<&str> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        return (after.is_empty() || after.strip_prefix(':').is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit())))
            .then_some(address);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => Some(name),
        Some(_) => None,
        None => Some(authority),
    }
    .filter(|name| !name.is_empty())
}

/// The host layer of the console's routes (see [`check_host`]), outermost: a refused request is
/// answered before anything reads it. A request without `Host` is no browser's (HTTP/1.1 browsers
/// always send it), so it passes.
pub async fn own_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(host) = request.headers().get(header::HOST) else { return next.run(request).await };
    match check_host(host.to_str().unwrap_or("(not text)"), state.settings.public_origin.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => error_response(refusal.into()),
    }
}

/// The content type a server function's body must have: JSON for the ones declared `input = Json`
/// (listed in [`crate::api::JSON_INPUT`]), a form for every other.
fn expected_content_type(path: &str) -> &'static str {
    if crate::api::JSON_INPUT.contains(&path) {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    }
}

/// Reads a request's whole body: at most `limit` bytes (413), and all of it within `deadline` (408),
/// so a client that trickles its body, or stops sending it, holds no handler (and no connection) for
/// longer than that. Every refusal comes before anything has acted on the request, and two come
/// before a byte of the body is read: a declared `Content-Length` over the limit (so a client that
/// sent `Expect: 100-continue` is told at once instead of being asked for the body), and a body sent
/// compressed (`Content-Encoding`: nothing here decodes one, so its bytes would be read as if they
/// were the form or the JSON itself, and a proxy that does decode them would see another request).
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    deadline: std::time::Duration,
) -> Result<Bytes, AppError> {
    let too_large = || AppError::from(Refusal::BodyTooLarge { limit_kb: limit / 1024 });
    if let Some(encoding) = content_encoding(headers) {
        return Err(Refusal::EncodedBody { encoding }.into());
    }
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(Refusal::BodyTooSlow { limit_secs: deadline.as_secs_f64().ceil() as u64 }.into()),
    }
}

/// The coding a request's `Content-Encoding` names, unless it names none or only `identity` (as
/// sent, shortened for the refusal's sentence).
fn content_encoding(headers: &HeaderMap) -> Option<String> {
    let named: Vec<String> = headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .flat_map(|v| v.split(',').map(|c| c.trim().to_owned()).collect::<Vec<_>>())
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .collect();
    let shown: String = named.join(", ").chars().filter(|c| !c.is_control()).take(32).collect();
    (!named.is_empty()).then_some(shown)
}

/// Checks a server function call's content type (415), size (413) and pace (408) and hands on the
/// body, read once.
pub async fn api_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    // leptos answers a path no server function has with a plain-text 400; a caller deserves the API's
    // own shape: a 404 with a code, naming what it asked for. (`api::decode` lists every registered
    // server function, which a test holds it to.)
    if !crate::api::decode::knows(request.uri().path()) {
        let shown: String = request.uri().path().chars().filter(|c| !c.is_control()).take(80).collect();
        return error_response(Refusal::UnknownCall { path: shown }.into());
    }
    // Only a POST carries a call's arguments in its body. Any other method is the router's to answer
    // (405 naming POST), whatever it sends: a CORS preflight (OPTIONS, no body, no content type) was
    // told its content type was wrong.
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let expected = expected_content_type(request.uri().path());
    let sent = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // Parameters (`; charset=utf-8`) are allowed; the media type itself must match.
    let media_type = sent.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case(expected) {
        let shown = if media_type.is_empty() { "none".to_owned() } else { media_type.chars().take(64).collect() };
        return error_response(Refusal::WrongContentType { expected, sent: shown }.into());
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_body(&parts.headers, body, MAX_API_BODY, state.settings.body_deadline).await {
        Ok(bytes) => bytes,
        Err(e) => return error_response(e),
    };
    // A browser's own form post (JavaScript off) is answered by leptos with a redirect back to the page
    // carrying the refusal; any other caller is told here which field did not decode.
    let accepts_html =
        parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if !accepts_html {
        if let Some(wrong) = crate::api::decode::check(parts.uri.path(), &bytes) {
            let sentence = match &wrong.field {
                Some(field) => crate::error::undecodable_field_sentence(field, &wrong.detail),
                None => crate::error::undecodable_sentence(&wrong.detail),
            };
            return error_response(Refusal::UndecodableBody { sentence }.into());
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The Content-Security-Policy of a rendered page. Scripts: the site's own files and the inline
/// hydration bootstrap, which carries this response's `nonce`; `'wasm-unsafe-eval'` lets the app's
/// WebAssembly compile. Inline `style` attributes stay allowed (progress bars set their width that
/// way; an attribute can't run script). Under `cargo leptos watch` the live-reload socket is allowed.
pub fn content_security_policy(nonce: &str, reload_port: Option<u32>) -> String {
    let reload = reload_port.map(|port| format!(" ws://*:{port} wss://*:{port}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Puts the Content-Security-Policy on the page being rendered, with the nonce leptos gives this
/// response's inline scripts (called from the HTML shell, before anything is sent).
pub fn set_page_policy(options: &leptos::config::LeptosOptions) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let reload_port =
        std::env::var_os("LEPTOS_WATCH").map(|_| options.reload_external_port.unwrap_or(options.reload_port));
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(&nonce, reload_port)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Refuses a request whose target is not a path: the authority form (`host:port`), which only a
/// proxy is asked for (CONNECT), made Leptos' handler panic (it unwraps the path) and the connection
/// end unanswered. Outermost but for the headers, so no route meets one.
pub async fn request_target(request: Request, next: Next) -> Response {
    if request.uri().path_and_query().is_some() {
        return next.run(request).await;
    }
    let target: String = request.uri().to_string().chars().filter(|c| !c.is_control()).take(80).collect();
    error_response(Refusal::TargetNotAPath { target }.into())
}

/// No sniffing, no framing, no referrer to other sites: on every answer, the refusal of a connection
/// over its client's limit too (`serve::refuse_crowded`, written before any router layer runs).
pub const EDGE_HEADERS: [(&str, &str); 3] =
    [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "same-origin")];

/// Headers on every answer: no sniffing, no framing, no referrer to other sites; `no-store` on all but
/// the build's files (pages, server functions and the CSV export carry account data, which must not
/// linger in a shared or back-button cache; the files set their own policy, see `assets`); HSTS when
/// the console is served over HTTPS.
pub async fn response_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_static = path.starts_with("/pkg/") || state.assets.contains(path);
    let mut response = next.run(request).await;
    let method_refused = response.status() == StatusCode::METHOD_NOT_ALLOWED;
    let headers = response.headers_mut();
    for (name, value) in EDGE_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !(is_static && headers.contains_key(header::CACHE_CONTROL)) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // axum's method router puts its `Allow` on whatever a route's fallback answers, so the OpenAPI's
    // answers to POST on `/` (a page's address, which takes GET) said `Allow: GET,HEAD`: it belongs
    // on a 405 alone.
    if !method_refused {
        headers.remove(header::ALLOW);
    }
    if state.settings.secure_cookies {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// Checks a `--public-origin` setting: `scheme://host[:port]` with no path, as browsers send `Origin`.
pub fn parse_public_origin(value: &str) -> Result<String, String> {
    let value = value.trim().trim_end_matches('/');
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| format!("public origin {value:?} must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!("public origin {value:?} must be scheme://host[:port] with no path"));
    }
    Ok(value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const OWN: Option<&str> = Some("http://console.example:3000");

    #[test]
    fn reads_pass_whatever_their_origin() {
        let h = headers(&[("origin", "http://evil.example"), ("sec-fetch-site", "cross-site")]);
        assert!(check_same_origin(&Method::GET, &h, OWN).is_ok());
        assert!(check_same_origin(&Method::HEAD, &h, OWN).is_ok());
    }

    #[test]
    fn a_post_from_the_consoles_own_pages_passes() {
        let h = headers(&[("origin", "http://console.example:3000"), ("sec-fetch-site", "same-origin")]);
        assert!(check_same_origin(&Method::POST, &h, OWN).is_ok());
    }

    #[test]
    fn a_post_from_another_port_of_the_same_host_is_refused() {
        let h = headers(&[("origin", "http://console.example:8080"), ("sec-fetch-site", "same-site")]);
        let e = check_same_origin(&Method::POST, &h, OWN).unwrap_err();
        assert_eq!((e.code.as_str(), e.status()), ("Forbidden.CrossOrigin", 403));
    }

    #[test]
    fn sec_fetch_site_other_than_same_origin_is_refused_even_without_origin() {
        for site in ["cross-site", "same-site", "none"] {
            let h = headers(&[("sec-fetch-site", site)]);
            assert!(check_same_origin(&Method::POST, &h, OWN).is_err(), "{site}");
        }
    }

    #[test]
    fn an_opaque_null_origin_is_refused() {
        let h = headers(&[("origin", "null")]);
        assert!(check_same_origin(&Method::POST, &h, OWN).is_err());
    }

    #[test]
    fn an_origin_is_refused_when_the_consoles_own_is_unknown() {
        let h = headers(&[("origin", "http://console.example:3000")]);
        assert!(check_same_origin(&Method::POST, &h, None).is_err());
    }

    #[test]
    fn without_an_origin_the_referers_origin_must_be_the_consoles_own() {
        assert!(check_same_origin(
            &Method::POST,
            &headers(&[("referer", "http://console.example:3000/clusters?x=1")]),
            OWN
        )
        .is_ok());
        for referer in [
            "http://evil.example/",
            "http://console.example:3000.evil.example/",
            "/clusters",
            "://console.example:3000",
            "http://",
        ] {
            assert!(check_same_origin(&Method::POST, &headers(&[("referer", referer)]), OWN).is_err(), "{referer}");
        }
        assert_eq!(origin_of("https://Console.Example#x"), Some("https://Console.Example"));
    }

    #[test]
    fn a_client_sending_neither_header_is_not_a_browser_and_passes() {
        assert!(check_same_origin(&Method::POST, &HeaderMap::new(), OWN).is_ok());
    }

    #[test]
    fn the_own_origin_comes_from_the_host_header_unless_configured() {
        let h = headers(&[("host", "Console.Example:3000")]);
        assert_eq!(console_origin(None, false, &h).as_deref(), Some("http://console.example:3000"));
        assert_eq!(console_origin(None, true, &h).as_deref(), Some("https://console.example:3000"));
        assert_eq!(console_origin(Some("https://polar.example"), false, &h).as_deref(), Some("https://polar.example"));
        assert_eq!(console_origin(None, false, &HeaderMap::new()), None);
    }

    #[test]
    fn a_public_origin_must_be_scheme_and_host_only() {
        assert_eq!(parse_public_origin("https://Polar.Example/").unwrap(), "https://polar.example");
        assert!(parse_public_origin("polar.example").is_err());
        assert!(parse_public_origin("https://polar.example/console").is_err());
    }

    #[test]
    fn the_policy_carries_the_nonce_and_allows_webassembly() {
        let csp = content_security_policy("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"), "{csp}");
        let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe-inline") && !scripts.contains(" 'unsafe-eval'"), "{scripts}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(content_security_policy("n", Some(3001)).contains("ws://*:3001"));
    }
}
