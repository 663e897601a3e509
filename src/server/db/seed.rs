//! Demo data: accounts, identities, a resource directory, clusters and backup sets that let every
//! sharing rule be seen in the browser. Inserted only into an empty database.

use super::accounts::{insert_account, insert_identity, insert_regions};
use super::{ts, Tx};
use crate::server::auth::hash_password;
use anyhow::Context;
use sqlx::SqlitePool;
use time::{Duration, OffsetDateTime};

/// The password of every demo sign-in (documented in the README).
pub const DEMO_PASSWORD: &str = "Demo-Pass-2026";

pub const OWNER: &str = "1000000000000001";
pub const PARTNER: &str = "1000000000000002";
pub const MEMBER: &str = "1000000000000003";
pub const QA_MEMBER: &str = "1000000000000004";
pub const INTERNATIONAL: &str = "1000000000000005";
pub const NO_BETA: &str = "1000000000000006";
pub const OUTSIDER: &str = "1000000000000007";
pub const PLATFORM: &str = "1000000000000000";

pub const OWNER_DIRECTORY: &str = "rd-lumen01";
pub const ROOT_FOLDER: &str = "fd-lumenroot";
pub const ANALYTICS_FOLDER: &str = "fd-analytics";
pub const QA_FOLDER: &str = "fd-qa";

pub const SHAREABLE_CLUSTER: &str = "pc-bp1orders0001";

/// What goes into an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demo {
    /// Accounts, identities, the directory, clusters and backup sets.
    Base,
    /// The base plus some history: an old share whose invitation expired unanswered.
    WithHistory,
}

pub async fn insert_demo_if_empty(pool: &SqlitePool, now: OffsetDateTime, demo: Demo) -> anyhow::Result<bool> {
    let mut tx = super::begin_write(pool).await?;
    let accounts: i64 = sqlx::query_scalar("select count(*) from account").fetch_one(&mut *tx).await?;
    if accounts > 0 {
        return Ok(false);
    }
    insert_demo(&mut tx, now).await?;
    if demo == Demo::WithHistory {
        insert_expired_invitation(&mut tx, now).await?;
    }
    tx.commit().await.context("committing demo data")?;
    Ok(true)
}

/// A cluster's shape, as far as sharing cares.
pub struct ClusterSpec<'a> {
    pub id: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    pub name: &'a str,
    pub edition: &'a str,
    pub ha_mode: &'a str,
    pub tde: bool,
    pub disk_encryption: bool,
    pub status: &'a str,
}

pub async fn insert_cluster(tx: &mut Tx, c: &ClusterSpec<'_>, now: &str) -> anyhow::Result<()> {
    sqlx::query(
        "insert into cluster (cluster_id, account_id, region_id, cluster_name, db_type, db_version, edition, ha_mode,
            tde_enabled, disk_encryption_enabled, status, created_at)
         values (?, ?, ?, ?, 'MySQL', '8.0', ?, ?, ?, ?, ?, ?)",
    )
    .bind(c.id)
    .bind(c.account)
    .bind(c.region)
    .bind(c.name)
    .bind(c.edition)
    .bind(c.ha_mode)
    .bind(c.tde)
    .bind(c.disk_encryption)
    .bind(c.status)
    .bind(now)
    .execute(&mut **tx)
    .await
    .with_context(|| format!("inserting cluster {}", c.id))?;
    Ok(())
}

pub struct BackupSpec<'a> {
    pub id: &'a str,
    pub cluster: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    pub started: OffsetDateTime,
    pub status: &'a str,
    pub level: &'a str,
    pub expires: OffsetDateTime,
    pub lock: &'a str,
}

