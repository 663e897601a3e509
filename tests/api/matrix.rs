//! The authorization matrix: every registered server function called by every kind of identity, with
//! the HTTP status each cell must answer. The table is also the argument description the hostile-input
//! suite (`hostile.rs`) generates its cases from.
//!
//! A server function registered without a row fails `every_registered_server_function_has_a_row`.
//! Adding one is one line in [`rows`]: its name, how its body is encoded, a sample of valid arguments
//! (strings may name a fixture with `{placeholder}`, see [`Fixture::fill`]), and nine statuses in the
//! order of [`WHO`].

use crate::helpers::*;
use axum::body::Body;
use futures::StreamExt;
use http::{header, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The kinds of identity, in the order of a row's statuses.
pub const WHO: [(&str, Option<&str>); 10] = [
    ("signed out", None),
    ("owner root", Some("owner")),
    ("RAM: both full-access policies", Some("dba@lumen")),
    ("RAM: PolarDB full access only", Some("developer@lumen")),
    ("RAM: PolarDB read-only", Some("auditor@lumen")),
    ("RAM: no policy", Some(NO_POLICY_USER)),
    ("principal outside the directory", Some("partner")),
    ("directory member", Some("member")),
    ("platform operator", Some("operator")),
    ("RAM: Resource Sharing full access only", Some(SHARING_ONLY_USER)),
];

/// A RAM user of the owner with no policy at all, created by the fixture.
pub const NO_POLICY_USER: &str = "nopolicy@lumen";

/// A RAM user of the owner holding AliyunResourceCenterFullAccess alone (no PolarDB policy), created by
/// the fixture: one half of what sharing takes, and Resource Sharing's pages.
pub const SHARING_ONLY_USER: &str = "sharer@lumen";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Form,
    Json,
}
use Encoding::*;

pub struct Row {
    pub name: &'static str,
    pub encoding: Encoding,
    /// Valid arguments: a flat object for a form, the JSON body itself for a JSON function.
    pub args: Value,
    pub expected: [u16; 10],
}

fn row(name: &'static str, encoding: Encoding, args: Value, expected: [u16; 10]) -> Row {
    Row { name, encoding, args, expected }
}

