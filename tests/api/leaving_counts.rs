//! What is on its way out counts toward the limits until its revocation ends, whichever way it leaves
//! (a principal removed, a share deleted, a set taken out of a share): it keeps its access until then,
//! so a set never reaches more than 64 accounts, nor an owner's shares hold more sets than its quota,
//! even during the ~10-minute revocation window. A refusal says what is still leaving and until when;
//! a refused request changes nothing.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, created_share, owner_key, Key, RS};
use http::StatusCode;
use time::Duration;

/// The share named `name`'s id.
async fn share_named(app: &TestApp, name: &str) -> String {
    sqlx::query_scalar("select resource_share_id from resource_share where resource_share_name = ?")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// "HH:MM" of the first revocation time `sql` selects (a stored RFC 3339 time).
async fn hour_minute(app: &TestApp, sql: &str) -> String {
    let at: String = sqlx::query_scalar(sql).fetch_one(&app.pool).await.expect(sql);
    at[11..16].to_owned()
}

/// Everything a share request could change: a refused one leaves it all as it was.
async fn state(app: &TestApp) -> ([i64; 4], i64) {
    (app.sharing_state().await, app.count("select coalesce(sum(sets), 0) from shared_backup_set_count").await)
}

/// An owner (its AccessKey) with a quota of one set, whose share "first" held the first of two sets until
/// it took the set out: the set is being revoked. With `kept_by`, a second share "keeps" of that set,
/// with `kept_by` as its target, made before the set is taken out of "first", still holds it. Returns
/// the key, the two sets and the share's id.
async fn quota_of_one_with_a_set_taken_out(app: &TestApp, kept_by: Option<&'static str>) -> (Key, Vec<String>, String) {
    app.exec(&format!("update account set share_quota = 1 where account_id = '{OWNER}'")).await;
    let (_, owner) = owner_key(app).await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let share_of_first_set = |name: &'static str, target: &'static str| {
        [
            ("ResourceShareName", name),
            ("Resources.1.ResourceId", sets[0].as_str()),
            ("Targets.1", target),
            ("AllowExternalTargets", "true"),
        ]
    };
    let first = created_share(app, &owner, &share_of_first_set("first", PARTNER)).await;
    if let Some(target) = kept_by {
        created_share(app, &owner, &share_of_first_set("keeps", target)).await;
    }
    let out = acs3(
        app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &first), ("Resources.1.ResourceId", &sets[0])],
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.json);
    (owner, sets, first)
}

