//! Resource directory membership by consent: the management account invites an account, the account
//! accepts or rejects the invitation in its own console (until then it is not a member and no
//! directory-scope share reaches it), and a member may leave again. Each decision takes `now`.

use super::{AccountId, Actor, ConsolePage, InvitationStatus, Refusal, Site};
use time::{Duration, OffsetDateTime};

/// An invitation to join a resource directory is valid for 14 days (Resource Directory's handshakes;
/// resource share invitations are 7).
pub const DIRECTORY_INVITATION_VALIDITY: Duration = Duration::days(14);

/// Resource Directory's limit on nesting: at most five levels of folders under the Root folder (the
/// refusal's message says "five").
pub const MAX_FOLDER_LEVELS: usize = 5;

/// A new folder under `parent_level` (the Root folder is level 0) sits one level deeper, which must
/// stay within [`MAX_FOLDER_LEVELS`].
pub fn check_folder_level(parent_level: usize) -> Result<(), Refusal> {
    let level = parent_level + 1;
    if level > MAX_FOLDER_LEVELS {
        Err(Refusal::FolderTooDeep { level })
    } else {
        Ok(())
    }
}

/// The directory the signed-in account manages, as the invitation rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedDirectory {
    pub directory_id: String,
    pub management_account: AccountId,
    pub site: Site,
}

/// Changing a directory (folders, invitations, members) is for the management account's root identity.
pub fn check_manager(actor: &Actor, managed: Option<&ManagedDirectory>) -> Result<(), Refusal> {
    match managed {
        Some(d) if actor.is_root && d.management_account == actor.account_id => Ok(()),
        _ => Err(Refusal::NotManagementAccount),
    }
}

/// EnableSharingWithResourceDirectory answered: a change to the whole directory, so the management
/// account's call alone (a member, or an account in no directory, is refused as Resource Sharing refuses
/// it). Sharing within a directory is on here from the directory's creation, so the management
/// account's call finds it enabled already: the call never changes anything.
pub fn enable_sharing_with_directory(manages_a_directory: bool) -> Refusal {
    if manages_a_directory {
        Refusal::SharingWithDirectoryAlreadyEnabled
    } else {
        Refusal::NotDirectorySharingManager
    }
}

/// What is known about the account the management account wants to invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub site: Site,
    /// The directory it is a member of, if any (an account belongs to at most one).
    pub directory_id: Option<String>,
    /// Whether it already has a pending, unexpired invitation to this directory.
    pub pending_invitation: bool,
}

/// Inviting an existing account: same site, in no directory yet, and not invited already.
pub fn check_invite(directory: &ManagedDirectory, invitee: Option<&Invitee>) -> Result<(), Refusal> {
    let invitee = invitee.ok_or(Refusal::AccountNotFound)?;
    if invitee.site != directory.site {
        return Err(Refusal::DirectorySiteMismatch);
    }
    if invitee.directory_id.is_some() {
        return Err(Refusal::AlreadyInDirectory);
    }
    if invitee.pending_invitation {
        return Err(Refusal::AlreadyInvitedToDirectory);
    }
    Ok(())
}

/// Joining or leaving a directory acts in Resource Management: the root, or a RAM user holding
/// AliyunResourceCenterFullAccess, of the account concerned. It is the Resource directory page's read
/// rule itself, so whoever may answer an invitation may list it, and whoever may list it may answer.
pub fn check_may_act_for_account(actor: &Actor) -> Result<(), Refusal> {
    actor.may_open(ConsolePage::ResourceDirectory)
}

/// The refusal for an invitation that is no longer pending at `now`.
fn not_pending(status: InvitationStatus) -> Refusal {
    match status {
        InvitationStatus::Accepted => Refusal::DirectoryInvitationAlreadyAccepted,
        InvitationStatus::Rejected => Refusal::DirectoryInvitationAlreadyRejected,
        InvitationStatus::Cancelled => Refusal::DirectoryInvitationCancelled,
        InvitationStatus::Expired | InvitationStatus::Pending => Refusal::DirectoryInvitationExpired,
    }
}

