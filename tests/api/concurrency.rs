//! The two limits hold when many requests race: SQLite's write lock is taken before the rules read.

use crate::helpers::*;
use futures::future::join_all;
use http::StatusCode;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_shares_never_give_a_backup_set_more_than_64_principals() {
    let app = Arc::new(TestApp::new().await);
    let principals = app.add_accounts("30000000000", 80).await;
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

/// A folder counts as every account it reaches: shares of a folder of 61 accounts racing shares of ten
/// more accounts never leave the set reaching more than 64.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_shares_of_accounts_and_a_folder_never_give_a_backup_set_more_than_64_accounts() {
    let app = Arc::new(TestApp::new().await);
    app.add_members("30000000000", 60, ANALYTICS_FOLDER).await;
    let accounts = app.add_accounts("30000000001", 10).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let cookie = app.sign_in("owner").await;
    let principals = accounts.iter().map(String::as_str).chain([ANALYTICS_FOLDER; 3]).map(str::to_owned).collect::<Vec<_>>();
    let requests = principals.into_iter().enumerate().map(|(i, p)| {
        let (app, cookie, backup) = (app.clone(), cookie.clone(), backup.clone());
        tokio::spawn(async move { app.share(&cookie, &backup, new_share(&format!("race-{i}"), "AllAccounts", &[&p])).await })
    });
    let results: Vec<Response> = join_all(requests).await.into_iter().map(Result::unwrap).collect();
    let refusals: Vec<(u16, &str)> = results.iter().filter(|r| r.status != StatusCode::OK).map(|r| r.refusal()).collect();
    assert!(!refusals.is_empty() && refusals.iter().all(|r| *r == (409, "QuotaExceeded.SharedTarget.Count")), "{refusals:?}");
    let reached = app.accounts_reached(&backup).await;
    // The folder's shares came first (61, then up to three accounts) or after more than three accounts
    // (all ten, and the folder refused).
    assert!((61..=64).contains(&reached) || reached == 10, "{reached} accounts reached");
    let ok = (results.len() - refusals.len()) as i64;
    assert_eq!(app.count("select count(*) from resource_share").await, ok, "refused requests left no share behind");
}

/// The owner's healthy backup sets of its two shareable clusters: twelve or more.
async fn shareable_sets(app: &TestApp) -> Vec<String> {
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
    sets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_shares_never_pass_the_owners_quota() {
    let app = Arc::new(TestApp::new().await);
    app.exec(&format!("update account set share_quota = 5 where account_id = '{OWNER}'")).await;
    let sets = shareable_sets(&app).await;
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

/// Fires `n` copies of one form post at once; the answers, in no particular order.
async fn race_form(app: &Arc<TestApp>, cookie: &str, function: &'static str, body: &str, n: usize) -> Vec<Response> {
    let requests = (0..n).map(|_| {
        let (app, cookie, body) = (app.clone(), cookie.to_owned(), body.to_owned());
        tokio::spawn(async move { app.form(Some(&cookie), function, &body).await })
    });
    join_all(requests).await.into_iter().map(Result::unwrap).collect()
}

fn codes(results: &[Response]) -> Vec<(u16, String)> {
    results.iter().map(|r| (r.status.as_u16(), r.code().to_owned())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_access_key_creations_never_give_an_identity_more_than_two() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results = race_form(&app, &owner, "create_access_key", "login_name=dba%40lumen", 8).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.refusal() == (409, "LimitExceeded.User.AccessKey")).count();
    assert_eq!((ok, refused), (2, 6), "{:?}", codes(&results));
    assert_eq!(app.count("select count(*) from access_key k join identity i using (identity_id) where i.login_name = 'dba@lumen'").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_ticket_submissions_leave_one_open_ticket_of_a_kind() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results = race_form(&app, &owner, "submit_ticket", "kind=QuotaIncrease&message=more", 6).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, refused), (1, 5), "{:?}", codes(&results));
    assert_eq!(app.count(&format!("select count(*) from ticket where account_id = '{OWNER}' and kind = 'QuotaIncrease'")).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_directory_invitations_leave_one_pending_invitation() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results = race_form(&app, &owner, "add_member", &format!("account_id={OUTSIDER}&folder_id={ROOT_FOLDER}"), 6).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, refused), (1, 5), "{:?}", codes(&results));
    assert_eq!(app.count(&format!("select count(*) from rd_invitation where account_id = '{OUTSIDER}' and status = 'Pending'")).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_ram_user_creations_of_one_name_make_one_user() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results = race_form(&app, &owner, "create_ram_user", &format!("login_name=twin&password={DEMO_PASSWORD}"), 6).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, refused), (1, 5), "{:?}", codes(&results));
    assert_eq!(app.count("select count(*) from identity where login_name = 'twin@lumen'").await, 1);
}

