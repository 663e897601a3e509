//! A restore is the principal's own: its new cluster, its job, its charge and its event are read only by
//! the principal's account, by console and by API, whatever another account (the owner of the set, a
//! second principal of it, an outsider) names.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, create_key, owner_key, restore_params, shared_with_partner_and_accepted, PD};
use http::StatusCode;
use serde_json::Value;

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

    let partner_sees =
        acs3(&app, &shared.partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
    assert_eq!(partner_sees.json["DBClusterStatus"], "Creating", "{:?}", partner_sees.json);

    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    for (who, key, cookie) in [
        ("owner", &owner, &owner_cookie),
        ("member", &member, &member_cookie),
        ("outsider", &outsider, &outsider_cookie),
    ] {
        let polled = acs3(&app, key, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
        assert_eq!(api_code(&polled), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", polled.json);
        let listed =
            acs3(&app, key, "DescribeDBClusters", PD, &[("RegionId", "cn-hangzhou"), ("DBClusterIds", &cluster)]).await;
        assert_eq!(listed.json["TotalRecordCount"], Value::from(0), "{who}: {:?}", listed.json);
        let backups = acs3(
            &app,
            key,
            "DescribeBackups",
            PD,
            &[("DBClusterId", &cluster), ("StartTime", "2026-01-01T00:00Z"), ("EndTime", "2027-01-01T00:00Z")],
        )
        .await;
        assert_eq!(api_code(&backups), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", backups.json);
        let page = app.form(Some(cookie), "list_backup_sets", &format!("cluster_id={cluster}&page=1")).await;
        assert_eq!(page.refusal(), (404, "EntityNotExists.DBCluster"), "{who}: {:?}", page.json);
        let jobs = app.form(Some(cookie), "list_restore_jobs", "").await;
        assert_eq!(jobs.status, StatusCode::OK, "{who}: {:?}", jobs.json);
        assert_eq!(jobs.json["total"], Value::from(0), "{who}: {:?}", jobs.json);
        let bill = app.form(Some(cookie), "billing", "").await;
        assert_eq!(bill.status, StatusCode::OK, "{who}: {:?}", bill.json);
        assert!(!bill.json.to_string().contains(&cluster), "{who}'s bill: {:?}", bill.json);
        assert_eq!(bill.json["charges_total_cents"], Value::from(0), "{who} pays nothing for it: {:?}", bill.json);
        let trail = app.form(Some(cookie), "audit_trail", "").await;
        assert_eq!(trail.status, StatusCode::OK, "{who}: {:?}", trail.json);
        let text = trail.json.to_string();
        assert!(
            !text.contains(&cluster) && !text.contains(&order) && !text.contains("RestoreToNewCluster"),
            "{who}'s trail: {text}"
        );
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

/// Who did what, by account: every event in `login`'s trail as (action, target, outcome).
async fn trail(app: &TestApp, cookie: &str) -> Vec<(String, String, String)> {
    let r = app.form(Some(cookie), "audit_trail", "page_size=100").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["target"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_outsiders_refused_attempts_on_a_share_are_in_its_own_trail_only_and_change_nothing() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "guarded").await;
    let invitation: String = sqlx::query_scalar("select invitation_id from invitation where receiver_account_id = ?")
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let before = app.sharing_state().await;
    let owner_cookie = app.sign_in("owner").await;
    let owner_trail = trail(&app, &owner_cookie).await;
    let partner_trail = trail(&app, &shared.partner_cookie).await;

    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    let attempts: Vec<(&str, &str, Vec<(&str, &str)>, (u16, &str))> = vec![
        ("CreateDBCluster", PD, restore_params(&shared.backup), (404, "EntityNotExists.BackupSet")),
        (
            "AcceptResourceShareInvitation",
            crate::openapi::RS,
            vec![("ResourceShareInvitationId", &invitation)],
            (409, "EntityNotExists.ResourceShareInvitation"),
        ),
        (
            "RejectResourceShareInvitation",
            crate::openapi::RS,
            vec![("ResourceShareInvitationId", &invitation)],
            (409, "EntityNotExists.ResourceShareInvitation"),
        ),
        (
            "DisassociateResourceShare",
            crate::openapi::RS,
            vec![("ResourceShareId", &shared.share_id), ("ResourceOwner", "OtherAccounts")],
            (404, "EntityNotExists.ResourceShare"),
        ),
        (
            "DeleteResourceShare",
            crate::openapi::RS,
            vec![("ResourceShareId", &shared.share_id)],
            (404, "EntityNotExists.ResourceShare"),
        ),
        (
            "DeleteBackup",
            PD,
            vec![("DBClusterId", SHAREABLE_CLUSTER), ("BackupId", &shared.backup)],
            (404, "EntityNotExists.BackupSet"),
        ),
    ];
    for (action, version, params, refusal) in &attempts {
        let r = acs3(&app, &outsider, action, version, params).await;
        assert_eq!(api_code(&r), *refusal, "{action}: {:?}", r.json);
    }
    let r = app.json(Some(&outsider_cookie), "restore_to_new_cluster", serde_json::json!({ "request": {
        "backup_set_id": shared.backup, "cluster_name": "grab", "node_spec": "polar.mysql.x4.medium", "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } })).await;
    assert_eq!(r.refusal(), (404, "EntityNotExists.BackupSet"), "{:?}", r.json);

    assert_eq!(app.sharing_state().await, before, "nothing changed");
    assert_eq!(app.count(&format!("select count(*) from restore_job where account_id = '{OUTSIDER}'")).await, 0);
    assert_eq!(app.count(&format!("select count(*) from charge where account_id = '{OUTSIDER}'")).await, 0);
    let outsiders = trail(&app, &outsider_cookie).await;
    assert_eq!(
        outsiders.iter().filter(|(_, _, outcome)| outcome != "Success").count(),
        attempts.len() + 1,
        "{outsiders:?}"
    );
    assert_eq!(trail(&app, &owner_cookie).await, owner_trail, "the owner's trail has none of them");
    assert_eq!(trail(&app, &shared.partner_cookie).await, partner_trail, "nor the partner's");
}

/// The bill's backup storage: what the account keeps at the clock's `now` (not deleted, not past its
/// retention), the first 100 GiB free and each further whole GiB 12 cents a month.
#[tokio::test]
async fn the_bill_counts_the_backup_storage_kept_now_beyond_the_free_100_gib() {
    let app = TestApp::new().await;
    const GIB: i64 = 1024 * 1024 * 1024;
    let sets: Vec<String> = sqlx::query_scalar(&format!("select backup_set_id from backup_set where account_id = '{PARTNER}' and deleted_at is null order by backup_set_id"))
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(sets.len() >= 3, "{sets:?}");
    sqlx::query(&format!(
        "update backup_set set size_bytes = 0, expires_at = '2027-01-01T00:00:00Z' where account_id = '{PARTNER}'"
    ))
    .execute(&app.pool)
    .await
    .unwrap();
    let set = |id: &str, bytes: i64, expires_at: &str| {
        sqlx::query("update backup_set set size_bytes = ?, expires_at = ? where backup_set_id = ?")
            .bind(bytes)
            .bind(expires_at.to_owned())
            .bind(id.to_owned())
            .execute(&app.pool)
    };
    // Kept: 150.5 GiB. Past its retention at the clock's now (2026-11-25 08:00): 80 GiB, no longer stored.
    set(&sets[0], 150 * GIB + GIB / 2, "2027-01-01T00:00:00Z").await.unwrap();
    set(&sets[1], 80 * GIB, "2026-11-20T00:00:00Z").await.unwrap();
    let partner = app.sign_in("partner").await;
    let bill = app.form(Some(&partner), "billing", "").await;
    assert_eq!(bill.status, StatusCode::OK, "{:?}", bill.json);
    assert_eq!(bill.json["backup_storage_bytes"], Value::from(150 * GIB + GIB / 2), "{:?}", bill.json);
    assert_eq!(bill.json["backup_storage_cents_per_month"], Value::from(50 * 12), "{:?}", bill.json);
    // Once the kept set's retention ends too, nothing is billed.
    app.clock.advance(time::Duration::days(60));
    let partner = app.sign_in("partner").await;
    let bill = app.form(Some(&partner), "billing", "").await;
    assert_eq!(
        (bill.json["backup_storage_bytes"].clone(), bill.json["backup_storage_cents_per_month"].clone()),
        (Value::from(0), Value::from(0)),
        "{:?}",
        bill.json
    );
}

#[tokio::test]
async fn the_billing_page_never_shows_more_storage_than_it_bills() {
    // Storage is billed by whole GB beyond the free 100: 101 GB less one byte costs nothing. The page
    // showed it rounded, "101.00 GB", beside a cost of ¥0.00, and 101 GB exactly the same "101.00 GB"
    // beside ¥0.12. Past 1 TB the figure can't say the whole GB at all, so the page names them.
    let app = TestApp::new().await;
    const GIB: i64 = 1024 * 1024 * 1024;
    app.exec(&format!(
        "update backup_set set size_bytes = 0, expires_at = '2027-01-01T00:00:00Z' where account_id = '{PARTNER}'"
    ))
    .await;
    let one: String = sqlx::query_scalar(&format!(
        "select min(backup_set_id) from backup_set where account_id = '{PARTNER}' and deleted_at is null"
    ))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let partner = app.sign_in("partner").await;
    for (bytes, shown, billed, cost) in [
        (101 * GIB - 1, "100.99 GB", "0 GB beyond the free quota", "¥0.00"),
        (101 * GIB, "101.00 GB", "1 GB beyond the free quota", "¥0.12"),
        (1024 * GIB + GIB / 2, "1.00 TB", "924 GB beyond the free quota", "¥110.88"),
    ] {
        app.exec(&format!("update backup_set set size_bytes = {bytes} where backup_set_id = '{one}'")).await;
        let (status, html) = app.get(Some(&partner), "/billing").await;
        assert_eq!(status, StatusCode::OK);
        let fact = |name: &str, value: &str| html.contains(&format!("<dt>{name}</dt><dd>{value}"));
        assert!(fact("Backup storage", shown), "{bytes} bytes shown as {shown}: {html}");
        assert!(fact("Billed", billed), "{bytes} bytes: {billed}: {html}");
        assert!(fact("Storage cost", cost), "{bytes} bytes cost {cost}: {html}");
    }
}

/// The bill says what its charges have cost so far, over every page of them, and names each charged
/// cluster by its name beside its id (a charge named the cluster only by its id, in its item's words).
#[tokio::test]
async fn the_bill_totals_every_charge_so_far_and_names_the_cluster_of_each() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", serde_json::json!({ "request": {
        "backup_set_id": backup, "cluster_name": "orders-reporting", "node_spec": "polar.mysql.x4.medium", "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cluster = r.json["cluster_id"].as_str().unwrap().to_owned();
    // Two earlier charges of the same cluster, so the total spans more than the one page asked for; and
    // the cluster runs for two hours and a minute (three hours begun at ¥0.85).
    app.exec(&format!(
        "insert into charge (account_id, cluster_id, item, pay_type, price_cents, billed_from, created_at) values
         ('{MEMBER}', '{cluster}', 'earlier', 'Prepaid', 1234, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),
         ('{MEMBER}', '{cluster}', 'earlier', null, 66, '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')"
    ))
    .await;
    app.clock.advance(app.state.settings.restore_duration);
    app.tick().await;
    app.clock.advance(time::Duration::hours(2) + time::Duration::minutes(1));
    let member = app.sign_in("member").await;

    let bill = app.form(Some(&member), "billing", "page_size=1").await;
    assert_eq!(bill.status, StatusCode::OK, "{:?}", bill.json);
    assert_eq!(bill.json["charges"]["total"], Value::from(3), "{:?}", bill.json);
    assert_eq!(bill.json["charges"]["items"].as_array().map(Vec::len), Some(1), "{:?}", bill.json);
    assert_eq!(
        bill.json["charges_total_cents"],
        Value::from(3 * 85 + 1234 + 66),
        "every page's charges: {:?}",
        bill.json
    );
    let newest = &bill.json["charges"]["items"][0];
    assert_eq!(
        (newest["cluster_id"].as_str(), newest["cluster_name"].as_str()),
        (Some(cluster.as_str()), Some("orders-reporting")),
        "{newest:?}"
    );
    assert_eq!(
        newest["item"].as_str(),
        Some(
            format!("New cluster (polar.mysql.x4.medium, pay-as-you-go) restored from shared backup set {backup}")
                .as_str()
        )
    );

    let (status, html) = app.get(Some(&member), "/billing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"<a href="/clusters/{cluster}">orders-reporting"#)),
        "the cluster's name, linked: {html}"
    );
    assert!(html.contains("Total so far (3 charges), as of"), "{html}");
    assert!(
        html.contains(r#"data-testid="charges-total" class="nowrap amount">¥15.55<"#),
        "¥2.55 + ¥12.34 + ¥0.66: {html}"
    );
    assert!(html.contains("Pay-as-you-go · ¥0.85 per hour begun"), "{html}");
    // The earlier subscription charge is of a cluster that records no term (written by hand here; every
    // subscription cluster has one since the subscription_term migration): its term is not made up.
    assert!(html.contains("Subscription, paid up front"), "{html}");
    assert!(html.contains("Charged once"), "{html}");

    // An account with no charge owes nothing for them.
    let owner = app.sign_in("owner").await;
    let bill = app.form(Some(&owner), "billing", "").await;
    assert_eq!(
        (bill.json["charges"]["total"].clone(), bill.json["charges_total_cents"].clone()),
        (Value::from(0), Value::from(0)),
        "{:?}",
        bill.json
    );
}

/// A charge made before charges named their cluster said it in its item: the migration moves the id to
/// the column and words the item as new charges are, and leaves an item naming no known cluster as is.
#[tokio::test]
async fn charges_made_before_name_their_cluster_after_the_migration() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cluster = r.json["cluster_id"].as_str().unwrap().to_owned();
    let old =
        format!("Cluster {cluster} (polar.mysql.x4.medium, pay-as-you-go) restored from shared backup set {backup}");
    app.exec(&format!("update charge set cluster_id = null, item = '{old}' where cluster_id = '{cluster}'")).await;
    let unknown = "Cluster pc-nowhere000000 (polar.mysql.x4.medium, subscription) restored from shared backup set 1";
    app.exec(&format!("insert into charge (account_id, item, price_cents, created_at) values ('{MEMBER}', '{unknown}', 1, '2026-11-01T00:00:00Z')")).await;

    // The migration's statements after the one that adds the column, as the file has them.
    let migration = include_str!("../../migrations/20261129075000_charge_cluster.sql");
    let body: String = migration.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join("\n");
    for statement in body.split(';').map(str::trim).filter(|s| !s.is_empty() && !s.starts_with("alter table")) {
        sqlx::query(statement).execute(&app.pool).await.unwrap();
    }
    let rows: Vec<(Option<String>, String)> = sqlx::query_as(&format!(
        "select cluster_id, item from charge where account_id = '{MEMBER}' order by created_at desc"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                Some(cluster),
                format!("New cluster (polar.mysql.x4.medium, pay-as-you-go) restored from shared backup set {backup}")
            ),
            (None, unknown.to_owned()),
        ]
    );
}
