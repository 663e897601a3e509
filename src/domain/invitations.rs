//! Invitations to accounts outside the owner's resource directory: at most one pending invitation per
//! account and backup set, a cap on an owner's pending invitations, and the state a receiver sees.

use super::text::text_enum;
use super::{AssociationStatus, InvitationStatus, Refusal};
use time::OffsetDateTime;

text_enum!(
    /// An invitation as its receiver sees it: its status, or, once the owner removed an accepted
    /// principal, where that removal stands.
    pub enum ShownInvitationStatus {
        Pending = "Pending",
        Accepted = "Accepted",
        Rejected = "Rejected",
        Expired = "Expired",
        Cancelled = "Cancelled",
        Disassociating = "Disassociating",
        Disassociated = "Disassociated",
    }
);

impl From<InvitationStatus> for ShownInvitationStatus {
    fn from(status: InvitationStatus) -> Self {
        match status {
            InvitationStatus::Pending => ShownInvitationStatus::Pending,
            InvitationStatus::Accepted => ShownInvitationStatus::Accepted,
            InvitationStatus::Rejected => ShownInvitationStatus::Rejected,
            InvitationStatus::Expired => ShownInvitationStatus::Expired,
            InvitationStatus::Cancelled => ShownInvitationStatus::Cancelled,
        }
    }
}

/// Pending (unanswered, unexpired) invitations one owner may have outstanding at once, unless the
/// server is configured otherwise. Each is a message in another account's console; without a cap an
/// owner could flood the receivers.
pub const DEFAULT_MAX_PENDING_INVITATIONS: u32 = 500;

/// A request that would send `invitee` a second invitation to a backup set it has not answered yet is
/// refused: the pending one stands. `already_pending` says whether such an invitation exists (to any of
/// the owner's shares that holds the set, or to the share the set is being put in).
pub fn check_no_pending_invitation(invitee: &str, backup_set: &str, already_pending: bool) -> Result<(), Refusal> {
    if already_pending {
        Err(Refusal::InvitationAlreadyExists { principal: invitee.to_owned(), backup_set: backup_set.to_owned() })
    } else {
        Ok(())
    }
}

/// An owner may have at most `limit` pending invitations: `pending` now plus `new` from this request.
pub fn check_pending_invitation_limit(pending: u32, new: u32, limit: u32) -> Result<(), Refusal> {
    let requested = pending.saturating_add(new);
    if new > 0 && requested > limit {
        Err(Refusal::PendingInvitationLimit { limit, requested })
    } else {
        Ok(())
    }
}

/// What the receiver of an invitation sees of it. An accepted invitation whose principal the owner has
/// since `removed` no longer counts: it is `Disassociating` while the receiver is still being revoked
/// (`access_ending`: the scheduled revocation, or a removal waiting for a restore) and `Disassociated`
/// once that is over or the principal was added again (with a new invitation to accept).
pub fn shown_invitation_status(
    stored: InvitationStatus,
    expires_at: OffsetDateTime,
    removed: bool,
    access_ending: bool,
    now: OffsetDateTime,
) -> ShownInvitationStatus {
    match stored.at(expires_at, now) {
        InvitationStatus::Accepted if removed && access_ending => ShownInvitationStatus::Disassociating,
        InvitationStatus::Accepted if removed => ShownInvitationStatus::Disassociated,
        status => status.into(),
    }
}

/// One backup set of the share an invitation is for, as its receiver stands to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct InvitedSet {
    pub backup_set_id: String,
    /// The set's association with the share (`Disassociating`: taken out, its revocation not run yet).
    pub resource_status: AssociationStatus,
    /// The receiver joined the share, or accepted, after the set's removal began: never shared with it.
    pub joined_after_set_removal: bool,
    /// The set joined the share after the receiver's removal from it began: never shared with it.
    pub added_after_removal: bool,
}

/// Whether an invitation names one backup set of its share to its receiver: only a set the receiver
/// holds through it, or would hold by accepting it now (what [`super::principal_grant`] would give),
/// never one on its way out that it never held, nor anything once the invitation gives nothing.
pub fn invitation_shows_set(shown: ShownInvitationStatus, set: &InvitedSet) -> bool {
    match shown {
        // Accepting now would mark every set on its way out as never shared with the receiver.
        ShownInvitationStatus::Pending => set.resource_status == AssociationStatus::Associated,
        ShownInvitationStatus::Accepted => !set.joined_after_set_removal,
        // Being revoked, it keeps only what it held when its removal began.
        ShownInvitationStatus::Disassociating => !set.joined_after_set_removal && !set.added_after_removal,
        // Rejected, lapsed, cancelled or over: the owner's sets, then or since, are none of its business.
        ShownInvitationStatus::Rejected
        | ShownInvitationStatus::Expired
        | ShownInvitationStatus::Cancelled
        | ShownInvitationStatus::Disassociated => false,
    }
}