pub async fn insert_backup_set(tx: &mut Tx, b: &BackupSpec<'_>) -> anyhow::Result<()> {
    // Sizes vary with the id so the table looks like real data; 20-60 GB.
    let size: i64 = 20_000_000_000 + (b.id.bytes().map(i64::from).sum::<i64>() % 40) * 1_000_000_000;
    sqlx::query(
        "insert into backup_set (backup_set_id, cluster_id, account_id, region_id, start_time, end_time, status,
            size_bytes, method, backup_mode, level, expires_at, lock_state)
         values (?, ?, ?, ?, ?, ?, ?, ?, 'Snapshot', ?, ?, ?, ?)",
    )
    .bind(b.id)
    .bind(b.cluster)
    .bind(b.account)
    .bind(b.region)
    .bind(ts(b.started))
    .bind(ts(b.started + Duration::minutes(17)))
    .bind(b.status)
    .bind(size)
    .bind(if b.id.ends_with('0') { "Manual" } else { "Automated" })
    .bind(b.level)
    .bind(ts(b.expires))
    .bind(b.lock)
    .execute(&mut **tx)
    .await
    .with_context(|| format!("inserting backup set {}", b.id))?;
    Ok(())
}

async fn insert_directory(tx: &mut Tx) -> anyhow::Result<()> {
    sqlx::query(
        "insert into resource_directory (directory_id, management_account_id, root_folder_id) values (?, ?, ?)",
    )
    .bind(OWNER_DIRECTORY)
    .bind(OWNER)
    .bind(ROOT_FOLDER)
    .execute(&mut **tx)
    .await?;
    for (id, parent, name) in [
        (ROOT_FOLDER, None, "Root"),
        (ANALYTICS_FOLDER, Some(ROOT_FOLDER), "Analytics"),
        (QA_FOLDER, Some(ROOT_FOLDER), "QA"),
    ] {
        sqlx::query(
            "insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(OWNER_DIRECTORY)
        .bind(parent)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    }
    for (account, folder) in [(OWNER, ROOT_FOLDER), (MEMBER, ANALYTICS_FOLDER), (QA_MEMBER, QA_FOLDER)] {
        sqlx::query("insert into rd_member (account_id, directory_id, folder_id) values (?, ?, ?)")
            .bind(account)
            .bind(OWNER_DIRECTORY)
            .bind(folder)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert_demo(tx: &mut Tx, now: OffsetDateTime) -> anyhow::Result<()> {
    let now_s = ts(now);
    // One hash serves every demo identity: they share the documented demo password, and argon2 is slow
    // on purpose.
    let hash = hash_password(DEMO_PASSWORD)?.0;
    insert_regions(tx).await?;
    for (id, name, site, beta) in [
        (PLATFORM, "polarshare platform", "aliyun.com", false),
        (OWNER, "Lumen Retail", "aliyun.com", true),
        (PARTNER, "Harbor Analytics", "aliyun.com", true),
        (MEMBER, "Lumen Data Lab", "aliyun.com", true),
        (QA_MEMBER, "Lumen QA", "aliyun.com", true),
        (INTERNATIONAL, "Pacific Ventures", "alibabacloud.com", true),
        (NO_BETA, "Nomad Games", "aliyun.com", false),
        (OUTSIDER, "Orbit Logistics", "aliyun.com", true),
    ] {
        insert_account(tx, id, name, site, beta, &now_s).await?;
    }
    const FULL: &str = "AliyunPolardbFullAccess";
    const READ: &str = "AliyunPolardbReadOnlyAccess";
    const RC: &str = "AliyunResourceCenterFullAccess";
    for (account, login, kind, policies) in [
        (PLATFORM, "operator", "operator", &[][..]),
        (OWNER, "owner", "root", &[][..]),
        (OWNER, "dba@lumen", "ram_user", &[FULL, RC][..]),
        (OWNER, "developer@lumen", "ram_user", &[FULL][..]),
        (OWNER, "auditor@lumen", "ram_user", &[READ][..]),
        (PARTNER, "partner", "root", &[][..]),
        (MEMBER, "member", "root", &[][..]),
        (QA_MEMBER, "qa", "root", &[][..]),
        (INTERNATIONAL, "intl", "root", &[][..]),
        (NO_BETA, "nobeta", "root", &[][..]),
        (OUTSIDER, "outsider", "root", &[][..]),
    ] {
        insert_identity(tx, account, login, kind, &hash, policies, &now_s).await?;
    }
    // The endings of the demo's RAM users' names (dba@lumen; reader@harbor, clerk@orbit in tests).
    for (account, alias) in [
        (OWNER, "lumen"),
        (PARTNER, "harbor"),
        (MEMBER, "datalab"),
        (QA_MEMBER, "lumenqa"),
        (INTERNATIONAL, "pacific"),
        (NO_BETA, "nomad"),
        (OUTSIDER, "orbit"),
    ] {
        super::accounts::set_login_alias(tx, account, alias).await?;
    }
    insert_directory(tx).await?;

    let cluster = |id, account, region, name, edition, ha_mode, tde, disk_encryption, status| ClusterSpec {
        id,
        account,
        region,
        name,
        edition,
        ha_mode,
        tde,
        disk_encryption,
        status,
    };
    let clusters = [
        cluster(
            SHAREABLE_CLUSTER,
            OWNER,
            "cn-hangzhou",
            "orders-prod",
            "Cluster",
            "MultiZone",
            false,
            false,
            "Running",
        ),
        cluster(
            "pc-bp1limitless01",
            OWNER,
            "cn-hangzhou",
            "orders-limitless",
            "Limitless",
            "MultiZone",
            false,
            false,
            "Running",
        ),
        cluster(
            "pc-bp1payments3az",
            OWNER,
            "cn-hangzhou",
            "payments-3az",
            "Cluster",
            "ThreeZoneHotStandby",
            false,
            false,
            "Running",
        ),
        cluster("pc-bp1crmtde0001", OWNER, "cn-hangzhou", "crm-tde", "Cluster", "MultiZone", true, false, "Running"),
        cluster(
            "pc-bp1hrdiskenc01",
            OWNER,
            "cn-hangzhou",
            "hr-disk-encrypted",
            "Cluster",
            "MultiZone",
            false,
            true,
            "Running",
        ),
        cluster(
            "pc-bp1legacy00001",
            OWNER,
            "cn-hangzhou",
            "legacy-archive",
            "Cluster",
            "SingleZone",
            false,
            false,
            "Recycled",
        ),
        cluster(
            "pc-2zeanalytics01",
            OWNER,
            "cn-beijing",
            "analytics-bj",
            "Cluster",
            "MultiZone",
            false,
            false,
            "Running",
        ),
        cluster(
            "pc-bp1harbor00001",
            PARTNER,
            "cn-hangzhou",
            "harbor-warehouse",
            "Cluster",
            "MultiZone",
            false,
            false,
            "Running",
        ),
        cluster(
            "pc-bp1nomad000001",
            NO_BETA,
            "cn-hangzhou",
            "nomad-game-state",
            "Cluster",
            "MultiZone",
            false,
            false,
            "Running",
        ),
        cluster(
            "pc-gs5pacific0001",
            INTERNATIONAL,
            "ap-southeast-1",
            "pacific-billing",
            "Cluster",
            "MultiZone",
            false,
            false,
            "Running",
        ),
    ];
    for c in &clusters {
        insert_cluster(tx, c, &now_s).await?;
    }

    let day = Duration::days(1);
    let mut next_id = 3_200_000_000_i64;
    for c in &clusters {
        // Six healthy daily backups per cluster, newest first.
        for n in 1..=6 {
            next_id += 1;
            let id = next_id.to_string();
            let started = now - day * n;
            let level = if n > 4 { "Level-2" } else { "Level-1" };
            insert_backup_set(
                tx,
                &BackupSpec {
                    id: &id,
                    cluster: c.id,
                    account: c.account,
                    region: c.region,
                    started,
                    status: "Success",
                    level,
                    expires: started + day * 30,
                    lock: "None",
                },
            )
            .await?;
        }
    }
    // The shareable cluster also has one backup set for each reason a set can't be shared.
    let special = [
        ("3200009001", "Failed", now - day * 7, now + day * 20, "None"),
        ("3200009002", "Success", now - day * 40, now - day * 2, "None"),
        ("3200009003", "Success", now - day * 8, now + day * 22, "Restoring"),
        ("3200009004", "Success", now - day * 9, now + day * 21, "ConvertingLevel"),
        ("rp-hz2bj0009005", "Success", now - day * 10, now + day * 20, "None"),
    ];
    for (id, status, started, expires, lock) in special {
        let region = "cn-hangzhou";
        insert_backup_set(
            tx,
            &BackupSpec {
                id,
                cluster: SHAREABLE_CLUSTER,
                account: OWNER,
                region,
                started,
                status,
                level: "Level-1",
                expires,
                lock,
            },
        )
        .await?;
    }
    Ok(())
}

/// Harbor Analytics shared a backup set with Orbit Logistics nine days ago; the invitation was never
/// answered, so it is expired (shown in Orbit's Shared With Me, and refused if accepted).
async fn insert_expired_invitation(tx: &mut Tx, now: OffsetDateTime) -> anyhow::Result<()> {
    let sent = ts(now - Duration::days(9));
    let backup: String = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = 'pc-bp1harbor00001' order by backup_set_id limit 1",
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "insert into resource_share (resource_share_id, owner_account_id, resource_share_name, principal_scope, status, created_at, updated_at)
         values ('rs-harbor01', ?1, 'harbor-archive', 'AllAccounts', 'Active', ?2, ?2)",
    )
    .bind(PARTNER)
    .bind(&sent)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into share_resource (resource_share_id, backup_set_id, created_at) values ('rs-harbor01', ?, ?)",
    )
    .bind(&backup)
    .bind(&sent)
    .execute(&mut **tx)
    .await?;
    sqlx::query("insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at) values ('rs-harbor01', ?, 'Account', 'Associated', ?)")
        .bind(OUTSIDER)
        .bind(&sent)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id, status, created_at, expires_at, updated_at)
         values ('i-harborexpired', 'rs-harbor01', ?1, ?2, 'Pending', ?3, ?4, ?3)",
    )
    .bind(PARTNER)
    .bind(OUTSIDER)
    .bind(&sent)
    .bind(ts(now - Duration::days(2)))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// End-to-end tests' own data (the demo's `/demo/fresh-backup-sets`): `count` new completed level-1
