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
        tokio::spawn(
            async move { app.share(&cookie, &backup, new_share(&format!("race-{i}"), "AllAccounts", &[&p])).await },
        )
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
    let principals =
        accounts.iter().map(String::as_str).chain([ANALYTICS_FOLDER; 3]).map(str::to_owned).collect::<Vec<_>>();
    let requests = principals.into_iter().enumerate().map(|(i, p)| {
        let (app, cookie, backup) = (app.clone(), cookie.clone(), backup.clone());
        tokio::spawn(
            async move { app.share(&cookie, &backup, new_share(&format!("race-{i}"), "AllAccounts", &[&p])).await },
        )
    });
    let results: Vec<Response> = join_all(requests).await.into_iter().map(Result::unwrap).collect();
    let refusals: Vec<(u16, &str)> =
        results.iter().filter(|r| r.status != StatusCode::OK).map(|r| r.refusal()).collect();
    assert!(
        !refusals.is_empty() && refusals.iter().all(|r| *r == (409, "QuotaExceeded.SharedTarget.Count")),
        "{refusals:?}"
    );
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
        tokio::spawn(
            async move { app.share(&cookie, &b, new_share(&format!("q-{i}"), "AllAccounts", &[PARTNER])).await },
        )
    });
    let results: Vec<Response> = join_all(requests).await.into_iter().map(Result::unwrap).collect();
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(ok, 5);
    let refusals: Vec<(u16, &str)> =
        results.iter().filter(|r| r.status != StatusCode::OK).map(|r| r.refusal()).collect();
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
    assert_eq!(
        app.count(
            "select count(*) from access_key k join identity i using (identity_id) where i.login_name = 'dba@lumen'"
        )
        .await,
        2
    );
}

