//! The answers kept in memory (`db::read_model`): a kept page or a kept identity is never served past
//! what granted it, nor to anyone it was not loaded for.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};

async fn backup_page(app: &TestApp, cookie: &str) -> Response {
    app.form(Some(cookie), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await
}

/// The page of a cluster is kept once for everyone who may read it; what depends on the viewer (may it
/// share at all?) is worked out per request. Each identity loads it after the others, so each would
/// be served what the one before it left in memory.
#[tokio::test]
async fn a_kept_backup_page_answers_each_viewer_with_its_own_permissions_and_no_one_else() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let first = backup_page(&app, &owner).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);
    assert!(first.json["sharing_blocked"].is_null(), "{:?}", first.json["sharing_blocked"]);

    // A RAM user that may read but not share gets the same rows, with its own refusal to share.
    for login in ["auditor@lumen", "developer@lumen"] {
        let cookie = app.sign_in(login).await;
        let r = backup_page(&app, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{login}: {:?}", r.json);
        assert_eq!(r.json["items"], first.json["items"], "{login}");
        assert_eq!(
            r.json["sharing_blocked"]["code"],
            json!("Forbidden.RAM"),
            "{login}: {:?}",
            r.json["sharing_blocked"]
        );
    }
    // Another account is told the cluster does not exist, though its page is in memory.
    for login in ["partner", "member"] {
        let cookie = app.sign_in(login).await;
        let r = backup_page(&app, &cookie).await;
        assert_eq!(r.refusal(), (404, "EntityNotExists.DBCluster"), "{login}: {:?}", r.json);
        assert!(r.json.get("items").is_none(), "{login}: {:?}", r.json);
    }
    // A RAM user of the owner's account without a PolarDB policy reads nothing of it either.
    let cookie = app.sign_in("owner").await;
    let r = app.form(Some(&cookie), "create_ram_user", "login_name=nopolicy@lumen&password=Secret-Pass-1").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.form(None, "sign_in", "login=nopolicy@lumen&password=Secret-Pass-1").await;
    let nopolicy = r.set_cookie.expect("session cookie").split(';').next().unwrap().to_owned();
    assert_eq!(backup_page(&app, &nopolicy).await.refusal(), (403, "Forbidden.RAM"));

    // And the owner is still answered as the owner: nothing of the others stayed with the page.
    let again = backup_page(&app, &owner).await;
    assert!(again.json["sharing_blocked"].is_null(), "{:?}", again.json["sharing_blocked"]);
    assert_eq!(again.json["items"], first.json["items"]);
}

