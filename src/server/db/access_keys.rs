//! AccessKey pairs, the identity a signed call acts as, and the nonces already used.

use super::{
    accounts::{SessionIdentityRow, IDENTITY_COLUMNS},
    Tx,
};
use crate::domain::AccessKeyStatus;
use sqlx::{FromRow, SqliteExecutor};
use time::OffsetDateTime;

/// Every pair of an account's identities (root and RAM users), by identity then age; never a secret.
pub async fn account_keys(
    ex: impl SqliteExecutor<'_>,
    account: &str,
) -> sqlx::Result<Vec<crate::read_model::AccessKey>> {
    sqlx::query_as(
        "select k.access_key_id, i.login_name, i.kind, k.status, k.created_at, u.last_used_at
         from access_key k join identity i on i.identity_id = k.identity_id
         left join access_key_use u on u.access_key_id = k.access_key_id
         where i.account_id = ? order by i.kind = 'ram_user', i.login_name, k.created_at, k.access_key_id",
    )
    .bind(account)
    .fetch_all(ex)
    .await
}

/// An identity of `account` (its root or one of its RAM users) by sign-in name.
pub async fn identity_in_account(tx: &mut Tx, account: &str, login: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "select identity_id from identity where account_id = ? and login_name = ? and kind in ('root', 'ram_user')",
    )
    .bind(account)
    .bind(login)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn count_for_identity(tx: &mut Tx, identity_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from access_key where identity_id = ?")
        .bind(identity_id)
        .fetch_one(&mut **tx)
        .await
}

pub async fn insert(tx: &mut Tx, access_key_id: &str, identity_id: i64, secret: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query(
        "insert into access_key (access_key_id, identity_id, secret, status, created_at) values (?, ?, ?, 'Active', ?)",
    )
    .bind(access_key_id)
    .bind(identity_id)
    .bind(secret)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The pair a request token of the identity made, if it is still remembered (made at or after `since`);
/// older tokens of the identity are forgotten first.
pub async fn created_by_request(
    tx: &mut Tx,
    identity_id: i64,
    token: &str,
    since: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query("delete from access_key_request where identity_id = ? and created_at < ?")
        .bind(identity_id)
        .bind(since)
        .execute(&mut **tx)
        .await?;
    sqlx::query_scalar("select access_key_id from access_key_request where identity_id = ? and request_token = ?")
        .bind(identity_id)
        .bind(token)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn remember_request(
    tx: &mut Tx,
    identity_id: i64,
    token: &str,
    access_key_id: &str,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into access_key_request (identity_id, request_token, access_key_id, created_at) values (?, ?, ?, ?)",
    )
    .bind(identity_id)
    .bind(token)
    .bind(access_key_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A pair of one of `account`'s identities: its status, or `None` (another account's pairs are not found).
pub async fn status_in_account(
    tx: &mut Tx,
    account: &str,
    access_key_id: &str,
) -> sqlx::Result<Option<AccessKeyStatus>> {
    sqlx::query_scalar(
        "select k.status from access_key k join identity i on i.identity_id = k.identity_id
         where k.access_key_id = ? and i.account_id = ?",
    )
    .bind(access_key_id)
    .bind(account)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn set_status(tx: &mut Tx, access_key_id: &str, status: AccessKeyStatus) -> sqlx::Result<()> {
    sqlx::query("update access_key set status = ? where access_key_id = ?")
        .bind(status)
        .bind(access_key_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, access_key_id: &str) -> sqlx::Result<()> {
    sqlx::query("delete from access_key where access_key_id = ?").bind(access_key_id).execute(&mut **tx).await?;
    Ok(())
}

/// What a signed call needs to be checked and to act: the pair's secret and status, and its identity as
/// a session would give it.
#[derive(Clone, FromRow)]
pub struct SigningKeyRow {
    pub secret: String,
    pub status: AccessKeyStatus,
    #[sqlx(flatten)]
    pub identity: SessionIdentityRow,
}

/// Without the secret: the rows are kept in the writer's memory (`read_model::SigningKeys`), which a
/// `?state` in a log line would print.
impl std::fmt::Debug for SigningKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRow")
            .field("secret", &crate::domain::Redacted)
            .field("status", &self.status)
            .field("identity", &self.identity)
            .finish()
    }
}

/// The statement of [`signing_key`]: its answer is kept in memory until the writer commits a change to
/// the tables it reads (`read_model::Tables::Credentials`, checked against SQLite's own plan of it).
pub fn signing_key_sql() -> String {
    format!(
        "select k.secret, k.status, {IDENTITY_COLUMNS}
         from access_key k join identity i on i.identity_id = k.identity_id
         join account a on a.account_id = i.account_id
         left join rd_member m on m.account_id = a.account_id
         where k.access_key_id = ?"
    )
}

pub async fn signing_key(ex: impl SqliteExecutor<'_>, access_key_id: &str) -> sqlx::Result<Option<SigningKeyRow>> {
    sqlx::query_as(&signing_key_sql()).bind(access_key_id).fetch_optional(ex).await
}

/// A verified call's nonce, as recorded: the pair, the nonce, when the server saw the call and the time
/// it was signed at (all stored times, `db::ts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceSeen {
    pub access_key_id: String,
    pub nonce: String,
    pub seen_at: String,
    pub signed_at: String,
}

impl NonceSeen {
    /// The nonce as [`RECORD_USE_FROM_JSON`] reads it from `$.nonce` of its query's JSON parameter.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "access_key_id": self.access_key_id, "nonce": self.nonce, "seen_at": self.seen_at, "signed_at": self.signed_at })
    }
}

