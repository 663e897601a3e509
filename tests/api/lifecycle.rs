//! After sharing: invitations, the principal's view, restores, revocation on a schedule.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;
use time::Duration;

async fn invitation_id(app: &TestApp, cookie: &str) -> String {
    let list = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
    list.json["invitations"][0]["invitation_id"].as_str().expect("an invitation").to_owned()
}

async fn incoming(app: &TestApp, cookie: &str) -> Vec<serde_json::Value> {
    let r = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["backups"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_shared_set_is_usable_only_after_the_invitation_is_accepted() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    assert!(incoming(&app, &partner).await.is_empty(), "not visible before acceptance");
    let r = app.json(Some(&partner), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.BackupSet"));

    let id = invitation_id(&app, &partner).await;
    let r = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["status"], json!("Accepted"));
    assert_eq!(r.json["resources"], json!([backup]), "the answer names what was accepted");
    assert_eq!(incoming(&app, &partner).await[0]["backup_set_id"], json!(backup));

    let again = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "InvitationStatus.AlreadyAccepted"));
}

#[tokio::test]
async fn a_rejected_or_expired_invitation_cannot_be_accepted() {
    let app = TestApp::new().await;
    shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    let id = invitation_id(&app, &partner).await;
    app.clock.advance(Duration::days(7));
    let partner = app.sign_in("partner").await;
    let r = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "InvitationStatus.Expired"));
    assert_eq!(app.tick().await.expired_invitations, 1);

    let app = TestApp::new().await;
    shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    let id = invitation_id(&app, &partner).await;
    assert_eq!(
        app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=false")).await.status,
        StatusCode::OK
    );
    let r = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!(r.refusal(), (409, "InvitationStatus.AlreadyRejected"));
}

#[tokio::test]
async fn someone_elses_invitation_does_not_exist_for_you() {
    let app = TestApp::new().await;
    shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    let id = invitation_id(&app, &partner).await;
    let outsider = app.sign_in("outsider").await;
    let r = app.form(Some(&outsider), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!(r.refusal(), (404, "EntityNotExists.ResourceShareInvitation"));
}

#[tokio::test]
async fn a_directory_member_gets_the_set_without_an_invitation() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    assert_eq!(incoming(&app, &member).await[0]["backup_set_id"], json!(backup));
}

#[tokio::test]
async fn a_restore_creates_a_cluster_locks_the_set_charges_the_principal_and_finishes_on_schedule() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cluster = r.json["cluster_id"].as_str().unwrap().to_owned();
    assert_eq!(app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and account_id = '{MEMBER}' and status = 'Creating' and region_id = 'cn-hangzhou'")).await, 1);
    assert_eq!(
        app.count(&format!(
            "select count(*) from backup_set where backup_set_id = '{backup}' and lock_state = 'Restoring'"
        ))
        .await,
        1
    );
    assert_eq!(app.count(&format!("select count(*) from charge where account_id = '{MEMBER}'")).await, 1);
    assert_eq!(
        app.count(&format!("select count(*) from charge where account_id = '{OWNER}'")).await,
        0,
        "sharing is free for the owner"
    );

    // While the restore runs, the owner cannot add to the share (a removal is queued: see restores.rs).
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[MEMBER, QA_MEMBER]))).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.BackupSetLocked"));

    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.tick().await.finished_restores, 1);
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and status = 'Running'")).await,
        1
    );
    assert_eq!(
        app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and lock_state = 'None'"))
            .await,
        1
    );
    let jobs = app.form(Some(&member), "list_restore_jobs", "").await;
    assert_eq!(jobs.json["items"][0]["progress"], json!(100));
}

/// Billing: "The resource owner is responsible for the storage costs of the backup set"; the principal
/// is charged nothing for accepting, and for a restore "based on the specifications of the new cluster".
#[tokio::test]
async fn the_owner_pays_a_shared_sets_storage_and_the_principal_only_the_new_clusters_specification() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    let id = invitation_id(&app, &partner).await;
    assert_eq!(
        app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count(&format!("select count(*) from charge where account_id = '{PARTNER}'")).await,
        0,
        "accepting is free"
    );

    let storage = |bill: &serde_json::Value| bill["backup_storage_bytes"].as_i64().expect("a storage figure");
    let owner = app.sign_in("owner").await;
    let (owner_before, partner_before) =
        (app.form(Some(&owner), "billing", "").await.json, app.form(Some(&partner), "billing", "").await.json);
    const GIB: i64 = 1024 * 1024 * 1024;
    let size: i64 = sqlx::query_scalar("select size_bytes from backup_set where backup_set_id = ?")
        .bind(&backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    app.exec(&format!(
        "update backup_set set size_bytes = size_bytes + {} where backup_set_id = '{backup}'",
        500 * GIB
    ))
    .await;
    let (owner_after, partner_after) =
        (app.form(Some(&owner), "billing", "").await.json, app.form(Some(&partner), "billing", "").await.json);
    assert_eq!(storage(&owner_after) - storage(&owner_before), 500 * GIB, "{size} {owner_after:?}");
    assert_eq!(
        storage(&partner_after),
        storage(&partner_before),
        "the principal keeps no storage of a set shared with it"
    );
    assert!(
        owner_after["backup_storage_cents_per_month"].as_i64()
            > owner_before["backup_storage_cents_per_month"].as_i64()
    );

    let r = app.json(Some(&partner), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let bill = app.form(Some(&partner), "billing", "").await.json;
    assert_eq!(bill["charges"]["total"], json!(1), "{bill:?}");
    assert_eq!(bill["charges"]["items"][0]["price_cents"], json!(62_000), "polar.mysql.x4.medium's price: {bill:?}");
    assert_eq!(bill["charges"]["items"][0]["cents_per_hour"], json!(85), "pay-as-you-go, by the hour: {bill:?}");
    assert_eq!(app.count(&format!("select count(*) from charge where account_id = '{OWNER}'")).await, 0);
}

#[tokio::test]
async fn restore_into_another_region_is_refused() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let mut request = restore_request(&backup);
    request["request"]["zone_id"] = json!("cn-beijing-k");
    let r = app.json(Some(&member), "restore_to_new_cluster", request).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.CrossRegionRestore"));
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
}

