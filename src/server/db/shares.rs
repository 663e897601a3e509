//! Resource shares, their resources and principals, and invitations.

use super::Tx;
use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct ShareRow {
    pub resource_share_id: String,
    pub owner_account_id: String,
    pub resource_share_name: String,
    pub principal_scope: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

const SHARE_COLUMNS: &str =
    "resource_share_id, owner_account_id, resource_share_name, principal_scope, status, created_at, updated_at";

pub async fn share(ex: impl SqliteExecutor<'_>, share_id: &str) -> sqlx::Result<Option<ShareRow>> {
    sqlx::query_as(&format!("select {SHARE_COLUMNS} from resource_share where resource_share_id = ?"))
        .bind(share_id)
        .fetch_optional(ex)
        .await
}

pub async fn live_shares_of(ex: impl SqliteExecutor<'_>, owner: &str) -> sqlx::Result<Vec<ShareRow>> {
    sqlx::query_as(&format!(
        "select {SHARE_COLUMNS} from resource_share where owner_account_id = ? and status = 'Active'
         order by created_at desc, resource_share_id"
    ))
    .bind(owner)
    .fetch_all(ex)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ShareResourceRow {
    pub resource_share_id: String,
    pub backup_set_id: String,
    pub cluster_id: String,
    pub region_id: String,
    pub lock_state: String,
    pub created_at: String,
}

/// The backup sets in the owner's live shares.
pub async fn resources_of_owner(ex: impl SqliteExecutor<'_>, owner: &str) -> sqlx::Result<Vec<ShareResourceRow>> {
    sqlx::query_as(
        "select sr.resource_share_id, sr.backup_set_id, b.cluster_id, b.region_id, b.lock_state, sr.created_at
         from share_resource sr
         join resource_share rs on rs.resource_share_id = sr.resource_share_id
         join backup_set b on b.backup_set_id = sr.backup_set_id
         where rs.owner_account_id = ? and rs.status = 'Active'
         order by sr.created_at, sr.backup_set_id",
    )
    .bind(owner)
    .fetch_all(ex)
    .await
}

pub async fn resources_of_share(ex: impl SqliteExecutor<'_>, share_id: &str) -> sqlx::Result<Vec<ShareResourceRow>> {
    sqlx::query_as(
        "select sr.resource_share_id, sr.backup_set_id, b.cluster_id, b.region_id, b.lock_state, sr.created_at
         from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
         where sr.resource_share_id = ? order by sr.created_at, sr.backup_set_id",
    )
    .bind(share_id)
    .fetch_all(ex)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct PrincipalRow {
    pub resource_share_id: String,
    pub principal_id: String,
    pub principal_type: String,
    pub status: String,
    pub created_at: String,
    pub revoke_at: Option<String>,
    /// For account principals: the latest invitation's status, if one was sent.
    pub invitation_status: Option<String>,
}

const PRINCIPAL_SELECT: &str = "select sp.resource_share_id, sp.principal_id, sp.principal_type, sp.status, sp.created_at,
        sp.revoke_at,
        (select i.status from invitation i where i.resource_share_id = sp.resource_share_id
           and i.receiver_account_id = sp.principal_id order by i.created_at desc, i.invitation_id desc limit 1)
          as invitation_status
     from share_principal sp";

pub async fn principals_of_owner(ex: impl SqliteExecutor<'_>, owner: &str) -> sqlx::Result<Vec<PrincipalRow>> {
    sqlx::query_as(&format!(
        "{PRINCIPAL_SELECT} join resource_share rs on rs.resource_share_id = sp.resource_share_id
         where rs.owner_account_id = ? and rs.status = 'Active' order by sp.created_at, sp.principal_id"
    ))
    .bind(owner)
    .fetch_all(ex)
    .await
}

pub async fn principals_of_share(ex: impl SqliteExecutor<'_>, share_id: &str) -> sqlx::Result<Vec<PrincipalRow>> {
    sqlx::query_as(&format!("{PRINCIPAL_SELECT} where sp.resource_share_id = ? order by sp.created_at, sp.principal_id"))
        .bind(share_id)
        .fetch_all(ex)
        .await
}

pub async fn name_taken(tx: &mut Tx, owner: &str, name: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists(select 1 from resource_share where owner_account_id = ? and resource_share_name = ?
                       and status <> 'Deleted')",
    )
    .bind(owner)
    .bind(name)
    .fetch_one(&mut **tx)
    .await
}

/// How many distinct backup sets the owner shares: what the quota counts.
pub async fn shared_resource_count(ex: impl SqliteExecutor<'_>, owner: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(distinct sr.backup_set_id) from share_resource sr
         join resource_share rs on rs.resource_share_id = sr.resource_share_id
         where rs.owner_account_id = ? and rs.status = 'Active'",
    )
    .bind(owner)
    .fetch_one(ex)
    .await
}

pub async fn is_shared_resource(tx: &mut Tx, backup_set_id: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists(select 1 from share_resource sr join resource_share rs
           on rs.resource_share_id = sr.resource_share_id and rs.status = 'Active' where sr.backup_set_id = ?)",
    )
    .bind(backup_set_id)
    .fetch_one(&mut **tx)
    .await
}

