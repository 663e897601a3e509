//! Upgrades with data: a database made by an earlier release, at one of its schema levels (the
//! migrations applied up to it), full of rows as that release wrote them (shares in each status,
//! invitations in each state, a revocation running, a removal waiting for a restore, a restore running,
//! a level conversion running and one done, sets that joined a share during a revocation, AccessKeys,
//! sessions, nonces, tickets, the audit trail, charges), is opened by the real app, which runs every
//! later migration. Every row keeps its meaning: the columns it had are as they were, the trigger-kept
//! counts equal a recount, each account reads exactly the sets it read before, the console's and the
//! OpenAPI's lists answer, and sharing, accepting and restoring go on working.
//!
//! The rows are written with each level's own columns (read from its migrations), in the order the
//! release's actions wrote them, so that the level's own triggers keep its derived tables as they were.

use crate::helpers::*;
use crate::invariants::broken_invariants;
use crate::openapi::{acs3, Key, PD, RS};
use http::StatusCode;
use serde_json::json;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::borrow::Cow;
use std::collections::BTreeMap;
use time::macros::datetime;

/// The first level with shares, invitations and AccessKeys all in place (`access_key`).
const ACCESS_KEYS: i64 = 20261127000005;
/// The level before the leaving counts (`shared_backup_set` still followed `Active` shares).
const BEFORE_LEAVING_COUNTS: i64 = 20261128235026;
/// The level just before the last migration of this release.
const BEFORE_LAST: i64 = 20261129050000;
/// The level before charges were billed by their method (a month's price once, whatever the method).
const BEFORE_CHARGE_BILLING: i64 = 20261129080000;

// Levels at which a column or table the fill writes appeared.
const LATE_RESOURCE: i64 = 20261127230000;
const LATE_PRINCIPAL: i64 = 20261128000000;
const ACCESS_KEY_USE: i64 = 20261128010000;
const LOGIN_ALIAS: i64 = 20261128030000;
const NULLABLE_MOVED_OUT_REVOKE_AT: i64 = 20261128040000;
const CLIENT_TOKEN_REQUEST: i64 = 20261128050000;
const ENDED_SHARE_NAME: i64 = 20261128060000;
const SIGN_IN_LOCK: i64 = 20261127000006;
const RESTORED_FROM_LEVEL: i64 = 20261129030000;
const RESTORED_FROM_LEVEL_BY_TRAIL: i64 = 20261129070000;
const NONCE_CUTOFF: i64 = 20261129040000;
const ACCESS_KEY_REQUEST: i64 = 20261129050000;
const CHARGE_CLUSTER: i64 = 20261129075000;

/// When the old release stopped and the new one starts.
const NOW: time::OffsetDateTime = datetime!(2026-11-28 12:00 UTC);

const CLUSTER: &str = "pc-oldorders01";
/// The partner's cluster restored from B7 on 11-22, before the owner converted B7 to level-2 (11-23).
const RESTORED_BEFORE_CONVERSION: &str = "pc-oldrestore01";
/// The partner's cluster being restored from B1 now.
const RESTORING: &str = "pc-oldrestore02";
/// The partner's pay-as-you-go cluster restored from B7 on 11-23 and released (its trail says when).
const RELEASED: &str = "pc-oldrelease01";
/// The partner's subscription cluster restored from B7 on 11-24.
const MONTHLY: &str = "pc-oldmonthly01";
/// The partner's pay-as-you-go cluster released with no trail of when (its release time is unknown).
const RELEASED_UNTIMED: &str = "pc-olduntimed01";

const B1: &str = "3300000001"; // in S1, the partner restoring from it
const B2: &str = "3300000002"; // in S2 (pending, rejected) and S3 (expired)
const B3: &str = "3300000003"; // in S4, whose principal is being revoked
const B4: &str = "3300000004"; // in S5, being deleted
const B5: &str = "3300000005"; // in S7, a directory folder's share
const B6: &str = "3300000006"; // being converted to level-2
const B7: &str = "3300000007"; // level-2 since 11-23; in S6, deleted
const B8: &str = "3300000008"; // free: shared after the upgrade
const B9: &str = "3300000009"; // joined S4 during its principal's revocation (late_resource levels)
const B10: &str = "3300000010"; // being taken out of S1

const OWNER_TOKEN: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const PARTNER_TOKEN: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const OWNER_KEY: &str = "LTAIupgradeowner0000001";
const PARTNER_KEY: &str = "LTAIupgradepartner00001";
const DBA_KEY: &str = "LTAIupgradedba000000001";

/// A database with the migrations up to `level` applied, as the release at that level left it.
async fn database_at(dir: &tempfile::TempDir, level: i64) -> (std::path::PathBuf, SqlitePool) {
    let all = sqlx::migrate!("./migrations");
    assert!(all.iter().any(|m| m.version == level), "{level} is a migration of this release");
    let upto = Migrator {
        migrations: Cow::Owned(all.migrations.iter().filter(|m| m.version <= level).cloned().collect()),
        ..Migrator::DEFAULT
    };
    let path = dir.path().join("old.db");
    let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true).foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("old database");
    upto.run(&pool).await.expect("migrations up to the level");
    (path, pool)
}

async fn run(pool: &SqlitePool, sql: &str) {
    sqlx::raw_sql(sql).execute(pool).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
}

fn digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A restore's charge as the release at `level` wrote it: where charges name their cluster
/// (charge_cluster), in its column; before, the cluster's name in the item.
fn charge(level: i64, cluster: &str, method: &str, set: &str, cents: i64, at: &str) -> String {
    if level >= CHARGE_CLUSTER {
        format!(
            "insert into charge (account_id, cluster_id, item, amount_cents, created_at) values
             ('{PARTNER}', '{cluster}', 'New cluster (polar.mysql.x4.medium, {method}) restored from shared backup set {set}', {cents}, '{at}');"
        )
    } else {
        let name = if cluster == RESTORING { "copy-of-b1" } else { "copy-of-b7" };
        format!(
            "insert into charge (account_id, item, amount_cents, created_at) values ('{PARTNER}', 'Cluster {name} (polar.mysql.x4.medium, Postpaid)', {cents}, '{at}');"
        )
    }
}

/// A cluster the partner restored from a set, as the release at `level` wrote it.
struct Restored<'a> {
    cluster: &'a str,
    name: &'a str,
    status: &'a str,
    at: &'a str,
    set: &'a str,
    node_spec: &'a str,
    pay_type: &'a str,
    /// What the restored-from-level column holds, at the levels that have it.
    source_level: &'a str,
}