/// The invited account answers its invitation: only while it is pending and unexpired, and it can join
/// only while it is in no directory (it may have joined another since it was invited).
pub fn answer_directory_invitation(
    actor: &Actor,
    status: InvitationStatus,
    expires_at: OffsetDateTime,
    accept: bool,
    current_directory: Option<&str>,
    now: OffsetDateTime,
) -> Result<InvitationStatus, Refusal> {
    check_may_act_for_account(actor)?;
    match status.at(expires_at, now) {
        InvitationStatus::Pending if !accept => Ok(InvitationStatus::Rejected),
        InvitationStatus::Pending if current_directory.is_some() => Err(Refusal::InviteeJoinedAnother),
        InvitationStatus::Pending => Ok(InvitationStatus::Accepted),
        other => Err(not_pending(other)),
    }
}

/// The management account cancels an invitation it sent: only while it is pending.
pub fn cancel_directory_invitation(
    status: InvitationStatus,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<InvitationStatus, Refusal> {
    match status.at(expires_at, now) {
        InvitationStatus::Pending => Ok(InvitationStatus::Cancelled),
        other => Err(not_pending(other)),
    }
}

/// An account's place in a directory, as the leave rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub directory_id: String,
    pub is_management: bool,
}

/// A member leaves its directory by itself; the management account never can.
pub fn check_leave(actor: &Actor, membership: Option<&Membership>) -> Result<(), Refusal> {
    check_may_act_for_account(actor)?;
    match membership {
        None => Err(Refusal::NotADirectoryMember),
        Some(m) if m.is_management => Err(Refusal::ManagementAccountCannotLeave),
        Some(_) => Ok(()),
    }
}

