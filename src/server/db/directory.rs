//! Resource directory administration: folders and members.

use super::Tx;
use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct FolderRow {
    pub folder_id: String,
    pub parent_folder_id: Option<String>,
    pub folder_name: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub account_id: String,
    pub display_name: String,
    pub folder_id: String,
}

/// The directory the account manages, if any, with its root folder.
pub async fn managed_directory(ex: impl SqliteExecutor<'_>, account: &str) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("select directory_id, root_folder_id from resource_directory where management_account_id = ?")
        .bind(account)
        .fetch_optional(ex)
        .await
}

pub async fn folders(ex: impl SqliteExecutor<'_>, directory: &str) -> sqlx::Result<Vec<FolderRow>> {
    sqlx::query_as("select folder_id, parent_folder_id, folder_name from rd_folder where directory_id = ? order by parent_folder_id is not null, folder_name")
        .bind(directory)
        .fetch_all(ex)
        .await
}

pub async fn members(ex: impl SqliteExecutor<'_>, directory: &str) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as(
        "select m.account_id, a.display_name, m.folder_id from rd_member m join account a on a.account_id = m.account_id
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
    sqlx::query_scalar("select directory_id from rd_member where account_id = ?").bind(account).fetch_optional(&mut **tx).await
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

/// The live shares that reach `account` through its directory or one of its folders (at any depth).
pub async fn shares_covering(tx: &mut Tx, account: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "with recursive ancestor(folder_id) as (
             select folder_id from rd_member where account_id = ?1
             union all
             select f.parent_folder_id from rd_folder f join ancestor a on f.folder_id = a.folder_id
             where f.parent_folder_id is not null)
         select distinct sp.resource_share_id from share_principal sp
         join resource_share rs on rs.resource_share_id = sp.resource_share_id and rs.status = 'Active'
         where sp.status = 'Associated' and rs.owner_account_id <> ?1 and (
             (sp.principal_type = 'ResourceDirectory' and sp.principal_id = (select directory_id from rd_member where account_id = ?1))
             or (sp.principal_type = 'Folder' and sp.principal_id in (select folder_id from ancestor)))",
    )
    .bind(account)
    .fetch_all(&mut **tx)
    .await
}

/// After a membership change: schedules the revocation of what `account` lost, and cancels pending
/// revocations of what it has again.
pub async fn apply_coverage_change(tx: &mut Tx, account: &str, before: &[String], after: &[String], revoke_at: &str) -> sqlx::Result<()> {
    for share in before.iter().filter(|s| !after.contains(s)) {
        sqlx::query(
            "insert into membership_revocation (account_id, resource_share_id, revoke_at) values (?, ?, ?)
             on conflict do nothing",
        )
        .bind(account)
        .bind(share)
        .bind(revoke_at)
        .execute(&mut **tx)
        .await?;
    }
    for share in after {
        sqlx::query("delete from membership_revocation where account_id = ? and resource_share_id = ?")
            .bind(account)
            .bind(share)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
