//! The schedule's work: everything that falls due with time (revocations after their delay, invitations
//! past their validity, finished restores and level conversions, removals that waited for a restore),
//! applied in one transaction per tick and recorded in the owners' audit trails.

use super::{audit, Tx};

/// The events of what falls due at ?1: each revocation in its owner's trail, each expired invitation in
/// its sender's (or directory's management account's).
const DUE_EVENTS: &str = "select ?1, rs.owner_account_id, 'system', '-', 'scheduler', null, 'RevokeAccess', sp.resource_share_id || ' / ' || sp.principal_id,
                'Success', 'scheduled revocation of a removed principal'
         from share_principal sp join resource_share rs on rs.resource_share_id = sp.resource_share_id
         where sp.status = 'Disassociating' and sp.revoke_at <= ?1
         union all
         select ?1, rs.owner_account_id, 'system', '-', 'scheduler', null, 'RevokeAccess', sr.resource_share_id || ' / ' || sr.backup_set_id,
                'Success', 'scheduled revocation of a deleted, expired or released backup set'
         from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id
         where sr.status = 'Disassociating' and sr.revoke_at <= ?1
         union all
         select ?1, rs.owner_account_id, 'system', '-', 'scheduler', null, 'RevokeAccess', mr.resource_share_id || ' / ' || mr.account_id,
                'Success', 'scheduled revocation after the member left the targeted folder'
         from membership_revocation mr join resource_share rs on rs.resource_share_id = mr.resource_share_id
         where mr.revoke_at <= ?1
         union all
         select ?1, sender_account_id, 'system', '-', 'scheduler', null, 'ExpireInvitation', invitation_id, 'Success', 'unanswered for 7 days'
         from invitation where status = 'Pending' and expires_at <= ?1
         union all
         select ?1, d.management_account_id, 'system', '-', 'scheduler', null, 'ExpireDirectoryInvitation',
                i.rd_invitation_id || ' / ' || i.account_id, 'Success', 'unanswered for 14 days'
         from rd_invitation i join resource_directory d on d.directory_id = i.directory_id
         where i.status = 'Pending' and i.expires_at <= ?1";

/// The events of the backup sets whose expiry at ?1 starts their revocation from their shares (at ?2),
/// in the owners' trails: the rows the expiry's update changes.
const EXPIRED_SET_EVENTS: &str = "select ?1, rs.owner_account_id, 'system', '-', 'scheduler', null, 'ExpireBackupSet',
                sr.resource_share_id || ' / ' || sr.backup_set_id, 'Success',
                'the backup set expired: its principals lose it at ' || ?2
         from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id
         where sr.status = 'Associated' and sr.backup_set_id in (select backup_set_id from backup_set where expires_at <= ?1)";

/// The events of the level conversions done by ?1, in the owners' trails.
const CONVERTED_EVENTS: &str = "select ?1, account_id, 'system', '-', 'scheduler', null, 'FinishLevelConversion',
                backup_set_id, 'Success', 'converted to level-2'
         from backup_set where lock_state = 'ConvertingLevel' and conversion_due_at <= ?1";

/// The events of the restores done by ?1, in the trails of the accounts that restored.
const RESTORED_EVENTS: &str = "select ?1, account_id, 'system', '-', 'scheduler', null, 'FinishRestore',
                cluster_id || ' from ' || backup_set_id, 'Success', 'the restored cluster is running'
         from restore_job where status = 'Running' and finishes_at <= ?1";

/// How far a tick forgets signature nonces: those seen before `forgotten_before`; calls signed before
/// `signed_before` are then refused (stored times).
pub struct NonceCutoffAt {
    pub forgotten_before: String,
    pub signed_before: String,
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
    /// Shares being deleted whose last principal was revoked, now Deleted.
    pub deleted_shares: u64,
}

