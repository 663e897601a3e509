//! Regions, clusters and their backup sets.

use crate::domain::{BackupLevel, BackupLock, BackupSetFacts, BackupSetId, BackupStatus};
use crate::read_model::{BackupSet, Cluster, Region};
use anyhow::Context;
use sqlx::SqliteExecutor;

pub async fn regions(ex: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<Region>> {
    sqlx::query_as("select region_id, region_name from region order by region_id").fetch_all(ex).await
}

const CLUSTER_COLUMNS: &str = "cluster_id, account_id, region_id, cluster_name, db_type, db_version, edition, ha_mode,
    tde_enabled, disk_encryption_enabled, status, created_at, node_spec, zone_id, pay_type, source_backup_set_id, source_backup_level,
    subscription_months";

/// A cluster row `c` as a JSON object with [`Cluster`]'s fields, for queries that answer in JSON.
pub(super) const CLUSTER_JSON: &str = "json_object('cluster_id', c.cluster_id, 'account_id', c.account_id,
    'region_id', c.region_id, 'cluster_name', c.cluster_name, 'db_type', c.db_type, 'db_version', c.db_version,
    'edition', c.edition, 'ha_mode', c.ha_mode, 'tde_enabled', c.tde_enabled,
    'disk_encryption_enabled', c.disk_encryption_enabled, 'status', c.status, 'created_at', c.created_at)";

pub async fn clusters_of(ex: impl SqliteExecutor<'_>, account_id: &str, region_id: &str) -> sqlx::Result<Vec<Cluster>> {
    sqlx::query_as(&format!(
        "select {CLUSTER_COLUMNS} from cluster where account_id = ? and region_id = ? order by created_at desc, cluster_id"
    ))
    .bind(account_id)
    .bind(region_id)
    .fetch_all(ex)
    .await
}

pub async fn cluster(ex: impl SqliteExecutor<'_>, cluster_id: &str) -> sqlx::Result<Option<Cluster>> {
    sqlx::query_as(&format!("select {CLUSTER_COLUMNS} from cluster where cluster_id = ?"))
        .bind(cluster_id)
        .fetch_optional(ex)
        .await
}

impl BackupSet {
    /// What the rules know of the backup set.
    pub fn facts(&self) -> anyhow::Result<BackupSetFacts> {
        backup_set_facts(&self.backup_set_id, self.status, &self.expires_at, self.lock_state, self.deleted_at.is_some())
    }
}

/// The facts of a backup set from the columns of any row that carries them (an owner's or a principal's view).
pub fn backup_set_facts(
    id: &str,
    status: BackupStatus,
    expires_at: &str,
    lock: BackupLock,
    deleted: bool,
) -> anyhow::Result<BackupSetFacts> {
    Ok(BackupSetFacts {
        id: BackupSetId::parse(id).context("stored backup set id")?,
        status,
        expires_at: super::parse_ts(expires_at)?,
        lock,
        deleted,
    })
}

/// A principal `sp` of a share `rs` that makes the set show `Sharing`: one invited (pending) or
/// associated (a directory object, any principal in directory scope, or an account whose acceptance is
/// in force). An account that rejected, let its invitation expire or had it cancelled does not count
/// (see `domain::principal_is_sharing`, which this mirrors). Expiry is written by the schedule within a
/// second of falling due.
const SHARING_PRINCIPAL: &str = "(sp.principal_type <> 'Account' or rs.principal_scope = 'ResourceDirectory'
       or exists(select 1 from invitation i where i.resource_share_id = sp.resource_share_id
                 and i.receiver_account_id = sp.principal_id
                 and (i.status = 'Pending' or (i.status = 'Accepted' and i.access_ends_at is null))))";

/// Principals count once per backup set however many shares name them; principals being revoked have
/// already given up their place.
fn principal_count_sql() -> String {
    format!(
        "(select count(distinct sp.principal_id)
       from share_resource sr
       join resource_share rs on rs.resource_share_id = sr.resource_share_id and rs.status = 'Active'
       join share_principal sp on sp.resource_share_id = sr.resource_share_id and sp.status = 'Associated'
       where sr.backup_set_id = b.backup_set_id and sr.status = 'Associated' and {SHARING_PRINCIPAL})"
    )
}

