//! Who is told a shared backup set's source cluster by name. The owner's own screens (My Shares, the
//! Share dialog's list of a share's sets) name its clusters as the Clusters page does, name and id. A
//! principal is told the cluster's id only, in the console and by API: the feature text says a principal
//! sees the shared *backup set* and restores from it; neither it nor DescribeSharedBackups (whose items
//! have `DBClusterId` and no `DBClusterDescription`) gives a principal the owner's cluster name, which is
//! the owner's own description of its estate.

use crate::helpers::*;
use crate::openapi::{acs3, owner_key, restore_params, shared_with_partner_and_accepted, PD, RS};
use http::StatusCode;
use serde_json::Value;

/// The name the owner gave the cluster the shared sets are backups of (`orders-prod` in the demo data).
async fn source_cluster_name(app: &TestApp) -> String {
    let name: String = sqlx::query_scalar("select cluster_name from cluster where cluster_id = ?")
        .bind(SHAREABLE_CLUSTER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(name.len() > 3 && !SHAREABLE_CLUSTER.contains(&name), "a name of its own: {name}");
    name
}

/// The backup set `backup` as one of `shares` lists it.
fn resource_of<'a>(shares: &'a Value, share_id: &str, backup: &str) -> &'a Value {
    shares
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["resource_share_id"] == share_id)
        .and_then(|s| s["resources"].as_array().unwrap().iter().find(|r| r["backup_set_id"] == backup))
        .unwrap_or_else(|| panic!("{backup} of {share_id} is listed: {shares:?}"))
}

#[tokio::test]
async fn my_shares_and_the_share_dialog_name_the_owners_source_cluster_beside_its_id() {
    let app = TestApp::new().await;
    let name = source_cluster_name(&app).await;
    let (backup, share_id) = shared_with(&app, PARTNER, "AllAccounts").await;
    let owner = app.sign_in("owner").await;

    let mine = app.form(Some(&owner), "list_my_shares", "").await;
    assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.json);
    let listed = resource_of(&mine.json["items"], &share_id, &backup);
    assert_eq!(
        (&listed["cluster_id"], &listed["cluster_name"]),
        (&Value::from(SHAREABLE_CLUSTER), &Value::from(name.as_str()))
    );

    let dialog = app.form(Some(&owner), "load_share_dialog", "").await;
    assert_eq!(dialog.status, StatusCode::OK, "{:?}", dialog.json);
    let listed = resource_of(&dialog.json["shares"]["items"], &share_id, &backup);
    assert_eq!(listed["cluster_name"], name.as_str());
}

#[tokio::test]
async fn a_principal_is_told_the_source_clusters_id_and_never_its_name_by_console_or_api() {
    let app = TestApp::new().await;
    let name = source_cluster_name(&app).await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "names-kept").await;
    let (cookie, key) = (&shared.partner_cookie, &shared.partner);
    let told = |what: &str, body: &Value| {
        let text = body.to_string();
        assert!(text.contains(&shared.backup), "{what} lists the set: {text}");
        assert!(!text.contains(&name), "{what} names the owner's cluster {name:?}: {text}");
    };

    // Shared With Me: the set, with its source cluster's id.
    let console = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(console.status, StatusCode::OK, "{:?}", console.json);
    let set = console.json["backups"].as_array().unwrap().iter().find(|b| b["backup_set_id"] == shared.backup.as_str());
    assert_eq!(set.unwrap()["source_cluster_id"], SHAREABLE_CLUSTER);
    told("list_shared_with_me", &console.json);
    let invitations = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
    assert_eq!(invitations.status, StatusCode::OK, "{:?}", invitations.json);
    told("list_invitations", &invitations.json);

    // DescribeSharedBackups carries the cluster's id (DBClusterId) and nothing more of it.
    let described = acs3(&app, key, "DescribeSharedBackups", PD, &[("ShareType", "ShareIncoming")]).await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.json);
    let item = described.json["Items"].as_array().unwrap().iter().find(|b| b["BackupId"] == shared.backup.as_str());
    assert_eq!(item.unwrap()["DBClusterId"], SHAREABLE_CLUSTER);
    told("DescribeSharedBackups", &described.json);
    // ListSharedResources has no cluster field at all.
    let resources =
        acs3(&app, key, "ListSharedResources", RS, &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")])
            .await;
    assert_eq!(resources.status, StatusCode::OK, "{:?}", resources.json);
    told("ListSharedResources", &resources.json);

    // Nor does the cluster the principal restores from it say more than the source's id.
    let restored = acs3(&app, key, "CreateDBCluster", PD, &restore_params(&shared.backup)).await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.json);
    let cluster = restored.json["DBClusterId"].as_str().unwrap();
    let attribute = acs3(&app, key, "DescribeDBClusterAttribute", PD, &[("DBClusterId", cluster)]).await;
    assert_eq!(attribute.json["SourceDBCluster"], SHAREABLE_CLUSTER, "{:?}", attribute.json);
    assert!(!attribute.json.to_string().contains(&name), "{:?}", attribute.json);
    let jobs = app.form(Some(cookie), "list_restore_jobs", "").await;
    assert!(!jobs.json.to_string().contains(&name), "{:?}", jobs.json);
}
