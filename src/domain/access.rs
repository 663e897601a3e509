//! Who has access to a backup set shared by someone else: the decision the principal's pages and the
//! restore action rest on. The database loads every principal entry that *might* name the account (by
//! id: the account, its directory, a folder above it) with the facts around it; this module decides
//! which of them grant access and whether the access is usable or being revoked. It is the other half
//! of [`super::check_principals`], which decides how an owner's principals are associated.

use super::{
    AccountId, AssociationStatus, PrincipalAccess, PrincipalScope, PrincipalType, ShareMembership, ShareStatus,
};
use time::{Duration, OffsetDateTime};

/// The account asking, as the principals of other accounts' shares may name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub account_id: AccountId,
    /// The resource directory it is a member of now, if any.
    pub directory_id: Option<String>,
    /// The folder it sits in and every folder above it (empty when in no directory).
    pub folders: Vec<String>,
}

/// The account's answer to the invitations of one share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AcceptedInvitations {
    /// It accepted an invitation that still counts.
    #[cfg_attr(feature = "ssr", sqlx(rename = "invitation_standing"))]
    pub standing: bool,
    /// It accepted an invitation whose principal the owner removed since (the acceptance ended).
    #[cfg_attr(feature = "ssr", sqlx(rename = "invitation_ended"))]
    pub ended: bool,
}

/// One principal entry of a share, with one of the share's backup sets, that may name the recipient.
/// `Time` is a stored time until the loader parses it (the rows decode straight into this type).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PrincipalGrantFacts<Time = OffsetDateTime> {
    pub owner_account_id: String,
    pub share_status: ShareStatus,
    pub scope: PrincipalScope,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub principal_status: AssociationStatus,
    pub principal_revoke_at: Option<Time>,
    /// The backup set's association with the share.
    pub resource_status: AssociationStatus,
    pub resource_revoke_at: Option<Time>,
    /// The owner and the recipient are members of the same resource directory now.
    pub owner_in_recipients_directory: bool,
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub invitations: AcceptedInvitations,
    /// The backup set joined the share after this principal's removal began: never shared with it.
    pub added_after_removal: bool,
    /// The principal joined the share after the backup set's removal from it began: never shared with it.
    pub joined_after_set_removal: bool,
    /// The recipient arrived at the place this principal names (joined the directory, moved into the
    /// folder) after the principal's or the set's removal began: never shared with it either.
    pub arrived_during_removal: bool,
}

impl<T> PrincipalGrantFacts<T> {
    /// The same facts with their times read by `read` (a stored time parsed).
    pub fn read_times<U, E>(self, read: impl Fn(T) -> Result<U, E>) -> Result<PrincipalGrantFacts<U>, E> {
        Ok(PrincipalGrantFacts {
            principal_revoke_at: self.principal_revoke_at.map(&read).transpose()?,
            resource_revoke_at: self.resource_revoke_at.map(&read).transpose()?,
            owner_account_id: self.owner_account_id,
            share_status: self.share_status,
            scope: self.scope,
            principal_type: self.principal_type,
            principal_id: self.principal_id,
            principal_status: self.principal_status,
            resource_status: self.resource_status,
            owner_in_recipients_directory: self.owner_in_recipients_directory,
            invitations: self.invitations,
            added_after_removal: self.added_after_removal,
            joined_after_set_removal: self.joined_after_set_removal,
            arrived_during_removal: self.arrived_during_removal,
        })
    }
}

/// What a folder or the directory gave the recipient before it moved out of it (or left the
/// directory): a revocation scheduled for that account alone. `Time` as in [`PrincipalGrantFacts`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MovedOutGrantFacts<Time = OffsetDateTime> {
    pub share_status: ShareStatus,
    /// None while the revocation waits for the restores reading the share to end.
    pub revoke_at: Option<Time>,
    /// The backup set joined the share after the account moved out: never shared with it.
    pub added_after_removal: bool,
    /// The account arrived at the share's place while the set was already on its way out (see
    /// [`PrincipalGrantFacts::arrived_during_removal`]): never shared with it either.
    pub arrived_during_removal: bool,
}

impl<T> MovedOutGrantFacts<T> {
    /// The same facts with their time read by `read`, as [`PrincipalGrantFacts::read_times`].
    pub fn read_times<U, E>(self, read: impl Fn(T) -> Result<U, E>) -> Result<MovedOutGrantFacts<U>, E> {
        Ok(MovedOutGrantFacts {
            share_status: self.share_status,
            revoke_at: self.revoke_at.map(read).transpose()?,
            added_after_removal: self.added_after_removal,
            arrived_during_removal: self.arrived_during_removal,
        })
    }
}

/// One grant of access to a backup set through one share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub status: AssociationStatus,
    /// When a grant being revoked ends; none while its removal waits for a running restore to end.
    pub revoke_at: Option<OffsetDateTime>,
}

impl Grant {
    /// Whether the grant still gives access at `now`: until its revocation time, whether or not the
    /// schedule has deleted it yet (late, or failing).
    pub fn in_force_at(&self, now: OffsetDateTime) -> bool {
        self.revoke_at.is_none_or(|at| now < at)
    }
}

