//! An action and its audit event commit together, by type: an audited action writes through an
//! [`ActionTx`], whose only way to commit takes the action's [`Event`] and writes it in the same
//! transaction, so a crash can't keep one without the other and no code path can commit the action and
//! forget its record.
//!
//! The adapter (a server function, or another API over the same services) makes the event, hands it to
//! the service, and calls [`Event::settle`] with the service's answer: an action that was refused
//! (rolled back) or had nothing to write left its event unrecorded, and `settle` records it with its
//! outcome on its own.

use super::clock::Clock;
use super::db::{self, audit::AuditRow, Tx};
use super::grant::Grant;
use super::internal;
use crate::domain::visible_escapes;
use crate::error::AppError;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};

/// Who did an operator's action, as the changed account's trail shows it (see [`Event::for_customer`]).
pub const PLATFORM_SUPPORT: &str = "Platform support";

/// Who did what the server's own subcommands did (`create-operator`, `create-account`, `access-key
/// create`): whoever runs them on the server's host, with no sign-in of their own.
pub const COMMAND_LINE: &str = "(command line)";

/// What the trail says of an action, minus its outcome and time.
#[derive(Debug, Clone)]
pub struct EventFields {
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

#[derive(Debug)]
struct State {
    fields: EventFields,
    recorded: bool,
}

/// The event of one action. Clones share it: the service's copy marks it recorded when its transaction
/// commits, and the adapter's copy sees that.
#[derive(Debug, Clone)]
pub struct Event {
    clock: Clock,
    state: Arc<Mutex<State>>,
    /// What the identity acting had its access from: the action's write checks it again (see
    /// `server::grant`). `None` only for what no signed-in identity does (a sign-in, the command line).
    grant: Option<Arc<Grant>>,
}

impl Event {
    pub fn new(clock: Clock, mut fields: EventFields, grant: Option<Grant>) -> Event {
        fields.identity = visible_escapes(&fields.identity).into_owned();
        fields.target = target_text(&fields.target);
        Event { clock, state: Arc::new(Mutex::new(State { fields, recorded: false })), grant: grant.map(Arc::new) }
    }

    /// What the acting identity's write must find still in place.
    pub fn grant(&self) -> Option<&Grant> {
        self.grant.as_deref()
    }

