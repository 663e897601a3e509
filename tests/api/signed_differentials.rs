//! Signed OpenAPI calls that two parts of the server could read differently: what the signature
//! covers must be what the action reads. Each test signs a call as a client would, then sends what an
//! attacker holding that (undelivered, or already delivered) request could make of it without the
//! secret: the same canonical request, read another way.

use crate::helpers::*;
use crate::openapi::{acs3_at, api_code, everything_written, fresh_nonce, now_text, owner_key, query_string, Key, RS};
use axum::body::Body;
use http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use polarshare::server::openapi::signature::{acs3_signature, parse_form, SignedRequest};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One ACS3 call as its signer made it.
struct Signed {
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Signed {
    /// `action` with the raw query `query`, the SDK's own headers and `extra`, and `body`, signed by
    /// `key` over the required headers and the `extra` ones named in `also_signed`.
    fn new(
        app: &TestApp,
        key: &Key,
        action: &str,
        query: &str,
        extra: &[(&str, &str)],
        also_signed: &[&str],
        body: &[u8],
        nonce: &str,
    ) -> Signed {
        let body_hash: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
        let date = now_text(app);
        let mut headers: Vec<(String, String)> = [
            ("host", "polarshare.test"),
            ("x-acs-action", action),
            ("x-acs-version", RS),
            ("x-acs-date", date.as_str()),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", body_hash.as_str()),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut names: Vec<String> =
            ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"]
                .iter()
                .chain(also_signed)
                .map(|s| s.to_string())
                .collect();
        names.sort();
        let map = header_map(&headers);
        let (parsed, form) = (parse_form(query).unwrap(), BTreeMap::new());
        let request = SignedRequest { method: "POST", path: "/", headers: &map, query: &parsed, form: &form, body };
        let signature = acs3_signature(&request, &names, &key.secret);
        headers.push((
            "authorization".into(),
            format!("ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}", key.id, names.join(";")),
        ));
        Signed { query: query.to_owned(), headers, body: body.to_vec() }
    }

    /// The request as signed.
    fn request(&self) -> Request<Body> {
        self.with(&self.query, self.headers.clone())
    }

    /// The signed request with another raw query and these headers, in this order.
    fn with(&self, query: &str, headers: Vec<(String, String)>) -> Request<Body> {
        let mut builder = Request::post(format!("/?{query}"));
        for (k, v) in headers {
            builder = builder.header(k, HeaderValue::from_bytes(v.as_bytes()).unwrap());
        }
        builder.body(Body::from(self.body.clone())).unwrap()
    }

    /// The signed headers with `name`'s value replaced by each of `values`, one header each.
    fn split(&self, name: &str, values: &[&str]) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self.headers.iter().filter(|(k, _)| k != name).cloned().collect();
        headers.extend(values.iter().map(|v| (name.to_owned(), v.to_string())));
        headers
    }
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    map
}

fn share_params(backup: &str) -> Vec<(&str, &str)> {
    vec![
        ("AllowExternalTargets", "true"),
        ("ResourceShareName", "signed"),
        ("Resources.1.ResourceId", backup),
        ("Resources.1.ResourceType", "PolarDBBackupSet"),
        ("Targets.1", PARTNER),
    ]
}

/// The canonical request joins a repeated header's values with ',' (as the SDK does), while the action
/// reads the first: a nonce signed as "a,b" could be sent again as two headers "a" and "b", the same
/// signature, a nonce never seen, and a second share. A signed header given twice is refused.
#[tokio::test]
async fn a_signed_header_given_twice_is_refused_so_a_nonce_can_not_be_split_into_a_fresh_one() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let nonce = format!("{},{}", fresh_nonce(), fresh_nonce());
    let signed =
        Signed::new(&app, &key, "CreateResourceShare", &query_string(&share_params(&backup)), &[], &[], b"", &nonce);
    let first = app.send(signed.request()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    let written = everything_written(&app).await;
    let (a, b) = nonce.split_once(',').unwrap();
    let split = app.send(signed.with(&signed.query, signed.split("x-acs-signature-nonce", &[a, b]))).await;
    assert_eq!(api_code(&split), (400, "IncompleteSignature"), "{}", split.json);
    assert!(split.json["Message"].as_str().unwrap().contains("x-acs-signature-nonce"), "{}", split.json);
    // Any signed header, the first time the nonce is used too: nothing of it is acted on.
    let fresh = Signed::new(
        &app,
        &key,
        "ListResourceShares",
        "ResourceOwner=Self",
        &[("accept", "application/json")],
        &["accept"],
        b"",
        &fresh_nonce(),
    );
    let twice =
        app.send(fresh.with(&fresh.query, fresh.split("accept", &["application/json", "application/json"]))).await;
    assert_eq!(api_code(&twice), (400, "IncompleteSignature"), "{}", twice.json);
    assert_eq!(everything_written(&app).await, written, "nothing written");
}

/// The SDK writes the canonical query's names as they are (only values are encoded), so names holding
/// '=' or '&' could make one parameter of two signed ones: "A=x&B" = v signs as A = x and B = v. The
/// action would then read neither. A name the SDKs never send is refused.
#[tokio::test]
async fn a_parameter_name_holding_equals_or_ampersand_is_refused_so_two_signed_parameters_can_not_be_read_as_one() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let written = everything_written(&app).await;
    let signed = Signed::new(
        &app,
        &key,
        "CreateResourceShare",
        &query_string(&share_params(&backup)),
        &[],
        &[],
        b"",
        &fresh_nonce(),
    );
    // The target merged into the resource type's name: the same canonical query, no target read.
    let merged = signed.query.replace(
        "Resources.1.ResourceType=PolarDBBackupSet&Targets.1=",
        "Resources.1.ResourceType%3DPolarDBBackupSet%26Targets.1=",
    );
    assert_ne!(merged, signed.query);
    let r = app.send(signed.with(&merged, signed.headers.clone())).await;
    assert_eq!(api_code(&r), (400, "InvalidParameter"), "{}", r.json);
    assert!(
        r.json["Message"].as_str().unwrap().contains("Resources.1.ResourceType=PolarDBBackupSet&Targets.1"),
        "{}",
        r.json
    );
    assert_eq!(everything_written(&app).await, written, "nothing written");
    // The request as signed is still taken.
    assert_eq!(app.send(signed.request()).await.status, StatusCode::OK);
}

