//! The two limits hold when many requests race: SQLite's write lock is taken before the rules read.

use crate::helpers::*;
use futures::future::join_all;
use http::StatusCode;
use std::sync::Arc;

async fn add_accounts(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}{i:05}")).collect();
    for id in &ids {
        app.exec(&format!("insert into account (account_id, display_name, site, created_at) values ('{id}', 'p', 'aliyun.com', '2026-01-01T00:00:00Z')")).await;
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_shares_never_give_a_backup_set_more_than_64_principals() {
    let app = Arc::new(TestApp::new().await);
    let principals = add_accounts(&app, "30000000000", 80).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let cookie = app.sign_in("owner").await;
    let requests = principals.iter().enumerate().map(|(i, p)| {
        let (app, cookie, backup, p) = (app.clone(), cookie.clone(), backup.clone(), p.clone());
        tokio::spawn(async move { app.share(&cookie, &backup, new_share(&format!("race-{i}"), "AllAccounts", &[&p])).await })
    });
    let results: Vec<Response> = join_all(requests).await.into_iter().map(Result::unwrap).collect();
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.refusal() == (409, "QuotaExceeded.SharedTarget.Count")).count();
    assert_eq!((ok, refused), (64, 16), "{:?}", results.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>());
    assert_eq!(app.count("select count(distinct principal_id) from share_principal").await, 64);
    assert_eq!(app.count("select count(*) from resource_share").await, 64, "refused requests left no share behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_shares_never_pass_the_owners_quota() {
    let app = Arc::new(TestApp::new().await);
    app.exec(&format!("update account set share_quota = 5 where account_id = '{OWNER}'")).await;
    let sets: Vec<String> = sqlx::query_scalar(
        "select backup_set_id from backup_set where account_id = ? and status = 'Success' and lock_state = 'None'
         and expires_at > '2026-11-25' and backup_set_id not like 'rp-%'
         and cluster_id in ('pc-bp1orders0001', 'pc-2zeanalytics01')",
    )
    .bind(OWNER)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(sets.len() >= 12);
    let cookie = app.sign_in("owner").await;
    let requests = sets.iter().enumerate().map(|(i, b)| {
        let (app, cookie, b) = (app.clone(), cookie.clone(), b.clone());
        tokio::spawn(async move { app.share(&cookie, &b, new_share(&format!("q-{i}"), "AllAccounts", &[PARTNER])).await })
    });
    let results: Vec<Response> = join_all(requests).await.into_iter().map(Result::unwrap).collect();
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(ok, 5);
    let refusals: Vec<(u16, &str)> = results.iter().filter(|r| r.status != StatusCode::OK).map(|r| r.refusal()).collect();
    assert!(refusals.iter().all(|r| *r == (409, "QuotaExceeded.SharedResource.Count")), "{refusals:?}");
    assert_eq!(app.count("select count(distinct backup_set_id) from share_resource").await, 5);
    app.assert_shared_sets_consistent().await;
}
