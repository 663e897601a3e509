//! Accounts, sign-in identities, sessions and the resource directory.

use super::Tx;
use crate::domain::{AccountId, IdentityKind, OwnerFacts, Policy, Site};
use anyhow::Context;
use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct AccountRow {
    pub account_id: String,
    pub display_name: String,
    pub site: Site,
    #[serde(deserialize_with = "super::sqlite_bool")]
    pub beta_enabled: bool,
    pub share_quota: i64,
    /// The resource directory the account is a member of.
    pub directory_id: Option<String>,
}

impl AccountRow {
    /// What the sharing rules know of the account as an owner.
    pub fn facts(&self) -> anyhow::Result<OwnerFacts> {
        Ok(OwnerFacts {
            account_id: AccountId::parse(&self.account_id)
                .with_context(|| format!("stored account id {:?}", self.account_id))?,
            site: self.site,
            beta_enabled: self.beta_enabled,
            share_quota: u32::try_from(self.share_quota).context("stored quota")?,
            directory_id: self.directory_id.clone(),
        })
    }
}

/// The policies of a `group_concat(policy_name)` column. A name the enum does not know is a broken row,
/// not a policy to leave out.
pub fn policy_list(names: Option<&str>) -> anyhow::Result<Vec<Policy>> {
    names
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<Policy>().context("stored policy"))
        .collect()
}

pub async fn account(ex: impl SqliteExecutor<'_>, account_id: &str) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(
        "select a.account_id, a.display_name, a.site, a.beta_enabled, a.share_quota, m.directory_id
         from account a left join rd_member m on m.account_id = a.account_id
         where a.account_id = ?",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await
}

#[derive(Clone, FromRow)]
pub struct IdentityRow {
    pub identity_id: i64,
    pub account_id: String,
    pub login_name: String,
    pub kind: IdentityKind,
    pub password_hash: String,
}

impl std::fmt::Debug for IdentityRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityRow")
            .field("identity_id", &self.identity_id)
            .field("account_id", &self.account_id)
            .field("login_name", &self.login_name)
            .field("kind", &self.kind)
            .field("password_hash", &crate::domain::Redacted)
            .finish()
    }
}

pub async fn identity_by_login(ex: impl SqliteExecutor<'_>, login: &str) -> sqlx::Result<Option<IdentityRow>> {
    sqlx::query_as("select identity_id, account_id, login_name, kind, password_hash from identity where login_name = ?")
        .bind(login)
        .fetch_optional(ex)
        .await
}

pub async fn password_hash(ex: impl SqliteExecutor<'_>, identity_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select password_hash from identity where identity_id = ?")
        .bind(identity_id)
        .fetch_optional(ex)
        .await
}

/// An identity's own new password: every session of it but `keep_session` (the one changing it) ends.
pub async fn set_own_password(tx: &mut Tx, identity_id: i64, hash: &str, keep_session: &str) -> sqlx::Result<()> {
    sqlx::query("update identity set password_hash = ? where identity_id = ?")
        .bind(hash)
        .bind(identity_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from session where identity_id = ? and session_digest <> ?")
        .bind(identity_id)
        .bind(keep_session)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn operator_count(ex: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from identity where kind = 'operator'").fetch_one(ex).await
}

pub async fn account_exists(tx: &mut Tx, account_id: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from account where account_id = ?)")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
}

/// The identity behind a live session, with its policies and its account: one query per request.
#[derive(Debug, Clone, FromRow)]
pub struct SessionIdentityRow {
    pub identity_id: i64,
    pub account_id: String,
    pub login_name: String,
    pub kind: IdentityKind,
    pub display_name: String,
    pub site: Site,
    pub beta_enabled: bool,
    pub share_quota: i64,
    pub directory_id: Option<String>,
    /// The ending of its account's RAM users' sign-in names (`name@alias`).
    pub login_alias: String,
    /// Comma-separated policy names.
    pub policies: Option<String>,
}

/// The columns of a [`SessionIdentityRow`], from `identity i`, `account a` and `rd_member m` (left joined).
/// An account given no alias has its id as one.
pub const IDENTITY_COLUMNS: &str =
    "i.identity_id, i.account_id, i.login_name, i.kind, a.display_name, a.site, a.beta_enabled,
        a.share_quota, m.directory_id, coalesce(a.login_alias, a.account_id) as login_alias,
        (select group_concat(p.policy_name) from identity_policy p where p.identity_id = i.identity_id) as policies";

/// A live session: the identity behind it and when it ends.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub created_at: String,
    pub expires_at: String,
    #[sqlx(flatten)]
    pub identity: SessionIdentityRow,
}

pub async fn session_identity(
    ex: impl SqliteExecutor<'_>,
    digest: &str,
    now: &str,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(&format!(
        "select s.created_at, s.expires_at, {IDENTITY_COLUMNS}
         from session s join identity i on i.identity_id = s.identity_id
         join account a on a.account_id = i.account_id
         left join rd_member m on m.account_id = a.account_id
         where s.session_digest = ? and s.expires_at > ?"
    ))
    .bind(digest)
    .bind(now)
    .fetch_optional(ex)
    .await
}

/// Opens a session of the identity whose password was checked against `password_hash`, if it still has
/// that password: the check ran on the hashing pool, outside any transaction, and a reset (or the
/// identity deleted, and its id given to a new one) committed since must not leave the old password a
/// session. Answers whether it was opened.
pub async fn insert_session(
    tx: &mut Tx,
    digest: &str,
    identity_id: i64,
    password_hash: &str,
    now: &str,
    expires_at: &str,
) -> sqlx::Result<bool> {
    // Expired sessions are swept whenever someone signs in, so the table doesn't grow without bound.
    sqlx::query("delete from session where expires_at <= ?").bind(now).execute(&mut **tx).await?;
    let opened = sqlx::query(
        "insert into session (session_digest, identity_id, created_at, expires_at)
         select ?, identity_id, ?, ? from identity where identity_id = ? and password_hash = ?",
    )
    .bind(digest)
    .bind(now)
    .bind(expires_at)
    .bind(identity_id)
    .bind(password_hash)
    .execute(&mut **tx)
    .await?;
    Ok(opened.rows_affected() == 1)
}

