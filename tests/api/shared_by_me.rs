//! Resource Sharing > Shared By Me: the owner's resource shares of every status, renamed, opened or
//! closed and deleted from the console through the services the OpenAPI's UpdateResourceShare and
//! DeleteResourceShare use.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use time::Duration;

async fn listed(app: &TestApp, cookie: &str) -> Vec<Value> {
    let r = app.form(Some(cookie), "list_shares_by_me", "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["items"].as_array().unwrap().clone()
}

async fn listed_share(app: &TestApp, cookie: &str, share_id: &str) -> Value {
    listed(app, cookie)
        .await
        .into_iter()
        .find(|s| s["resource_share_id"] == share_id)
        .unwrap_or_else(|| panic!("{share_id} is listed"))
}

async fn update(app: &TestApp, cookie: &str, share_id: &str, name: &str, scope: &str) -> Response {
    app.form(
        Some(cookie),
        "update_resource_share",
        &format!("resource_share_id={share_id}&resource_share_name={name}&principal_scope={scope}"),
    )
    .await
}

async fn delete(app: &TestApp, cookie: &str, share_id: &str) -> Response {
    app.form(Some(cookie), "delete_resource_share", &format!("resource_share_id={share_id}")).await
}

/// (name, scope, status) of the share's row.
async fn stored(app: &TestApp, share_id: &str) -> (String, String, String) {
    sqlx::query_as(
        "select resource_share_name, principal_scope, status from resource_share where resource_share_id = ?",
    )
    .bind(share_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn last_event(app: &TestApp, action: &str) -> (String, String, String) {
    sqlx::query_as(
        "select target, outcome, channel from audit_event where action = ? order by audit_event_id desc limit 1",
    )
    .bind(action)
    .fetch_one(&app.pool)
    .await
    .unwrap_or_else(|e| panic!("an {action} event: {e}"))
}

#[tokio::test]
async fn the_owner_lists_its_shares_newest_first_with_their_sets_and_principals() {
    let app = TestApp::new().await;
    let (backup, first) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let other = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    app.clock.advance(Duration::seconds(1));
    let r = app.share(&owner, &other, new_share("second", "AllAccounts", &[PARTNER, OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let shares = listed(&app, &owner).await;
    let ids: Vec<&str> = shares.iter().map(|s| s["resource_share_id"].as_str().unwrap()).collect();
    let second = r.json["resource_share_id"].as_str().unwrap();
    assert_eq!(&ids[..2], &[second, first.as_str()], "newest first");
    let s = &shares[1];
    assert_eq!((s["status"].clone(), s["principal_scope"].clone()), (json!("Active"), json!("ResourceDirectory")));
    assert_eq!(s["resources"][0]["backup_set_id"], json!(backup));
    assert_eq!(shares[0]["principals"].as_array().unwrap().len(), 2);
    assert!(s["updated_at"].as_str().is_some_and(|t| !t.is_empty()));

    // Another account's list holds none of them.
    let partner = app.sign_in("partner").await;
    assert!(listed(&app, &partner)
        .await
        .iter()
        .all(|s| s["resource_share_id"] != second && s["resource_share_id"] != first.as_str()));
}

#[tokio::test]
async fn the_owner_renames_a_share_and_opens_it_to_external_accounts() {
    let app = TestApp::new().await;
    let (_, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    app.clock.advance(Duration::minutes(1));
    let r = update(&app, &owner, &share_id, "renamed-share", "AllAccounts").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(stored(&app, &share_id).await, ("renamed-share".into(), "AllAccounts".into(), "Active".into()));
    let shown = listed_share(&app, &owner, &share_id).await;
    assert_eq!(
        (shown["resource_share_name"].clone(), shown["principal_scope"].clone()),
        (json!("renamed-share"), json!("AllAccounts"))
    );
    assert_ne!(shown["updated_at"], shown["created_at"], "the change is dated");
    // The directory member keeps its access: the directory accepts for it.
    assert_eq!(app.count(&format!("select count(*) from invitation where resource_share_id = '{share_id}' and receiver_account_id = '{MEMBER}' and status = 'Accepted'")).await, 1);
    // The audit trail names it as the OpenAPI does, with the console's channel.
    assert_eq!(
        last_event(&app, "UpdateResourceShare").await,
        (format!("{share_id} -> renamed-share"), "Success".into(), "console".into())
    );
}

#[tokio::test]
async fn an_edit_against_the_rules_is_refused_with_its_code_and_changes_nothing() {
    let app = TestApp::new().await;
    let (_, share_id) = shared_with(&app, PARTNER, "AllAccounts").await;
    let owner = app.sign_in("owner").await;
    let other = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    assert_eq!(app.share(&owner, &other, new_share("taken", "AllAccounts", &[OUTSIDER])).await.status, StatusCode::OK);
    let before = stored(&app, &share_id).await;
    for (name, scope, expected) in [
        // An account outside the directory is a principal: closing the share to the directory would cut it off.
        ("partnership", "ResourceDirectory", (409, "OperationNotPermitted")),
        ("taken", "AllAccounts", (409, "EntityAlreadyExists.ResourceShare")),
        ("has%20space", "AllAccounts", (422, "InvalidParameter.ResourceShareName")),
        ("partnership", "Everyone", (422, "InvalidParameter.PrincipalScope")),
    ] {
        let r = update(&app, &owner, &share_id, name, scope).await;
        assert_eq!(r.refusal(), expected, "{name} / {scope}: {:?}", r.json);
        assert_eq!(stored(&app, &share_id).await, before, "{name} / {scope} changed nothing");
    }
    // Each refusal the service made is in the audit trail with its code (a scope that is no scope is
    // refused before any action is taken, as a malformed form is).
    let outcomes: Vec<String> = sqlx::query_scalar(
        "select outcome from audit_event where action = 'UpdateResourceShare' order by audit_event_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        ["OperationNotPermitted", "EntityAlreadyExists.ResourceShare", "InvalidParameter.ResourceShareName"]
    );
}

#[tokio::test]
async fn a_deleted_share_is_deleting_until_the_revocation_has_run_then_deleted() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let r = delete(&app, &owner, &share_id).await;
    assert_eq!((r.status, r.json.clone()), (StatusCode::OK, json!("Deleting")), "{:?}", r.json);
    assert_eq!(listed_share(&app, &owner, &share_id).await["status"], json!("Deleting"));
    assert_eq!(last_event(&app, "DeleteResourceShare").await, (share_id.clone(), "Success".into(), "console".into()));
    // My Shares lists live shares only; Shared By Me keeps it, and nothing more can be done to it.
    let mine = app.form(Some(&owner), "list_my_shares", "").await;
    assert!(mine.json["items"].as_array().unwrap().iter().all(|s| s["resource_share_id"] != share_id.as_str()));
    assert_eq!(delete(&app, &owner, &share_id).await.refusal(), (409, "ResourceShareStatusMismatchAction"));
    assert_eq!(
        update(&app, &owner, &share_id, "renamed", "AllAccounts").await.refusal(),
        (409, "ResourceShareStatusMismatchAction")
    );

    app.clock.advance(Duration::minutes(11));
    assert_eq!(app.tick().await.deleted_shares, 1);
    let shown = listed_share(&app, &owner, &share_id).await;
    assert_eq!((shown["status"].clone(), shown["principals"].clone()), (json!("Deleted"), json!([])));
    let member = app.sign_in("member").await;
    let incoming = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert!(
        incoming.json["backups"].as_array().unwrap().iter().all(|b| b["backup_set_id"] != backup.as_str()),
        "{:?}",
        incoming.json
    );
    app.assert_shared_sets_consistent().await;
}

#[tokio::test]
async fn only_the_root_or_a_ram_user_with_resource_sharing_full_access_reads_or_changes_shares() {
    let app = TestApp::new().await;
    let (_, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let before = stored(&app, &share_id).await;
    // PolarDB full access alone opens neither the list nor a change; the refusal names the missing policy.
    let developer = app.sign_in("developer@lumen").await;
    for r in [
        app.form(Some(&developer), "list_shares_by_me", "").await,
        update(&app, &developer, &share_id, "by-developer", "ResourceDirectory").await,
        delete(&app, &developer, &share_id).await,
    ] {
        assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "{:?}", r.json);
        assert!(r.json["message"].as_str().unwrap().contains("AliyunResourceCenterFullAccess"), "{:?}", r.json);
    }
    assert_eq!(stored(&app, &share_id).await, before);
    // Another account's root does not find the share at all.
    let partner = app.sign_in("partner").await;
    assert_eq!(delete(&app, &partner, &share_id).await.refusal(), (404, "EntityNotExists.ResourceShare"));
    assert_eq!(stored(&app, &share_id).await, before);
    // A RAM user holding both full-access policies may, as in the OpenAPI.
    let dba = app.sign_in("dba@lumen").await;
    assert!(listed(&app, &dba).await.iter().any(|s| s["resource_share_id"] == share_id.as_str()));
    assert_eq!(update(&app, &dba, &share_id, "by-dba", "ResourceDirectory").await.status, StatusCode::OK);
    assert_eq!(stored(&app, &share_id).await.0, "by-dba");
}

#[tokio::test]
async fn the_page_renders_each_status_and_offers_actions_only_on_an_active_share() {
    let app = TestApp::new().await;
    let (_, deleting) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    let other = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    let active = app.share(&owner, &other, new_share("still-active", "AllAccounts", &[PARTNER])).await.json
        ["resource_share_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(delete(&app, &owner, &deleting).await.status, StatusCode::OK);
    let (status, html) = app.get(Some(&owner), "/resource-sharing/shares").await;
    assert_eq!(status, StatusCode::OK);
    let row = |id: &str| {
        let start = html.find(&format!("data-share=\"{id}\"")).unwrap_or_else(|| panic!("a row for {id}"));
        let end = html[start..].find("</tr>").unwrap() + start;
        html[start..end].to_owned()
    };
    let (active_row, deleting_row) = (row(&active), row(&deleting));
    assert!(
        active_row.contains("status-active") && active_row.contains(">Edit<") && active_row.contains(">Delete<"),
        "{active_row}"
    );
    assert!(
        deleting_row.contains("status-deleting")
            && !deleting_row.contains(">Edit<")
            && !deleting_row.contains(">Delete<"),
        "{deleting_row}"
    );
    // The Edit dialog opens from the URL, already filled in.
    let (_, html) = app.get(Some(&owner), &format!("/resource-sharing/shares?edit={active}")).await;
    assert!(html.contains("role=\"dialog\"") && html.contains("value=\"still-active\""), "the Edit dialog is open");
}

/// Manage Sharing Relationship is a page of the Resource Management console (reference: "On the page in
/// the Resource Management console, you can view the Resource Share and Principal"): reading it takes
/// Resource Sharing's policy, as Shared By Me does, whatever PolarDB policy the reader holds. My Shares
/// is PolarDB's own tab, readable with PolarDB read-only access; changing a share from it (Share Backup)
/// takes both full-access policies. The tab offers each identity exactly what the server then allows.
#[tokio::test]
async fn the_sharing_relationship_is_resource_sharings_to_read_and_my_shares_offers_only_what_the_viewer_may_do() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, PARTNER, "AllAccounts").await;
    let owner = app.sign_in("owner").await;
    let r =
        app.form(Some(&owner), "create_ram_user", &format!("login_name=sharer@lumen&password={DEMO_PASSWORD}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app
        .form(
            Some(&owner),
            "set_ram_policy",
            "login_name=sharer@lumen&policy=AliyunResourceCenterFullAccess&attached=true",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let relationship = format!("backup_set_id={backup}");
    let link = format!("/resource-sharing/relationships/{backup}");
    let before = app.sharing_state().await;

    // PolarDB read-only, and PolarDB full access alone: My Shares lists the share; the relationship is
    // refused naming Resource Sharing's policy, and the tab neither links to it nor offers Share Backup.
    for login in ["auditor@lumen", "developer@lumen"] {
        let cookie = app.sign_in(login).await;
        let mine = app.form(Some(&cookie), "list_my_shares", "").await;
        assert_eq!(mine.status, StatusCode::OK, "{login}: {:?}", mine.json);
        assert!(mine.json.to_string().contains(&share_id), "{login}: {:?}", mine.json);
        let r = app.form(Some(&cookie), "sharing_relationship", &relationship).await;
        assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "{login}: {:?}", r.json);
        assert!(
            r.json["message"].as_str().unwrap().contains("AliyunResourceCenterFullAccess"),
            "{login}: {:?}",
            r.json
        );
        let change = app.share(&cookie, &backup, existing_share(&share_id, Some(&[PARTNER, OUTSIDER]))).await;
        assert_eq!(change.refusal(), (403, "Forbidden.RAM"), "{login}: {:?}", change.json);
        let (status, html) = app.get(Some(&cookie), "/shared-backups").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!(r#"data-share="{share_id}""#)), "{login}: the row is listed");
        assert!(!html.contains(&link), "{login}: no link to a page it may not read");
        assert!(
            html.contains(r#"<button disabled title="You are not authorized to do this"#)
                && !html.contains(r#"name="share" value=""#),
            "{login}: Share Backup is disabled"
        );
    }
    assert_eq!(app.sharing_state().await, before, "nothing changed");

    // Resource Sharing's policy alone reads the relationship; the owner and a RAM user with both
    // policies read it and are offered both actions.
    let sharer = app.sign_in("sharer@lumen").await;
    let r = app.form(Some(&sharer), "sharing_relationship", &relationship).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["items"][0]["resource_share_id"], json!(share_id));
    for login in ["owner", "dba@lumen"] {
        let cookie = app.sign_in(login).await;
        assert_eq!(
            app.form(Some(&cookie), "sharing_relationship", &relationship).await.status,
            StatusCode::OK,
            "{login}"
        );
        let (_, html) = app.get(Some(&cookie), "/shared-backups").await;
        assert!(html.contains(&link), "{login}: links to the relationship");
        assert!(html.contains(&format!(r#"name="share" value="{backup}""#)), "{login}: offers Share Backup");
    }
}