const BACKUP_COLUMNS: &str = "b.backup_set_id, b.cluster_id, b.account_id, b.region_id, b.start_time, b.end_time,
    b.status, b.size_bytes, b.method, b.backup_mode, b.level, b.expires_at, b.lock_state, b.deleted_at";

/// The stored fields of a backup set row `b` as `json_object` arguments; the query adds
/// `principal_count`.
pub(super) const BACKUP_JSON_FIELDS: &str = "'backup_set_id', b.backup_set_id, 'cluster_id', b.cluster_id,
    'account_id', b.account_id, 'region_id', b.region_id, 'start_time', b.start_time, 'end_time', b.end_time,
    'status', b.status, 'size_bytes', b.size_bytes, 'method', b.method, 'backup_mode', b.backup_mode,
    'level', b.level, 'expires_at', b.expires_at, 'lock_state', b.lock_state, 'deleted_at', b.deleted_at";

/// A cluster with one page of its live backup sets, newest first, and how many it has in all.
#[derive(Debug)]
pub struct ClusterPage {
    pub cluster: Option<Cluster>,
    pub items: Vec<BackupSet>,
    pub total: i64,
    /// The rows as the console last showed them, for the time span that showing holds: filled and read
    /// by `services::console`, kept here so it lives and dies with the cached page (`read_model`).
    pub shown: std::sync::Mutex<Option<ShownRows>>,
}

/// A page's rows with what the rules said of them, which holds from `from` until `until` (`None`:
/// until the page itself is loaded again).
#[derive(Debug)]
pub struct ShownRows {
    pub from: time::OffsetDateTime,
    pub until: Option<time::OffsetDateTime>,
    pub rows: std::sync::Arc<Vec<BackupSet>>,
}

/// Loads a [`ClusterPage`] (the Data Backups tab) in one query.
///
/// The answer is a single row, the page's rows as one JSON array: sqlx's SQLite driver hands every
/// statement and every result row from its worker thread to the async side separately (a wake-up each),
/// which for a 30-row page cost more than the query itself.
/// Which live sets a page lists, by start time (stored times, both ends included): all of them by default.
/// DescribeBackups' StartTime and EndTime narrow the list before it is paged, as the real API's do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StartedWithin {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl StartedWithin {
    /// The range as SQL on `start_time`, its ends bound as parameters `?{first}` (from) and the next (to):
    /// the one place that decides which sets it holds, for a page and for one set asked for by id.
    fn condition(first: usize) -> String {
        let (from, to) = (first, first + 1);
        format!("(?{from} is null or start_time >= ?{from}) and (?{to} is null or start_time <= ?{to})")
    }
}

pub async fn backup_sets_page(
    ex: impl SqliteExecutor<'_>,
    cluster_id: &str,
    started: &StartedWithin,
    limit: i64,
    offset: i64,
) -> anyhow::Result<ClusterPage> {
    // The page is cut first (in index order, see backup_set_cluster_page), then the principal counts
    // are computed for its rows only, in one grouped pass.
    let within = StartedWithin::condition(4);
    let (cluster, total, items): (Option<String>, i64, String) = sqlx::query_as(&format!(
        "with b as (
             select * from backup_set where cluster_id = ?1 and deleted_at is null and {within}
             order by start_time desc, backup_set_id desc limit ?2 offset ?3),
         counts as (
             select sr.backup_set_id, count(distinct sp.principal_id) as n
             from share_resource sr
             join resource_share rs on rs.resource_share_id = sr.resource_share_id and rs.status = 'Active'
             join share_principal sp on sp.resource_share_id = sr.resource_share_id and sp.status = 'Associated'
             where sr.backup_set_id in (select backup_set_id from b) and sr.status = 'Associated'
               and {SHARING_PRINCIPAL}
             group by sr.backup_set_id)
         select (select {CLUSTER_JSON} from cluster c where c.cluster_id = ?1),
             (select count(*) from backup_set where cluster_id = ?1 and deleted_at is null and {within}),
             (select coalesce(json_group_array(json_object({BACKUP_JSON_FIELDS},
                     'principal_count', coalesce(counts.n, 0))), '[]')
                 from b left join counts on counts.backup_set_id = b.backup_set_id)"
    ))
    .bind(cluster_id)
    .bind(limit)
    .bind(offset)
    .bind(started.from.as_deref())
    .bind(started.to.as_deref())
    .fetch_one(ex)
    .await?;
    let mut page = ClusterPage {
        cluster: cluster.as_deref().map(serde_json::from_str).transpose()?,
        items: serde_json::from_str(&items)?,
        total,
        shown: Default::default(),
    };
    // An aggregate does not promise an order: restore the page's.
    page.items.sort_by(|a, b| b.start_time.cmp(&a.start_time).then_with(|| b.backup_set_id.cmp(&a.backup_set_id)));
    Ok(page)
}

