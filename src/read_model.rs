//! What the services answer with when it is plain data read back: each type is the row as the
//! database reads it (`FromRow` on the server) and, where the console shows it unchanged, the console's
//! wire type too (serde; compiled for the browser). The OpenAPI adapter maps the same types to the SDK's
//! models in its own files. `db` depends on this module, never on `api`.

use crate::domain::{InvitationStatus, TicketKind, TicketStatus};
use serde::{Deserialize, Serialize};

/// An invitation to join a resource directory (Resource Directory's handshake), with the names the
/// console shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryInvitation {
    pub invitation_id: String,
    pub directory_id: String,
    pub management_account_id: String,
    pub management_account_name: String,
    pub account_id: String,
    pub account_name: String,
    /// The folder the account is placed in when it accepts.
    pub folder_id: String,
    pub folder_name: String,
    /// As stored when read; a service answers it as of now ([`DirectoryInvitation::as_of`]).
    pub status: InvitationStatus,
    pub created_at: String,
    pub expires_at: String,
}

impl DirectoryInvitation {
    /// The invitation as of `now`: a pending one past its 14 days reads as expired before the sweep.
    pub fn as_of(self, expires_at: time::OffsetDateTime, now: time::OffsetDateTime) -> Self {
        DirectoryInvitation { status: self.status.at(expires_at, now), ..self }
    }
}

/// One audit event as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEvent {
    pub occurred_at: String,
    pub identity: String,
    pub account_id: String,
    pub source_ip: String,
    pub request_id: String,
    /// The caller's own `x-request-id` ('' when none): a hint, unlike `request_id`, which the server made.
    pub caller_request_id: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    /// `console`, `api:<AccessKeyId>` for a signed OpenAPI call, `cli` or `scheduler`.
    #[serde(default)]
    pub channel: String,
}

impl AuditEvent {
    /// The outcome is `Success` or the code of the refusal.
    pub fn succeeded(&self) -> bool {
        self.outcome == "Success"
    }
}

/// A ticket an account submitted to the platform, with the account's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Ticket {
    pub ticket_id: String,
    pub account_id: String,
    pub account_name: String,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub message: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}
