//! Resource directory membership by consent: an invitation, not membership; accept, reject, expiry and
//! cancellation; a member leaving; and every directory-scope grant revoked on schedule after it leaves.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use time::Duration;

/// `n` healthy, unshared backup sets of the demo's shareable cluster.
pub async fn shareable_sets(app: &TestApp, n: i64) -> Vec<String> {
    let sets: Vec<String> = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None'
         and expires_at > '2026-11-25' and backup_set_id not like 'rp-%' order by backup_set_id limit ?",
    )
    .bind(SHAREABLE_CLUSTER)
    .bind(n)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(sets.len() as i64, n);
    sets
}

async fn invite(app: &TestApp, owner: &str, account: &str) -> Response {
    app.form(Some(owner), "add_member", &format!("account_id={account}&folder_id={ROOT_FOLDER}")).await
}

/// The management account invites `account`; returns the invitation id.
async fn invited(app: &TestApp, account: &str) -> String {
    let owner = app.sign_in("owner").await;
    let r = invite(app, &owner, account).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["status"], json!("Pending"));
    r.json["invitation_id"].as_str().unwrap().to_owned()
}

/// The partner accepts the owner's invitation into its directory; returns the partner's session.
pub(crate) async fn partner_joined_the_directory(app: &TestApp) -> String {
    joined_the_directory(app, PARTNER, "partner").await
}

/// `account` (signing in as `login`) accepts the owner's invitation into its directory; returns its session.
async fn joined_the_directory(app: &TestApp, account: &str, login: &str) -> String {
    let id = invited(app, account).await;
    let cookie = app.sign_in(login).await;
    assert_eq!(answer(app, &cookie, &id, true).await.status, StatusCode::OK);
    cookie
}

async fn answer(app: &TestApp, cookie: &str, id: &str, accept: bool) -> Response {
    app.form(Some(cookie), "answer_directory_invitation", &format!("invitation_id={id}&accept={accept}")).await
}

async fn my_directory(app: &TestApp, cookie: &str) -> Value {
    let r = app.form(Some(cookie), "my_directory", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json
}

pub(crate) async fn incoming(app: &TestApp, cookie: &str) -> Vec<Value> {
    let r = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["backups"].as_array().unwrap().clone()
}

async fn is_member(app: &TestApp, account: &str) -> bool {
    app.count(&format!("select count(*) from rd_member where account_id = '{account}'")).await == 1
}

#[tokio::test]
async fn adding_an_account_sends_an_invitation_not_membership() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    assert!(id.starts_with("h-"), "{id}");
    assert!(!is_member(&app, OUTSIDER).await, "no member before it accepts");

    let outsider = app.sign_in("outsider").await;
    let mine = my_directory(&app, &outsider).await;
    assert!(mine["membership"].is_null());
    assert_eq!(mine["invitations"][0]["invitation_id"], json!(id));
    assert_eq!(mine["invitations"][0]["status"], json!("Pending"));
    assert_eq!(mine["invitations"][0]["directory_id"], json!(OWNER_DIRECTORY));
    assert_eq!(mine["invitations"][0]["expires_at"], json!("2026-12-09T08:00:00Z"), "valid for 14 days");

    let owner = app.sign_in("owner").await;
    let view = app.form(Some(&owner), "resource_directory", "").await;
    assert_eq!(view.json["invitations"][0]["account_id"], json!(OUTSIDER));
    assert_eq!(view.json["invitations"][0]["status"], json!("Pending"));
    assert!(view.json["members"].as_array().unwrap().iter().all(|m| m["account_id"] != json!(OUTSIDER)));
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'AddMember' and outcome = 'Success'").await,
        1
    );
}

#[tokio::test]
async fn the_directory_page_is_the_managed_directory_for_its_management_account_and_the_membership_for_others() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    let owner = app.sign_in("owner").await;
    let page = app.form(Some(&owner), "directory_page", "").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json["Managed"]["directory_id"], json!(OWNER_DIRECTORY));
    assert_eq!(page.json["Managed"]["invitations"][0]["invitation_id"], json!(id));
    let outsider = app.sign_in("outsider").await;
    let page = app.form(Some(&outsider), "directory_page", "").await;
    assert_eq!(page.status, 200);
    assert!(page.json["Member"]["membership"].is_null());
    assert_eq!(page.json["Member"]["invitations"][0]["invitation_id"], json!(id));
    // A RAM user of the management account without the directory's policy is refused as the directory is.
    let dba = app.sign_in("developer@lumen").await;
    let page = app.form(Some(&dba), "directory_page", "").await;
    assert_eq!(page.status, 403, "{}", page.json);
}

#[tokio::test]
async fn directory_scope_shares_do_not_reach_an_invited_account_until_it_accepts() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    let owner = app.sign_in("owner").await;
    let [to_directory, to_account] = <[String; 2]>::try_from(shareable_sets(&app, 2).await).unwrap();
    let r = app.share(&owner, &to_account, new_share("to-invitee", "ResourceDirectory", &[OUTSIDER])).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "InvalidTarget"),
        "an invited account is not in the directory"
    );
    let r =
        app.share(&owner, &to_directory, new_share("whole-directory", "ResourceDirectory", &[OWNER_DIRECTORY])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let outsider = app.sign_in("outsider").await;
    assert!(incoming(&app, &outsider).await.is_empty(), "the directory's share does not reach an invited account");
    let r = app.json(Some(&outsider), "restore_to_new_cluster", restore_request(&to_directory)).await;
    assert_eq!(r.refusal(), (404, "EntityNotExists.BackupSet"));

    let r = answer(&app, &outsider, &id, true).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["status"], json!("Accepted"));
    assert!(is_member(&app, OUTSIDER).await);
    let mine = my_directory(&app, &outsider).await;
    assert_eq!(mine["membership"]["directory_id"], json!(OWNER_DIRECTORY));
    assert_eq!(mine["membership"]["is_management"], json!(false));
    assert_eq!(incoming(&app, &outsider).await[0]["backup_set_id"], json!(to_directory), "a member now");
    assert_eq!(
        app.count(
            "select count(*) from audit_event where action = 'AcceptDirectoryInvitation' and outcome = 'Success'"
        )
        .await,
        1
    );

    let again = answer(&app, &outsider, &id, true).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "HandshakeStatus.AlreadyAccepted"));
}

#[tokio::test]
async fn a_rejected_invitation_leaves_the_account_outside() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    let outsider = app.sign_in("outsider").await;
    let r = answer(&app, &outsider, &id, false).await;
    assert_eq!((r.status, &r.json["status"]), (StatusCode::OK, &json!("Rejected")));
    assert!(!is_member(&app, OUTSIDER).await);
    let r = answer(&app, &outsider, &id, true).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "HandshakeStatus.AlreadyDeclined"));
    assert!(!is_member(&app, OUTSIDER).await, "the refusal changed nothing");
    // A rejected invitation does not stop a new one.
    invited(&app, OUTSIDER).await;
}

#[tokio::test]
async fn an_unanswered_invitation_expires_after_fourteen_days() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    app.clock.advance(Duration::days(14));
    let outsider = app.sign_in("outsider").await;
    assert_eq!(
        my_directory(&app, &outsider).await["invitations"][0]["status"],
        json!("Expired"),
        "expired before the sweep"
    );
    let r = answer(&app, &outsider, &id, true).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "HandshakeStatus.Expired"));
    assert!(!is_member(&app, OUTSIDER).await);
    assert_eq!(app.tick().await.expired_directory_invitations, 1);
    assert_eq!(app.count("select count(*) from rd_invitation where status = 'Expired'").await, 1);
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'ExpireDirectoryInvitation' and account_id = '{OWNER}'"
        ))
        .await,
        1
    );
    // The management account can invite again.
    invited(&app, OUTSIDER).await;
}

