//! The audit trail as issue 11 asks for it: every state change, by every door (the console, the API
//! with its AccessKey, the command line, the schedule), leaves exactly one event in the right account's
//! trail with its actor and channel; each account reads only its own trail; what callers type can't
//! forge lines in it; and no secret reaches the server's log, even at `RUST_LOG=trace`.

use crate::helpers::*;
use crate::openapi::{acs3, acs3_at, create_key, created_share, query_string, restore_params, Key, RS};
use http::StatusCode;
use polarshare::api::types::AUDITED_ACTIONS;
use polarshare::server::openapi::signature::percent_encode;
use std::collections::BTreeMap;
use time::Duration;

/// An event as (account, action, identity, channel, outcome).
type Event = (String, String, String, String, String);

async fn last_event_id(app: &TestApp) -> i64 {
    app.count("select coalesce(max(audit_event_id), 0) from audit_event").await
}

/// Asserts that exactly `expected` (account, action, identity, channel, outcome) were recorded since
/// `mark`, in that order, and moves `mark` past them.
async fn recorded(app: &TestApp, mark: &mut i64, step: &str, expected: &[(&str, &str, &str, &str, &str)]) {
    let got: Vec<Event> = sqlx::query_as(
        "select coalesce(account_id, ''), action, identity, channel, outcome from audit_event
         where audit_event_id > ? order by audit_event_id",
    )
    .bind(*mark)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let expected: Vec<Event> = expected
        .iter()
        .map(|(a, b, c, d, e)| (a.to_string(), b.to_string(), c.to_string(), d.to_string(), e.to_string()))
        .collect();
    assert_eq!(got, expected, "{step}");
    *mark = last_event_id(app).await;
}

