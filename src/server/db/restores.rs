//! Restore jobs, the clusters they create, charges, and the scheduled work that finishes them.

use super::{paging::Counted, Tx};
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
    pub backup_set_id: &'a str,
    pub now: &'a str,
    pub finishes_at: &'a str,
}

/// Creates the new cluster (Creating), locks the backup set and records the job, in the caller's transaction.
pub async fn start(tx: &mut Tx, r: &NewRestore<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into cluster (cluster_id, account_id, region_id, cluster_name, db_type, db_version, edition, ha_mode,
            tde_enabled, disk_encryption_enabled, status, created_at, source_backup_set_id, node_spec, zone_id, pay_type)
         select ?, ?, ?, ?, c.db_type, c.db_version, 'Cluster', 'MultiZone', 0, 0, 'Creating', ?, ?, ?, ?, ?
         from backup_set b join cluster c on c.cluster_id = b.cluster_id where b.backup_set_id = ?",
    )
    .bind(r.cluster_id)
    .bind(r.account)
    .bind(r.region)
    .bind(r.cluster_name)
    .bind(r.now)
    .bind(r.backup_set_id)
    .bind(r.node_spec)
    .bind(r.zone)
    .bind(r.pay_type)
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

pub async fn charge(tx: &mut Tx, account: &str, item: &str, amount_cents: i64, now: &str) -> sqlx::Result<()> {
    sqlx::query("insert into charge (account_id, item, amount_cents, created_at) values (?, ?, ?, ?)")
        .bind(account)
        .bind(item)
        .bind(amount_cents)
        .bind(now)
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
    pub status: String,
    pub started_at: String,
    pub finishes_at: String,
    pub finished_at: Option<String>,
}

pub async fn jobs_of(ex: impl SqliteExecutor<'_>, account: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<Counted<RestoreJobRow>>> {
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

#[derive(Debug, Clone, FromRow)]
pub struct ChargeRow {
    pub item: String,
    pub amount_cents: i64,
    pub created_at: String,
}

pub async fn charges_of(ex: impl SqliteExecutor<'_>, account: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<Counted<ChargeRow>>> {
    sqlx::query_as(
        "select item, amount_cents, created_at, count(*) over () as total_rows from charge where account_id = ?
         order by created_at desc, charge_id desc limit ? offset ?",
    )
        .bind(account)
        .bind(limit)
        .bind(offset)
        .fetch_all(ex)
        .await
}

/// Bytes of backup storage the account owns (live backup sets): what the owner pays for.
pub async fn backup_storage_bytes(ex: impl SqliteExecutor<'_>, account: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("select coalesce(sum(size_bytes), 0) from backup_set where account_id = ? and deleted_at is null")
        .bind(account)
        .fetch_one(ex)
        .await
}

/// What one scheduler tick did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tick {
    pub revoked: u64,
    pub expired_invitations: u64,
    pub finished_restores: u64,
    /// Removals that waited for a restore and entered the scheduled revocation when it ended.
    pub applied_queued_removals: u64,
    pub expired_directory_invitations: u64,
}

