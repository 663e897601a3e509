//! What every request to the console goes through: same-origin writes, server-function content types
//! and sizes, undecodable arguments as 400, server-made request ids, and the headers on every answer.

use crate::helpers::*;
use axum::body::{to_bytes, Body};
use axum::Router;
use http::{header, Request, StatusCode};
use polarshare::server::state::Settings;
use tower::ServiceExt;

/// The app's router with other settings.
fn router_with(app: &TestApp, change: impl FnOnce(&mut Settings)) -> Router {
    let mut state = app.state.clone();
    change(&mut state.settings);
    polarshare::server::app::router(state)
}

fn post(name: &str, content_type: &str, cookie: &str) -> http::request::Builder {
    Request::post(format!("/api/{name}")).header(header::CONTENT_TYPE, content_type).header(header::COOKIE, cookie)
}

async fn backup_sets(app: &TestApp) -> i64 {
    app.count("select count(*) from backup_set").await
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused_with_403_and_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let before = backup_sets(&app).await;
    for (name, value) in [
        ("origin", "http://127.0.0.1:8080"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "null"),
    ] {
        let request = post("delete_backup_set", "application/x-www-form-urlencoded", &owner)
            .header(header::HOST, "127.0.0.1:3000")
            .header(name, value)
            .body(Body::from(format!("backup_set_id={backup}")))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(r.refusal(), (403, "Forbidden.CrossOrigin"));
        assert!(r.json["message"].as_str().unwrap().ends_with("Nothing was changed."));
    }
    assert_eq!(backup_sets(&app).await, before);
}

/// The owner's sign-in as a browser on `origin` sends it to the console at `host`.
fn browser_sign_in(host: &str, origin: &str, fetch_site: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, host)
        .header(header::ORIGIN, origin);
    if let Some(site) = fetch_site {
        request = request.header("sec-fetch-site", site);
    }
    request.body(Body::from(format!("login=owner&password={DEMO_PASSWORD}"))).unwrap()
}

