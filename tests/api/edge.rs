//! The HTTP edge: what every kind of answer carries, and what the server does with requests a browser
//! or SDK never sends (compressed bodies, oversized heads and bodies, methods an address does not take,
//! a preflight, paths that try to leave the site's files, a smuggled request), on the real router and,
//! where only a socket shows it, on the real server or binary.

use crate::helpers::*;
use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// The real server on a loopback port, as `main` serves `router`, with the default limits.
async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(polarshare::server::serve::serve(listener, router, Default::default(), std::future::pending()));
    addr
}

/// Sends `bytes` on a new connection; everything the server answers until it closes the connection
/// or `wait` passes.
async fn exchange(addr: std::net::SocketAddr, bytes: &[u8], wait: Duration) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 16384];
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    String::from_utf8_lossy(&got).into_owned()
}

/// The header `name` (lower case) of a raw answer's head, if it has one.
fn raw_header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next().unwrap_or("");
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The router over a site whose build files are on disk under a temporary site root (as under
/// `cargo leptos watch`, or a file added after the start), with a file beside that root that no
/// request may reach.
fn router_over_site_on_disk(app: &TestApp) -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
    std::fs::write(dir.path().join("site/pkg/polarshare.css"), "body { margin: 0 }").unwrap();
    std::fs::write(dir.path().join("site/favicon.ico"), "ICON").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "OUTSIDE-THE-SITE").unwrap();
    let mut state = app.state.clone();
    state.leptos_options.site_root = dir.path().join("site").to_str().unwrap().into();
    (polarshare::server::app::router(state), dir)
}

async fn read_all(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn gzip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Nothing decodes a compressed request body, so its bytes were read as the form itself: a proxy or
/// filter in front that decodes it saw another request than the console did. Such a body is refused
/// for what it is, before it is read.
#[tokio::test]
async fn a_body_sent_compressed_is_refused_415_and_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let ticket = gzip("kind=QuotaIncrease&message=more%20please");
    let console = Request::post("/api/submit_ticket")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::COOKIE, &owner)
        .body(Body::from(ticket.clone()))
        .unwrap();
    let api = Request::post("/?Action=ListResourceShares")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_ENCODING, "GZIP, identity")
        .body(Body::from(gzip("ResourceOwner=Self")))
        .unwrap();
    for (what, request, code_field) in [("console", console, "code"), ("openapi", api, "Code")] {
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{what}");
        let json: serde_json::Value = serde_json::from_str(&read_all(response).await).unwrap();
        assert_eq!(json[code_field], "UnsupportedMediaType", "{what}: {json}");
        let message = json[if what == "console" { "message" } else { "Message" }].as_str().unwrap();
        assert!(message.contains("uncompressed") && message.to_lowercase().contains("gzip"), "{what}: {message}");
    }
    assert_eq!(app.count("select count(*) from ticket").await, 0);
    // `identity` is no compression at all: such a body is read as it is.
    let plain = Request::post("/api/submit_ticket")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_ENCODING, "identity")
        .header(header::COOKIE, &owner)
        .body(Body::from("kind=QuotaIncrease&message=more%20please"))
        .unwrap();
    let r = app.send(plain).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

/// A client that asks before sending its body (`Expect: 100-continue`) and declares more than a call
/// may send is told 413 at once, by the OpenAPI endpoint as by the console: the endpoint asked for
/// the body (`100 Continue`) and read 64 KB of it first.
#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_the_client_is_asked_to_send_it() {
    let app = TestApp::new().await;
    let addr = serve(app.router.clone()).await;
    for (what, target) in [("console", "/api/sign_in"), ("openapi", "/?Action=ListResourceShares")] {
        let head = format!(
            "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n"
        );
        let answer = exchange(addr, head.as_bytes(), Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{what}: {}", &answer[..answer.len().min(300)]);
        assert!(!answer.contains("100 Continue"), "{what}: {answer}");
        assert!(answer.contains("RequestEntityTooLarge"), "{what}: {answer}");
    }
}

