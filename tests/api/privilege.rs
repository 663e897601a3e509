//! Least privilege for reading (every page and export that shows account data needs a policy that
//! grants reading it; the console's navigation offers exactly the pages the server allows) and bounded
//! lists (every list is paged, with a page size the server caps).

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};

/// A RAM user of the owner's account with exactly these policies, signed in.
async fn ram_user(app: &TestApp, login: &str, policies: &[&str]) -> String {
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "create_ram_user", &format!("login_name={login}&password=Secret-Pass-1")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    for p in policies {
        let r = app.form(Some(&owner), "set_ram_policy", &format!("login_name={login}&policy={p}&attached=true")).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {:?}", r.json);
    }
    let r = app.form(None, "sign_in", &format!("login={login}&password=Secret-Pass-1")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.set_cookie.expect("session cookie").split(';').next().unwrap().to_owned()
}

/// The identity behind a session is kept in memory between writes (`db::read_model::Sessions`): a
/// change of what it may do is a write, and the very next request sees it. A RAM user `dba` reads once
/// (so its identity is kept), the owner calls `change` with `body` on it, and `dba` reads again: that
/// read's status.
async fn next_read_after_the_owner_changes_the_ram_user(change: &str, body: &str) -> StatusCode {
    let app = TestApp::new().await;
    let dba = ram_user(&app, "reader@lumen", &["AliyunPolardbReadOnlyAccess"]).await;
    assert_eq!(app.form(Some(&dba), "list_clusters", "").await.status, StatusCode::OK);
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), change, body).await;
    assert_eq!(r.status, StatusCode::OK, "{change}: {:?}", r.json);
    app.form(Some(&dba), "list_clusters", "").await.status
}

#[tokio::test]
async fn a_policy_detached_from_a_signed_in_ram_user_stops_its_next_read() {
    let status = next_read_after_the_owner_changes_the_ram_user(
        "set_ram_policy",
        "login_name=reader@lumen&policy=AliyunPolardbReadOnlyAccess&attached=false",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_deleted_ram_users_session_ends_at_once() {
    assert_eq!(
        next_read_after_the_owner_changes_the_ram_user("delete_ram_user", "login_name=reader@lumen").await,
        StatusCode::UNAUTHORIZED
    );
}

/// Every read of the console, by page: (page as the viewer names it, server function, arguments).
/// Reading `audit_trail` also covers its CSV export, checked on its own below.
const READS: [(&str, &str, &str); 15] = [
    ("Clusters", "list_clusters", ""),
    ("Clusters", "list_backup_sets", "cluster_id=pc-bp1orders0001&page=1"),
    ("SharedBackups", "list_my_shares", ""),
    ("SharedBackups", "list_shared_with_me", ""),
    ("SharedBackups", "list_restore_jobs", ""),
    ("SharedByMe", "sharing_relationship", "backup_set_id=3200000001"),
    ("SharedBackups", "load_share_dialog", ""),
    ("Invitations", "list_invitations", ""),
    ("SharedByMe", "list_shares_by_me", ""),
    // The page's one call (the managed directory to the management account's root, else the membership).
    ("ResourceDirectory", "directory_page", ""),
    ("Quota", "quota", ""),
    ("Tickets", "list_tickets", ""),
    ("RamUsers", "list_ram_users", ""),
    ("AuditTrail", "audit_trail", ""),
    ("Billing", "billing", ""),
];

/// The policy a refusal of each page names.
fn policy_of(page: &str) -> Option<&'static str> {
    Some(match page {
        "Clusters" | "SharedBackups" => "AliyunPolardbReadOnlyAccess",
        "Invitations" | "SharedByMe" | "ResourceDirectory" => "AliyunResourceCenterFullAccess",
        "Quota" => "AliyunQuotasReadOnlyAccess",
        "Tickets" => "AliyunSupportFullAccess",
        "AuditTrail" => "AliyunActionTrailReadOnlyAccess",
        "Billing" => "AliyunBSSReadOnlyAccess",
        _ => return None,
    })
}

async fn viewer(app: &TestApp, cookie: &str) -> Value {
    let r = app.form(Some(cookie), "current_viewer", "").await;
    assert_eq!(r.status, StatusCode::OK);
    r.json
}

#[tokio::test]
async fn a_ram_user_without_policies_reads_nothing_but_its_own_profile() {
    let app = TestApp::new().await;
    let nobody = ram_user(&app, "nobody@lumen", &[]).await;
    let before = app.sharing_state().await;
    for (page, function, args) in READS {
        let r = app.form(Some(&nobody), function, args).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{function}: {:?}", r.json);
        if let Some(policy) = policy_of(page) {
            assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "{function}");
            assert!(r.json["message"].as_str().unwrap().contains(policy), "{function} names {policy}: {:?}", r.json);
        }
    }
    let (status, body) = app.get(Some(&nobody), "/audit/export.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("AliyunActionTrailReadOnlyAccess") && !body.contains("source_ip"), "{body}");
    assert_eq!(app.sharing_state().await, before);

    let me = viewer(&app, &nobody).await;
    assert_eq!(me["pages"], json!(["Profile"]));
    assert_eq!(me["home"], json!("/profile"));
    assert_eq!(me["login_name"], json!("nobody@lumen"));
    // Its profile page is served (the browser is sent there from sign-in's landing page: see
    // end2end/tests/privilege.spec.ts).
    let (status, html) = app.get(Some(&nobody), "/profile").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("nobody@lumen") && html.contains("None besides this profile"));
}