#[tokio::test]
async fn an_expired_invitation_that_was_not_swept_yet_does_not_block_a_new_one() {
    let app = TestApp::new().await;
    invited(&app, OUTSIDER).await;
    app.clock.advance(Duration::days(15));
    let second = invited(&app, OUTSIDER).await;
    assert_eq!(app.count("select count(*) from rd_invitation where status = 'Expired'").await, 1);
    let outsider = app.sign_in("outsider").await;
    assert_eq!(answer(&app, &outsider, &second, true).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_management_account_sees_and_cancels_a_pending_invitation() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    // Only the management account cancels; only the invited account answers.
    let member = app.sign_in("member").await;
    let r = app.form(Some(&member), "cancel_directory_invitation", &format!("invitation_id={id}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "NotManagementAccount"));
    let partner = app.sign_in("partner").await;
    let r = answer(&app, &partner, &id, true).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.Handshake"));
    let r = answer(&app, &partner, "h-<script>", true).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.HandshakeId"));

    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "cancel_directory_invitation", &format!("invitation_id={id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let view = app.form(Some(&owner), "resource_directory", "").await;
    assert_eq!(view.json["invitations"][0]["status"], json!("Cancelled"));
    let r = app.form(Some(&owner), "cancel_directory_invitation", &format!("invitation_id={id}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "HandshakeStatus.Cancelled"));

    let outsider = app.sign_in("outsider").await;
    let r = answer(&app, &outsider, &id, true).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "HandshakeStatus.Cancelled"));
    assert!(!is_member(&app, OUTSIDER).await);
}

#[tokio::test]
async fn invitations_follow_the_site_one_directory_and_one_pending_rules() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    assert_eq!(invite(&app, &owner, INTERNATIONAL).await.refusal(), (409, "InvalidTarget.SiteMismatch"));
    assert_eq!(invite(&app, &owner, MEMBER).await.refusal(), (409, "AccountAlreadyInResourceDirectory"));
    assert_eq!(invite(&app, &owner, OWNER).await.refusal(), (409, "AccountAlreadyInResourceDirectory"));
    assert_eq!(invite(&app, &owner, "1999999999999999").await.refusal(), (404, "EntityNotExists.Account"));
    assert_eq!(invite(&app, &owner, "12ab").await.refusal(), (422, "InvalidParameter.AccountId"));
    let r = app.form(Some(&owner), "add_member", &format!("account_id={OUTSIDER}&folder_id=fd-nowhere")).await;
    assert_eq!(r.refusal(), (404, "EntityNotExists.Folder"));
    assert_eq!(app.count("select count(*) from rd_invitation").await, 0, "refusals wrote nothing");
    invited(&app, OUTSIDER).await;
    let r = invite(&app, &owner, OUTSIDER).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "EntityAlreadyExists.Handshake"));
    assert_eq!(app.count("select count(*) from rd_invitation").await, 1);
    // A member of the directory cannot invite.
    let member = app.sign_in("member").await;
    assert_eq!(invite(&app, &member, PARTNER).await.refusal(), (403, "NotManagementAccount"));
}

#[tokio::test]
async fn an_account_that_joined_meanwhile_cannot_accept_a_second_directory() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    // Another directory, with the outsider already in it.
    app.exec(&format!(
        "insert into resource_directory (directory_id, management_account_id, root_folder_id) values ('rd-harbor01', '{PARTNER}', 'fd-harborroot');
         insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values ('fd-harborroot', 'rd-harbor01', null, 'Root');
         insert into rd_member (account_id, directory_id, folder_id) values ('{PARTNER}', 'rd-harbor01', 'fd-harborroot'), ('{OUTSIDER}', 'rd-harbor01', 'fd-harborroot')"
    ))
    .await;
    let outsider = app.sign_in("outsider").await;
    let r = answer(&app, &outsider, &id, true).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "AccountAlreadyInResourceDirectory"));
    assert_eq!(answer(&app, &outsider, &id, false).await.status, StatusCode::OK, "it can still reject");
}

#[tokio::test]
async fn the_demo_members_stay_members_and_only_a_member_can_leave() {
    let app = TestApp::new().await;
    for login in ["member", "qa"] {
        let cookie = app.sign_in(login).await;
        assert_eq!(my_directory(&app, &cookie).await["membership"]["directory_id"], json!(OWNER_DIRECTORY), "{login}");
    }
    let owner = app.sign_in("owner").await;
    assert_eq!(my_directory(&app, &owner).await["membership"]["is_management"], json!(true));
    let r = app.form(Some(&owner), "leave_directory", "").await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.ManagementAccount"));
    let outsider = app.sign_in("outsider").await;
    let r = app.form(Some(&outsider), "leave_directory", "").await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "AccountNotInResourceDirectory"));
    assert!(is_member(&app, OWNER).await);
}

#[tokio::test]
async fn a_member_that_leaves_loses_every_directory_scope_grant_through_the_scheduled_revocation() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 3).await;
    // One grant of each kind: the directory, the member's folder, and its own account id.
    for (set, (name, principal)) in
        sets.iter().zip([("via-directory", OWNER_DIRECTORY), ("via-folder", ANALYTICS_FOLDER), ("via-account", MEMBER)])
    {
        let r = app.share(&owner, set, new_share(name, "ResourceDirectory", &[principal])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    let member = app.sign_in("member").await;
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|b| b["restore_blocked"].is_null()), "{seen:?}");

    let r = app.form(Some(&member), "leave_directory", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert!(!is_member(&app, MEMBER).await);
    assert!(my_directory(&app, &member).await["membership"].is_null());

    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 3, "all three stay visible during the revocation window");
    for b in &seen {
        assert_eq!(b["revoking_at"], json!("2026-11-25T08:10:00Z"), "{b}");
        let r = app
            .json(Some(&member), "restore_to_new_cluster", restore_request(b["backup_set_id"].as_str().unwrap()))
            .await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.SharingRevoking"));
    }
    // The owner sees the account principal being revoked.
    let relation = app.form(Some(&owner), "sharing_relationship", &format!("backup_set_id={}", sets[2])).await;
    assert_eq!(relation.json["items"][0]["principals"][0]["status"], json!("Disassociating"), "{:?}", relation.json);

    app.clock.advance(Duration::minutes(9));
    app.tick().await;
    assert_eq!(incoming(&app, &member).await.len(), 3, "not before the delay");
    app.clock.advance(Duration::minutes(1));
    app.tick().await;
    let member = app.sign_in("member").await;
    assert!(incoming(&app, &member).await.is_empty(), "every grant is gone");
    assert_eq!(app.count(&format!("select count(*) from share_principal where principal_id = '{MEMBER}'")).await, 0);
    assert_eq!(
        app.count(&format!("select count(*) from membership_revocation where account_id = '{MEMBER}'")).await,
        0
    );
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'LeaveDirectory' and outcome = 'Success'").await,
        1
    );

    // Invited and accepted again, the directory and folder shares reach it again; the account principal
    // that was revoked does not come back by itself.
    let id = invited(&app, MEMBER).await;
    assert_eq!(answer(&app, &member, &id, true).await.status, StatusCode::OK);
    let back: Vec<Value> = incoming(&app, &member).await;
    assert_eq!(back.len(), 1, "the directory share (the member now sits in the root folder): {back:?}");
    assert_eq!(back[0]["backup_set_id"], json!(sets[0]));
}

