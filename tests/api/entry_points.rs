//! Every entry point, enumerated from the server itself rather than listed by hand: each registered
//! server function (its row in `matrix.rs`), each OpenAPI action (`openapi::actions()`), each plain
//! route (`app::plain_paths`) and each page (the router's own route list), called with hostile input.
//! None may answer 5xx or panic; a refusal says a code and a sentence; and a refused call writes no
//! row anywhere (counted by triggers on every table, so a partial write is seen as it happens, not
//! only at the end).
//!
//! `hostile.rs` holds the full cross-product of its values for the server functions; this file adds
//! the values that suite lacks (control characters, injection strings, number forms, lengths at and
//! over the limits, duplicated and unknown parameters, JSON that does not decode) on a representative
//! sample of callers, and covers the OpenAPI actions, routes and pages, which it does not.

use crate::helpers::*;
use crate::hostile::hostile_strings;
use crate::matrix::{body_of, percent_encode, request, rows, Encoding, Fixture, WHO};
use crate::openapi::{
    acs3, create_key, owner_key, rpc_v1, shared_with_partner, shared_with_partner_and_accepted, Key, PD, RS,
};
use axum::body::Body;
use futures::StreamExt;
use http::{header, Method, Request};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Panics anywhere in this process since the hook was installed (a handler's panic can be caught, by
/// a group transaction or a spawned task, and answered as something else: it is a bug all the same).
fn panics() -> &'static AtomicUsize {
    static PANICS: AtomicUsize = AtomicUsize::new(0);
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
    &PANICS
}

/// Tables a refused call may write: its audit event, the signature nonce and key use it spent, and the
/// sessions and sign-in locks that record who tried.
const MAY_CHANGE_ON_REFUSAL: &[&str] = &["audit_event", "api_nonce", "access_key_use", "session", "sign_in_lock"];

/// Triggers counting every insert, update and delete on every other table (copied with the database
/// by `TestApp::fork`).
async fn watch_writes(app: &TestApp) {
    let tables: Vec<String> = sqlx::query_scalar("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '\\_sqlx%' escape '\\'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    app.exec("create table test_write (tbl text primary key, n integer not null)").await;
    for t in tables.iter().filter(|t| !MAY_CHANGE_ON_REFUSAL.contains(&t.as_str())) {
        app.exec(&format!("insert into test_write values ('{t}', 0)")).await;
        for op in ["insert", "update", "delete"] {
            app.exec(&format!("create trigger test_write_{t}_{op} after {op} on {t} begin update test_write set n = n + 1 where tbl = '{t}'; end")).await;
        }
    }
}

async fn writes(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as("select tbl, n from test_write where n > 0 order by tbl").fetch_all(&app.pool).await.unwrap()
}

/// What a 4xx must carry: a code and a sentence, in the console's shape (`code`, `message`) or the
/// OpenAPI's (`Code`, `Message`, with `RequestId`, `HostId`, `Recommend`).
fn without_code_and_sentence(status: u16, json: &Value, api: bool) -> Option<String> {
    let (code, message) = if api { ("Code", "Message") } else { ("code", "message") };
    let message = json[message].as_str().unwrap_or("");
    let shaped = !api || ["RequestId", "HostId", "Recommend"].iter().all(|k| json.get(k).is_some());
    let fine =
        json[code].as_str().is_some_and(|c| !c.is_empty()) && message.len() >= 12 && message.ends_with('.') && shaped;
    (status >= 400 && !fine).then(|| format!("{status} without a code and a sentence: {}", shown(&json.to_string())))
}

fn shown(s: &str) -> String {
    let cut: String = s.chars().take(160).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Values the cross-product of `hostile.rs` does not send: line breaks and DEL, bidi overrides,
/// injection into JSON paths and LIKE patterns, number forms no parser should take, lengths near the
/// body limit, ids of the right shape that exist nowhere.
fn more_hostile_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "\r\n",
        "a\r\nSet-Cookie: x=1",
        "\u{7f}",
        "\u{202E}\u{202D}\u{2066}",
        "\t",
        "' or 1=1 --",
        "\"},{\"",
        "$.x",
        "%",
        "_",
        "%_%",
        "\\",
        "NaN",
        "1e400",
        "-0",
        "0x10",
        "1.5",
        "9223372036854775807",
        "-9223372036854775808",
        "[]",
        "{}",
        "null",
        "rs-00000000000000",
        "bs-0000000000",
        "pc-0000000000000",
        "i-00000000000000",
        "rd-00000000",
    ]
    .map(str::to_owned)
    .to_vec();
    v.push("é".repeat(5_000)); // 10 KB of two-byte characters (30 KB percent-encoded): under the body limit, over every field's
    v
}