/// A principal entry as the rule of whom it reaches reads it ([`hold_through`]).
struct Naming<'a> {
    principal_type: PrincipalType,
    principal_id: &'a str,
    scope: PrincipalScope,
    /// The entry is being revoked: what it gave runs out through its revocation window.
    removing: bool,
    /// The owner and the recipient are members of the same resource directory now.
    owner_in_recipients_directory: bool,
    invitations: AcceptedInvitations,
}

/// How an entry gives the recipient its share, if it does: the one rule of whom an entry reaches,
/// whichever surface asks (a backup set's grant, [`principal_grant`]; holding the share, to list it or
/// to leave it, [`share_hold`]), so that every surface agrees on what the recipient can use.
fn hold_through(recipient: &Recipient, entry: &Naming<'_>) -> ShareMembership {
    // The directory reaches a member (by its id in directory scope, by the directory or a folder above
    // it) only while the owner shares from inside it: an account that left the owner's directory, or an
    // owner that left it, keeps nothing but what is still being revoked.
    let directory_reaches = entry.removing || entry.owner_in_recipients_directory;
    let by_directory = directory_reaches
        && match entry.principal_type {
            PrincipalType::Account => {
                entry.scope == PrincipalScope::ResourceDirectory && entry.principal_id == recipient.account_id.as_str()
            }
            PrincipalType::ResourceDirectory => recipient.directory_id.as_deref() == Some(entry.principal_id),
            PrincipalType::Folder => recipient.folders.iter().any(|f| f == entry.principal_id),
        };
    // An acceptance whose principal was removed covers only the revocation window.
    let by_invitation = entry.principal_type == PrincipalType::Account
        && entry.principal_id == recipient.account_id.as_str()
        && (entry.invitations.standing || (entry.invitations.ended && entry.removing));
    if by_directory {
        ShareMembership::ThroughDirectory
    } else if by_invitation {
        ShareMembership::Invited
    } else {
        ShareMembership::None
    }
}

/// Does this principal entry grant the recipient access to the backup set, and how?
pub fn principal_grant(recipient: &Recipient, facts: &PrincipalGrantFacts) -> Option<Grant> {
    // A deleted share gives nothing; nor does an owner's share to the owner itself (its own directory or
    // folder names it too). A share being deleted still grants what its scheduled revocation has not
    // ended yet: deleting takes every principal and set through the same ~10-minute revocation as a
    // removal, during which the grant shows as being revoked and restores are refused.
    if facts.share_status == ShareStatus::Deleted || facts.owner_account_id == recipient.account_id.as_str() {
        return None;
    }
    let disassociating = facts.principal_status == AssociationStatus::Disassociating;
    // What is being revoked is what the principal held when its removal began, not a set the owner
    // added to the share since.
    if disassociating && facts.added_after_removal {
        return None;
    }
    // Nor is a set on its way out of the share shown to a principal that joined the share meanwhile, or
    // to an account that arrived meanwhile at the place a principal names.
    if facts.joined_after_set_removal || facts.arrived_during_removal {
        return None;
    }
    let naming = Naming {
        principal_type: facts.principal_type,
        principal_id: &facts.principal_id,
        scope: facts.scope,
        removing: disassociating,
        owner_in_recipients_directory: facts.owner_in_recipients_directory,
        invitations: facts.invitations,
    };
    (hold_through(recipient, &naming) != ShareMembership::None).then(|| Grant {
        status: if !disassociating && facts.resource_status == AssociationStatus::Associated {
            AssociationStatus::Associated
        } else {
            AssociationStatus::Disassociating
        },
        // The earlier of the two removals ends the grant.
        revoke_at: match (facts.principal_revoke_at, facts.resource_revoke_at) {
            (Some(p), Some(r)) => Some(p.min(r)),
            (p, r) => p.or(r),
        },
    })
}

/// Does a moved-out revocation still grant the recipient access? Until revoked, unless its share is
/// deleted, and only to the sets the share held when the account moved out.
pub fn moved_out_grant(facts: &MovedOutGrantFacts) -> Option<Grant> {
    (facts.share_status != ShareStatus::Deleted && !facts.added_after_removal && !facts.arrived_during_removal)
        .then_some(Grant { status: AssociationStatus::Disassociating, revoke_at: facts.revoke_at })
}

/// Whether a backup set that expires at `expires_at` has left its shares by `now`: from its expiry, as
/// a deleted set leaves them when it is deleted, whether or not the schedule has noticed yet. Nothing
/// offers or gives it from then ([`grant_at_expiry`], an invitation's sets).
pub fn leaves_shares_by_expiry(expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now >= expires_at
}

/// A grant of a backup set that expires at `expires_at`, as it stands at `now`. An expired set leaves
/// every share through the same revocation as a deleted one, and its time is known in advance: from its
/// expiry the grant is being revoked, and it ends `revocation_delay` after the expiry at the latest,
/// whether or not the schedule has noticed the expiry yet (late, or failing). The schedule would start
/// that revocation only when it next ran, so the principal would keep the set for as long as it was late.
pub fn grant_at_expiry(
    grant: Grant,
    expires_at: OffsetDateTime,
    revocation_delay: Duration,
    now: OffsetDateTime,
) -> Grant {
    if !leaves_shares_by_expiry(expires_at, now) {
        return grant;
    }
    let ends = expires_at + revocation_delay;
    // An expired set can't be restored from, so no running restore holds this revocation back: a grant
    // whose removal waits for one (no time yet) ends at the expiry's time too.
    Grant {
        status: AssociationStatus::Disassociating,
        revoke_at: Some(grant.revoke_at.map_or(ends, |at| at.min(ends))),
    }
}