    /// The time on the event's clock now: a write checks its grant (a session must not have expired) at
    /// the time it writes, not at the time its request was read, which may have waited in between.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The event of a subcommand's action, in `account`'s trail: run on the server's host, so it has
    /// no identity, address or request of its own to record.
    pub fn by_command_line(clock: Clock, account: &str, action: &str, target: &str) -> Event {
        Event::new(
            clock,
            EventFields {
                account_id: Some(account.to_owned()),
                identity: COMMAND_LINE.to_owned(),
                source_ip: "local".to_owned(),
                request_id: super::ids::hex_id("req", 16),
                caller_request_id: None,
                action: action.to_owned(),
                target: target.to_owned(),
                channel: "cli".to_owned(),
            },
            None,
        )
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock, so a poisoned one still holds consistent data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The same action as `account`'s trail shows it: done by [`PLATFORM_SUPPORT`], with no source
    /// address. An operator's action that changes an account's data (a ticket decided, the account
    /// created) is recorded twice: the operator's own event, with its login and address, is the
    /// platform's, in the platform's trail; this one, in the account's trail, shares its request id,
    /// so the platform can tell which operator it was.
    pub fn for_customer(&self, account: &str) -> Event {
        self.copy_with(|fields| {
            fields.account_id = Some(account.to_owned());
            fields.identity = PLATFORM_SUPPORT.to_owned();
            fields.source_ip = "-".to_owned();
            fields.caller_request_id = None;
            fields.channel = "support".to_owned();
        })
    }

    /// A new, unrecorded event: this one's fields as `edit` changes them.
    fn copy_with(&self, edit: impl FnOnce(&mut EventFields)) -> Event {
        let mut fields = self.state().fields.clone();
        edit(&mut fields);
        Event {
            clock: self.clock.clone(),
            state: Arc::new(Mutex::new(State { fields, recorded: false })),
            grant: self.grant.clone(),
        }
    }

    /// The same action's event about another target: one call that acts on several things (a share
    /// of several backup sets) records each.
    pub fn for_target(&self, target: &str) -> Event {
        self.copy_with(|fields| fields.target = target_text(target))
    }

    /// Names the action's target once the action knows it (the id of what it created), before its
    /// transaction commits the event.
    pub fn name_target(&self, target: &str) {
        self.state().fields.target = target_text(target);
    }

    /// Whether the action's transaction committed the event.
    pub fn is_recorded(&self) -> bool {
        self.state().recorded
    }

    pub fn action(&self) -> String {
        self.state().fields.action.clone()
    }

    /// Writes the event in `tx` with its outcome (`Success` or a refusal's code) and the reason.
    pub async fn write(&self, tx: &mut Tx, outcome: &str, detail: &str) -> sqlx::Result<()> {
        let (now, fields) = (db::ts(self.clock.now()), self.state().fields.clone());
        db::audit::record(&mut **tx, &row(&now, &fields, outcome, &visible_escapes(detail))).await
    }

    /// The event with its outcome as JSON, for a write that inserts it in its own round trip
    /// (`db::audit::RECORD_FROM_JSON`); the caller marks it recorded once that write has committed.
    pub fn as_json(&self, outcome: &str, detail: &str) -> serde_json::Value {
        let (now, fields) = (db::ts(self.clock.now()), self.state().fields.clone());
        row(&now, &fields, outcome, &visible_escapes(detail)).to_json()
    }

    /// Records the event on its own, in a transaction of its own: the outcome of an action that wrote
    /// nothing (refused, or nothing to change).
    pub async fn record_alone(&self, writer: &db::Writer, outcome: &str, detail: &str) -> anyhow::Result<()> {
        let mut tx = writer.begin_unaudited().await?;
        self.write(&mut tx, outcome, detail).await?;
        writer.commit(tx).await?;
        self.state().recorded = true;
        Ok(())
    }

    /// After the action: an event its transaction did not commit (a refusal, which changed nothing, or
    /// an action with nothing to write) is recorded on its own with the outcome (the refusal's code and
    /// sentence). Every adapter calls this once the service has answered; a failure to record is
    /// logged, never turned into the action's answer.
    pub async fn settle<T>(&self, writer: &db::Writer, result: &Result<T, crate::error::AppError>) {
        if self.is_recorded() {
            return;
        }
        let (outcome, detail) = match result {
            Ok(_) => ("Success", ""),
            Err(e) => (e.code.as_str(), e.message.as_str()),
        };
        if let Err(e) = self.record_alone(writer, outcome, detail).await {
            tracing::error!(error = ?e, action = self.action(), "could not record an audit event");
        }
    }

    /// Notes that a transaction holding the event committed (the group commit writes it with the share).
    pub(crate) fn mark_recorded(&self) {
        self.state().recorded = true;
    }

    /// Settles the event without writing it: a call refused as a replay of another is no action of
    /// the key's owner, and leaves no event (as a replay refused at the signature leaves none).
    pub(crate) fn discard(&self) {
        self.state().recorded = true;
    }
}

/// An event's target as stored: what the caller typed may be in it (a name refused, an id that names
/// nothing), so its control and bidirectional characters are written as escapes (a line break or an
/// ANSI escape can't forge a line of the trail where it is shown or exported), and it is cut to 128
/// characters.
fn target_text(target: &str) -> String {
    visible_escapes(target).chars().take(128).collect()
}

/// The stored row of an event with its time and outcome.
fn row<'a>(now: &'a str, fields: &'a EventFields, outcome: &'a str, detail: &'a str) -> AuditRow<'a> {
    AuditRow {
        occurred_at: now,
        account_id: fields.account_id.as_deref(),
        identity: &fields.identity,
        source_ip: &fields.source_ip,
        request_id: &fields.request_id,
        caller_request_id: fields.caller_request_id.as_deref(),
        action: &fields.action,
        target: &fields.target,
        outcome,
        detail,
        channel: &fields.channel,
    }
}

/// The write transaction of an audited action. It reads and writes like the transaction it wraps; it
/// commits only with the action's event, and only while the acting identity's grant holds (checked in
/// this transaction as it commits: see `server::grant`).
///
/// It also carries the time the writer became the action's ([`ActionTx::now`]): what an action decides
/// by the clock (an invitation's or a set's expiry, a revocation time) it decides at that time, as its
/// grant is checked at its commit. The time its request was read is earlier by however long it waited
/// for the writer, and access that ended by the clock alone meanwhile (nothing written) would still be
/// given; so there is no way to begin an action without the later time at hand.
pub struct ActionTx(Tx, db::Writer, time::OffsetDateTime);

impl ActionTx {
    pub async fn begin(writer: &db::Writer, clock: &Clock) -> anyhow::Result<ActionTx> {
        let tx = writer.begin_unaudited().await?;
        Ok(ActionTx(tx, writer.clone(), clock.now()))
    }

    /// The time on the clock once this transaction held the write lock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.2
    }

    /// Writes `event` as `Success` and commits it with the action, once the event's grant is found to
    /// hold; otherwise refuses as a call checked after the same change is refused, and nothing is written.
    pub async fn commit(self, event: &Event) -> Result<(), AppError> {
        self.commit_with_detail(event, "").await
    }

    /// [`ActionTx::commit`], with a note on the success (a sign-in after failed attempts).
    pub async fn commit_with_detail(mut self, event: &Event, detail: &str) -> Result<(), AppError> {
        use anyhow::Context;
        // The transaction has held the write lock since it began, so what the check reads is what held
        // when the action read and decided; a refusal drops the transaction, which rolls it back.
        if let Some(grant) = event.grant() {
            grant.check(&mut self.0, &db::ts(event.now())).await?;
        }
        event.write(&mut self.0, "Success", detail).await.context("recording the audit event").map_err(internal)?;
        let ActionTx(tx, writer, _) = self;
        // Through the writer: the answers kept in memory learn of the action before its caller hears "done".
        writer.commit(tx).await.context("committing").map_err(internal)?;
        event.mark_recorded();
        Ok(())
    }
}

impl Deref for ActionTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.0
    }
}

impl DerefMut for ActionTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.0
    }
}
