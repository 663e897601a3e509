//! Invitations to accounts outside the owner's resource directory: at most one pending invitation per
//! account and backup set, a cap on an owner's pending invitations, and the state a receiver sees.

use super::text::text_enum;
use super::{InvitationStatus, Refusal};
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

impl ShownInvitationStatus {
    /// Whether an invitation in this state shows its receiver the share's backup sets: while it offers
    /// them (pending) or gives them (accepted and in force). Once it was rejected, expired or cancelled,
    /// or the owner removed its receiver, it shows none: what the owner puts in the share from then on
    /// is for other principals, and the old invitation must not keep listing it.
    pub fn shows_resources(self) -> bool {
        matches!(self, ShownInvitationStatus::Pending | ShownInvitationStatus::Accepted)
    }
}

/// Until when an invitation offered (or gave) its share's backup sets: `None` while it still does
/// (pending, or accepted and in force); otherwise the moment that ended: its expiry for one left
/// unanswered, its answer or cancellation for one rejected or cancelled (`updated_at`, written then), its
/// receiver's removal for one accepted (`updated_at` too). A set the owner put in the share after that
/// moment was never offered by it, so the invitation is not listed in that set's region: its receiver
/// must not learn where the owner shares with others since.
pub fn offered_until(
    stored: InvitationStatus,
    expires_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    removed: bool,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    match stored.at(expires_at, now) {
        InvitationStatus::Pending => None,
        InvitationStatus::Accepted if !removed => None,
        InvitationStatus::Expired => Some(expires_at),
        InvitationStatus::Accepted | InvitationStatus::Rejected | InvitationStatus::Cancelled => Some(updated_at),
    }
}

/// Whether a rename of the share made at `now` shows on the invitation, or the invitation keeps the
/// name its receiver knew. It shows while the invitation offers or gives the share ([`offered_until`]),
/// and on an accepted one whose receiver was removed for as long as that receiver still holds the share
/// (`access_running`: the rest of its revocation window, or while a restore holds the revocation):
/// meanwhile the receiver sees the share under its current name on the set, so on its invitation too.
pub fn rename_shows_on_invitation(
    stored: InvitationStatus,
    expires_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    removed: bool,
    access_running: bool,
    now: OffsetDateTime,
) -> bool {
    match offered_until(stored, expires_at, updated_at, removed, now) {
        None => true,
        Some(_) => stored == InvitationStatus::Accepted && removed && access_running,
    }
}

/// Whether the invitation is listed in a region whose earliest set was put in its share at `first_added`
/// (`None`: the share holds no set there): only if it offered that set.
pub fn invitation_listed_in_region(offered_until: Option<OffsetDateTime>, first_added: Option<OffsetDateTime>) -> bool {
    match (first_added, offered_until) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(added), Some(until)) => added <= until,
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

    #[test]
    fn an_open_invitation_offers_every_set_its_share_gets() {
        let (expires, updated, now) =
            (datetime!(2026-12-01 0:00 UTC), datetime!(2026-11-20 0:00 UTC), datetime!(2026-11-25 0:00 UTC));
        assert_eq!(offered_until(InvitationStatus::Pending, expires, updated, false, now), None);
        assert_eq!(offered_until(InvitationStatus::Accepted, expires, updated, false, now), None);
        assert!(invitation_listed_in_region(None, Some(datetime!(2030-01-01 0:00 UTC))));
    }

    #[test]
    fn an_ended_invitation_offered_only_the_sets_put_in_before_it_ended() {
        let (expires, updated, now) =
            (datetime!(2026-12-01 0:00 UTC), datetime!(2026-11-20 0:00 UTC), datetime!(2026-12-05 0:00 UTC));
        for stored in [InvitationStatus::Rejected, InvitationStatus::Cancelled] {
            assert_eq!(
                offered_until(stored, expires, updated, false, now),
                Some(updated),
                "{stored:?}: when it was answered or cancelled"
            );
        }
        assert_eq!(
            offered_until(InvitationStatus::Accepted, expires, updated, true, now),
            Some(updated),
            "when its receiver was removed"
        );
        assert_eq!(
            offered_until(InvitationStatus::Pending, expires, updated, false, now),
            Some(expires),
            "unanswered: its expiry"
        );
        assert_eq!(
            offered_until(InvitationStatus::Expired, expires, datetime!(2026-12-02 0:00 UTC), false, now),
            Some(expires),
            "not the sweep"
        );
        let until = Some(updated);
        assert!(invitation_listed_in_region(until, Some(updated)), "a set put in as it ended was offered");
        assert!(
            !invitation_listed_in_region(until, Some(updated + time::Duration::seconds(1))),
            "one put in after was not"
        );
        assert!(!invitation_listed_in_region(None, None), "no set in the region");
    }

    #[test]
    fn a_rename_shows_on_a_removed_receivers_invitation_until_its_access_ends() {
        let (expires, updated, now) =
            (datetime!(2026-12-01 0:00 UTC), datetime!(2026-11-20 0:00 UTC), datetime!(2026-11-20 0:05 UTC));
        let shows =
            |stored, removed, running| rename_shows_on_invitation(stored, expires, updated, removed, running, now);
        assert!(shows(InvitationStatus::Accepted, true, true), "removed, in its revocation window");
        assert!(!shows(InvitationStatus::Accepted, true, false), "removed, its access ended");
        assert!(shows(InvitationStatus::Accepted, false, false) && shows(InvitationStatus::Pending, false, false));
        for stored in [InvitationStatus::Rejected, InvitationStatus::Cancelled] {
            assert!(!shows(stored, false, true), "{stored:?}: it never gave access, whatever its principal entry");
        }
    }

    #[test]
    fn only_an_invitation_that_offers_or_gives_access_shows_the_shares_sets() {
        use ShownInvitationStatus::*;
        for status in [Pending, Accepted] {
            assert!(status.shows_resources(), "{status:?}");
        }
        for status in [Rejected, Expired, Cancelled, Disassociating, Disassociated] {
            assert!(!status.shows_resources(), "{status:?}");
        }
    }
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
        assert_eq!(
            shown_invitation_status(InvitationStatus::Accepted, expires, true, true, NOW),
            ShownInvitationStatus::Disassociating
        );
        assert_eq!(
            shown_invitation_status(InvitationStatus::Accepted, expires, true, false, NOW),
            ShownInvitationStatus::Disassociated
        );
    }

    #[test]
    fn an_accepted_invitation_still_in_force_shows_accepted() {
        assert_eq!(
            shown_invitation_status(InvitationStatus::Accepted, NOW - Duration::days(3), false, false, NOW),
            ShownInvitationStatus::Accepted
        );
    }

    #[test]
    fn a_pending_invitation_past_its_expiry_shows_expired() {
        assert_eq!(
            shown_invitation_status(InvitationStatus::Pending, NOW, false, false, NOW),
            ShownInvitationStatus::Expired
        );
        assert_eq!(
            shown_invitation_status(InvitationStatus::Pending, NOW + Duration::days(1), false, false, NOW),
            ShownInvitationStatus::Pending
        );
    }
}