#[tokio::test]
async fn each_read_policy_opens_its_own_pages_and_no_other() {
    let app = TestApp::new().await;
    for (i, policy) in [
        "AliyunPolardbReadOnlyAccess",
        "AliyunResourceCenterFullAccess",
        "AliyunQuotasReadOnlyAccess",
        "AliyunSupportFullAccess",
        "AliyunActionTrailReadOnlyAccess",
        "AliyunBSSReadOnlyAccess",
    ]
    .into_iter()
    .enumerate()
    {
        let cookie = ram_user(&app, &format!("reader{i}@lumen"), &[policy]).await;
        for (page, function, args) in READS {
            let r = app.form(Some(&cookie), function, args).await;
            if policy_of(page) == Some(policy) {
                assert_eq!(r.status, StatusCode::OK, "{policy} opens {function}: {:?}", r.json);
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{policy} does not open {function}: {:?}", r.json);
            }
        }
        let (status, _) = app.get(Some(&cookie), "/audit/export.csv").await;
        let expected = if policy == "AliyunActionTrailReadOnlyAccess" { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(status, expected, "{policy} and the audit export");
    }
}

/// The navigation is built from `Viewer::pages`: every page offered answers, every page left out is
/// refused, for each kind of identity of the demo account.
#[tokio::test]
async fn the_navigation_offers_exactly_the_pages_the_server_allows() {
    let app = TestApp::new().await;
    let trail_reader =
        ram_user(&app, "trail@lumen", &["AliyunActionTrailReadOnlyAccess", "AliyunBSSReadOnlyAccess"]).await;
    let mut identities = vec![("trail@lumen".to_owned(), trail_reader)];
    for login in ["owner", "dba@lumen", "developer@lumen", "auditor@lumen"] {
        identities.push((login.to_owned(), app.sign_in(login).await));
    }
    for (login, cookie) in &identities {
        let me = viewer(&app, cookie).await;
        let pages: Vec<&str> = me["pages"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert!(pages.contains(&"Profile"), "{login}");
        for (page, function, args) in READS {
            let r = app.form(Some(cookie), function, args).await;
            assert_eq!(
                r.status == StatusCode::OK,
                pages.contains(&page),
                "{login} {function} ({page} offered: {}): {:?}",
                pages.contains(&page),
                r.json
            );
        }
    }
    let owner = viewer(&app, &identities[1].1).await;
    assert_eq!(owner["home"], json!("/clusters"));
    let dba = viewer(&app, &identities[2].1).await;
    assert!(!dba["pages"].as_array().unwrap().contains(&json!("RamUsers")), "a RAM user is not offered RAM users");
}

#[tokio::test]
async fn the_international_account_opens_in_its_own_region() {
    let app = TestApp::new().await;
    let intl = app.sign_in("intl").await;
    assert_eq!(viewer(&app, &intl).await["home_region"], json!("ap-southeast-1"));
    let r = app.form(Some(&intl), "list_clusters", "").await;
    assert_eq!(r.json["region_id"], json!("ap-southeast-1"));
    assert!(!r.json["clusters"].as_array().unwrap().is_empty(), "{:?}", r.json);
    // A China-site account still opens in Hangzhou.
    let owner = app.sign_in("owner").await;
    assert_eq!(app.form(Some(&owner), "list_clusters", "").await.json["region_id"], json!("cn-hangzhou"));
}

/// Every list server function and its arguments, for the paging checks.
const LISTS: [(&str, &str); 10] = [
    ("list_invitations", ""),
    ("list_shares_by_me", ""),
    ("list_shared_with_me", ""),
    ("list_my_shares", ""),
    ("sharing_relationship", "backup_set_id=3200000001&"),
    ("audit_trail", ""),
    ("list_tickets", ""),
    ("list_restore_jobs", ""),
    ("billing", ""),
    ("list_ram_users", ""),
];

#[tokio::test]
async fn every_list_refuses_a_page_size_above_the_cap_or_a_page_below_one() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    for (function, args) in LISTS {
        let r = app.form(Some(&owner), function, &format!("{args}page_size=101")).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.MaxResults"),
            "{function}: {:?}",
            r.json
        );
        let r = app.form(Some(&owner), function, &format!("{args}page=0")).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.PageNumber"),
            "{function}: {:?}",
            r.json
        );
        let r = app.form(Some(&owner), function, &format!("{args}page_size=100")).await;
        assert_eq!(r.status, StatusCode::OK, "{function}: {:?}", r.json);
    }
}

