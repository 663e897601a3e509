//! RAM users of an account and their policies.

use super::{paging::Counted, Tx};
use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct RamUserRow {
    pub identity_id: i64,
    pub login_name: String,
    pub created_at: String,
    pub policies: Option<String>,
}

pub async fn ram_users(
    ex: impl SqliteExecutor<'_>,
    account: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Counted<RamUserRow>>> {
    sqlx::query_as(
        "select i.identity_id, i.login_name, i.created_at,
                (select group_concat(policy_name) from identity_policy p where p.identity_id = i.identity_id) as policies,
                count(*) over () as total_rows
         from identity i where i.account_id = ? and i.kind = 'ram_user' order by i.login_name limit ? offset ?",
    )
    .bind(account)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await
}

/// A RAM user of `account`, by sign-in name.
pub async fn ram_user_id(tx: &mut Tx, account: &str, login: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("select identity_id from identity where account_id = ? and login_name = ? and kind = 'ram_user'")
        .bind(account)
        .bind(login)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn login_taken(tx: &mut Tx, login: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from identity where login_name = ?)")
        .bind(login)
        .fetch_one(&mut **tx)
        .await
}

/// A new password ends every session of the user (none is kept: root sets it, not the user).
pub async fn set_password(tx: &mut Tx, identity_id: i64, hash: &str) -> sqlx::Result<()> {
    super::accounts::set_own_password(tx, identity_id, hash, "").await
}

/// The policies attached to a RAM user, comma-joined (as `RamUserRow::policies`).
pub async fn policies_of(tx: &mut Tx, identity_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select group_concat(policy_name) from identity_policy where identity_id = ?")
        .bind(identity_id)
        .fetch_one(&mut **tx)
        .await
}

pub async fn set_policy(tx: &mut Tx, identity_id: i64, policy: &str, attached: bool) -> sqlx::Result<()> {
    let sql = if attached {
        "insert into identity_policy (identity_id, policy_name) values (?, ?) on conflict do nothing"
    } else {
        "delete from identity_policy where identity_id = ? and policy_name = ?"
    };
    sqlx::query(sql).bind(identity_id).bind(policy).execute(&mut **tx).await?;
    Ok(())
}

pub async fn delete_ram_user(tx: &mut Tx, identity_id: i64) -> sqlx::Result<()> {
    sqlx::query("delete from identity where identity_id = ? and kind = 'ram_user'")
        .bind(identity_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
