//! The demo server's test-data door: end-to-end flows get backup sets of their own.

use crate::helpers::*;
use axum::body::Body;
use http::{header, Request, StatusCode};

async fn fresh(app: &TestApp, cookie: Option<&str>, cluster: &str) -> Response {
    let mut request = Request::post(format!("/demo/fresh-backup-sets?cluster_id={cluster}&count=2"));
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn a_demo_server_gives_a_signed_in_account_new_shareable_sets_of_its_own_cluster_only() {
    let app = TestApp::with_settings(Settings { demo_data: true, ..Settings::default() }).await;
    let owner = app.sign_in("owner").await;
    let r = fresh(&app, Some(&owner), SHAREABLE_CLUSTER).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let ids: Vec<String> = serde_json::from_value(r.json).unwrap();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    // They head the Data Backups tab, and can be shared.
    let page = app.form(Some(&owner), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
    let first = &page.json["items"][0];
    assert_eq!(first["backup_set_id"], ids[0]);
    assert!(first["share_blocked"].is_null(), "{first}");

    let partner = app.sign_in("partner").await;
    assert_eq!(fresh(&app, Some(&partner), SHAREABLE_CLUSTER).await.status, StatusCode::NOT_FOUND);
    assert_eq!(fresh(&app, None, SHAREABLE_CLUSTER).await.status, StatusCode::UNAUTHORIZED);
}

/// Making backup sets in a cluster is a change to PolarDB data: a RAM user of the owner that may only
/// read it (or nothing) is refused as everywhere else, and no set is made.
#[tokio::test]
async fn a_ram_user_that_may_not_change_polardb_makes_no_sets_in_its_roots_cluster() {
    let app = TestApp::with_settings(Settings { demo_data: true, ..Settings::default() }).await;
    let before = app.count("select count(*) from backup_set").await;
    let auditor = app.sign_in("auditor@lumen").await;
    assert_eq!(fresh(&app, Some(&auditor), SHAREABLE_CLUSTER).await.refusal(), (403, "Forbidden.RAM"));
    assert_eq!(app.count("select count(*) from backup_set").await, before);
    let developer = app.sign_in("developer@lumen").await;
    assert_eq!(
        fresh(&app, Some(&developer), SHAREABLE_CLUSTER).await.status,
        StatusCode::OK,
        "PolarDB full access may"
    );
}

#[tokio::test]
async fn a_server_without_demo_data_has_no_such_door() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    assert_eq!(fresh(&app, Some(&owner), SHAREABLE_CLUSTER).await.status, StatusCode::NOT_FOUND);
}