#[tokio::test]
async fn a_list_answers_one_page_with_the_size_of_the_whole() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    for i in 0..5 {
        let r = app
            .form(Some(&owner), "create_ram_user", &format!("login_name=paged{i}@lumen&password=Secret-Pass-1"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    // The demo's three RAM users and these five, by name.
    let page = |n: u32| {
        let (app, owner) = (&app, &owner);
        async move { app.form(Some(owner), "list_ram_users", &format!("page={n}&page_size=3")).await.json }
    };
    let names = |v: &Value| {
        v["items"].as_array().unwrap().iter().map(|u| u["login_name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let (first, second, third, past) = (page(1).await, page(2).await, page(3).await, page(9).await);
    assert_eq!(
        (first["total"].clone(), first["page"].clone(), first["page_size"].clone()),
        (json!(8), json!(1), json!(3))
    );
    assert_eq!(names(&first).len(), 3);
    assert_eq!(names(&second).len(), 3);
    assert_eq!(names(&third).len(), 2);
    let mut all = [names(&first), names(&second), names(&third)].concat();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 8, "pages do not overlap: {all:?}");
    assert!(names(&past).is_empty());
    assert_eq!(past["total"], json!(8), "a page past the end still knows the list's size");
}

/// RAM's AttachPolicyToUser and DetachPolicyFromUser: a policy the user already has, or one it doesn't
/// have, is refused with RAM's codes, changes nothing, and the refusal is in the trail as refused.
#[tokio::test]
async fn attaching_a_held_policy_or_detaching_a_missing_one_is_refused_and_audited_as_refused() {
    let app = TestApp::new().await;
    ram_user(&app, "twice@lumen", &["AliyunPolardbReadOnlyAccess"]).await;
    let owner = app.sign_in("owner").await;
    let held = "select group_concat(policy_name) from identity_policy join identity using (identity_id) where login_name = 'twice@lumen'";
    let before: String = sqlx::query_scalar(held).fetch_one(&app.pool).await.unwrap();
    for (body, refusal, action) in [
        ("policy=AliyunPolardbReadOnlyAccess&attached=true", (409, "EntityAlreadyExists.User.Policy"), "AttachPolicy"),
        ("policy=AliyunBSSReadOnlyAccess&attached=false", (404, "EntityNotExist.User.Policy"), "DetachPolicy"),
    ] {
        let r = app.form(Some(&owner), "set_ram_policy", &format!("login_name=twice@lumen&{body}")).await;
        assert_eq!(r.refusal(), refusal, "{body}: {:?}", r.json);
        assert!(r.json["message"].as_str().unwrap().contains("The RAM user"), "{:?}", r.json);
        let audited =
            format!("select count(*) from audit_event where action = '{action}' and outcome = '{}'", refusal.1);
        assert_eq!(app.count(&audited).await, 1, "{action}");
    }
    let after: String = sqlx::query_scalar(held).fetch_one(&app.pool).await.unwrap();
    assert_eq!(after, before);
}