/// Whether a principal still in a share makes its backup sets show `Sharing` (the Attribute column):
/// while it is invited (pending) or associated. `invitation` is an account principal's latest
/// invitation when it had to accept one (`None` for directory objects and directory-scope principals),
/// with whether an accepted one is still in force.
pub fn principal_is_sharing(invitation: Option<(InvitationStatus, bool)>) -> bool {
    match invitation {
        None => true,
        Some((InvitationStatus::Pending, _)) => true,
        Some((InvitationStatus::Accepted, in_force)) => in_force,
        Some((InvitationStatus::Rejected | InvitationStatus::Expired | InvitationStatus::Cancelled, _)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    const NOW: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    #[test]
    fn a_second_invitation_while_one_is_pending_is_refused() {
        let err = check_no_pending_invitation("1000000000000002", "42", true).unwrap_err();
        assert_eq!(err.code(), "EntityAlreadyExists.ResourceShareInvitation");
        assert!(err.to_string().contains("1000000000000002") && err.to_string().contains("42"));
        assert!(check_no_pending_invitation("1000000000000002", "42", false).is_ok());
    }

    #[test]
    fn invitations_up_to_the_limit_are_allowed_and_one_more_is_refused() {
        assert!(check_pending_invitation_limit(8, 2, 10).is_ok());
        let err = check_pending_invitation_limit(9, 2, 10).unwrap_err();
        assert_eq!(err.code(), "QuotaExceeded.PendingInvitations");
        assert!(err.to_string().contains("at most 10") && err.to_string().contains("11"));
    }

    #[test]
    fn a_request_inviting_nobody_is_never_refused_for_the_pending_limit() {
        assert!(check_pending_invitation_limit(50, 0, 10).is_ok());
    }

    #[test]
    fn a_principal_that_rejected_or_let_its_invitation_lapse_is_not_sharing() {
        for status in [InvitationStatus::Rejected, InvitationStatus::Expired, InvitationStatus::Cancelled] {
            assert!(!principal_is_sharing(Some((status, false))), "{status:?}");
        }
        assert!(!principal_is_sharing(Some((InvitationStatus::Accepted, false))));
    }

    #[test]
    fn an_invited_or_associated_principal_is_sharing() {
        assert!(principal_is_sharing(Some((InvitationStatus::Pending, false))));
        assert!(principal_is_sharing(Some((InvitationStatus::Accepted, true))));
        assert!(principal_is_sharing(None));
    }

    #[test]
    fn an_accepted_invitation_whose_principal_was_removed_shows_disassociating_then_disassociated() {
        let expires = NOW - Duration::days(3);
        assert_eq!(shown_invitation_status(InvitationStatus::Accepted, expires, true, true, NOW), ShownInvitationStatus::Disassociating);
        assert_eq!(shown_invitation_status(InvitationStatus::Accepted, expires, true, false, NOW), ShownInvitationStatus::Disassociated);
    }

    #[test]
    fn an_accepted_invitation_still_in_force_shows_accepted() {
        assert_eq!(shown_invitation_status(InvitationStatus::Accepted, NOW - Duration::days(3), false, false, NOW), ShownInvitationStatus::Accepted);
    }

    fn set(resource_status: AssociationStatus) -> InvitedSet {
        InvitedSet { backup_set_id: "42".into(), resource_status, joined_after_set_removal: false, added_after_removal: false }
    }

    #[test]
    fn a_pending_invitation_names_no_set_on_its_way_out_of_the_share() {
        assert!(invitation_shows_set(ShownInvitationStatus::Pending, &set(AssociationStatus::Associated)));
        assert!(!invitation_shows_set(ShownInvitationStatus::Pending, &set(AssociationStatus::Disassociating)));
        let joined_late = InvitedSet { joined_after_set_removal: true, ..set(AssociationStatus::Disassociating) };
        assert!(!invitation_shows_set(ShownInvitationStatus::Pending, &joined_late));
    }

    #[test]
    fn an_accepted_invitation_names_the_sets_its_receiver_holds_including_those_being_revoked() {
        assert!(invitation_shows_set(ShownInvitationStatus::Accepted, &set(AssociationStatus::Associated)));
        assert!(invitation_shows_set(ShownInvitationStatus::Accepted, &set(AssociationStatus::Disassociating)));
        let joined_late = InvitedSet { joined_after_set_removal: true, ..set(AssociationStatus::Disassociating) };
        assert!(!invitation_shows_set(ShownInvitationStatus::Accepted, &joined_late));
    }

    #[test]
    fn a_receiver_being_revoked_is_not_named_a_set_added_since_its_removal_began() {
        assert!(invitation_shows_set(ShownInvitationStatus::Disassociating, &set(AssociationStatus::Associated)));
        let added_late = InvitedSet { added_after_removal: true, ..set(AssociationStatus::Associated) };
        assert!(!invitation_shows_set(ShownInvitationStatus::Disassociating, &added_late));
    }

    #[test]
    fn an_invitation_that_gives_nothing_names_no_set() {
        for shown in [ShownInvitationStatus::Rejected, ShownInvitationStatus::Expired, ShownInvitationStatus::Cancelled, ShownInvitationStatus::Disassociated] {
            assert!(!invitation_shows_set(shown, &set(AssociationStatus::Associated)), "{shown:?}");
        }
    }

    #[test]
    fn a_pending_invitation_past_its_expiry_shows_expired() {
        assert_eq!(shown_invitation_status(InvitationStatus::Pending, NOW, false, false, NOW), ShownInvitationStatus::Expired);
        assert_eq!(shown_invitation_status(InvitationStatus::Pending, NOW + Duration::days(1), false, false, NOW), ShownInvitationStatus::Pending);
    }
}