/// A double-submitted New AccessKey (its form's request token twice, at once) makes one pair: the
/// second slot stays free, and the secret is sent once, the other answer saying the pair was made.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_double_submitted_access_key_creation_makes_one_pair_and_sends_its_secret_once() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results =
        race_form(&app, &owner, "create_access_key", "login_name=dba%40lumen&request_token=form-7f3a9c", 2).await;
    let secrets: Vec<&str> = results.iter().filter_map(|r| r.json["access_key_secret"].as_str()).collect();
    let repeats = results.iter().filter(|r| r.refusal() == (409, "AccessKey.AlreadyCreated")).count();
    assert_eq!((secrets.len(), repeats), (1, 1), "{:?}", codes(&results));
    let keys = "select count(*) from access_key k join identity i using (identity_id) where i.login_name = 'dba@lumen'";
    assert_eq!(app.count(keys).await, 1);
    // The form's next opening has a new token: a second pair is made on purpose.
    let second = app.form(Some(&owner), "create_access_key", "login_name=dba%40lumen&request_token=form-0b21d4").await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.json);
    assert_eq!(app.count(keys).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_ticket_submissions_leave_one_open_ticket_of_a_kind() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results = race_form(&app, &owner, "submit_ticket", "kind=QuotaIncrease&message=more", 6).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, refused), (1, 5), "{:?}", codes(&results));
    assert_eq!(
        app.count(&format!("select count(*) from ticket where account_id = '{OWNER}' and kind = 'QuotaIncrease'"))
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_directory_invitations_leave_one_pending_invitation() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results =
        race_form(&app, &owner, "add_member", &format!("account_id={OUTSIDER}&folder_id={ROOT_FOLDER}"), 6).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, refused), (1, 5), "{:?}", codes(&results));
    assert_eq!(
        app.count(&format!(
            "select count(*) from rd_invitation where account_id = '{OUTSIDER}' and status = 'Pending'"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_ram_user_creations_of_one_name_make_one_user() {
    let app = Arc::new(TestApp::new().await);
    let owner = app.sign_in("owner").await;
    let results =
        race_form(&app, &owner, "create_ram_user", &format!("login_name=twin&password={DEMO_PASSWORD}"), 6).await;
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
    use crate::openapi::{acs3, RS};
    let (app, sets, cookie, key) = owner_with_quota(5).await;
    let mut held = vec![
        ("ResourceShareName", "full".to_owned()),
        ("Targets.1", PARTNER.to_owned()),
        ("AllowExternalTargets", "true".to_owned()),
    ];
    held.extend((0..5).map(|i| {
        (
            [
                "Resources.1.ResourceId",
                "Resources.2.ResourceId",
                "Resources.3.ResourceId",
                "Resources.4.ResourceId",
                "Resources.5.ResourceId",
            ][i],
            sets[i].clone(),
        )
    }));
    let held_params: Vec<(&str, &str)> = held.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = acs3(&app, &key, "CreateResourceShare", RS, &held_params).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let share_id = created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();

    let leaving = {
        let (app, key, share_id, (a, b)) =
            (app.clone(), key.clone(), share_id.clone(), (sets[0].clone(), sets[1].clone()));
        tokio::spawn(async move {
            acs3(
                &app,
                &key,
                "DisassociateResourceShare",
                RS,
                &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &a), ("Resources.2.ResourceId", &b)],
            )
            .await
        })
    };
    let shares = race_new_shares(&app, &cookie, &key, &sets[5..8], &sets[8..11]).await;
    let left = leaving.await.unwrap();
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let refusals: Vec<(u16, &str)> = shares.iter().map(refusal_either_way).collect();
    assert!(refusals.iter().all(|r| *r == (409, "QuotaExceeded.SharedResource.Count")), "{refusals:?}");
    assert_eq!(app.count("select count(distinct backup_set_id) from share_resource").await, 5);
    app.assert_shared_sets_consistent().await;

    // The revocation runs: the two sets no longer count, and two more may be shared, not three.
    app.clock.advance(time::Duration::minutes(11));
    app.tick().await;
    assert_eq!(shared_at_once(&app, &cookie, &sets[5..8]).await, 2);
    app.assert_shared_sets_consistent().await;
}

/// A share being deleted keeps its sets counted toward the quota until its revocation: shares racing
/// its deletion from the console and the API never pass the quota, whichever commits first; once the
/// revocation has run, its sets are counted nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shares_racing_a_share_deletion_never_pass_the_quota() {
    use crate::openapi::{acs3, RS};
    let (app, sets, cookie, key) = owner_with_quota(3).await;
    let created = acs3(
        &app,
        &key,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "full"),
            ("Resources.1.ResourceId", &sets[0]),
            ("Resources.2.ResourceId", &sets[1]),
            ("Resources.3.ResourceId", &sets[2]),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let share_id = created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();

    let deleting = {
        let (app, key, share_id) = (app.clone(), key.clone(), share_id.clone());
        tokio::spawn(
            async move { acs3(&app, &key, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await },
        )
    };
    let shares = race_new_shares(&app, &cookie, &key, &sets[3..6], &sets[6..9]).await;
    let deleted = deleting.await.unwrap();
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    let refusals: Vec<(u16, &str)> = shares.iter().map(refusal_either_way).collect();
    assert!(refusals.iter().all(|r| *r == (409, "QuotaExceeded.SharedResource.Count")), "{refusals:?}");
    assert_eq!(app.count("select count(*) from resource_share").await, 1, "refused requests left no share behind");
    app.assert_shared_sets_consistent().await;

    // The revocation runs: the deleted share's three sets are counted nowhere, and three more may be shared.
    app.clock.advance(time::Duration::minutes(11));
    app.tick().await;
    assert_eq!(shared_at_once(&app, &cookie, &sets[3..7]).await, 3);
    app.assert_shared_sets_consistent().await;
}

/// A set whose revocation time has come counts no more, so sharing it again (before the schedule ran its
/// revocation) costs quota as a new set does: shares of it racing shares of other sets never pass the
/// quota, whichever commits first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_set_past_its_revocation_time_shared_again_racing_other_sets_never_passes_the_quota() {
    use crate::openapi::{acs3, created_share, RS};
    let (app, sets, cookie, key) = owner_with_quota(1).await;
    let first = created_share(
        &app,
        &key,
        &[
            ("ResourceShareName", "first"),
            ("Resources.1.ResourceId", &sets[0]),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    let out = acs3(
        &app,
        &key,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &first), ("Resources.1.ResourceId", &sets[0])],
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.json);
    app.clock.advance(time::Duration::minutes(10));

    let (again, other) = (&sets[0], &sets[1..4]);
    let by_console = [other[0].clone(), again.clone(), other[1].clone(), again.clone()];
    let shares = race_new_shares(&app, &cookie, &key, &by_console, &[other[2].clone(), again.clone()]).await;
    let refusals: Vec<(u16, &str)> =
        shares.iter().filter(|r| r.status != StatusCode::OK).map(refusal_either_way).collect();
    // The set shared again in several shares invites the partner once: the others are refused for that.
    let expected = [(409, "QuotaExceeded.SharedResource.Count"), (409, "EntityAlreadyExists.ResourceShareInvitation")];
    assert!(refusals.iter().all(|r| expected.contains(r)), "{refusals:?}");
    let live = "select count(distinct sr.backup_set_id) from share_resource sr join resource_share rs using (resource_share_id)
                where sr.status = 'Associated' and rs.status = 'Active'";
    assert_eq!(app.count(live).await, 1, "{refusals:?}");
    app.tick().await;
    assert_eq!(
        app.count(&format!("select sets from shared_backup_set_count where owner_account_id = '{OWNER}'")).await,
        1
    );
    app.assert_shared_sets_consistent().await;
}