/// ACS3 signs the body's hash, not how it is read: a form body is parameters only when its
/// Content-Type says so, so an unsigned Content-Type would let the same signed bytes be read as
/// parameters or not. A call with a body must sign its Content-Type.
#[tokio::test]
async fn an_acs3_body_is_read_only_under_a_signed_content_type() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let body = b"ResourceOwner=Self";
    let before = app.count("select count(*) from api_nonce").await;
    let unsigned = Signed::new(&app, &key, "ListResourceShares", "", &form, &[], body, &fresh_nonce());
    let r = app.send(unsigned.request()).await;
    assert_eq!(api_code(&r), (400, "IncompleteSignature"), "{}", r.json);
    assert!(r.json["Message"].as_str().unwrap().contains("content-type"), "{}", r.json);
    assert_eq!(app.count("select count(*) from api_nonce").await, before, "nothing written");
    // Signed, the body is read; changed, the signature no longer matches.
    let signed = Signed::new(&app, &key, "ListResourceShares", "", &form, &["content-type"], body, &fresh_nonce());
    let changed = signed
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), if k == "content-type" { "text/plain".into() } else { v.clone() }))
        .collect();
    assert_eq!(api_code(&app.send(signed.with("", changed)).await), (400, "SignatureDoesNotMatch"));
    let r = app.send(signed.request()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
}

/// The Authorization header is not signed itself: its Credential only picks the secret. A part given
/// twice is refused rather than read as the last; an id in another case or with spaces is no key.
#[tokio::test]
async fn an_authorization_naming_a_part_twice_or_an_id_in_another_form_is_refused() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let signed = Signed::new(&app, &key, "ListResourceShares", "ResourceOwner=Self", &[], &[], b"", &fresh_nonce());
    let auth = &signed.headers.last().unwrap().1;
    let twice = auth.replace("Credential=", "Credential=LTAIsomeoneelse0000000,Credential=");
    let r = app.send(signed.with(&signed.query, signed.split("authorization", &[&twice]))).await;
    assert_eq!(api_code(&r), (400, "IncompleteSignature"), "{}", r.json);
    for id in [key.id.to_lowercase(), key.id.to_uppercase(), format!(" {}", key.id)] {
        let other = auth.replace(&format!("Credential={}", key.id), &format!("Credential={id}"));
        let r = app.send(signed.with(&signed.query, signed.split("authorization", &[&other]))).await;
        assert_eq!(api_code(&r), (404, "InvalidAccessKeyId.NotFound"), "{id:?}: {}", r.json);
    }
    assert_eq!(app.count("select count(*) from api_nonce").await, 0, "nothing written");
    assert_eq!(app.send(signed.request()).await.status, StatusCode::OK);
}