#[tokio::test]
async fn a_sign_in_from_another_site_is_refused_without_a_session() {
    let app = TestApp::new().await;
    let r = app.send(browser_sign_in("127.0.0.1:3000", "http://evil.example", Some("cross-site"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.set_cookie.is_none());
    assert_eq!(app.count("select count(*) from session").await, 0);
}

#[tokio::test]
async fn a_post_from_the_consoles_own_pages_passes() {
    let app = TestApp::new().await;
    let r = app.send(browser_sign_in("127.0.0.1:3000", "http://127.0.0.1:3000", Some("same-origin"))).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_proxy_the_configured_public_origin_is_the_consoles_own() {
    let app = TestApp::new().await;
    let router = router_with(&app, |s| s.public_origin = Some("https://polar.example".into()));
    let call = |origin| browser_sign_in("10.0.0.5:3000", origin, None);
    assert_eq!(router.clone().oneshot(call("https://polar.example")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(router.oneshot(call("http://10.0.0.5:3000")).await.unwrap().status(), StatusCode::FORBIDDEN);
}

/// DNS rebinding: a page on evil.example whose name then resolves to 127.0.0.1 reaches the console with
/// `Host: evil.example`, and its requests count as the console's own origin (derived from `Host`). So
/// without `--public-origin` the console answers only at an IP address or a localhost name (no other
/// site's page can be on those), and refuses any other name with a code and a sentence, pages, sign-in
/// and calls alike, before anything is read or changed. With it, only its own host name (and IP
/// addresses, what a proxy that rewrites `Host` sends).
#[tokio::test]
async fn the_console_answers_only_at_its_own_host_names_so_a_rebinding_page_cant_use_it() {
    let app = TestApp::new().await;
    let page = |host: &str| Request::get("/").header(header::HOST, host).body(Body::empty()).unwrap();
    for host in [
        "127.0.0.1:3000",
        "127.0.0.1",
        "[::1]:3000",
        "localhost:3000",
        "LOCALHOST",
        "app.localhost:3000",
        "10.0.0.5:3000",
        "[2001:db8::1]",
    ] {
        let r = app.send(page(host)).await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
        let r = app
            .send(browser_sign_in(host, &format!("http://{}", host.to_ascii_lowercase()), Some("same-origin")))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{host}: {:?}", r.json);
    }
    let sessions = app.count("select count(*) from session").await;
    for host in [
        "evil.example",
        "evil.example:3000",
        "127.0.0.1.evil.example",
        "localhost.evil.example:3000",
        "[::1]x",
        "polar.example",
    ] {
        for request in [page(host), browser_sign_in(host, &format!("http://{host}"), Some("same-origin"))] {
            let r = app.send(request).await;
            assert_eq!(r.refusal(), (403, "Forbidden.Host"), "{host}: {:?}", r.json);
            assert!(r.set_cookie.is_none(), "{host}");
            let message = r.json["message"].as_str().unwrap();
            assert!(message.contains("--public-origin") && message.ends_with("Nothing was changed."), "{message}");
        }
    }
    assert_eq!(app.count("select count(*) from session").await, sessions, "no session made by a refused sign-in");
    // A request with no Host at all is no browser's (HTTP/1.1 browsers always send it).
    assert_eq!(app.send(Request::get("/").body(Body::empty()).unwrap()).await.status, StatusCode::OK);

    // With a public origin: its host (any port, any case), or an IP address; no other name.
    let router = router_with(&app, |s| s.public_origin = Some("https://polar.example".into()));
    for (host, status) in [
        ("polar.example", StatusCode::OK),
        ("Polar.Example:443", StatusCode::OK),
        ("127.0.0.1:3000", StatusCode::OK),
        ("evil.example", StatusCode::FORBIDDEN),
        ("localhost:3000", StatusCode::FORBIDDEN),
    ] {
        assert_eq!(router.clone().oneshot(page(host)).await.unwrap().status(), status, "{host}");
    }
    // The signed OpenAPI is not the console: its callers carry their own keys (a rebinding page has
    // none), and SDKs may address the server by any name. A call by name reaches it (and is refused
    // for its missing signature, not its host).
    let api = app
        .send(
            Request::get("/?Action=ListResourceShares")
                .header(header::HOST, "polarshare.internal:3000")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(api.code(), "Forbidden.Host", "{:?}", api.json);
}

#[tokio::test]
async fn a_server_function_takes_only_its_own_content_type() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    for (name, content_type, body) in [
        ("sign_in", "text/plain", format!("login=owner&password={DEMO_PASSWORD}")),
        ("list_clusters", "multipart/form-data; boundary=x", String::new()),
        ("list_clusters", "application/json", "{}".to_owned()),
        ("share_backup_set", "application/x-www-form-urlencoded", "request=x".to_owned()),
        ("share_backup_set", "text/plain", "{}".to_owned()),
    ] {
        let r = app.send(post(name, content_type, &owner).body(Body::from(body)).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name} as {content_type}");
        assert_eq!(r.refusal(), (415, "UnsupportedMediaType"));
        assert!(r.json["message"].as_str().unwrap().starts_with("This call takes a body of type"), "{:?}", r.json);
    }
    assert_eq!(app.count("select count(*) from session").await, 1, "the text/plain sign-in made no session");
    let charset =
        post("list_clusters", "application/x-www-form-urlencoded; charset=UTF-8", &owner).body(Body::empty()).unwrap();
    assert_eq!(app.send(charset).await.status, StatusCode::OK, "a charset parameter is fine");
}

#[tokio::test]
async fn an_over_large_body_is_refused_with_413() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let body = format!("kind=QuotaIncrease&message={}", "x".repeat(3 << 20));
    let r = app
        .send(post("submit_ticket", "application/x-www-form-urlencoded", &owner).body(Body::from(body)).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.refusal(), (413, "RequestEntityTooLarge"));
    assert_eq!(app.count("select count(*) from ticket").await, 0);
}

#[tokio::test]
async fn undecodable_arguments_answer_400_invalid_parameter_naming_what_is_wrong() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let form = |name: &'static str, body: &'static str| (name, "application/x-www-form-urlencoded", body.to_owned());
    let json_call = |body: &str| ("share_backup_set", "application/json", body.to_owned());
    let cases = [
        (form("list_backup_sets", "cluster_id=pc-bp1orders0001&page=abc"), "whole number"),
        (form("answer_invitation", "invitation_id=i-000000000000&accept=maybe"), "true or false"),
        (form("list_backup_sets", "page=1"), "`cluster_id`"),
        (form("sign_in", "login=owner"), "`password`"),
        (json_call(""), "empty"),
        (json_call("{\"request\": "), "empty or cut short"),
        (json_call("{\"request\": {\"backup_set_id\": 5, \"method\": {}}}"), "text"),
        (json_call("{\"request\": {\"method\": {\"New\": {\"name\": \"n\", \"scope\": \"AllAccounts\", \"principals\": []}}}}"), "`backup_set_id`"),
        (json_call("{\"request\": {\"backup_set_id\": \"b\", \"method\": {\"Sideways\": {}}}}"), "one of the listed values"),
    ];
    for ((name, content_type, body), says) in cases {
        let r = app.send(post(name, content_type, &owner).body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name} {body}: {:?}", r.json);
        assert_eq!(r.refusal(), (400, "InvalidParameter"), "{name} {body}");
        let message = r.json["message"].as_str().unwrap();
        assert!(message.contains(says), "{name} {body}: {message}");
    }
}

#[tokio::test]
async fn request_ids_are_made_by_the_server_and_a_callers_is_kept_beside_them() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    for caller_id in ["same-id-twice", "same-id-twice", "not sane <script>"] {
        let request = post("delete_backup_set", "application/x-www-form-urlencoded", &owner)
            .header("x-request-id", caller_id)
            .body(Body::from("backup_set_id=3299999999"))
            .unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::NOT_FOUND);
    }
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("select request_id, caller_request_id from audit_event where action = 'DeleteBackupSet' order by audit_event_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|(id, _)| id.starts_with("req-")), "{rows:?}");
    assert_ne!(rows[0].0, rows[1].0, "the same caller id never makes two events share a request id");
    assert_eq!(rows[0].1.as_deref(), Some("same-id-twice"));
    assert_eq!(rows[2].1, None, "a caller id that is not a short token is not recorded");
}

async fn get(router: Router, path: &str, cookie: Option<&str>) -> (StatusCode, http::HeaderMap, String) {
    let mut request = Request::get(path);
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, String::from_utf8_lossy(&to_bytes(body, 10 << 20).await.unwrap()).into_owned())
}

#[tokio::test]
async fn a_page_carries_a_content_security_policy_whose_nonce_is_on_its_inline_scripts() {
    let app = TestApp::new().await;
    let (status, headers, html) = get(app.router.clone(), "/login", None).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).expect("a CSP").to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe-inline'"), "{csp}");
    let scripts = html.matches("<script").count();
    assert!(scripts >= 1, "the hydration bootstrap is inline");
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        html.matches("<script").count(),
        "every inline script carries the nonce"
    );
    let (_, again, _) = get(app.router.clone(), "/login", None).await;
    assert_ne!(again.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap(), csp, "a new nonce per page");
}