/// Every door's changes, one after the other, each with the events it must leave: the console's, the
/// API's (named by its AccessKey), the command line's and the schedule's (restores finishing, level
/// conversions finishing, backup sets expiring, revocations, shares finishing their deletion), refusals
/// too (audited alike by both doors), and reads leave none. Every action recorded is one the Audit
/// page's filter offers.
#[tokio::test]
async fn every_change_by_every_door_leaves_one_event_with_its_actor_and_channel() {
    let app = TestApp::new().await;
    let mut mark = last_event_id(&app).await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 4).await;

    let owner_cookie = app.sign_in("owner").await;
    recorded(&app, &mut mark, "console sign-in", &[(OWNER, "SignIn", "owner", "console", "Success")]).await;
    let owner = create_key(&app, &owner_cookie, "owner").await;
    recorded(&app, &mut mark, "key made in the console", &[(OWNER, "CreateAccessKey", "owner", "console", "Success")])
        .await;
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    mark = last_event_id(&app).await;
    let (by_owner, by_partner) = (format!("api:{}", owner.id), format!("api:{}", partner.id));

    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "trail"),
            ("Resources.1.ResourceId", &sets[0]),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    recorded(&app, &mut mark, "API share", &[(OWNER, "ShareBackupSet", "owner", &by_owner, "Success")]).await;
    let renamed =
        acs3(&app, &owner, "UpdateResourceShare", RS, &[("ResourceShareId", &share_id), ("ResourceShareName", "t2")])
            .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.json);
    recorded(&app, &mut mark, "API update", &[(OWNER, "UpdateResourceShare", "owner", &by_owner, "Success")]).await;

    let listed = acs3(&app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
    recorded(&app, &mut mark, "a read", &[]).await;
    let invitation = listed.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap();
    let accepted =
        acs3(&app, &partner, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", invitation)]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.json);
    recorded(&app, &mut mark, "API accept", &[(PARTNER, "AcceptInvitation", "partner", &by_partner, "Success")]).await;
    let restored = acs3(&app, &partner, "CreateDBCluster", crate::openapi::PD, &restore_params(&sets[0])).await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.json);
    recorded(&app, &mut mark, "API restore", &[(PARTNER, "RestoreToNewCluster", "partner", &by_partner, "Success")])
        .await;
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.tick().await.finished_restores, 1);
    recorded(&app, &mut mark, "restore finished", &[(PARTNER, "FinishRestore", "system", "scheduler", "Success")])
        .await;

    let removed =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    recorded(&app, &mut mark, "API removal", &[(OWNER, "DisassociateResourceShare", "owner", &by_owner, "Success")])
        .await;
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    recorded(&app, &mut mark, "revocation", &[(OWNER, "RevokeAccess", "system", "scheduler", "Success")]).await;

    // A share deleted while a member holds it ends with the member's revocation.
    let shared = app.share(&owner_cookie, &sets[1], new_share("member", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    let member_share = shared.json["resource_share_id"].as_str().unwrap().to_owned();
    recorded(&app, &mut mark, "console share", &[(OWNER, "ShareBackupSet", "owner", "console", "Success")]).await;
    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &member_share)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    recorded(&app, &mut mark, "API delete", &[(OWNER, "DeleteResourceShare", "owner", &by_owner, "Success")]).await;
    app.clock.advance(Duration::minutes(11));
    assert_eq!(app.tick().await.deleted_shares, 1);
    recorded(
        &app,
        &mut mark,
        "deletion finished",
        &[
            (OWNER, "RevokeAccess", "system", "scheduler", "Success"),
            (OWNER, "FinishShareDeletion", "system", "scheduler", "Success"),
        ],
    )
    .await;

    let converting = app.form(Some(&owner_cookie), "convert_backup_level", &format!("backup_set_id={}", sets[2])).await;
    assert_eq!(converting.status, StatusCode::OK, "{:?}", converting.json);
    recorded(&app, &mut mark, "conversion", &[(OWNER, "ConvertBackupLevel", "owner", "console", "Success")]).await;
    app.clock.advance(Duration::seconds(61));
    app.tick().await;
    recorded(
        &app,
        &mut mark,
        "conversion finished",
        &[(OWNER, "FinishLevelConversion", "system", "scheduler", "Success")],
    )
    .await;

    let shared = app.share(&owner_cookie, &sets[3], new_share("expiring", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    mark = last_event_id(&app).await;
    app.exec(&format!("update backup_set set expires_at = '2026-01-01T00:00:00Z' where backup_set_id = '{}'", sets[3]))
        .await;
    app.tick().await;
    recorded(&app, &mut mark, "set expired", &[(OWNER, "ExpireBackupSet", "system", "scheduler", "Success")]).await;

    let disabled = app
        .form(Some(&partner_cookie), "set_access_key_status", &format!("access_key_id={}&active=false", partner.id))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.json);
    recorded(&app, &mut mark, "key disabled", &[(PARTNER, "UpdateAccessKey", "partner", "console", "Success")]).await;
    let gone = app.form(Some(&partner_cookie), "delete_access_key", &format!("access_key_id={}", partner.id)).await;
    assert_eq!(gone.status, StatusCode::OK, "{:?}", gone.json);
    recorded(&app, &mut mark, "key deleted", &[(PARTNER, "DeleteAccessKey", "partner", "console", "Success")]).await;
    polarshare::server::services::access_keys::create_for_login(&app.state.writer, &app.clock, "dba@lumen")
        .await
        .unwrap();
    recorded(&app, &mut mark, "command line", &[(OWNER, "CreateAccessKey", "(command line)", "cli", "Success")]).await;

    // A refusal is audited alike by both doors, each naming its own.
    let developer = create_key(&app, &owner_cookie, "developer@lumen").await;
    mark = last_event_id(&app).await;
    let developer_cookie = app.sign_in("developer@lumen").await;
    let refused = app.share(&developer_cookie, &sets[1], new_share("no", "AllAccounts", &[PARTNER])).await;
    assert_eq!(refused.refusal(), (403, "Forbidden.RAM"));
    let by_api = acs3(
        &app,
        &developer,
        "CreateResourceShare",
        RS,
        &[("ResourceShareName", "no"), ("Resources.1.ResourceId", &sets[1]), ("Targets.1", PARTNER)],
    )
    .await;
    assert_eq!(by_api.status, StatusCode::FORBIDDEN, "{:?}", by_api.json);
    let by_developer = format!("api:{}", developer.id);
    recorded(
        &app,
        &mut mark,
        "refusals",
        &[
            (OWNER, "SignIn", "developer@lumen", "console", "Success"),
            (OWNER, "ShareBackupSet", "developer@lumen", "console", "Forbidden.RAM"),
            (OWNER, "ShareBackupSet", "developer@lumen", &by_developer, "Forbidden.RAM"),
        ],
    )
    .await;

    // Signing out ends the session in its account's trail; a cookie that names no live session then
    // records nothing.
    assert_eq!(app.form(Some(&developer_cookie), "sign_out", "").await.status, StatusCode::OK);
    recorded(&app, &mut mark, "sign-out", &[(OWNER, "SignOut", "developer@lumen", "console", "Success")]).await;
    assert_eq!(app.form(Some(&developer_cookie), "sign_out", "").await.status, StatusCode::OK);
    recorded(&app, &mut mark, "sign-out of an ended session", &[]).await;

    let actions: Vec<String> =
        sqlx::query_scalar("select distinct action from audit_event").fetch_all(&app.pool).await.unwrap();
    for action in actions {
        assert!(AUDITED_ACTIONS.contains(&action.as_str()), "{action} is recorded but the Audit page can't filter it");
    }
}

/// The event of a pair made in the console names the pair, as the command line's does: keys are in
/// the trail by their ids, and a later use (`api:<id>`) or change names the same id.
#[tokio::test]
async fn a_key_made_in_the_console_is_named_by_its_id_in_the_trail() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let key = create_key(&app, &cookie, "dba@lumen").await;
    let trail = app.trail("action = 'CreateAccessKey'").await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].2, format!("dba@lumen: {}", key.id), "{trail:?}");
}