/// The quota counts a set being taken out until its revocation runs (its principals still hold it), so
/// shares racing from the console and the API while sets leave never pass it; once the revocation has
/// run, the sets it freed may be shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shares_from_the_console_and_the_api_racing_with_sets_leaving_never_pass_the_quota() {
    use crate::openapi::{acs3, api_code, owner_key, RS};
    let app = Arc::new(TestApp::new().await);
    app.exec(&format!("update account set share_quota = 5 where account_id = '{OWNER}'")).await;
    let sets = shareable_sets(&app).await;
    let (cookie, key) = owner_key(&app).await;
    let mut held = vec![("ResourceShareName", "full".to_owned()), ("Targets.1", PARTNER.to_owned()), ("AllowExternalTargets", "true".to_owned())];
    held.extend((0..5).map(|i| (["Resources.1.ResourceId", "Resources.2.ResourceId", "Resources.3.ResourceId", "Resources.4.ResourceId", "Resources.5.ResourceId"][i], sets[i].clone())));
    let held_params: Vec<(&str, &str)> = held.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = acs3(&app, &key, "CreateResourceShare", RS, &held_params).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let share_id = created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();

    let leaving = {
        let (app, key, share_id, (a, b)) = (app.clone(), key.clone(), share_id.clone(), (sets[0].clone(), sets[1].clone()));
        tokio::spawn(async move {
            acs3(&app, &key, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &a), ("Resources.2.ResourceId", &b)]).await
        })
    };
    let by_console = sets[5..8].iter().enumerate().map(|(i, b)| {
        let (app, cookie, b) = (app.clone(), cookie.clone(), b.clone());
        tokio::spawn(async move { app.share(&cookie, &b, new_share(&format!("console-{i}"), "AllAccounts", &[PARTNER])).await })
    });
    let by_api = sets[8..11].iter().enumerate().map(|(i, b)| {
        let (app, key, b) = (app.clone(), key.clone(), b.clone());
        tokio::spawn(async move {
            let name = format!("api-{i}");
            acs3(&app, &key, "CreateResourceShare", RS, &[("ResourceShareName", &name), ("Resources.1.ResourceId", &b), ("Targets.1", PARTNER), ("AllowExternalTargets", "true")]).await
        })
    });
    let shares: Vec<Response> = join_all(by_console.chain(by_api)).await.into_iter().map(Result::unwrap).collect();
    let left = leaving.await.unwrap();
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let refusals: Vec<(u16, &str)> = shares.iter().map(|r| if r.json.get("Code").is_some() { api_code(r) } else { r.refusal() }).collect();
    assert!(refusals.iter().all(|r| *r == (409, "QuotaExceeded.SharedResource.Count")), "{refusals:?}");
    assert_eq!(app.count("select count(distinct backup_set_id) from share_resource").await, 5);
    app.assert_shared_sets_consistent().await;

    // The revocation runs: the two sets no longer count, and two more may be shared, not three.
    app.clock.advance(time::Duration::minutes(11));
    app.tick().await;
    let more: Vec<Response> = join_all(sets[5..8].iter().enumerate().map(|(i, b)| {
        let (app, cookie, b) = (app.clone(), cookie.clone(), b.clone());
        tokio::spawn(async move { app.share(&cookie, &b, new_share(&format!("after-{i}"), "AllAccounts", &[PARTNER])).await })
    }))
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert_eq!(more.iter().filter(|r| r.status == StatusCode::OK).count(), 2);
    app.assert_shared_sets_consistent().await;
}
