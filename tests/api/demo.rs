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

#[tokio::test]
async fn a_server_without_demo_data_has_no_such_door() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    assert_eq!(fresh(&app, Some(&owner), SHAREABLE_CLUSTER).await.status, StatusCode::NOT_FOUND);
}