/// What a replayer can change without the secret reads as the same call: a reordered query, a
/// trailing '&', a character escaped that needs none or in lower case, an unsigned header. Each meets the nonce already used.
#[tokio::test]
async fn a_replay_with_its_query_reordered_or_escaped_otherwise_or_an_unsigned_header_changed_is_refused_as_a_replay() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let name = [("ResourceShareName", "a-备")];
    let mut params = share_params(&backup);
    params.retain(|(k, _)| *k != "ResourceShareName");
    params.extend(name);
    let original = acs3_at(&key, "CreateResourceShare", RS, &params, &now_text(&app), &fresh_nonce());
    let (parts, _) = original.into_parts();
    let signed = Signed {
        query: parts.uri.query().unwrap().to_owned(),
        headers: parts.headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned())).collect(),
        body: Vec::new(),
    };
    assert_eq!(app.send(signed.request()).await.status, StatusCode::OK);
    let written = everything_written(&app).await;
    let mut reordered: Vec<&str> = signed.query.split('&').collect();
    reordered.reverse();
    let reordered = reordered.join("&");
    let escaped = signed.query.replace("a-%E5%A4%87", "a%2d%e5%a4%87");
    assert_ne!(escaped, signed.query);
    let mut other_agent = signed.headers.clone();
    other_agent.push(("user-agent".into(), "replayer/1.0".into()));
    for (what, query, headers) in [
        ("trailing &", format!("{}&", signed.query), signed.headers.clone()),
        ("reordered", reordered, signed.headers.clone()),
        ("escaped otherwise", escaped, signed.headers.clone()),
        ("unsigned header", signed.query.clone(), other_agent),
    ] {
        let r = app.send(signed.with(&query, headers)).await;
        assert_eq!(api_code(&r), (400, "SignatureNonceUsed"), "{what}: {}", r.json);
    }
    assert_eq!(everything_written(&app).await, written, "nothing written");
}

/// The action is the signed one of the call's scheme: `x-acs-action` for ACS3 (an `Action` in its
/// query is a signed parameter no action reads), the `Action` parameter for version 1.0 (an
/// `x-acs-action` beside it is unsigned and decides nothing). Neither deletes the share it names.
#[tokio::test]
async fn an_action_named_twice_runs_the_one_the_scheme_signs_and_the_other_decides_nothing() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let (_, share_id) = crate::openapi::shared_by_api(&app, &key, "kept", MEMBER).await;
    let written = everything_written(&app).await;
    let query =
        query_string(&[("Action", "DeleteResourceShare"), ("ResourceOwner", "Self"), ("ResourceShareId", &share_id)]);
    let acs3 = Signed::new(&app, &key, "ListResourceShares", &query, &[], &[], b"", &fresh_nonce());
    let r = app.send(acs3.request()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json["ResourceShares"].is_array(), "a list was answered: {}", r.json);
    let mut v1 = crate::network::v1_split(
        &app,
        &key,
        "ListResourceShares",
        &[("ResourceOwner", "Self"), ("ResourceShareId", &share_id)],
        &[],
    );
    v1.headers_mut().insert("x-acs-action", HeaderValue::from_static("DeleteResourceShare"));
    let r = app.send(v1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json["ResourceShares"].is_array(), "a list was answered: {}", r.json);
    let (associations, [shares, events, _nonces]) = everything_written(&app).await;
    assert_eq!(
        (associations, shares, events),
        (written.0, written.1[0], written.1[1]),
        "nothing but the two nonces written"
    );
}

/// A name in both the query and the body is refused as a repeated one is, when the request is read:
/// before its nonce is recorded, so the refusal writes nothing, whichever the action.
#[tokio::test]
async fn a_parameter_in_both_the_query_and_the_body_is_refused_before_anything_is_written() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let written = everything_written(&app).await;
    for action in ["ListResourceShares", "CreateResourceShare"] {
        let r = app
            .send(crate::network::v1_split(
                &app,
                &key,
                action,
                &[("ResourceOwner", "Self")],
                &[("ResourceOwner", "Other")],
            ))
            .await;
        assert_eq!(api_code(&r), (400, "InvalidParameter"), "{action}: {}", r.json);
        assert!(r.json["Message"].as_str().unwrap().contains("ResourceOwner"), "{}", r.json);
    }
    assert_eq!(everything_written(&app).await, written, "nothing written");
}
