//! The console as a service on a network: what a slow, odd or hostile client gets at the transport's
//! edges (methods a call does not take, bodies that stop arriving, headers that never end), through
//! the real router and, for what only a socket shows, through the real server on a loopback port.

use crate::helpers::*;
use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use polarshare::server::state::Settings;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

fn router_with(app: &TestApp, change: impl FnOnce(&mut Settings)) -> Router {
    let mut state = app.state.clone();
    change(&mut state.settings);
    // The throttle's rules are read from the settings when the guard is made.
    state.guard = polarshare::server::auth::SignInGuard::for_settings(&state.settings);
    polarshare::server::app::router(state)
}

#[tokio::test]
async fn a_server_function_called_with_another_method_is_a_405_with_a_code_and_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let before = app.count("select count(*) from backup_set").await;
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let request = Request::builder()
            .method(method)
            .uri(format!("/api/delete_backup_set?backup_set_id={backup}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &owner)
            .body(Body::from(format!("backup_set_id={backup}")))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.refusal(), (405, "MethodNotAllowed"), "{method}: {:?}", r.json);
        assert!(r.json["message"].as_str().unwrap().contains("POST"), "{method}: {}", r.json);
    }
    // A page takes GET only: a POST to it is told so the same way.
    let request = Request::post("/clusters").header(header::COOKIE, &owner).body(Body::from("x=1")).unwrap();
    assert_eq!(app.send(request).await.refusal(), (405, "MethodNotAllowed"));
    assert_eq!(app.count("select count(*) from backup_set").await, before);
}

/// A body that sends `first` and then nothing more, never ending.
fn stalled_body(first: &'static str) -> Body {
    let chunks =
        futures::stream::once(async move { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(first.as_bytes())) })
            .chain(futures::stream::pending());
    Body::from_stream(chunks)
}

use futures::StreamExt;

#[tokio::test]
async fn a_body_that_stops_arriving_is_a_408_with_a_code_and_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let router = router_with(&app, |s| s.body_deadline = Duration::from_millis(300));
    let console = Request::post("/api/submit_ticket")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, "60000")
        .header(header::COOKIE, &owner)
        .body(stalled_body("kind=QuotaIncrease&message=more"))
        .unwrap();
    // The OpenAPI endpoint reads its body before it can check a signature over it.
    let api = Request::post("/?Action=ListResourceShares")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, "60000")
        .body(stalled_body("ResourceOwner=Self"))
        .unwrap();
    for (what, request, code_field) in [("console", console, "code"), ("openapi", api, "Code")] {
        // Generous for a 0.3 s deadline on a busy machine, and still under the default's 30 s, which
        // would answer the same were the setting not applied.
        let answered = tokio::time::timeout(Duration::from_secs(20), router.clone().oneshot(request)).await;
        let response = answered.unwrap_or_else(|_| panic!("{what}: still waiting for the body after 20 s")).unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT, "{what}");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json[code_field], "RequestTimeout", "{what}: {json}");
    }
    assert_eq!(app.count("select count(*) from ticket").await, 0);
}

/// The real server on a loopback port (as `main` serves it), with a short header deadline.
async fn serve(app: &TestApp, headers: Duration) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = polarshare::server::serve::Limits { headers, ..Default::default() };
    assert!(
        limits.exempt.iter().any(|n| n.contains(std::net::Ipv4Addr::LOCALHOST.into())),
        "loopback is exempt from the connection limit"
    );
    tokio::spawn(polarshare::server::serve::serve(listener, app.router.clone(), limits, std::future::pending()));
    addr
}