#[tokio::test]
async fn account_data_is_never_stored_by_caches() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    for path in ["/clusters", "/audit/export.csv", "/login", "/pkg/not-a-build-file.js"] {
        let (_, headers, _) = get(app.router.clone(), path, Some(&owner)).await;
        assert_eq!(headers.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let response = app
        .router
        .clone()
        .oneshot(post("list_clusters", "application/x-www-form-urlencoded", &owner).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
}

/// The app's router serving a small site: the glue, the WebAssembly, the stylesheet and the icon.
fn router_with_site(app: &TestApp) -> Router {
    use polarshare::server::assets::Assets;
    let mut state = app.state.clone();
    let assets = Assets::from_files(
        vec![
            ("pkg/polarshare.js".into(), b"export default async function init() {}\n".repeat(50)),
            ("pkg/polarshare.wasm".into(), vec![0; 20_000]),
            ("pkg/polarshare.css".into(), b"body { margin: 0 }\n".repeat(50)),
            ("favicon.ico".into(), vec![0, 0, 1, 0]),
        ],
        "pkg",
        "polarshare",
    );
    assets.compress();
    state.assets = std::sync::Arc::new(assets);
    polarshare::server::app::router(state)
}

#[tokio::test]
async fn pages_name_the_build_files_by_content_hash_and_browsers_keep_those_for_a_year() {
    let app = TestApp::new().await;
    let router = router_with_site(&app);
    let (_, headers, html) = get(router.clone(), "/login", None).await;
    assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    // The page itself is compressed per request, keeping its policy headers.
    let request = Request::get("/login").header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).unwrap();
    let compressed = router.clone().oneshot(request).await.unwrap();
    assert_eq!(compressed.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert!(compressed.headers().get(header::CONTENT_SECURITY_POLICY).is_some());
    assert_eq!(compressed.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
    let links: Vec<&str> = html.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    let named = |prefix: &str, ext: &str| {
        links
            .iter()
            .find(|l| l.starts_with(prefix) && l.ends_with(ext))
            .unwrap_or_else(|| panic!("{prefix}…{ext} in {links:?}"))
            .to_string()
    };
    let glue = named("/pkg/polarshare.", ".js");
    let stylesheet = named("/pkg/polarshare.", ".css");
    let icon = named("/favicon.", ".ico");
    assert_eq!(glue.len(), "/pkg/polarshare.".len() + 16 + ".js".len(), "{glue}");
    for path in [&glue, &stylesheet, &icon] {
        let request =
            Request::get(path.as_str()).header(header::ACCEPT_ENCODING, "gzip, br").body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "public, max-age=31536000, immutable", "{path}");
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff", "{path}");
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none(), "{path}");
    }
    let request = Request::get(glue.as_str()).header(header::ACCEPT_ENCODING, "gzip, br").body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers().get(header::CONTENT_ENCODING).unwrap(), "br");
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "text/javascript; charset=utf-8");

    // The plain name still answers, but a browser must ask again before reusing it.
    let (status, plain, _) = get(router.clone(), "/pkg/polarshare.wasm", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(plain.get(header::CACHE_CONTROL).unwrap(), "no-cache");
    let etag = plain.get(header::ETAG).unwrap().clone();
    let request = Request::get("/pkg/polarshare.wasm").header(header::IF_NONE_MATCH, etag).body(Body::empty()).unwrap();
    assert_eq!(router.oneshot(request).await.unwrap().status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn hsts_is_sent_only_when_cookies_are_secure() {
    let app = TestApp::new().await;
    let (_, plain, _) = get(app.router.clone(), "/login", None).await;
    assert!(plain.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    let (_, secure, _) = get(router_with(&app, |s| s.secure_cookies = true), "/login", None).await;
    assert_eq!(secure.get(header::STRICT_TRANSPORT_SECURITY).unwrap(), "max-age=31536000");
}

#[tokio::test]
async fn the_csv_export_neutralises_formula_cells() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // A refused attempt is recorded with its target as typed.
    let r = app.form(Some(&owner), "delete_backup_set", "backup_set_id=%3D1%2B2").await;
    assert!(r.status.is_client_error(), "{:?}", r.json);
    let (_, _, csv) = get(app.router.clone(), "/audit/export.csv", Some(&owner)).await;
    assert!(csv.contains(",'=1+2,"), "{csv}");
    assert!(!csv.lines().any(|l| l.split(',').any(|cell| cell.starts_with(['=', '+', '@', '\t']))), "{csv}");
}

#[tokio::test]
async fn a_call_no_server_function_answers_is_a_404_with_a_code_for_every_method() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    for (method, path) in
        [("POST", "/api/no_such_call"), ("GET", "/api/no_such_call?x=1"), ("POST", "/api/%00%0a"), ("POST", "/api/")]
    {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &owner)
            .body(Body::from("a=1"))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.refusal(), (404, "InvalidAction.NotFound"), "{method} {path}");
        assert!(r.json["message"].as_str().unwrap().starts_with("There is no call /api/"), "{}", r.json);
    }
}