fn restored_cluster(level: i64, r: &Restored) -> String {
    let (level_column, level_value) = if level >= RESTORED_FROM_LEVEL {
        (", source_backup_level", format!(", '{}'", r.source_level))
    } else {
        ("", String::new())
    };
    let Restored { cluster, name, status, at, set, node_spec, pay_type, .. } = r;
    format!(
        "insert into cluster (cluster_id, account_id, region_id, cluster_name, db_type, db_version, edition, ha_mode, tde_enabled, disk_encryption_enabled,
                              status, created_at, source_backup_set_id, node_spec, zone_id, pay_type{level_column})
         values ('{cluster}', '{PARTNER}', 'cn-hangzhou', '{name}', 'MySQL', '8.0', 'Cluster', 'MultiZone', 0, 0, '{status}',
                 '{at}', '{set}', '{node_spec}', 'cn-hangzhou-h', '{pay_type}'{level_value});"
    )
}

/// The rows an earlier release at `level` would hold, written with that level's columns, in the order
/// its actions wrote them (so its triggers keep its derived tables as they kept them then).
async fn fill(pool: &SqlitePool, level: i64) {
    let hash = polarshare::server::auth::hash_password(DEMO_PASSWORD).unwrap().0;
    run(pool, "insert into region (region_id, region_name) values ('cn-hangzhou', 'China (Hangzhou)')").await;
    for (id, name) in [
        (PLATFORM, "polarshare platform"),
        (OWNER, "Lumen Retail"),
        (PARTNER, "Harbor Analytics"),
        (MEMBER, "Lumen Data Lab"),
        (QA_MEMBER, "Lumen QA"),
        (OUTSIDER, "Orbit Logistics"),
    ] {
        run(pool, &format!("insert into account (account_id, display_name, site, beta_enabled, share_quota, created_at) values ('{id}', '{name}', 'aliyun.com', 1, 1000, '2026-11-20T09:00:00Z')")).await;
    }
    if level >= LOGIN_ALIAS {
        // As the alias migration left them: the RAM users' ending, else the account's id.
        run(pool, &format!("update account set login_alias = iif(account_id = '{OWNER}', 'lumen', account_id)")).await;
    }
    for (id, account, login, kind) in [
        (1, PLATFORM, "operator", "operator"),
        (2, OWNER, "owner", "root"),
        (3, OWNER, "dba@lumen", "ram_user"),
        (4, PARTNER, "partner", "root"),
        (5, MEMBER, "member", "root"),
        (6, QA_MEMBER, "qa", "root"),
        (7, OUTSIDER, "outsider", "root"),
    ] {
        run(pool, &format!("insert into identity (identity_id, account_id, login_name, kind, password_hash, created_at) values ({id}, '{account}', '{login}', '{kind}', '{hash}', '2026-11-20T09:00:00Z')")).await;
    }
    run(pool, "insert into identity_policy (identity_id, policy_name) values (3, 'AliyunPolardbFullAccess'), (3, 'AliyunResourceCenterFullAccess')").await;
    run(pool, &format!(
        "insert into session (session_digest, identity_id, created_at, expires_at) values
             ('{}', 2, '2026-11-28T11:50:00Z', '2026-11-28T12:50:00Z'), ('{}', 4, '2026-11-28T11:50:00Z', '2026-11-28T12:50:00Z')",
        digest(OWNER_TOKEN), digest(PARTNER_TOKEN)
    )).await;

    // The owner's directory: MEMBER in fd-analytics; QA moved from fd-analytics to fd-qa (below).
    run(pool, &format!(
        "insert into resource_directory (directory_id, management_account_id, root_folder_id) values ('{OWNER_DIRECTORY}', '{OWNER}', '{ROOT_FOLDER}');
         insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values
             ('{ROOT_FOLDER}', '{OWNER_DIRECTORY}', null, 'Root'), ('{ANALYTICS_FOLDER}', '{OWNER_DIRECTORY}', '{ROOT_FOLDER}', 'Analytics'),
             ('{QA_FOLDER}', '{OWNER_DIRECTORY}', '{ROOT_FOLDER}', 'QA');
         insert into rd_member (account_id, directory_id, folder_id) values
             ('{OWNER}', '{OWNER_DIRECTORY}', '{ROOT_FOLDER}'), ('{MEMBER}', '{OWNER_DIRECTORY}', '{ANALYTICS_FOLDER}'),
             ('{QA_MEMBER}', '{OWNER_DIRECTORY}', '{ANALYTICS_FOLDER}');
         insert into rd_invitation (rd_invitation_id, directory_id, account_id, folder_id, status, created_at, expires_at, updated_at) values
             ('h-upgradepend1', '{OWNER_DIRECTORY}', '{OUTSIDER}', '{ROOT_FOLDER}', 'Pending', '2026-11-27T09:00:00Z', '2026-12-11T09:00:00Z', '2026-11-27T09:00:00Z'),
             ('h-upgraderej01', '{OWNER_DIRECTORY}', '{PARTNER}', '{ROOT_FOLDER}', 'Rejected', '2026-11-21T09:00:00Z', '2026-12-05T09:00:00Z', '2026-11-21T10:00:00Z');"
    )).await;

    // The owner's cluster and its sets (all level-1 then; B7 is converted below).
    run(pool, &format!(
        "insert into cluster (cluster_id, account_id, region_id, cluster_name, db_type, db_version, edition, ha_mode, tde_enabled,
                              disk_encryption_enabled, status, created_at, zone_id)
         values ('{CLUSTER}', '{OWNER}', 'cn-hangzhou', 'orders-old', 'MySQL', '8.0', 'Cluster', 'MultiZone', 0, 0, 'Running', '2026-11-20T09:00:00Z', 'cn-hangzhou-h')"
    )).await;
    for (i, set) in [B1, B2, B3, B4, B5, B6, B7, B8, B9, B10].iter().enumerate() {
        run(pool, &format!(
            "insert into backup_set (backup_set_id, cluster_id, account_id, region_id, start_time, end_time, status, size_bytes, backup_mode, level, expires_at)
             values ('{set}', '{CLUSTER}', '{OWNER}', 'cn-hangzhou', '2026-11-20T1{i}:00:00Z', '2026-11-20T1{i}:10:00Z', 'Success', {size}, 'Automated', 'Level-1', '2027-06-01T00:00:00Z')",
            size = 1_000_000 + i
        )).await;
    }

    // Every share as made (Active, resources, then principals), then what happened to it.
    let share = |id: &str, name: &str, scope: &str, sets: &[&str], principals: &[(&str, &str)]| {
        let mut sql = format!(
            "insert into resource_share (resource_share_id, owner_account_id, resource_share_name, principal_scope, status, created_at, updated_at)
             values ('{id}', '{OWNER}', '{name}', '{scope}', 'Active', '2026-11-21T10:00:00Z', '2026-11-21T10:00:00Z');"
        );
        for set in sets {
            sql += &format!("insert into share_resource (resource_share_id, backup_set_id, created_at) values ('{id}', '{set}', '2026-11-21T10:00:00Z');");
        }
        for (principal, kind) in principals {
            sql += &format!("insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at) values ('{id}', '{principal}', '{kind}', 'Associated', '2026-11-21T10:00:00Z');");
        }
        sql
    };
    let invite = |id: &str, share: &str, to: &str, expires: &str| {
        format!(
            "insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id, status, created_at, expires_at, updated_at)
             values ('{id}', '{share}', '{OWNER}', '{to}', 'Pending', '2026-11-21T10:00:00Z', '{expires}', '2026-11-21T10:00:00Z');"
        )
    };
    let answer = |id: &str, status: &str, at: &str| {
        format!("update invitation set status = '{status}', updated_at = '{at}' where invitation_id = '{id}';")
    };
    let account = "Account";
    // S1: the partner accepted; the outsider too (joined after B10's removal began where that is recorded).
    run(pool, &share("rs-upgrade1", "accepted", "AllAccounts", &[B1, B10], &[(PARTNER, account)])).await;
    run(
        pool,
        &(invite("i-upgradeacc01", "rs-upgrade1", PARTNER, "2026-11-28T10:00:00Z")
            + &answer("i-upgradeacc01", "Accepted", "2026-11-21T11:00:00Z")),
    )
    .await;
    // S2: the outsider's invitation pending, the partner's rejected.
    run(pool, &share("rs-upgrade2", "pending", "AllAccounts", &[B2], &[(OUTSIDER, account), (PARTNER, account)])).await;
    run(pool, &invite("i-upgradepen01", "rs-upgrade2", OUTSIDER, "2026-12-05T10:00:00Z")).await;
    run(
        pool,
        &(invite("i-upgraderej01", "rs-upgrade2", PARTNER, "2026-11-28T10:00:00Z")
            + &answer("i-upgraderej01", "Rejected", "2026-11-21T12:00:00Z")),
    )
    .await;
    // S3: the outsider's invitation expired (the schedule marked it), the partner's past its expiry, not marked yet.
    run(pool, &share("rs-upgrade3", "expired", "AllAccounts", &[B2], &[(OUTSIDER, account), (PARTNER, account)])).await;
    run(
        pool,
        &(invite("i-upgradeexp01", "rs-upgrade3", OUTSIDER, "2026-11-27T00:00:00Z")
            + &answer("i-upgradeexp01", "Expired", "2026-11-27T00:00:01Z")),
    )
    .await;
    run(pool, &invite("i-upgradeexp02", "rs-upgrade3", PARTNER, "2026-11-27T00:00:00Z")).await;
    // S4: the partner accepted, then the owner removed it: its revocation runs until 12:08.
    run(pool, &share("rs-upgrade4", "revoking", "AllAccounts", &[B3], &[(PARTNER, account)])).await;
    run(
        pool,
        &(invite("i-upgradeacc04", "rs-upgrade4", PARTNER, "2026-11-28T10:00:00Z")
            + &answer("i-upgradeacc04", "Accepted", "2026-11-21T11:00:00Z")),
    )
    .await;
    run(pool, "update share_principal set status = 'Disassociating', revoke_at = '2026-11-28T12:08:00Z' where resource_share_id = 'rs-upgrade4';
               update invitation set access_ends_at = '2026-11-28T12:08:00Z', updated_at = '2026-11-28T11:58:00Z' where invitation_id = 'i-upgradeacc04'").await;
    if level >= LATE_RESOURCE {
        // B9 joined S4 during the partner's revocation: never shared with it (the level's trigger records it).
        run(pool, &format!("insert into share_resource (resource_share_id, backup_set_id, created_at) values ('rs-upgrade4', '{B9}', '2026-11-28T11:59:00Z')")).await;
    }
    // S5: a directory-scope share of MEMBER's, being deleted (its principals revoked until 12:06).
    run(pool, &share("rs-upgrade5", "deleting", "ResourceDirectory", &[B4], &[(MEMBER, account)])).await;
    run(pool, "update share_principal set status = 'Disassociating', revoke_at = '2026-11-28T12:06:00Z' where resource_share_id = 'rs-upgrade5';
               update resource_share set status = 'Deleting', updated_at = '2026-11-28T11:56:00Z' where resource_share_id = 'rs-upgrade5'").await;
    // S6: the partner accepted and restored B7 (11-22); the share was deleted and revoked (11-24).
    run(pool, &share("rs-upgrade6", "deleted", "AllAccounts", &[B7], &[(PARTNER, account)])).await;
    run(
        pool,
        &(invite("i-upgradeacc06", "rs-upgrade6", PARTNER, "2026-11-28T10:00:00Z")
            + &answer("i-upgradeacc06", "Accepted", "2026-11-21T11:00:00Z")),
    )
    .await;
    // S7: a folder of the directory; QA moved out of it (its revocation runs until 12:05).
    run(pool, &share("rs-upgrade7", "directory", "ResourceDirectory", &[B5], &[(ANALYTICS_FOLDER, "Folder")])).await;
    run(pool, &format!(
        "update rd_member set folder_id = '{QA_FOLDER}' where account_id = '{QA_MEMBER}';
         insert into membership_revocation (account_id, resource_share_id, revoke_at) values ('{QA_MEMBER}', 'rs-upgrade7', '2026-11-28T12:05:00Z')"
    )).await;

    // The partner's restore of B7 on 11-22, finished, and its charge.
    // What the restored-from-level migration wrote for a cluster restored before it: the set's level then
    // (B7's, level-2 by then), until the by-trail migration corrected it.
    let source_level = if level >= RESTORED_FROM_LEVEL_BY_TRAIL { "Level-1" } else { "Level-2" };
    let restored = Restored {
        cluster: RESTORED_BEFORE_CONVERSION,
        name: "copy-of-b7",
        status: "Running",
        at: "2026-11-22T10:00:00Z",
        set: B7,
        node_spec: "polar.mysql.x4.medium",
        pay_type: "Postpaid",
        source_level,
    };
    run(pool, &format!(
        "{}
         insert into restore_job (restore_job_id, backup_set_id, owner_account_id, account_id, cluster_id, status, started_at, finishes_at, finished_at)
         values ('rj-upgrade000001', '{B7}', '{OWNER}', '{PARTNER}', '{RESTORED_BEFORE_CONVERSION}', 'Succeeded', '2026-11-22T10:00:00Z', '2026-11-22T10:00:30Z', '2026-11-22T10:00:31Z');
         {}",
        restored_cluster(level, &restored),
        charge(level, RESTORED_BEFORE_CONVERSION, "pay-as-you-go", B7, 1234, "2026-11-22T10:00:00Z")
    )).await;
    // The owner converted B7 to level-2 the next day (its trail says so), done an hour later.
    run(pool, &format!(
        "insert into audit_event (occurred_at, account_id, identity, source_ip, request_id, action, target, outcome, channel)
         values ('2026-11-23T10:00:00Z', '{OWNER}', 'owner', '127.0.0.1', 'req-conv-b7', 'ConvertBackupLevel', '{B7}', 'Success', 'console');
         update backup_set set level = 'Level-2' where backup_set_id = '{B7}'"
    )).await;
    run(pool, "update share_principal set status = 'Disassociating', revoke_at = '2026-11-24T10:10:00Z' where resource_share_id = 'rs-upgrade6';
               update invitation set access_ends_at = '2026-11-24T10:10:00Z', updated_at = '2026-11-24T10:00:00Z' where invitation_id = 'i-upgradeacc06';
               update resource_share set status = 'Deleting', updated_at = '2026-11-24T10:00:00Z' where resource_share_id = 'rs-upgrade6';
               delete from share_principal where resource_share_id = 'rs-upgrade6';
               update resource_share set status = 'Deleted', updated_at = '2026-11-24T10:10:01Z' where resource_share_id = 'rs-upgrade6'").await;

    // B10 taken out of S1 (until 12:07); then the outsider joined S1 and accepted.
    run(pool, "update share_resource set status = 'Disassociating', revoke_at = '2026-11-28T12:07:00Z' where resource_share_id = 'rs-upgrade1' and backup_set_id = '3300000010'").await;
    run(pool, &format!("insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at) values ('rs-upgrade1', '{OUTSIDER}', 'Account', 'Associated', '2026-11-28T11:57:30Z')")).await;
    run(
        pool,
        &(invite("i-upgradeacc11", "rs-upgrade1", OUTSIDER, "2026-12-05T11:57:30Z")
            + &answer("i-upgradeacc11", "Accepted", "2026-11-28T11:58:00Z")),
    )
    .await;

    // The partner restores B1 now (until 12:05), with its ClientToken remembered.
    let (request_column, request_value) = if level >= CLIENT_TOKEN_REQUEST {
        (", request", format!(", '{{\"CloneDataPoint\":\"{B1}\"}}'"))
    } else {
        ("", String::new())
    };
    run(pool, &format!(
        "{}
         update backup_set set lock_state = 'Restoring' where backup_set_id = '{B1}';
         insert into restore_job (restore_job_id, backup_set_id, owner_account_id, account_id, cluster_id, status, started_at, finishes_at)
         values ('rj-upgrade000002', '{B1}', '{OWNER}', '{PARTNER}', '{RESTORING}', 'Running', '2026-11-28T11:59:00Z', '2026-11-28T12:05:00Z');
         {}
         insert into api_client_token (account_id, action, client_token, answer, created_at{request_column})
         values ('{PARTNER}', 'CreateDBCluster', 'token-b1', '{{\"DBClusterId\":\"{RESTORING}\"}}', '2026-11-28T11:59:00Z'{request_value});",
        restored_cluster(
            level,
            &Restored {
                cluster: RESTORING,
                name: "copy-of-b1",
                status: "Creating",
                at: "2026-11-28T11:59:00Z",
                set: B1,
                node_spec: "polar.mysql.x4.medium",
                pay_type: "Postpaid",
                source_level: "Level-1",
            }
        ),
        charge(level, RESTORING, "pay-as-you-go", B1, 1234, "2026-11-28T11:59:00Z")
    )).await;
    if level >= CHARGE_CLUSTER {
        // Where charges name their cluster: a pay-as-you-go cluster released on 11-23 (by the trail), a
        // subscription, and a pay-as-you-go cluster released with no trail of when (written by hand).
        for (cluster, pay_type, node_spec, price, day) in [
            (RELEASED, "Postpaid", "polar.mysql.x4.large", 124_000, "23"),
            (MONTHLY, "Prepaid", "polar.mysql.x4.medium", 62_000, "24"),
            (RELEASED_UNTIMED, "Postpaid", "polar.mysql.x4.medium", 62_000, "25"),
        ] {
            let status = if pay_type == "Prepaid" { "Running" } else { "Recycled" };
            let method = if pay_type == "Prepaid" { "subscription" } else { "pay-as-you-go" };
            let (name, at) = (format!("copy-{cluster}"), format!("2026-11-{day}T09:00:00Z"));
            let restored = Restored {
                cluster,
                name: &name,
                status,
                at: &at,
                set: B7,
                node_spec,
                pay_type,
                source_level: "Level-1",
            };
            run(pool, &format!(
                "{}
                 insert into restore_job (restore_job_id, backup_set_id, owner_account_id, account_id, cluster_id, status, started_at, finishes_at, finished_at)
                 values ('rj-{cluster}', '{B7}', '{OWNER}', '{PARTNER}', '{cluster}', 'Succeeded', '2026-11-{day}T09:00:00Z', '2026-11-{day}T09:00:30Z', '2026-11-{day}T09:00:30Z');
                 {}",
                restored_cluster(level, &restored),
                charge(level, cluster, method, B7, price, &at)
            )).await;
        }
        run(pool, &format!(
            "insert into audit_event (occurred_at, account_id, identity, source_ip, request_id, action, target, outcome, channel) values
                 ('2026-11-23T11:05:00Z', '{PARTNER}', 'partner', '127.0.0.2', 'req-release-0', 'ReleaseCluster', '{RELEASED}', 'Refused', 'console'),
                 ('2026-11-23T11:10:00Z', '{PARTNER}', 'partner', '127.0.0.2', 'req-release-1', 'ReleaseCluster', '{RELEASED}', 'Success', 'console')"
        )).await;
    }
    // The owner removed the outsider from S1 during that restore: the removal waits for it (no revoke_at).
    run(pool, &format!(
        "update share_principal set status = 'Disassociating', revoke_at = null where resource_share_id = 'rs-upgrade1' and principal_id = '{OUTSIDER}';
         update invitation set access_ends_at = '2026-11-28T11:59:30Z', updated_at = '2026-11-28T11:59:30Z' where invitation_id = 'i-upgradeacc11'"
    )).await;
    if level >= ENDED_SHARE_NAME {
        run(pool, "update invitation set ended_share_name = (select resource_share_name from resource_share r where r.resource_share_id = invitation.resource_share_id)
                   where status in ('Rejected', 'Expired', 'Cancelled') or access_ends_at is not null").await;
    }

    // B6's conversion runs until 13:00.
    run(pool, &format!("update backup_set set lock_state = 'ConvertingLevel', conversion_due_at = '2026-11-28T13:00:00Z' where backup_set_id = '{B6}'")).await;

    // AccessKeys: the owner's and the partner's in use, dba's disabled; nonces of recent calls.
    let last_used = |key: &str, at: &str| {
        if level >= ACCESS_KEY_USE {
            format!("insert into access_key_use (access_key_id, last_used_at) values ('{key}', '{at}');")
        } else {
            format!("update access_key set last_used_at = '{at}' where access_key_id = '{key}';")
        }
    };
    run(
        pool,
        &format!(
            "insert into access_key (access_key_id, identity_id, secret, status, created_at) values
             ('{OWNER_KEY}', 2, 'owner-secret-upgrade', 'Active', '2026-11-21T09:00:00Z'),
             ('{PARTNER_KEY}', 4, 'partner-secret-upgrade', 'Active', '2026-11-21T09:00:00Z'),
             ('{DBA_KEY}', 3, 'dba-secret-upgrade', 'Inactive', '2026-11-21T09:00:00Z');
         {}{}",
            last_used(OWNER_KEY, "2026-11-28T11:55:00Z"),
            last_used(PARTNER_KEY, "2026-11-28T11:59:00Z")
        ),
    )
    .await;
    let signed = if level >= NONCE_CUTOFF { (", signed_at", ", '2026-11-28T11:55:00Z'") } else { ("", "") };
    run(pool, &format!(
        "insert into api_nonce (access_key_id, nonce, seen_at{}) values ('{OWNER_KEY}', 'old-nonce-1', '2026-11-28T11:55:00Z'{}), ('{PARTNER_KEY}', 'old-nonce-2', '2026-11-28T11:55:00Z'{})",
        signed.0, signed.1, signed.1
    )).await;
    if level >= NONCE_CUTOFF {
        run(pool, "insert into api_nonce_cutoff (only_row, forgotten_before, signed_before) values (1, '2026-11-28T11:20:00Z', '2026-11-28T11:35:00Z')").await;
    }
    if level >= ACCESS_KEY_REQUEST {
        run(pool, &format!("insert into access_key_request (identity_id, request_token, access_key_id, created_at) values (2, 'form-token-1', '{OWNER_KEY}', '2026-11-28T11:30:00Z')")).await;
    }
    if level >= SIGN_IN_LOCK {
        run(pool, "insert into sign_in_lock (scope, lock_key, failures, first_failure, locked_until) values ('login', 'nosuch', 10, '2026-11-28T11:50:00Z', '2026-11-28T12:10:00Z')").await;
    }
    if level < NULLABLE_MOVED_OUT_REVOKE_AT {
        // Not null then: the fill wrote one.
        let null_revocations: i64 =
            sqlx::query_scalar("select count(*) from membership_revocation where revoke_at is null")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(null_revocations, 0);
    }

    // Tickets, and the trail of what was done.
    run(pool, &format!(
        "insert into ticket (ticket_id, account_id, kind, status, message, created_at, decided_at, decided_by) values
             ('tk-upgrade0001', '{OWNER}', 'EnableSharedBackup', 'Approved', 'beta please', '2026-11-20T09:10:00Z', '2026-11-20T09:20:00Z', 'operator'),
             ('tk-upgrade0002', '{OWNER}', 'QuotaIncrease', 'Open', 'more sets', '2026-11-27T09:00:00Z', null, null),
             ('tk-upgrade0003', '{PARTNER}', 'QuotaIncrease', 'Rejected', 'more', '2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z', 'operator');
         insert into audit_event (occurred_at, account_id, identity, source_ip, request_id, caller_request_id, action, target, outcome, detail, channel) values
             ('2026-11-21T10:00:00Z', '{OWNER}', 'owner', '127.0.0.1', 'req-share-1', null, 'ShareBackupSet', '{B1}', 'Success', '', 'console'),
             ('2026-11-21T10:00:00Z', '{OWNER}', 'dba@lumen', '127.0.0.1', 'req-share-2', 'mine-1', 'ShareBackupSet', '{B2}', 'Success', '', 'api:{DBA_KEY}'),
             ('2026-11-21T11:00:00Z', '{PARTNER}', 'partner', '127.0.0.2', 'req-accept-1', null, 'AnswerInvitation', 'i-upgradeacc01', 'Success', '', 'console'),
             ('2026-11-27T09:00:00Z', '{OWNER}', 'owner', '127.0.0.1', 'req-refused-1', null, 'ShareBackupSet', '{B6}', 'Refused', 'OperationDenied.BackupSetLocked', 'console');"
    )).await;
}

/// Every table's rows at the old level, each row as the text of the columns it had then (so a later
/// migration's new columns are left out), sorted. Left out: the tables a migration rebuilds from the
/// shares (checked by recount instead).
async fn rows_by_table(
    pool: &SqlitePool,
    columns_of: Option<&BTreeMap<String, Vec<String>>>,
) -> (BTreeMap<String, Vec<String>>, BTreeMap<String, Vec<String>>) {
    let rebuilt = ["shared_backup_set", "shared_backup_set_count", "_sqlx_migrations"];
    let tables: Vec<String> = match columns_of {
        Some(c) => c.keys().cloned().collect(),
        None => sqlx::query_scalar(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let (mut columns, mut rows) = (BTreeMap::new(), BTreeMap::new());
    for table in tables.into_iter().filter(|t| !rebuilt.contains(&t.as_str())) {
        let now: Vec<String> =
            sqlx::query_scalar(&format!("select name from pragma_table_info('{table}') order by cid"))
                .fetch_all(pool)
                .await
                .unwrap();
        // A column a later migration moved elsewhere is left out (and named by the caller).
        let names: Vec<String> = match columns_of {
            Some(c) => c[&table].iter().filter(|c| now.contains(c)).cloned().collect(),
            None => now,
        };
        let row = names.iter().map(|c| format!("quote({c})")).collect::<Vec<_>>().join(" || ',' || ");
        let found: Vec<String> = sqlx::query_scalar(&format!("select {row} as r from {table} order by r"))
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        rows.insert(table.clone(), found);
        columns.insert(table, names);
    }
    (columns, rows)
}

/// What each account reads of the owner's sets, as its Shared With Me page lists them: set -> whether
/// it is usable or being revoked.
async fn reads(app: &TestApp, cookie: &str) -> BTreeMap<String, &'static str> {
    let r = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou&page=1&page_size=100").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let revoking = !b["revoking_at"].is_null() || b["revoking_after_restore"] == json!(true);
            (b["backup_set_id"].as_str().unwrap().to_owned(), if revoking { "Revoking" } else { "Usable" })
        })
        .collect()
}

fn expect(pairs: &[(&str, &'static str)]) -> BTreeMap<String, &'static str> {
    pairs.iter().map(|(set, access)| (set.to_string(), *access)).collect()
}

/// What each account read of the owner's sets under the old release, at 12:00.
fn reads_before(level: i64) -> Vec<(&'static str, BTreeMap<String, &'static str>)> {
    // The outsider joined S1 after B10's removal began: where the level records that (late_principal),
    // B10 was never shared with it; before, the release showed it as being revoked.
    let outsider = if level >= LATE_PRINCIPAL {
        expect(&[(B1, "Revoking")])
    } else {
        expect(&[(B1, "Revoking"), (B10, "Revoking")])
    };
    vec![
        ("owner", expect(&[])),
        ("partner", expect(&[(B1, "Usable"), (B3, "Revoking"), (B10, "Revoking")])),
        ("outsider", outsider),
        ("member", expect(&[(B4, "Revoking"), (B5, "Usable")])),
        ("qa", expect(&[(B5, "Revoking")])),
    ]
}

fn key(id: &str, secret: &str) -> Key {
    Key { id: id.to_owned(), secret: secret.to_owned() }
}

/// Each charge's cluster, billing method, start and release, in the order written.
async fn charge_periods(app: &TestApp) -> Vec<[Option<String>; 4]> {
    let rows: Vec<(Option<String>, Option<String>, Option<String>, Option<String>)> =
        sqlx::query_as("select cluster_id, pay_type, billed_from, released_at from charge order by charge_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.into_iter().map(|(a, b, c, d)| [a, b, c, d]).collect()
}

/// What the charge billing migration makes of the fill's charges: a pay-as-you-go charge billed from
/// its restore's end (none while `RESTORING` is still being created: from `restoring_ran`, once it
/// runs) until its release in the trail; a subscription from its order; a charge whose cluster or
/// release time is unknown billed once from its order, as before.
fn expected_charge_periods(level: i64, restoring_ran: Option<&str>) -> Vec<[Option<String>; 4]> {
    let row = |cluster: Option<&str>, pay_type: Option<&str>, from: Option<&str>, released: Option<&str>| {
        [cluster, pay_type, from, released].map(|v| v.map(str::to_owned))
    };
    if level < CHARGE_CLUSTER {
        // Their items name the clusters' names, not ids: no cluster known.
        return vec![
            row(None, None, Some("2026-11-22T10:00:00Z"), None),
            row(None, None, Some("2026-11-28T11:59:00Z"), None),
        ];
    }
    let postpaid = Some("Postpaid");
    vec![
        row(Some(RESTORED_BEFORE_CONVERSION), postpaid, Some("2026-11-22T10:00:31Z"), None),
        row(Some(RESTORING), postpaid, restoring_ran, None),
        row(Some(RELEASED), postpaid, Some("2026-11-23T09:00:30Z"), Some("2026-11-23T11:10:00Z")),
        row(Some(MONTHLY), Some("Prepaid"), Some("2026-11-24T09:00:00Z"), None),
        row(Some(RELEASED_UNTIMED), None, Some("2026-11-25T09:00:00Z"), None),
    ]
}

/// The partner's charges at 12:00 on 11-28, in cents.
fn expected_partner_total(level: i64) -> i64 {
    if level < CHARGE_CLUSTER {
        return 1234 + 1234; // each once, as before
    }
    // 11-22 10:00:31 to 11-28 12:00: 146 hours begun at 1234 / 730 → 2 cents; the restore under way
    // nothing yet; 11-23 09:00:30 to its release at 11:10: 3 hours begun at ¥1,240 / 730 → ¥1.70; the
    // subscription's month; the release without a time: its price, once.
    146 * 2 + 0 + 3 * 170 + 62_000 + 62_000
}

async fn upgraded_from(level: i64) {
    let dir = tempfile::tempdir().unwrap();
    let (path, pool) = database_at(&dir, level).await;
    fill(&pool, level).await;
    let (columns, _) = rows_by_table(&pool, None).await;
    pool.close().await;

    // The real app on it: every later migration runs.
    let app = TestApp::copy_of(&path, NOW).await;
    let applied = app.count("select count(*) from _sqlx_migrations where success").await;
    assert_eq!(applied, sqlx::migrate!("./migrations").iter().count() as i64, "every migration applied");

    // Every row as it was, in the columns it had (but one, moved to a table of its own and checked below).
    let (kept, after) = rows_by_table(&app.pool, Some(&columns)).await;
    let session = |token: &str| format!("polarshare_session={token}");
    let moved: Vec<String> = columns
        .iter()
        .flat_map(|(table, names)| {
            names.iter().filter(|c| !kept[table].contains(c)).map(move |c| format!("{table}.{c}"))
        })
        .collect();
    // The charges' amount_cents is their price_cents (20261130020000), checked below.
    let expected_moved = if level < ACCESS_KEY_USE { vec!["access_key.last_used_at"] } else { vec![] };
    assert_eq!(moved, [expected_moved, vec!["charge.amount_cents"]].concat());
    let old = SqlitePool::connect_with(SqliteConnectOptions::new().filename(&path)).await.unwrap();
    let (_, mut before) = rows_by_table(&old, Some(&kept)).await;
    old.close().await;
    if (RESTORED_FROM_LEVEL..RESTORED_FROM_LEVEL_BY_TRAIL).contains(&level) {
        // The one change the upgrade makes: the level the restored-from-level migration gave the
        // cluster restored before B7's conversion is corrected from the trail (20261129070000).
        let clusters = before.get_mut("cluster").unwrap();
        let wrong = clusters.iter_mut().find(|r| r.starts_with(&format!("'{RESTORED_BEFORE_CONVERSION}'"))).unwrap();
        *wrong = wrong.replace("'Level-2'", "'Level-1'");
    }
    for (table, rows) in &before {
        assert_eq!(&after[table], rows, "{table}: rows changed by the upgrade from {level}");
    }
    // What moved: the AccessKeys' last use (to access_key_use, 20261128010000) is the same.
    let used: Vec<(String, String)> =
        sqlx::query_as("select access_key_id, last_used_at from access_key_use order by 1")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        used,
        vec![
            (OWNER_KEY.to_owned(), "2026-11-28T11:55:00Z".to_owned()),
            (PARTNER_KEY.to_owned(), "2026-11-28T11:59:00Z".to_owned())
        ]
    );
    // The charges keep their amounts as their prices; the charge billing migration gave each its method
    // and billing period from its cluster, its restore and the trail.
    let old = SqlitePool::connect_with(SqliteConnectOptions::new().filename(&path)).await.unwrap();
    let amounts: Vec<(i64, i64)> =
        sqlx::query_as("select charge_id, amount_cents from charge order by charge_id").fetch_all(&old).await.unwrap();
    old.close().await;
    let prices: Vec<(i64, i64)> = sqlx::query_as("select charge_id, price_cents from charge order by charge_id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(prices, amounts);
    assert_eq!(charge_periods(&app).await, expected_charge_periods(level, None), "after the upgrade from {level}");
    // Every subscription restored before terms were recorded was bought for the one term there was: a month.
    let terms: Vec<(String, Option<i64>)> = sqlx::query_as(
        "select cluster_id, subscription_months from cluster where pay_type is not null order by cluster_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (cluster, months) in &terms {
        let expected = (cluster == MONTHLY).then_some(1);
        assert_eq!(*months, expected, "{cluster} after the upgrade from {level}");
    }
    assert_eq!(terms.iter().any(|(c, _)| c == MONTHLY), level >= CHARGE_CLUSTER, "{terms:?}");
    let partner_bill = app.form(Some(&session(PARTNER_TOKEN)), "billing", "").await;
    assert_eq!(
        partner_bill.json["charges_total_cents"],
        json!(expected_partner_total(level)),
        "at 12:00 after the upgrade from {level}: {:?}",
        partner_bill.json
    );

    // The counts kept by triggers equal a recount, and every rule of the tables holds.
    app.assert_shared_sets_consistent().await;
    let broken = broken_invariants(&app, false).await;
    assert!(broken.is_empty(), "after the upgrade from {level}: {broken:#?}");
    assert_eq!(
        app.count(&format!("select pending from pending_invitation_count where sender_account_id = '{OWNER}'")).await,
        2
    );
    // The owner's quota counts its shared sets as the rules count them now: B1, B10, B2, B3, and S5's
    // B4 (its share being deleted, it still counts), B5; and B9 where it joined S4.
    assert_eq!(
        app.count(&format!("select sets from shared_backup_set_count where owner_account_id = '{OWNER}'")).await,
        6 + i64::from(level >= LATE_RESOURCE)
    );

    // The sessions still sign their browsers in; the same grants.
    for (token, account) in [(OWNER_TOKEN, OWNER), (PARTNER_TOKEN, PARTNER)] {
        let viewer = app.form(Some(&session(token)), "current_viewer", "").await;
        assert_eq!((viewer.status, &viewer.json["account_id"]), (StatusCode::OK, &json!(account)), "{:?}", viewer.json);
    }
    let mut cookies = BTreeMap::new();
    for login in ["owner", "partner", "outsider", "member", "qa", "operator", "dba@lumen"] {
        cookies.insert(login, app.sign_in(login).await);
    }
    for (login, expected) in reads_before(level) {
        assert_eq!(reads(&app, &cookies[login]).await, expected, "what {login} reads after the upgrade from {level}");
    }

    // The console's lists answer, for each kind of account.
    let owner_only = [
        ("list_backup_sets", format!("cluster_id={CLUSTER}&page=1")),
        ("sharing_relationship", format!("backup_set_id={B1}")),
        ("resource_directory", String::new()),
        ("list_ram_users", String::new()),
    ];
    let everyone = [
        "list_clusters",
        "load_share_dialog",
        "list_my_shares",
        "list_shares_by_me",
        "list_invitations",
        "list_restore_jobs",
        "billing",
        "list_tickets",
        "quota",
        "audit_trail",
        "list_access_keys",
        "my_directory",
        "directory_page",
    ];
    for login in ["owner", "partner", "outsider", "member", "qa"] {
        let calls = everyone.iter().map(|f| {
            (
                *f,
                if f.starts_with("list_clusters") || *f == "list_invitations" {
                    "region_id=cn-hangzhou".to_owned()
                } else {
                    String::new()
                },
            )
        });
        let calls: Vec<(&str, String)> =
            if login == "owner" { calls.chain(owner_only.iter().cloned()).collect() } else { calls.collect() };
        for (function, body) in calls {
            let r = app.form(Some(&cookies[login]), function, &body).await;
            assert_eq!(r.status, StatusCode::OK, "{function} as {login} after the upgrade from {level}: {:?}", r.json);
        }
    }
    let tickets = app.form(Some(&cookies["operator"]), "list_tickets", "").await;
    assert_eq!(tickets.status, StatusCode::OK, "{:?}", tickets.json);
    let statuses: Vec<&str> =
        tickets.json["items"].as_array().unwrap().iter().filter_map(|t| t["status"].as_str()).collect();
    assert_eq!(statuses.len(), 3, "{:?}", tickets.json);
    let shares = app.form(Some(&cookies["owner"]), "list_shares_by_me", "").await;
    let listed: BTreeMap<&str, &str> = shares.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["resource_share_id"].as_str().unwrap(), s["status"].as_str().unwrap_or("")))
        .collect();
    for (share, status) in [
        ("rs-upgrade1", "Active"),
        ("rs-upgrade4", "Active"),
        ("rs-upgrade5", "Deleting"),
        ("rs-upgrade6", "Deleted"),
        ("rs-upgrade7", "Active"),
    ] {
        assert_eq!(listed.get(share), Some(&status), "{:?}", shares.json);
    }

    // The OpenAPI's lists answer, by the AccessKeys the old release issued; the disabled one is refused.
    let (owner_key, partner_key) = (key(OWNER_KEY, "owner-secret-upgrade"), key(PARTNER_KEY, "partner-secret-upgrade"));
    let window = [("StartTime", "2026-11-01T00:00Z"), ("EndTime", "2026-11-30T00:00Z")];
    let owner_calls: Vec<(&str, &str, Vec<(&str, &str)>)> = vec![
        ("ListResourceShares", RS, vec![("ResourceOwner", "Self")]),
        ("ListResourceShareAssociations", RS, vec![("AssociationType", "Resource")]),
        ("ListResourceShareAssociations", RS, vec![("AssociationType", "Target")]),
        ("ListResourceShareInvitations", RS, vec![]),
        ("ListSharedResources", RS, vec![("ResourceOwner", "Self")]),
        ("ListSharedTargets", RS, vec![("ResourceOwner", "Self")]),
        ("DescribeDBClusters", PD, vec![("RegionId", "cn-hangzhou")]),
        ("DescribeBackups", PD, [vec![("DBClusterId", CLUSTER)], window.to_vec()].concat()),
    ];
    for (action, version, params) in &owner_calls {
        let r = acs3(&app, &owner_key, action, version, params).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{action} {params:?} as the owner after the upgrade from {level}: {:?}",
            r.json
        );
    }
    let partner_calls: Vec<(&str, &str, Vec<(&str, &str)>)> = vec![
        ("ListResourceShares", RS, vec![("ResourceOwner", "OtherAccounts")]),
        ("ListResourceShareInvitations", RS, vec![]),
        ("ListSharedResources", RS, vec![("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")]),
        ("DescribeDBClusters", PD, vec![("RegionId", "cn-hangzhou")]),
    ];
    for (action, version, params) in &partner_calls {
        let r = acs3(&app, &partner_key, action, version, params).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{action} {params:?} as the partner after the upgrade from {level}: {:?}",
            r.json
        );
    }
    let refused =
        acs3(&app, &key(DBA_KEY, "dba-secret-upgrade"), "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await;
    assert!(refused.status.is_client_error(), "the disabled AccessKey still refused: {:?}", refused.json);

    // A restored cluster says what level its set had when the restore started: B7 was level-1 on 11-22
    // (converted on 11-23), B1 is level-1.
    for cluster in [RESTORED_BEFORE_CONVERSION, RESTORING] {
        let r = acs3(&app, &partner_key, "DescribeDBClusterAttribute", PD, &[("DBClusterId", cluster)]).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        assert_eq!(
            r.json["RestoreType"],
            json!("RestoreByBackupSet"),
            "{cluster} after the upgrade from {level}: {:?}",
            r.json
        );
    }

    // The schedule goes on from the old rows: at 13:30 the revocations, the restore, the conversion and
    // the expired invitation are done, and the removal that waited for the restore has its time.
    app.clock.advance(time::Duration::minutes(90));
    app.tick().await;
    let broken = broken_invariants(&app, false).await;
    assert!(broken.is_empty(), "after the first tick past the upgrade from {level}: {broken:#?}");
    app.assert_shared_sets_consistent().await;
    assert_eq!(
        app.count("select count(*) from invitation where invitation_id = 'i-upgradeexp02' and status = 'Expired'")
            .await,
        1
    );
    assert_eq!(app.count(&format!("select count(*) from backup_set where backup_set_id = '{B6}' and level = 'Level-2' and lock_state = 'None'")).await, 1);
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{RESTORING}' and status = 'Running'"))
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from resource_share where resource_share_id = 'rs-upgrade5' and status = 'Deleted'")
            .await,
        1
    );
    assert_eq!(
        app.count(&format!("select count(*) from share_principal where resource_share_id = 'rs-upgrade1' and principal_id = '{OUTSIDER}' and revoke_at is not null")).await,
        1
    );
    // The restore that ran through the upgrade is billed from when its cluster became Running.
    assert_eq!(
        charge_periods(&app).await,
        expected_charge_periods(level, Some("2026-11-28T13:30:00Z")),
        "after the first tick past the upgrade from {level}"
    );
    let mut cookies = BTreeMap::new();
    for login in ["owner", "partner", "outsider", "member", "qa"] {
        cookies.insert(login, app.sign_in(login).await);
    }
    assert_eq!(reads(&app, &cookies["partner"]).await, expect(&[(B1, "Usable")]));
    assert_eq!(reads(&app, &cookies["outsider"]).await, expect(&[(B1, "Revoking")]));
    assert_eq!(reads(&app, &cookies["member"]).await, expect(&[(B5, "Usable")]));
    assert_eq!(reads(&app, &cookies["qa"]).await, expect(&[]));

    // A new share, its acceptance and a restore from it.
    let shared = app.share(&cookies["owner"], B8, new_share("after-upgrade", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    let invitation: String = sqlx::query_scalar(&format!(
        "select invitation_id from invitation i join share_resource sr on sr.resource_share_id = i.resource_share_id
         where sr.backup_set_id = '{B8}' and i.receiver_account_id = '{OUTSIDER}' and i.status = 'Pending'"
    ))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let accepted = app
        .form(Some(&cookies["outsider"]), "answer_invitation", &format!("invitation_id={invitation}&accept=true"))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.json);
    assert_eq!(reads(&app, &cookies["outsider"]).await, expect(&[(B1, "Revoking"), (B8, "Usable")]));
    let restored = app.json(Some(&cookies["outsider"]), "restore_to_new_cluster", restore_request(B8)).await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.json);
    let broken = broken_invariants(&app, false).await;
    assert!(broken.is_empty(), "after new actions on the upgrade from {level}: {broken:#?}");
}

#[tokio::test]
async fn an_upgrade_from_the_first_level_with_access_keys_keeps_every_row_and_grant() {
    upgraded_from(ACCESS_KEYS).await;
}

#[tokio::test]
async fn an_upgrade_from_the_level_before_the_leaving_counts_keeps_every_row_and_grant() {
    upgraded_from(BEFORE_LEAVING_COUNTS).await;
}

#[tokio::test]
async fn an_upgrade_from_the_level_before_the_last_migration_keeps_every_row_and_grant() {
    upgraded_from(BEFORE_LAST).await;
}

#[tokio::test]
async fn an_upgrade_from_the_level_before_charges_were_billed_by_method_keeps_every_row_and_grant() {
    upgraded_from(BEFORE_CHARGE_BILLING).await;
}