/// Principals being revoked count toward the 64 until their revocation: shares of new accounts racing
/// the removal of some of a set's 64 principals are all refused, whichever commits first, so the set
/// never reaches more than 64 accounts, those still being revoked counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shares_racing_a_removal_of_principals_never_give_a_set_more_than_64_accounts() {
    let app = Arc::new(TestApp::new().await);
    let many = app.add_accounts("30000000000", 64).await;
    let fresh = app.add_accounts("31000000000", 8).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let cookie = app.sign_in("owner").await;
    let all: Vec<&str> = many.iter().map(String::as_str).collect();
    let r = app.share(&cookie, &backup, new_share("wide", "AllAccounts", &all)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let wide: String =
        sqlx::query_scalar("select resource_share_id from resource_share").fetch_one(&app.pool).await.unwrap();

    let removing = {
        let (app, cookie, backup, kept) = (app.clone(), cookie.clone(), backup.clone(), many[4..].to_vec());
        tokio::spawn(async move {
            let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
            app.share(&cookie, &backup, existing_share(&wide, Some(&kept))).await
        })
    };
    let adding = fresh.iter().enumerate().map(|(i, p)| {
        let (app, cookie, backup, p) = (app.clone(), cookie.clone(), backup.clone(), p.clone());
        tokio::spawn(
            async move { app.share(&cookie, &backup, new_share(&format!("race-{i}"), "AllAccounts", &[&p])).await },
        )
    });
    let results: Vec<Response> = join_all(adding).await.into_iter().map(Result::unwrap).collect();
    let removed = removing.await.unwrap();
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    assert!(
        results.iter().all(|r| r.refusal() == (409, "QuotaExceeded.SharedTarget.Count")),
        "{:?}",
        results.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count("select count(distinct principal_id) from share_principal").await,
        64,
        "those being revoked and those associated"
    );
    assert_eq!(app.count("select count(*) from resource_share").await, 1, "refused requests left no share behind");
}

