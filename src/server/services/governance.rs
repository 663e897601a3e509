//! Account governance: tickets to the platform (beta enablement, quota increase), the quota page, and
//! the audit trail.

use crate::domain::IdentityKind;
use crate::domain::{check_audit_action_filter, check_ticket_message, parse_day, parse_ticket_kind};
use crate::domain::{
    check_ticket_decision, check_ticket_submission, ticket_outcome, ConsolePage, PageRequest, Refusal, TicketGrant,
    TicketKind, RAISED_SHARE_QUOTA,
};
use crate::error::AppError;
use crate::read_model::{AuditEvent, Paged, Quota, Ticket};
use crate::server::audit::Event;
use crate::server::auth::Identity;
use crate::server::db::{self, governance, paging, shares};
use crate::server::services::setup::PLATFORM_ACCOUNT;
use crate::server::{ids, internal, state::AppState};

/// One page of the signed-in account's tickets; the operator sees every account's.
pub async fn tickets(state: &AppState, who: &Identity, page: PageRequest) -> Result<Paged<Ticket>, AppError> {
    who.may_read(ConsolePage::Tickets)?;
    let account = (who.kind != IdentityKind::Operator).then(|| who.account_id().as_str());
    let (rows, total) =
        paging::load_page(page, |limit, offset| governance::tickets_page(&state.pool, account, limit, offset))
            .await
            .map_err(internal)?;
    Ok(Paged::new(rows, total, page))
}

#[tracing::instrument(skip(state, who, message), fields(account = %who.account_id()))]
pub async fn submit_ticket(
    state: &AppState,
    who: &Identity,
    kind: &str,
    message: &str,
    event: &Event,
) -> Result<Ticket, AppError> {
    // Asking the platform for something for the account is the account's (root) decision.
    who.actor.may_act_as_root("submit tickets")?;
    let kind = parse_ticket_kind(kind)?;
    let message = check_ticket_message(message)?;
    let me = who.account_id().as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = db::ts(tx.now());
    // The account's current state, read inside the transaction.
    let account =
        db::accounts::account(&mut **tx, me).await.map_err(internal)?.ok_or_else(AppError::unauthenticated)?;
    let open = governance::has_open_ticket(&mut tx, me, kind.as_str()).await.map_err(internal)?;
    check_ticket_submission(kind, account.beta_enabled, u32::try_from(account.share_quota).map_err(internal)?, open)?;
    let id = ids::hex_id("tk", 10);
    governance::insert_ticket(&mut tx, &id, me, kind.as_str(), message, &now).await.map_err(internal)?;
    let row = governance::ticket(&mut tx, &id).await.map_err(internal)?.ok_or_else(AppError::internal)?;
    tx.commit(event).await?;
    Ok(row)
}

#[tracing::instrument(skip(state, who), fields(identity = %who.login_name))]
pub async fn decide_ticket(
    state: &AppState,
    who: &Identity,
    ticket_id: &str,
    approve: bool,
    event: &Event,
) -> Result<Ticket, AppError> {
    if who.kind != IdentityKind::Operator {
        return Err(Refusal::NotOperator { action: "decide tickets" }.into());
    }
    if ticket_id.len() > 64 {
        return Err(Refusal::TicketNotFound.into());
    }
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = db::ts(tx.now());
    let ticket = governance::ticket(&mut tx, ticket_id).await.map_err(internal)?.ok_or(Refusal::TicketNotFound)?;
    check_ticket_decision(true, ticket.status)?;
    let (status, grant) = ticket_outcome(ticket.kind, approve);
    governance::close_ticket(&mut tx, &ticket.ticket_id, status, &who.login_name, &now).await.map_err(internal)?;
    match grant {
        TicketGrant::Nothing => {}
        TicketGrant::SharedBackup => {
            governance::enable_shared_backup(&mut tx, &ticket.account_id).await.map_err(internal)?
        }
        TicketGrant::ShareQuota(to) => {
            governance::raise_share_quota(&mut tx, &ticket.account_id, to).await.map_err(internal)?
        }
    }
    let row = governance::ticket(&mut tx, ticket_id).await.map_err(internal)?.ok_or_else(AppError::internal)?;
    // The asker's trail names the provider's support; the operator's event, with its login and
    // address, stays in the platform's own trail. Both commit with the decision.
    event.for_customer(&ticket.account_id).write(&mut tx, "Success", "").await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(row)
}

pub async fn quota(state: &AppState, who: &Identity) -> Result<Quota, AppError> {
    who.actor.may_open(ConsolePage::Quota)?;
    let me = who.account_id().as_str();
    let used = shares::shared_resource_count(&state.pool, me).await.map_err(internal)?;
    let open =
        governance::open_ticket_exists(&state.pool, me, TicketKind::QuotaIncrease.as_str()).await.map_err(internal)?;
    Ok(Quota {
        used,
        limit: i64::from(who.account.share_quota),
        max_limit: i64::from(RAISED_SHARE_QUOTA),
        beta_enabled: who.account.beta_enabled,
        increase_pending: open,
    })
}