// ---- Server functions ----

#[tokio::test]
async fn every_server_function_refuses_the_values_hostile_rs_lacks_with_a_code_and_writes_nothing() {
    let panics_before = panics().load(Ordering::SeqCst);
    let fixture = Fixture::new().await;
    watch_writes(&fixture.app).await;
    let fixture = &fixture;
    let rows = rows();
    let values = more_hostile_strings();
    let answers: Vec<(Vec<String>, usize)> = futures::stream::iter(rows.iter())
        .map(|row| {
            let values = &values;
            async move {
                // Each function on its own copy: an accepted call (a sign-out, a password change) can't
                // take another function's caller away.
                let app = fixture.app.fork().await;
                let args = fixture.fill(&row.args);
                let mut bodies: Vec<(String, &'static str, Vec<u8>)> = Vec::new();
                let content_type = match row.encoding {
                    Encoding::Form => "application/x-www-form-urlencoded",
                    Encoding::Json => "application/json",
                };
                let valid = body_of(row.encoding, &args);
                let pad = |to: usize| match row.encoding {
                    Encoding::Form => format!("{valid}&pad={}", "a".repeat(to.saturating_sub(valid.len() + 5))),
                    Encoding::Json => format!("{valid}{}", " ".repeat(to.saturating_sub(valid.len()))),
                };
                // Over the limit by one byte, and by a megabyte; and the other encoding's content type.
                bodies.push(("body of the limit + 1".into(), content_type, pad(64 * 1024 + 1).into_bytes()));
                bodies.push(("1 MB body".into(), content_type, pad(1 << 20).into_bytes()));
                let other = if row.encoding == Encoding::Form {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                };
                bodies.push(("the other encoding's content type".into(), other, valid.clone().into_bytes()));
                bodies.push((
                    "form with a charset".into(),
                    "application/x-www-form-urlencoded; charset=latin1",
                    valid.clone().into_bytes(),
                ));
                let fields: Vec<String> = args.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
                // A function without arguments takes any body of its type as the call itself.
                if !fields.is_empty() {
                    // Each field a third of the values, in turn: every value still reaches every function
                    // (`hostile.rs` sends its own values to every field).
                    let share = fields.len().min(3);
                    for (f, field) in fields.iter().enumerate() {
                        for (i, value) in values.iter().enumerate().filter(|(i, _)| (i + f) % share == 0) {
                            let mut a = args.clone();
                            a[field.as_str()] = json!(value);
                            bodies.push((
                                format!("{field} = {:?}#{i}", value.chars().take(24).collect::<String>()),
                                content_type,
                                body_of(row.encoding, &a).into_bytes(),
                            ));
                        }
                    }
                    match row.encoding {
                        Encoding::Form => {
                            let first = valid.split('&').next().unwrap_or("").to_owned();
                            bodies.push((
                                "a parameter given twice".into(),
                                content_type,
                                format!("{valid}&{first}").into_bytes(),
                            ));
                            bodies.push((
                                "an unknown parameter".into(),
                                content_type,
                                format!("{valid}&zz_unknown=1&{}=2", percent_encode("a[0]")).into_bytes(),
                            ));
                            for field in &fields {
                                let other: Vec<String> = valid
                                    .split('&')
                                    .filter(|kv| !kv.starts_with(&format!("{}=", percent_encode(field))))
                                    .map(str::to_owned)
                                    .collect();
                                let with = |raw: &str| {
                                    [other.clone(), vec![format!("{}={raw}", percent_encode(field))]]
                                        .concat()
                                        .join("&")
                                        .into_bytes()
                                };
                                bodies.push((format!("{field} not UTF-8"), content_type, with("%FF%FEa%C3%28")));
                                bodies.push((
                                    format!("{field} a lone surrogate in CESU-8"),
                                    content_type,
                                    with("%ED%A0%80"),
                                ));
                                bodies.push((format!("{field} as a list"), content_type, with("1&{field}=2")));
                                bodies.push((
                                    format!("{field} as an object"),
                                    content_type,
                                    format!("{}&{}=1", other.join("&"), percent_encode(&format!("{field}[x]")))
                                        .into_bytes(),
                                ));
                            }
                        }
                        Encoding::Json => {
                            let mut extra = args.clone();
                            extra["zz_unknown"] = json!({"$.x": [1, {"\"},{\"": null}]});
                            bodies.push(("an unknown field".into(), content_type, extra.to_string().into_bytes()));
                            let text = valid.clone();
                            let first_key = fields[0].clone();
                            bodies.push((
                                "a field given twice".into(),
                                content_type,
                                format!("{{\"{first_key}\":1,{}", &text[1..]).into_bytes(),
                            ));
                            for (what, raw) in [
                                ("a lone surrogate", "\"\\ud800\""),
                                ("1e400", "1e400"),
                                ("NaN", "NaN"),
                                ("-1e400", "-1e400"),
                                ("a 2^64", "18446744073709551616"),
                            ] {
                                let mut a = args.clone();
                                a[first_key.as_str()] = json!("@@RAW@@");
                                bodies.push((
                                    format!("{first_key} = {what}"),
                                    content_type,
                                    a.to_string().replace("\"@@RAW@@\"", raw).into_bytes(),
                                ));
                            }
                        }
                    }
                }
                let (mut failures, mut accepted_writes) = (Vec::new(), 0);
                for (n, (what, content_type, body)) in bodies.into_iter().enumerate() {
                    // Every other case as the owner's root, who reaches furthest; the rest as each other
                    // identity in turn (one call each: a password's hash takes the most of a call's time).
                    for w in [if n % 2 == 0 { 1 } else { (n / 2) % WHO.len() }] {
                        let before = writes(&app).await;
                        let mut r =
                            request(row.name, row.encoding, Body::from(body.clone()), fixture.cookies[w].as_deref());
                        r.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().unwrap());
                        let answer = app.send(r).await;
                        let status = answer.status.as_u16();
                        let who = WHO[w].0;
                        if status >= 500 {
                            failures.push(format!(
                                "{} [{what}] as {who}: {status} {}",
                                row.name,
                                shown(&answer.json.to_string())
                            ));
                        } else if let Some(e) = without_code_and_sentence(status, &answer.json, false) {
                            failures.push(format!("{} [{what}] as {who}: {e}", row.name));
                        } else {
                            let after = writes(&app).await;
                            if status >= 400 && after != before {
                                failures.push(format!(
                                    "{} [{what}] as {who}: refused ({}) but wrote {after:?} (before {before:?})",
                                    row.name, answer.json["code"]
                                ));
                            }
                            accepted_writes += usize::from(status < 400 && after != before);
                        }
                    }
                }
                (failures, accepted_writes)
            }
        })
        .buffer_unordered(2)
        .collect()
        .await;
    // The triggers see writes at all: accepted calls (a name with a tab is still a ticket's message) wrote.
    assert_no_failure_panic_or_blind_count(answers, panics_before);
}

