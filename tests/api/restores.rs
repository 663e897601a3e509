//! No lock-out by restores: one running restore per principal and set, and an owner's removal during a
//! restore queued until the restore ends (then revoked on schedule), with no new restore meanwhile.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use time::Duration;

fn restore_request(backup: &str, name: &str) -> Value {
    json!({ "request": { "backup_set_id": backup, "cluster_name": name, "node_spec": "polar.mysql.x4.medium",
                          "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } })
}

/// The owner shares one set with two directory members; returns (backup set, share id).
pub(crate) async fn shared_with_member_and_qa(app: &TestApp) -> (String, String) {
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, new_share("lab", "ResourceDirectory", &[MEMBER, QA_MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    (backup, r.json["resource_share_id"].as_str().unwrap().to_owned())
}

async fn incoming_set(app: &TestApp, cookie: &str) -> Option<Value> {
    let r = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["backups"].as_array().unwrap().first().cloned()
}

async fn principal_view(app: &TestApp, owner: &str, backup: &str, principal: &str) -> Value {
    let r = app.form(Some(owner), "sharing_relationship", &format!("backup_set_id={backup}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["items"][0]["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal_id"] == json!(principal))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_second_running_restore_by_the_same_principal_from_the_same_set_is_refused() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with_member_and_qa(&app).await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "first")).await.status,
        StatusCode::OK
    );
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "second")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.RestoreAlreadyRunning"), "{:?}", r.json);
    assert_eq!(
        app.count(&format!("select count(*) from restore_job where account_id = '{MEMBER}'")).await,
        1,
        "the refusal wrote nothing"
    );
    assert_eq!(
        incoming_set(&app, &member).await.unwrap()["restore_blocked"]["code"],
        json!("OperationDenied.RestoreAlreadyRunning")
    );

    // Another principal restores side by side; the set stays locked until the last restore ends.
    let qa = app.sign_in("qa").await;
    assert_eq!(
        app.json(Some(&qa), "restore_to_new_cluster", restore_request(&backup, "qa-copy")).await.status,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.tick().await.finished_restores, 2);
    assert_eq!(
        app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and lock_state = 'None'"))
            .await,
        1
    );
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "again")).await.status,
        StatusCode::OK,
        "once it ended"
    );
}

#[tokio::test]
async fn a_removal_during_a_restore_is_queued_and_revoked_from_the_moment_the_restore_ends() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with_member_and_qa(&app).await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "copy")).await.status,
        StatusCode::OK
    );

    // Adding a principal while the restore reads the set is refused, as before.
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[MEMBER, QA_MEMBER, ANALYTICS_FOLDER]))).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.BackupSetLocked"));

    // Removing the restoring principal is queued.
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[QA_MEMBER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["revoking"], json!([MEMBER]));
    assert_eq!(r.json["removal_waits_for_restore"], json!(true));
    let pending = principal_view(&app, &owner, &backup, MEMBER).await;
    assert_eq!((&pending["status"], &pending["removal_pending_restore"]), (&json!("Disassociating"), &json!(true)));
    assert_eq!(
        app.count(&format!(
            "select count(*) from share_principal where principal_id = '{MEMBER}' and revoke_at is null"
        ))
        .await,
        1
    );

    // The principal sees it being revoked and can't restore again; nobody can start a restore meanwhile.
    let seen = incoming_set(&app, &member).await.unwrap();
    assert_eq!(seen["revoking_after_restore"], json!(true));
    assert!(seen["revoking_at"].is_null());
    app.clock.advance(Duration::seconds(10));
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "another")).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.SharingRevoking"));
    let qa = app.sign_in("qa").await;
    let r = app.json(Some(&qa), "restore_to_new_cluster", restore_request(&backup, "qa-copy")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.SharingChanging"), "{:?}", r.json);
    assert!(r.json["message"].as_str().unwrap().contains("Try again later"));
    assert_eq!(app.tick().await.applied_queued_removals, 0, "not while the restore runs");

    // The tick that ends the restore starts the revocation, in the same transaction.
    app.clock.advance(Duration::seconds(21));
    let tick = app.tick().await;
    assert_eq!((tick.finished_restores, tick.applied_queued_removals), (1, 1));
    let owner = app.sign_in("owner").await;
    let revoking = principal_view(&app, &owner, &backup, MEMBER).await;
    assert_eq!((&revoking["status"], &revoking["removal_pending_restore"]), (&json!("Disassociating"), &json!(false)));
    let member = app.sign_in("member").await;
    let seen = incoming_set(&app, &member).await.unwrap();
    assert_eq!(
        seen["revoking_at"],
        json!("2026-11-25T08:10:31Z"),
        "revoked the revocation delay after the restore ended"
    );
    assert_eq!(app.count("select count(*) from audit_event where action = 'ApplyQueuedRemoval'").await, 1);

    // The remaining principal may restore again; the removed one is gone after the delay.
    let qa = app.sign_in("qa").await;
    assert_eq!(
        app.json(Some(&qa), "restore_to_new_cluster", restore_request(&backup, "qa-copy")).await.status,
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let member = app.sign_in("member").await;
    assert!(incoming_set(&app, &member).await.is_none());
}

#[tokio::test]
async fn cancelling_a_share_during_a_restore_is_queued_for_every_principal() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with_member_and_qa(&app).await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "copy")).await.status,
        StatusCode::OK
    );
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        app.count("select count(*) from share_principal where status = 'Disassociating' and revoke_at is null").await,
        2
    );
    // My Shares still lists the set while the removals wait.
    let mine = app.form(Some(&owner), "list_my_shares", "").await;
    assert!(mine.json["items"][0]["principals"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["removal_pending_restore"] == json!(true)));

    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.tick().await.applied_queued_removals, 2);
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.tick().await.revoked, 2);
    assert_eq!(app.count("select count(*) from share_principal").await, 0);
}