/// Parses a `YYYY-MM-DD` filter date into the RFC 3339 bound stored times compare with.
fn day_bound(day: Option<String>, next_day: bool) -> Result<Option<String>, AppError> {
    let Some(day) = day.filter(|d| !d.is_empty()) else { return Ok(None) };
    let date = parse_day(&day)?;
    let date = if next_day { date.next_day().unwrap_or(date) } else { date };
    Ok(Some(db::ts(date.midnight().assume_utc())))
}

/// Most events one CSV export holds (newest first).
pub const EXPORT_LIMIT: i64 = 5_000;

/// One page of the audit trail (`page`), or for the CSV export (`None`) its newest [`EXPORT_LIMIT`]
/// events. Either needs ActionTrail read access: the trail names identities and source addresses.
pub async fn audit_trail(
    state: &AppState,
    who: &Identity,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<PageRequest>,
) -> Result<Paged<AuditEvent>, AppError> {
    // The platform operator holds no RAM policies but answers for its own actions (accounts created,
    // tickets decided): it reads its own trail (`Identity::may_read`).
    who.may_read(ConsolePage::AuditTrail)?;
    let action = action.filter(|a| !a.is_empty());
    action.as_deref().map(check_audit_action_filter).transpose()?;
    let (from, to) = (day_bound(from, false)?, day_bound(to, true)?);
    // A failed sign-in of a name no account has (and an address's lock) is recorded with no account:
    // the platform's, as its operator's own events are.
    let trail = match who.account_id().as_str() {
        PLATFORM_ACCOUNT => governance::Trail::Platform,
        account => governance::Trail::Account(account),
    };
    let load = |limit, offset| {
        governance::trail(&state.pool, trail, action.as_deref(), from.as_deref(), to.as_deref(), limit, offset)
    };
    let (request, (events, total)) = match page {
        Some(page) => (page, paging::load_page(page, load).await.map_err(internal)?),
        None => {
            let rows = load(EXPORT_LIMIT, 0).await.map_err(internal)?;
            let total = rows.first().map_or(0, |r| r.total_rows);
            let all = PageRequest { page: 1, page_size: rows.len() as u32 };
            (all, (rows.into_iter().map(|r| r.row).collect::<Vec<_>>(), total))
        }
    };
    Ok(Paged::new(events, total, request))
}

/// The trail as CSV (RFC 4180 quoting), for the export link. The columns added later (the caller's
/// request id, the channel) go last, so the earlier ones keep their places for whoever reads the file.
pub fn audit_csv(events: &[AuditEvent]) -> String {
    let mut out = String::from(
        "time,identity,account,source_ip,request_id,action,target,outcome,detail,caller_request_id,channel\r\n",
    );
    for e in events {
        let row = [
            &e.occurred_at,
            &e.identity,
            &e.account_id,
            &e.source_ip,
            &e.request_id,
            &e.action,
            &e.target,
            &e.outcome,
            &e.detail,
            &e.caller_request_id,
            &e.channel,
        ];
        out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV cell. Spreadsheets run a cell that starts with `= + - @` as a formula, and Excel also
/// after a leading tab or carriage return, so such a cell gets a leading `'` that makes it text (a lone
/// `-`, the trail's "no address", can't be a formula and stays as it is). Then RFC 4180 quoting.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s != "-" { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    fn event(target: &str) -> AuditEvent {
        AuditEvent {
            occurred_at: "2026-11-27T08:00:00Z".into(),
            identity: "owner".into(),
            account_id: "1000000000000001".into(),
            source_ip: "127.0.0.1".into(),
            request_id: "req-1".into(),
            caller_request_id: String::new(),
            action: "ShareBackupSet".into(),
            target: target.into(),
            outcome: "Success".into(),
            detail: String::new(),
            channel: "console".into(),
        }
    }

    #[test]
    fn a_cell_starting_with_a_formula_character_is_made_text() {
        for cell in ["=1+2", "+1", "-1+2", "@SUM(A1)"] {
            assert_eq!(csv_field(cell), format!("'{cell}"), "{cell}");
        }
    }

    #[test]
    fn a_cell_starting_with_a_tab_or_carriage_return_is_made_text() {
        assert_eq!(csv_field("\t=cmd"), "'\t=cmd");
        assert_eq!(csv_field("\r=cmd"), "\"'\r=cmd\"", "neutralised, then quoted for the CR");
    }

    #[test]
    fn a_lone_dash_and_ordinary_text_are_left_as_they_are() {
        assert_eq!(csv_field("-"), "-");
        assert_eq!(csv_field("bs-001 = ok"), "bs-001 = ok");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn every_cell_of_an_exported_row_is_neutralised() {
        let csv = audit_csv(&[event("\t@evil")]);
        let row = csv.lines().nth(1).expect("a data row");
        assert!(row.contains(",'\t@evil,"), "{row}");
        assert_eq!(csv.lines().next().unwrap().split(',').count(), row.split(',').count());
    }
}