#[tokio::test]
async fn removing_a_principal_refuses_restore_during_the_window_and_removes_access_after_it() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let member = app.sign_in("member").await;
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 1, "still visible during the revocation window");
    assert_eq!(seen[0]["revoking_at"], json!("2026-11-25T08:10:00Z"));
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.SharingRevoking"));
    assert!(r.json["message"].as_str().unwrap().contains("being revoked"));

    app.clock.advance(Duration::minutes(9));
    assert_eq!(app.tick().await.revoked, 0, "not before ten minutes");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.tick().await.revoked, 1);
    assert!(incoming(&app, &member).await.is_empty());
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.BackupSet"));
}

#[tokio::test]
async fn a_principal_with_read_only_access_cannot_restore() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, PARTNER, "AllAccounts").await;
    app.exec("update invitation set status = 'Accepted'").await;
    app.exec(
        "insert into identity (account_id, login_name, kind, password_hash, created_at)
         select account_id, 'reader@harbor', 'ram_user', password_hash, created_at from identity where login_name = 'partner'",
    )
    .await;
    app.exec("insert into identity_policy (identity_id, policy_name) select identity_id, 'AliyunPolardbReadOnlyAccess' from identity where login_name = 'reader@harbor'").await;
    let reader = app.sign_in("reader@harbor").await;
    let r = app.json(Some(&reader), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "Forbidden.RAM"));
    assert!(r.json["message"].as_str().unwrap().contains("AliyunPolardbFullAccess"));
}

#[tokio::test]
async fn deleting_a_shared_backup_set_revokes_it_on_schedule() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    // The principal can't delete what was shared with it.
    let r = app.form(Some(&member), "delete_backup_set", &format!("backup_set_id={backup}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "OperationDenied.SharedBackupReadOnly"));

    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "delete_backup_set", &format!("backup_set_id={backup}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 1, "visible, marked, during the window");
    assert!(seen[0]["revoking_at"].is_string());
    app.assert_shared_sets_consistent().await;
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    assert!(incoming(&app, &member).await.is_empty());
    app.assert_shared_sets_consistent().await;
    assert_eq!(app.count(&format!("select count(*) from shared_backup_set where backup_set_id = '{backup}'")).await, 0);
}

/// "They cannot delete, modify, or re-share the backup set": a principal converting a set shared with
/// it to level-2 is refused as read-only, and the set keeps its level and lock.
#[tokio::test]
async fn a_principal_can_not_convert_the_level_of_a_set_shared_with_it() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let before = app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and level = 'Level-1' and lock_state = 'None'")).await;
    assert_eq!(before, 1);
    let r = app.form(Some(&member), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(r.refusal(), (403, "OperationDenied.SharedBackupReadOnly"), "{:?}", r.json);
    assert_eq!(app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and level = 'Level-1' and lock_state = 'None'")).await, 1);
}

#[tokio::test]
async fn releasing_a_cluster_revokes_its_shares_and_is_refused_during_a_restore() {
    let app = TestApp::new().await;
    // The demo cluster carries two permanently locked sets for the console; unlock them here.
    app.exec("update backup_set set lock_state = 'None' where backup_set_id in ('3200009003', '3200009004')").await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await.status,
        StatusCode::OK
    );
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "release_cluster", &format!("cluster_id={SHAREABLE_CLUSTER}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.BackupSetLocked"));

    app.clock.advance(Duration::seconds(31));
    app.tick().await;
    let owner = app.sign_in("owner").await;
    let member = app.sign_in("member").await;
    let r = app.form(Some(&owner), "release_cluster", &format!("cluster_id={SHAREABLE_CLUSTER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        app.count(&format!(
            "select count(*) from cluster where cluster_id = '{SHAREABLE_CLUSTER}' and status = 'Recycled'"
        ))
        .await,
        1
    );
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.SharingRevoking"));
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    assert!(incoming(&app, &member).await.is_empty());
    app.assert_shared_sets_consistent().await;
}