/// CreateResourceShare's parameters for a share "second" of the second of `sets`.
fn second_share(sets: &[String]) -> [(&'static str, &str); 4] {
    [
        ("ResourceShareName", "second"),
        ("Resources.1.ResourceId", sets[1].as_str()),
        ("Targets.1", PARTNER),
        ("AllowExternalTargets", "true"),
    ]
}

/// A set the owner shares with 64 new accounts through the console, in a share named "wide".
async fn shared_with_64(app: &TestApp, cookie: &str) -> (String, Vec<String>) {
    let many = app.add_accounts("20000000000", 64).await;
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(cookie, &backup, new_share("wide", "AllAccounts", &refs)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    (backup, many)
}

#[tokio::test]
async fn a_principal_being_revoked_counts_toward_the_64_until_its_revocation_time() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let (backup, many) = shared_with_64(&app, &cookie).await;
    // The owner takes one account out of "wide": it keeps the set for the revocation window.
    let kept: Vec<&str> = many[1..].iter().map(String::as_str).collect();
    let wide = share_named(&app, "wide").await;
    let r = app.share(&cookie, &backup, existing_share(&wide, Some(&kept))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let before = state(&app).await;
    let r = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
    let until = hour_minute(&app, "select revoke_at from share_principal where status = 'Disassociating'").await;
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(message.contains("would be shared with 65 accounts"), "{message}");
    assert!(
        message
            .contains(&format!("and 1 account still being revoked (it keeps access, and counts, until {until} UTC)")),
        "{message}"
    );
    assert_eq!(state(&app).await, before, "a refused request changes nothing");

    // From its revocation time it counts no more, though the schedule has not run yet.
    app.clock.advance(Duration::minutes(10));
    let r = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn a_share_being_deleted_keeps_its_sets_counted_toward_the_quota_until_its_revocation() {
    let app = TestApp::new().await;
    app.exec(&format!("update account set share_quota = 1 where account_id = '{OWNER}'")).await;
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let r = app.share(&cookie, &sets[0], new_share("first", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let first = share_named(&app, "first").await;
    let deleted = app.form(Some(&cookie), "delete_resource_share", &format!("resource_share_id={first}")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    assert_eq!(
        app.count(&format!(
            "select count(*) from resource_share where resource_share_id = '{first}' and status = 'Deleting'"
        ))
        .await,
        1
    );
    app.assert_shared_sets_consistent().await;

    let before = state(&app).await;
    let r = app.share(&cookie, &sets[1], new_share("second", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (409, "QuotaExceeded.SharedResource.Count"), "{:?}", r.json);
    let until = hour_minute(&app, "select revoke_at from share_principal where status = 'Disassociating'").await;
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("counting 1 backup set still being taken out of a share or in a share being deleted (it counts until {until} UTC)")),
        "{message}"
    );
    assert_eq!(state(&app).await, before, "a refused request changes nothing");

    // From its revocation time it counts no more, though the schedule has not run yet; once it has
    // run, the share is Deleted and its set is counted nowhere.
    app.clock.advance(Duration::minutes(10));
    let r = app.share(&cookie, &sets[1], new_share("second", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    app.tick().await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from resource_share where resource_share_id = '{first}' and status = 'Deleted'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!("select sets from shared_backup_set_count where owner_account_id = '{OWNER}'")).await,
        1
    );
    app.assert_shared_sets_consistent().await;
}

#[tokio::test]
async fn by_api_the_principals_of_a_share_being_deleted_count_toward_the_64() {
    let app = TestApp::new().await;
    let (cookie, owner) = owner_key(&app).await;
    let (backup, _) = shared_with_64(&app, &cookie).await;
    let wide = share_named(&app, "wide").await;
    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &wide)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);

    let before = state(&app).await;
    let params = [
        ("ResourceShareName", "next"),
        ("Resources.1.ResourceId", backup.as_str()),
        ("Targets.1", PARTNER),
        ("AllowExternalTargets", "true"),
    ];
    let r = acs3(&app, &owner, "CreateResourceShare", RS, &params).await;
    assert_eq!(api_code(&r), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
    let until = hour_minute(&app, "select revoke_at from share_principal where status = 'Disassociating'").await;
    let message = r.json["Message"].as_str().unwrap_or_default();
    assert!(
        message
            .contains(&format!("and 64 accounts still being revoked (they keep access, and count, until {until} UTC)")),
        "{message}"
    );
    assert_eq!(state(&app).await, before, "a refused request changes nothing");

    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let r = acs3(&app, &owner, "CreateResourceShare", RS, &params).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn by_api_a_set_taken_out_of_a_share_counts_toward_the_quota_until_its_revocation_time() {
    let app = TestApp::new().await;
    let (owner, sets, _) = quota_of_one_with_a_set_taken_out(&app, None).await;

    let before = state(&app).await;
    let params = second_share(&sets);
    let r = acs3(&app, &owner, "CreateResourceShare", RS, &params).await;
    assert_eq!(api_code(&r), (409, "QuotaExceeded.SharedResource.Count"), "{:?}", r.json);
    let until = hour_minute(&app, "select revoke_at from share_resource where status = 'Disassociating'").await;
    let message = r.json["Message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("counting 1 backup set still being taken out of a share or in a share being deleted (it counts until {until} UTC)")),
        "{message}"
    );
    assert_eq!(state(&app).await, before, "a refused request changes nothing");

    // From its revocation time it counts no more, though the schedule has not run yet.
    app.clock.advance(Duration::minutes(10));
    let r = acs3(&app, &owner, "CreateResourceShare", RS, &params).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    app.tick().await;
    app.assert_shared_sets_consistent().await;
}

#[tokio::test]
async fn a_member_moved_out_of_a_shared_folder_counts_toward_the_64_until_its_revocation_time() {
    use polarshare::server::db::seed::{ANALYTICS_FOLDER, MEMBER, ROOT_FOLDER};
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    // The Analytics folder reaches 64 accounts: its member and 63 more.
    app.add_members("20000000000", 63, ANALYTICS_FOLDER).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&cookie, &backup, new_share("team", "AllAccounts", &[ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // The member moves out of the folder: it keeps the set through its own revocation.
    let moved = app.form(Some(&cookie), "move_member", &format!("account_id={MEMBER}&folder_id={ROOT_FOLDER}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);

    let before = state(&app).await;
    let r = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
    let until = hour_minute(&app, "select revoke_at from membership_revocation").await;
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(
        message
            .contains(&format!("and 1 account still being revoked (it keeps access, and counts, until {until} UTC)")),
        "{message}"
    );
    assert_eq!(state(&app).await, before, "a refused request changes nothing");

    app.clock.advance(Duration::minutes(10));
    let r = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn a_set_whose_revocation_time_has_passed_costs_quota_again_when_it_joins_a_share_before_the_schedule_runs() {
    let app = TestApp::new().await;
    let (owner, sets, first) = quota_of_one_with_a_set_taken_out(&app, None).await;
    // Its revocation time has come (the schedule is late): it counts no more, so the second set fits.
    app.clock.advance(Duration::minutes(10));
    let params = second_share(&sets);
    let r = acs3(&app, &owner, "CreateResourceShare", RS, &params).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    // The first set joining a share again, before the schedule ran its revocation, is newly shared:
    // it would make two shared sets for a quota of one, in its old share or in another.
    let before = state(&app).await;
    let second = share_named(&app, "second").await;
    for share in [&first, &second] {
        let r = acs3(
            &app,
            &owner,
            "AssociateResourceShare",
            RS,
            &[("ResourceShareId", share), ("Resources.1.ResourceId", &sets[0])],
        )
        .await;
        assert_eq!(api_code(&r), (409, "QuotaExceeded.SharedResource.Count"), "{:?}", r.json);
        assert_eq!(state(&app).await, before, "a refused request changes nothing");
    }
    app.tick().await;
    assert_eq!(
        app.count(&format!("select sets from shared_backup_set_count where owner_account_id = '{OWNER}'")).await,
        1
    );
}

#[tokio::test]
async fn a_folder_being_revoked_because_its_owner_left_the_directory_counts_its_members_toward_the_64() {
    use crate::directory::{incoming, partner_joined_the_directory};
    use polarshare::server::db::seed::ANALYTICS_FOLDER;
    let app = TestApp::new().await;
    // The partner, in the directory, shares one of its sets with the Analytics folder: 64 accounts.
    let partner = partner_joined_the_directory(&app).await;
    app.add_members("20000000000", 63, ANALYTICS_FOLDER).await;
    let set = app.backup_of("pc-bp1harbor00001").await;
    let r = app.share(&partner, &set, new_share("team", "ResourceDirectory", &[ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // It leaves the directory: the folder's members keep the set through the folder's revocation.
    assert_eq!(app.form(Some(&partner), "leave_directory", "").await.status, StatusCode::OK);
    let member = app.sign_in("member").await;
    assert_eq!(incoming(&app, &member).await.len(), 1, "the member still sees the set, being revoked");

    // Outside the directory, one more account would make 65.
    let before = state(&app).await;
    let r = app.share(&partner, &set, new_share("one-more", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.refusal(), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(message.contains("and 64 accounts still being revoked"), "{message}");
    assert_eq!(state(&app).await, before, "a refused request changes nothing");

    app.clock.advance(Duration::minutes(10));
    let r = app.share(&partner, &set, new_share("one-more", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn a_principal_added_back_during_its_revocation_counts_once() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let (backup, many) = shared_with_64(&app, &cookie).await;
    let wide = share_named(&app, "wide").await;
    let kept: Vec<&str> = many[1..].iter().map(String::as_str).collect();
    let r = app.share(&cookie, &backup, existing_share(&wide, Some(&kept))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // Back before its revocation: the same account, once, 64 in all.
    let all: Vec<&str> = many.iter().map(String::as_str).collect();
    let r = app.share(&cookie, &backup, existing_share(&wide, Some(&all))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(app.count("select count(*) from share_principal where status = 'Disassociating'").await, 0);
    // Not zero times either: a 65th is refused, now and after the removal's time.
    for _ in 0..2 {
        let r = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[PARTNER])).await;
        assert_eq!(r.refusal(), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
        app.clock.advance(Duration::minutes(10));
        app.tick().await;
    }
    assert_eq!(app.accounts_reached(&backup).await, 64);
}

/// A set taken out of one share while another share still holds it is still shared: after its
/// revocation time in the first share it keeps counting toward the quota.
#[tokio::test]
async fn a_set_taken_out_of_one_share_but_held_by_another_keeps_counting_toward_the_quota() {
    let app = TestApp::new().await;
    let (owner, sets, _) = quota_of_one_with_a_set_taken_out(&app, Some(OUTSIDER)).await;

    // Its revocation time in "first" has come (the schedule is late); "keeps" still shares it.
    app.clock.advance(Duration::minutes(10));
    let before = state(&app).await;
    let r = acs3(&app, &owner, "CreateResourceShare", RS, &second_share(&sets)).await;
    assert_eq!(api_code(&r), (409, "QuotaExceeded.SharedResource.Count"), "{:?}", r.json);
    assert_eq!(state(&app).await, before, "a refused request changes nothing");
}