#[test]
fn every_server_function_has_its_arguments_checked_so_a_refusal_can_name_the_field() {
    let missing: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .filter(|path| !polarshare::api::decode::knows(path))
        .collect();
    assert!(missing.is_empty(), "add these to src/api/decode.rs: {missing:?}");
}

#[tokio::test]
async fn a_wrong_typed_value_is_a_400_that_names_its_field_and_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let before = backup_sets(&app).await;
    for (name, content_type, body, field) in [
        (
            "list_backup_sets",
            "application/x-www-form-urlencoded",
            format!("cluster_id={SHAREABLE_CLUSTER}&page=abc"),
            "`page`",
        ),
        (
            "answer_invitation",
            "application/x-www-form-urlencoded",
            "invitation_id=i-1&accept=maybe".to_owned(),
            "`accept`",
        ),
        (
            "list_my_shares",
            "application/x-www-form-urlencoded",
            "page_size=99999999999999999999".to_owned(),
            "`page_size`",
        ),
        (
            "share_backup_set",
            "application/json",
            r#"{"request":{"backup_set_id":5,"method":{"New":{"name":"x","scope":"AllAccounts","principals":[]}}}}"#
                .to_owned(),
            "`request.backup_set_id`",
        ),
        (
            "share_backup_set",
            "application/json",
            r#"{"request":{"backup_set_id":"1","method":{"New":{"name":"x","scope":"AllAccounts","principals":[7]}}}}"#
                .to_owned(),
            "`request.method.New.principals[0]`",
        ),
    ] {
        let r = app.send(post(name, content_type, &owner).body(Body::from(body.clone())).unwrap()).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "InvalidParameter"), "{name} {body}");
        let message = r.json["message"].as_str().unwrap();
        assert!(message.contains(field), "{name} {body}: {message}");
    }
    assert_eq!(backup_sets(&app).await, before);
}

