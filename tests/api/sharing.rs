//! The Share dialog's server function: what it writes, and every rule it refuses on.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};

async fn owner_share(app: &TestApp, method: Value) -> (String, Response) {
    let cookie = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&cookie, &backup, method).await;
    (backup, r)
}

#[tokio::test]
async fn sharing_with_two_accounts_creates_the_share_and_two_invitations() {
    let app = TestApp::new().await;
    let (backup, r) = owner_share(&app, new_share("analysis-2026", "AllAccounts", &[PARTNER, OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["invited"], json!([PARTNER, OUTSIDER]));
    assert!(r.json["resource_share_id"].as_str().unwrap().starts_with("rs-"));
    assert_eq!(app.sharing_state().await, [1, 1, 2, 2]);
    assert_eq!(
        app.count("select count(*) from invitation where status = 'Pending' and expires_at = '2026-12-02T08:00:00Z'")
            .await,
        2
    );

    // The Data Backups tab now shows the set as Sharing.
    let cookie = app.sign_in("owner").await;
    let page = app.form(Some(&cookie), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
    let row =
        page.json["items"].as_array().unwrap().iter().find(|b| b["backup_set_id"] == json!(backup)).unwrap().clone();
    assert_eq!(row["principal_count"], json!(2));
}

#[tokio::test]
async fn a_second_backup_set_can_join_an_existing_share() {
    let app = TestApp::new().await;
    let (_, r) = owner_share(&app, new_share("analysis", "AllAccounts", &[PARTNER])).await;
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    let cookie = app.sign_in("owner").await;
    let second: String = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None'
         and expires_at > '2026-11-25' and backup_set_id not like 'rp-%' order by backup_set_id limit 1 offset 1",
    )
    .bind(SHAREABLE_CLUSTER)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let r = app.share(&cookie, &second, existing_share(&share_id, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(app.sharing_state().await, [1, 2, 1, 1], "same share, one more resource, no new invitation");
    let dialog = app.form(Some(&cookie), "load_share_dialog", "").await;
    assert_eq!(dialog.json["shares"]["items"][0]["resources"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_share_dialog_lists_a_page_of_shares_narrowed_by_name_or_the_one_it_was_opened_on() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let mut ids = Vec::new();
    for (i, backup) in app.backups_of(SHAREABLE_CLUSTER, 3).await.into_iter().enumerate() {
        let r = app.share(&cookie, &backup, new_share(&format!("Nightly-{i}"), "AllAccounts", &[PARTNER])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        ids.push(r.json["resource_share_id"].as_str().unwrap().to_owned());
        app.clock.advance(time::Duration::seconds(1));
    }
    let page = app.form(Some(&cookie), "load_share_dialog", "page_size=2").await;
    assert_eq!(page.json["shares"]["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.json["shares"]["total"], json!(3));
    assert_eq!(page.json["shares"]["items"][0]["resource_share_id"], json!(ids[2]), "newest first");
    let found = app.form(Some(&cookie), "load_share_dialog", "name=nightly-1").await;
    assert_eq!(found.json["shares"]["total"], json!(1), "by part of the name, ignoring case");
    assert_eq!(found.json["shares"]["items"][0]["resource_share_id"], json!(ids[1]));
    let opened = app.form(Some(&cookie), "load_share_dialog", &format!("resource_share_id={}", ids[0])).await;
    assert_eq!(opened.json["shares"]["items"][0]["resource_share_id"], json!(ids[0]));
    assert_eq!(opened.json["shares"]["total"], json!(1));
    // Another account's share is not found by its id.
    let partner = app.sign_in("partner").await;
    let other = app.form(Some(&partner), "load_share_dialog", &format!("resource_share_id={}", ids[0])).await;
    assert_eq!(other.json["shares"]["total"], json!(0));
    let long = app.form(Some(&cookie), "load_share_dialog", &format!("name={}", "x".repeat(51))).await;
    assert_eq!((long.status, long.code()), (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.Name"));
}

#[tokio::test]
async fn editing_principals_of_an_existing_share_schedules_revocation_of_the_removed() {
    let app = TestApp::new().await;
    let (backup, r) = owner_share(&app, new_share("analysis", "AllAccounts", &[PARTNER, OUTSIDER])).await;
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    let cookie = app.sign_in("owner").await;
    let r = app.share(&cookie, &backup, existing_share(&share_id, Some(&[PARTNER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["revoking"], json!([OUTSIDER]));
    assert_eq!(app.count("select count(*) from share_principal where status = 'Disassociating' and revoke_at = '2026-11-25T08:10:00Z'").await, 1);
    assert_eq!(app.count("select count(*) from invitation where status = 'Cancelled'").await, 1);
}

#[tokio::test]
async fn members_of_the_directory_are_associated_without_invitation() {
    let app = TestApp::new().await;
    let (_, r) = owner_share(&app, new_share("lab", "ResourceDirectory", &[MEMBER, QA_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["associated"], json!([MEMBER, QA_FOLDER]));
    assert_eq!(app.count("select count(*) from invitation").await, 0);
}

/// One refused request: the status, the code, and nothing written.
async fn assert_refused(app: &TestApp, login: &str, backup: &str, method: Value, status: StatusCode, code: &str) {
    let cookie = app.sign_in(login).await;
    let before = app.sharing_state().await;
    let r = app.share(&cookie, backup, method).await;
    assert_eq!((r.status, r.code()), (status, code), "{:?}", r.json);
    assert!(!r.json["message"].as_str().unwrap_or("").is_empty(), "a refusal explains itself");
    assert_eq!(app.sharing_state().await, before, "a refused request changes nothing ({code})");
}

#[tokio::test]
async fn every_principal_rule_is_refused_with_its_code() {
    let app = TestApp::new().await;
    let b = app.backup_of(SHAREABLE_CLUSTER).await;
    let c = StatusCode::CONFLICT;
    assert_refused(&app, "owner", &b, new_share("s1", "AllAccounts", &[OWNER]), c, "ShareWithYourself").await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("s1", "AllAccounts", &[INTERNATIONAL]),
        c,
        "InvalidTarget.SiteMismatch",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("s1", "AllAccounts", &["9999999999999999"]),
        StatusCode::NOT_FOUND,
        "EntityNotExists.Target",
    )
    .await;
    assert_refused(&app, "owner", &b, new_share("s1", "ResourceDirectory", &[PARTNER]), c, "InvalidTarget").await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("s1", "AllAccounts", &[]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "MissingParameter.Targets",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("s1", "AllAccounts", &[PARTNER, PARTNER]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "InvalidParameter.Targets.Duplicate",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("s1", "AllAccounts", &["1' or '1'='1"]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "InvalidParameter.Targets",
    )
    .await;
    // A partner outside any directory can't use the directory scope at all.
    let partner_backup = app.backup_of("pc-bp1harbor00001").await;
    assert_refused(
        &app,
        "partner",
        &partner_backup,
        new_share("s1", "ResourceDirectory", &[OWNER]),
        c,
        "AccountNotInResourceDirectory",
    )
    .await;
}

/// A directory or folder id is only ever a principal inside the owner's own directory. One outside it
/// was refused as 409 InvalidTarget when it existed in another tenant's directory but as 404
/// EntityNotExists.Target when it existed nowhere: an account outside the directory could probe which
/// directory and folder ids exist. Both now get Resource Sharing's one answer, InvalidTarget ("does not
/// exist in the resource directory"), and change nothing.
#[tokio::test]
async fn another_directorys_folders_and_id_read_the_same_as_ids_that_exist_nowhere() {
    let app = TestApp::new().await;
    let c = StatusCode::CONFLICT;
    let partner_backup = app.backup_of("pc-bp1harbor00001").await;
    for target in [ANALYTICS_FOLDER, ROOT_FOLDER, OWNER_DIRECTORY, "fd-nosuchfold", "rd-nosuchdir"] {
        assert_refused(
            &app,
            "partner",
            &partner_backup,
            new_share("probe", "AllAccounts", &[target]),
            c,
            "InvalidTarget",
        )
        .await;
    }
    // Inside the owner's own directory, a folder that does not exist is not in it either.
    let b = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_refused(&app, "owner", &b, new_share("probe", "ResourceDirectory", &["fd-nosuchfold"]), c, "InvalidTarget")
        .await;
    // An account id stays what it was: one that exists nowhere is not found.
    assert_refused(
        &app,
        "partner",
        &partner_backup,
        new_share("probe", "AllAccounts", &["9999999999999999"]),
        StatusCode::NOT_FOUND,
        "EntityNotExists.Target",
    )
    .await;
}

#[tokio::test]
async fn every_name_rule_is_refused_with_its_code() {
    let app = TestApp::new().await;
    let b = app.backup_of(SHAREABLE_CLUSTER).await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let long = "a".repeat(51);
    assert_refused(
        &app,
        "owner",
        &b,
        new_share(&long, "AllAccounts", &[PARTNER]),
        invalid,
        "InvalidParameter.ResourceShareName.Length",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("my share", "AllAccounts", &[PARTNER]),
        invalid,
        "InvalidParameter.ResourceShareName",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("x'); drop table account;--", "AllAccounts", &[PARTNER]),
        invalid,
        "InvalidParameter.ResourceShareName",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("", "AllAccounts", &[PARTNER]),
        invalid,
        "MissingParameter.ResourceShareName",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("ok", "Everyone", &[PARTNER]),
        invalid,
        "InvalidParameter.PrincipalScope",
    )
    .await;
    let cookie = app.sign_in("owner").await;
    assert_eq!(
        app.share(&cookie, &b, new_share("数据分析.v1", "AllAccounts", &[PARTNER])).await.status,
        StatusCode::OK
    );
    assert_refused(
        &app,
        "owner",
        &b,
        new_share("数据分析.v1", "AllAccounts", &[OUTSIDER]),
        StatusCode::CONFLICT,
        "EntityAlreadyExists.ResourceShare",
    )
    .await;
}

#[tokio::test]
async fn every_backup_set_rule_is_refused_with_its_code() {
    let app = TestApp::new().await;
    let c = StatusCode::CONFLICT;
    let share = || new_share("s1", "AllAccounts", &[PARTNER]);
    for (cluster, code) in [
        ("pc-bp1limitless01", "OperationDenied.ClusterEdition"),
        ("pc-bp1payments3az", "OperationDenied.ClusterHaMode"),
        ("pc-bp1crmtde0001", "OperationDenied.TDEEnabled"),
        ("pc-bp1hrdiskenc01", "OperationDenied.DiskEncryptionEnabled"),
        ("pc-bp1legacy00001", "OperationDenied.ClusterInRecycleBin"),
    ] {
        let b = app.backup_of(cluster).await;
        assert_refused(&app, "owner", &b, share(), c, code).await;
    }
    for (backup, code) in [
        ("3200009001", "OperationDenied.BackupSetNotActive"),
        ("3200009002", "OperationDenied.BackupSetExpired"),
        ("3200009003", "OperationDenied.BackupSetLocked"),
        ("3200009004", "OperationDenied.BackupSetLocked"),
        ("rp-hz2bj0009005", "OperationDenied.CrossRegionBackupSet"),
    ] {
        assert_refused(&app, "owner", backup, share(), c, code).await;
    }
    assert_refused(
        &app,
        "owner",
        "12; drop table backup_set",
        share(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "InvalidParameter.BackupSetId",
    )
    .await;
    assert_refused(&app, "owner", "4242424242", share(), StatusCode::NOT_FOUND, "EntityNotExists.BackupSet").await;
}

#[tokio::test]
async fn every_identity_rule_is_refused_with_its_code() {
    let app = TestApp::new().await;
    let b = app.backup_of(SHAREABLE_CLUSTER).await;
    let share = || new_share("s1", "AllAccounts", &[PARTNER]);
    assert_refused(&app, "developer@lumen", &b, share(), StatusCode::FORBIDDEN, "Forbidden.RAM").await;
    assert_refused(&app, "auditor@lumen", &b, share(), StatusCode::FORBIDDEN, "Forbidden.RAM").await;
    let nomad = app.backup_of("pc-bp1nomad000001").await;
    assert_refused(
        &app,
        "nobeta",
        &nomad,
        new_share("s1", "AllAccounts", &[PARTNER]),
        StatusCode::FORBIDDEN,
        "OperationDenied.SharedBackupNotEnabled",
    )
    .await;
    // A RAM user with both policies may share.
    let cookie = app.sign_in("dba@lumen").await;
    assert_eq!(app.share(&cookie, &b, share()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_missing_policy_is_named_in_the_refusal() {
    let app = TestApp::new().await;
    let b = app.backup_of(SHAREABLE_CLUSTER).await;
    let cookie = app.sign_in("developer@lumen").await;
    let r = app.share(&cookie, &b, new_share("s1", "AllAccounts", &[PARTNER])).await;
    assert!(r.json["message"].as_str().unwrap().contains("AliyunResourceCenterFullAccess"));
}

#[tokio::test]
async fn a_principal_cannot_share_a_backup_set_shared_with_it() {
    let app = TestApp::new().await;
    let (backup, r) = owner_share(&app, new_share("analysis", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK);
    app.exec("update invitation set status = 'Accepted'").await;
    assert_refused(
        &app,
        "partner",
        &backup,
        new_share("again", "AllAccounts", &[OUTSIDER]),
        StatusCode::FORBIDDEN,
        "OperationDenied.SecondarySharing",
    )
    .await;
}

#[tokio::test]
async fn the_quota_counts_distinct_backup_sets() {
    let app = TestApp::new().await;
    app.exec(&format!("update account set share_quota = 2 where account_id = '{OWNER}'")).await;
    let cookie = app.sign_in("owner").await;
    let sets: Vec<String> = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None'
         and expires_at > '2026-11-25' and backup_set_id not like 'rp-%' order by backup_set_id limit 3",
    )
    .bind(SHAREABLE_CLUSTER)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.share(&cookie, &sets[0], new_share("a", "AllAccounts", &[PARTNER])).await.status, StatusCode::OK);
    // The same set in a second share costs nothing more.
    assert_eq!(app.share(&cookie, &sets[0], new_share("b", "AllAccounts", &[OUTSIDER])).await.status, StatusCode::OK);
    assert_eq!(app.share(&cookie, &sets[1], new_share("c", "AllAccounts", &[PARTNER])).await.status, StatusCode::OK);
    assert_refused(
        &app,
        "owner",
        &sets[2],
        new_share("d", "AllAccounts", &[PARTNER]),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedResource.Count",
    )
    .await;
    // sets[0] is counted once, with the two shares that hold it.
    app.assert_shared_sets_consistent().await;
    assert_eq!(
        app.count(&format!("select shares from shared_backup_set where backup_set_id = '{}'", sets[0])).await,
        2
    );
}

/// A set the owner shares with 64 new accounts (in one new share, "wide"), and those accounts.
async fn shared_with_64_accounts(app: &TestApp) -> (String, Vec<String>) {
    let many = app.add_accounts("20000000000", 64).await;
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let (backup, r) = owner_share(app, new_share("wide", "AllAccounts", &refs)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    (backup, many)
}

#[tokio::test]
async fn a_sixty_fifth_principal_is_refused() {
    let app = TestApp::new().await;
    let (backup, many) = shared_with_64_accounts(&app).await;
    assert_refused(
        &app,
        "owner",
        &backup,
        new_share("one-more", "AllAccounts", &[PARTNER]),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedTarget.Count",
    )
    .await;
    // Re-listing a principal that is already there through another share is not a 65th (once it has
    // answered: while its invitation is pending, a second one to the same set is refused).
    assert_refused(
        &app,
        "owner",
        &backup,
        new_share("same-one", "AllAccounts", &[&many[0]]),
        StatusCode::CONFLICT,
        "EntityAlreadyExists.ResourceShareInvitation",
    )
    .await;
    app.exec(&format!("update invitation set status = 'Accepted' where receiver_account_id = '{}'", many[0])).await;
    let cookie = app.sign_in("owner").await;
    assert_eq!(
        app.share(&cookie, &backup, new_share("same-one", "AllAccounts", &[&many[0]])).await.status,
        StatusCode::OK
    );
}

/// A stored principal id that no longer parses (a damaged row, or an id format changed under old data)
/// stops the share's rules rather than being left out of them: left out, it would not count toward
/// the 64, and a 65th account would get the set.
#[tokio::test]
async fn a_stored_principal_that_does_not_parse_stops_the_share_instead_of_being_skipped() {
    let app = TestApp::new().await;
    let (backup, many) = shared_with_64_accounts(&app).await;
    app.exec(&format!("update share_principal set principal_id = 'damaged id' where principal_id = '{}'", many[0]))
        .await;
    let before = app.sharing_state().await;
    let cookie = app.sign_in("owner").await;
    let r = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before, "nothing written");
}

/// A sub-folder of the Analytics folder, so that sharing with Analytics reaches its members too.
async fn add_sub_folder(app: &TestApp) -> &'static str {
    app.exec(&format!(
        "insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values ('fd-analyticsb', '{OWNER_DIRECTORY}', '{ANALYTICS_FOLDER}', 'BI')"
    ))
    .await;
    "fd-analyticsb"
}

#[tokio::test]
async fn a_folder_counts_as_every_account_it_reaches_toward_the_64() {
    let app = TestApp::new().await;
    // Analytics reaches 63 accounts: its member and 62 in its sub-folder.
    let sub = add_sub_folder(&app).await;
    app.add_members("20000000000", 62, sub).await;
    let (backup, r) = owner_share(&app, new_share("team", "AllAccounts", &[ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cookie = app.sign_in("owner").await;
    let r = app.share(&cookie, &backup, new_share("partner", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "the 64th account: {:?}", r.json);
    assert_eq!(app.accounts_reached(&backup).await, 64);
    assert_refused(
        &app,
        "owner",
        &backup,
        new_share("one-more", "AllAccounts", &[OUTSIDER]),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedTarget.Count",
    )
    .await;
    let refused = app.share(&cookie, &backup, new_share("one-more", "AllAccounts", &[OUTSIDER])).await;
    let message = refused.json["message"].as_str().unwrap_or_default();
    assert!(message.contains("would be shared with 65 accounts"), "{message}");
    // The whole directory reaches the QA member too (the owner, a member, is not counted).
    assert_refused(
        &app,
        "owner",
        &backup,
        new_share("everyone", "AllAccounts", &[OWNER_DIRECTORY]),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedTarget.Count",
    )
    .await;
    // A member named by its own id is not counted twice.
    let r = app.share(&cookie, &backup, new_share("member", "AllAccounts", &[MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(app.accounts_reached(&backup).await, 64);
}

/// A directory that gains members after it was shared can take a set past 64: its shares stand, a
/// request that takes accounts away is allowed, and one that would reach an account more is refused.
#[tokio::test]
async fn a_set_past_64_through_a_grown_folder_keeps_its_shares_and_gains_no_account() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let (backup, r) = owner_share(&app, new_share("team", "AllAccounts", &[ANALYTICS_FOLDER, PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    app.add_members("20000000000", 70, ANALYTICS_FOLDER).await;
    assert_eq!(app.accounts_reached(&backup).await, 72);

    // The share stands: the folder's members still see the set.
    let member = app.sign_in("member").await;
    let seen = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert!(seen.json.to_string().contains(&backup), "{:?}", seen.json);

    // The same set again in the same share, and the partner taken out: allowed.
    assert_eq!(app.share(&cookie, &backup, existing_share(&share_id, None)).await.status, StatusCode::OK);
    let r = app.share(&cookie, &backup, existing_share(&share_id, Some(&[ANALYTICS_FOLDER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // Any account more is refused, by a new share or by this one.
    assert_refused(
        &app,
        "owner",
        &backup,
        new_share("more", "AllAccounts", &[OUTSIDER]),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedTarget.Count",
    )
    .await;
    assert_refused(
        &app,
        "owner",
        &backup,
        existing_share(&share_id, Some(&[ANALYTICS_FOLDER, OUTSIDER])),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedTarget.Count",
    )
    .await;
    // Another set joining the share would reach 71 accounts it does not reach yet.
    let other = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    assert_refused(
        &app,
        "owner",
        &other,
        existing_share(&share_id, None),
        StatusCode::CONFLICT,
        "QuotaExceeded.SharedTarget.Count",
    )
    .await;
}

/// The Data Backups page is answered from memory between writes (`db::read_model`): a share made, and
/// an invitation rejected, show in the very next listing.
#[tokio::test]
async fn the_backup_page_shows_each_write_in_the_next_listing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let principals_of = |backup: String| {
        let (app, owner) = (&app, owner.clone());
        async move {
            let r = app.form(Some(&owner), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
            let row = r.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["backup_set_id"] == json!(backup))
                .cloned()
                .expect("row on page 1");
            row["principal_count"].as_i64().unwrap()
        }
    };
    // Listed twice: the second answer comes from memory.
    assert_eq!((principals_of(backup.clone()).await, principals_of(backup.clone()).await), (0, 0));

    let r = app.share(&owner, &backup, new_share("cached", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(principals_of(backup.clone()).await, 1, "the invited account counts");

    let partner = app.sign_in("partner").await;
    let invitation: String = sqlx::query_scalar("select invitation_id from invitation where receiver_account_id = ?")
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let r = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={invitation}&accept=false")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(principals_of(backup).await, 0, "a rejected invitation no longer counts");
}