/// Applies everything that has come due by `now`, in one transaction: revocations whose delay has
/// passed, invitations past their 7 days (directory invitations past their 14), restores whose copy is
/// done, and the removals that waited for those restores. `revoke_expired_at` is `now` plus the
/// revocation delay: when what starts its revocation now is removed. API signature nonces are forgotten
/// up to `nonces`' cut-off, which is committed with their deletion (calls that may have been seen
/// before it are refused by their timestamp, `access_keys::forget_nonces`).
pub async fn run_due(tx: &mut Tx, now: &str, revoke_expired_at: &str, nonces: &NonceCutoffAt) -> sqlx::Result<Tick> {
    // Swept here rather than by each signed call, which may hold the share group's write lock.
    super::access_keys::forget_nonces(tx, &nonces.forgotten_before, &nonces.signed_before).await?;
    // A backup set that expired leaves its shares through the same scheduled revocation: the owner's
    // trail records it starting (the revocation itself is recorded when it is applied, below).
    audit::record_selected(tx, EXPIRED_SET_EVENTS, &[now, revoke_expired_at]).await?;
    sqlx::query(
        "update share_resource set status = 'Disassociating', revoke_at = ?2
         where status = 'Associated' and backup_set_id in (select backup_set_id from backup_set where expires_at <= ?1)",
    )
    .bind(now)
    .bind(revoke_expired_at)
    .execute(&mut **tx)
    .await?;
    // The owner's audit trail records each revocation the schedule applies.
    audit::record_selected(tx, DUE_EVENTS, &[now]).await?;
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
    audit::record_selected(tx, CONVERTED_EVENTS, &[now]).await?;
    sqlx::query(
        "update backup_set set level = 'Level-2', lock_state = 'None', conversion_due_at = null
         where lock_state = 'ConvertingLevel' and conversion_due_at <= ?",
    )
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let expired_invitations = sqlx::query(
        "update invitation set status = 'Expired', updated_at = ?1 where status = 'Pending' and expires_at <= ?1",
    )
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let expired_directory_invitations = sqlx::query(
        "update rd_invitation set status = 'Expired', updated_at = ?1 where status = 'Pending' and expires_at <= ?1",
    )
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    audit::record_selected(tx, RESTORED_EVENTS, &[now]).await?;
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
        // Pay-as-you-go is billed from here: the cluster can be used from now.
        super::restores::start_hourly_billing(tx, cluster, now).await?;
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
    let deleted_shares = super::share_lifecycle::finish_deletions(tx, now).await?;
    Ok(Tick {
        deleted_shares,
        revoked,
        expired_invitations,
        finished_restores: due.len() as u64,
        applied_queued_removals,
        expired_directory_invitations,
    })
}

/// The revocations that may wait for a restore (`revoke_at` null): a principal removed from a share
/// (the owner's removal, a directory departure) and an account's loss of what the directory or a folder
/// gave it. Each as (table, what else marks it as waiting, what its audit event names), the table
/// aliased `q`.
const QUEUED: [(&str, &str, &str); 2] = [
    ("share_principal", "q.status = 'Disassociating' and", "q.resource_share_id || ' / ' || q.principal_id"),
    ("membership_revocation", "", "q.resource_share_id || ' / ' || q.account_id"),
];

/// Removals queued while restores read a share's sets (`revoke_at` null) enter the scheduled revocation
/// once no restore from any of the share's sets runs: in the transaction that finished the last one.
async fn apply_queued_removals(tx: &mut Tx, now: &str, revoke_at: &str) -> sqlx::Result<u64> {
    let mut applied = 0;
    for (table, waiting, names) in QUEUED {
        let ready = format!(
            "{waiting} q.revoke_at is null
             and not exists(select 1 from share_resource sr join restore_job j on j.backup_set_id = sr.backup_set_id
                            where sr.resource_share_id = q.resource_share_id and j.status = 'Running')"
        );
        audit::record_selected(
            tx,
            &format!(
                "select ?1, rs.owner_account_id, 'system', '-', 'scheduler', null, 'ApplyQueuedRemoval', {names}, 'Success',
                        'the restore ended: the removal made during it is revoked at ' || ?2
                 from {table} q join resource_share rs on rs.resource_share_id = q.resource_share_id
                 where {ready}"
            ),
            &[now, revoke_at],
        )
        .await?;
        applied += sqlx::query(&format!("update {table} as q set revoke_at = ?1 where {ready}"))
            .bind(revoke_at)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(applied)
}