/// A recipient's access to one backup set, from all the grants it holds on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedSetAccess {
    /// Usable when any grant is fully associated; being revoked when every grant is.
    pub access: PrincipalAccess,
    /// The latest time a grant is removed.
    pub revoke_at: Option<OffsetDateTime>,
    /// A grant being revoked has no time yet: its removal waits for a running restore to end.
    pub revoking_after_restore: bool,
}

/// Access to a backup set at `now` from its grants; `None` (no access at all) when there are none. A
/// grant whose revocation time has come gives nothing, whether or not the schedule has deleted it yet:
/// access ends at its time, not when the schedule next runs (late, or failing).
pub fn access_to_set(grants: impl IntoIterator<Item = Grant>, now: OffsetDateTime) -> Option<SharedSetAccess> {
    let mut any = false;
    let mut usable = false;
    let mut revoke_at = None;
    let mut revoking_after_restore = false;
    for grant in grants.into_iter().filter(|g| g.in_force_at(now)) {
        any = true;
        match grant.status {
            AssociationStatus::Associated => usable = true,
            AssociationStatus::Disassociating => revoking_after_restore |= grant.revoke_at.is_none(),
        }
        revoke_at = revoke_at.max(grant.revoke_at);
    }
    any.then_some(SharedSetAccess {
        access: if usable { PrincipalAccess::Usable } else { PrincipalAccess::Revoking },
        revoke_at,
        revoking_after_restore,
    })
}

/// A principal entry of someone's share, as loaded for what an account holds by its own id or by where
/// it sits in a resource directory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ShareEntry {
    pub resource_share_id: String,
    pub owner_account_id: String,
    pub share_status: ShareStatus,
    pub scope: PrincipalScope,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub principal_status: AssociationStatus,
    /// The recipient holds an acceptance of the share's invitation that still counts: what an account
    /// principal of a share open to all accounts holds the share by (an invitation rejected, expired or
    /// cancelled, or still pending, gave it nothing).
    pub accepted: bool,
    /// The owner and the recipient are members of the same resource directory now.
    pub owner_in_recipients_directory: bool,
}

/// Does this entry name the recipient's directory or a folder it sits in (at any depth), whatever its status?
fn names_by_place(recipient: &Recipient, entry: &ShareEntry) -> bool {
    match entry.principal_type {
        PrincipalType::ResourceDirectory => recipient.directory_id.as_deref() == Some(entry.principal_id.as_str()),
        PrincipalType::Folder => recipient.folders.contains(&entry.principal_id),
        PrincipalType::Account => false,
    }
}

/// Does this entry reach the recipient through its directory or a folder it sits in (at any depth)?
/// Only an associated entry of another account's active share does: one being removed, or of a share
/// being deleted, already ends through its own scheduled revocation.
pub fn reaches_by_place(recipient: &Recipient, entry: &ShareEntry) -> bool {
    names_by_place(recipient, entry)
        && entry.share_status == ShareStatus::Active
        && entry.principal_status == AssociationStatus::Associated
        && entry.owner_account_id != recipient.account_id.as_str()
}

/// The shares that reach the recipient by place, each once: what moving it to another folder or out of
/// the directory takes away (through a revocation of its own), and what coming back gives again.
pub fn shares_reached_by_place(recipient: &Recipient, entries: &[ShareEntry]) -> Vec<String> {
    let reached: std::collections::BTreeSet<&str> =
        entries.iter().filter(|e| reaches_by_place(recipient, e)).map(|e| e.resource_share_id.as_str()).collect();
    reached.into_iter().map(str::to_owned).collect()
}

/// The (share, place) pairs that name the recipient at the place it has just arrived at, in shares it
/// did not hold by its place before (`held_before`, [`shares_reached_by_place`] before the move): what
/// such a share was already revoking through that place (the place's principal being removed, the share
/// being deleted, a set being taken out) was never shared with the recipient, and its grants leave it
/// out ([`PrincipalGrantFacts::arrived_during_removal`]). A share it held before keeps what it held.
pub fn places_arrived_at(
    recipient: &Recipient,
    entries: &[ShareEntry],
    held_before: &[String],
) -> Vec<(String, String)> {
    let arrived: std::collections::BTreeSet<(&str, &str)> = entries
        .iter()
        .filter(|e| {
            names_by_place(recipient, e)
                && e.share_status != ShareStatus::Deleted
                && e.owner_account_id != recipient.account_id.as_str()
                && !held_before.contains(&e.resource_share_id)
        })
        .map(|e| (e.resource_share_id.as_str(), e.principal_id.as_str()))
        .collect();
    arrived.into_iter().map(|(share, place)| (share.to_owned(), place.to_owned())).collect()
}

/// How this one entry gives the recipient its share now, as a share it can use: only an associated
/// entry of another account's active share does (one being revoked, or of a share being deleted, is
/// running out), and only as [`hold_through`] says: an invitation pending, rejected, expired or whose
/// acceptance ended gave nothing; a directory or folder reaches only its members while the owner is one.
pub fn share_hold(recipient: &Recipient, entry: &ShareEntry) -> ShareMembership {
    if entry.share_status != ShareStatus::Active
        || entry.principal_status != AssociationStatus::Associated
        || entry.owner_account_id == recipient.account_id.as_str()
    {
        return ShareMembership::None;
    }
    let naming = Naming {
        principal_type: entry.principal_type,
        principal_id: &entry.principal_id,
        scope: entry.scope,
        removing: false,
        owner_in_recipients_directory: entry.owner_in_recipients_directory,
        invitations: AcceptedInvitations { standing: entry.accepted, ended: false },
    };
    hold_through(recipient, &naming)
}