/// The CSV export carries every column the Audit page shows, the channel included.
#[tokio::test]
async fn the_csv_export_carries_each_events_channel() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let key = create_key(&app, &cookie, "owner").await;
    let refused = acs3(&app, &key, "DeleteResourceShare", RS, &[("ResourceShareId", "rs-nosuchshare00")]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{:?}", refused.json);
    let (status, csv) = app.get(Some(&cookie), "/audit/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let channel =
        header.iter().position(|c| *c == "channel").unwrap_or_else(|| panic!("no channel column: {header:?}"));
    let row = csv.lines().find(|l| l.contains("DeleteResourceShare")).expect("the API call's row");
    assert_eq!(row.split(',').nth(channel), Some(format!("api:{}", key.id).as_str()), "{row}");
    let console = csv.lines().find(|l| l.contains(",SignIn,")).expect("the sign-in's row");
    assert_eq!(console.split(',').nth(channel), Some("console"), "{console}");
}

/// A failed sign-in of a name no account has, and an address locked for every name, are in the
/// platform's trail: the platform operator reads them on its Audit page (nobody else does).
#[tokio::test]
async fn the_operator_reads_the_sign_ins_of_unknown_names_in_the_platforms_trail() {
    let app = TestApp::new().await;
    let r = app.form(None, "sign_in", "login=nobody-at-all&password=Wrong-Pass-0000").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let operator = app.sign_in("operator").await;
    let trail = app.form(Some(&operator), "audit_trail", "action=SignIn").await;
    assert_eq!(trail.status, StatusCode::OK, "{:?}", trail.json);
    let identities: Vec<&str> =
        trail.json["items"].as_array().unwrap().iter().map(|e| e["identity"].as_str().unwrap()).collect();
    assert!(identities.contains(&"nobody-at-all"), "{identities:?}");
    let (_, csv) = app.get(Some(&operator), "/audit/export.csv?action=SignIn").await;
    assert!(csv.contains("nobody-at-all"), "{csv}");
    // A customer's trail stays its own.
    let owner = app.sign_in("owner").await;
    let theirs = app.form(Some(&owner), "audit_trail", "action=SignIn").await;
    assert!(!theirs.json.to_string().contains("nobody-at-all"), "{:?}", theirs.json);
}

/// What a caller types reaches the trail (a sign-in name, a refused share name), but never as a
/// control character or a bidirectional override: a line break, an ANSI escape or a right-to-left
/// override can't forge a line, recolour a terminal or reorder what the Audit page or the CSV shows.
#[tokio::test]
async fn typed_control_characters_reach_the_trail_only_as_visible_escapes() {
    let app = TestApp::new().await;
    let forged = "x\n2026-11-29T00:00:00Z,owner,SignIn,Success\u{1b}[2K\u{202e}nimda";
    let body = format!("login={}&password=Wrong-Pass-0000", percent_encode(forged));
    assert_eq!(app.form(None, "sign_in", &body).await.status, StatusCode::UNAUTHORIZED);
    let cookie = app.sign_in("owner").await;
    let (_, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let renamed = app
        .form(
            Some(&cookie),
            "update_resource_share",
            &format!(
                "resource_share_id={share_id}&resource_share_name={}&principal_scope=ResourceDirectory",
                percent_encode("ok\r\nFAKE\u{7}")
            ),
        )
        .await;
    assert_eq!(renamed.refusal(), (422, "InvalidParameter.Name"));

    let stored: Vec<(String, String, String)> = sqlx::query_as(
        "select identity, target, detail from audit_event where action in ('SignIn', 'UpdateResourceShare') and outcome <> 'Success'
         order by audit_event_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 2, "{stored:?}");
    for (identity, target, detail) in &stored {
        for text in [identity, target, detail] {
            assert!(
                !text.chars().any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{text:?} keeps a control character"
            );
        }
    }
    assert!(stored[0].0.contains(r"\u{a}") && stored[0].0.contains(r"\u{1b}") && stored[0].0.contains(r"\u{202e}"));
    assert!(stored[1].1.ends_with(r"ok\u{d}\u{a}FAKE\u{7}"), "{:?}", stored[1].1);
}

/// A filter can't reach another account's rows: a forged action, dates, a page far past the end.
#[tokio::test]
async fn no_filter_or_page_of_the_trail_reaches_another_accounts_rows() {
    let app = TestApp::new().await;
    let _ = shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    for query in [
        "action=ShareBackupSet' or '1'='1",
        "action=ShareBackupSet&from=2000-01-01&to=2999-12-31",
        "page=1000000&page_size=100",
        "page=-1",
        "from=2026-11-25' or 1=1 --",
    ] {
        let r = app.form(Some(&partner), "audit_trail", query).await;
        assert!(!r.json.to_string().contains(OWNER), "{query}: {:?}", r.json);
        assert!(r.status == StatusCode::OK || r.status.is_client_error(), "{query}: {}", r.status);
    }
    let (_, csv) = app.get(Some(&partner), "/audit/export.csv?from=2000-01-01").await;
    assert!(!csv.contains(OWNER) && !csv.contains("ShareBackupSet"), "{csv}");
    // A RAM user without ActionTrail's policy reads none of its own account's trail.
    let developer = app.sign_in("developer@lumen").await;
    assert_eq!(app.form(Some(&developer), "audit_trail", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(Some(&developer), "/audit/export.csv").await.0, StatusCode::FORBIDDEN);
}

/// One HTTP/1.1 exchange with the server at `addr`: the answer's head and body.
async fn exchange(addr: &str, request: String) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    (head.to_owned(), body.to_owned())
}

/// A console form post; the answer's head and body.
async fn post_form(addr: &str, function: &str, body: &str, cookie: &str) -> (String, String) {
    exchange(
        addr,
        format!(
            "POST /api/{function} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Accept: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

fn cookie_value<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {head}"))
}

/// The server binary logging everything (`RUST_LOG=trace`) through a sign-in, a password change, a RAM
/// user's creation, an AccessKey's creation and signed calls of both signature versions: its log
/// holds none of the passwords, the session and known-device tokens (nor the session's stored digest),
/// the AccessKey secret, a signature or a nonce.
#[tokio::test]
async fn no_secret_reaches_the_servers_log_even_at_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (db, log_path) = (dir.path().join("polarshare.db"), dir.path().join("server.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_polarshare"))
        .args(["--database", db.to_str().unwrap(), "--listen", &addr, "--demo-data", "true"])
        .env("LEPTOS_OUTPUT_NAME", "polarshare")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the server binary");
    let server = crate::restart::Server { child, addr: addr.clone() };
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "the server did not start listening");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let (head, _) = post_form(&addr, "sign_in", &format!("login=owner&password={DEMO_PASSWORD}"), "").await;
    let (session, device) = (cookie_value(&head, "polarshare_session"), cookie_value(&head, "polarshare_device"));
    let cookie = format!("polarshare_session={session}");
    let ram_password = "Ram-Secret-Pass-7731";
    post_form(&addr, "create_ram_user", &format!("login_name=logged&password={ram_password}"), &cookie).await;
    let (_, body) = post_form(&addr, "create_access_key", "login_name=owner", &cookie).await;
    let made: serde_json::Value = serde_json::from_str(&body).unwrap();
    let key = Key {
        id: made["access_key_id"].as_str().unwrap().to_owned(),
        secret: made["access_key_secret"].as_str().unwrap().to_owned(),
    };
    let now = time::OffsetDateTime::now_utc()
        .format(&time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
        .unwrap();

    // ACS3-HMAC-SHA256: the signature in the Authorization header.
    let signed = acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now, "trace-nonce-acs3");
    let authorization = signed.headers()[http::header::AUTHORIZATION].to_str().unwrap().to_owned();
    let acs3_signature = authorization.rsplit("Signature=").next().unwrap().to_owned();
    let mut request = format!("POST {} HTTP/1.1\r\n", signed.uri());
    // Its own `host` header (signed) says where the SDK thought it was sending it.
    for (name, value) in signed.headers() {
        request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    request.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    let (head, body) = exchange(&addr, request).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{body}");

    // HMAC-SHA1 v1.0: the signature and the nonce in the query, refused for a name already taken.
    let params = [
        ("Action", "UpdateResourceShare"),
        ("Version", RS),
        ("ResourceShareId", "rs-nosuchshare00"),
        ("ResourceShareName", "x"),
        ("Format", "json"),
        ("Timestamp", now.as_str()),
        ("SignatureNonce", "trace-nonce-v1"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", key.id.as_str()),
    ];
    let raw = query_string(&params);
    let query = polarshare::server::openapi::signature::parse_form(&raw).unwrap();
    let (form, headers) = (BTreeMap::new(), http::HeaderMap::new());
    let v1_signature = polarshare::server::openapi::signature::rpc_v1_signature(
        &polarshare::server::openapi::signature::SignedRequest {
            method: "POST",
            path: "/",
            headers: &headers,
            query: &query,
            form: &form,
            body: b"",
        },
        &key.secret,
    );
    let (head, body) = exchange(
        &addr,
        format!(
            "POST /?{raw}&Signature={} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            percent_encode(&v1_signature)
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}\n{body}");

    let new_password = "Fresh-Pass-Word-5512";
    let (head, _) = post_form(
        &addr,
        "change_password",
        &format!("current_password={DEMO_PASSWORD}&new_password={new_password}"),
        &cookie,
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let pool = crate::restart::open_db(&db).await;
    let digests: Vec<String> = sqlx::query_scalar("select session_digest from session").fetch_all(&pool).await.unwrap();
    pool.close().await;
    server.terminate().await;

    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(logged.contains("sqlx::query"), "the log is at trace level: {} bytes", logged.len());
    let mut secrets = vec![
        ("the demo password", DEMO_PASSWORD.to_owned()),
        ("the new password", new_password.to_owned()),
        ("the RAM user's password", ram_password.to_owned()),
        ("the session token", session.to_owned()),
        ("the known-device token", device.to_owned()),
        ("the AccessKey secret", key.secret.clone()),
        ("the ACS3 signature", acs3_signature),
        ("the v1 signature", v1_signature.clone()),
        ("the v1 signature as sent", percent_encode(&v1_signature)),
        ("a nonce", "trace-nonce-acs3".to_owned()),
        ("a nonce", "trace-nonce-v1".to_owned()),
    ];
    secrets.extend(digests.into_iter().map(|d| ("a session's stored digest", d)));
    for (what, secret) in secrets {
        assert!(!logged.contains(&secret), "{what} is in the server's log");
    }
}