/// Moves a live session's end on to `ends_at` (never earlier: two uses renewing at once leave the later end).
pub async fn extend_session(ex: impl SqliteExecutor<'_>, digest: &str, ends_at: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update session set expires_at = ?2 where session_digest = ?1 and expires_at > ?3 and expires_at < ?2")
        .bind(digest)
        .bind(ends_at)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete_session(ex: impl SqliteExecutor<'_>, digest: &str) -> sqlx::Result<()> {
    sqlx::query("delete from session where session_digest = ?").bind(digest).execute(ex).await?;
    Ok(())
}

/// Ends a session: the account and sign-in name of the identity it was live for at `now`, if it was.
pub async fn end_session(tx: &mut Tx, digest: &str, now: &str) -> sqlx::Result<Option<(String, String)>> {
    let ended: Option<(i64, String)> =
        sqlx::query_as("delete from session where session_digest = ? returning identity_id, expires_at")
            .bind(digest)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((identity, _)) = ended.filter(|(_, expires_at)| expires_at.as_str() > now) else { return Ok(None) };
    sqlx::query_as("select account_id, login_name from identity where identity_id = ?")
        .bind(identity)
        .fetch_optional(&mut **tx)
        .await
}

/// The directory, its folders and its member accounts (other than `except_account`), for the principal picker.
pub async fn directory_objects(
    ex: impl SqliteExecutor<'_>,
    directory_id: &str,
    except_account: &str,
) -> sqlx::Result<Vec<crate::read_model::DirectoryObject>> {
    sqlx::query_as(
        "select directory_id as object_id, 'ResourceDirectory' as object_type, 'Resource directory' as name, 0 as ord
           from resource_directory where directory_id = ?1
         union all
         select folder_id, 'Folder', folder_name, 1 from rd_folder where directory_id = ?1
         union all
         select m.account_id, 'Account', a.display_name, 2 from rd_member m join account a on a.account_id = m.account_id
           where m.directory_id = ?1 and m.account_id <> ?2
         order by ord, name",
    )
    .bind(directory_id)
    .bind(except_account)
    .fetch_all(ex)
    .await
}

/// Creating accounts and sign-in identities: the demo data, the command line and the console all
/// create them with these.
pub async fn insert_regions(tx: &mut Tx) -> anyhow::Result<()> {
    for (id, name) in [
        ("cn-hangzhou", "China (Hangzhou)"),
        ("cn-beijing", "China (Beijing)"),
        ("cn-shanghai", "China (Shanghai)"),
        ("ap-southeast-1", "Singapore"),
    ] {
        sqlx::query("insert into region (region_id, region_name) values (?, ?) on conflict do nothing")
            .bind(id)
            .bind(name)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn insert_account(
    tx: &mut Tx,
    id: &str,
    name: &str,
    site: &str,
    beta: bool,
    now: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into account (account_id, display_name, site, beta_enabled, share_quota, created_at, login_alias)
         values (?1, ?2, ?3, ?4, 1000, ?5, ?1)",
    )
    .bind(id)
    .bind(name)
    .bind(site)
    .bind(beta)
    .bind(now)
    .execute(&mut **tx)
    .await
    .with_context(|| format!("inserting account {id}"))?;
    Ok(())
}

pub async fn insert_identity(
    tx: &mut Tx,
    account: &str,
    login: &str,
    kind: &str,
    password_hash: &str,
    policies: &[&str],
    now: &str,
) -> anyhow::Result<()> {
    let id: i64 = sqlx::query_scalar(
        "insert into identity (account_id, login_name, kind, password_hash, created_at) values (?, ?, ?, ?, ?)
         returning identity_id",
    )
    .bind(account)
    .bind(login)
    .bind(kind)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .with_context(|| format!("inserting identity {login}"))?;
    for policy in policies {
        sqlx::query("insert into identity_policy (identity_id, policy_name) values (?, ?)")
            .bind(id)
            .bind(policy)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Gives the account an alias of its own (the demo's `lumen`, `harbor`); unique across accounts.
pub async fn set_login_alias(tx: &mut Tx, account: &str, alias: &str) -> sqlx::Result<()> {
    sqlx::query("update account set login_alias = ? where account_id = ?")
        .bind(alias)
        .bind(account)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether `alias` may be a new account's: no account has it and no sign-in name ends with it (a name
/// made before the alias rule may end with anything), so the new account's namespace holds no other
/// account's user, and creating a name in it tells its root nothing about other accounts.
pub async fn alias_free(tx: &mut Tx, alias: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select not exists (select 1 from account where login_alias = ?1)
            and not exists (select 1 from identity where instr(login_name, '@') > 0
                            and substr(login_name, instr(login_name, '@') + 1) = ?1)",
    )
    .bind(alias)
    .fetch_one(&mut **tx)
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_hash_never_shows_in_debug_output() {
        let row = super::IdentityRow {
            identity_id: 1,
            account_id: "1000000000000001".into(),
            login_name: "owner".into(),
            kind: crate::domain::IdentityKind::Root,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        };
        let shown = format!("{row:?}");
        assert!(!shown.contains("argon2") && shown.contains("[redacted]") && shown.contains("owner"), "{shown}");
    }
}
