//! RAM users of a principal account (not the owner): what each policy lets it do with a set shared with
//! its account, by console and by API alike. Answering invitations is Resource Sharing's
//! (AliyunResourceCenterFullAccess); Shared With Me is PolarDB's page (either PolarDB policy); a restore
//! creates a cluster (AliyunPolardbFullAccess). Without the policy, both ways answer the console's
//! Forbidden.RAM and nothing is written.

use crate::helpers::*;
use crate::openapi::{
    acs3, api_code, create_key, owner_key, restore_params, restore_writes, shared_with_partner, Key, PD, RS,
};
use http::StatusCode;
use serde_json::{json, Value};

/// A RAM user of the partner with exactly `policy`: its console session and its AccessKey.
async fn partner_ram_user(app: &TestApp, partner_cookie: &str, login: &str, policy: &str) -> (String, Key) {
    let made =
        app.form(Some(partner_cookie), "create_ram_user", &format!("login_name={login}&password=Secret-Pass-1")).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let attached = app
        .form(Some(partner_cookie), "set_ram_policy", &format!("login_name={login}&policy={policy}&attached=true"))
        .await;
    assert_eq!(attached.status, StatusCode::OK, "{:?}", attached.json);
    let key = create_key(app, partner_cookie, login).await;
    let signed_in = app.form(None, "sign_in", &format!("login={login}&password=Secret-Pass-1")).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.json);
    (signed_in.set_cookie.expect("session cookie").split(';').next().unwrap().to_owned(), key)
}

fn console_restore(backup: &str, name: &str) -> Value {
    json!({ "request": { "backup_set_id": backup, "cluster_name": name, "node_spec": "polar.mysql.x4.medium", "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } })
}

#[tokio::test]
async fn a_principals_ram_users_answer_see_and_restore_a_shared_set_exactly_as_their_policies_allow_by_console_and_api()
{
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (backup, share_id) = shared_with_partner(&app, &owner, "to-harbor").await;
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let listed = acs3(&app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
    let invitation =
        listed.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
    let (polardb_cookie, polardb) =
        partner_ram_user(&app, &partner_cookie, "pd@harbor", "AliyunPolardbFullAccess").await;
    let (reader_cookie, reader) =
        partner_ram_user(&app, &partner_cookie, "ro@harbor", "AliyunPolardbReadOnlyAccess").await;
    let (sharing_cookie, sharing) =
        partner_ram_user(&app, &partner_cookie, "rc@harbor", "AliyunResourceCenterFullAccess").await;

    // Answering invitations: Resource Sharing's policy only.
    let pending =
        format!("select count(*) from invitation where invitation_id = '{invitation}' and status = 'Pending'");
    for (who, cookie, key) in [("pd", &polardb_cookie, &polardb), ("ro", &reader_cookie, &reader)] {
        let page = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
        assert_eq!(page.refusal(), (403, "Forbidden.RAM"), "{who}: {:?}", page.json);
        let answered =
            app.form(Some(cookie), "answer_invitation", &format!("invitation_id={invitation}&accept=true")).await;
        assert_eq!(answered.refusal(), (403, "Forbidden.RAM"), "{who}: {:?}", answered.json);
        let listed = acs3(&app, key, "ListResourceShareInvitations", RS, &[]).await;
        assert_eq!(api_code(&listed), (403, "Forbidden.RAM"), "{who}: {:?}", listed.json);
        let accepted =
            acs3(&app, key, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)]).await;
        assert_eq!(api_code(&accepted), (403, "Forbidden.RAM"), "{who}: {:?}", accepted.json);
        assert_eq!(app.count(&pending).await, 1, "{who} changed the invitation");
    }
    let listed = acs3(&app, &sharing, "ListResourceShareInvitations", RS, &[]).await;
    assert!(listed.json.to_string().contains(&invitation), "{:?}", listed.json);
    let answered =
        app.form(Some(&sharing_cookie), "answer_invitation", &format!("invitation_id={invitation}&accept=true")).await;
    assert_eq!(answered.status, StatusCode::OK, "{:?}", answered.json);

    // Shared With Me: either PolarDB policy; Resource Sharing's alone does not open it.
    let incoming = [("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")];
    let page = app.form(Some(&sharing_cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(page.refusal(), (403, "Forbidden.RAM"), "{:?}", page.json);
    let described = acs3(&app, &sharing, "DescribeSharedBackups", PD, &incoming).await;
    assert_eq!(api_code(&described), (403, "Forbidden.RAM"), "{:?}", described.json);
    for (who, cookie, key) in [("pd", &polardb_cookie, &polardb), ("ro", &reader_cookie, &reader)] {
        let page = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
        assert!(page.status == StatusCode::OK && page.json.to_string().contains(&backup), "{who}: {:?}", page.json);
        let described = acs3(&app, key, "DescribeSharedBackups", PD, &incoming).await;
        assert!(
            described.status == StatusCode::OK && described.json.to_string().contains(&backup),
            "{who}: {:?}",
            described.json
        );
    }

    // Restoring: PolarDB full access; refused both ways otherwise, writing nothing.
    let before = restore_writes(&app).await;
    for (who, cookie, key) in [("rc", &sharing_cookie, &sharing), ("ro", &reader_cookie, &reader)] {
        let console = app.json(Some(cookie), "restore_to_new_cluster", console_restore(&backup, "not-mine")).await;
        assert_eq!(console.refusal(), (403, "Forbidden.RAM"), "{who}: {:?}", console.json);
        let api = acs3(&app, key, "CreateDBCluster", PD, &restore_params(&backup)).await;
        assert_eq!(api_code(&api), (403, "Forbidden.RAM"), "{who}: {:?}", api.json);
    }
    assert_eq!(restore_writes(&app).await, before);
    let restored =
        app.json(Some(&polardb_cookie), "restore_to_new_cluster", console_restore(&backup, "harbor-copy")).await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.json);
    // The cluster and its charge are the partner account's, as if its root had restored.
    assert_eq!(
        app.count(&format!(
            "select count(*) from cluster where cluster_name = 'harbor-copy' and account_id = '{PARTNER}'"
        ))
        .await,
        1
    );
    assert_eq!(app.count(&format!("select count(*) from charge where account_id = '{PARTNER}'")).await, 1);
    let jobs = app.form(Some(&partner_cookie), "list_restore_jobs", "").await;
    assert_eq!(jobs.json["total"], Value::from(1), "{:?}", jobs.json);
}
