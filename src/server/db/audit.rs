//! The audit trail's one writer: every event, one at a time or many chosen by a query, is inserted here.

use super::Tx;
use sqlx::SqliteExecutor;

/// The stored columns of an event, in the order [`record_selected`]'s query yields them.
const COLUMNS: &str =
    "occurred_at, account_id, identity, source_ip, request_id, caller_request_id, action, target, outcome, detail";

/// The channel of the events the schedule records.
pub const SCHEDULER_CHANNEL: &str = "scheduler";

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
    /// `console`, `api:<AccessKeyId>` for a signed OpenAPI call, or `scheduler`.
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

/// Inserts the event found at `$.event` in the JSON parameter ?1 (see [`AuditRow::to_json`]): for a
/// write that sends its statements in one round trip with their values in one JSON parameter
/// (`db::shares::write_share`), so the event is inserted in that round trip rather than in one of its own.
pub const RECORD_FROM_JSON: &str = "insert into audit_event (occurred_at, account_id, identity, source_ip, request_id,
        caller_request_id, action, target, outcome, detail, channel)
    values (json_extract(?1, '$.event.occurred_at'), json_extract(?1, '$.event.account_id'),
        json_extract(?1, '$.event.identity'), json_extract(?1, '$.event.source_ip'),
        json_extract(?1, '$.event.request_id'), json_extract(?1, '$.event.caller_request_id'),
        json_extract(?1, '$.event.action'), json_extract(?1, '$.event.target'), json_extract(?1, '$.event.outcome'),
        json_extract(?1, '$.event.detail'), json_extract(?1, '$.event.channel'))";

impl AuditRow<'_> {
    /// The event as the JSON object [`RECORD_FROM_JSON`] reads.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "occurred_at": self.occurred_at,
            "account_id": self.account_id,
            "identity": self.identity,
            "source_ip": self.source_ip,
            "request_id": self.request_id,
            "caller_request_id": self.caller_request_id,
            "action": self.action,
            "target": self.target,
            "outcome": self.outcome,
            "detail": self.detail,
            "channel": self.channel,
        })
    }
}

/// Events for each row `select` yields (the schedule records everything it applied in one statement):
/// `select` names the [`COLUMNS`] in their order and takes `binds` as ?1, ?2, ...
pub async fn record_selected(tx: &mut Tx, select: &str, binds: &[&str]) -> sqlx::Result<u64> {
    // Only the schedule records events this way: they are its own.
    let sql = format!("insert into audit_event ({COLUMNS}, channel) select *, '{SCHEDULER_CHANNEL}' from ({select})");
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(*b);
    }
    Ok(query.execute(&mut **tx).await?.rows_affected())
}