#[tokio::test]
async fn a_member_removed_by_the_management_account_loses_its_account_principal_grant_too() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(
        app.share(&owner, &backup, new_share("qa-only", "ResourceDirectory", &[QA_MEMBER])).await.status,
        StatusCode::OK
    );
    let qa = app.sign_in("qa").await;
    assert!(incoming(&app, &qa).await[0]["restore_blocked"].is_null());

    let r = app.form(Some(&owner), "remove_member", &format!("account_id={QA_MEMBER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let seen = incoming(&app, &qa).await;
    assert_eq!(seen[0]["revoking_at"], json!("2026-11-25T08:10:00Z"));
    assert_eq!(
        app.json(Some(&qa), "restore_to_new_cluster", restore_request(&backup)).await.refusal(),
        (409, "OperationDenied.SharingRevoking")
    );
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let qa = app.sign_in("qa").await;
    assert!(incoming(&app, &qa).await.is_empty());
    let r = app.form(Some(&owner), "remove_member", &format!("account_id={QA_MEMBER}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.Member"));
}

#[tokio::test]
async fn an_account_principal_left_over_from_before_the_fix_reaches_no_one_outside_the_directory() {
    // A directory-scope account principal whose account is no longer a member (as a database made before
    // leaving revoked it could hold) gives nothing.
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(
        app.share(&owner, &backup, new_share("qa-only", "ResourceDirectory", &[QA_MEMBER])).await.status,
        StatusCode::OK
    );
    app.exec(&format!("delete from rd_member where account_id = '{QA_MEMBER}'")).await;
    let qa = app.sign_in("qa").await;
    assert!(incoming(&app, &qa).await.is_empty());
}

#[tokio::test]
async fn an_owner_that_leaves_the_directory_ends_its_directory_scope_shares_through_the_scheduled_revocation() {
    // The partner joins the directory and shares one of its own sets within it: with the directory,
    // with the member's folder and with the QA account by id.
    let app = TestApp::new().await;
    let partner = partner_joined_the_directory(&app).await;
    let sets = app.backups_of("pc-bp1harbor00001", 3).await;
    for (set, (name, principal)) in sets.iter().zip([
        ("via-directory", OWNER_DIRECTORY),
        ("via-folder", ANALYTICS_FOLDER),
        ("via-account", QA_MEMBER),
    ]) {
        let r = app.share(&partner, set, new_share(name, "ResourceDirectory", &[principal])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    let member = app.sign_in("member").await;
    let qa = app.sign_in("qa").await;
    assert_eq!(incoming(&app, &member).await.len(), 2, "the directory and folder shares");
    assert_eq!(incoming(&app, &qa).await.len(), 2, "the directory and account shares");

    // The owner leaves: sharing within the directory is no longer sharing within its own directory.
    let r = app.form(Some(&partner), "leave_directory", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    for (who, cookie) in [("member", &member), ("qa", &qa)] {
        let seen = incoming(&app, cookie).await;
        assert_eq!(seen.len(), 2, "{who}: still visible during the revocation window: {seen:?}");
        for b in &seen {
            assert_eq!(b["revoking_at"], json!("2026-11-25T08:10:00Z"), "{who}: {b}");
            let r = app
                .json(Some(cookie), "restore_to_new_cluster", restore_request(b["backup_set_id"].as_str().unwrap()))
                .await;
            assert_eq!(r.refusal(), (409, "OperationDenied.SharingRevoking"), "{who}");
        }
    }
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let member = app.sign_in("member").await;
    let qa = app.sign_in("qa").await;
    assert!(incoming(&app, &member).await.is_empty(), "the member's grants are gone");
    assert!(incoming(&app, &qa).await.is_empty(), "the QA account's grants are gone");
    assert_eq!(app.count("select count(*) from share_principal sp join resource_share rs using (resource_share_id) where rs.owner_account_id = '1000000000000002'").await, 0);
}

#[tokio::test]
async fn a_member_moved_out_of_a_folder_is_not_shown_a_set_added_to_the_folders_share_after_it_left() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 2).await;
    let r = app.share(&owner, &sets[0], new_share("analytics", "ResourceDirectory", &[ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    let moved = app.form(Some(&owner), "move_member", &format!("account_id={MEMBER}&folder_id={ROOT_FOLDER}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
    let r = app.share(&owner, &sets[1], existing_share(&share_id, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let member = app.sign_in("member").await;
    let seen = incoming(&app, &member).await;
    let ids: Vec<&str> = seen.iter().map(|b| b["backup_set_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [sets[0].as_str()], "only the set the folder gave it, being revoked: {seen:?}");
    assert_eq!(seen[0]["revoking_at"], json!("2026-11-25T08:10:00Z"));

    // Moved back into the folder, it holds both sets again.
    let moved =
        app.form(Some(&owner), "move_member", &format!("account_id={MEMBER}&folder_id={ANALYTICS_FOLDER}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|b| b["revoking_at"].is_null()), "{seen:?}");
    assert_eq!(app.count("select count(*) from late_resource").await, 0);
}

#[tokio::test]
async fn a_directory_scope_share_opened_after_its_owner_left_the_directory_gives_its_members_only_the_rest_of_their_window(
) {
    let app = TestApp::new().await;
    let partner = partner_joined_the_directory(&app).await;
    let set = app.backup_of("pc-bp1harbor00001").await;
    let r = app.share(&partner, &set, new_share("inside", "ResourceDirectory", &[QA_MEMBER, ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    let member = app.sign_in("member").await;
    let qa = app.sign_in("qa").await;
    assert_eq!(app.form(Some(&partner), "leave_directory", "").await.status, StatusCode::OK);
    // Outside the directory the owner opens the share to every account: that opens nothing to those the
    // directory gave it, whose access is being revoked.
    let body = format!("resource_share_id={share_id}&resource_share_name=inside&principal_scope=AllAccounts");
    let r = app.form(Some(&partner), "update_resource_share", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    for (who, cookie) in [("member", &member), ("qa", &qa)] {
        let seen = incoming(&app, cookie).await;
        assert_eq!(seen.len(), 1, "{who} keeps the rest of its window: {seen:?}");
        assert_eq!(seen[0]["revoking_at"], json!("2026-11-25T08:10:00Z"), "{who}");
        let r = app.json(Some(cookie), "restore_to_new_cluster", restore_request(&set)).await;
        assert_eq!(r.refusal(), (409, "OperationDenied.SharingRevoking"), "{who}");
    }
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let member = app.sign_in("member").await;
    let qa = app.sign_in("qa").await;
    assert!(
        incoming(&app, &member).await.is_empty() && incoming(&app, &qa).await.is_empty(),
        "nothing is left after the window"
    );
}

#[tokio::test]
async fn a_ram_user_that_may_not_answer_directory_invitations_learns_nothing_of_them() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    let outsider = app.sign_in("outsider").await;
    let made =
        app.form(Some(&outsider), "create_ram_user", &format!("login_name=clerk@orbit&password={DEMO_PASSWORD}")).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let clerk = app.sign_in("clerk@orbit").await;
    // Its account's invitation and an id that names none answer alike.
    for invitation in [id.as_str(), "h-nothere00000"] {
        for accept in [true, false] {
            assert_eq!(
                answer(&app, &clerk, invitation, accept).await.refusal(),
                (403, "Forbidden.RAM"),
                "{invitation} {accept}"
            );
        }
    }
    assert!(!is_member(&app, OUTSIDER).await);
    assert_eq!(my_directory(&app, &outsider).await["invitations"][0]["status"], json!("Pending"));
}

/// Listing directory invitations takes exactly what answering them takes (AliyunResourceCenterFullAccess
/// of the invited account): a RAM user that may answer one sees it on the Resource directory page first.
#[tokio::test]
async fn a_ram_user_that_may_answer_directory_invitations_may_list_them() {
    let app = TestApp::new().await;
    let id = invited(&app, OUTSIDER).await;
    let outsider = app.sign_in("outsider").await;
    let made = app
        .form(Some(&outsider), "create_ram_user", &format!("login_name=steward@orbit&password={DEMO_PASSWORD}"))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let policy = "login_name=steward@orbit&policy=AliyunResourceCenterFullAccess&attached=true";
    assert_eq!(app.form(Some(&outsider), "set_ram_policy", policy).await.status, StatusCode::OK);
    let steward = app.sign_in("steward@orbit").await;
    assert_eq!(my_directory(&app, &steward).await["invitations"][0]["invitation_id"], json!(id));
    let page = app.form(Some(&steward), "directory_page", "").await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.json);
    assert_eq!(page.json["Member"]["invitations"][0]["invitation_id"], json!(id));
    let viewer = app.form(Some(&steward), "current_viewer", "").await.json.to_string();
    assert!(viewer.contains("ResourceDirectory"), "the navigation offers the page: {viewer}");
    assert_eq!(answer(&app, &steward, &id, true).await.status, StatusCode::OK);
    assert!(is_member(&app, OUTSIDER).await);
    // Without the policy it is refused as answering is, with the same code.
    let detach = "login_name=steward@orbit&policy=AliyunResourceCenterFullAccess&attached=false";
    assert_eq!(app.form(Some(&outsider), "set_ram_policy", detach).await.status, StatusCode::OK);
    for name in ["my_directory", "directory_page"] {
        assert_eq!(app.form(Some(&steward), name, "").await.refusal(), (403, "Forbidden.RAM"), "{name}");
    }
    assert_eq!(answer(&app, &steward, &id, false).await.refusal(), (403, "Forbidden.RAM"));
}

/// A RAM user of the management account may read its account's membership, not manage the directory
/// (that is the root's): its page is the member's view, without the management account's folders.
#[tokio::test]
async fn a_ram_user_of_the_management_account_reads_the_membership_not_the_managed_directory() {
    let app = TestApp::new().await;
    invited(&app, OUTSIDER).await;
    let dba = app.sign_in("dba@lumen").await;
    let page = app.form(Some(&dba), "directory_page", "").await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.json);
    assert_eq!(page.json["Member"]["membership"]["is_management"], json!(true));
    assert!(!page.json.to_string().contains(ANALYTICS_FOLDER), "{}", page.json);
    assert_eq!(app.form(Some(&dba), "resource_directory", "").await.refusal(), (403, "NotManagementAccount"));
}

#[tokio::test]
async fn an_owner_leaving_the_directory_while_a_member_restores_one_of_its_sets_queues_that_shares_revocation_behind_the_restore(
) {
    // The partner joins the directory and shares two of its sets within it: one with the member's
    // folder, one with the QA account by id. The member starts restoring the folder's set.
    let app = TestApp::new().await;
    let partner = partner_joined_the_directory(&app).await;
    let sets = app.backups_of("pc-bp1harbor00001", 2).await;
    let mut shares = Vec::new();
    for (set, (name, principal)) in sets.iter().zip([("restored-from", ANALYTICS_FOLDER), ("idle", QA_MEMBER)]) {
        let r = app.share(&partner, set, new_share(name, "ResourceDirectory", &[principal])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        shares.push(r.json["resource_share_id"].as_str().unwrap().to_owned());
    }
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&sets[0])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    // The owner leaves: the share being restored from waits for the restore, as an owner's removal of
    // its principals would; the other starts its revocation at once.
    let r = app.form(Some(&partner), "leave_directory", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let waiting = |share: &str| {
        format!("select count(*) from share_principal where resource_share_id = '{share}' and status = 'Disassociating' and revoke_at is null")
    };
    assert_eq!(app.count(&waiting(&shares[0])).await, 1, "the restored share's revocation waits for the restore");
    assert_eq!(app.count(&waiting(&shares[1])).await, 0);
    let seen = incoming(&app, &member).await;
    assert_eq!((&seen[0]["revoking_after_restore"], &seen[0]["revoking_at"]), (&json!(true), &json!(null)), "{seen:?}");
    let qa = app.sign_in("qa").await;
    assert_eq!(incoming(&app, &qa).await[0]["revoking_at"], json!("2026-11-25T08:10:00Z"));
    assert_eq!(app.tick().await.applied_queued_removals, 0, "not while the restore runs");

    // The tick that ends the restore starts the revocation.
    app.clock.advance(Duration::seconds(31));
    let tick = app.tick().await;
    assert_eq!((tick.finished_restores, tick.applied_queued_removals), (1, 1), "{tick:?}");
    let member = app.sign_in("member").await;
    assert_eq!(incoming(&app, &member).await[0]["revoking_at"], json!("2026-11-25T08:10:31Z"));
}

#[tokio::test]
async fn a_member_removed_from_the_directory_while_it_restores_keeps_the_set_until_the_restore_ends() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &set, new_share("qa-by-id", "ResourceDirectory", &[QA_MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let qa = app.sign_in("qa").await;
    assert_eq!(app.json(Some(&qa), "restore_to_new_cluster", restore_request(&set)).await.status, StatusCode::OK);
    let r = app.form(Some(&owner), "remove_member", &format!("account_id={QA_MEMBER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        app.count(&format!(
            "select count(*) from share_principal where principal_id = '{QA_MEMBER}' and revoke_at is null"
        ))
        .await,
        1
    );
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.tick().await.applied_queued_removals, 1);
    assert_eq!(incoming(&app, &qa).await[0]["revoking_at"], json!("2026-11-25T08:10:31Z"));
}

/// What `login` is shown of its invitations in cn-hangzhou: (share name, status, backup sets).
async fn invitation_rows(app: &TestApp, cookie: &str) -> Vec<(Value, Value, Value)> {
    let r = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["resource_share_name"].clone(), i["status"].clone(), i["resources"].clone()))
        .collect()
}

#[tokio::test]
async fn a_member_whose_directory_acceptance_ended_by_leaving_is_shown_nothing_the_share_holds_after() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 2).await;
    let r = app.share(&owner, &sets[0], new_share("lab", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    // Opened to every account, the directory accepts for the member; closed again, it stays a member's.
    for scope in ["AllAccounts", "ResourceDirectory"] {
        let r = app
            .form(
                Some(&owner),
                "update_resource_share",
                &format!("resource_share_id={share_id}&resource_share_name=lab&principal_scope={scope}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{scope}: {:?}", r.json);
    }
    let member = app.sign_in("member").await;
    assert_eq!(invitation_rows(&app, &member).await, vec![(json!("lab"), json!("Accepted"), json!([sets[0]]))]);

    // The member leaves the directory: the share's grant is revoked on schedule, and with it the
    // acceptance the directory made for it.
    assert_eq!(app.form(Some(&member), "leave_directory", "").await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    // The owner shares a second set in the same share, and renames it, for its members.
    let r = app.share(&owner, &sets[1], existing_share(&share_id, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app
        .form(
            Some(&owner),
            "update_resource_share",
            &format!("resource_share_id={share_id}&resource_share_name=lab-q4&principal_scope=ResourceDirectory"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let member = app.sign_in("member").await;
    let rows = invitation_rows(&app, &member).await;
    assert!(
        rows.iter().all(|(name, status, sets)| name == "lab" && status != "Accepted" && sets == &json!([])),
        "{rows:?}"
    );
    let incoming = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(incoming.json["total"], json!(0), "{:?}", incoming.json);
    let key = crate::openapi::create_key(&app, &member, "member").await;
    let received = crate::openapi::acs3(
        &app,
        &key,
        "ListResourceShares",
        crate::openapi::RS,
        &[("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(received.json["ResourceShares"], json!([]), "{:?}", received.json);
}

/// (status, backup sets) of each invitation `cookie`'s account is shown in cn-beijing.
async fn beijing_invitations(app: &TestApp, cookie: &str) -> Vec<(Value, Value)> {
    let r = app.form(Some(cookie), "list_invitations", "region_id=cn-beijing").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["invitations"].as_array().unwrap().iter().map(|i| (i["status"].clone(), i["resources"].clone())).collect()
}

#[tokio::test]
async fn an_owner_removed_from_the_directory_ends_the_acceptances_the_directory_made_for_its_members() {
    let app = TestApp::new().await;
    // The member owns a cluster of its own (the demo's Beijing one, handed over).
    let cluster = "pc-2zeanalytics01";
    app.exec(&format!("update cluster set account_id = '{MEMBER}' where cluster_id = '{cluster}'")).await;
    app.exec(&format!("update backup_set set account_id = '{MEMBER}' where cluster_id = '{cluster}'")).await;
    let set: String = sqlx::query_scalar("select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and expires_at > '2026-12-01' order by backup_set_id limit 1")
        .bind(cluster)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let member = app.sign_in("member").await;
    let r = app.share(&member, &set, new_share("bj-lab", "ResourceDirectory", &[QA_MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    for scope in ["AllAccounts", "ResourceDirectory"] {
        let r = app
            .form(
                Some(&member),
                "update_resource_share",
                &format!("resource_share_id={share_id}&resource_share_name=bj-lab&principal_scope={scope}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{scope}: {:?}", r.json);
    }
    let qa = app.sign_in("qa").await;
    assert_eq!(beijing_invitations(&app, &qa).await, vec![(json!("Accepted"), json!([set]))]);

    // The management account removes the member that owns the share: its principals are revoked, and
    // the acceptance the directory made for qa ends with its grant.
    let owner = app.sign_in("owner").await;
    assert_eq!(app.form(Some(&owner), "remove_member", &format!("account_id={MEMBER}")).await.status, StatusCode::OK);
    assert_eq!(beijing_invitations(&app, &qa).await, vec![(json!("Disassociating"), json!([]))]);
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let qa = app.sign_in("qa").await;
    assert_eq!(beijing_invitations(&app, &qa).await, vec![(json!("Disassociated"), json!([]))]);
    let key = crate::openapi::create_key(&app, &qa, "qa").await;
    let received = crate::openapi::acs3(
        &app,
        &key,
        "ListResourceShares",
        crate::openapi::RS,
        &[("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(received.json["ResourceShares"], json!([]), "{:?}", received.json);
}

/// The cluster a restore from `set` made, and the restore's status.
async fn restore_outcome(app: &TestApp, set: &str) -> (String, String) {
    sqlx::query_as("select c.status, j.status from restore_job j join cluster c on c.cluster_id = j.cluster_id where j.backup_set_id = ?")
        .bind(set)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_member_moved_out_of_a_folder_while_it_restores_from_the_folders_share_keeps_the_set_until_the_restore_ends()
{
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &set, new_share("analytics", "ResourceDirectory", &[ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&set)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    // Moved out of the folder during the restore: the folder's grant waits for the restore, as an
    // owner's removal of an account principal would.
    let moved = app.form(Some(&owner), "move_member", &format!("account_id={MEMBER}&folder_id={ROOT_FOLDER}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
    let waiting =
        format!("select count(*) from membership_revocation where account_id = '{MEMBER}' and revoke_at is null");
    assert_eq!(app.count(&waiting).await, 1, "the folder's revocation waits for the restore");
    let seen = incoming(&app, &member).await;
    assert_eq!((&seen[0]["revoking_after_restore"], &seen[0]["revoking_at"]), (&json!(true), &json!(null)), "{seen:?}");
    assert_eq!(app.tick().await.applied_queued_removals, 0, "not while the restore runs");
    app.clock.advance(Duration::minutes(20));
    assert_eq!(incoming(&app, &member).await.len(), 1, "a queued revocation has no time to come due");

    // The tick that ends the restore starts the revocation; the restore itself was not cut.
    let tick = app.tick().await;
    assert_eq!((tick.finished_restores, tick.applied_queued_removals, tick.revoked), (1, 1, 0), "{tick:?}");
    assert_eq!(restore_outcome(&app, &set).await, ("Running".to_owned(), "Succeeded".to_owned()));
    assert_eq!(app.count(&waiting).await, 0);
    assert_eq!(incoming(&app, &member).await[0]["revoking_at"], json!("2026-11-25T08:30:00Z"));
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.tick().await.revoked, 1);
    assert!(incoming(&app, &member).await.is_empty());
}

#[tokio::test]
async fn a_member_removed_from_the_directory_while_it_restores_from_a_directory_principals_share_keeps_the_set_until_the_restore_ends(
) {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 2).await;
    let r = app.share(&owner, &sets[0], new_share("whole-directory", "ResourceDirectory", &[OWNER_DIRECTORY])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // A second share nobody restores from: its revocation starts at once.
    let r = app.share(&owner, &sets[1], new_share("qa-folder", "ResourceDirectory", &[QA_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let qa = app.sign_in("qa").await;
    assert_eq!(incoming(&app, &qa).await.len(), 2);
    let r = app.json(Some(&qa), "restore_to_new_cluster", restore_request(&sets[0])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let r = app.form(Some(&owner), "remove_member", &format!("account_id={QA_MEMBER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let revocations: Vec<(String, Option<String>)> =
        sqlx::query_as("select rs.resource_share_name, mr.revoke_at from membership_revocation mr join resource_share rs using (resource_share_id) order by 1")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        revocations,
        [("qa-folder".to_owned(), Some("2026-11-25T08:10:00Z".to_owned())), ("whole-directory".to_owned(), None)],
        "only the share being restored from waits"
    );
    // Another member the directory still reaches may not start a restore that would hold the queued
    // revocation back for ever; it is told to retry later (not why: the restore is another account's),
    // and nothing starts.
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&sets[0])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.SharingChanging"), "{:?}", r.json);
    assert_eq!(app.count("select count(*) from restore_job").await, 1);
    app.clock.advance(Duration::seconds(31));
    let tick = app.tick().await;
    assert_eq!((tick.finished_restores, tick.applied_queued_removals), (1, 1), "{tick:?}");
    assert_eq!(restore_outcome(&app, &sets[0]).await, ("Running".to_owned(), "Succeeded".to_owned()));
    let seen = incoming(&app, &qa).await;
    assert!(
        seen.iter()
            .all(|b| b["revoking_at"] == json!("2026-11-25T08:10:31Z")
                || b["revoking_at"] == json!("2026-11-25T08:10:00Z")),
        "{seen:?}"
    );
    assert_eq!(
        app.count("select count(*) from membership_revocation where revoke_at = '2026-11-25T08:10:31Z'").await,
        1,
        "the restored share's revocation starts when the restore ends"
    );
}

#[tokio::test]
async fn an_owner_removing_a_folder_principal_while_a_member_restores_through_it_queues_the_removal_behind_the_restore()
{
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &set, new_share("analytics", "ResourceDirectory", &[ANALYTICS_FOLDER, QA_MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    let member = app.sign_in("member").await;
    assert_eq!(app.json(Some(&member), "restore_to_new_cluster", restore_request(&set)).await.status, StatusCode::OK);

    // The folder leaves the share while the member restores through it: the same queue as an account's.
    let r = app.share(&owner, &set, existing_share(&share_id, Some(&[QA_MEMBER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let queued = format!("select count(*) from share_principal where principal_id = '{ANALYTICS_FOLDER}' and status = 'Disassociating' and revoke_at is null");
    assert_eq!(app.count(&queued).await, 1);
    let seen = incoming(&app, &member).await;
    assert_eq!((&seen[0]["revoking_after_restore"], &seen[0]["revoking_at"]), (&json!(true), &json!(null)), "{seen:?}");
    assert_eq!(app.tick().await.applied_queued_removals, 0);

    app.clock.advance(Duration::seconds(31));
    let tick = app.tick().await;
    assert_eq!((tick.finished_restores, tick.applied_queued_removals), (1, 1), "{tick:?}");
    assert_eq!(
        restore_outcome(&app, &set).await,
        ("Running".to_owned(), "Succeeded".to_owned()),
        "the restore was not cut"
    );
    assert_eq!(incoming(&app, &member).await[0]["revoking_at"], json!("2026-11-25T08:10:31Z"));
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.tick().await.revoked, 1);
    assert!(incoming(&app, &member).await.is_empty());
}

/// Resource Directory holds at most five levels of folders under the Root folder. Folders nested
/// without limit: a sixth level was created (200). Now the sixth is refused with its code and nothing
/// is written; five levels stay possible.
#[tokio::test]
async fn folders_nest_at_most_five_levels_under_the_root_folder() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let mut parent = ROOT_FOLDER.to_owned();
    for level in 1..=5 {
        let name = format!("Level{level}");
        let r = app.form(Some(&owner), "create_folder", &format!("folder_name={name}&parent_folder_id={parent}")).await;
        assert_eq!(r.status, StatusCode::OK, "level {level}: {:?}", r.json);
        parent = sqlx::query_scalar("select folder_id from rd_folder where folder_name = ?")
            .bind(&name)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    }
    let before = app.count("select count(*) from rd_folder").await;
    let r = app.form(Some(&owner), "create_folder", &format!("folder_name=Level6&parent_folder_id={parent}")).await;
    assert_eq!(r.refusal(), (409, "LimitExceeded.FolderDepth"), "{:?}", r.json);
    assert!(r.json["message"].as_str().unwrap().contains("five levels"), "{:?}", r.json);
    assert_eq!(app.count("select count(*) from rd_folder").await, before, "a refused folder is not created");
    // Beside the deepest level, and under any shallower folder, creating still works.
    let r =
        app.form(Some(&owner), "create_folder", &format!("folder_name=Wide&parent_folder_id={ANALYTICS_FOLDER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

/// The owner's share by API, within its directory, of `sets` with `targets`: its id.
async fn directory_share(
    app: &TestApp,
    key: &crate::openapi::Key,
    name: &str,
    sets: &[String],
    targets: &[&str],
) -> String {
    let mut params = vec![("ResourceShareName".to_owned(), name.to_owned())];
    params.extend(sets.iter().enumerate().map(|(i, s)| (format!("Resources.{}.ResourceId", i + 1), s.clone())));
    params.extend(targets.iter().enumerate().map(|(i, t)| (format!("Targets.{}", i + 1), (*t).to_owned())));
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = crate::openapi::acs3(app, key, "CreateResourceShare", crate::openapi::RS, &params).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned()
}

/// Takes `entity` (a backup set, or with `Targets.1` a principal) out of the owner's share by API.
async fn take_out(app: &TestApp, key: &crate::openapi::Key, share_id: &str, param: &str, entity: &str) {
    let r = crate::openapi::acs3(
        app,
        key,
        "DisassociateResourceShare",
        crate::openapi::RS,
        &[("ResourceShareId", share_id), (param, entity)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

/// The backup set ids Shared With Me lists, each with whether it is being revoked.
async fn seen(app: &TestApp, cookie: &str) -> Vec<(String, bool)> {
    let mut seen: Vec<(String, bool)> = incoming(app, cookie)
        .await
        .iter()
        .map(|b| (b["backup_set_id"].as_str().unwrap().to_owned(), !b["revoking_at"].is_null()))
        .collect();
    seen.sort();
    seen
}

#[tokio::test]
async fn a_member_moved_into_a_folder_is_never_shown_what_the_folders_shares_were_already_revoking() {
    // The analytics folder holds two shares: one whose first set is being taken out, one the folder
    // itself is being removed from. The member there held all three sets; the QA account, moved into
    // the folder during those removals, held none of what is on its way out and must not be shown it.
    let app = TestApp::new().await;
    let (owner, key) = crate::openapi::owner_key(&app).await;
    let sets = shareable_sets(&app, 3).await;
    let kept = directory_share(&app, &key, "analytics", &sets[..2], &[ANALYTICS_FOLDER]).await;
    let ending = directory_share(&app, &key, "analytics-ending", &sets[2..], &[ANALYTICS_FOLDER]).await;
    take_out(&app, &key, &kept, "Resources.1.ResourceId", &sets[0]).await;
    take_out(&app, &key, &ending, "Targets.1", ANALYTICS_FOLDER).await;
    let moved =
        app.form(Some(&owner), "move_member", &format!("account_id={QA_MEMBER}&folder_id={ANALYTICS_FOLDER}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);

    let member = app.sign_in("member").await;
    let qa = app.sign_in("qa").await;
    assert_eq!(seen(&app, &member).await, [(sets[0].clone(), true), (sets[1].clone(), false), (sets[2].clone(), true)]);
    assert_eq!(seen(&app, &qa).await, [(sets[1].clone(), false)], "only what the folder still shares");
    // Moved out again, it keeps, being revoked, only what it held; moved back, only what the folder shares.
    for (folder, held) in [(QA_FOLDER, true), (ANALYTICS_FOLDER, false)] {
        let moved = app.form(Some(&owner), "move_member", &format!("account_id={QA_MEMBER}&folder_id={folder}")).await;
        assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
        assert_eq!(seen(&app, &qa).await, [(sets[1].clone(), held)], "in {folder}");
    }

    // The owner puts the set back in the share: it is shared with everyone in the folder again.
    let back = crate::openapi::acs3(
        &app,
        &key,
        "AssociateResourceShare",
        crate::openapi::RS,
        &[("ResourceShareId", &kept), ("Resources.1.ResourceId", &sets[0])],
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.json);
    assert_eq!(seen(&app, &qa).await, [(sets[0].clone(), false), (sets[1].clone(), false)]);
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let qa = app.sign_in("qa").await;
    assert_eq!(seen(&app, &qa).await, [(sets[0].clone(), false), (sets[1].clone(), false)]);
}

#[tokio::test]
async fn an_account_joining_the_directory_is_never_shown_what_the_directorys_shares_were_already_revoking() {
    let app = TestApp::new().await;
    let (_, key) = crate::openapi::owner_key(&app).await;
    let sets = shareable_sets(&app, 2).await;
    let share = directory_share(&app, &key, "everyone", &sets, &[OWNER_DIRECTORY]).await;
    let id = invited(&app, OUTSIDER).await;
    take_out(&app, &key, &share, "Resources.1.ResourceId", &sets[0]).await;
    let outsider = app.sign_in("outsider").await;
    assert_eq!(answer(&app, &outsider, &id, true).await.status, StatusCode::OK);

    assert_eq!(
        seen(&app, &outsider).await,
        [(sets[1].clone(), false)],
        "the set on its way out was never shared with it"
    );
    let member = app.sign_in("member").await;
    assert_eq!(
        seen(&app, &member).await,
        [(sets[0].clone(), true), (sets[1].clone(), false)],
        "a member that held it keeps its window"
    );
}

#[tokio::test]
async fn a_pending_invitation_ends_with_the_principal_its_account_loses_by_leaving_the_directory() {
    // The owner invites the outsider while the share is open to every account; the outsider joins the
    // directory, then the owner closes the share to it: the outsider, inside, holds it directly, its
    // invitation still pending. Leaving the directory revokes that principal; the invitation must end
    // with it, as an owner's removal cancels one.
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let share_id =
        invited_outsider_joined_then_closed_to_directory(&app, &owner, &app.backup_of(SHAREABLE_CLUSTER).await).await;
    let qa = app.sign_in("outsider").await;
    assert_eq!(app.form(Some(&qa), "leave_directory", "").await.status, StatusCode::OK);

    assert_cancelled(&app, &qa, &share_id).await;
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let qa = app.sign_in("outsider").await;
    assert!(incoming(&app, &qa).await.is_empty());
}

#[tokio::test]
async fn a_share_closed_to_the_directory_does_not_show_an_invitee_that_never_accepted_a_set_already_on_its_way_out() {
    // The outsider is invited to a share open to every account, joins the directory and does not answer.
    // The owner takes one of the two sets out, then closes the share to its directory: the outsider,
    // inside, now holds the share directly, as it is: the set on its way out was never shared with it.
    let app = TestApp::new().await;
    let (owner, key) = crate::openapi::owner_key(&app).await;
    let sets = shareable_sets(&app, 2).await;
    let r = app.share(&owner, &sets[0], new_share("open", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    joined_the_directory(&app, OUTSIDER, "outsider").await;
    assert_eq!(app.share(&owner, &sets[1], existing_share(&share_id, None)).await.status, StatusCode::OK);
    take_out(&app, &key, &share_id, "Resources.1.ResourceId", &sets[0]).await;
    let body = format!("resource_share_id={share_id}&resource_share_name=open&principal_scope=ResourceDirectory");
    let closed = app.form(Some(&owner), "update_resource_share", &body).await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.json);

    let outsider = app.sign_in("outsider").await;
    assert_eq!(seen(&app, &outsider).await, [(sets[1].clone(), false)]);
}

#[tokio::test]
async fn an_invitee_removed_before_it_accepted_is_shown_nothing_when_the_share_is_closed_to_the_directory() {
    // The partner (outside the directory) and the outsider (which joins it afterwards) are invited and
    // never accept; the owner takes both out, then closes the share to its directory. Neither ever held
    // the share: its revocation window gives them nothing to see.
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &set, new_share("open", "AllAccounts", &[PARTNER, OUTSIDER, MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    joined_the_directory(&app, OUTSIDER, "outsider").await;
    let removed = app.share(&owner, &set, existing_share(&share_id, Some(&[MEMBER]))).await;
    assert_eq!(removed.json["revoking"], json!([PARTNER, OUTSIDER]), "{:?}", removed.json);
    let body = format!("resource_share_id={share_id}&resource_share_name=open&principal_scope=ResourceDirectory");
    let closed = app.form(Some(&owner), "update_resource_share", &body).await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.json);

    for login in ["partner", "outsider"] {
        let cookie = app.sign_in(login).await;
        assert!(seen(&app, &cookie).await.is_empty(), "{login} never held the share");
    }
    let member = app.sign_in("member").await;
    assert_eq!(seen(&app, &member).await, [(set.clone(), false)], "the member left in it holds it directly now");
}

#[tokio::test]
async fn a_pending_invitation_ends_with_the_principals_its_owner_loses_by_leaving_the_directory() {
    // The same, from the owner's side: the partner joins the directory, invites the QA member to a share
    // open to every account, closes it to the directory, then leaves it.
    let app = TestApp::new().await;
    let partner = partner_joined_the_directory(&app).await;
    let share_id =
        invited_outsider_joined_then_closed_to_directory(&app, &partner, &app.backup_of("pc-bp1harbor00001").await)
            .await;
    assert_eq!(app.form(Some(&partner), "leave_directory", "").await.status, StatusCode::OK);

    assert_cancelled(&app, &app.sign_in("outsider").await, &share_id).await;
}

/// The signed-in owner shares `set` with the outsider in a share open to every account (it is invited
/// and does not answer); the outsider joins the owner's directory, which accepts nothing already sent
/// (who must accept is decided when a principal is added); then the owner closes the share to its
/// directory. Returns the share's id.
async fn invited_outsider_joined_then_closed_to_directory(app: &TestApp, owner: &str, set: &str) -> String {
    let r = app.share(owner, set, new_share("open-then-closed", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    joined_the_directory(app, OUTSIDER, "outsider").await;
    assert_eq!(
        invitation_states(app, &share_id).await,
        vec![pair(OUTSIDER, "Pending")],
        "joining accepted the invitation"
    );
    let body =
        format!("resource_share_id={share_id}&resource_share_name=open-then-closed&principal_scope=ResourceDirectory");
    let closed = app.form(Some(owner), "update_resource_share", &body).await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.json);
    share_id
}

/// The invitation to `share_id` the signed-in account received is listed as cancelled and can't be accepted.
async fn assert_cancelled(app: &TestApp, cookie: &str, share_id: &str) {
    let listed = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
    let invitation = listed.json["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["resource_share_id"] == json!(share_id))
        .cloned()
        .expect("listed");
    assert_eq!(invitation["status"], json!("Cancelled"), "{invitation}");
    let id = invitation["invitation_id"].as_str().unwrap();
    let accepted = app.form(Some(cookie), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!(accepted.refusal(), (409, "InvitationStatus.Cancelled"));
}

/// Everything a directory is made of, as rows: what a refused directory change must leave as it was.
pub(crate) async fn directory_rows(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "select 'member', account_id || ':' || directory_id || ':' || folder_id from rd_member
         union all select 'folder', folder_id || ':' || directory_id || ':' || ifnull(parent_folder_id, '') || ':' || folder_name from rd_folder
         union all select 'invitation', rd_invitation_id || ':' || directory_id || ':' || account_id || ':' || status from rd_invitation
         order by 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_management_account_reaches_nothing_of_another_directory_and_the_other_directorys_manager_cannot_join_its() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // The outsider was invited before it made a directory of its own (which it manages, so is a member of).
    let invitation = invited(&app, OUTSIDER).await;
    app.exec(&format!(
        "insert into resource_directory (directory_id, management_account_id, root_folder_id) values ('rd-orbit0001', '{OUTSIDER}', 'fd-orbitroot');
         insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values ('fd-orbitroot', 'rd-orbit0001', null, 'Root');
         insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values ('fd-orbitfleet', 'rd-orbit0001', 'fd-orbitroot', 'Fleet');
         insert into rd_member (account_id, directory_id, folder_id) values ('{OUTSIDER}', 'rd-orbit0001', 'fd-orbitroot');
         insert into rd_invitation (rd_invitation_id, directory_id, account_id, folder_id, status, created_at, expires_at, updated_at)
             values ('h-orbitpartner1', 'rd-orbit0001', '{PARTNER}', 'fd-orbitfleet', 'Pending', '2026-11-25T08:00:00Z', '2026-12-09T08:00:00Z', '2026-11-25T08:00:00Z');"
    ))
    .await;
    let before = directory_rows(&app).await;

    // The owner names the other directory's folders, members and invitations: none is its directory's.
    let refused = [
        ("create_folder", "folder_name=Inside&parent_folder_id=fd-orbitfleet".to_owned(), "EntityNotExists.Folder"),
        ("add_member", format!("account_id={QA_MEMBER}&folder_id=fd-orbitfleet"), "EntityNotExists.Folder"),
        ("move_member", format!("account_id={QA_MEMBER}&folder_id=fd-orbitfleet"), "EntityNotExists.Folder"),
        ("move_member", format!("account_id={OUTSIDER}&folder_id={QA_FOLDER}"), "EntityNotExists.Member"),
        ("remove_member", format!("account_id={OUTSIDER}"), "EntityNotExists.Member"),
        ("cancel_directory_invitation", "invitation_id=h-orbitpartner1".to_owned(), "EntityNotExists.Handshake"),
        ("add_member", format!("account_id={OUTSIDER}&folder_id={QA_FOLDER}"), "AccountAlreadyInResourceDirectory"),
    ];
    for (function, body, code) in &refused {
        let r = app.form(Some(&owner), function, body).await;
        assert_eq!(r.code(), *code, "{function} {body}: {:?}", r.json);
    }
    // The other directory's manager can't answer its way into the owner's directory.
    let outsider = app.sign_in("outsider").await;
    let r = answer(&app, &outsider, &invitation, true).await;
    assert_eq!(r.refusal().0, 409, "{:?}", r.json);
    assert_eq!(directory_rows(&app).await, before, "nothing changed");
    let directory = app.form(Some(&owner), "resource_directory", "").await;
    assert!(
        !directory.json.to_string().contains("orbit"),
        "the owner's directory page shows none of the other's: {:?}",
        directory.json
    );
}

/// Each share's invitations as (receiver, status).
async fn invitation_states(app: &TestApp, share_id: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "select receiver_account_id, status from invitation where resource_share_id = ? order by receiver_account_id",
    )
    .bind(share_id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn pair(account: &str, status: &str) -> (String, String) {
    (account.to_owned(), status.to_owned())
}

/// One rule for who must accept (`must_accept_invitation`): an account outside the owner's directory.
/// A member named by its account id in a share open to all accounts is accepted by the directory at
/// once, whether the share is made in the console or by CreateResourceShare, or the member is added by
/// AssociateResourceShare.
#[tokio::test]
async fn a_directory_member_named_in_a_share_open_to_all_accounts_is_accepted_by_the_directory_on_every_path() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let (_, key) = crate::openapi::owner_key(&app).await;
    let sets = shareable_sets(&app, 2).await;

    let r = app.share(&owner, &sets[0], new_share("console-open", "AllAccounts", &[MEMBER, OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let console_share = r.json["resource_share_id"].as_str().unwrap().to_owned();
    assert_eq!(
        invitation_states(&app, &console_share).await,
        vec![pair(MEMBER, "Accepted"), pair(OUTSIDER, "Pending")]
    );
    let member = app.sign_in("member").await;
    assert_eq!(incoming(&app, &member).await.len(), 1, "the member holds the set without answering anything");

    let r = crate::openapi::acs3(
        &app,
        &key,
        "AssociateResourceShare",
        crate::openapi::RS,
        &[("ResourceShareId", &console_share), ("Targets.1", QA_MEMBER)],
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.json);
    assert_eq!(
        invitation_states(&app, &console_share).await,
        vec![pair(MEMBER, "Accepted"), pair(QA_MEMBER, "Accepted"), pair(OUTSIDER, "Pending")]
    );

    let params = [
        ("ResourceShareName", "api-open"),
        ("Resources.1.ResourceId", sets[1].as_str()),
        ("Targets.1", QA_MEMBER),
        ("AllowExternalTargets", "true"),
    ];
    let r = crate::openapi::acs3(&app, &key, "CreateResourceShare", crate::openapi::RS, &params).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.json);
    let api_share = r.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    assert_eq!(invitation_states(&app, &api_share).await, vec![pair(QA_MEMBER, "Accepted")]);
    let qa = app.sign_in("qa").await;
    assert_eq!(incoming(&app, &qa).await.len(), 2, "the qa member holds both sets");
}

/// Opening a directory-scope share follows the same rule: its members are accepted by the directory; an
/// account principal that is no member (a row from before departures revoked it) must accept first.
#[tokio::test]
async fn opening_a_directory_scope_share_invites_an_account_principal_outside_the_directory() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &set, new_share("inside", "ResourceDirectory", &[MEMBER, QA_MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    app.exec(&format!("delete from rd_member where account_id = '{QA_MEMBER}'")).await;
    let body = format!("resource_share_id={share_id}&resource_share_name=inside&principal_scope=AllAccounts");
    let r = app.form(Some(&owner), "update_resource_share", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(invitation_states(&app, &share_id).await, vec![pair(MEMBER, "Accepted"), pair(QA_MEMBER, "Pending")]);
    let qa = app.sign_in("qa").await;
    assert!(incoming(&app, &qa).await.is_empty(), "the account outside holds nothing until it accepts");
    let member = app.sign_in("member").await;
    assert_eq!(incoming(&app, &member).await.len(), 1);
}

/// What a folder gave an account that moved out of it is kept until its revocation by that account
/// only: no other account is shown it or may restore from it.
#[tokio::test]
async fn a_member_moved_out_of_a_folder_keeps_its_set_for_itself_only() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, new_share("analytics", "ResourceDirectory", &[ANALYTICS_FOLDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let moved = app.form(Some(&owner), "move_member", &format!("account_id={MEMBER}&folder_id={ROOT_FOLDER}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
    let member = app.sign_in("member").await;
    let seen = incoming(&app, &member).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0]["revoking_at"].is_string(), "{seen:?}");

    for login in ["qa", "partner", "outsider"] {
        let other = app.sign_in(login).await;
        assert!(incoming(&app, &other).await.is_empty(), "{login} is shown nothing");
        let r = app.json(Some(&other), "restore_to_new_cluster", restore_request(&backup)).await;
        assert_eq!(r.code(), "EntityNotExists.BackupSet", "{login}: {:?}", r.json);
    }
}
