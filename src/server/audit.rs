//! Carries a request's audit event to the transaction that carries out the action, so the action and
//! its record commit together: a crash can't keep one without the other.
//!
//! The API layer wraps an action in [`scope`] with the event it wants recorded; the service's
//! [`crate::server::db::commit`] writes that event as `Success` inside its own transaction (a share
//! writes it with its other rows, in its group transaction). When no
//! transaction committed (a refusal, which rolls back, or an action with nothing to write) the caller
//! records the event by itself.

use super::clock::Clock;
use super::db::{self, governance, Tx};
use std::cell::RefCell;
use std::future::Future;

/// The event an action will leave in the audit trail, minus its outcome and time.
#[derive(Debug, Clone)]
pub struct Event {
    pub clock: Clock,
    pub account_id: Option<String>,
    pub identity: String,
    pub source_ip: String,
    /// Made by the server for every request: unique, so no two events share one.
    pub request_id: String,
    /// The caller's own `x-request-id`, when it sent a sane one: recorded beside `request_id`.
    pub caller_request_id: Option<String>,
    pub action: String,
    pub target: String,
    /// `console`, or `api:<AccessKeyId>` for a signed OpenAPI call.
    pub channel: String,
}

impl Event {
    /// The stored row, with its outcome (`Success` or a refusal's code), the reason and the time.
    pub fn row<'a>(&'a self, occurred_at: &'a str, outcome: &'a str, detail: &'a str) -> governance::NewAuditEvent<'a> {
        governance::NewAuditEvent {
            occurred_at,
            account_id: self.account_id.as_deref(),
            identity: &self.identity,
            source_ip: &self.source_ip,
            request_id: &self.request_id,
            caller_request_id: self.caller_request_id.as_deref(),
            action: &self.action,
            target: &self.target,
            outcome,
            detail,
            channel: &self.channel,
        }
    }

    /// Writes the event now, in `tx`.
    pub async fn write(&self, tx: &mut Tx, outcome: &str, detail: &str) -> sqlx::Result<()> {
        let now = db::ts(self.clock.now());
        governance::record(&mut **tx, &self.row(&now, outcome, detail)).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    /// Written in a transaction that has not committed yet: if it rolls back, so does the event.
    InTransaction,
    Committed,
}

struct Pending {
    event: Event,
    stage: Stage,
}

tokio::task_local! {
    static PENDING: RefCell<Pending>;
}

/// Runs `action` with `event` waiting for its transaction. Returns the action's result and, when no
/// transaction committed the event, the event as it stands then, for the caller to record.
pub async fn scope<T>(event: Event, action: impl Future<Output = T>) -> (T, Option<Event>) {
    PENDING
        .scope(RefCell::new(Pending { event, stage: Stage::Waiting }), async {
            let out = action.await;
            let left = PENDING.with(|p| {
                let p = p.borrow();
                (p.stage != Stage::Committed).then(|| p.event.clone())
            });
            (out, left)
        })
        .await
}

/// Carries out `action` with `event` and records it with its outcome (success, or the refusal's code):
/// a successful action's event commits in the action's own transaction; a refusal changed nothing, so
/// its event is written on its own. A failure to record that is logged, not shown. Both adapters (the
/// console's server functions and the OpenAPI endpoint) audit through this.
pub async fn run<T>(
    state: &crate::server::state::AppState,
    event: Event,
    action: impl Future<Output = Result<T, crate::error::AppError>>,
) -> Result<T, crate::error::AppError> {
    let action_name = event.action.clone();
    let (result, unrecorded) = scope(event, action).await;
    if let Some(event) = unrecorded {
        let (outcome, detail) = match &result {
            Ok(_) => ("Success", ""),
            Err(e) => (e.code.as_str(), e.message.as_str()),
        };
        let written = async {
            let mut tx = state.begin_write().await?;
            event.write(&mut tx, outcome, detail).await?;
            tx.commit().await?;
            anyhow::Ok(())
        };
        if let Err(e) = written.await {
            tracing::error!(error = ?e, action = action_name, "could not record an audit event");
        }
    }
    result
}

/// The event waiting in this task, for the caller to write in the transaction it is about to commit;
/// `None` when no action is being audited or its event is already written.
pub(crate) fn take_for_transaction() -> Option<Event> {
    PENDING
        .try_with(|p| {
            let mut p = p.borrow_mut();
            (p.stage == Stage::Waiting).then(|| {
                p.stage = Stage::InTransaction;
                p.event.clone()
            })
        })
        .ok()
        .flatten()
}

/// Files the waiting event in `account`'s trail instead of the caller's: for an action whose account is
/// known only once its target is loaded (an operator deciding a ticket belongs in the asker's trail).
pub(crate) fn set_account(account: &str) {
    let _ = PENDING.try_with(|p| {
        let mut p = p.borrow_mut();
        if p.stage == Stage::Waiting {
            p.event.account_id = Some(account.to_owned());
        }
    });
}

/// Notes that the transaction holding the event has committed.
pub(crate) fn committed() {
    let _ = PENDING.try_with(|p| {
        let mut p = p.borrow_mut();
        if p.stage == Stage::InTransaction {
            p.stage = Stage::Committed;
        }
    });
}