/// The console's own origin is the one its `Host` names, compared whole: an origin that only
/// resembles it (a trailing dot, userinfo, a path, another scheme or port) is another origin, and the
/// `X-Forwarded-*` headers a client writes itself name nothing (the console reads neither, nor decides
/// `Secure` by them). A host name with a trailing dot is no localhost name.
#[tokio::test]
async fn an_origin_that_only_resembles_the_consoles_own_or_a_forwarded_header_makes_no_same_origin_write() {
    let app = TestApp::new().await;
    for origin in [
        "http://127.0.0.1:3000.",
        "http://user@127.0.0.1:3000",
        "http://127.0.0.1:3000/",
        "https://127.0.0.1:3000",
        "http://127.0.0.1",
        "http://127.0.0.1:3000:3000",
    ] {
        let r = app.send(browser_sign_in("127.0.0.1:3000", origin, None)).await;
        assert_eq!(r.refusal(), (403, "Forbidden.CrossOrigin"), "{origin}");
        assert!(r.set_cookie.is_none(), "{origin}");
    }
    let mut forged = browser_sign_in("127.0.0.1:3000", "http://evil.example", None);
    for (name, value) in [
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "http"),
        ("forwarded", "host=evil.example;proto=http"),
    ] {
        forged.headers_mut().insert(name, value.parse().unwrap());
    }
    assert_eq!(app.send(forged).await.refusal(), (403, "Forbidden.CrossOrigin"));
    for host in ["localhost.:3000", "127.0.0.1.:3000", "app.localhost.:3000"] {
        let r = app.send(browser_sign_in(host, &format!("http://{host}"), Some("same-origin"))).await;
        assert_eq!(r.refusal(), (403, "Forbidden.Host"), "{host}");
    }
    assert_eq!(app.count("select count(*) from session").await, 0, "no session made");
    // A plain-http console behind a client claiming HTTPS still sets its plain cookie, not Secure.
    let mut https = browser_sign_in("127.0.0.1:3000", "http://127.0.0.1:3000", Some("same-origin"));
    https.headers_mut().insert("x-forwarded-proto", "https".parse().unwrap());
    let cookie = app.send(https).await.set_cookie.expect("signed in");
    assert!(cookie.starts_with("polarshare_session=") && !cookie.contains("Secure"), "{cookie}");
}

/// A browser POST without `Origin` or `Sec-Fetch-Site` (one whose extension strips them, or an older
/// one) still says in `Referer` which page sent it: another origin's page (or one the console can't read
/// as an origin) makes no write; the console's own pages, and a request naming no page at all (curl,
/// scripts: no ambient cookie of a victim), still do.
#[tokio::test]
async fn a_post_whose_only_sign_of_origin_is_another_pages_referer_is_refused() {
    let app = TestApp::new().await;
    let sign_in_with_referer = |referer: Option<&str>| {
        let mut request = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(referer) = referer {
            request = request.header(header::REFERER, referer);
        }
        request.body(Body::from(format!("login=owner&password={DEMO_PASSWORD}"))).unwrap()
    };
    for referer in [
        "http://evil.example/phish",
        "http://127.0.0.1:8080/",
        "https://127.0.0.1:3000/login",
        "http://127.0.0.1:3000.evil.example/",
        "not a url",
    ] {
        let r = app.send(sign_in_with_referer(Some(referer))).await;
        assert_eq!(r.refusal(), (403, "Forbidden.CrossOrigin"), "{referer}");
        assert!(r.set_cookie.is_none(), "{referer}");
    }
    assert_eq!(app.count("select count(*) from session").await, 0, "no session made");
    for referer in [Some("http://127.0.0.1:3000/login?next=/clusters"), Some("HTTP://127.0.0.1:3000"), None] {
        assert_eq!(app.send(sign_in_with_referer(referer)).await.status, StatusCode::OK, "{referer:?}");
    }
}
