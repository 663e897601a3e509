//! What happens to a share after it is made, beyond its principals (see `services::share_settings`):
//! deleting it, changing its scope, taking a backup set out of it, a principal leaving it. Every end of
//! access goes through the scheduled revocation (`revoke_at`, or null while a restore holds it, which
//! the scheduler fills in when the restore ends), exactly as a removal in the Share dialog.

use super::{
    shares::{ShareRow, SHARE_COLUMNS},
    Tx,
};
use crate::domain::{BackupLock, PrincipalScope, ShareStatus};
use sqlx::SqliteExecutor;

/// A share of any status, whoever owns it (the caller checks).
pub async fn share_state(ex: impl SqliteExecutor<'_>, share_id: &str) -> sqlx::Result<Option<ShareRow>> {
    sqlx::query_as(&format!("select {SHARE_COLUMNS} from resource_share where resource_share_id = ?"))
        .bind(share_id)
        .fetch_optional(ex)
        .await
}

/// The backup sets still associated with a share, with their locks.
pub async fn resource_locks(ex: impl SqliteExecutor<'_>, share_id: &str) -> sqlx::Result<Vec<(String, BackupLock)>> {
    sqlx::query_as(
        "select sr.backup_set_id, b.lock_state from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
         where sr.resource_share_id = ? and sr.status = 'Associated' order by sr.backup_set_id",
    )
    .bind(share_id)
    .fetch_all(ex)
    .await
}

/// Ends a principal's access to a share from `now`: its row enters the revocation (`revoke_at`, none
/// while a restore holds it), what it had not accepted is cancelled and what it had accepted is marked
/// ended, as the Share dialog's removal does. `principals` null means every principal of the share.
const REVOKE: &str = "update share_principal set status = 'Disassociating', revoke_at = ?2
        where resource_share_id = ?1 and status = 'Associated' and (?4 is null or principal_id = ?4);
    update invitation set access_ends_at = coalesce(?2, ?3), updated_at = ?3
        where resource_share_id = ?1 and status = 'Accepted' and access_ends_at is null
          and (?4 is null or receiver_account_id = ?4);
    update invitation set status = 'Cancelled', updated_at = ?3
        where resource_share_id = ?1 and status = 'Pending' and (?4 is null or receiver_account_id = ?4)";

