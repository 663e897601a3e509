//! The write's own check of what grants it (the `write_grant` view, whose trigger aborts the insert
//! when the identity's credential or a policy it held has ended: see its migration and `server::grant`).

use super::Tx;

/// The check, reading the grant from `$.grant` of the query's JSON parameter: for a write that carries
/// it in its own round trip (`shares::write_share`) and for [`check`]. An ended grant fails this
/// statement, so nothing after it runs.
pub const CHECK_FROM_JSON: &str = "insert into write_grant (identity_id, access_key_id, session_digest, policies, now)
    values (json_extract(?1, '$.grant.identity_id'), json_extract(?1, '$.grant.access_key_id'),
            json_extract(?1, '$.grant.session_digest'), json_extract(?1, '$.grant.policies'), json_extract(?1, '$.grant.now'))";

/// What ended, as the check's abort names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    KeyNotFound,
    KeyInactive,
    SessionEnded,
    PolicyDetached,
}

/// Whether a write carrying [`CHECK_FROM_JSON`] failed because its grant ended, and what ended.
pub fn ended(e: &sqlx::Error) -> Option<Ended> {
    let sqlx::Error::Database(d) = e else { return None };
    match d.message() {
        "grant ended: access key not found" => Some(Ended::KeyNotFound),
        "grant ended: access key inactive" => Some(Ended::KeyInactive),
        "grant ended: session ended" => Some(Ended::SessionEnded),
        "grant ended: policy detached" => Some(Ended::PolicyDetached),
        _ => None,
    }
}

/// Runs the check on its own in `tx` (`grant` as [`CHECK_FROM_JSON`] reads `$.grant`).
pub async fn check(tx: &mut Tx, grant: serde_json::Value) -> sqlx::Result<()> {
    let params = serde_json::json!({ "grant": grant });
    sqlx::query(CHECK_FROM_JSON).bind(params.to_string()).execute(&mut **tx).await?;
    Ok(())
}