/// The management account removes a member: any member but itself.
pub fn check_remove_member(directory: &ManagedDirectory, member: &AccountId) -> Result<(), Refusal> {
    if *member == directory.management_account {
        Err(Refusal::ManagementAccountCannotLeave)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorKind;
    use crate::domain::Policy;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-27 08:00 UTC);

    fn account(n: u64) -> AccountId {
        AccountId::parse(&format!("{n:016}")).unwrap()
    }

    fn root(n: u64) -> Actor {
        Actor { account_id: account(n), is_root: true, policies: vec![] }
    }

    fn ram_user(n: u64, policies: &[Policy]) -> Actor {
        Actor { account_id: account(n), is_root: false, policies: policies.to_vec() }
    }

    fn directory() -> ManagedDirectory {
        ManagedDirectory { directory_id: "rd-lumen01".into(), management_account: account(1), site: Site::China }
    }

    fn outsider() -> Invitee {
        Invitee { site: Site::China, directory_id: None, pending_invitation: false }
    }

    fn pending_until(days: i64) -> OffsetDateTime {
        NOW + Duration::days(days)
    }

    #[test]
    fn the_resource_directory_page_opens_to_exactly_those_who_may_answer_its_invitations() {
        let actors = [
            root(7),
            ram_user(7, &[]),
            ram_user(7, &[Policy::ResourceCenterFullAccess]),
            ram_user(7, Policy::ALL),
            ram_user(7, &[Policy::PolardbFullAccess]),
        ];
        for actor in actors {
            let list = actor.may_open(ConsolePage::ResourceDirectory);
            let answer =
                answer_directory_invitation(&actor, InvitationStatus::Pending, pending_until(1), false, None, NOW);
            assert_eq!(list.is_ok(), answer.is_ok(), "{actor:?}");
            if let (Err(l), Err(a)) = (list, answer) {
                assert_eq!((l.code(), l.to_string()), (a.code(), a.to_string()));
            }
        }
    }

    #[test]
    fn the_management_accounts_root_may_manage_its_directory() {
        assert_eq!(check_manager(&root(1), Some(&directory())), Ok(()));
    }

    #[test]
    fn a_ram_user_of_the_management_account_may_not_manage_the_directory() {
        let actor = ram_user(1, &[Policy::ResourceCenterFullAccess]);
        assert_eq!(check_manager(&actor, Some(&directory())).unwrap_err().code(), "NotManagementAccount");
    }

    #[test]
    fn an_account_that_manages_no_directory_may_not_manage_one() {
        assert_eq!(check_manager(&root(3), None).unwrap_err().kind(), ErrorKind::Forbidden);
    }

    #[test]
    fn only_the_management_account_may_enable_sharing_with_its_directory_and_finds_it_enabled() {
        let refusal = |manages| {
            let r = enable_sharing_with_directory(manages);
            (r.kind().http_status(), r.code())
        };
        assert_eq!(refusal(true), (409, "AlreadyEnabled"));
        assert_eq!(refusal(false), (409, "ActionNotPermitted"));
    }

    #[test]
    fn folders_nest_at_most_five_levels_under_the_root_folder() {
        assert_eq!(check_folder_level(0), Ok(()), "under Root: level 1");
        assert_eq!(check_folder_level(4), Ok(()), "level 5");
        let err = check_folder_level(5).unwrap_err();
        assert_eq!((err.kind().http_status(), err.code()), (409, "LimitExceeded.FolderDepth"));
        assert!(err.to_string().contains("level 6"), "{err}");
    }

    #[test]
    fn an_account_in_no_directory_on_the_same_site_can_be_invited() {
        assert_eq!(check_invite(&directory(), Some(&outsider())), Ok(()));
    }

    #[test]
    fn an_unknown_account_cannot_be_invited() {
        assert_eq!(check_invite(&directory(), None).unwrap_err().code(), "EntityNotExists.Account");
    }

    #[test]
    fn an_account_on_the_other_site_cannot_be_invited() {
        let invitee = Invitee { site: Site::International, ..outsider() };
        assert_eq!(check_invite(&directory(), Some(&invitee)).unwrap_err().code(), "InvalidTarget.SiteMismatch");
    }

    #[test]
    fn an_account_already_in_a_directory_cannot_be_invited() {
        let invitee = Invitee { directory_id: Some("rd-other".into()), ..outsider() };
        assert_eq!(check_invite(&directory(), Some(&invitee)).unwrap_err().code(), "AccountAlreadyInResourceDirectory");
    }

    #[test]
    fn an_account_with_a_pending_invitation_is_not_invited_twice() {
        let invitee = Invitee { pending_invitation: true, ..outsider() };
        assert_eq!(check_invite(&directory(), Some(&invitee)).unwrap_err().code(), "EntityAlreadyExists.Handshake");
    }

    #[test]
    fn the_invited_account_can_accept_a_pending_invitation() {
        let r = answer_directory_invitation(&root(7), InvitationStatus::Pending, pending_until(14), true, None, NOW);
        assert_eq!(r, Ok(InvitationStatus::Accepted));
    }

    #[test]
    fn the_invited_account_can_reject_a_pending_invitation() {
        let r = answer_directory_invitation(&root(7), InvitationStatus::Pending, pending_until(14), false, None, NOW);
        assert_eq!(r, Ok(InvitationStatus::Rejected));
    }

    #[test]
    fn a_ram_user_with_resource_center_access_may_answer_for_its_account() {
        let actor = ram_user(7, &[Policy::ResourceCenterFullAccess]);
        assert!(
            answer_directory_invitation(&actor, InvitationStatus::Pending, pending_until(1), true, None, NOW).is_ok()
        );
    }

    #[test]
    fn a_ram_user_without_resource_center_access_may_not_answer() {
        let actor = ram_user(7, &[Policy::PolardbFullAccess]);
        let err = answer_directory_invitation(&actor, InvitationStatus::Pending, pending_until(1), true, None, NOW)
            .unwrap_err();
        assert_eq!(err.code(), "Forbidden.RAM");
        assert!(err.to_string().contains("AliyunResourceCenterFullAccess"));
    }

    #[test]
    fn an_invitation_past_fourteen_days_is_expired_even_before_the_sweep() {
        let err = answer_directory_invitation(&root(7), InvitationStatus::Pending, NOW, true, None, NOW).unwrap_err();
        assert_eq!(err.code(), "HandshakeStatus.Expired");
        assert!(err.to_string().contains("14 days"));
    }

    #[test]
    fn an_answered_or_cancelled_invitation_cannot_be_answered_again() {
        let answer = |status| {
            answer_directory_invitation(&root(7), status, pending_until(1), true, None, NOW).unwrap_err().code()
        };
        assert_eq!(answer(InvitationStatus::Accepted), "HandshakeStatus.AlreadyAccepted");
        assert_eq!(answer(InvitationStatus::Rejected), "HandshakeStatus.AlreadyDeclined");
        assert_eq!(answer(InvitationStatus::Cancelled), "HandshakeStatus.Cancelled");
    }

    #[test]
    fn an_account_that_joined_another_directory_meanwhile_cannot_accept() {
        let r = answer_directory_invitation(
            &root(7),
            InvitationStatus::Pending,
            pending_until(1),
            true,
            Some("rd-other"),
            NOW,
        );
        assert_eq!(r.unwrap_err().code(), "AccountAlreadyInResourceDirectory");
    }

    #[test]
    fn an_account_that_joined_another_directory_meanwhile_can_still_reject() {
        let r = answer_directory_invitation(
            &root(7),
            InvitationStatus::Pending,
            pending_until(1),
            false,
            Some("rd-other"),
            NOW,
        );
        assert_eq!(r, Ok(InvitationStatus::Rejected));
    }

    #[test]
    fn a_pending_invitation_can_be_cancelled() {
        assert_eq!(
            cancel_directory_invitation(InvitationStatus::Pending, pending_until(1), NOW),
            Ok(InvitationStatus::Cancelled)
        );
    }

    #[test]
    fn an_accepted_or_expired_invitation_cannot_be_cancelled() {
        assert_eq!(
            cancel_directory_invitation(InvitationStatus::Accepted, pending_until(1), NOW).unwrap_err().code(),
            "HandshakeStatus.AlreadyAccepted"
        );
        assert_eq!(
            cancel_directory_invitation(InvitationStatus::Pending, NOW, NOW).unwrap_err().code(),
            "HandshakeStatus.Expired"
        );
    }

    #[test]
    fn a_member_can_leave_its_directory() {
        let m = Membership { directory_id: "rd-lumen01".into(), is_management: false };
        assert_eq!(check_leave(&root(3), Some(&m)), Ok(()));
    }

    #[test]
    fn the_management_account_cannot_leave_its_directory() {
        let m = Membership { directory_id: "rd-lumen01".into(), is_management: true };
        assert_eq!(check_leave(&root(1), Some(&m)).unwrap_err().code(), "OperationDenied.ManagementAccount");
    }

    #[test]
    fn an_account_in_no_directory_has_nothing_to_leave() {
        assert_eq!(check_leave(&root(7), None).unwrap_err().code(), "AccountNotInResourceDirectory");
    }

    #[test]
    fn a_ram_user_without_resource_center_access_cannot_leave_for_its_account() {
        let m = Membership { directory_id: "rd-lumen01".into(), is_management: false };
        assert_eq!(
            check_leave(&ram_user(3, &[Policy::PolardbFullAccess]), Some(&m)).unwrap_err().code(),
            "Forbidden.RAM"
        );
    }

    #[test]
    fn the_management_account_cannot_remove_itself() {
        assert_eq!(
            check_remove_member(&directory(), &account(1)).unwrap_err().code(),
            "OperationDenied.ManagementAccount"
        );
        assert_eq!(check_remove_member(&directory(), &account(3)), Ok(()));
    }
}
