//! Resource directory administration: folders and members.

use super::Tx;
use crate::domain::{BackupLock, Recipient, ShareEntry};
use crate::read_model::{DirectoryInvitation, DirectoryMembership, Folder, Member};
use sqlx::SqliteExecutor;

/// The directory the account manages, if any, with its root folder.
pub async fn managed_directory(ex: impl SqliteExecutor<'_>, account: &str) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("select directory_id, root_folder_id from resource_directory where management_account_id = ?")
        .bind(account)
        .fetch_optional(ex)
        .await
}

pub async fn folders(ex: impl SqliteExecutor<'_>, directory: &str) -> sqlx::Result<Vec<Folder>> {
    sqlx::query_as("select folder_id, parent_folder_id, folder_name from rd_folder where directory_id = ? order by parent_folder_id is not null, folder_name")
        .bind(directory)
        .fetch_all(ex)
        .await
}

pub async fn members(ex: impl SqliteExecutor<'_>, directory: &str) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as(
        "select m.account_id, a.display_name, m.folder_id, d.management_account_id = m.account_id as is_management
         from rd_member m join account a on a.account_id = m.account_id
         join resource_directory d on d.directory_id = m.directory_id
         where m.directory_id = ? order by a.display_name",
    )
    .bind(directory)
    .fetch_all(ex)
    .await
}

pub async fn folder_in(tx: &mut Tx, directory: &str, folder: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from rd_folder where directory_id = ? and folder_id = ?)")
        .bind(directory)
        .bind(folder)
        .fetch_one(&mut **tx)
        .await
}

/// The level of a folder of `directory` below its Root folder (Root is 0), counted up its parents.
/// Bounded: folders never move, so their chain ends at Root, but a walk never runs away.
pub async fn folder_level(tx: &mut Tx, directory: &str, folder: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "with recursive chain(folder_id, parent_folder_id, steps) as (
             select folder_id, parent_folder_id, 0 from rd_folder where directory_id = ?1 and folder_id = ?2
             union all
             select f.folder_id, f.parent_folder_id, c.steps + 1 from rd_folder f join chain c on f.folder_id = c.parent_folder_id
             where c.steps < 64)
         select count(*) from chain where parent_folder_id is not null",
    )
    .bind(directory)
    .bind(folder)
    .fetch_one(&mut **tx)
    .await
}