/// One live set of `cluster_id`, if it started within `started`.
pub async fn cluster_backup_set(
    ex: impl SqliteExecutor<'_>,
    cluster_id: &str,
    backup_set_id: &str,
    started: &StartedWithin,
) -> sqlx::Result<Option<BackupSet>> {
    sqlx::query_as(&format!(
        "select {BACKUP_COLUMNS}, {} as principal_count from backup_set b
         where b.backup_set_id = ?1 and b.cluster_id = ?2 and b.deleted_at is null and {}",
        principal_count_sql(),
        StartedWithin::condition(3)
    ))
    .bind(backup_set_id)
    .bind(cluster_id)
    .bind(started.from.as_deref())
    .bind(started.to.as_deref())
    .fetch_optional(ex)
    .await
}

/// The bytes the cluster's live sets of `level` hold (DescribeBackups' TotalLevel2BackupSize,
/// DescribeDBClusterAttribute's DataLevel1BackupChainSize).
pub async fn backup_size(ex: impl SqliteExecutor<'_>, cluster_id: &str, level: BackupLevel) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select coalesce(sum(size_bytes), 0) from backup_set where cluster_id = ? and level = ? and deleted_at is null",
    )
    .bind(cluster_id)
    .bind(level.as_str())
    .fetch_one(ex)
    .await
}

pub async fn backup_set(ex: impl SqliteExecutor<'_>, backup_set_id: &str) -> sqlx::Result<Option<BackupSet>> {
    sqlx::query_as(&format!(
        "select {BACKUP_COLUMNS}, {} as principal_count from backup_set b where b.backup_set_id = ?",
        principal_count_sql()
    ))
    .bind(backup_set_id)
    .fetch_optional(ex)
    .await
}

/// Starts revoking every principal's access to a backup set: its share associations leave at `revoke_at`.
pub async fn revoke_backup_set_shares(tx: &mut super::Tx, backup_set_id: &str, revoke_at: &str) -> sqlx::Result<()> {
    sqlx::query("update share_resource set status = 'Disassociating', revoke_at = ? where backup_set_id = ? and status = 'Associated'")
        .bind(revoke_at)
        .bind(backup_set_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete_backup_set(tx: &mut super::Tx, backup_set_id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update backup_set set deleted_at = ? where backup_set_id = ? and deleted_at is null")
        .bind(now)
        .bind(backup_set_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn start_level_conversion(tx: &mut super::Tx, backup_set_id: &str, due: &str) -> sqlx::Result<()> {
    sqlx::query("update backup_set set lock_state = 'ConvertingLevel', conversion_due_at = ? where backup_set_id = ? and lock_state = 'None'")
        .bind(due)
        .bind(backup_set_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The live backup sets of a cluster with their locks.
pub async fn backup_locks(tx: &mut super::Tx, cluster_id: &str) -> sqlx::Result<Vec<(String, BackupLock)>> {
    sqlx::query_as("select backup_set_id, lock_state from backup_set where cluster_id = ? and deleted_at is null")
        .bind(cluster_id)
        .fetch_all(&mut **tx)
        .await
}

/// Moves the cluster to the recycle bin at `now`, ends its billing and starts revoking the shares of all
/// its backup sets.
pub async fn release_cluster(tx: &mut super::Tx, cluster_id: &str, now: &str, revoke_at: &str) -> sqlx::Result<()> {
    sqlx::query("update cluster set status = 'Recycled' where cluster_id = ?")
        .bind(cluster_id)
        .execute(&mut **tx)
        .await?;
    super::restores::end_billing(tx, cluster_id, now).await?;
    sqlx::query(
        "update share_resource set status = 'Disassociating', revoke_at = ?
         where status = 'Associated' and backup_set_id in (select backup_set_id from backup_set where cluster_id = ?)",
    )
    .bind(revoke_at)
    .bind(cluster_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