/// The principals a backup set has through live shares other than `except_share`.
pub async fn principals_via_other_shares(
    tx: &mut Tx,
    backup_set_id: &str,
    except_share: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select distinct sp.principal_id from share_resource sr
         join resource_share rs on rs.resource_share_id = sr.resource_share_id and rs.status = 'Active'
         join share_principal sp on sp.resource_share_id = sr.resource_share_id and sp.status = 'Associated'
         where sr.backup_set_id = ? and sr.resource_share_id <> ?",
    )
    .bind(backup_set_id)
    .bind(except_share)
    .fetch_all(&mut **tx)
    .await
}

pub struct NewShare<'a> {
    pub share_id: &'a str,
    pub owner: &'a str,
    pub name: &'a str,
    pub scope: &'a str,
    pub now: &'a str,
}

pub async fn insert_share(tx: &mut Tx, s: &NewShare<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into resource_share (resource_share_id, owner_account_id, resource_share_name, principal_scope,
            status, created_at, updated_at) values (?, ?, ?, ?, 'Active', ?, ?)",
    )
    .bind(s.share_id)
    .bind(s.owner)
    .bind(s.name)
    .bind(s.scope)
    .bind(s.now)
    .bind(s.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn touch_share(tx: &mut Tx, share_id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update resource_share set updated_at = ? where resource_share_id = ?")
        .bind(now)
        .bind(share_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds the backup set to the share; a no-op when it is already there.
pub async fn insert_share_resource(tx: &mut Tx, share_id: &str, backup_set_id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query(
        "insert into share_resource (resource_share_id, backup_set_id, created_at) values (?, ?, ?)
         on conflict do nothing",
    )
    .bind(share_id)
    .bind(backup_set_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Associates a principal, or re-associates one whose revocation had not yet run.
pub async fn associate_principal(
    tx: &mut Tx,
    share_id: &str,
    principal_id: &str,
    principal_type: &str,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at)
         values (?, ?, ?, 'Associated', ?)
         on conflict (resource_share_id, principal_id) do update set status = 'Associated', revoke_at = null",
    )
    .bind(share_id)
    .bind(principal_id)
    .bind(principal_type)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Starts revoking a principal: it keeps seeing the share until `revoke_at`, but can no longer restore.
pub async fn start_revoking_principal(tx: &mut Tx, share_id: &str, principal_id: &str, revoke_at: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update share_principal set status = 'Disassociating', revoke_at = ?
         where resource_share_id = ? and principal_id = ? and status = 'Associated'",
    )
    .bind(revoke_at)
    .bind(share_id)
    .bind(principal_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sends an invitation unless the account already has a pending or accepted one for this share.
pub async fn ensure_invitation(
    tx: &mut Tx,
    invitation_id: &str,
    share_id: &str,
    sender: &str,
    receiver: &str,
    now: &str,
    expires_at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id, status,
            created_at, expires_at, updated_at)
         select ?1, ?2, ?3, ?4, 'Pending', ?5, ?6, ?5
         where not exists (select 1 from invitation where resource_share_id = ?2 and receiver_account_id = ?4
                           and (status = 'Accepted' or (status = 'Pending' and expires_at > ?5)))",
    )
    .bind(invitation_id)
    .bind(share_id)
    .bind(sender)
    .bind(receiver)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A principal removed before it answered no longer has anything to accept.
pub async fn cancel_pending_invitations(tx: &mut Tx, share_id: &str, receiver: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update invitation set status = 'Cancelled', updated_at = ?
         where resource_share_id = ? and receiver_account_id = ? and status = 'Pending'",
    )
    .bind(now)
    .bind(share_id)
    .bind(receiver)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