#[tokio::test]
async fn a_queued_removal_survives_a_restart_and_is_applied_by_the_first_tick() {
    let app = TestApp::new().await;
    owner_removes_during_members_restore(&app, &[QA_MEMBER]).await;
    // Down for an hour: the restore and then the revocation both fell due.
    app.clock.advance(Duration::hours(1));
    let first = app.tick().await;
    assert_eq!((first.finished_restores, first.applied_queued_removals), (1, 1));
    let second = app.tick().await;
    assert_eq!(second.revoked, 0, "the revocation window starts when the restore's end is applied");
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.tick().await.revoked, 1);
}

#[tokio::test]
async fn a_cluster_still_being_restored_can_not_be_released_and_becomes_running_when_the_restore_ends() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with_member_and_qa(&app).await;
    let member = app.sign_in("member").await;
    let started = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "mid-copy")).await;
    assert_eq!(started.status, StatusCode::OK, "{:?}", started.json);
    let cluster = started.json["cluster_id"].as_str().unwrap().to_owned();
    // While the copy from the owner's set runs, the new cluster can't be released under it.
    let r = app.form(Some(&member), "release_cluster", &format!("cluster_id={cluster}")).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.ClusterStatus"), "{:?}", r.json);
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and status = 'Creating'"))
            .await,
        1
    );
    // The restore ends: the cluster is Running, the set unlocked, and the cluster may be released.
    app.clock.advance(Duration::minutes(6));
    app.tick().await;
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and status = 'Running'")).await,
        1
    );
    assert_eq!(
        app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and lock_state = 'None'"))
            .await,
        1
    );
    let r = app.form(Some(&member), "release_cluster", &format!("cluster_id={cluster}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn a_principal_is_not_shown_that_another_account_restores_from_the_set() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with_member_and_qa(&app).await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "copy")).await.status,
        StatusCode::OK
    );

    // The restoring principal sees its own restore holding the set; the other one sees nothing of it
    // (the lock does not stop its own restore), and may restore side by side.
    assert_eq!(incoming_set(&app, &member).await.unwrap()["lock_state"], json!("Restoring"));
    let qa = app.sign_in("qa").await;
    let seen = incoming_set(&app, &qa).await.unwrap();
    assert_eq!(seen["lock_state"], json!("None"), "{seen:?}");
    assert!(seen["restore_blocked"].is_null(), "{seen:?}");
    // The owner's own page shows the lock.
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
    let row =
        r.json["items"].as_array().unwrap().iter().find(|b| b["backup_set_id"] == json!(backup)).cloned().unwrap();
    assert_eq!(row["lock_state"], json!("Restoring"));

    // A level conversion is the owner's and holds every restore: every principal is shown it.
    app.clock.advance(Duration::seconds(31));
    app.tick().await;
    let r = app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(incoming_set(&app, &qa).await.unwrap()["lock_state"], json!("ConvertingLevel"));
}