pub async fn insert_folder(tx: &mut Tx, directory: &str, id: &str, parent: &str, name: &str) -> sqlx::Result<()> {
    sqlx::query("insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values (?, ?, ?, ?)")
        .bind(id)
        .bind(directory)
        .bind(parent)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The directory an account is a member of, if any.
pub async fn membership(tx: &mut Tx, account: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select directory_id from rd_member where account_id = ?")
        .bind(account)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn add_member(tx: &mut Tx, directory: &str, account: &str, folder: &str) -> sqlx::Result<()> {
    sqlx::query("insert into rd_member (account_id, directory_id, folder_id) values (?, ?, ?)")
        .bind(account)
        .bind(directory)
        .bind(folder)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn move_member(tx: &mut Tx, directory: &str, account: &str, folder: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("update rd_member set folder_id = ? where directory_id = ? and account_id = ?")
        .bind(folder)
        .bind(directory)
        .bind(account)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

pub async fn remove_member(tx: &mut Tx, directory: &str, account: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("delete from rd_member where directory_id = ? and account_id = ?")
        .bind(directory)
        .bind(account)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// `ancestor(folder_id)`: the folder the member account ?1 sits in and every folder above it: the one
/// folder-ancestry query, which begins every query of what a directory's folders give a member.
pub(super) const FOLDER_ANCESTRY: &str = "with recursive ancestor(folder_id) as (
        select folder_id from rd_member where account_id = ?1
        union all
        select f.parent_folder_id from rd_folder f join ancestor a on f.folder_id = a.folder_id
        where f.parent_folder_id is not null)";

/// The columns of a [`ShareEntry`], over a principal entry `sp` of a share `rs`, for the recipient ?1.
pub(super) const SHARE_ENTRY_COLUMNS: &str = "sp.resource_share_id, rs.owner_account_id, rs.status as share_status,
                rs.principal_scope as scope, sp.principal_type, sp.principal_id, sp.status as principal_status,
                exists(select 1 from invitation i where i.resource_share_id = sp.resource_share_id and i.receiver_account_id = ?1
                       and i.status = 'Accepted' and i.access_ends_at is null) as accepted,
                exists(select 1 from rd_member me join rd_member ow on ow.directory_id = me.directory_id
                       where me.account_id = ?1 and ow.account_id = rs.owner_account_id) as owner_in_recipients_directory";

/// The `from` and `where` that find every principal entry that may name the recipient ?1: its own id,
/// its directory ?3, or one of its folders ?4 (a JSON array, as the recipient was read, ancestry
/// included). A query adds its own conditions with `and`.
pub(super) const ENTRIES_NAMING_RECIPIENT: &str = "from share_principal sp
         join resource_share rs on rs.resource_share_id = sp.resource_share_id
         where ((sp.principal_type = 'Account' and sp.principal_id = ?1)
             or (sp.principal_type = 'ResourceDirectory' and sp.principal_id = ?3)
             or (sp.principal_type = 'Folder' and sp.principal_id in (select value from json_each(?4))))";

/// The recipient's place as [`ENTRIES_NAMING_RECIPIENT`] binds it: ?3 and ?4.
pub(super) fn recipient_place_params(recipient: &Recipient) -> (Option<&str>, String) {
    (recipient.directory_id.as_deref(), serde_json::Value::from(recipient.folders.clone()).to_string())
}

/// The principal entries of every share that may name `recipient`, or only those of `share`. The
/// domain decides which of them hold it (`domain::shares_reached_by_place`, `domain::share_membership`).
pub async fn share_entries(tx: &mut Tx, recipient: &Recipient, share: Option<&str>) -> sqlx::Result<Vec<ShareEntry>> {
    let (directory, folders) = recipient_place_params(recipient);
    sqlx::query_as(&format!(
        "select {SHARE_ENTRY_COLUMNS} {ENTRIES_NAMING_RECIPIENT} and (?2 is null or sp.resource_share_id = ?2)"
    ))
    .bind(recipient.account_id.as_str())
    .bind(share)
    .bind(directory)
    .bind(folders)
    .fetch_all(&mut **tx)
    .await
}

/// `account` lost what the directory or a folder gave it through `shares`: each enters the account's
/// scheduled revocation at `revoke_at`, or, with none, once the restores reading the share end (the
/// scheduler sets it then, as for a removed principal). A revocation already running keeps its time.
pub async fn revoke_coverage(
    tx: &mut Tx,
    account: &str,
    shares: &[String],
    revoke_at: Option<&str>,
) -> sqlx::Result<()> {
    if shares.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert into membership_revocation (account_id, resource_share_id, revoke_at)
         select ?1, value, ?2 from json_each(?3) where true
         on conflict do nothing",
    )
    .bind(account)
    .bind(revoke_at)
    .bind(serde_json::Value::from(shares.to_vec()).to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `account` has just arrived at the places `arrived` names, as (share, principal) pairs
/// (`domain::places_arrived_at`): what each share is revoking through that place now, the principal
/// being removed or a set being taken out, is recorded as never shared with it (`late_arrival`).
pub async fn record_late_arrivals(tx: &mut Tx, account: &str, arrived: &[(String, String)]) -> sqlx::Result<()> {
    if arrived.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert or ignore into late_arrival (resource_share_id, principal_id, backup_set_id, account_id)
         select sp.resource_share_id, sp.principal_id, sr.backup_set_id, ?1
         from json_each(?2) a
         join share_principal sp on sp.resource_share_id = json_extract(a.value, '$[0]') and sp.principal_id = json_extract(a.value, '$[1]')
         join share_resource sr on sr.resource_share_id = sp.resource_share_id
         where sp.status = 'Disassociating' or sr.status = 'Disassociating'",
    )
    .bind(account)
    .bind(serde_json::to_string(arrived).unwrap_or_else(|_| "[]".to_owned()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `account` holds `shares` by its place again: their revocations for it (if any) are cancelled.
pub async fn restore_coverage(tx: &mut Tx, account: &str, shares: &[String]) -> sqlx::Result<()> {
    if shares.is_empty() {
        return Ok(());
    }
    sqlx::query("delete from membership_revocation where account_id = ? and resource_share_id in (select value from json_each(?))")
        .bind(account)
        .bind(serde_json::Value::from(shares.to_vec()).to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const INVITATION_SELECT: &str = "select i.rd_invitation_id as invitation_id, i.directory_id, d.management_account_id,
        ma.display_name as management_account_name, i.account_id, a.display_name as account_name, i.folder_id,
        f.folder_name, i.status, i.created_at, i.expires_at
     from rd_invitation i
     join resource_directory d on d.directory_id = i.directory_id
     join account ma on ma.account_id = d.management_account_id
     join account a on a.account_id = i.account_id
     join rd_folder f on f.folder_id = i.folder_id";

/// The invitations a directory sent, newest first (bounded: the page shows the latest 100).
pub async fn invitations_of_directory(
    ex: impl SqliteExecutor<'_>,
    directory: &str,
) -> sqlx::Result<Vec<DirectoryInvitation>> {
    sqlx::query_as(&format!(
        "{INVITATION_SELECT} where i.directory_id = ? order by i.created_at desc, i.rd_invitation_id limit 100"
    ))
    .bind(directory)
    .fetch_all(ex)
    .await
}

/// The invitations an account received, newest first (the latest 50).
pub async fn invitations_for_account(
    ex: impl SqliteExecutor<'_>,
    account: &str,
) -> sqlx::Result<Vec<DirectoryInvitation>> {
    sqlx::query_as(&format!(
        "{INVITATION_SELECT} where i.account_id = ? order by i.created_at desc, i.rd_invitation_id limit 50"
    ))
    .bind(account)
    .fetch_all(ex)
    .await
}

pub async fn invitation(tx: &mut Tx, invitation_id: &str) -> sqlx::Result<Option<DirectoryInvitation>> {
    sqlx::query_as(&format!("{INVITATION_SELECT} where i.rd_invitation_id = ?"))
        .bind(invitation_id)
        .fetch_optional(&mut **tx)
        .await
}

/// Marks the account's pending invitation to the directory Expired if its 14 days are over (the sweep may
/// not have run yet), so that a new one can take its place; returns whether an unexpired one is pending.
pub async fn settle_pending_invitation(tx: &mut Tx, directory: &str, account: &str, now: &str) -> sqlx::Result<bool> {
    sqlx::query(
        "update rd_invitation set status = 'Expired', updated_at = ?3
         where directory_id = ?1 and account_id = ?2 and status = 'Pending' and expires_at <= ?3",
    )
    .bind(directory)
    .bind(account)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar(
        "select exists(select 1 from rd_invitation where directory_id = ? and account_id = ? and status = 'Pending')",
    )
    .bind(directory)
    .bind(account)
    .fetch_one(&mut **tx)
    .await
}

pub struct NewInvitation<'a> {
    pub invitation_id: &'a str,
    pub directory: &'a str,
    pub account: &'a str,
    pub folder: &'a str,
    pub now: &'a str,
    pub expires_at: &'a str,
}

pub async fn insert_invitation(tx: &mut Tx, i: &NewInvitation<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into rd_invitation (rd_invitation_id, directory_id, account_id, folder_id, status, created_at, expires_at, updated_at)
         values (?1, ?2, ?3, ?4, 'Pending', ?5, ?6, ?5)",
    )
    .bind(i.invitation_id)
    .bind(i.directory)
    .bind(i.account)
    .bind(i.folder)
    .bind(i.now)
    .bind(i.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_invitation_status(tx: &mut Tx, invitation_id: &str, status: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update rd_invitation set status = ?, updated_at = ? where rd_invitation_id = ?")
        .bind(status)
        .bind(now)
        .bind(invitation_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn membership_detail(
    ex: impl SqliteExecutor<'_>,
    account: &str,
) -> sqlx::Result<Option<DirectoryMembership>> {
    sqlx::query_as(
        "select m.directory_id, d.management_account_id, ma.display_name as management_account_name, f.folder_name,
                d.management_account_id = m.account_id as is_management
         from rd_member m join resource_directory d on d.directory_id = m.directory_id
         join account ma on ma.account_id = d.management_account_id
         join rd_folder f on f.folder_id = m.folder_id
         where m.account_id = ?",
    )
    .bind(account)
    .fetch_optional(ex)
    .await
}

/// The shares whose principals an account's departure from its directory takes away, each with the
/// lock of every backup set it holds (none for a share without sets): the directory-scope shares of
/// others naming the account by id (`Member`), or the account's own active shares (`Owner`), whose
/// principals within the directory lose it.
pub async fn departure_share_locks(
    tx: &mut Tx,
    account: &str,
    side: Departure,
) -> sqlx::Result<Vec<(String, Option<BackupLock>)>> {
    let shares = match side {
        Departure::Member => DEPARTING_MEMBER_SHARES,
        Departure::Owner => DEPARTING_OWNER_SHARES,
    };
    sqlx::query_as(&share_locks_sql(shares)).bind(account).fetch_all(&mut **tx).await
}

/// The lock of every backup set each of `shares` holds (none for a share without sets): when the
/// revocation of what a member lost through them may start.
pub async fn share_locks(tx: &mut Tx, shares: &[String]) -> sqlx::Result<Vec<(String, Option<BackupLock>)>> {
    sqlx::query_as(&share_locks_sql("select value as resource_share_id from json_each(?1)"))
        .bind(serde_json::Value::from(shares.to_vec()).to_string())
        .fetch_all(&mut **tx)
        .await
}

/// The shares `shares` selects (a query of `resource_share_id`s), each with the lock of every backup set
/// it holds, or one row with no lock for a share without sets.
fn share_locks_sql(shares: &str) -> String {
    format!(
        "select s.resource_share_id, b.lock_state from ({shares}) s
         left join share_resource sr on sr.resource_share_id = s.resource_share_id and sr.status = 'Associated'
         left join backup_set b on b.backup_set_id = sr.backup_set_id"
    )
}

/// Which side of a share an account leaving its directory is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    Member,
    Owner,
}

const DEPARTING_MEMBER_SHARES: &str = "select distinct sp.resource_share_id from share_principal sp
    join resource_share rs on rs.resource_share_id = sp.resource_share_id and rs.principal_scope = 'ResourceDirectory' and rs.status = 'Active'
    where sp.principal_type = 'Account' and sp.principal_id = ?1 and sp.status = 'Associated'";

const DEPARTING_OWNER_SHARES: &str =
    "select resource_share_id from resource_share where owner_account_id = ?1 and status = 'Active'";

/// An account that leaves the directory also loses what directory-scope shares gave it by its own
/// account id: those principals (of the `shares` given) enter the scheduled revocation like an owner's
/// removal (the owner sees them as revoking; until `revoke_at` the account sees the sets, marked, and
/// cannot restore; no `revoke_at` while a restore holds the share: the scheduler sets it when it ends).
pub async fn revoke_account_principals(
    tx: &mut Tx,
    account: &str,
    shares: &[String],
    revoke_at: Option<&str>,
) -> sqlx::Result<u64> {
    if shares.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query(
        "update share_principal set status = 'Disassociating', revoke_at = ?2
         where principal_type = 'Account' and principal_id = ?1 and status = 'Associated'
           and resource_share_id in (select value from json_each(?3))",
    )
    .bind(account)
    .bind(revoke_at)
    .bind(serde_json::Value::from(shares.to_vec()).to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// An owner that leaves the directory no longer shares within it: every principal of its directory-scope
/// shares, and the directory or folder principals of its other shares, among the `shares` given, enter the
/// scheduled revocation (what reaches the members now ends at `revoke_at`, or once the restores reading
/// the share end when none is given).
pub async fn revoke_principals_of_owner(
    tx: &mut Tx,
    owner: &str,
    shares: &[String],
    revoke_at: Option<&str>,
) -> sqlx::Result<u64> {
    if shares.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query(
        "update share_principal set status = 'Disassociating', revoke_at = ?2
         where status = 'Associated'
           and resource_share_id in (select value from json_each(?3))
           and resource_share_id in (select resource_share_id from resource_share where owner_account_id = ?1 and status = 'Active')
           and (principal_type <> 'Account'
                or resource_share_id in (select resource_share_id from resource_share
                                         where owner_account_id = ?1 and principal_scope = 'ResourceDirectory'))",
    )
    .bind(owner)
    .bind(revoke_at)
    .bind(serde_json::Value::from(shares.to_vec()).to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// After a departure revoked principals of `shares`: an accepted invitation whose receiver is now being
/// revoked ends with it (`access_ends_at`: `revoke_at`, or `now` while the revocation waits for a
/// restore), as an owner's removal ends it, and a pending one is cancelled, as an owner's removal
/// cancels it. `receiver`: only that account's (a member leaving). Otherwise the acceptance the
/// directory made for a member (when its share was opened to every account) stood after the member's
/// access was gone, and its invitation went on showing the share's name and sets, and ListResourceShares
/// the share; and an invitation still pending from before the share was closed to the directory could
/// be accepted after the member left, which then held the share again when the owner next added it.
pub async fn end_invitations_of_revoked(
    tx: &mut Tx,
    shares: &[String],
    receiver: Option<&str>,
    revoke_at: Option<&str>,
    now: &str,
) -> sqlx::Result<()> {
    if shares.is_empty() {
        return Ok(());
    }
    let revoked = "resource_share_id in (select value from json_each(?3)) and (?4 is null or receiver_account_id = ?4)
          and exists(select 1 from share_principal sp where sp.resource_share_id = invitation.resource_share_id
                     and sp.principal_type = 'Account' and sp.principal_id = invitation.receiver_account_id
                     and sp.status = 'Disassociating')";
    let statements = format!(
        "update invitation set access_ends_at = coalesce(?1, ?2), updated_at = ?2 where status = 'Accepted' and access_ends_at is null and {revoked};
         update invitation set status = 'Cancelled', updated_at = ?2 where status = 'Pending' and {revoked}"
    );
    let shares = serde_json::Value::from(shares.to_vec()).to_string();
    sqlx::query(&statements).bind(revoke_at).bind(now).bind(&shares).bind(receiver).execute(&mut **tx).await?;
    Ok(())
}

/// The names of the folders directly under `parent`: a new folder's name must not repeat one of them.
pub async fn child_folder_names(tx: &mut Tx, directory: &str, parent: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("select folder_name from rd_folder where directory_id = ? and parent_folder_id = ?")
        .bind(directory)
        .bind(parent)
        .fetch_all(&mut **tx)
        .await
}