/// The end of a sweep: no call failed, nothing panicked, and the write-counting triggers did see the
/// accepted calls' writes (so that "a refused call wrote nothing" can't pass on triggers that count nothing).
fn assert_no_failure_panic_or_blind_count(answers: Vec<(Vec<String>, usize)>, panics_before: usize) {
    let accepted_writes: usize = answers.iter().map(|(_, n)| n).sum();
    let failures: Vec<String> = answers.into_iter().flat_map(|(f, _)| f).collect();
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(panics().load(Ordering::SeqCst), panics_before, "the server panicked (see the output above)");
    assert!(accepted_writes >= 5, "only {accepted_writes} accepted calls wrote anything");
}

// ---- The OpenAPI ----

/// One action's valid-looking parameters, each of which is replaced in turn by every hostile value.
struct ApiRow {
    version: &'static str,
    action: &'static str,
    params: Vec<(&'static str, String)>,
}

/// The owner's key, a RAM user's with both policies, a principal's with an accepted share and a pending
/// invitation, and an account that was never shared anything.
struct ApiFixture {
    app: TestApp,
    callers: Vec<(&'static str, Key)>,
    rows: Vec<ApiRow>,
}

impl ApiFixture {
    async fn new() -> ApiFixture {
        let app = TestApp::new().await;
        let (owner_cookie, owner) = owner_key(&app).await;
        let accepted = shared_with_partner_and_accepted(&app, &owner, "hostile-api").await;
        let (_, pending_share) = shared_with_partner(&app, &owner, "hostile-pending").await;
        let pending: String = sqlx::query_scalar(
            "select invitation_id from invitation where resource_share_id = ? and status = 'Pending'",
        )
        .bind(&pending_share)
        .fetch_one(&app.pool)
        .await
        .expect("the partner's pending invitation");
        let free = app.backups_of(SHAREABLE_CLUSTER, 3).await.pop().unwrap();
        let dba = create_key(&app, &owner_cookie, "dba@lumen").await;
        let outsider = create_key(&app, &app.sign_in("outsider").await, "outsider").await;
        let (backup, share) = (accepted.backup.clone(), accepted.share_id.clone());
        let s = |v: &str| v.to_owned();
        let rows = vec![
            ApiRow {
                version: RS,
                action: "CreateResourceShare",
                params: vec![
                    ("ResourceShareName", s("hostile-new")),
                    ("Resources.1.ResourceId", free.clone()),
                    ("Resources.1.ResourceType", s("PolarDBBackupSet")),
                    ("Targets.1", s(MEMBER)),
                    ("AllowExternalTargets", s("false")),
                ],
            },
            ApiRow {
                version: RS,
                action: "UpdateResourceShare",
                params: vec![
                    ("ResourceShareId", share.clone()),
                    ("ResourceShareName", s("renamed")),
                    ("AllowExternalTargets", s("true")),
                ],
            },
            ApiRow { version: RS, action: "DeleteResourceShare", params: vec![("ResourceShareId", share.clone())] },
            ApiRow {
                version: RS,
                action: "AssociateResourceShare",
                params: vec![
                    ("ResourceShareId", share.clone()),
                    ("Resources.1.ResourceId", free.clone()),
                    ("Resources.1.ResourceType", s("PolarDBBackupSet")),
                    ("Targets.1", s(OUTSIDER)),
                ],
            },
            ApiRow {
                version: RS,
                action: "DisassociateResourceShare",
                params: vec![
                    ("ResourceShareId", share.clone()),
                    ("Resources.1.ResourceId", backup.clone()),
                    ("Targets.1", s(PARTNER)),
                    ("ResourceOwner", s("Self")),
                ],
            },
            ApiRow {
                version: RS,
                action: "ListResourceShares",
                params: vec![
                    ("ResourceOwner", s("Self")),
                    ("ResourceShareIds.1", share.clone()),
                    ("ResourceShareName", s("hostile-api")),
                    ("ResourceShareStatus", s("Active")),
                    ("MaxResults", s("20")),
                ],
            },
            ApiRow {
                version: RS,
                action: "ListResourceShareAssociations",
                params: vec![
                    ("AssociationType", s("Target")),
                    ("ResourceShareIds.1", share.clone()),
                    ("ResourceId", backup.clone()),
                    ("Target", s(PARTNER)),
                    ("AssociationStatus", s("Associated")),
                    ("MaxResults", s("20")),
                ],
            },
            ApiRow {
                version: RS,
                action: "ListResourceShareInvitations",
                params: vec![
                    ("ResourceShareIds.1", pending_share.clone()),
                    ("ResourceShareInvitationIds.1", pending.clone()),
                    ("MaxResults", s("20")),
                ],
            },
            ApiRow {
                version: RS,
                action: "AcceptResourceShareInvitation",
                params: vec![("ResourceShareInvitationId", pending.clone())],
            },
            ApiRow {
                version: RS,
                action: "RejectResourceShareInvitation",
                params: vec![("ResourceShareInvitationId", pending.clone())],
            },
            ApiRow {
                version: RS,
                action: "ListSharedResources",
                params: vec![
                    ("ResourceOwner", s("Self")),
                    ("ResourceType", s("PolarDBBackupSet")),
                    ("ResourceIds.1", backup.clone()),
                    ("ResourceShareIds.1", share.clone()),
                    ("Target", s(PARTNER)),
                    ("RegionId", s("cn-hangzhou")),
                    ("MaxResults", s("20")),
                ],
            },
            ApiRow {
                version: RS,
                action: "ListSharedTargets",
                params: vec![
                    ("ResourceOwner", s("Self")),
                    ("Targets.1", s(PARTNER)),
                    ("ResourceShareIds.1", share.clone()),
                    ("ResourceId", backup.clone()),
                    ("MaxResults", s("20")),
                ],
            },
            ApiRow { version: RS, action: "EnableSharingWithResourceDirectory", params: vec![] },
            ApiRow { version: RS, action: "CheckSharingWithResourceDirectoryStatus", params: vec![] },
            ApiRow { version: RS, action: "ListPermissions", params: vec![("ResourceType", s("PolarDBBackupSet"))] },
            ApiRow {
                version: PD,
                action: "DescribeDBClusters",
                params: vec![
                    ("RegionId", s("cn-hangzhou")),
                    ("DBClusterIds", s(SHAREABLE_CLUSTER)),
                    ("PageNumber", s("1")),
                    ("PageSize", s("30")),
                ],
            },
            ApiRow {
                version: PD,
                action: "DescribeDBClusterAttribute",
                params: vec![("DBClusterId", s(SHAREABLE_CLUSTER))],
            },
            ApiRow {
                version: PD,
                action: "DescribeBackups",
                params: vec![
                    ("DBClusterId", s(SHAREABLE_CLUSTER)),
                    ("BackupId", backup.clone()),
                    ("StartTime", s("2026-10-01T00:00Z")),
                    ("EndTime", s("2026-11-26T00:00Z")),
                    ("PageNumber", s("1")),
                    ("PageSize", s("30")),
                ],
            },
            ApiRow {
                version: PD,
                action: "DescribeSharedBackups",
                params: vec![
                    ("ShareType", s("ShareIncoming")),
                    ("RegionId", s("cn-hangzhou")),
                    ("DBClusterId", s(SHAREABLE_CLUSTER)),
                    ("BackupId", backup.clone()),
                    ("PageNumber", s("1")),
                    ("PageSize", s("30")),
                ],
            },
            ApiRow {
                version: PD,
                action: "DeleteBackup",
                params: vec![("DBClusterId", s(SHAREABLE_CLUSTER)), ("BackupId", free.clone())],
            },
            ApiRow {
                version: PD,
                action: "CreateDBCluster",
                params: vec![
                    ("RegionId", s("cn-hangzhou")),
                    ("ZoneId", s("cn-hangzhou-h")),
                    ("DBType", s("MySQL")),
                    ("DBVersion", s("8.0")),
                    ("PayType", s("Postpaid")),
                    ("DBNodeClass", s("polar.mysql.x4.medium")),
                    ("CreationOption", s("CloneFromPolarDB")),
                    ("SourceResourceId", s(SHAREABLE_CLUSTER)),
                    ("CloneDataPoint", backup.clone()),
                    ("SourceUid", s(OWNER)),
                    ("DBClusterDescription", s("restored")),
                    ("ClientToken", s("hostile-token")),
                ],
            },
        ];
        let callers = vec![
            ("owner", owner),
            ("RAM user with both policies", dba),
            ("partner", accepted.partner),
            ("outsider", outsider),
        ];
        ApiFixture { app, callers, rows }
    }
}

#[tokio::test]
async fn every_openapi_action_has_a_row_of_hostile_parameters() {
    let fixture = ApiFixture::new().await;
    let served: BTreeSet<(&str, &str)> = polarshare::server::openapi::actions().collect();
    let listed: BTreeSet<(&str, &str)> = fixture.rows.iter().map(|r| (r.version, r.action)).collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "OpenAPI actions without a row in tests/api/entry_points.rs (ApiFixture::new): {missing:?}"
    );
    assert!(stale.is_empty(), "rows for actions the endpoint does not serve: {stale:?}");
    // Each listed action is reached (a name in the list without an arm would answer InvalidAction).
    for row in &fixture.rows {
        let r = acs3(&fixture.app, &fixture.callers[0].1, row.action, row.version, &[]).await;
        assert_ne!(r.json["Code"], "InvalidAction.NotFound", "{} is listed but not dispatched", row.action);
    }
}

#[tokio::test]
async fn no_hostile_parameter_of_any_openapi_action_gets_a_500_a_bare_answer_or_a_write() {
    let panics_before = panics().load(Ordering::SeqCst);
    let fixture = ApiFixture::new().await;
    watch_writes(&fixture.app).await;
    let fixture = &fixture;
    let mut values = hostile_strings();
    values.extend(more_hostile_strings());
    // As long a value as a URI holds (the `http` crate refuses one of 64 KB; so does any server).
    values.push("a".repeat(60 * 1024));
    let values = &values;
    let answers: Vec<(Vec<String>, usize)> = futures::stream::iter(fixture.rows.iter())
        .map(|row| async move {
            let app = fixture.app.fork().await;
            let mut failures = Vec::new();
            let mut cases: Vec<(String, Vec<(&str, String)>)> = Vec::new();
            // Each parameter a third of the values, in turn: every value still reaches every action.
            let share = row.params.len().clamp(1, 3);
            for (i, (name, _)) in row.params.iter().enumerate() {
                let without: Vec<(&str, String)> =
                    row.params.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| p.clone()).collect();
                cases.push((format!("{name} missing"), without));
                for (_, value) in values.iter().enumerate().filter(|(v, _)| (v + i) % share == 0) {
                    let mut with = row.params.clone();
                    with[i].1 = value.clone();
                    cases.push((format!("{name}={:?}", value.chars().take(24).collect::<String>()), with));
                }
                // The list's 0th, a gap, its 6th (over the five allowed), and a field under a plain name.
                if let Some((list, rest)) = name.split_once(".1") {
                    for index in ["0", "2", "6", "-1", "99999999999999999999"] {
                        let mut with = row.params.clone();
                        with[i].0 = Box::leak(format!("{list}.{index}{rest}").into_boxed_str());
                        cases.push((format!("{list}.{index}{rest}"), with));
                    }
                } else {
                    let mut with = row.params.clone();
                    with.push((Box::leak(format!("{name}.1").into_boxed_str()), "x".to_owned()));
                    cases.push((format!("{name}.1 beside {name}"), with));
                }
            }
            let mut extra = row.params.clone();
            extra.push(("ZzUnknown", "' or 1=1 --".to_owned()));
            cases.push(("an unknown parameter".into(), extra));
            // The valid call last: it may change what the cases before it read.
            cases.push(("as given".into(), row.params.clone()));
            let mut written = writes(&app).await;
            let mut accepted_writes = 0;
            for (n, (what, params)) in cases.iter().enumerate() {
                let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let last = n + 1 == cases.len();
                // Every other case as the owner, who reaches furthest; the rest as the others in turn.
                let others = fixture.callers.len() - 1;
                let callers: Vec<usize> = if last {
                    (0..=others).collect()
                } else if n % 2 == 0 {
                    vec![0]
                } else {
                    vec![1 + (n / 2) % others]
                };
                for c in callers {
                    let (who, key) = &fixture.callers[c];
                    let before = written.clone();
                    let r = if (n + c) % 2 == 0 {
                        acs3(&app, key, row.action, row.version, &params).await
                    } else {
                        rpc_v1(&app, key, row.action, row.version, &params).await
                    };
                    let status = r.status.as_u16();
                    if status >= 500 {
                        failures.push(format!(
                            "{} [{what}] as {who}: {status} {}",
                            row.action,
                            shown(&r.json.to_string())
                        ));
                    } else if let Some(e) = without_code_and_sentence(status, &r.json, true) {
                        failures.push(format!("{} [{what}] as {who}: {e}", row.action));
                    }
                    written = writes(&app).await;
                    if status >= 400 && written != before {
                        failures.push(format!(
                            "{} [{what}] as {who}: refused ({}) but wrote {written:?} (before {before:?})",
                            row.action, r.json["Code"]
                        ));
                    }
                    accepted_writes += usize::from(status < 400 && written != before);
                }
            }
            // Requests refused before any signature is read: a parameter twice, bytes that are not
            // UTF-8 in the query or the form body, a body over the limit, a body of another type.
            let base = format!("Action={}&Version={}", row.action, row.version);
            let long = "a".repeat(64 * 1024 + 1);
            let megabyte = "a".repeat(1 << 20);
            let raw: Vec<(&str, String, &str, Vec<u8>)> = vec![
                ("a parameter twice", format!("/?{base}&RegionId=a&RegionId=b"), "", vec![]),
                ("Action twice", format!("/?{base}&Action=ListPermissions"), "", vec![]),
                ("a value not UTF-8", format!("/?{base}&RegionId=%FF%FE"), "", vec![]),
                ("a name not UTF-8", format!("/?{base}&%C3%28=1"), "", vec![]),
                ("a cut escape", format!("/?{base}&RegionId=%E"), "", vec![]),
                ("a name with brackets", format!("/?{base}&Targets[1]=x"), "", vec![]),
                (
                    "a form body not UTF-8",
                    format!("/?{base}"),
                    "application/x-www-form-urlencoded",
                    b"RegionId=\xff\xfe".to_vec(),
                ),
                (
                    "a form body repeating the query",
                    format!("/?{base}"),
                    "application/x-www-form-urlencoded",
                    format!("{base}").into_bytes(),
                ),
                (
                    "a body of the limit + 1",
                    format!("/?{base}"),
                    "application/x-www-form-urlencoded",
                    format!("A={}", &long[2..]).into_bytes(),
                ),
                ("a 1 MB body", format!("/?{base}"), "application/octet-stream", megabyte.clone().into_bytes()),
                (
                    "a JSON body",
                    format!("/?{base}"),
                    "application/json",
                    b"{\"RegionId\": [1, {\"$.x\": null}]}".to_vec(),
                ),
                ("a 60 KB query", format!("/?{base}&RegionId={}", &long[..60 * 1024]), "", vec![]),
                (
                    "an unsigned call",
                    format!("/?{base}&Timestamp=2026-11-25T08:00:00Z&SignatureNonce=x&AccessKeyId=LTAI0000"),
                    "",
                    vec![],
                ),
            ];
            for (what, uri, content_type, body) in raw {
                let before = writes(&app).await;
                let mut request = Request::post(uri.as_str());
                if !content_type.is_empty() {
                    request = request.header(header::CONTENT_TYPE, content_type);
                }
                let r = app.send(request.body(Body::from(body)).unwrap()).await;
                let status = r.status.as_u16();
                if status < 400 || status >= 500 {
                    failures.push(format!("{} [{what}]: {status} {}", row.action, shown(&r.json.to_string())));
                } else if let Some(e) = without_code_and_sentence(status, &r.json, true) {
                    failures.push(format!("{} [{what}]: {e}", row.action));
                } else if writes(&app).await != before {
                    failures.push(format!("{} [{what}]: refused but wrote {:?}", row.action, writes(&app).await));
                }
            }
            (failures, accepted_writes)
        })
        .buffer_unordered(2)
        .collect()
        .await;
    // The triggers see writes at all: the calls given as they are (a share made, renamed, deleted) wrote.
    assert_no_failure_panic_or_blind_count(answers, panics_before);
}

