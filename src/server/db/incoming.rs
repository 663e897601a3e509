//! The principal's side: invitations it received, and backup sets shared with it.

use crate::domain::{BackupLevel, BackupLock, BackupStatus, InvitationStatus};
use super::{directory::FOLDER_ANCESTRY, paging::Counted, Tx};
use sqlx::{FromRow, SqliteExecutor};

/// The grants an account holds (a share being deleted still grants, revoking, until its revocation
/// runs): every (backup set, share) pair whose principal covers the account
/// (the account itself once it accepted, or directly in directory scope while it is in the owner's
/// directory; its directory; or a folder it sits in at any depth). `?1` is the account.
/// Follows [`super::directory::FOLDER_ANCESTRY`] in a `with` clause.
const GRANT_ROW: &str = "grant_row as (
        select sr.backup_set_id, rs.resource_share_id, rs.resource_share_name, rs.owner_account_id,
               case when sp.status = 'Associated' and sr.status = 'Associated' then 'Associated' else 'Disassociating' end
                 as principal_status,
               min(coalesce(sp.revoke_at, sr.revoke_at), coalesce(sr.revoke_at, sp.revoke_at)) as revoke_at,
               sr.created_at as shared_at
        from share_principal sp
        join resource_share rs on rs.resource_share_id = sp.resource_share_id and rs.status <> 'Deleted'
        join share_resource sr on sr.resource_share_id = rs.resource_share_id
        where rs.owner_account_id <> ?1 and (
            (sp.principal_type = 'Account' and sp.principal_id = ?1 and (
               -- An account that left the owner's directory keeps nothing from a directory-scope share
               -- but what is still being revoked.
               (rs.principal_scope = 'ResourceDirectory' and (sp.status = 'Disassociating'
                  or exists(select 1 from rd_member me join rd_member ow on ow.directory_id = me.directory_id
                            where me.account_id = ?1 and ow.account_id = rs.owner_account_id)))
               or exists(select 1 from invitation i where i.resource_share_id = rs.resource_share_id
                         and i.receiver_account_id = ?1 and i.status = 'Accepted'
                         -- An acceptance whose principal was removed covers only the revocation window.
                         and (i.access_ends_at is null or sp.status = 'Disassociating'))))
            or (sp.principal_type = 'ResourceDirectory'
                and sp.principal_id = (select directory_id from rd_member where account_id = ?1))
            or (sp.principal_type = 'Folder' and sp.principal_id in (select folder_id from ancestor)))
        union all
        -- What a folder or the directory gave the account before it moved out, until revoked.
        select sr.backup_set_id, rs.resource_share_id, rs.resource_share_name, rs.owner_account_id,
               'Disassociating', mr.revoke_at, sr.created_at
        from membership_revocation mr
        join resource_share rs on rs.resource_share_id = mr.resource_share_id and rs.status <> 'Deleted'
        join share_resource sr on sr.resource_share_id = rs.resource_share_id
        where mr.account_id = ?1)";

#[derive(Debug, Clone, FromRow)]
pub struct IncomingRow {
    pub backup_set_id: String,
    pub cluster_id: String,
    pub region_id: String,
    pub owner_account_id: String,
    pub resource_share_names: String,
    pub size_bytes: i64,
    pub level: BackupLevel,
    pub start_time: String,
    pub end_time: String,
    pub status: BackupStatus,
    pub expires_at: String,
    pub lock_state: BackupLock,
    pub deleted_at: Option<String>,
    /// 1 when at least one grant is fully associated; 0 when every grant is being revoked.
    pub usable: bool,
    /// When every grant is being revoked: the latest time one is removed; none while a removal waits for
    /// a restore to end.
    pub revoke_at: Option<String>,
    /// Whether a grant being revoked has no time yet: its removal waits for a running restore to end.
    pub revoking_after_restore: bool,
    /// This account already restores from the set.
    pub own_restore_running: bool,
    /// An owner's removal in a share holding the set waits for the restores from it to end.
    pub removal_queued: bool,
}

impl IncomingRow {
    /// What the rules know of the shared backup set.
    pub fn facts(&self) -> anyhow::Result<crate::domain::BackupSetFacts> {
        super::clusters::backup_set_facts(&self.backup_set_id, self.status, &self.expires_at, self.lock_state, self.deleted_at.is_some())
    }
}