/// A request's line and headers are held whole until parsed: 64 KB at most (431), not hyper's ~400 KB.
#[tokio::test]
async fn a_request_head_over_64_kb_is_refused_431_and_a_large_ordinary_one_is_served() {
    let app = TestApp::new().await;
    let addr = serve(app.router.clone()).await;
    let with_header = |size: usize| {
        format!("GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: x={}\r\nConnection: close\r\n\r\n", "c".repeat(size))
    };
    let answer = exchange(addr, with_header(100 * 1024).as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{}", &answer[..answer.len().min(300)]);
    let answer = exchange(addr, with_header(16 * 1024).as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(300)]);
}

/// A call takes POST only, and a CORS preflight is no exception: it is told 405 naming POST (it was
/// told 415, that its missing body had the wrong type), and no answer grants another origin anything.
#[tokio::test]
async fn a_call_answers_every_other_method_405_naming_post_and_grants_no_other_origin() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri("/api/list_clusters")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    let put = Request::put("/api/list_clusters").header(header::COOKIE, &owner).body(Body::from("page=1")).unwrap();
    for (what, request) in [("preflight", preflight), ("PUT without a content type", put)] {
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{what}");
        assert_eq!(response.headers().get(header::ALLOW).unwrap(), "POST", "{what}");
        let grants: Vec<_> =
            response.headers().keys().filter(|k| k.as_str().starts_with("access-control-")).cloned().collect();
        assert!(grants.is_empty(), "{what}: {grants:?}");
        let json: serde_json::Value = serde_json::from_str(&read_all(response).await).unwrap();
        assert_eq!(json["code"], "MethodNotAllowed", "{what}: {json}");
    }
}

/// The site's files are read, never anything else: a DELETE of the stylesheet was answered with the
/// stylesheet. Another method is a 405 on a file served from memory (a release build), a 404 on
/// anything else (files on disk, under `cargo leptos watch`, included): never the file.
#[tokio::test]
async fn a_file_answers_only_get_and_head() {
    let app = TestApp::new().await;
    let (on_disk, _site) = router_over_site_on_disk(&app);
    let mut state = app.state.clone();
    let files = vec![
        ("pkg/polarshare.css".to_owned(), b"body { margin: 0 }".to_vec()),
        ("favicon.ico".to_owned(), b"ICON".to_vec()),
    ];
    state.assets = std::sync::Arc::new(polarshare::server::assets::Assets::from_files(files, "pkg", "polarshare"));
    let in_memory = polarshare::server::app::router(state);
    for (served, router) in [("from disk", on_disk), ("from memory", in_memory)] {
        let get = Request::get("/pkg/polarshare.css").body(Body::empty()).unwrap();
        assert_eq!(router.clone().oneshot(get).await.unwrap().status(), StatusCode::OK, "{served}");
        for method in ["POST", "DELETE", "PUT", "OPTIONS"] {
            let request = Request::builder().method(method).uri("/no-such-file.txt").body(Body::empty()).unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{served}: {method}");
            for path in ["/pkg/polarshare.css", "/favicon.ico"] {
                let request = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
                let response = router.clone().oneshot(request).await.unwrap();
                let (status, allow) = (response.status(), response.headers().get(header::ALLOW).cloned());
                let body = read_all(response).await;
                assert!(!body.contains("margin") && !body.contains("ICON"), "{served}: {method} {path}: {body}");
                if served == "from memory" {
                    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{served}: {method} {path}");
                    assert_eq!(allow.unwrap(), "GET,HEAD", "{served}: {method} {path}");
                    assert!(body.contains("\"MethodNotAllowed\""), "{served}: {body}");
                } else {
                    // Files on disk are a `cargo leptos watch` server's: not known to be files here.
                    assert_eq!(status, StatusCode::NOT_FOUND, "{served}: {method} {path}");
                }
            }
        }
    }
}

/// axum's method router put `Allow: GET,HEAD` on the OpenAPI's answers to POST on `/` (a page's
/// address): `Allow` is for a 405 alone.
#[tokio::test]
async fn only_a_405_says_which_methods_are_allowed() {
    let app = TestApp::new().await;
    let request = Request::post("/?Action=ListResourceShares")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("ResourceOwner=Self"))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(header::ALLOW).is_none(), "{:?}", response.headers());
    let page = Request::post("/clusters").body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(page).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers().get(header::ALLOW).unwrap(), "GET,HEAD");
}