/// backup sets of `cluster`, taken minutes before `now` so they head its Data Backups tab, none shared
/// yet. `None` when the cluster is not `account`'s.
pub async fn insert_fresh_backup_sets(
    pool: &SqlitePool,
    account: &str,
    cluster: &str,
    count: u32,
    now: OffsetDateTime,
) -> anyhow::Result<Option<Vec<String>>> {
    let mut tx = super::begin_write(pool).await?;
    let region: Option<String> =
        sqlx::query_scalar("select region_id from cluster where cluster_id = ? and account_id = ?")
            .bind(cluster)
            .bind(account)
            .fetch_optional(&mut *tx)
            .await
            .context("reading the cluster of fresh backup sets")?;
    let Some(region) = region else { return Ok(None) };
    let mut ids = Vec::new();
    for i in 0..count {
        // 12 digits: never one of the demo's 10-digit ids; random, so repeated calls don't collide.
        let id =
            format!("4{:011}", crate::server::ids::account_id()[5..].parse::<u64>().unwrap_or(0) % 100_000_000_000);
        let started = now - Duration::minutes(i64::from(i) + 1);
        let spec = BackupSpec {
            id: &id,
            cluster,
            account,
            region: &region,
            started,
            status: "Success",
            level: "Level-1",
            expires: started + Duration::days(30),
            lock: "None",
        };
        insert_backup_set(&mut tx, &spec).await?;
        ids.push(id);
    }
    tx.commit().await.context("committing fresh backup sets")?;
    Ok(Some(ids))
}