/// What recording a nonce found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceRecord {
    Fresh,
    /// The pair used it already inside the window.
    Replay,
    /// The call was signed before the committed cut-off ([`is_forgotten`]): its nonce may have been forgotten.
    Forgotten,
}

/// Records a verified call in one round trip: its nonce and the pair's last use; a replay, or a call
/// signed before the forgotten nonces, writes nothing. The last use has a table of its own, so that this
/// write leaves the pair's row, kept in memory (`read_model::SigningKeys`), alone. The call may run
/// inside the share group's write lock (`openapi::nonce_rides_with_action`), so nonces past the window
/// are swept by the schedule (`db::schedule::run_due`), not here.
pub async fn record_use(tx: &mut Tx, nonce: &NonceSeen) -> sqlx::Result<NonceRecord> {
    let params = serde_json::json!({ "nonce": nonce.json() });
    match sqlx::query(RECORD_USE_FROM_JSON).bind(params.to_string()).execute(&mut **tx).await {
        Ok(_) => Ok(NonceRecord::Fresh),
        Err(e) if is_replay(&e) => Ok(NonceRecord::Replay),
        Err(e) if is_forgotten(&e) => Ok(NonceRecord::Forgotten),
        Err(e) => Err(e),
    }
}

/// The statements of [`record_use`], for it and for a write that carries the call's nonce in its own
/// round trip (`shares::write_share`, inside its one statement), reading `$.nonce` of the query's JSON
/// parameter and doing nothing when it has none. A replay fails the nonce's insert (its primary key,
/// [`is_replay`]), and so does a call signed before the cut-off (the table's trigger, [`is_forgotten`]),
/// so nothing after it runs and nothing of the write it rides with is kept. The last use only moves
/// forward: calls commit in any order, not in the order they were verified (stored times compare as
/// text, `db::ts`).
pub const RECORD_USE_FROM_JSON: &str = "insert into api_nonce (access_key_id, nonce, seen_at, signed_at)
    select json_extract(?1, '$.nonce.access_key_id'), json_extract(?1, '$.nonce.nonce'), json_extract(?1, '$.nonce.seen_at'),
           json_extract(?1, '$.nonce.signed_at')
    where json_extract(?1, '$.nonce') is not null;
    insert into access_key_use (access_key_id, last_used_at)
    select json_extract(?1, '$.nonce.access_key_id'), json_extract(?1, '$.nonce.seen_at')
    where json_extract(?1, '$.nonce') is not null
    on conflict (access_key_id) do update set last_used_at = max(last_used_at, excluded.last_used_at)";

/// Whether a write carrying [`RECORD_USE_FROM_JSON`] failed because the nonce was used already.
pub fn is_replay(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation() && d.message().contains("api_nonce."))
}

/// Whether a write carrying [`RECORD_USE_FROM_JSON`] failed because the call was signed before the
/// committed cut-off (the `api_nonce_not_forgotten` trigger).
pub fn is_forgotten(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().starts_with("api_nonce_cutoff:"))
}