#[tokio::test]
async fn a_level_conversion_locks_the_set_until_it_finishes() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.BackupSetLocked"));
    assert!(r.json["message"].as_str().unwrap().contains("level-2"));
    app.clock.advance(Duration::seconds(61));
    app.tick().await;
    assert_eq!(app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and level = 'Level-2' and lock_state = 'None'")).await, 1);
    let owner = app.sign_in("owner").await;
    assert_eq!(app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await.status, StatusCode::OK);
}

/// UpdateResourceShare writes the new name before it finds a set of the share locked for the scope
/// change: the refusal must take the rename back with it (one transaction), leave only its refusal in
/// the trail, and the owner's list of shares kept in memory must still say the old name.
#[tokio::test]
async fn a_rename_refused_for_its_scope_change_on_a_locked_set_keeps_the_old_name() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let key = crate::openapi::create_key(&app, &owner, "owner").await;
    let list =
        || crate::openapi::acs3(&app, &key, "ListResourceShares", crate::openapi::RS, &[("ResourceOwner", "Self")]);
    let names = |r: &Response| {
        r.json["ResourceShares"].as_array().unwrap().iter().map(|s| s["ResourceShareName"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&list().await), vec![json!("partnership")]);
    assert_eq!(
        app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await.status,
        StatusCode::OK
    );
    let stored = "select resource_share_name || ' ' || principal_scope || ' ' || updated_at from resource_share";
    let before: String = sqlx::query_scalar(stored).fetch_one(&app.pool).await.unwrap();

    let body = format!("resource_share_id={share_id}&resource_share_name=renamed&principal_scope=AllAccounts");
    let r = app.form(Some(&owner), "update_resource_share", &body).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.BackupSetLocked"), "{:?}", r.json);

    let after: String = sqlx::query_scalar(stored).fetch_one(&app.pool).await.unwrap();
    assert_eq!(after, before, "neither the name nor the scope changed");
    assert_eq!(names(&list().await), vec![json!("partnership")], "the kept list says the old name");
    let trail: Vec<String> = sqlx::query_scalar("select outcome from audit_event where action = 'UpdateResourceShare'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(trail, vec!["OperationDenied.BackupSetLocked".to_owned()], "only the refusal is recorded");
}

/// A set of the owner's shared with the member through the directory, made to expire at 09:00 (an
/// hour after the test clock starts); returns its id.
async fn shared_with_member_expiring_at_nine(app: &TestApp) -> String {
    let (backup, _) = shared_with(app, MEMBER, "ResourceDirectory").await;
    app.exec(&format!("update backup_set set expires_at = '2026-11-25T09:00:00Z' where backup_set_id = '{backup}'"))
        .await;
    backup
}

#[tokio::test]
async fn an_expiring_backup_set_is_revoked_on_schedule() {
    let app = TestApp::new().await;
    shared_with_member_expiring_at_nine(&app).await;
    app.clock.advance(Duration::hours(1));
    app.tick().await;
    let member = app.sign_in("member").await;
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 1);
    assert!(seen[0]["revoking_at"].is_string(), "{seen:?}");
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    assert!(incoming(&app, &member).await.is_empty());
}

#[tokio::test]
async fn an_expired_set_is_revoked_from_its_expiry_whether_or_not_the_schedule_ran() {
    // A set's expiry is known in advance: its revocation runs from then, not from whenever the schedule
    // next notices it (late, or failing), as a removal's does from its own time.
    let app = TestApp::new().await;
    let backup = shared_with_member_expiring_at_nine(&app).await;

    // Five minutes after the expiry, with no tick since: being revoked, until ten minutes after it.
    app.clock.advance(Duration::minutes(65));
    let member = app.sign_in("member").await;
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["revoking_at"], json!("2026-11-25T09:10:00Z"), "{seen:?}");

    // Past that, still with no tick: nothing of the set is shown, and it is not there to restore.
    app.clock.advance(Duration::minutes(10));
    let member = app.sign_in("member").await;
    assert!(incoming(&app, &member).await.is_empty());
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.BackupSet"), "{:?}", r.json);
    let jobs = app.count("select count(*) from restore_job").await;
    assert_eq!(jobs, 0, "nothing restored");

    // The late tick starts the schedule's own revocation; the member still sees nothing.
    app.tick().await;
    let member = app.sign_in("member").await;
    assert!(incoming(&app, &member).await.is_empty());
}

#[tokio::test]
async fn a_restore_due_while_the_server_was_down_finishes_on_the_first_tick() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await.status,
        StatusCode::OK
    );
    // A "restart": a new app state over the same database file, a day later.
    app.clock.advance(Duration::days(1));
    let done = app.tick().await;
    assert_eq!(done.finished_restores, 1);
    assert_eq!(app.count("select count(*) from restore_job where status = 'Running'").await, 0);
    assert_eq!(app.count("select count(*) from cluster where status = 'Creating'").await, 0);
}