async fn directory_objects(app: &TestApp, cookie: &str) -> Vec<Value> {
    let r = app.form(Some(cookie), "load_share_dialog", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["directory_objects"].as_array().cloned().unwrap_or_default()
}

/// The identity behind a session is kept with its account's directory: leaving the directory, or being
/// removed from it by the management account (a write by another account), ends it on the very next
/// request of the kept session.
#[tokio::test]
async fn an_account_out_of_the_directory_loses_its_objects_on_the_next_request_of_a_kept_session() {
    let app = TestApp::new().await;
    let member = app.sign_in("member").await;
    assert!(!directory_objects(&app, &member).await.is_empty(), "a member picks from its directory");
    assert!(!directory_objects(&app, &member).await.is_empty(), "read twice: the identity is kept now");
    let r = app.form(Some(&member), "leave_directory", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(directory_objects(&app, &member).await, Vec::<Value>::new(), "out of the directory at once");

    let qa = app.sign_in("qa").await;
    assert!(!directory_objects(&app, &qa).await.is_empty());
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "remove_member", &format!("account_id={QA_MEMBER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(directory_objects(&app, &qa).await, Vec::<Value>::new(), "removed by another account: out at once too");
}

/// The Share dialog lists the directory's folders and member accounts so that a sharer can pick them
/// as principals; the directory itself is read by the root only (the Resource directory pages). A RAM
/// user that may not share (PolarDB full or read-only access alone) opens the dialog's list of shares
/// but is not shown the directory.
#[tokio::test]
async fn the_share_dialog_shows_the_directory_only_to_an_identity_that_may_share() {
    let app = TestApp::new().await;
    for login in ["owner", "dba@lumen"] {
        let cookie = app.sign_in(login).await;
        assert!(!directory_objects(&app, &cookie).await.is_empty(), "{login} picks principals from its directory");
    }
    for login in ["developer@lumen", "auditor@lumen"] {
        let cookie = app.sign_in(login).await;
        let objects = directory_objects(&app, &cookie).await;
        assert_eq!(objects, Vec::<Value>::new(), "{login} may not share: {objects:?}");
        let r = app.form(Some(&cookie), "my_directory", "").await;
        assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "{login}: the directory pages refuse it too");
    }
}

/// One row of the owner's kept Data Backups page: (level, lock, share refusal code).
async fn kept_row(app: &TestApp, owner: &str, backup: &str) -> (Value, Value, Value) {
    let r = backup_page(app, owner).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let row = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["backup_set_id"] == json!(backup))
        .cloned()
        .expect("row on page 1");
    (row["level"].clone(), row["lock_state"].clone(), row["share_blocked"]["code"].clone())
}

/// A lock ends on the schedule (a conversion's, a restore's), not by a request: the kept page shows it
/// until the schedule's commit, as the database does, and not one read longer.
#[tokio::test]
async fn a_lock_that_the_schedule_ends_leaves_the_kept_page_at_the_next_read() {
    let app = TestApp::new().await;
    let (restored, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let converted = app.backups_of(SHAREABLE_CLUSTER, 2).await.into_iter().find(|b| *b != restored).unwrap();
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&restored)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={converted}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let locked = json!("OperationDenied.BackupSetLocked");
    assert_eq!(kept_row(&app, &owner, &converted).await, (json!("Level-1"), json!("ConvertingLevel"), locked.clone()));
    assert_eq!(kept_row(&app, &owner, &restored).await.1, json!("Restoring"));

    // Due, but not yet applied: the page and the rules agree that the locks still hold.
    app.clock.advance(time::Duration::hours(2));
    // (Two hours unused end a session: the owner signs in again.)
    let owner = app.sign_in("owner").await;
    assert_eq!(kept_row(&app, &owner, &converted).await, (json!("Level-1"), json!("ConvertingLevel"), locked.clone()));
    let r = app.share(&owner, &converted, new_share("while-locked", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.BackupSetLocked"));

    let tick = app.tick().await;
    assert_eq!(tick.finished_restores, 1, "{tick:?}");
    assert_eq!(kept_row(&app, &owner, &converted).await, (json!("Level-2"), json!("None"), Value::Null));
    assert_eq!(kept_row(&app, &owner, &restored).await.1, json!("None"));
}

/// Everything an account can read, by every console read it may make: none of it names what another
/// account holds and did not share with it (its other backup sets and clusters, its other shares and
/// their principals, its RAM users, tickets, keys and directory).
#[tokio::test]
async fn another_account_reads_nothing_of_the_owner_but_what_was_shared_with_it() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let offered = app.share(&owner, &sets[0], new_share("offered-to-partner", "AllAccounts", &[PARTNER])).await;
    assert_eq!(offered.status, StatusCode::OK, "{:?}", offered.json);
    let internal = app.share(&owner, &sets[1], new_share("inside-the-directory", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(internal.status, StatusCode::OK, "{:?}", internal.json);
    let internal_id = internal.json["resource_share_id"].as_str().unwrap().to_owned();
    let ticket = app.form(Some(&owner), "submit_ticket", "kind=QuotaIncrease&message=private-ticket-text").await;
    assert_eq!(ticket.status, StatusCode::OK, "{:?}", ticket.json);
    let key = app.form(Some(&owner), "create_access_key", "login_name=dba%40lumen").await;
    let key_id = key.json["access_key_id"].as_str().unwrap().to_owned();
    let owner_clusters: Vec<String> =
        sqlx::query_scalar(&format!("select cluster_id from cluster where account_id = '{OWNER}'"))
            .fetch_all(&app.pool)
            .await
            .unwrap();

    let mut secret: Vec<String> = vec![
        sets[1].clone(),
        sets[2].clone(),
        internal_id,
        "inside-the-directory".into(),
        "dba@lumen".into(),
        "auditor@lumen".into(),
        "developer@lumen".into(),
        "private-ticket-text".into(),
        ticket.json["ticket_id"].as_str().unwrap().into(),
        key_id,
        ANALYTICS_FOLDER.into(),
        QA_FOLDER.into(),
        OWNER_DIRECTORY.into(),
    ];
    secret.extend(owner_clusters);
    let reads = [
        ("current_viewer", ""),
        ("list_clusters", "region_id=cn-hangzhou"),
        ("load_share_dialog", ""),
        ("list_invitations", "region_id=cn-hangzhou"),
        ("list_my_shares", ""),
        ("list_shares_by_me", ""),
        ("list_shared_with_me", "region_id=cn-hangzhou"),
        ("list_restore_jobs", ""),
        ("billing", ""),
        ("list_tickets", ""),
        ("quota", ""),
        ("audit_trail", ""),
        ("list_ram_users", ""),
        ("my_directory", ""),
        ("directory_page", ""),
        ("list_access_keys", ""),
    ];
    // What was shared with the partner it does read (the reads below are real answers).
    let partner = app.sign_in("partner").await;
    let invited = app.form(Some(&partner), "list_invitations", "region_id=cn-hangzhou").await.json.to_string();
    assert!(invited.contains(&sets[0]) && invited.contains("offered-to-partner"), "{invited}");
    for login in ["partner", "outsider", "intl", "nobeta"] {
        let cookie = app.sign_in(login).await;
        for (name, body) in reads {
            let r = app.form(Some(&cookie), name, body).await;
            let text = r.json.to_string();
            for s in &secret {
                assert!(!text.contains(s.as_str()), "{login} read {s:?} through {name}: {text}");
            }
        }
    }
}

/// Once a principal's access has ended (its invitation rejected, or it was removed and its revocation
/// ran, or it left the owner's directory), what the owner puts in the same shares afterwards reaches
/// none of its reads.
#[tokio::test]
async fn a_former_principal_reads_nothing_the_owner_shares_after_its_access_ended() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let id = |r: &Response| r.json["resource_share_id"].as_str().unwrap().to_owned();
    let open = app.share(&owner, &sets[0], new_share("open-share", "AllAccounts", &[PARTNER, OUTSIDER])).await;
    assert_eq!(open.status, StatusCode::OK, "{:?}", open.json);
    let inside = app.share(&owner, &sets[0], new_share("directory-share", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(inside.status, StatusCode::OK, "{:?}", inside.json);
    let (open, inside) = (id(&open), id(&inside));

    let partner = app.sign_in("partner").await;
    let outsider = app.sign_in("outsider").await;
    let member = app.sign_in("member").await;
    for (cookie, accept) in [(&partner, true), (&outsider, false)] {
        let list = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
        let invitation = list.json["invitations"][0]["invitation_id"].as_str().unwrap().to_owned();
        let r =
            app.form(Some(cookie), "answer_invitation", &format!("invitation_id={invitation}&accept={accept}")).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    assert_eq!(app.form(Some(&member), "leave_directory", "").await.status, StatusCode::OK);
    let r = app.share(&owner, &sets[0], existing_share(&open, Some(&[]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    app.clock.advance(time::Duration::minutes(11));
    app.tick().await;

    // The owner grows both shares for others.
    for share in [&open, &inside] {
        let principals: &[&str] = if share == &open { &[QA_MEMBER] } else { &[QA_MEMBER, ANALYTICS_FOLDER] };
        let r = app.share(&owner, &sets[1], existing_share(share, Some(principals))).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    let reads = [
        ("list_invitations", "region_id=cn-hangzhou"),
        ("list_shared_with_me", "region_id=cn-hangzhou"),
        ("list_my_shares", ""),
        ("list_shares_by_me", ""),
        ("load_share_dialog", ""),
        ("list_restore_jobs", ""),
        ("audit_trail", ""),
        ("my_directory", ""),
    ];
    for (login, cookie) in [("partner", &partner), ("outsider", &outsider), ("member", &member)] {
        for (name, body) in reads {
            let r = app.form(Some(cookie), name, body).await;
            assert_eq!(r.status, StatusCode::OK, "{login} {name}: {:?}", r.json);
            let text = r.json.to_string();
            assert!(!text.contains(&sets[1]), "{login} read {} through {name}: {text}", sets[1]);
        }
    }
}

/// The platform operator decides tickets and creates accounts: of an account's data it reads its
/// tickets (to decide them) and nothing else, by any console read.
#[tokio::test]
async fn the_platform_operator_reads_an_accounts_tickets_and_nothing_else_of_it() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let shared = app.share(&owner, &sets[0], new_share("operator-probe", "AllAccounts", &[PARTNER])).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    let ticket = app.form(Some(&owner), "submit_ticket", "kind=QuotaIncrease&message=please-raise").await;
    assert_eq!(ticket.status, StatusCode::OK, "{:?}", ticket.json);
    let key = app.form(Some(&owner), "create_access_key", "login_name=owner").await;
    let mut secret: Vec<String> = vec![
        sets[0].clone(),
        sets[1].clone(),
        "operator-probe".into(),
        shared.json["resource_share_id"].as_str().unwrap().into(),
        "dba@lumen".into(),
        key.json["access_key_id"].as_str().unwrap().into(),
        OWNER_DIRECTORY.into(),
        ANALYTICS_FOLDER.into(),
    ];
    secret.extend(
        sqlx::query_scalar::<_, String>(&format!("select cluster_id from cluster where account_id = '{OWNER}'"))
            .fetch_all(&app.pool)
            .await
            .unwrap(),
    );

    let operator = app.sign_in("operator").await;
    let tickets = app.form(Some(&operator), "list_tickets", "").await;
    assert!(
        tickets.json.to_string().contains("please-raise"),
        "the operator reads the ticket it decides: {:?}",
        tickets.json
    );
    let reads = [
        ("current_viewer", ""),
        ("list_clusters", "region_id=cn-hangzhou"),
        ("load_share_dialog", ""),
        ("list_invitations", "region_id=cn-hangzhou"),
        ("list_my_shares", ""),
        ("list_shares_by_me", ""),
        ("list_shared_with_me", "region_id=cn-hangzhou"),
        ("list_restore_jobs", ""),
        ("billing", ""),
        ("list_tickets", ""),
        ("quota", ""),
        ("audit_trail", ""),
        ("list_ram_users", ""),
        ("my_directory", ""),
        ("directory_page", ""),
        ("list_access_keys", ""),
        ("resource_directory", ""),
        ("list_backup_sets", "cluster_id=pc-bp1orders0001&page=1"),
        ("sharing_relationship", "backup_set_id=3200000001"),
    ];
    for (name, body) in reads {
        let text = app.form(Some(&operator), name, body).await.json.to_string();
        for s in &secret {
            assert!(
                !text.contains(s.as_str()) || body.contains(s.as_str()),
                "the operator read {s:?} through {name}: {text}"
            );
        }
    }
}