/// A member's restore racing the owner's end of its access (removing it from the share, or deleting the
/// set) is judged in one write transaction with the access it reads: either the restore starts first,
/// and then the removal waits for it (or the locked set's deletion is refused), or the end of access
/// comes first and the restore is refused, starting and charging nothing. Never both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restore_racing_the_end_of_its_access_either_holds_the_revocation_or_is_refused() {
    for round in 0..8 {
        let app = Arc::new(TestApp::new().await);
        let (backup, share_id) = crate::restores::shared_with_member_and_qa(&app).await;
        let (owner, member) = (app.sign_in("owner").await, app.sign_in("member").await);
        let deleting = round % 2 == 1;
        let restore = {
            let (app, member, backup) = (app.clone(), member.clone(), backup.clone());
            tokio::spawn(
                async move { app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await },
            )
        };
        let end = {
            let (app, owner, backup) = (app.clone(), owner.clone(), backup.clone());
            tokio::spawn(async move {
                if deleting {
                    app.form(Some(&owner), "delete_backup_set", &format!("backup_set_id={backup}")).await
                } else {
                    app.share(&owner, &backup, existing_share(&share_id, Some(&[QA_MEMBER]))).await
                }
            })
        };
        let (restore, end) = (restore.await.unwrap(), end.await.unwrap());
        let jobs = app.count("select count(*) from restore_job").await;
        let charged = app.count(&format!("select count(*) from charge where account_id = '{MEMBER}'")).await;
        let queued = app.count(&format!("select count(*) from share_principal where principal_id = '{MEMBER}' and status = 'Disassociating' and revoke_at is null")).await;
        let deleted = app
            .count(&format!(
                "select count(*) from backup_set where backup_set_id = '{backup}' and deleted_at is not null"
            ))
            .await;
        let lock: String = sqlx::query_scalar("select lock_state from backup_set where backup_set_id = ?")
            .bind(&backup)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let seen = (round, restore.status.as_u16(), restore.code().to_owned(), end.json.clone(), lock);
        if restore.status == StatusCode::OK {
            assert_eq!((jobs, charged), (1, 1), "{seen:?}");
            if deleting {
                assert_eq!((end.refusal(), deleted), ((409, "OperationDenied.BackupSetLocked"), 0), "{seen:?}");
            } else {
                assert_eq!((end.status, queued), (StatusCode::OK, 1), "the removal waits for the restore: {seen:?}");
            }
        } else {
            assert_eq!(restore.refusal(), (409, "OperationDenied.SharingRevoking"), "{seen:?}");
            assert_eq!((end.status, jobs, charged, queued), (StatusCode::OK, 0, 0, 0), "{seen:?}");
            assert_eq!(deleted, i64::from(deleting), "{seen:?}");
        }
        app.assert_shared_sets_consistent().await;
    }
}