/// `--public-origin https://…` says browsers reach the console over HTTPS: its session cookie is then
/// `Secure` (`__Host-`) and every answer carries HSTS, as with `--secure-cookies`. Before, both waited
/// for `--secure-cookies`, so a console named https behind a proxy handed out a cookie any plain-http
/// request to its host would carry (the real binary, as an operator starts it).
#[tokio::test]
async fn an_https_public_origin_makes_the_cookie_secure_and_sends_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::restart::Server::start_with(
        &dir.path().join("edge.db"),
        &["--public-origin", "https://console.example"],
    )
    .await;
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    let body = format!("login=owner&password={DEMO_PASSWORD}");
    let sign_in = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: console.example\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = exchange(addr, sign_in.as_bytes(), Duration::from_secs(60)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(400)]);
    let cookie = raw_header(&answer, "set-cookie").expect("a session cookie");
    assert!(cookie.starts_with("__Host-polarshare_session=") && cookie.contains("; Secure"), "{cookie}");
    assert_eq!(raw_header(&answer, "strict-transport-security"), Some("max-age=31536000"));
    let page = b"GET /login HTTP/1.1\r\nHost: console.example\r\nConnection: close\r\n\r\n";
    let answer = exchange(addr, page, Duration::from_secs(60)).await;
    assert_eq!(raw_header(&answer, "strict-transport-security"), Some("max-age=31536000"), "{answer}");
}

/// The opposite mistake can't work at all (browsers drop a `Secure` cookie an http page sets: no
/// sign-in would last), so it is refused at start.
#[test]
fn secure_cookies_with_an_http_public_origin_is_refused_at_start() {
    use clap::Parser;
    use polarshare::server::config::Config;
    let contradiction =
        Config::try_parse_from(["polarshare", "--secure-cookies", "true", "--public-origin", "http://console.example"])
            .unwrap();
    let mistake = contradiction.check().expect_err("refused");
    assert!(mistake.contains("--secure-cookies") && mistake.contains("http://console.example"), "{mistake}");
    for fine in [
        vec!["polarshare", "--secure-cookies", "true", "--public-origin", "https://console.example"],
        vec!["polarshare", "--public-origin", "http://console.example"],
        vec!["polarshare", "--secure-cookies", "true"],
    ] {
        assert!(Config::try_parse_from(&fine).unwrap().check().is_ok(), "{fine:?}");
    }
}

/// A request target that is not a path (`host:port`, the form CONNECT asks a proxy for a tunnel with)
/// made Leptos' handler panic (it unwraps the path), and the connection was dropped unanswered. Each
/// is refused with a code, and the server serves on.
#[tokio::test]
async fn a_request_for_a_host_instead_of_a_path_is_refused_with_a_code() {
    let app = TestApp::new().await;
    let addr = serve(app.router.clone()).await;
    for request in [
        "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\nConnection: close\r\n\r\n",
        "GET 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "POST 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ] {
        let answer = exchange(addr, request.as_bytes(), Duration::from_secs(10)).await;
        let line = request.lines().next().unwrap();
        assert!(answer.starts_with("HTTP/1.1 4"), "{line}: {answer:?}");
        assert!(answer.contains("\"code\":\""), "{line}: {answer}");
        assert_eq!(raw_header(&answer, "x-content-type-options"), Some("nosniff"), "{line}");
    }
    let page = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    assert!(exchange(addr, page, Duration::from_secs(10)).await.starts_with("HTTP/1.1 200"));
}