// ---- Plain routes and pages ----

/// Query strings no page or route should choke on, under the names the pages and routes read.
fn hostile_queries() -> Vec<String> {
    let names = [
        "page",
        "region",
        "tab",
        "next",
        "cluster_id",
        "backup_set_id",
        "share",
        "share_id",
        "confirm",
        "restore",
        "edit",
        "__err",
        "__path",
        "action",
        "from",
        "to",
        "count",
    ];
    let mut values: Vec<String> = [
        "%FF%FE",
        "%ED%A0%80",
        "%00",
        "%0D%0ASet-Cookie:%20x=1",
        "%7F",
        "%E2%80%AE",
        "-1",
        "99999999999999999999",
        "1e400",
        "NaN",
        "%27%20or%201%3D1%20--",
        "%22%7D%2C%7B%22",
        "%24.x",
        "%25",
        "_",
        "%E",
        "a%5Bb%5D",
    ]
    .map(str::to_owned)
    .to_vec();
    values.push("a".repeat(60 * 1024));
    let mut queries: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        // Every value under every name would be 17 x 18 pages each: each value goes under all names at once.
        queries.push(names.iter().map(|n| format!("{n}={value}")).collect::<Vec<_>>().join("&"));
        queries.push(format!("{}={value}&{}=1", names[i % names.len()], names[i % names.len()]));
    }
    queries
        .extend(["%FF=1", "a[b][c][d][e][f]=1", "=", "&&&", "page=1&page=2&from=2026-01-01&from=x"].map(str::to_owned));
    queries
}