async fn revoke(
    tx: &mut Tx,
    share_id: &str,
    principal: Option<&str>,
    revoke_at: Option<&str>,
    now: &str,
) -> sqlx::Result<()> {
    // One statement at a time: sqlx mis-binds numbered parameters across a multi-statement query.
    for statement in REVOKE.split(';') {
        sqlx::query(statement).bind(share_id).bind(revoke_at).bind(now).bind(principal).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Starts deleting a share: every principal enters the revocation, and the share is `Deleting` until
/// the last one is revoked (the scheduler then marks it `Deleted`); a share nobody holds is `Deleted`
/// at once. Its resources stay recorded, as history; it stops counting against the quota now.
pub async fn begin_deletion(
    tx: &mut Tx,
    share_id: &str,
    revoke_at: Option<&str>,
    now: &str,
) -> sqlx::Result<ShareStatus> {
    revoke(tx, share_id, None, revoke_at, now).await?;
    sqlx::query_scalar(
        "update resource_share set updated_at = ?2, status = case
             when exists(select 1 from share_principal where resource_share_id = ?1)
               or exists(select 1 from membership_revocation where resource_share_id = ?1) then 'Deleting'
             else 'Deleted' end
         where resource_share_id = ?1 returning status",
    )
    .bind(share_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Shares being deleted whose last principal has been revoked become `Deleted` (run by the scheduler
/// after it applied the revocations due). Returns how many.
pub async fn finish_deletions(tx: &mut Tx, now: &str) -> sqlx::Result<u64> {
    const DONE: &str = "status = 'Deleting'
           and not exists(select 1 from share_principal sp where sp.resource_share_id = resource_share.resource_share_id)
           and not exists(select 1 from membership_revocation mr where mr.resource_share_id = resource_share.resource_share_id)";
    // In the owner's trail, with the update it records.
    super::audit::record_selected(
        tx,
        &format!(
            "select ?1, owner_account_id, 'system', '-', 'scheduler', null, 'FinishShareDeletion', resource_share_id,
                    'Success', 'the last principal''s access was revoked'
             from resource_share where {DONE}"
        ),
        &[now],
    )
    .await?;
    Ok(sqlx::query(&format!("update resource_share set status = 'Deleted', updated_at = ?1 where {DONE}"))
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// How many of a share's principals (associated, or whose removal waits for a restore) are accounts
/// outside `directory` (all of its account principals when the owner is in none).
pub async fn external_principals(
    ex: impl SqliteExecutor<'_>,
    share_id: &str,
    directory: Option<&str>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from share_principal sp
         where sp.resource_share_id = ?1 and sp.principal_type = 'Account'
           and (sp.status = 'Associated' or sp.revoke_at is null)
           and (?2 is null or not exists(select 1 from rd_member m where m.account_id = sp.principal_id and m.directory_id = ?2))",
    )
    .bind(share_id)
    .bind(directory)
    .fetch_one(ex)
    .await
}

pub async fn set_scope(tx: &mut Tx, share_id: &str, scope: PrincipalScope, now: &str) -> sqlx::Result<()> {
    sqlx::query("update resource_share set principal_scope = ?, updated_at = ? where resource_share_id = ?")
        .bind(scope)
        .bind(now)
        .bind(share_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes a backup set out of a share through the revocation, as deleting the set does for every share.
pub async fn revoke_resource(
    tx: &mut Tx,
    share_id: &str,
    backup_set_id: &str,
    revoke_at: &str,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update share_resource set status = 'Disassociating', revoke_at = ?3
         where resource_share_id = ?1 and backup_set_id = ?2 and status = 'Associated'",
    )
    .bind(share_id)
    .bind(backup_set_id)
    .bind(revoke_at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("update resource_share set updated_at = ? where resource_share_id = ?")
        .bind(now)
        .bind(share_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A principal leaves a share: its own row enters the revocation.
pub async fn leave(tx: &mut Tx, share_id: &str, account: &str, revoke_at: Option<&str>, now: &str) -> sqlx::Result<()> {
    revoke(tx, share_id, Some(account), revoke_at, now).await
}

/// The share's account principals that hold it without an invitation in force: those the owner's
/// resource directory associated directly while the share was closed to it, each with when its access
/// ends if it is being revoked (`Some`: its removal's `revoke_at`, or now while a restore holds it).
/// A principal being revoked that holds an acceptance (ended) already keeps its window through it.
/// Each comes with the resource directory it is a member of, if any.
pub async fn uninvited_account_principals(
    ex: impl SqliteExecutor<'_>,
    share_id: &str,
    now: &str,
) -> sqlx::Result<Vec<(String, Option<String>, Option<String>)>> {
    sqlx::query_as(
        "select sp.principal_id, case sp.status when 'Disassociating' then coalesce(sp.revoke_at, ?2) end,
             (select m.directory_id from rd_member m where m.account_id = sp.principal_id)
         from share_principal sp
         where sp.resource_share_id = ?1 and sp.principal_type = 'Account' and sp.status in ('Associated', 'Disassociating')
           and not exists(select 1 from invitation i where i.resource_share_id = ?1 and i.receiver_account_id = sp.principal_id
                          and i.status = 'Accepted' and (i.access_ends_at is null or sp.status = 'Disassociating'))
         order by sp.principal_id",
    )
    .bind(share_id)
    .bind(now)
    .fetch_all(ex)
    .await
}

/// A share closed to its resource directory: its account principals hold it directly from now, not
/// through an invitation. Those that did not hold it through one (invited, not accepted) never held a
/// set on its way out of it (`late_principal`, as for a principal added during that removal), and those
/// being removed that never accepted have nothing left to revoke: their revocation is due now, or the
/// directory's revocation window would show them (an account outside the directory too) the share's
/// sets they were never given.
const CLOSE_TO_DIRECTORY: &str = "insert or ignore into late_principal (resource_share_id, principal_id, backup_set_id)
        select sp.resource_share_id, sp.principal_id, sr.backup_set_id
        from share_principal sp join share_resource sr on sr.resource_share_id = sp.resource_share_id
        where sp.resource_share_id = ?1 and sp.principal_type = 'Account' and sp.status = 'Associated'
          and sr.status = 'Disassociating'
          and not exists(select 1 from invitation i where i.resource_share_id = ?1 and i.receiver_account_id = sp.principal_id
                         and i.status = 'Accepted' and i.access_ends_at is null);
    update share_principal set revoke_at = ?2
        where resource_share_id = ?1 and principal_type = 'Account' and status = 'Disassociating'
          and not exists(select 1 from invitation i where i.resource_share_id = ?1 and i.receiver_account_id = share_principal.principal_id
                         and i.status = 'Accepted')";

pub async fn close_to_directory(tx: &mut Tx, share_id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query(CLOSE_TO_DIRECTORY).bind(share_id).bind(now).execute(&mut **tx).await?;
    Ok(())
}

/// The invitations of a share's account principals when it is opened to external accounts (whose
/// account principals hold a share through an accepted invitation). `accepted` are `(invitation id,
/// account, access ends at)` the directory accepted on the accounts' behalf now; an account being revoked
/// gets an acceptance already ended (`access_ends_at`), which covers only the rest of its revocation
/// window, as for a removed invitee. `pending` are `(invitation id, account)` that must accept first,
/// by `pending_expires_at`.
pub async fn record_opening_invitations(
    tx: &mut Tx,
    share_id: &str,
    owner: &str,
    accepted: &[(String, String, Option<String>)],
    pending: &[(String, String)],
    pending_expires_at: &str,
    now: &str,
) -> sqlx::Result<()> {
    let accepted = accepted.iter().map(|(id, account, ends)| (id, account, "Accepted", now, ends.as_deref()));
    let pending = pending.iter().map(|(id, account)| (id, account, "Pending", pending_expires_at, None));
    for (invitation_id, account, status, expires_at, access_ends_at) in accepted.chain(pending) {
        sqlx::query(
            "insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id, status, created_at, expires_at, updated_at, access_ends_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8)",
        )
        .bind(invitation_id)
        .bind(share_id)
        .bind(owner)
        .bind(account)
        .bind(status)
        .bind(now)
        .bind(expires_at)
        .bind(access_ends_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