/// Every kind of answer carries the edge's headers: pages (their 404 too) a Content-Security-Policy
/// with this answer's nonce and `frame-ancestors 'none'`; every answer `nosniff`, `X-Frame-Options:
/// DENY` and `Referrer-Policy: same-origin`; every answer but a build file `Cache-Control: no-store`;
/// none names the server's software or grants another origin anything.
#[tokio::test]
async fn every_kind_of_answer_carries_the_edge_headers() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let (router, _site) = router_over_site_on_disk(&app);
    let form = |path: &str, cookie: Option<&str>, body: &'static str| {
        let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from(body)).unwrap()
    };
    let get = |path: &str, cookie: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    };
    let cases: Vec<(&str, Request<Body>, u16, bool)> = vec![
        ("signed-in page", get("/clusters", Some(&owner)), 200, true),
        ("sign-in page", get("/login", None), 200, true),
        ("page not found", get("/no/such/page", Some(&owner)), 404, true),
        ("file not found", get("/pkg/no-such.js", None), 404, true),
        ("server function", form("/api/list_clusters", Some(&owner), "page=1"), 200, false),
        ("server function refused", form("/api/list_clusters", None, "page=1"), 401, false),
        ("unknown call", form("/api/no_such_call", None, ""), 404, false),
        ("page method", form("/clusters", None, ""), 405, false),
        ("csv export", get("/audit/export.csv", Some(&owner)), 200, false),
        ("openapi GET", get("/?Action=ListResourceShares", None), 400, false),
        ("openapi POST", form("/?Action=ListResourceShares", None, "ResourceOwner=Self"), 400, false),
        ("file", get("/favicon.ico", None), 200, false),
    ];
    for (what, request, status, page) in cases {
        let response = router.clone().oneshot(request).await.unwrap();
        let h = response.headers().clone();
        assert_eq!(response.status().as_u16(), status, "{what}: {h:?}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{what}");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{what}");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin", "{what}");
        assert!(h.get(header::SERVER).is_none() && h.get("x-powered-by").is_none(), "{what}: {h:?}");
        assert!(!h.keys().any(|k| k.as_str().starts_with("access-control-")), "{what}: {h:?}");
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{what}: plain HTTP sends no HSTS");
        if what != "file" {
            assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store", "{what}");
        }
        if page {
            let csp = h.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_owned();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'nonce-"), "{what}");
            let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
            let html = read_all(response).await;
            assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{what}: the inline scripts carry the nonce");
        }
    }
}

/// The files on disk are served from under the site root only: no path, however encoded, reaches a
/// file beside it, no directory is listed, and no odd path is a 500.
#[tokio::test]
async fn no_path_leaves_the_site_or_lists_a_directory() {
    let app = TestApp::new().await;
    let (router, _site) = router_over_site_on_disk(&app);
    let long_segment = format!("/pkg/{}", "a".repeat(300));
    let long_path = format!("/{}", "a/".repeat(5000));
    let paths = [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/pkg/..%5c..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "//secret.txt",
        "/pkg",
        "/pkg/",
        "//pkg",
        "/favicon.ico/x",
        "/pkg/%00",
        long_segment.as_str(),
        long_path.as_str(),
    ];
    for path in paths {
        let response = router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let body = read_all(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("OUTSIDE-THE-SITE") && !body.contains("Index of"), "{path}");
    }
}

/// A request carrying both `Transfer-Encoding: chunked` and `Content-Length` is read by the chunks and
/// its connection is closed after the answer, so what a proxy that went by the length would take for
/// a second request is never answered (request smuggling).
#[tokio::test]
async fn a_request_with_both_lengths_is_answered_once_and_its_connection_closed() {
    let app = TestApp::new().await;
    let addr = serve(app.router.clone()).await;
    let request =
        "POST /api/sign_in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                   Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
                   GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let started = std::time::Instant::now();
    let answer = exchange(addr, request.as_bytes(), Duration::from_secs(20)).await;
    assert!(started.elapsed() < Duration::from_secs(15), "the connection was left open");
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

/// A kept-alive connection left idle is closed after the header deadline, like one that never sends.
#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_deadline() {
    let app = TestApp::new().await;
    let limits = polarshare::server::serve::Limits { headers: Duration::from_millis(500), ..Default::default() };
    let addr = crate::network::serve_with(&app, limits).await;
    let started = std::time::Instant::now();
    let answer = exchange(addr, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", Duration::from_secs(20)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
    // Generous for a 0.5 s deadline on a busy machine, and far under the default's 30 s.
    assert!(started.elapsed() < Duration::from_secs(15), "still open after {:?}", started.elapsed());
}