/// A restore racing the owner's level conversion of its set: whichever commits first holds the set,
/// and the other is refused by its lock (the conversion as locked by a restore, the restore as locked
/// by a conversion), writing nothing. Never a restore running from a set being converted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restore_racing_the_owners_level_conversion_never_runs_beside_it() {
    for round in 0..6 {
        let app = Arc::new(TestApp::new().await);
        let (backup, _) = crate::restores::shared_with_member_and_qa(&app).await;
        let (owner, member) = (app.sign_in("owner").await, app.sign_in("member").await);
        let restore = {
            let (app, member, backup) = (app.clone(), member.clone(), backup.clone());
            tokio::spawn(
                async move { app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await },
            )
        };
        let convert = {
            let (app, owner, backup) = (app.clone(), owner.clone(), backup.clone());
            tokio::spawn(async move {
                app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await
            })
        };
        let (restore, convert) = (restore.await.unwrap(), convert.await.unwrap());
        let jobs = app.count("select count(*) from restore_job").await;
        let charged = app.count(&format!("select count(*) from charge where account_id = '{MEMBER}'")).await;
        let lock: String = sqlx::query_scalar("select lock_state from backup_set where backup_set_id = ?")
            .bind(&backup)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let seen = (
            round,
            restore.status.as_u16(),
            restore.code().to_owned(),
            convert.status.as_u16(),
            convert.code().to_owned(),
            lock.clone(),
        );
        match (restore.status == StatusCode::OK, convert.status == StatusCode::OK) {
            (true, false) => {
                assert_eq!(convert.refusal(), (409, "OperationDenied.BackupSetLocked"), "{seen:?}");
                assert_eq!((jobs, charged, lock.as_str()), (1, 1, "Restoring"), "{seen:?}");
            }
            (false, true) => {
                assert_eq!(restore.refusal(), (409, "OperationDenied.BackupSetLocked"), "{seen:?}");
                assert_eq!((jobs, charged, lock.as_str()), (0, 0, "ConvertingLevel"), "{seen:?}");
            }
            _ => panic!("exactly one of them holds the set: {seen:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_acceptances_of_one_invitation_accept_it_once() {
    let app = Arc::new(TestApp::new().await);
    let (backup, _) = shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    let list = app.form(Some(&partner), "list_invitations", "region_id=cn-hangzhou").await;
    let id = list.json["invitations"][0]["invitation_id"].as_str().expect("an invitation").to_owned();
    let results = race_form(&app, &partner, "answer_invitation", &format!("invitation_id={id}&accept=true"), 8).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let again = results.iter().filter(|r| r.refusal() == (409, "InvitationStatus.AlreadyAccepted")).count();
    assert_eq!((ok, again), (1, 7), "{:?}", codes(&results));
    assert_eq!(
        app.count(&format!("select count(*) from invitation where invitation_id = '{id}' and status = 'Accepted'"))
            .await,
        1
    );
    let accepted = app.count(&format!("select count(*) from audit_event where action = 'AcceptInvitation' and outcome = 'Success' and target = '{id}'")).await;
    assert_eq!(accepted, 1, "one acceptance in the trail");
    // Accepting and rejecting at once: the first to commit decides, the other is refused.
    let (other, _) = {
        let owner = app.sign_in("owner").await;
        let second = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
        let r = app.share(&owner, &second, new_share("second", "AllAccounts", &[PARTNER])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        (second, r)
    };
    assert_ne!(other, backup);
    let list = app.form(Some(&partner), "list_invitations", "region_id=cn-hangzhou").await;
    let pending = list.json["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "Pending")
        .expect("the second invitation")
        .clone();
    let id = pending["invitation_id"].as_str().unwrap().to_owned();
    let answers = [true, false, true, false].map(|accept| {
        let (app, partner, id) = (app.clone(), partner.clone(), id.clone());
        tokio::spawn(async move {
            app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept={accept}")).await
        })
    });
    let results: Vec<Response> = join_all(answers).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::OK).count(), 1, "{:?}", codes(&results));
    let stored: String = sqlx::query_scalar("select status from invitation where invitation_id = ?")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let winner = results.iter().find(|r| r.status == StatusCode::OK).unwrap();
    assert_eq!(winner.json["status"].as_str(), Some(stored.as_str()), "what was answered is what is stored");
}

/// A fresh app whose owner may share `quota` backup sets: its shareable sets, its console session and
/// its API key.
async fn owner_with_quota(quota: u32) -> (Arc<TestApp>, Vec<String>, String, crate::openapi::Key) {
    let app = Arc::new(TestApp::new().await);
    app.exec(&format!("update account set share_quota = {quota} where account_id = '{OWNER}'")).await;
    let sets = shareable_sets(&app).await;
    let (cookie, key) = crate::openapi::owner_key(&app).await;
    (app, sets, cookie, key)
}

/// Each of `by_console` shared from the console and each of `by_api` by CreateResourceShare, all at
/// once, each in a new share with the partner: what each was answered.
async fn race_new_shares(
    app: &Arc<TestApp>,
    cookie: &str,
    key: &crate::openapi::Key,
    by_console: &[String],
    by_api: &[String],
) -> Vec<Response> {
    use crate::openapi::{acs3, RS};
    let by_console = by_console.iter().enumerate().map(|(i, b)| {
        let (app, cookie, b) = (app.clone(), cookie.to_owned(), b.clone());
        tokio::spawn(async move {
            app.share(&cookie, &b, new_share(&format!("console-{i}"), "AllAccounts", &[PARTNER])).await
        })
    });
    let by_api = by_api.iter().enumerate().map(|(i, b)| {
        let (app, key, b) = (app.clone(), key.clone(), b.clone());
        tokio::spawn(async move {
            let name = format!("api-{i}");
            acs3(
                &app,
                &key,
                "CreateResourceShare",
                RS,
                &[
                    ("ResourceShareName", &name),
                    ("Resources.1.ResourceId", &b),
                    ("Targets.1", PARTNER),
                    ("AllowExternalTargets", "true"),
                ],
            )
            .await
        })
    });
    join_all(by_console.chain(by_api)).await.into_iter().map(Result::unwrap).collect()
}

/// A refusal's status and code, answered by the OpenAPI (`Code`) or by a server function.
fn refusal_either_way(response: &Response) -> (u16, &str) {
    if response.json.get("Code").is_some() {
        crate::openapi::api_code(response)
    } else {
        response.refusal()
    }
}

/// How many of `sets`, each shared at once from the console in a new share with the partner, were shared.
async fn shared_at_once(app: &Arc<TestApp>, cookie: &str, sets: &[String]) -> usize {
    let answers = join_all(sets.iter().enumerate().map(|(i, b)| {
        let (app, cookie, b) = (app.clone(), cookie.to_owned(), b.clone());
        tokio::spawn(async move {
            app.share(&cookie, &b, new_share(&format!("after-{i}"), "AllAccounts", &[PARTNER])).await
        })
    }))
    .await;
    answers.into_iter().map(Result::unwrap).filter(|r| r.status == StatusCode::OK).count()
}
