//! A share's own settings (its name), apart from what it shares and with whom.

use super::Tx;
use crate::domain::InvitationStatus;
use sqlx::FromRow;

/// Whether another live share of the owner has the name (the unique index's rule, asked first so the
/// refusal has its own code).
pub async fn name_taken(tx: &mut Tx, owner: &str, name: &str, except_share: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists(select 1 from resource_share where owner_account_id = ? and resource_share_name = ? and status <> 'Deleted'
                       and resource_share_id <> ?)",
    )
    .bind(owner)
    .bind(name)
    .bind(except_share)
    .fetch_one(&mut **tx)
    .await
}

pub async fn rename(tx: &mut Tx, share_id: &str, name: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update resource_share set resource_share_name = ?, updated_at = ? where resource_share_id = ?")
        .bind(name)
        .bind(now)
        .bind(share_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An invitation to a share that still shows the share's current name, with what says whether it has
/// ended ([`crate::domain::offered_until`]).
#[derive(Debug, Clone, FromRow)]
pub struct NamedInvitation {
    pub invitation_id: String,
    pub status: InvitationStatus,
    pub expires_at: String,
    pub updated_at: String,
    pub removed: bool,
    /// Its receiver still holds the share at `now` through a revocation not yet due (as a removed
    /// principal, or as a member that left the directory or folder that gave it the share).
    pub access_running: bool,
}

pub async fn invitations_showing_current_name(
    tx: &mut Tx,
    share_id: &str,
    now: &str,
) -> sqlx::Result<Vec<NamedInvitation>> {
    sqlx::query_as(
        "select invitation_id, status, expires_at, updated_at, access_ends_at is not null as removed,
                exists(select 1 from share_principal sp where sp.resource_share_id = i.resource_share_id
                       and sp.principal_id = i.receiver_account_id and sp.status = 'Disassociating'
                       and (sp.revoke_at is null or sp.revoke_at > ?2))
                or exists(select 1 from membership_revocation mr where mr.resource_share_id = i.resource_share_id
                          and mr.account_id = i.receiver_account_id and (mr.revoke_at is null or mr.revoke_at > ?2)) as access_running
         from invitation i
         where i.resource_share_id = ?1 and i.ended_share_name is null",
    )
    .bind(share_id)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
}

/// The invitations `ids` keep showing the share as `name`, whatever it is renamed to.
pub async fn keep_share_name(tx: &mut Tx, ids: &[&str], name: &str) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
    sqlx::query("update invitation set ended_share_name = ? where invitation_id in (select value from json_each(?))")
        .bind(name)
        .bind(ids)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