/// Applies everything that has come due by `now`, in one transaction: revocations whose delay has
/// passed, invitations past their 7 days (directory invitations past their 14), restores whose copy is
/// done, and the removals that waited for those restores. `revoke_expired_at` is `now` plus the
/// revocation delay: when what starts its revocation now is removed.
pub async fn run_due(tx: &mut Tx, now: &str, revoke_expired_at: &str) -> sqlx::Result<Tick> {
    // A backup set that expired leaves its shares through the same scheduled revocation.
    sqlx::query(
        "update share_resource set status = 'Disassociating', revoke_at = ?2
         where status = 'Associated' and backup_set_id in (select backup_set_id from backup_set where expires_at <= ?1)",
    )
    .bind(now)
    .bind(revoke_expired_at)
    .execute(&mut **tx)
    .await?;
    // The owner's audit trail records each revocation the schedule applies.
    sqlx::query(
        "insert into audit_event (occurred_at, account_id, identity, source_ip, request_id, action, target, outcome, detail, channel)
         select ?1, rs.owner_account_id, 'system', '-', 'scheduler', 'RevokeAccess', sp.resource_share_id || ' / ' || sp.principal_id,
                'Success', 'scheduled revocation of a removed principal', 'scheduler'
         from share_principal sp join resource_share rs on rs.resource_share_id = sp.resource_share_id
         where sp.status = 'Disassociating' and sp.revoke_at <= ?1
         union all
         select ?1, rs.owner_account_id, 'system', '-', 'scheduler', 'RevokeAccess', sr.resource_share_id || ' / ' || sr.backup_set_id,
                'Success', 'scheduled revocation of a deleted, expired or released backup set', 'scheduler'
         from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id
         where sr.status = 'Disassociating' and sr.revoke_at <= ?1
         union all
         select ?1, rs.owner_account_id, 'system', '-', 'scheduler', 'RevokeAccess', mr.resource_share_id || ' / ' || mr.account_id,
                'Success', 'scheduled revocation after the member left the targeted folder', 'scheduler'
         from membership_revocation mr join resource_share rs on rs.resource_share_id = mr.resource_share_id
         where mr.revoke_at <= ?1
         union all
         select ?1, sender_account_id, 'system', '-', 'scheduler', 'ExpireInvitation', invitation_id, 'Success', 'unanswered for 7 days', 'scheduler'
         from invitation where status = 'Pending' and expires_at <= ?1
         union all
         select ?1, d.management_account_id, 'system', '-', 'scheduler', 'ExpireDirectoryInvitation',
                i.rd_invitation_id || ' / ' || i.account_id, 'Success', 'unanswered for 14 days', 'scheduler'
         from rd_invitation i join resource_directory d on d.directory_id = i.directory_id
         where i.status = 'Pending' and i.expires_at <= ?1",
    )
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let revoked = sqlx::query("delete from share_principal where status = 'Disassociating' and revoke_at <= ?")
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        + sqlx::query("delete from share_resource where status = 'Disassociating' and revoke_at <= ?")
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        + sqlx::query("delete from membership_revocation where revoke_at <= ?")
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    sqlx::query(
        "update backup_set set level = 'Level-2', lock_state = 'None', conversion_due_at = null
         where lock_state = 'ConvertingLevel' and conversion_due_at <= ?",
    )
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let expired_invitations = sqlx::query("update invitation set status = 'Expired', updated_at = ?1 where status = 'Pending' and expires_at <= ?1")
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let expired_directory_invitations =
        sqlx::query("update rd_invitation set status = 'Expired', updated_at = ?1 where status = 'Pending' and expires_at <= ?1")
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    let due: Vec<(String, String, String)> =
        sqlx::query_as("select restore_job_id, cluster_id, backup_set_id from restore_job where status = 'Running' and finishes_at <= ?")
            .bind(now)
            .fetch_all(&mut **tx)
            .await?;
    for (job, cluster, backup) in &due {
        sqlx::query("update cluster set status = 'Running' where cluster_id = ? and status = 'Creating'")
            .bind(cluster)
            .execute(&mut **tx)
            .await?;
        sqlx::query("update restore_job set status = 'Succeeded', finished_at = ? where restore_job_id = ?")
            .bind(now)
            .bind(job)
            .execute(&mut **tx)
            .await?;
        // The lock is released only when no other restore from the same set is still running.
        sqlx::query(
            "update backup_set set lock_state = 'None' where backup_set_id = ?1 and lock_state = 'Restoring'
             and not exists(select 1 from restore_job where backup_set_id = ?1 and status = 'Running')",
        )
        .bind(backup)
        .execute(&mut **tx)
        .await?;
    }
    let applied_queued_removals = apply_queued_removals(tx, now, revoke_expired_at).await?;
    Ok(Tick {
        revoked,
        expired_invitations,
        finished_restores: due.len() as u64,
        applied_queued_removals,
        expired_directory_invitations,
    })
}

/// Removals queued while restores read a share's sets (`revoke_at` null) enter the scheduled revocation
/// once no restore from any of the share's sets runs: in the transaction that finished the last one.
async fn apply_queued_removals(tx: &mut Tx, now: &str, revoke_at: &str) -> sqlx::Result<u64> {
    const READY: &str = "sp.status = 'Disassociating' and sp.revoke_at is null
        and not exists(select 1 from share_resource sr join restore_job j on j.backup_set_id = sr.backup_set_id
                       where sr.resource_share_id = sp.resource_share_id and j.status = 'Running')";
    sqlx::query(&format!(
        "insert into audit_event (occurred_at, account_id, identity, source_ip, request_id, action, target, outcome, detail, channel)
         select ?1, rs.owner_account_id, 'system', '-', 'scheduler', 'ApplyQueuedRemoval',
                sp.resource_share_id || ' / ' || sp.principal_id, 'Success',
                'the restore ended: the removal made during it is revoked at ' || ?2, 'scheduler'
         from share_principal sp join resource_share rs on rs.resource_share_id = sp.resource_share_id
         where {READY}"
    ))
    .bind(now)
    .bind(revoke_at)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query(&format!(
        "update share_principal as sp set revoke_at = ?1 where {READY}"
    ))
    .bind(revoke_at)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