/// The member restores from a set shared with it and qa, then the owner keeps only `kept` of the two
/// principals: the removals wait for the member's restore. Returns the set and the member's session.
async fn owner_removes_during_members_restore(app: &TestApp, kept: &[&str]) -> (String, String) {
    let (backup, share_id) = shared_with_member_and_qa(app).await;
    let member = app.sign_in("member").await;
    assert_eq!(
        app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "copy")).await.status,
        StatusCode::OK
    );
    let owner = app.sign_in("owner").await;
    assert_eq!(app.share(&owner, &backup, existing_share(&share_id, Some(kept))).await.status, StatusCode::OK);
    (backup, member)
}

#[tokio::test]
async fn a_principal_held_back_by_a_removal_waiting_for_another_accounts_restore_learns_nothing_of_either() {
    // The member restores, and the owner removes it: the removal waits for that restore, and no restore
    // may start meanwhile. The other principal, refused, must not learn from the refusal what the lock
    // column hides from it: that another account restores from the set, or that the owner shares it with
    // (and removed) another account. It is told the owner is changing the set's sharing, and to retry.
    let app = TestApp::new().await;
    let (backup, _) = owner_removes_during_members_restore(&app, &[QA_MEMBER]).await;
    let qa = app.sign_in("qa").await;
    let r = app.json(Some(&qa), "restore_to_new_cluster", restore_request(&backup, "qa-copy")).await;
    let seen = incoming_set(&app, &qa).await.unwrap();
    assert_eq!(seen["lock_state"], json!("None"), "{seen:?}");
    for (told, code, message) in [
        ("the answer", r.code(), r.json["message"].as_str()),
        (
            "the row",
            seen["restore_blocked"]["code"].as_str().unwrap_or(""),
            seen["restore_blocked"]["message"].as_str(),
        ),
    ] {
        let message = message.unwrap_or_default();
        assert_eq!(code, "OperationDenied.SharingChanging", "{told}: {message}");
        assert!(
            message.contains("The owner is changing the sharing of backup set") && message.contains("Try again later"),
            "{told}: {message}"
        );
        for hint in ["principal", "restore ends", "running restore", "removed", "another"] {
            assert!(!message.contains(hint), "{told} names {hint:?}: {message}");
        }
    }
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count(&format!("select count(*) from restore_job where account_id = '{QA_MEMBER}'")).await,
        0,
        "nothing started"
    );
}

#[tokio::test]
async fn a_principal_whose_removal_waits_for_another_accounts_restore_is_not_told_of_that_restore() {
    // The member restores; the owner removes both principals, whose removals then wait for the member's
    // restore. Shared With Me tells qa its access is being revoked, but not that a restore is
    // running (it is the member's, which the lock column hides from qa too); the member, whose own
    // restore it is, is told.
    let app = TestApp::new().await;
    let (_, member) = owner_removes_during_members_restore(&app, &[]).await;

    let qa = app.sign_in("qa").await;
    let (status, page) = app.get(Some(&qa), "/shared-backups?tab=incoming").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Being revoked"), "{page}");
    assert!(
        !page.contains("restore finishes") && !page.contains("running restore"),
        "qa is told of the member's restore"
    );
    let (_, page) = app.get(Some(&member), "/shared-backups?tab=incoming").await;
    assert!(page.contains("it ends after the running restore finishes"), "the member's own restore");
}

#[tokio::test]
async fn access_whose_revocation_time_has_passed_is_gone_before_the_schedule_runs() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with_member_and_qa(&app).await;
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[QA_MEMBER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let member = app.sign_in("member").await;
    assert!(incoming_set(&app, &member).await.unwrap()["revoking_at"].is_string(), "being revoked for the window");

    // Past its revocation time, with the schedule not run yet (late, or failing): the member is shown
    // nothing of the set and is told it is not there, as after the schedule.
    app.clock.advance(Duration::minutes(10));
    let member = app.sign_in("member").await;
    assert_eq!(incoming_set(&app, &member).await, None);
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup, "late")).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.BackupSet"), "{:?}", r.json);
    let r = app.form(Some(&member), "delete_backup_set", &format!("backup_set_id={backup}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.BackupSet"), "{:?}", r.json);
    // The other principal keeps it.
    let qa = app.sign_in("qa").await;
    assert!(incoming_set(&app, &qa).await.is_some());
    app.tick().await;
    let member = app.sign_in("member").await;
    assert_eq!(incoming_set(&app, &member).await, None);
}