/// The schedule's nonce cut-off (`forgotten_before`) in memory, so that a signed call is checked against
/// it without a query: loaded at start, and moved forward by the schedule before it deletes nonces.
/// Only ever moves forward; none (`i64::MIN`) before the first sweep.
#[derive(Clone, Debug)]
pub struct NonceCutoff(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl NonceCutoff {
    pub fn new(forgotten_before: Option<OffsetDateTime>) -> Self {
        NonceCutoff(std::sync::Arc::new(std::sync::atomic::AtomicI64::new(
            forgotten_before.map_or(i64::MIN, OffsetDateTime::unix_timestamp),
        )))
    }

    pub fn get(&self) -> Option<OffsetDateTime> {
        match self.0.load(std::sync::atomic::Ordering::SeqCst) {
            i64::MIN => None,
            t => OffsetDateTime::from_unix_timestamp(t).ok(),
        }
    }

    /// Moves it to `to` if that is later, and answers where it stands.
    pub fn advance(&self, to: OffsetDateTime) -> OffsetDateTime {
        let to = to.unix_timestamp();
        let before = self.0.fetch_max(to, std::sync::atomic::Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp(before.max(to)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// The nonce cut-off the schedule last committed (`forgotten_before`), read at start.
pub async fn nonce_cutoff(ex: impl SqliteExecutor<'_>) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select forgotten_before from api_nonce_cutoff").fetch_optional(ex).await
}

/// Moves the cut-off forward (never back, whatever the clock did) and forgets the nonces seen before it.
/// `signed_before` is the time a call must be signed at or after to be taken (`signature::NonceCutoff`).
pub async fn forget_nonces(tx: &mut Tx, forgotten_before: &str, signed_before: &str) -> sqlx::Result<()> {
    sqlx::query(
        "insert into api_nonce_cutoff (only_row, forgotten_before, signed_before) values (1, ?1, ?2)
         on conflict (only_row) do update set forgotten_before = max(forgotten_before, excluded.forgotten_before),
                                              signed_before = max(signed_before, excluded.signed_before)",
    )
    .bind(forgotten_before)
    .bind(signed_before)
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from api_nonce where seen_at < (select forgotten_before from api_nonce_cutoff)")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What an earlier call with this ClientToken answered, if any, with the parameters of that call (none
/// for a token remembered before they were).
pub async fn client_token_answer(
    ex: impl SqliteExecutor<'_>,
    account: &str,
    action: &str,
    token: &str,
) -> sqlx::Result<Option<(String, Option<String>)>> {
    sqlx::query_as(
        "select answer, request from api_client_token where account_id = ? and action = ? and client_token = ?",
    )
    .bind(account)
    .bind(action)
    .bind(token)
    .fetch_optional(ex)
    .await
}

/// A call's ClientToken, what it asked (`request`) and what it answered.
pub struct RememberedCall<'a> {
    pub account: &'a str,
    pub action: &'a str,
    pub token: &'a str,
    pub request: &'a str,
    pub answer: &'a str,
    pub now: &'a str,
}

/// Remembers a call's answer under its ClientToken (the first answer stays if two raced).
pub async fn remember_client_token(tx: &mut Tx, call: &RememberedCall<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into api_client_token (account_id, action, client_token, request, answer, created_at) values (?, ?, ?, ?, ?, ?)
         on conflict do nothing",
    )
    .bind(call.account)
    .bind(call.action)
    .bind(call.token)
    .bind(call.request)
    .bind(call.answer)
    .bind(call.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{forget_nonces, nonce_cutoff, record_use, NonceRecord, NonceSeen, RECORD_USE_FROM_JSON};

    /// A call's use is stamped with the time it was verified, but calls commit in any order (and the
    /// clock can be set back): a call verified earlier that commits later must not move the pair's
    /// last use back to before a use already recorded.
    #[tokio::test]
    async fn an_earlier_use_committed_later_does_not_move_the_last_use_back() {
        let (_dir, db) = super::super::temporary("use.db").await;
        let pool = &db.writer.pool;
        for (nonce, at) in [("n-later", "2026-11-29T03:00:05Z"), ("n-earlier", "2026-11-29T03:00:01Z")] {
            let seen = NonceSeen {
                access_key_id: "LTAIuse".into(),
                nonce: nonce.into(),
                seen_at: at.into(),
                signed_at: at.into(),
            };
            let params = serde_json::json!({ "nonce": seen.json() });
            sqlx::query(RECORD_USE_FROM_JSON).bind(params.to_string()).execute(pool).await.unwrap();
        }
        let last: String =
            sqlx::query_scalar("select last_used_at from access_key_use where access_key_id = 'LTAIuse'")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(last, "2026-11-29T03:00:05Z");
    }

    /// A call checked against the in-memory cut-off just before a sweep moved it records its nonce after:
    /// the statement refuses it against the committed cut-off, so a replay whose nonce the sweep deleted
    /// can't slip in between.
    #[tokio::test]
    async fn a_nonce_signed_before_the_committed_cut_off_is_refused_as_forgotten() {
        let (_dir, db) = super::super::temporary("cutoff.db").await;
        let mut tx = db.writer.begin_unaudited().await.unwrap();
        let seen = |nonce: &str, signed_at: &str| NonceSeen {
            access_key_id: "LTAIcut".into(),
            nonce: nonce.into(),
            seen_at: "2026-11-29T03:00:00Z".into(),
            signed_at: signed_at.into(),
        };
        assert_eq!(
            record_use(&mut tx, &seen("before-sweep", "2026-11-29T03:14:00Z")).await.unwrap(),
            NonceRecord::Fresh
        );
        forget_nonces(&mut tx, "2026-11-29T03:00:01Z", "2026-11-29T03:15:01Z").await.unwrap();
        // Never moved back by a later sweep at an earlier clock.
        forget_nonces(&mut tx, "2026-11-29T02:00:00Z", "2026-11-29T02:15:00Z").await.unwrap();
        assert_eq!(nonce_cutoff(&mut *tx).await.unwrap().as_deref(), Some("2026-11-29T03:00:01Z"));
        assert_eq!(
            record_use(&mut tx, &seen("before-sweep", "2026-11-29T03:14:00Z")).await.unwrap(),
            NonceRecord::Forgotten
        );
        assert_eq!(
            record_use(&mut tx, &seen("after-sweep", "2026-11-29T03:15:01Z")).await.unwrap(),
            NonceRecord::Fresh
        );
    }
}