/// Path segments to put where a page takes an id.
fn hostile_segments() -> Vec<String> {
    let mut v: Vec<String> = [
        "%FF",
        "%00",
        "%ED%A0%80",
        "..%2F..%2Fetc%2Fpasswd",
        "%27%20or%201%3D1%20--",
        "%E2%80%AE",
        "pc-0000000000000",
        "pc-2zepartner0001",
        "-1",
        "%20",
    ]
    .map(str::to_owned)
    .to_vec();
    v.push("a".repeat(5_000));
    v
}

#[tokio::test]
async fn every_route_and_page_answers_hostile_queries_paths_and_methods_without_a_500() {
    let panics_before = panics().load(Ordering::SeqCst);
    let app = TestApp::with_settings(Settings { demo_data: true, ..Settings::default() }).await;
    watch_writes(&app).await;
    let cookies = [
        None,
        Some(app.sign_in("owner").await),
        Some(app.sign_in("partner").await),
        Some(app.sign_in("auditor@lumen").await),
    ];
    let plain = polarshare::server::app::plain_paths(&app.state.settings);
    assert!(plain.contains(&"/demo/fresh-backup-sets"), "{plain:?}");
    let pages: Vec<String> =
        leptos_axum::generate_route_list(polarshare::app::App).iter().map(|r| r.path().to_owned()).collect();
    assert!(pages.len() >= 10, "{pages:?}");
    // A page's path with each id replaced by hostile segments (the first also by a real id).
    let mut paths: Vec<(String, bool)> = plain.iter().map(|p| (p.to_string(), true)).collect();
    paths.extend([
        ("/".to_owned(), false),
        ("/api/not_a_function".to_owned(), true),
        ("/pkg/polarshare.js".to_owned(), false),
        ("/favicon.ico".to_owned(), false),
        ("/%FF".to_owned(), false),
    ]);
    for page in &pages {
        let is_param = |s: &str| s.starts_with(':') || s.starts_with('{') || s.starts_with('*');
        if !page.split('/').any(is_param) {
            paths.push((page.clone(), false));
            continue;
        }
        for segment in hostile_segments() {
            let path: Vec<String> =
                page.split('/').map(|s| if is_param(s) { segment.clone() } else { s.to_owned() }).collect();
            paths.push((path.join("/"), false));
        }
    }
    let queries = hostile_queries();
    let mut failures = Vec::new();
    let mut calls = 0;
    for (p, (path, json)) in paths.iter().enumerate() {
        let mut requests: Vec<(String, Method, String)> = Vec::new();
        // A page renders in milliseconds, not microseconds: the routes get every query, each page a
        // tenth of them in turn (every query still reaches pages of each kind).
        for (q, query) in queries.iter().enumerate().filter(|(q, _)| *json || (q + p) % 10 == 0) {
            requests.push((
                format!("?{}", shown(query)),
                if q % 7 == 3 {
                    Method::HEAD
                } else if *json && path.starts_with("/demo") {
                    Method::POST
                } else {
                    Method::GET
                },
                format!("{path}?{query}"),
            ));
        }
        for method in
            [Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS, Method::from_bytes(b"BREW").unwrap()]
        {
            requests.push((format!("{method}"), method, path.clone()));
        }
        for (n, (what, method, uri)) in requests.into_iter().enumerate() {
            let Ok(request) = Request::builder()
                .method(method.clone())
                .uri(uri.as_str())
                .header(header::HOST, "localhost")
                .body(Body::empty())
            else {
                continue; // not a URI at all: no server sees it
            };
            let mut request = request;
            let cookie = &cookies[(n + p) % cookies.len()];
            if let Some(c) = cookie {
                request.headers_mut().insert(header::COOKIE, c.parse().unwrap());
            }
            let before = writes(&app).await;
            let r = app.send(request).await;
            calls += 1;
            let status = r.status.as_u16();
            let who = if cookie.is_some() { "signed in" } else { "signed out" };
            if status >= 500 {
                failures.push(format!(
                    "{method} {} [{what}] {who}: {status} {}",
                    shown(path),
                    shown(&r.json.to_string())
                ));
            } else if *json && method != Method::HEAD {
                if let Some(e) = without_code_and_sentence(status, &r.json, false) {
                    failures.push(format!("{method} {} [{what}] {who}: {e}", shown(path)));
                }
            }
            let accepted_demo = path.starts_with("/demo") && status < 400;
            if !accepted_demo && writes(&app).await != before {
                failures.push(format!(
                    "{method} {} [{what}] {who}: {status} but wrote {:?}",
                    shown(path),
                    writes(&app).await
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {calls} failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(panics().load(Ordering::SeqCst), panics_before, "the server panicked (see the output above)");
}
