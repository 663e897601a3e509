//! Tickets to the platform: enabling the shared-backup beta and raising the sharing quota.

use super::text::text_enum;
use super::Refusal;

/// The quota an approved increase raises an owner to (PolarDB's limit of 1,024 backup sets).
pub const RAISED_SHARE_QUOTA: u32 = 1024;

text_enum!(
    pub enum TicketKind {
        EnableSharedBackup = "EnableSharedBackup",
        QuotaIncrease = "QuotaIncrease",
    }
);
text_enum!(
    pub enum TicketStatus {
        Open = "Open",
        Approved = "Approved",
        Rejected = "Rejected",
    }
);

/// May the account open a ticket of this kind? Not for what it already has, and not twice at once.
pub fn check_ticket_submission(
    kind: TicketKind,
    beta_enabled: bool,
    share_quota: u32,
    has_open_ticket_of_kind: bool,
) -> Result<(), Refusal> {
    match kind {
        TicketKind::EnableSharedBackup if beta_enabled => {
            return Err(Refusal::TicketNotNeeded { what: "Shared backup sets are already enabled for this account." })
        }
        TicketKind::QuotaIncrease if share_quota >= RAISED_SHARE_QUOTA => {
            return Err(Refusal::TicketNotNeeded {
                what: "The sharing quota is already at its maximum of 1,024 backup sets.",
            })
        }
        TicketKind::QuotaIncrease if !beta_enabled => return Err(Refusal::BetaNotEnabled),
        _ => {}
    }
    if has_open_ticket_of_kind {
        return Err(Refusal::TicketAlreadyOpen);
    }
    Ok(())
}

/// Creating cloud accounts (the Accounts page, `polarshare create-account` aside): only the platform
/// operator. The page shows this refusal instead of its form to anyone else.
pub fn check_creates_accounts(is_operator: bool) -> Result<(), Refusal> {
    if is_operator {
        Ok(())
    } else {
        Err(Refusal::NotOperator { action: "create accounts" })
    }
}

/// Deciding a ticket: only an open one, only by the platform operator.
pub fn check_ticket_decision(is_operator: bool, status: TicketStatus) -> Result<(), Refusal> {
    if !is_operator {
        return Err(Refusal::NotOperator { action: "decide tickets" });
    }
    if status != TicketStatus::Open {
        return Err(Refusal::TicketClosed);
    }
    Ok(())
}

/// What deciding a ticket gives its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketGrant {
    Nothing,
    /// Shared backup sets are enabled for the account.
    SharedBackup,
    /// The sharing quota rises to this (never lowers).
    ShareQuota(u32),
}

/// An open ticket decided: its new status and what that grants.
pub fn ticket_outcome(kind: TicketKind, approve: bool) -> (TicketStatus, TicketGrant) {
    match (approve, kind) {
        (false, _) => (TicketStatus::Rejected, TicketGrant::Nothing),
        (true, TicketKind::EnableSharedBackup) => (TicketStatus::Approved, TicketGrant::SharedBackup),
        (true, TicketKind::QuotaIncrease) => (TicketStatus::Approved, TicketGrant::ShareQuota(RAISED_SHARE_QUOTA)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_platform_operator_creates_accounts() {
        assert_eq!(check_creates_accounts(true), Ok(()));
        assert_eq!(check_creates_accounts(false).unwrap_err().code(), "Forbidden.NotOperator");
    }

    #[test]
    fn an_approved_quota_ticket_raises_the_quota_to_1024() {
        assert_eq!(
            ticket_outcome(TicketKind::QuotaIncrease, true),
            (TicketStatus::Approved, TicketGrant::ShareQuota(1024))
        );
    }

    #[test]
    fn an_approved_beta_ticket_enables_shared_backups() {
        assert_eq!(
            ticket_outcome(TicketKind::EnableSharedBackup, true),
            (TicketStatus::Approved, TicketGrant::SharedBackup)
        );
    }

    #[test]
    fn a_rejected_ticket_grants_nothing() {
        assert_eq!(ticket_outcome(TicketKind::QuotaIncrease, false), (TicketStatus::Rejected, TicketGrant::Nothing));
    }

    #[test]
    fn an_account_without_the_beta_may_ask_for_it() {
        assert!(check_ticket_submission(TicketKind::EnableSharedBackup, false, 1000, false).is_ok());
    }

    #[test]
    fn asking_for_the_beta_twice_while_one_is_open_is_refused() {
        assert_eq!(
            check_ticket_submission(TicketKind::EnableSharedBackup, false, 1000, true).unwrap_err().code(),
            "Ticket.AlreadyOpen"
        );
    }

    #[test]
    fn asking_for_what_the_account_already_has_is_refused() {
        assert_eq!(
            check_ticket_submission(TicketKind::EnableSharedBackup, true, 1000, false).unwrap_err().code(),
            "Ticket.NotNeeded"
        );
        assert_eq!(
            check_ticket_submission(TicketKind::QuotaIncrease, true, 1024, false).unwrap_err().code(),
            "Ticket.NotNeeded"
        );
    }

    #[test]
    fn a_quota_increase_needs_the_beta_first() {
        assert_eq!(
            check_ticket_submission(TicketKind::QuotaIncrease, false, 1000, false).unwrap_err().code(),
            "OperationDenied.SharedBackupNotEnabled"
        );
    }

    #[test]
    fn only_the_operator_decides_and_only_open_tickets() {
        assert_eq!(check_ticket_decision(false, TicketStatus::Open).unwrap_err().code(), "Forbidden.NotOperator");
        assert_eq!(check_ticket_decision(true, TicketStatus::Approved).unwrap_err().code(), "Ticket.Closed");
        assert!(check_ticket_decision(true, TicketStatus::Open).is_ok());
    }
}