fn incoming_sql(filter: &str) -> String {
    format!(
        "{FOLDER_ANCESTRY},
         {GRANT_ROW}
         select b.backup_set_id, b.cluster_id, b.region_id, g.owner_account_id,
                group_concat(distinct g.resource_share_name) as resource_share_names,
                b.size_bytes, b.level, b.start_time, b.end_time, b.status, b.expires_at, b.lock_state, b.deleted_at,
                max(g.principal_status = 'Associated') as usable, max(g.revoke_at) as revoke_at,
                max(g.principal_status = 'Disassociating' and g.revoke_at is null) as revoking_after_restore,
                exists(select 1 from restore_job j where j.backup_set_id = b.backup_set_id and j.account_id = ?1
                       and j.status = 'Running') as own_restore_running,
                exists(select 1 from share_resource qr
                       join resource_share qs on qs.resource_share_id = qr.resource_share_id and qs.status <> 'Deleted'
                       join share_principal qp on qp.resource_share_id = qr.resource_share_id
                            and qp.status = 'Disassociating' and qp.revoke_at is null
                       where qr.backup_set_id = b.backup_set_id) as removal_queued,
                count(*) over () as total_rows
         from grant_row g join backup_set b on b.backup_set_id = g.backup_set_id
         where 1 = 1 {filter}
         group by b.backup_set_id order by b.start_time desc, b.backup_set_id desc"
    )
}

/// One page of the backup sets shared with `account` in `region`.
pub async fn shared_with(ex: impl SqliteExecutor<'_>, account: &str, region: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<Counted<IncomingRow>>> {
    sqlx::query_as(&format!("{} limit ?3 offset ?4", incoming_sql("and b.region_id = ?2")))
        .bind(account)
        .bind(region)
        .bind(limit)
        .bind(offset)
        .fetch_all(ex)
        .await
}

/// One backup set as shared with `account`, if it is.
pub async fn shared_backup(ex: impl SqliteExecutor<'_>, account: &str, backup_set: &str) -> sqlx::Result<Option<IncomingRow>> {
    sqlx::query_as(&incoming_sql("and b.backup_set_id = ?2")).bind(account).bind(backup_set).fetch_optional(ex).await
}

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub invitation_id: String,
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub sender_account_id: String,
    pub receiver_account_id: String,
    pub status: InvitationStatus,
    pub created_at: String,
    pub expires_at: String,
    /// Comma-separated backup set ids of the share in the requested region (in every region when none is).
    pub resources: Option<String>,
    /// Set once the owner removed the principal after it accepted (the acceptance no longer counts).
    pub access_ends_at: Option<String>,
    /// Whether the receiver, as a principal of the share, is being revoked right now.
    pub principal_disassociating: bool,
}

const INVITATION_COLUMNS: &str = "i.invitation_id, i.resource_share_id, rs.resource_share_name, i.sender_account_id,
        i.receiver_account_id, i.status, i.created_at, i.expires_at, i.access_ends_at,
        exists(select 1 from share_principal sp where sp.resource_share_id = i.resource_share_id
               and sp.principal_id = i.receiver_account_id and sp.status = 'Disassociating') as principal_disassociating,
        (select group_concat(sr.backup_set_id) from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
          where sr.resource_share_id = i.resource_share_id and (?2 is null or b.region_id = ?2)) as resources";
const INVITATION_FROM: &str = "from invitation i join resource_share rs on rs.resource_share_id = i.resource_share_id";

/// One page of the invitations received by `account` for shares holding a backup set in `region`,
/// newest first.
pub async fn invitations_for(ex: impl SqliteExecutor<'_>, account: &str, region: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<Counted<InvitationRow>>> {
    sqlx::query_as(&format!(
        "select {INVITATION_COLUMNS}, count(*) over () as total_rows {INVITATION_FROM} where i.receiver_account_id = ?1
           and exists(select 1 from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
                      where sr.resource_share_id = i.resource_share_id and b.region_id = ?2)
         order by i.created_at desc, i.invitation_id limit ?3 offset ?4"
    ))
    .bind(account)
    .bind(region)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await
}

pub async fn invitation(tx: &mut Tx, invitation_id: &str) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!("select {INVITATION_COLUMNS} {INVITATION_FROM} where i.invitation_id = ?1"))
        .bind(invitation_id)
        .bind(None::<&str>)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn set_invitation_status(tx: &mut Tx, invitation_id: &str, status: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update invitation set status = ?, updated_at = ? where invitation_id = ?")
        .bind(status)
        .bind(now)
        .bind(invitation_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
