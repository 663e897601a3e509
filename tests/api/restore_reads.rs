//! A restore is the principal's own: its new cluster, its job, its charge and its event are read only by
//! the principal's account, by console and by API, whatever another account (the owner of the set, a
//! second principal of it, an outsider) names.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, create_key, owner_key, shared_with_partner_and_accepted, PD};
use http::StatusCode;
use serde_json::Value;

fn restore_params(backup: &str) -> Vec<(&str, &str)> {
    vec![
        ("RegionId", "cn-hangzhou"), ("ZoneId", "cn-hangzhou-h"), ("DBType", "MySQL"), ("DBVersion", "8.0"), ("PayType", "Postpaid"),
        ("DBNodeClass", "polar.mysql.x4.medium"), ("CreationOption", "CloneFromPolarDB"), ("SourceResourceId", SHAREABLE_CLUSTER),
        ("CloneDataPoint", backup), ("SourceUid", OWNER),
    ]
}

#[tokio::test]
async fn a_restore_is_read_only_by_the_account_that_made_it() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "polled").await;
    // The member is a second principal of the same set.
    let r = app.share(&owner_cookie, &shared.backup, new_share("lab", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let restored = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup)).await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.json);
    let cluster = restored.json["DBClusterId"].as_str().unwrap().to_owned();
    let order = restored.json["OrderId"].as_str().unwrap().to_owned();

    let partner_sees = acs3(&app, &shared.partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
    assert_eq!(partner_sees.json["DBClusterStatus"], "Creating", "{:?}", partner_sees.json);

    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    for (who, key, cookie) in [("owner", &owner, &owner_cookie), ("member", &member, &member_cookie), ("outsider", &outsider, &outsider_cookie)] {
        let polled = acs3(&app, key, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
        assert_eq!(api_code(&polled), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", polled.json);
        let listed = acs3(&app, key, "DescribeDBClusters", PD, &[("RegionId", "cn-hangzhou"), ("DBClusterIds", &cluster)]).await;
        assert_eq!(listed.json["TotalRecordCount"], Value::from(0), "{who}: {:?}", listed.json);
        let backups = acs3(&app, key, "DescribeBackups", PD, &[("DBClusterId", &cluster), ("StartTime", "2026-01-01T00:00Z"), ("EndTime", "2027-01-01T00:00Z")]).await;
        assert_eq!(api_code(&backups), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", backups.json);
        let page = app.form(Some(cookie), "list_backup_sets", &format!("cluster_id={cluster}&page=1")).await;
        assert_eq!(page.refusal(), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", page.json);
        let jobs = app.form(Some(cookie), "list_restore_jobs", "").await;
        assert_eq!(jobs.status, StatusCode::OK, "{who}: {:?}", jobs.json);
        assert_eq!(jobs.json["total"], Value::from(0), "{who}: {:?}", jobs.json);
        let bill = app.form(Some(cookie), "billing", "").await;
        assert_eq!(bill.status, StatusCode::OK, "{who}: {:?}", bill.json);
        assert!(!bill.json.to_string().contains(&cluster), "{who}'s bill: {:?}", bill.json);
        let trail = app.form(Some(cookie), "audit_trail", "").await;
        assert_eq!(trail.status, StatusCode::OK, "{who}: {:?}", trail.json);
        let text = trail.json.to_string();
        assert!(!text.contains(&cluster) && !text.contains(&order) && !text.contains("RestoreToNewCluster"), "{who}'s trail: {text}");
        // Releasing it is refused as for a cluster that does not exist, and changes nothing.
        let released = app.form(Some(cookie), "release_cluster", &format!("cluster_id={cluster}")).await;
        assert_eq!(released.refusal(), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", released.json);
    }
    assert_eq!(app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and status = 'Creating' and account_id = '{PARTNER}'")).await, 1);
    // The partner's own reads have it.
    let jobs = app.form(Some(&shared.partner_cookie), "list_restore_jobs", "").await;
    assert_eq!(jobs.json["total"], Value::from(1), "{:?}", jobs.json);
    let bill = app.form(Some(&shared.partner_cookie), "billing", "").await;
    assert!(bill.json.to_string().contains(&cluster), "{:?}", bill.json);
}
