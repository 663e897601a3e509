//! Tickets and the audit trail.

use super::{paging::Counted, Tx};
use crate::domain::TicketStatus;
use crate::read_model::{AuditEvent, Ticket};
use sqlx::SqliteExecutor;

const TICKET_SELECT: &str = "select t.ticket_id, t.account_id, a.display_name as account_name, t.kind, t.status, t.message, t.created_at, t.decided_at
     from ticket t join account a on a.account_id = t.account_id";

/// One page of an account's tickets, newest first (every account's, open ones first, when `account` is
/// `None`: the operator's view).
pub async fn tickets_page(
    ex: impl SqliteExecutor<'_>,
    account: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Counted<Ticket>>> {
    sqlx::query_as(&format!(
        "select * from (select t.ticket_id, t.account_id, a.display_name as account_name, t.kind, t.status, t.message, t.created_at,
                t.decided_at, count(*) over () as total_rows
            from ticket t join account a on a.account_id = t.account_id
            where ?1 is null or t.account_id = ?1
            order by (?1 is null and t.status = 'Open') desc, t.created_at desc, t.ticket_id desc limit ?2 offset ?3)"
    ))
    .bind(account)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await
}

/// Whether the account has an open ticket of this kind (the Quota page's "increase pending").
pub async fn open_ticket_exists(ex: impl SqliteExecutor<'_>, account: &str, kind: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from ticket where account_id = ? and kind = ? and status = 'Open')")
        .bind(account)
        .bind(kind)
        .fetch_one(ex)
        .await
}

pub async fn ticket(tx: &mut Tx, ticket_id: &str) -> sqlx::Result<Option<Ticket>> {
    sqlx::query_as(&format!("{TICKET_SELECT} where t.ticket_id = ?")).bind(ticket_id).fetch_optional(&mut **tx).await
}

pub async fn has_open_ticket(tx: &mut Tx, account: &str, kind: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from ticket where account_id = ? and kind = ? and status = 'Open')")
        .bind(account)
        .bind(kind)
        .fetch_one(&mut **tx)
        .await
}

pub async fn insert_ticket(
    tx: &mut Tx,
    id: &str,
    account: &str,
    kind: &str,
    message: &str,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into ticket (ticket_id, account_id, kind, status, message, created_at) values (?, ?, ?, 'Open', ?, ?)",
    )
    .bind(id)
    .bind(account)
    .bind(kind)
    .bind(message)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closes an open ticket as the operator decided it.
pub async fn close_ticket(
    tx: &mut Tx,
    ticket_id: &str,
    status: TicketStatus,
    operator: &str,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query("update ticket set status = ?, decided_at = ?, decided_by = ? where ticket_id = ? and status = 'Open'")
        .bind(status)
        .bind(now)
        .bind(operator)
        .bind(ticket_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn enable_shared_backup(tx: &mut Tx, account: &str) -> sqlx::Result<()> {
    sqlx::query("update account set beta_enabled = 1 where account_id = ?").bind(account).execute(&mut **tx).await?;
    Ok(())
}

/// Raises the account's sharing quota to `to` (never lowers it).
pub async fn raise_share_quota(tx: &mut Tx, account: &str, to: u32) -> sqlx::Result<()> {
    sqlx::query("update account set share_quota = max(share_quota, ?2) where account_id = ?1")
        .bind(account)
        .bind(to)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whose trail to read.
#[derive(Debug, Clone, Copy)]
pub enum Trail<'a> {
    Account(&'a str),
    /// The platform account's events and those of no account (a sign-in of a name nobody has).
    Platform,
}

/// A trail, newest first, optionally one action and a time range (RFC 3339 bounds).
pub async fn trail(
    ex: impl SqliteExecutor<'_>,
    whose: Trail<'_>,
    action: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Counted<AuditEvent>>> {
    let (account, rows) = match whose {
        Trail::Account(account) => (account, "account_id = ?1"),
        Trail::Platform => (super::seed::PLATFORM, "(account_id = ?1 or account_id is null)"),
    };
    sqlx::query_as(&format!(
        "select occurred_at, identity, coalesce(account_id, '') as account_id, source_ip, request_id,
                coalesce(caller_request_id, '') as caller_request_id, action, target, outcome, detail, channel,
                count(*) over () as total_rows
         from audit_event
         where {rows} and (?2 is null or action = ?2) and (?3 is null or occurred_at >= ?3)
           and (?4 is null or occurred_at < ?4)
         order by occurred_at desc, audit_event_id desc limit ?5 offset ?6"
    ))
    .bind(account)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await
}