/// Everything the server sends on `stream` until it closes it, or `None` if it is still open after `wait`.
async fn until_closed(stream: &mut tokio::net::TcpStream, wait: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected_and_others_are_served() {
    let app = TestApp::new().await;
    let addr = serve(&app, Duration::from_millis(500)).await;
    // Slowloris: a request line and one header, then silence.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    // And a client that connects and sends nothing at all.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();

    let mut good = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "login=owner&password=wrong";
    let request = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    good.write_all(request.as_bytes()).await.unwrap();
    let answer = until_closed(&mut good, Duration::from_secs(60)).await.expect("a whole request is answered");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // The server saw the peer's own address (the throttle and the audit trail key on it).
    let ip: String =
        sqlx::query_scalar("select source_ip from audit_event where action = 'SignIn' order by rowid desc limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(ip, "127.0.0.1");

    // Generous for a 0.5 s deadline on a busy machine, and under the default's 30 s.
    for (what, stream) in [("slow headers", &mut slow), ("nothing sent", &mut silent)] {
        let ended = until_closed(stream, Duration::from_secs(20)).await;
        assert!(ended.is_some(), "{what}: the connection is still open 20 s after a 0.5 s header deadline");
    }
}

/// A sign-in that reaches the console from `peer`, with `X-Forwarded-For: forwarded` if given.
fn sign_in_from(peer: &str, forwarded: Option<&str>, login: &str, password: &str) -> Request<Body> {
    let mut request = Request::post("/api/sign_in").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    let mut request = request.body(Body::from(format!("login={login}&password={password}"))).unwrap();
    let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    request
}

/// The address throttle of these tests: a lock at the fourth failure from one address.
fn small_address_lock(settings: &mut Settings) {
    settings.address_throttle = polarshare::domain::ThrottleRule {
        free_failures: 3,
        lock_after: 4,
        ..polarshare::domain::ThrottleRule::PER_ADDRESS
    };
}

async fn answer(router: &Router, request: Request<Body>) -> StatusCode {
    router.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_client_locking_its_address_locks_no_other_client_out() {
    let app = TestApp::new().await;
    let router = router_with(&app, |s| {
        small_address_lock(s);
        s.trusted_proxies = vec![polarshare::server::proxy::Network::parse("10.0.0.1").unwrap()];
    });
    // A sprayer behind the proxy, a new name each time (so no name's own throttle stops it) and a
    // made-up X-Forwarded-For of its own in front of what the proxy appends.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let forwarded = format!("192.0.2.{i}, 203.0.113.9");
        statuses.push(answer(&router, sign_in_from("10.0.0.1", Some(&forwarded), &format!("guess{i}"), "wrong")).await);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "the sprayer's own address is locked: {statuses:?}"
    );
    // Another client of the same proxy signs in.
    let other = sign_in_from("10.0.0.1", Some("198.51.100.4"), "owner", DEMO_PASSWORD);
    assert_eq!(answer(&router, other).await, StatusCode::OK);
    let locked: Vec<String> = sqlx::query_scalar("select target from audit_event where action = 'SignInLocked'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(locked, ["203.0.113.9"], "the lock is the client's, as the audit trail says");
    let signed_in: String =
        sqlx::query_scalar("select source_ip from audit_event where action = 'SignIn' and outcome = 'Success'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(signed_in, "198.51.100.4");
}

#[tokio::test]
async fn x_forwarded_for_from_a_client_that_is_not_a_trusted_proxy_dodges_nothing() {
    let app = TestApp::new().await;
    for trusted in [vec![], vec![polarshare::server::proxy::Network::parse("10.0.0.0/8").unwrap()]] {
        let router = router_with(&app, |s| {
            small_address_lock(s);
            s.trusted_proxies = trusted.clone();
        });
        let mut statuses = Vec::new();
        for i in 0..6 {
            // A fresh forwarded address each time, straight from the client's own 203.0.113.77.
            let forwarded = format!("198.51.100.{i}");
            statuses.push(
                answer(
                    &router,
                    sign_in_from("203.0.113.77", Some(&forwarded), &format!("spray{i}{}", trusted.len()), "wrong"),
                )
                .await,
            );
        }
        assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "trusted {trusted:?}: {statuses:?}");
        // The lock holds whatever the header says next.
        let next = sign_in_from("203.0.113.77", Some("198.51.100.200"), "owner", DEMO_PASSWORD);
        assert_eq!(answer(&router, next).await, StatusCode::TOO_MANY_REQUESTS, "trusted {trusted:?}");
    }
}

#[tokio::test]
async fn a_signature_nonce_longer_than_any_sdk_sends_is_refused_and_not_stored() {
    use crate::openapi::{acs3_at, api_code, now_text, owner_key, RS};
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    // Each nonce is kept for 30 minutes: a key holder sending 60 KB ones would store 60 KB a call.
    let long = "n".repeat(60_000);
    let r =
        app.send(acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now_text(&app), &long)).await;
    assert_eq!(api_code(&r), (400, "InvalidParameter.SignatureNonce"), "{}", r.json);
    assert_eq!(app.count("select count(*) from api_nonce").await, 0);
    let most = "n".repeat(128);
    let r =
        app.send(acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now_text(&app), &most)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
}

/// Calls a form server function on `router`; answers (status, Set-Cookie, JSON body).
async fn call(
    router: &Router,
    cookie: Option<&str>,
    name: &str,
    body: &str,
) -> (StatusCode, Option<String>, serde_json::Value) {
    let mut request =
        Request::post(format!("/api/{name}")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let response = router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    let set_cookie = response.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, set_cookie, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_only_so_a_sibling_site_can_not_plant_one() {
    let app = TestApp::new().await;
    let router = router_with(&app, |s| s.secure_cookies = true);
    let sign_in = |login: &'static str| {
        let router = router.clone();
        async move {
            let (status, set_cookie, _) =
                call(&router, None, "sign_in", &format!("login={login}&password={DEMO_PASSWORD}")).await;
            assert_eq!(status, StatusCode::OK);
            set_cookie.expect("a session cookie")
        }
    };
    let owner = sign_in("owner").await;
    // `__Host-`: browsers take it only with Secure, Path=/ and no Domain, from this very host, so a
    // sibling subdomain (or a plain-http answer) can't set one for the console.
    assert!(owner.starts_with("__Host-polarshare_session="), "{owner}");
    assert!(
        owner.contains("; Secure")
            && owner.contains("; Path=/")
            && owner.contains("; HttpOnly")
            && !owner.contains("Domain"),
        "{owner}"
    );
    let owner = owner.split(';').next().unwrap().to_owned();
    let token = |cookie: &str| cookie.split_once('=').unwrap().1.to_owned();
    let partner = sign_in("partner").await.split(';').next().unwrap().to_owned();

    let viewer = |cookie: String| {
        let router = router.clone();
        async move { call(&router, Some(&cookie), "current_viewer", "").await.2["login_name"].as_str().map(str::to_owned) }
    };
    assert_eq!(viewer(owner.clone()).await.as_deref(), Some("owner"));
    // A planted cookie under the plain name, sent first, is not the session the browser holds.
    assert_eq!(viewer(format!("polarshare_session={}; {owner}", token(&partner))).await.as_deref(), Some("owner"));
    assert_eq!(viewer(format!("polarshare_session={}", token(&partner))).await, None);

    let (_, cleared, _) = call(&router, Some(&owner), "sign_out", "").await;
    let cleared = cleared.expect("the cookie is cleared");
    assert!(
        cleared.starts_with("__Host-polarshare_session=;")
            && cleared.contains("; Secure")
            && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(viewer(owner).await, None);
}

/// A version 1.0 (HMAC-SHA1) call whose parameters are split between the query and a form body, signed
/// over both as the SDKs sign them (a name in both is signed with the query's value).
pub(crate) fn v1_split(
    app: &TestApp,
    key: &crate::openapi::Key,
    action: &str,
    query: &[(&str, &str)],
    body: &[(&str, &str)],
) -> Request<Body> {
    use polarshare::server::openapi::signature::{parse_form, percent_encode, rpc_v1_signature, SignedRequest};
    static NONCE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nonce = format!("split-{}", NONCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let now = crate::openapi::now_text(app);
    let mut query: Vec<(&str, &str)> = query.to_vec();
    query.extend([
        ("Action", action),
        ("Version", crate::openapi::RS),
        ("Timestamp", now.as_str()),
        ("SignatureNonce", nonce.as_str()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", key.id.as_str()),
    ]);
    let (raw_query, raw_body) = (crate::openapi::query_string(&query), crate::openapi::query_string(body));
    let (q, f, h) = (parse_form(&raw_query).unwrap(), parse_form(&raw_body).unwrap(), http::HeaderMap::new());
    let signature = rpc_v1_signature(
        &SignedRequest { method: "POST", path: "/", headers: &h, query: &q, form: &f, body: raw_body.as_bytes() },
        &key.secret,
    );
    let body = format!("{raw_body}&Signature={}", percent_encode(&signature));
    Request::post(format!("/?{raw_query}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_signed_calls_parameters_are_read_once_each_whether_in_the_query_or_the_body_and_a_cookie_signs_nothing() {
    use crate::openapi::{api_code, owner_key};
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    // A session cookie is no credential of the OpenAPI: only a signature is.
    let with_cookie =
        Request::post(format!("/?Action=DeleteBackupSet&Version={}&BackupSetId={backup}", crate::openapi::PD))
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
    assert_eq!(api_code(&app.send(with_cookie).await), (400, "IncompleteSignature"));
    let share = [
        ("ResourceShareName", "split"),
        ("Resources.1.ResourceId", backup.as_str()),
        ("Resources.1.ResourceType", "PolarDBBackupSet"),
        ("Targets.1", PARTNER),
        ("AllowExternalTargets", "true"),
    ];
    // The SDK way with a body: the signature and some parameters in the form body.
    let r = app.send(v1_split(&app, &key, "ListResourceShares", &[], &[("ResourceOwner", "Self")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    // A name in both: which copy an action reads would be left to chance, so the call is refused.
    let before = app.sharing_state().await;
    let mut in_query = share.to_vec();
    in_query.retain(|(k, _)| *k != "Targets.1");
    let r = app.send(v1_split(&app, &key, "CreateResourceShare", &share, &[("Targets.1", OUTSIDER)])).await;
    assert_eq!(api_code(&r), (400, "InvalidParameter"), "{}", r.json);
    assert!(r.json["Message"].as_str().unwrap().contains("Targets.1"), "{}", r.json);
    // The same name twice in the query (or twice in the body) is refused before the signature is read.
    let twice = format!("/?Action=CreateResourceShare&Targets.1={PARTNER}&Targets.1={OUTSIDER}");
    let r = app.send(Request::post(twice).body(Body::empty()).unwrap()).await;
    assert_eq!(api_code(&r), (400, "InvalidParameter"), "{}", r.json);
    // A body over 64 KB is refused before it is read to the end.
    let big = Request::post("/?Action=ListResourceShares")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("ResourceOwner={}", "x".repeat(70_000))))
        .unwrap();
    assert_eq!(api_code(&app.send(big).await), (413, "RequestEntityTooLarge"));
    assert_eq!(app.sharing_state().await, before, "nothing was shared");
    // And split the other way, each name once, the share is made.
    let r = app.send(v1_split(&app, &key, "CreateResourceShare", &in_query, &[("Targets.1", PARTNER)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
}

#[tokio::test]
async fn a_form_posts_redirect_never_leaves_the_console_whatever_its_referer_says() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // leptos sends a plain form post back to its Referer. A browser posting from another site is
    // refused by its Origin, or without one by that Referer (see guard.rs); a client that writes its
    // own Origin and Referer must still not be bounced off the console.
    for referer in [
        "http://evil.example/x?y=1",
        "https://127.0.0.1:3000/clusters",
        "//evil.example/x",
        "http://127.0.0.1:3000.evil.example/",
    ] {
        let post = |origin: Option<&str>| {
            let mut request = Request::post("/api/answer_invitation")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::REFERER, referer)
                .header(header::COOKIE, &owner);
            if let Some(origin) = origin {
                request = request.header(header::ORIGIN, origin);
            }
            request.body(Body::from("invitation_id=i-nope&accept=true")).unwrap()
        };
        let refused = app.router.clone().oneshot(post(None)).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{referer} with no Origin");
        assert!(refused.headers().get(header::LOCATION).is_none(), "{referer}");
        let response = app.router.clone().oneshot(post(Some("http://127.0.0.1:3000"))).await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{referer}");
        let location = response.headers().get(header::LOCATION).unwrap().to_str().unwrap();
        assert!(location.starts_with('/') && !location.starts_with("//"), "{referer} -> {location}");
        // (leptos carries the refusal only back to a Referer that is a valid absolute URL, as browsers send.)
        if !referer.contains("3000.evil") && referer.starts_with("http") {
            assert!(location.contains("__err="), "the refusal still travels: {location}");
        }
    }
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_connections_and_is_told_so_with_a_code() {
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // (Loopback is exempt by default, a proxy on the same host carrying everyone's connections: not here.)
    // The places are held for a header deadline longer than the test waits for one to be given back.
    let limits = polarshare::server::serve::Limits {
        headers: Duration::from_secs(120),
        connections_per_client: 3,
        exempt: vec![],
        ..Default::default()
    };
    tokio::spawn(polarshare::server::serve::serve(listener, app.router.clone(), limits, std::future::pending()));
    // Three connections that each hold their place for up to the header deadline.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /login HTTP/1.1\r\n").await.unwrap();
        held.push(c);
    }
    // The server takes connections in the order they came, counting each as it takes it: the fourth
    // is refused whenever it is taken.
    let mut fourth = tokio::net::TcpStream::connect(addr).await.unwrap();
    let answer = until_closed(&mut fourth, Duration::from_secs(60))
        .await
        .expect("the fourth connection is answered and closed at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"Throttling.Connections\""), "{answer}");
    // The refusal is answered before any router layer runs, and still carries the edge's headers.
    let head = answer.to_ascii_lowercase();
    for header in ["x-content-type-options: nosniff", "x-frame-options: deny", "referrer-policy: same-origin"] {
        assert!(head.contains(header), "{header} missing: {answer}");
    }
    // A place given back is a place for a new connection, once the server has seen it closed: until
    // then a new one is still refused, so it tries again (for far less than the others' 120 s).
    drop(held.pop());
    let started = std::time::Instant::now();
    let answer = loop {
        let mut next = tokio::net::TcpStream::connect(addr).await.unwrap();
        next.write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
        let answer = until_closed(&mut next, Duration::from_secs(60)).await.expect("answered");
        if !answer.starts_with("HTTP/1.1 503") || started.elapsed() > Duration::from_secs(60) {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
}

/// The real server on a loopback port with these limits.
pub(crate) async fn serve_with(app: &TestApp, limits: polarshare::server::serve::Limits) -> std::net::SocketAddr {
    serve_on(app, tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), limits)
}

fn serve_on(
    app: &TestApp,
    listener: tokio::net::TcpListener,
    limits: polarshare::server::serve::Limits,
) -> std::net::SocketAddr {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(polarshare::server::serve::serve(listener, app.router.clone(), limits, std::future::pending()));
    addr
}

/// [`serve_with`], its connections' send buffers fixed at ~64 KB. On loopback the kernel grows them to
/// megabytes (its segments are 64 KB), so a whole answer of 1 MB went into the server's socket before a
/// slow reader had read much of it, and the server could not tell how fast its client reads.
fn serve_with_small_send_buffers(app: &TestApp, limits: polarshare::server::serve::Limits) -> std::net::SocketAddr {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    // Accepted connections take the listener's buffer sizes (the kernel doubles the figure).
    socket.set_send_buffer_size(32 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    serve_on(app, socket.listen(64).unwrap(), limits)
}

const LOGIN_PAGE: &[u8] = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

/// All clients together hold at most `max_connections` (loopback included: descriptors are
/// descriptors). One more waits, unanswered and costing no descriptor, until one of them ends; then
/// it is served.
#[tokio::test]
async fn past_the_global_cap_a_connection_waits_until_another_ends_and_is_then_served() {
    let app = TestApp::new().await;
    let limits = polarshare::server::serve::Limits { max_connections: 2, ..Default::default() };
    let addr = serve_with(&app, limits).await;
    // Two connections that send nothing hold both places (for the 30 s header deadline).
    let first = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _second = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third.write_all(LOGIN_PAGE).await.unwrap();
    assert_eq!(
        until_closed(&mut third, Duration::from_millis(700)).await,
        None,
        "answered while two connections held the cap"
    );
    drop(first);
    // Generous, and under the 30 s after which the second connection's header deadline would free a place too.
    let answer = until_closed(&mut third, Duration::from_secs(20)).await.expect("served once a place was free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A client that stops reading while its answer is written (the answer fills the socket's buffers and
/// the write makes no progress) is disconnected after the write deadline, and its place is another's.
#[tokio::test]
async fn a_client_that_stops_reading_its_answer_is_disconnected_and_its_place_freed() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // A CSV export of ~10 MB: 5,000 events (the export's limit), more than the socket buffers hold.
    fill_trail(&app, 5000).await;
    let limits = polarshare::server::serve::Limits {
        max_connections: 1,
        write_stall: Duration::from_millis(500),
        ..Default::default()
    };
    let addr = serve_with(&app, limits).await;
    let mut reader = ask_for_export(addr, &owner).await;
    // It reads nothing for a while; meanwhile another client waits for the only place.
    let mut next = tokio::net::TcpStream::connect(addr).await.unwrap();
    next.write_all(LOGIN_PAGE).await.unwrap();
    let answer =
        until_closed(&mut next, Duration::from_secs(20)).await.expect("served once the reader was disconnected");
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);

    // What the reader gets now: the head and part of the export, then the end of the connection.
    let got = until_closed(&mut reader, Duration::from_secs(20)).await.expect("the connection was ended");
    let (length, body) = export_answer(&got);
    assert!(length > 10_000_000, "{length}");
    assert!(body < length, "the whole answer arrived ({length} bytes): the connection was not ended");
}

/// Puts `events` audit events of ~2 KB each in the owner's trail, for a large CSV export.
async fn fill_trail(app: &TestApp, events: u32) {
    app.exec(&format!(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < {events})
         insert into audit_event (occurred_at, account_id, identity, source_ip, request_id, action, target, outcome, detail)
         select '2026-11-25T07:00:00Z', '{OWNER}', 'owner', '127.0.0.1', 'r' || i, 'ShareBackupSet', 't', 'Success', printf('%.2000c', 'x') from n"
    ))
    .await;
}

/// A connection that has asked for the audit export, with a receive buffer of 4 KB: the answer then
/// waits in the server's socket rather than the client's, and the server sees how fast it is read.
async fn ask_for_export(addr: std::net::SocketAddr, cookie: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut reader = socket.connect(addr).await.unwrap();
    let request =
        format!("GET /audit/export.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n");
    reader.write_all(request.as_bytes()).await.unwrap();
    reader
}

/// An answer to the export as read: its Content-Length and how many bytes of its body arrived.
fn export_answer(got: &str) -> (usize, usize) {
    let (head, body) = got.split_once("\r\n\r\n").expect("the head arrived");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
        .expect("content-length");
    (length, body.len())
}

/// Reads `stream` at about `rate` bytes a second, a little at a time (catching up after a late
/// wake-up, so a busy machine does not make it slower), until the server closes it or `stop` resolves.
async fn read_paced(
    stream: &mut tokio::net::TcpStream,
    rate: f64,
    stop: impl std::future::Future<Output = ()>,
) -> Vec<u8> {
    let mut stop = std::pin::pin!(stop);
    let (started, mut got, mut buf) = (tokio::time::Instant::now(), Vec::new(), [0u8; 4096]);
    loop {
        let due = (rate * started.elapsed().as_secs_f64()) as usize;
        if got.len() >= due {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(5)) => continue,
                () = &mut stop => return got,
            }
        }
        let want = (due - got.len()).min(buf.len());
        match stream.read(&mut buf[..want]).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// The write-rate floor of these tests (the default's 512 B/s over 30 s would take minutes to show).
fn rate_floor_limits() -> polarshare::server::serve::Limits {
    polarshare::server::serve::Limits {
        min_write_rate: 64 * 1024,
        write_rate_grace: Duration::from_millis(300),
        ..Default::default()
    }
}

/// A reader that takes a little of its answer now and then, so each write makes some progress and the
/// stall deadline (30 s here) never ends it, is disconnected once it falls under the write-rate floor,
/// and its place is another's.
#[tokio::test]
async fn a_reader_that_trickles_under_the_rate_floor_is_disconnected_and_its_place_freed() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // ~1 MB: 200 s at the trickle's pace.
    fill_trail(&app, 500).await;
    let addr = serve_with_small_send_buffers(
        &app,
        polarshare::server::serve::Limits { max_connections: 1, ..rate_floor_limits() },
    );
    let mut reader = ask_for_export(addr, &owner).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // 5 KB/s, under the floor's 64 KB/s.
    let trickle = tokio::spawn(async move {
        let mut got = read_paced(&mut reader, 5_000.0, async { stopped.await.unwrap_or(()) }).await;
        let rest = until_closed(&mut reader, Duration::from_secs(20)).await.expect("the connection was ended");
        got.extend_from_slice(rest.as_bytes());
        String::from_utf8_lossy(&got).into_owned()
    });
    let started = std::time::Instant::now();
    let mut next = tokio::net::TcpStream::connect(addr).await.unwrap();
    next.write_all(LOGIN_PAGE).await.unwrap();
    let answer = until_closed(&mut next, Duration::from_secs(25))
        .await
        .expect("served once the trickling reader was disconnected");
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
    assert!(started.elapsed() < Duration::from_secs(25), "not by the stall deadline's 30 s: {:?}", started.elapsed());
    let _ = stop.send(());
    let (length, body) = export_answer(&trickle.await.unwrap());
    assert!(body < length, "the whole answer arrived ({length} bytes): the connection was not ended");
}

/// A slow but honest reader, well above the floor though slower than the server for many times the
/// grace period, gets the whole answer.
#[tokio::test]
async fn a_slow_reader_above_the_rate_floor_gets_the_whole_answer() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    fill_trail(&app, 500).await;
    let addr = serve_with_small_send_buffers(&app, rate_floor_limits());
    let mut reader = ask_for_export(addr, &owner).await;
    let started = std::time::Instant::now();
    // 512 KB/s, eight times the floor: ~2 s for the ~1 MB answer.
    let got =
        tokio::time::timeout(Duration::from_secs(120), read_paced(&mut reader, 512.0 * 1024.0, std::future::pending()))
            .await
            .expect("read within 120 s");
    let took = started.elapsed();
    let (length, body) = export_answer(&String::from_utf8_lossy(&got));
    assert_eq!(body, length, "the connection was ended after {took:?}");
    assert!(
        length > 1_000_000 && took > Duration::from_secs(1),
        "the reader, not the server, set the pace: {length} bytes in {took:?}"
    );
}
