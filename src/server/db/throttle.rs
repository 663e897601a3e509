//! Running sign-in locks, kept so that a restart doesn't lift them.

use super::{parse_ts, ts, Tx};
use crate::domain::{LockScope, StoredLock};
use sqlx::SqliteExecutor;
use time::OffsetDateTime;

/// At most this many locks are kept; past it the ones ending soonest go first (the in-memory
/// throttle has the same bound).
const MAX_STORED_LOCKS: i64 = crate::server::auth::THROTTLE_CAPACITY as i64 * 2;

fn scope_text(scope: LockScope) -> &'static str {
    match scope {
        LockScope::Login => "login",
        LockScope::Address => "address",
    }
}

fn scope_of(text: &str) -> anyhow::Result<LockScope> {
    match text {
        "login" => Ok(LockScope::Login),
        "address" => Ok(LockScope::Address),
        other => anyhow::bail!("unknown sign-in lock scope {other:?}"),
    }
}

/// Stores a lock (replacing an older one of the same key) and prunes those that have run out.
pub async fn save_lock(tx: &mut Tx, lock: &StoredLock, now: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query("delete from sign_in_lock where locked_until <= ?").bind(ts(now)).execute(&mut **tx).await?;
    sqlx::query(
        "insert into sign_in_lock (scope, lock_key, failures, first_failure, locked_until) values (?, ?, ?, ?, ?)
         on conflict (scope, lock_key) do update set failures = excluded.failures,
             first_failure = excluded.first_failure, locked_until = excluded.locked_until",
    )
    .bind(scope_text(lock.scope))
    .bind(&lock.key)
    .bind(lock.failures)
    .bind(ts(lock.first_failure))
    .bind(ts(lock.until))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "delete from sign_in_lock where rowid in
           (select rowid from sign_in_lock order by locked_until desc limit -1 offset ?)",
    )
    .bind(MAX_STORED_LOCKS)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The locks still running at `now`.
pub async fn running_locks(ex: impl SqliteExecutor<'_>, now: OffsetDateTime) -> anyhow::Result<Vec<StoredLock>> {
    let rows: Vec<(String, String, u32, String, String)> = sqlx::query_as(
        "select scope, lock_key, failures, first_failure, locked_until from sign_in_lock where locked_until > ?",
    )
    .bind(ts(now))
    .fetch_all(ex)
    .await?;
    rows.into_iter()
        .map(|(scope, key, failures, first, until)| {
            Ok(StoredLock { scope: scope_of(&scope)?, key, failures, first_failure: parse_ts(&first)?, until: parse_ts(&until)? })
        })
        .collect()
}
