//! The fields of the OpenAPI's answers that the SDK response models have and polarshare fills from its
//! own data (scripts/sdk_fields.py checks every field through the SDKs; these say each value is the
//! stored one, not a stand-in): what a restore made a cluster from, a cluster's level-2 backup size,
//! a shared backup set as stored on both sides, and the name of a share a principal leaves.

use crate::helpers::*;
use crate::openapi::{acs3, owner_key, restore_params, shared_with_partner_and_accepted, AcceptedByPartner, PD, RS};
use http::StatusCode;
use serde_json::Value;

/// A stored time as the API writes it (`db::ts`'s whole seconds, with milliseconds).
fn iso(stored: &str) -> String {
    format!("{}.000Z", stored.strip_suffix('Z').unwrap())
}

#[tokio::test]
async fn a_restored_cluster_is_described_with_its_billing_zone_node_class_and_source() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, backup, .. } =
        shared_with_partner_and_accepted(&app, &owner, "restored-fields").await;
    let created = acs3(&app, &partner, "CreateDBCluster", PD, &restore_params(&backup)).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    assert_eq!(created.json.get("ResourceGroupId"), None, "polarshare has no resource groups: none is made up");
    let cluster = created.json["DBClusterId"].as_str().unwrap().to_owned();

    let listed = acs3(&app, &partner, "DescribeDBClusters", PD, &[("RegionId", "cn-hangzhou")]).await;
    let row = listed.json["Items"]["DBCluster"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["DBClusterId"] == cluster.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (&row["PayType"], &row["ZoneId"], &row["DBNodeClass"], &row["LockMode"]),
        (
            &Value::from("Postpaid"),
            &Value::from("cn-hangzhou-h"),
            &Value::from("polar.mysql.x4.medium"),
            &Value::from("Unlock")
        ),
        "{row:?}"
    );

    let level: String = sqlx::query_scalar("select level from backup_set where backup_set_id = ?")
        .bind(&backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let restore_type = if level == "Level-2" { "RestoreByBackupSetOss" } else { "RestoreByBackupSet" };
    let attribute = acs3(&app, &partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await.json;
    let fields =
        ["PayType", "ZoneIds", "RestoreType", "RestoreDataPoint", "SourceDBCluster", "SourceRegionId", "LockMode"]
            .map(|f| attribute[f].clone());
    assert_eq!(
        fields,
        ["Postpaid", "cn-hangzhou-h", restore_type, backup.as_str(), SHAREABLE_CLUSTER, "cn-hangzhou", "Unlock"]
            .map(Value::from),
        "{attribute:?}"
    );
}

/// What a restored cluster says it was made from is a fact of its creation, read from the cluster: a
/// former principal must not watch, through its own cluster, what the owner does to the set afterwards
/// (here, converting it to level 2 once the principal's access has ended).
#[tokio::test]
async fn a_restored_clusters_restore_type_does_not_follow_the_owners_set_after_access_ended() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, backup, share_id, .. } =
        shared_with_partner_and_accepted(&app, &owner, "restore-type-kept").await;
    let created = acs3(&app, &partner, "CreateDBCluster", PD, &restore_params(&backup)).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let cluster = created.json["DBClusterId"].as_str().unwrap().to_owned();
    let restore_type = || async {
        acs3(&app, &partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await.json["RestoreType"]
            .clone()
    };
    assert_eq!(restore_type().await, "RestoreByBackupSet", "restored from a level-1 set");

    // The restore ends, the owner takes the partner out of the share and the revocation runs.
    app.clock.advance(time::Duration::minutes(1));
    app.tick().await;
    let removed =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    app.clock.advance(time::Duration::minutes(11));
    app.tick().await;
    // Then the owner converts its set to level 2.
    let converted = app.form(Some(&owner_cookie), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(converted.status, StatusCode::OK, "{:?}", converted.json);
    app.clock.advance(time::Duration::minutes(2));
    app.tick().await;
    let level: String = sqlx::query_scalar("select level from backup_set where backup_set_id = ?")
        .bind(&backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(level, "Level-2", "the conversion ran");

    assert_eq!(
        restore_type().await,
        "RestoreByBackupSet",
        "the former principal's cluster told it of the owner's conversion"
    );
}

#[tokio::test]
async fn a_cluster_no_restore_made_has_no_billing_zone_or_source_made_up() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let attribute =
        acs3(&app, &owner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", SHAREABLE_CLUSTER)]).await.json;
    assert_eq!(attribute["DBClusterStatus"], "Running", "{attribute:?}");
    for field in ["PayType", "ZoneIds", "RestoreType", "RestoreDataPoint", "SourceDBCluster"] {
        assert_eq!(attribute.get(field), None, "{field}: the demo data stores none");
    }
}

#[tokio::test]
async fn the_bytes_a_clusters_live_level_1_and_level_2_sets_hold_are_answered() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    sqlx::query("update backup_set set level = 'Level-1', size_bytes = 10 where cluster_id = ?")
        .bind(SHAREABLE_CLUSTER)
        .execute(&app.pool)
        .await
        .unwrap();
    for (set, size, deleted) in
        [(&sets[0], 1_000, None), (&sets[1], 234, None), (&sets[2], 5_000_000, Some("2026-11-20T00:00:00Z"))]
    {
        sqlx::query("update backup_set set level = 'Level-2', size_bytes = ?, deleted_at = ? where backup_set_id = ?")
            .bind(size)
            .bind(deleted)
            .bind(set)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let live = app
        .count(&format!(
            "select count(*) from backup_set where cluster_id = '{SHAREABLE_CLUSTER}' and deleted_at is null"
        ))
        .await;
    let range =
        [("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", "2026-10-01T00:00Z"), ("EndTime", "2026-11-25T00:00Z")];
    let listed = acs3(&app, &owner, "DescribeBackups", PD, &range).await;
    assert_eq!(
        listed.json["TotalLevel2BackupSize"], "1234",
        "the live level-2 sets only, as text like PolarDB's other counts: {:?}",
        listed.json
    );
    let attribute =
        acs3(&app, &owner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", SHAREABLE_CLUSTER)]).await.json;
    // Every live set but the two made level-2, 10 bytes each; a number, as the model has it.
    assert_eq!(attribute["DataLevel1BackupChainSize"], Value::from((live - 2) * 10), "{attribute:?}");
}

#[tokio::test]
async fn describe_shared_backups_answers_each_set_as_stored_on_both_sides() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, backup, .. } = shared_with_partner_and_accepted(&app, &owner, "described").await;
    // Values no stand-in would give: an automated set, which ended an hour and a half after it started.
    sqlx::query("update backup_set set backup_mode = 'Automated', end_time = strftime('%Y-%m-%dT%H:%M:%SZ', start_time, '+90 minutes') where backup_set_id = ?")
        .bind(&backup)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update cluster set db_version = '5.7' where cluster_id = ?")
        .bind(SHAREABLE_CLUSTER)
        .execute(&app.pool)
        .await
        .unwrap();
    let (start, end, size): (String, String, i64) =
        sqlx::query_as("select start_time, end_time, size_bytes from backup_set where backup_set_id = ?")
            .bind(&backup)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let end_seconds = time::OffsetDateTime::parse(&end, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
        .to_string();

    let incoming = acs3(
        &app,
        &partner,
        "DescribeSharedBackups",
        PD,
        &[("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")],
    )
    .await
    .json;
    let outgoing =
        acs3(&app, &owner, "DescribeSharedBackups", PD, &[("ShareType", "ShareOutgoing"), ("RegionId", "cn-hangzhou")])
            .await
            .json;
    for (side, answer) in [("ShareIncoming", &incoming), ("ShareOutgoing", &outgoing)] {
        let item = answer["Items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["BackupId"] == backup.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{side}: {answer:?}"));
        let fields = [
            "BackupStartTime",
            "BackupEndTime",
            "ConsistentTime",
            "BackupMode",
            "BackupMethod",
            "BackupSetSize",
            "BackupStatus",
            "DBType",
            "DBVersion",
            "ShareType",
            "SharerUID",
        ]
        .map(|f| item[f].clone());
        assert_eq!(
            fields,
            [
                iso(&start),
                iso(&end),
                end_seconds.clone(),
                "Automated".into(),
                "Snapshot".into(),
                size.to_string(),
                "Success".into(),
                "MySQL".into(),
                "5.7".into(),
                side.into(),
                OWNER.into()
            ]
            .map(Value::from),
            "{side}: {item:?}"
        );
        assert_eq!(item.get("PayType"), None, "{side}: the demo cluster has no billing method stored");
    }
}

#[tokio::test]
async fn a_principal_leaving_a_share_is_answered_with_the_shares_name() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, share_id, .. } =
        shared_with_partner_and_accepted(&app, &owner, "named-leave").await;
    let left = acs3(
        &app,
        &partner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let association = &left.json["ResourceShareAssociations"][0];
    assert_eq!(
        (&association["ResourceShareName"], &association["AssociationStatus"]),
        (&Value::from("named-leave"), &Value::from("Disassociating")),
        "{association:?}"
    );
}

#[tokio::test]
async fn a_clusters_edition_is_answered_as_polardbs_category() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    // The demo data has Cluster and Limitless editions; Single Node is the domain's third.
    for (cluster, category) in [(SHAREABLE_CLUSTER, "Normal"), ("pc-bp1limitless01", "NormalMultimaster")] {
        let attribute = acs3(&app, &owner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", cluster)]).await.json;
        assert_eq!(attribute["Category"], category, "{cluster}: {attribute:?}");
    }
}