#[rustfmt::skip]
pub fn rows() -> Vec<Row> {
    vec![
        //                                                                                                            out  root dba  dev  aud  none prt  mem  op   rc
        row("current_viewer", Form, json!({}),                                                                      [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row("sign_in", Form, json!({"login": "owner", "password": DEMO_PASSWORD}),                                  [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row("sign_out", Form, json!({}),                                                                            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row("list_clusters", Form, json!({"region_id": "cn-hangzhou"}),                                             [401, 200, 200, 200, 200, 403, 200, 200, 403, 403]),
        row("list_backup_sets", Form, json!({"cluster_id": "{cluster}", "page": 1}),                                [401, 200, 200, 200, 200, 403, 404, 404, 403, 403]),
        row("load_share_dialog", Form, json!({}),                                                                   [401, 200, 200, 200, 200, 403, 200, 200, 403, 403]),
        row("share_backup_set", Json, json!({"request": {"backup_set_id": "{free_set}", "method": {"New": {"name": "matrix-new", "scope": "AllAccounts", "principals": [OUTSIDER]}}}}),
                                                                                                                    [401, 200, 200, 403, 403, 403, 404, 404, 403, 403]),
        // The Share dialog's form: the same share through flat fields (what a browser without JavaScript posts).
        row("submit_share", Form, json!({"form[backup_set_id]": "{free_set}", "form[method]": "new", "form[resource_share_name]": "matrix-form",
            "form[scope]": "AllAccounts", "form[new_principals]": OUTSIDER}),                                    [401, 200, 200, 403, 403, 403, 404, 404, 403, 403]),
        // Reading account data takes a policy that grants it (issue 8 point 6): billing, tickets, quota and the
        // audit trail each their own (AliyunBSS/Support/Quotas/ActionTrail), so RAM users without it get 403.
        row("list_invitations", Form, json!({"region_id": "cn-hangzhou"}),                                          [401, 200, 200, 403, 403, 403, 200, 200, 403, 200]),
        row("answer_invitation", Form, json!({"invitation_id": "{invitation}", "accept": true}),                    [401, 404, 404, 403, 403, 403, 200, 404, 403, 404]),
        row("list_my_shares", Form, json!({}),                                                                      [401, 200, 200, 200, 200, 403, 200, 200, 403, 403]),
        // Shared By Me: resource shares are Resource Sharing's (AliyunResourceCenterFullAccess); changing one takes both
        // full-access policies, as in the OpenAPI; another account's share does not exist for the caller.
        row("list_shares_by_me", Form, json!({}),                                                                   [401, 200, 200, 403, 403, 403, 200, 200, 403, 200]),
        row("update_resource_share", Form, json!({"resource_share_id": "{share}", "resource_share_name": "matrix-renamed", "principal_scope": "AllAccounts"}),
                                                                                                                    [401, 200, 200, 403, 403, 403, 404, 404, 403, 403]),
        row("delete_resource_share", Form, json!({"resource_share_id": "{share}"}),                                 [401, 200, 200, 403, 403, 403, 404, 404, 403, 403]),
        row("list_shared_with_me", Form, json!({"region_id": "cn-hangzhou"}),                                       [401, 200, 200, 200, 200, 403, 200, 200, 403, 403]),
        // The set is the owner's own: its identities are told so (422 UnsupportedOperation.OwnBackupSet);
        // the partner, only invited, is told it does not exist.
        row("restore_to_new_cluster", Json, json!({"request": {"backup_set_id": "{shared_set}", "cluster_name": "matrix-copy",
            "node_spec": "polar.mysql.x4.medium", "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid"}}),           [401, 422, 422, 422, 403, 403, 404, 200, 403, 403]),
        row("submit_restore", Form, json!({"backup_set_id": "{shared_set}", "cluster_name": "matrix-form-copy",
            "node_spec": "polar.mysql.x4.medium", "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid"}),            [401, 422, 422, 422, 403, 403, 404, 200, 403, 403]),
        row("list_restore_jobs", Form, json!({}),                                                                   [401, 200, 200, 200, 200, 403, 200, 200, 403, 403]),
        row("billing", Form, json!({}),                                                                             [401, 200, 403, 403, 403, 403, 200, 200, 403, 403]),
        row("delete_backup_set", Form, json!({"backup_set_id": "{free_set}"}),                                      [401, 200, 200, 200, 403, 403, 404, 404, 403, 403]),
        row("convert_backup_level", Form, json!({"backup_set_id": "{free_set}"}),                                   [401, 200, 200, 200, 403, 403, 404, 404, 403, 403]),
        row("release_cluster", Form, json!({"cluster_id": "pc-2zeanalytics01"}),                                            [401, 200, 200, 200, 403, 403, 404, 404, 403, 403]),
        // Manage Sharing Relationship is a Resource Management page: Resource Sharing's policy reads it.
        row("sharing_relationship", Form, json!({"backup_set_id": "{shared_set}"}),                                 [401, 200, 200, 403, 403, 403, 404, 404, 403, 200]),
        row("list_tickets", Form, json!({}),                                                                        [401, 200, 403, 403, 403, 403, 200, 200, 200, 403]),
        row("submit_ticket", Form, json!({"kind": "EnableSharedBackup", "message": "matrix"}),                       [401, 409, 403, 403, 403, 403, 409, 409, 403, 403]),
        row("decide_ticket", Form, json!({"ticket_id": "{ticket}", "approve": true}),                               [401, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
        row("quota", Form, json!({}),                                                                               [401, 200, 403, 403, 403, 403, 200, 200, 403, 403]),
        row("audit_trail", Form, json!({"action": "ShareBackupSet"}),                                               [401, 200, 403, 403, 403, 403, 200, 200, 200, 403]),
        row("list_ram_users", Form, json!({}),                                                                      [401, 200, 403, 403, 403, 403, 200, 200, 403, 403]),
        row("create_ram_user", Form, json!({"login_name": "matrix", "password": DEMO_PASSWORD}),              [401, 200, 403, 403, 403, 403, 200, 200, 403, 403]),
        row("set_ram_password", Form, json!({"login_name": "auditor@lumen", "password": "Another-Pass-2026"}),      [401, 200, 403, 403, 403, 403, 404, 404, 403, 403]),
        row("set_ram_policy", Form, json!({"login_name": "auditor@lumen", "policy": "AliyunPolardbFullAccess", "attached": true}),
                                                                                                                    [401, 200, 403, 403, 403, 403, 404, 404, 403, 403]),
        row("delete_ram_user", Form, json!({"login_name": "auditor@lumen"}),                                        [401, 200, 403, 403, 403, 403, 404, 404, 403, 403]),
        row("resource_directory", Form, json!({}),                                                                  [401, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
        row("create_folder", Form, json!({"folder_name": "Matrix", "parent_folder_id": ROOT_FOLDER}),               [401, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
        row("add_member", Form, json!({"account_id": OUTSIDER, "folder_id": ROOT_FOLDER}),                          [401, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
        row("move_member", Form, json!({"account_id": QA_MEMBER, "folder_id": ANALYTICS_FOLDER}),                   [401, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
        row("remove_member", Form, json!({"account_id": QA_MEMBER}),                                                [401, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
        // Read by exactly those who may answer a directory invitation (AliyunResourceCenterFullAccess).
        row("my_directory", Form, json!({}),                                                                        [401, 200, 200, 403, 403, 403, 200, 200, 403, 200]),
        row("directory_page", Form, json!({}),                                                                      [401, 200, 200, 403, 403, 403, 200, 200, 403, 200]),
        row("answer_directory_invitation", Form, json!({"invitation_id": "{directory_invitation}", "accept": true}), [401, 404, 404, 403, 403, 403, 200, 404, 403, 404]),
        row("cancel_directory_invitation", Form, json!({"invitation_id": "{directory_invitation}"}),                [401, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
        row("change_password", Form, json!({"current_password": DEMO_PASSWORD, "new_password": "Matrix-Pass-2027"}),   [401, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row("create_account", Form, json!({"login_name": "matrix-root", "display_name": "Matrix", "site": "aliyun.com"}), [401, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
        row("leave_directory", Form, json!({}),                                                                     [401, 409, 409, 403, 403, 403, 409, 200, 403, 409]),
        // AccessKey pairs are the root's to manage, for itself and its own RAM users only.
        row("list_access_keys", Form, json!({}),                                                                    [401, 200, 403, 403, 403, 403, 200, 200, 403, 403]),
        row("create_access_key", Form, json!({"login_name": "developer@lumen"}),                                    [401, 200, 403, 403, 403, 403, 404, 404, 403, 403]),
        row("set_access_key_status", Form, json!({"access_key_id": "{access_key}", "active": false}),               [401, 200, 403, 403, 403, 403, 404, 404, 403, 403]),
        row("delete_access_key", Form, json!({"access_key_id": "{access_key}"}),                                     [401, 200, 403, 403, 403, 403, 404, 404, 403, 403]),
    ]
}

/// The data every cell starts from: the demo, plus two shares of one backup set (an invitation pending
/// for `partner`; `member` associated through the directory), `partner` invited into the directory, an
/// open quota ticket of the owner, the policy-less RAM user, and a session for every identity.
pub struct Fixture {
    pub app: TestApp,
    pub cookies: Vec<Option<String>>,
    values: Vec<(&'static str, String)>,
}

impl Fixture {
    pub async fn new() -> Fixture {
        let app = TestApp::new().await;
        let owner = app.sign_in("owner").await;
        let shared_set = app.backup_of(SHAREABLE_CLUSTER).await;
        let shared = app.share(&owner, &shared_set, new_share("matrix", "AllAccounts", &[PARTNER])).await;
        assert_eq!(shared.status, StatusCode::OK, "fixture share: {:?}", shared.json);
        let associated =
            app.share(&owner, &shared_set, new_share("matrix-directory", "ResourceDirectory", &[MEMBER])).await;
        assert_eq!(associated.status, StatusCode::OK, "fixture directory share: {:?}", associated.json);
        let free_set: String = sqlx::query_scalar(
            "select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None'
             and expires_at > '2026-11-25' and backup_set_id not like 'rp-%' and backup_set_id <> ? order by backup_set_id limit 1",
        )
        .bind(SHAREABLE_CLUSTER)
        .bind(&shared_set)
        .fetch_one(&app.pool)
        .await
        .expect("a second healthy backup set");
        let invitation: String = sqlx::query_scalar(
            "select invitation_id from invitation where receiver_account_id = ? and status = 'Pending'",
        )
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .expect("partner's invitation");
        let ticket = app.form(Some(&owner), "submit_ticket", "kind=QuotaIncrease&message=matrix").await;
        assert_eq!(ticket.status, StatusCode::OK, "fixture ticket: {:?}", ticket.json);
        let invited =
            app.form(Some(&owner), "add_member", &format!("account_id={PARTNER}&folder_id={ROOT_FOLDER}")).await;
        assert_eq!(invited.status, StatusCode::OK, "fixture directory invitation: {:?}", invited.json);
        let directory_invitation: String = sqlx::query_scalar(
            "select rd_invitation_id from rd_invitation where account_id = ? and status = 'Pending'",
        )
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .expect("partner's directory invitation");
        let created = app
            .form(Some(&owner), "create_ram_user", &format!("login_name={NO_POLICY_USER}&password={DEMO_PASSWORD}"))
            .await;
        assert_eq!(created.status, StatusCode::OK, "fixture RAM user: {:?}", created.json);
        let created = app
            .form(Some(&owner), "create_ram_user", &format!("login_name={SHARING_ONLY_USER}&password={DEMO_PASSWORD}"))
            .await;
        assert_eq!(created.status, StatusCode::OK, "fixture RAM user: {:?}", created.json);
        let attached = app
            .form(
                Some(&owner),
                "set_ram_policy",
                &format!("login_name={SHARING_ONLY_USER}&policy=AliyunResourceCenterFullAccess&attached=true"),
            )
            .await;
        assert_eq!(attached.status, StatusCode::OK, "fixture RAM policy: {:?}", attached.json);
        let key = app.form(Some(&owner), "create_access_key", "login_name=dba%40lumen").await;
        assert_eq!(key.status, StatusCode::OK, "fixture access key: {:?}", key.json);
        let mut cookies = Vec::new();
        for (_, login) in WHO {
            cookies.push(match login {
                Some(login) => Some(app.sign_in(login).await),
                None => None,
            });
        }
        let values = vec![
            ("{cluster}", SHAREABLE_CLUSTER.to_owned()),
            ("{shared_set}", shared_set),
            ("{share}", shared.json["resource_share_id"].as_str().expect("share id").to_owned()),
            ("{free_set}", free_set),
            ("{invitation}", invitation),
            ("{directory_invitation}", directory_invitation),
            ("{access_key}", key.json["access_key_id"].as_str().expect("access key id").to_owned()),
            ("{ticket}", ticket.json["ticket_id"].as_str().expect("ticket id").to_owned()),
        ];
        Fixture { app, cookies, values }
    }

    /// The arguments with every `{placeholder}` string replaced by the fixture's value.
    pub fn fill(&self, args: &Value) -> Value {
        match args {
            Value::String(s) => Value::String(self.values.iter().fold(s.clone(), |s, (k, v)| s.replace(k, v))),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.fill(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.fill(v))).collect()),
            other => other.clone(),
        }
    }
}

/// `application/x-www-form-urlencoded` of a flat object (null fields left out, as an absent option).
pub fn form_body(args: &Value) -> String {
    let Some(map) = args.as_object() else { return String::new() };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{}={}", percent_encode(k), percent_encode(&v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A call of `/api/<name>` with a raw body in the function's own content type.
pub fn request(name: &str, encoding: Encoding, body: impl Into<Body>, cookie: Option<&str>) -> Request<Body> {
    let content_type = match encoding {
        Form => "application/x-www-form-urlencoded",
        Json => "application/json",
    };
    let mut r = Request::post(format!("/api/{name}")).header(header::CONTENT_TYPE, content_type);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(body.into()).unwrap()
}

pub fn body_of(encoding: Encoding, args: &Value) -> String {
    match encoding {
        Form => form_body(args),
        Json => args.to_string(),
    }
}

#[tokio::test]
async fn every_registered_server_function_has_a_row() {
    let registered: BTreeSet<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    let listed: BTreeSet<String> = rows().iter().map(|r| format!("/api/{}", r.name)).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(missing.is_empty(), "server functions without a row in tests/api/matrix.rs: {missing:?}");
    assert!(stale.is_empty(), "rows for server functions that are not registered: {stale:?}");
    assert!(registered.len() >= 33, "the inventory lists the functions: {registered:?}");
}

// The matrix in two halves of the rows, each a test of its own: nextest runs them side by side, and
// neither comes near the per-test time limit on a loaded machine (the whole ran 36-90 s on a quiet one).
#[tokio::test]
async fn every_identity_gets_the_expected_status_from_every_server_function_part_1() {
    expected_statuses(0..rows().len() / 2).await;
}

#[tokio::test]
async fn every_identity_gets_the_expected_status_from_every_server_function_part_2() {
    expected_statuses(rows().len() / 2..rows().len()).await;
}

/// Every identity's call of each row in `part` gets the row's expected status (and a code with a 4xx).
async fn expected_statuses(part: std::ops::Range<usize>) {
    let fixture = Fixture::new().await;
    let rows: Vec<Row> = rows().into_iter().skip(part.start).take(part.len()).collect();
    let cells: Vec<(usize, usize)> = (0..rows.len()).flat_map(|r| (0..WHO.len()).map(move |w| (r, w))).collect();
    // Each cell runs on its own copy of the fixture, so one cell's success (a deletion, a sign-out)
    // can't change another's answer.
    let answers: Vec<(usize, usize, u16, Value)> = futures::stream::iter(cells)
        .map(|(r, w)| {
            let fixture = &fixture;
            let row = &rows[r];
            async move {
                let app = fixture.app.fork().await;
                let body = body_of(row.encoding, &fixture.fill(&row.args));
                let answer = app.send(request(row.name, row.encoding, body, fixture.cookies[w].as_deref())).await;
                (r, w, answer.status.as_u16(), answer.json)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;

    let mut wrong = Vec::new();
    let mut observed = vec![[0u16; 10]; rows.len()];
    for (r, w, status, json) in answers {
        observed[r][w] = status;
        assert_ne!(status, 500, "{} as {}: a 500 is a bug: {json}", rows[r].name, WHO[w].0);
        if status >= 400 {
            assert!(
                json["code"].as_str().is_some_and(|c| !c.is_empty()),
                "{} as {}: no code in {json}",
                rows[r].name,
                WHO[w].0
            );
        }
        if status != rows[r].expected[w] {
            wrong.push(format!(
                "{} as {}: expected {}, got {status} {json}",
                rows[r].name, WHO[w].0, rows[r].expected[w]
            ));
        }
    }
    let table: Vec<String> =
        rows.iter().zip(&observed).map(|(row, statuses)| format!("{:24} {statuses:?}", row.name)).collect();
    assert!(wrong.is_empty(), "{} cells differ:\n{}\n\nobserved:\n{}", wrong.len(), wrong.join("\n"), table.join("\n"));
}