/// How the recipient holds one share, from that share's entries naming it ([`share_hold`]): what
/// leaving it asks, and whether ListResourceShares (ResourceOwner=OtherAccounts) lists it. The
/// directory's hold (the directory, a folder above it, or its own account in directory scope while
/// both are members) wins over an invitation, since the directory would add it again. An account
/// principal outside the owner's directory holds it only through an acceptance that still counts.
pub fn share_membership(recipient: &Recipient, entries: &[ShareEntry]) -> ShareMembership {
    let holds: Vec<ShareMembership> = entries.iter().map(|e| share_hold(recipient, e)).collect();
    if holds.contains(&ShareMembership::ThroughDirectory) {
        ShareMembership::ThroughDirectory
    } else if holds.contains(&ShareMembership::Invited) {
        ShareMembership::Invited
    } else {
        ShareMembership::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        check_restore, Actor, BackupLock, BackupSetFacts, BackupSetId, BackupStatus, Policy, Refusal, RestoreHolds,
    };
    use time::macros::datetime;

    const ME: &str = "1000000000000002";
    const OWNER: &str = "1000000000000001";
    const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

    fn me() -> Recipient {
        Recipient {
            account_id: AccountId::parse(ME).unwrap(),
            directory_id: Some("rd-1".into()),
            folders: vec!["fd-team".into(), "fd-root".into()],
        }
    }

    /// An account principal naming me in an all-accounts share, accepted and associated.
    fn accepted_share() -> PrincipalGrantFacts {
        PrincipalGrantFacts {
            owner_account_id: OWNER.into(),
            share_status: ShareStatus::Active,
            scope: PrincipalScope::AllAccounts,
            principal_type: PrincipalType::Account,
            principal_id: ME.into(),
            principal_status: AssociationStatus::Associated,
            principal_revoke_at: None,
            resource_status: AssociationStatus::Associated,
            resource_revoke_at: None,
            owner_in_recipients_directory: false,
            invitations: AcceptedInvitations { standing: true, ended: false },
            added_after_removal: false,
            joined_after_set_removal: false,
            arrived_during_removal: false,
        }
    }

    /// The same principal in a directory-scope share (no invitation is sent), with the share's owner in my
    /// directory or not.
    fn directory_scope_share(owner_in_recipients_directory: bool) -> PrincipalGrantFacts {
        PrincipalGrantFacts {
            scope: PrincipalScope::ResourceDirectory,
            owner_in_recipients_directory,
            invitations: AcceptedInvitations::default(),
            ..accepted_share()
        }
    }

    /// `facts` once the owner removed the principal: it is being revoked until `at`.
    fn principal_being_revoked(at: OffsetDateTime, facts: PrincipalGrantFacts) -> PrincipalGrantFacts {
        PrincipalGrantFacts {
            principal_status: AssociationStatus::Disassociating,
            principal_revoke_at: Some(at),
            ..facts
        }
    }

    fn usable() -> Option<Grant> {
        Some(Grant { status: AssociationStatus::Associated, revoke_at: None })
    }

    fn revoking(at: Option<OffsetDateTime>) -> Option<Grant> {
        Some(Grant { status: AssociationStatus::Disassociating, revoke_at: at })
    }

    #[test]
    fn an_accepted_invitation_grants_usable_access() {
        assert_eq!(principal_grant(&me(), &accepted_share()), usable());
    }

    #[test]
    fn an_all_accounts_share_not_yet_accepted_grants_nothing() {
        let facts = PrincipalGrantFacts { invitations: AcceptedInvitations::default(), ..accepted_share() };
        assert_eq!(principal_grant(&me(), &facts), None);
    }

    /// An owner that is a member of the folder (or directory) its own share names is reached by that
    /// principal like any member, but holds nothing through it: its own sets are not shared with it.
    #[test]
    fn an_owner_inside_the_folder_its_share_names_holds_nothing_through_it() {
        let folder_share = PrincipalGrantFacts {
            principal_type: PrincipalType::Folder,
            principal_id: "fd-team".into(),
            ..directory_scope_share(true)
        };
        assert_eq!(principal_grant(&me(), &folder_share), usable(), "another owner's share reaches me");
        let my_own = PrincipalGrantFacts { owner_account_id: ME.into(), ..folder_share };
        assert_eq!(principal_grant(&me(), &my_own), None);
    }
    #[test]
    fn a_principal_naming_another_account_grants_me_nothing() {
        let facts = PrincipalGrantFacts { principal_id: "1000000000000003".into(), ..accepted_share() };
        assert_eq!(principal_grant(&me(), &facts), None);
    }

    #[test]
    fn a_revoked_principal_whose_acceptance_ended_grants_nothing_once_it_is_gone() {
        // The revocation ran: the principal row is no longer there, only the ended acceptance; a stale
        // Associated row with an ended acceptance (a re-added principal not yet accepted) gives nothing.
        let facts = PrincipalGrantFacts {
            invitations: AcceptedInvitations { standing: false, ended: true },
            ..accepted_share()
        };
        assert_eq!(principal_grant(&me(), &facts), None);
    }

    #[test]
    fn a_principal_pending_revocation_is_visible_but_being_revoked_until_its_time() {
        let at = datetime!(2026-11-27 12:05 UTC);
        let facts = principal_being_revoked(
            at,
            PrincipalGrantFacts {
                invitations: AcceptedInvitations { standing: false, ended: true },
                ..accepted_share()
            },
        );
        assert_eq!(principal_grant(&me(), &facts), revoking(Some(at)));
        let access = access_to_set(principal_grant(&me(), &facts), NOW).unwrap();
        assert_eq!(
            (access.access, access.revoke_at, access.revoking_after_restore),
            (PrincipalAccess::Revoking, Some(at), false)
        );
    }

    #[test]
    fn a_grant_whose_revocation_time_has_come_gives_nothing_before_the_schedule_runs() {
        let facts = principal_being_revoked(
            NOW,
            PrincipalGrantFacts {
                invitations: AcceptedInvitations { standing: false, ended: true },
                ..accepted_share()
            },
        );
        assert_eq!(access_to_set(principal_grant(&me(), &facts), NOW), None);
        assert_eq!(
            access_to_set(principal_grant(&me(), &facts), NOW - time::Duration::seconds(1)).unwrap().access,
            PrincipalAccess::Revoking
        );
        // Another grant still in force keeps the set.
        let grants = principal_grant(&me(), &facts).into_iter().chain(principal_grant(&me(), &accepted_share()));
        assert_eq!(
            access_to_set(grants, NOW).unwrap(),
            SharedSetAccess { access: PrincipalAccess::Usable, revoke_at: None, revoking_after_restore: false }
        );
    }

    #[test]
    fn a_removal_waiting_for_a_restore_is_being_revoked_with_no_time_yet() {
        let facts = PrincipalGrantFacts { principal_status: AssociationStatus::Disassociating, ..accepted_share() };
        let access = access_to_set(principal_grant(&me(), &facts), NOW).unwrap();
        assert_eq!((access.access, access.revoking_after_restore), (PrincipalAccess::Revoking, true));
    }

    #[test]
    fn a_moved_out_revocation_waiting_for_a_restore_is_being_revoked_with_no_time_yet() {
        let facts = MovedOutGrantFacts {
            share_status: ShareStatus::Active,
            revoke_at: None,
            added_after_removal: false,
            arrived_during_removal: false,
        };
        let access = access_to_set(moved_out_grant(&facts), NOW).unwrap();
        assert_eq!(
            (access.access, access.revoke_at, access.revoking_after_restore),
            (PrincipalAccess::Revoking, None, true)
        );
    }

    #[test]
    fn a_backup_set_being_removed_from_the_share_is_being_revoked_at_the_earlier_time() {
        let (p, r) = (datetime!(2026-11-27 13:00 UTC), datetime!(2026-11-27 12:30 UTC));
        let facts = PrincipalGrantFacts {
            resource_status: AssociationStatus::Disassociating,
            resource_revoke_at: Some(r),
            principal_revoke_at: Some(p),
            ..accepted_share()
        };
        assert_eq!(principal_grant(&me(), &facts), revoking(Some(r)));
    }

    #[test]
    fn a_deleted_share_grants_nothing() {
        let facts = PrincipalGrantFacts { share_status: ShareStatus::Deleted, ..accepted_share() };
        assert_eq!(principal_grant(&me(), &facts), None);
        assert_eq!(
            moved_out_grant(&MovedOutGrantFacts {
                share_status: ShareStatus::Deleted,
                revoke_at: Some(NOW),
                added_after_removal: false,
                arrived_during_removal: false
            }),
            None
        );
    }

    #[test]
    fn a_share_being_deleted_grants_only_what_its_revocation_has_not_ended_and_only_as_being_revoked() {
        let at = NOW + time::Duration::minutes(10);
        let facts = PrincipalGrantFacts {
            share_status: ShareStatus::Deleting,
            principal_status: AssociationStatus::Disassociating,
            principal_revoke_at: Some(at),
            resource_status: AssociationStatus::Disassociating,
            resource_revoke_at: Some(at),
            ..accepted_share()
        };
        assert_eq!(principal_grant(&me(), &facts), revoking(Some(at)));
        assert_eq!(
            moved_out_grant(&MovedOutGrantFacts {
                share_status: ShareStatus::Deleting,
                revoke_at: Some(at),
                added_after_removal: false,
                arrived_during_removal: false
            }),
            revoking(Some(at))
        );
    }

    #[test]
    fn a_directory_scope_share_reaches_a_member_of_the_owners_directory_without_accepting() {
        assert_eq!(principal_grant(&me(), &directory_scope_share(true)), usable());
    }

    #[test]
    fn a_member_that_left_the_directory_keeps_nothing_from_a_directory_scope_share() {
        assert_eq!(principal_grant(&me(), &directory_scope_share(false)), None);
    }

    #[test]
    fn a_member_that_left_keeps_a_directory_scope_grant_only_while_it_is_being_revoked() {
        let at = datetime!(2026-11-27 12:05 UTC);
        assert_eq!(
            principal_grant(&me(), &principal_being_revoked(at, directory_scope_share(false))),
            revoking(Some(at))
        );
    }

    #[test]
    fn a_principal_being_revoked_keeps_only_the_sets_it_held_when_its_removal_began() {
        let at = datetime!(2026-11-27 12:10 UTC);
        let removed = principal_being_revoked(at, accepted_share());
        assert_eq!(principal_grant(&me(), &removed), revoking(Some(at)));
        assert_eq!(principal_grant(&me(), &PrincipalGrantFacts { added_after_removal: true, ..removed }), None);
        let moved_out = MovedOutGrantFacts {
            share_status: ShareStatus::Active,
            revoke_at: Some(at),
            added_after_removal: false,
            arrived_during_removal: false,
        };
        assert_eq!(moved_out_grant(&moved_out), revoking(Some(at)));
        assert_eq!(moved_out_grant(&MovedOutGrantFacts { added_after_removal: true, ..moved_out }), None);
        assert_eq!(moved_out_grant(&MovedOutGrantFacts { arrived_during_removal: true, ..moved_out }), None);
    }

    #[test]
    fn a_principal_that_joined_while_a_set_was_being_taken_out_is_not_shown_that_set() {
        let at = datetime!(2026-11-27 12:10 UTC);
        let leaving = PrincipalGrantFacts {
            resource_status: AssociationStatus::Disassociating,
            resource_revoke_at: Some(at),
            ..accepted_share()
        };
        assert_eq!(principal_grant(&me(), &leaving), revoking(Some(at)));
        assert_eq!(principal_grant(&me(), &PrincipalGrantFacts { joined_after_set_removal: true, ..leaving }), None);
    }

    #[test]
    fn an_account_that_arrived_at_the_place_during_a_removal_is_not_shown_what_is_being_removed() {
        let at = datetime!(2026-11-27 12:10 UTC);
        let folder = principal_being_revoked(
            at,
            PrincipalGrantFacts {
                principal_type: PrincipalType::Folder,
                principal_id: "fd-team".into(),
                ..directory_scope_share(true)
            },
        );
        assert_eq!(principal_grant(&me(), &folder), revoking(Some(at)));
        assert_eq!(principal_grant(&me(), &PrincipalGrantFacts { arrived_during_removal: true, ..folder }), None);
    }

    #[test]
    fn the_directory_or_a_folder_reaches_no_one_once_the_owner_is_outside_the_directory_except_while_being_revoked() {
        let at = datetime!(2026-11-27 12:10 UTC);
        for (principal_type, id) in [(PrincipalType::ResourceDirectory, "rd-1"), (PrincipalType::Folder, "fd-root")] {
            let left = PrincipalGrantFacts { principal_type, principal_id: id.into(), ..directory_scope_share(false) };
            assert_eq!(principal_grant(&me(), &left), None, "{id}");
            assert_eq!(principal_grant(&me(), &principal_being_revoked(at, left)), revoking(Some(at)), "{id}");
        }
    }

    #[test]
    fn the_directory_or_a_folder_above_me_reaches_me_and_another_folder_does_not() {
        let object = |principal_type, id: &str| PrincipalGrantFacts {
            principal_type,
            principal_id: id.into(),
            ..directory_scope_share(true)
        };
        assert_eq!(principal_grant(&me(), &object(PrincipalType::ResourceDirectory, "rd-1")), usable());
        assert_eq!(principal_grant(&me(), &object(PrincipalType::Folder, "fd-root")), usable());
        assert_eq!(principal_grant(&me(), &object(PrincipalType::Folder, "fd-other")), None);
        assert_eq!(principal_grant(&me(), &object(PrincipalType::ResourceDirectory, "rd-2")), None);
        let left = Recipient { directory_id: None, folders: vec![], ..me() };
        assert_eq!(
            principal_grant(&left, &object(PrincipalType::ResourceDirectory, "rd-1")),
            None,
            "a member that left"
        );
        assert_eq!(principal_grant(&left, &object(PrincipalType::Folder, "fd-root")), None, "a member that left");
    }

    #[test]
    fn an_owner_is_not_granted_its_own_share_through_its_directory() {
        let owner = Recipient { account_id: AccountId::parse(OWNER).unwrap(), ..me() };
        let facts = PrincipalGrantFacts {
            principal_type: PrincipalType::ResourceDirectory,
            principal_id: "rd-1".into(),
            ..accepted_share()
        };
        assert_eq!(principal_grant(&owner, &facts), None);
    }

    #[test]
    fn a_member_that_moved_out_of_a_folder_keeps_access_only_until_revoked() {
        let at = datetime!(2026-11-27 12:05 UTC);
        assert_eq!(
            moved_out_grant(&MovedOutGrantFacts {
                share_status: ShareStatus::Active,
                revoke_at: Some(at),
                added_after_removal: false,
                arrived_during_removal: false
            }),
            revoking(Some(at))
        );
    }

    #[test]
    fn one_usable_grant_makes_a_set_usable_whatever_other_shares_revoke() {
        let late = datetime!(2026-11-27 14:00 UTC);
        let soon = datetime!(2026-11-27 12:05 UTC);
        let access =
            access_to_set([revoking(Some(soon)).unwrap(), usable().unwrap(), revoking(Some(late)).unwrap()], NOW)
                .unwrap();
        assert_eq!((access.access, access.revoke_at), (PrincipalAccess::Usable, Some(late)));
        assert_eq!(access_to_set([], NOW), None, "no grant, no access");
    }

    #[test]
    fn a_set_shared_in_another_region_is_not_restored_across_regions() {
        let actor = Actor {
            account_id: AccountId::parse(ME).unwrap(),
            is_root: true,
            policies: vec![Policy::PolardbFullAccess],
        };
        let backup = BackupSetFacts {
            id: BackupSetId::parse("1111111111").unwrap(),
            status: BackupStatus::Success,
            expires_at: datetime!(2026-12-27 00:00 UTC),
            lock: BackupLock::None,
            deleted: false,
        };
        let access = access_to_set(principal_grant(&me(), &accepted_share()), NOW).unwrap().access;
        let err = check_restore(&actor, access, &backup, RestoreHolds::default(), "cn-beijing", "cn-hangzhou", NOW)
            .unwrap_err();
        assert_eq!(err, Refusal::CrossRegionRestore { region: "cn-beijing".into() });
        assert!(
            check_restore(&actor, access, &backup, RestoreHolds::default(), "cn-beijing", "cn-beijing", NOW).is_ok()
        );
    }

    fn entry(share: &str, principal_type: PrincipalType, principal_id: &str) -> ShareEntry {
        ShareEntry {
            resource_share_id: share.into(),
            owner_account_id: OWNER.into(),
            share_status: ShareStatus::Active,
            scope: PrincipalScope::ResourceDirectory,
            principal_type,
            principal_id: principal_id.into(),
            principal_status: AssociationStatus::Associated,
            accepted: true,
            owner_in_recipients_directory: true,
        }
    }

    /// The owner's own share names its folder (or directory): the owner is in it, but holds none of its
    /// own shares as a principal (nothing to leave, nothing held through it).
    #[test]
    fn an_owner_holds_none_of_its_own_shares_though_its_folder_is_named() {
        let named = entry("rs-own", PrincipalType::Folder, "fd-team");
        assert_eq!(share_membership(&me(), std::slice::from_ref(&named)), ShareMembership::ThroughDirectory);
        let own = ShareEntry { owner_account_id: ME.into(), ..named };
        assert_eq!(share_hold(&me(), &own), ShareMembership::None);
        assert_eq!(share_membership(&me(), &[own]), ShareMembership::None);
    }
    #[test]
    fn the_directory_and_every_folder_above_the_member_reach_it_by_place_but_a_sibling_folder_does_not() {
        let entries = [
            entry("rs-dir", PrincipalType::ResourceDirectory, "rd-1"),
            entry("rs-root", PrincipalType::Folder, "fd-root"),
            entry("rs-team", PrincipalType::Folder, "fd-team"),
            entry("rs-team", PrincipalType::Folder, "fd-root"),
            entry("rs-sibling", PrincipalType::Folder, "fd-sales"),
            entry("rs-other-dir", PrincipalType::ResourceDirectory, "rd-2"),
            entry("rs-own-id", PrincipalType::Account, ME),
        ];
        assert_eq!(shares_reached_by_place(&me(), &entries), vec!["rs-dir", "rs-root", "rs-team"]);
    }

    #[test]
    fn an_entry_being_removed_a_share_being_deleted_and_the_members_own_share_do_not_reach_it_by_place() {
        let removing = ShareEntry {
            principal_status: AssociationStatus::Disassociating,
            ..entry("rs-a", PrincipalType::Folder, "fd-root")
        };
        let deleting =
            ShareEntry { share_status: ShareStatus::Deleting, ..entry("rs-b", PrincipalType::Folder, "fd-root") };
        let own = ShareEntry { owner_account_id: ME.into(), ..entry("rs-c", PrincipalType::ResourceDirectory, "rd-1") };
        assert!(shares_reached_by_place(&me(), &[removing, deleting, own]).is_empty());
        let outside = Recipient { directory_id: None, folders: Vec::new(), ..me() };
        assert!(
            shares_reached_by_place(&outside, &[entry("rs-d", PrincipalType::ResourceDirectory, "rd-1")]).is_empty()
        );
    }

    #[test]
    fn the_places_arrived_at_are_those_naming_the_member_now_in_shares_it_did_not_hold_by_place_before() {
        let entries = [
            entry("rs-new", PrincipalType::Folder, "fd-team"),
            ShareEntry {
                principal_status: AssociationStatus::Disassociating,
                ..entry("rs-ending", PrincipalType::ResourceDirectory, "rd-1")
            },
            ShareEntry {
                share_status: ShareStatus::Deleting,
                ..entry("rs-deleting", PrincipalType::Folder, "fd-root")
            },
            entry("rs-held", PrincipalType::Folder, "fd-team"),
            ShareEntry { share_status: ShareStatus::Deleted, ..entry("rs-deleted", PrincipalType::Folder, "fd-team") },
            ShareEntry { owner_account_id: ME.into(), ..entry("rs-own", PrincipalType::Folder, "fd-team") },
            entry("rs-sibling", PrincipalType::Folder, "fd-sales"),
            entry("rs-by-id", PrincipalType::Account, ME),
        ];
        let arrived = places_arrived_at(&me(), &entries, &["rs-held".to_owned()]);
        let pair = |s: &str, p: &str| (s.to_owned(), p.to_owned());
        assert_eq!(arrived, vec![pair("rs-deleting", "fd-root"), pair("rs-ending", "rd-1"), pair("rs-new", "fd-team")]);
    }

    #[test]
    fn a_member_holds_a_share_through_the_directory_when_a_folder_or_its_directory_scope_row_names_it_even_if_also_invited(
    ) {
        let invited = ShareEntry { scope: PrincipalScope::AllAccounts, ..entry("rs-1", PrincipalType::Account, ME) };
        assert_eq!(share_membership(&me(), &[invited.clone()]), ShareMembership::Invited);
        let by_folder = entry("rs-1", PrincipalType::Folder, "fd-team");
        assert_eq!(share_membership(&me(), &[invited, by_folder]), ShareMembership::ThroughDirectory);
        assert_eq!(
            share_membership(&me(), &[entry("rs-1", PrincipalType::Account, ME)]),
            ShareMembership::ThroughDirectory
        );
        let removed = ShareEntry {
            principal_status: AssociationStatus::Disassociating,
            scope: PrincipalScope::AllAccounts,
            ..entry("rs-1", PrincipalType::Account, ME)
        };
        assert_eq!(share_membership(&me(), &[removed]), ShareMembership::None);
        assert_eq!(share_membership(&me(), &[]), ShareMembership::None);
    }

    #[test]
    fn an_account_named_in_a_directory_share_from_outside_the_owners_directory_holds_it_only_through_an_acceptance() {
        let outside = ShareEntry {
            owner_in_recipients_directory: false,
            accepted: false,
            ..entry("rs-1", PrincipalType::Account, ME)
        };
        assert_eq!(share_membership(&me(), &[outside.clone()]), ShareMembership::None);
        assert_eq!(share_membership(&me(), &[ShareEntry { accepted: true, ..outside }]), ShareMembership::Invited);
    }

    #[test]
    fn the_directory_or_a_folder_gives_a_member_the_share_only_while_the_owner_is_in_its_directory() {
        for place in
            [entry("rs-1", PrincipalType::Folder, "fd-team"), entry("rs-1", PrincipalType::ResourceDirectory, "rd-1")]
        {
            assert_eq!(share_hold(&me(), &place), ShareMembership::ThroughDirectory);
            assert_eq!(
                share_hold(&me(), &ShareEntry { owner_in_recipients_directory: false, ..place }),
                ShareMembership::None
            );
        }
    }

    #[test]
    fn an_account_principal_of_a_share_open_to_all_accounts_holds_it_only_through_an_acceptance_that_still_counts() {
        let unaccepted = ShareEntry {
            scope: PrincipalScope::AllAccounts,
            accepted: false,
            ..entry("rs-1", PrincipalType::Account, ME)
        };
        assert_eq!(share_membership(&me(), &[unaccepted]), ShareMembership::None);
    }

    const EXPIRY: OffsetDateTime = datetime!(2026-11-27 11:55 UTC);
    const DELAY: Duration = Duration::minutes(10);

    #[test]
    fn a_set_leaves_its_shares_at_the_moment_it_expires() {
        assert!(!leaves_shares_by_expiry(EXPIRY, EXPIRY - Duration::seconds(1)));
        assert!(leaves_shares_by_expiry(EXPIRY, EXPIRY));
        assert!(leaves_shares_by_expiry(EXPIRY, EXPIRY + DELAY + DELAY), "however late the schedule is");
    }

    #[test]
    fn a_grant_of_a_set_not_expired_yet_is_left_as_it_is() {
        let grant = Grant { status: AssociationStatus::Associated, revoke_at: None };
        assert_eq!(grant_at_expiry(grant, NOW + Duration::seconds(1), DELAY, NOW), grant);
    }

    #[test]
    fn from_its_expiry_a_sets_grant_is_revoked_until_the_delay_after_it_whether_or_not_the_schedule_ran() {
        let grant = Grant { status: AssociationStatus::Associated, revoke_at: None };
        let at_expiry = grant_at_expiry(grant, EXPIRY, DELAY, NOW);
        assert_eq!(at_expiry, Grant { status: AssociationStatus::Disassociating, revoke_at: Some(EXPIRY + DELAY) });
        assert!(at_expiry.in_force_at(NOW));
        assert!(
            !grant_at_expiry(grant, EXPIRY, DELAY, EXPIRY + DELAY).in_force_at(EXPIRY + DELAY),
            "gone at the delay's end"
        );
        // The schedule, late, starts its revocation only when it runs: the expiry's time still ends it.
        let late = Grant { status: AssociationStatus::Disassociating, revoke_at: Some(NOW + DELAY) };
        assert_eq!(grant_at_expiry(late, EXPIRY, DELAY, NOW).revoke_at, Some(EXPIRY + DELAY));
    }

    #[test]
    fn an_earlier_revocation_of_an_expired_sets_grant_stands_and_one_waiting_for_a_restore_gets_the_expirys_time() {
        let removed =
            Grant { status: AssociationStatus::Disassociating, revoke_at: Some(EXPIRY + Duration::minutes(1)) };
        assert_eq!(grant_at_expiry(removed, EXPIRY, DELAY, NOW), removed);
        let waiting = Grant { status: AssociationStatus::Disassociating, revoke_at: None };
        assert_eq!(grant_at_expiry(waiting, EXPIRY, DELAY, NOW).revoke_at, Some(EXPIRY + DELAY));
    }
}
