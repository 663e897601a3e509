//! Browsers that have signed an identity in: what the sign-in throttle spares (see the migration
//! `known_device` and `domain::throttle`).

use super::{ts, Tx};
use sqlx::SqliteExecutor;
use time::OffsetDateTime;

/// Browsers remembered per identity; past this the oldest are forgotten, so a script signing in
/// without keeping cookies can't grow the table.
const MAX_PER_IDENTITY: i64 = 16;

/// Whether the browser of `device_digest` signed in the identity named `login` before and is still
/// remembered at `now`.
pub async fn is_known_for(
    ex: impl SqliteExecutor<'_>,
    device_digest: &str,
    login: &str,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from known_device d join identity i on i.identity_id = d.identity_id
                        where d.device_digest = ? and i.login_name = ? and d.expires_at > ?)",
    )
    .bind(device_digest)
    .bind(login)
    .bind(ts(now))
    .fetch_one(ex)
    .await
}

/// Remembers a browser that has just signed `identity_id` in, until `expires_at`; forgets the identity's
/// browsers that have run out and all but its newest [`MAX_PER_IDENTITY`].
pub async fn remember(
    tx: &mut Tx,
    device_digest: &str,
    identity_id: i64,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("insert into known_device (device_digest, identity_id, created_at, expires_at) values (?, ?, ?, ?)")
        .bind(device_digest)
        .bind(identity_id)
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "delete from known_device where identity_id = ?1 and (expires_at <= ?2 or device_digest not in
           (select device_digest from known_device where identity_id = ?1 order by created_at desc, device_digest limit ?3))",
    )
    .bind(identity_id)
    .bind(ts(now))
    .bind(MAX_PER_IDENTITY)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Forgets a browser (its own failures locked it: from now on it signs in as any other).
pub async fn forget(tx: &mut Tx, device_digest: &str) -> sqlx::Result<()> {
    sqlx::query("delete from known_device where device_digest = ?").bind(device_digest).execute(&mut **tx).await?;
    Ok(())
}
