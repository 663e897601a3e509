//! The audit trail's one writer: every event, one at a time or many chosen by a query, is inserted here.

use super::Tx;
use sqlx::SqliteExecutor;

/// The stored columns of an event, in the order [`record_selected`]'s query yields them.
const COLUMNS: &str = "occurred_at, account_id, identity, source_ip, request_id, caller_request_id, action, target, outcome, detail";

/// One event as stored.
pub struct AuditRow<'a> {
    pub occurred_at: &'a str,
    pub account_id: Option<&'a str>,
    pub identity: &'a str,
    pub source_ip: &'a str,
    pub request_id: &'a str,
    /// The caller's own `x-request-id`, if it sent a sane one (beside `request_id`, never instead of it).
    pub caller_request_id: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    /// `Success`, or the code of the refusal.
    pub outcome: &'a str,
    pub detail: &'a str,
    /// `console`, `api:<AccessKeyId>` or `cli`: which door the action came through.
    pub channel: &'a str,
}

pub async fn record(ex: impl SqliteExecutor<'_>, e: &AuditRow<'_>) -> sqlx::Result<()> {
    sqlx::query(&format!("insert into audit_event ({COLUMNS}, channel) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        .bind(e.occurred_at)
        .bind(e.account_id)
        .bind(e.identity)
        .bind(e.source_ip)
        .bind(e.request_id)
        .bind(e.caller_request_id)
        .bind(e.action)
        .bind(e.target)
        .bind(e.outcome)
        .bind(e.detail)
        .bind(e.channel)
        .execute(ex)
        .await?;
    Ok(())
}

/// Events for each row `select` yields (the schedule records everything it applied in one statement):
/// `select` names the [`COLUMNS`] in their order and takes `binds` as ?1, ?2, ...
pub async fn record_selected(tx: &mut Tx, select: &str, binds: &[&str]) -> sqlx::Result<u64> {
    // What the schedule applies has no caller: its channel is `scheduler`.
    let sql = format!("insert into audit_event ({COLUMNS}, channel) select *, 'scheduler' from ({select})");
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(*b);
    }
    Ok(query.execute(&mut **tx).await?.rows_affected())
}
