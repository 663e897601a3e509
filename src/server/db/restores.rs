//! Restore jobs, the clusters they create, charges, and the scheduled work that finishes them.

use super::{paging::Counted, Tx};
use crate::domain::RestoreStatus;
use sqlx::{FromRow, SqliteExecutor};

pub struct NewRestore<'a> {
    pub job_id: &'a str,
    pub cluster_id: &'a str,
    pub cluster_name: &'a str,
    pub account: &'a str,
    pub owner: &'a str,
    pub region: &'a str,
    pub zone: &'a str,
    pub node_spec: &'a str,
    pub pay_type: &'a str,
    /// A subscription's term in months (`domain::SubscriptionTerm::months`); none for pay-as-you-go.
    pub subscription_months: Option<i64>,
    pub backup_set_id: &'a str,
    pub now: &'a str,
    pub finishes_at: &'a str,
}

/// Creates the new cluster (Creating), locks the backup set and records the job, in the caller's transaction.
pub async fn start(tx: &mut Tx, r: &NewRestore<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into cluster (cluster_id, account_id, region_id, cluster_name, db_type, db_version, edition, ha_mode,
            tde_enabled, disk_encryption_enabled, status, created_at, source_backup_set_id, source_backup_level, node_spec, zone_id, pay_type,
            subscription_months)
         select ?, ?, ?, ?, c.db_type, c.db_version, 'Cluster', 'MultiZone', 0, 0, 'Creating', ?, b.backup_set_id, b.level, ?, ?, ?, ?
         from backup_set b join cluster c on c.cluster_id = b.cluster_id where b.backup_set_id = ?",
    )
    .bind(r.cluster_id)
    .bind(r.account)
    .bind(r.region)
    .bind(r.cluster_name)
    .bind(r.now)
    .bind(r.node_spec)
    .bind(r.zone)
    .bind(r.pay_type)
    .bind(r.subscription_months)
    .bind(r.backup_set_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("update backup_set set lock_state = 'Restoring' where backup_set_id = ? and lock_state = 'None'")
        .bind(r.backup_set_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into restore_job (restore_job_id, backup_set_id, owner_account_id, account_id, cluster_id, status,
            started_at, finishes_at) values (?, ?, ?, ?, ?, 'Running', ?, ?)",
    )
    .bind(r.job_id)
    .bind(r.backup_set_id)
    .bind(r.owner)
    .bind(r.account)
    .bind(r.cluster_id)
    .bind(r.now)
    .bind(r.finishes_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A charge for a cluster a restore creates.
pub struct NewCharge<'a> {
    pub account: &'a str,
    pub cluster_id: &'a str,
    /// What it is, not which cluster: the console names the cluster from its row.
    pub item: &'a str,
    /// `Prepaid` or `Postpaid`.
    pub pay_type: &'a str,
    /// A subscription's price for its period; pay-as-you-go's for a month (`domain::ChargeTerms`).
    pub price_cents: i64,
    /// From when it is billed: a subscription from the order; `None` for pay-as-you-go, billed from
    /// when its cluster is running (`start_hourly_billing`).
    pub billed_from: Option<&'a str>,
    pub now: &'a str,
}

/// Records the charge, in the caller's transaction.
pub async fn charge(tx: &mut Tx, c: &NewCharge<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into charge (account_id, cluster_id, item, pay_type, price_cents, billed_from, created_at)
         values (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(c.account)
    .bind(c.cluster_id)
    .bind(c.item)
    .bind(c.pay_type)
    .bind(c.price_cents)
    .bind(c.billed_from)
    .bind(c.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The cluster a restore made is running from `now`: its pay-as-you-go charge is billed from then, in
/// the caller's transaction (the one that makes it Running).
pub async fn start_hourly_billing(tx: &mut Tx, cluster_id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update charge set billed_from = ? where cluster_id = ? and pay_type = 'Postpaid' and billed_from is null",
    )
    .bind(now)
    .bind(cluster_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The cluster is released at `now`: its charges say so, and pay-as-you-go stops there, in the caller's
/// transaction (the one that releases it).
pub async fn end_billing(tx: &mut Tx, cluster_id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update charge set released_at = ? where cluster_id = ? and released_at is null")
        .bind(now)
        .bind(cluster_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct RestoreJobRow {
    pub restore_job_id: String,
    pub backup_set_id: String,
    pub cluster_id: String,
    pub cluster_name: String,
    pub status: RestoreStatus,
    pub started_at: String,
    pub finishes_at: String,
    pub finished_at: Option<String>,
}

pub async fn jobs_of(
    ex: impl SqliteExecutor<'_>,
    account: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Counted<RestoreJobRow>>> {
    sqlx::query_as(
        "select j.restore_job_id, j.backup_set_id, j.cluster_id, c.cluster_name, j.status, j.started_at, j.finishes_at,
                j.finished_at, count(*) over () as total_rows
         from restore_job j join cluster c on c.cluster_id = j.cluster_id
         where j.account_id = ? order by j.started_at desc, j.restore_job_id desc limit ? offset ?",
    )
    .bind(account)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await
}

/// A charge as stored: its terms, its billing period and the cluster it is for.
#[derive(Debug, Clone, FromRow)]
pub struct ChargeRow {
    pub item: String,
    /// `Prepaid`, `Postpaid`, or none for a charge billed once at its price.
    pub pay_type: Option<String>,
    pub price_cents: i64,
    pub created_at: String,
    pub billed_from: Option<String>,
    pub released_at: Option<String>,
    pub cluster_id: Option<String>,
    pub cluster_name: Option<String>,
    /// The subscription's term in months, as its cluster records it.
    pub subscription_months: Option<i64>,
}

/// Every charge of the account, newest first: the Billing page's rows and what the bill's total is
/// worked out from (`domain::charges_total_at`).
pub async fn all_charges(ex: impl SqliteExecutor<'_>, account: &str) -> sqlx::Result<Vec<ChargeRow>> {
    sqlx::query_as(
        "select c.item, c.pay_type, c.price_cents, c.created_at, c.billed_from, c.released_at, c.cluster_id, k.cluster_name,
                k.subscription_months
         from charge c left join cluster k on k.cluster_id = c.cluster_id where c.account_id = ?
         order by c.created_at desc, c.charge_id desc",
    )
    .bind(account)
    .fetch_all(ex)
    .await
}

/// The backup sets the account stores (not deleted), as (size in bytes, expiry): what its storage bill
/// is worked out from (`domain::backup_storage_bill`).
pub async fn stored_backups(ex: impl SqliteExecutor<'_>, account: &str) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("select size_bytes, expires_at from backup_set where account_id = ? and deleted_at is null")
        .bind(account)
        .fetch_all(ex)
        .await
}
