//! Deciding a share request (the Share dialog's OK, or the API's Create/Associate/Disassociate): the
//! facts loaded for it go in, the plan of what to write (or the refusal) comes out. The service loads the
//! facts, asks [`plan_share`], and writes the plan; a refusal is decided before anything is written, so it
//! changes nothing.

use super::{
    check_may_manage_shares, check_no_pending_invitation, check_pending_invitation_limit, check_principal_limit,
    check_principals, check_share_quota, check_sharer, principal_change_timing, shareability_in_share, AccountId,
    Actor, BackupLock, BackupSetAccess, BackupSetFacts, BackupSetId, ClusterFacts, LeavesAt, OwnerFacts, PlaceMembers,
    PrincipalFacts, PrincipalId, PrincipalScope, PrincipalTargetKind, Reach, Refusal, RemovalTiming, ResourceShareName,
    ShareStatus,
};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// Where the dialog puts the backup set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareTarget {
    New {
        name: ResourceShareName,
        scope: PrincipalScope,
    },
    /// One of the owner's shares (its id was asked for; its facts are in [`ShareFacts::existing`]).
    Existing,
}

/// How a request changes the principals of its share. The change is stated, not the list it leads to:
/// the list is worked out from the share's principals as the write transaction reads them, so two
/// requests changing one share at once each keep what the other did.
///
/// `P` is what is known of a principal that may join: its id as asked for, then its facts once loaded
/// ([`PrincipalFacts`]); one leaving needs only its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalChange<P = PrincipalId> {
    /// The principals stay as they are (a backup set joins the share, nothing else).
    Keep,
    /// The share has exactly these afterwards: the Share dialog's list, and a new share's principals.
    Replace(Vec<P>),
    /// These join the share; the others stay (AssociateResourceShare).
    Add(Vec<P>),
    /// These leave the share, each through the scheduled revocation; each must be associated with it
    /// (DisassociateResourceShare).
    Remove(Vec<PrincipalId>),
}

impl<P> PrincipalChange<P> {
    /// The principals that may join the share: the ones whose facts the rules check.
    pub fn joining(&self) -> &[P] {
        match self {
            PrincipalChange::Replace(list) | PrincipalChange::Add(list) => list,
            PrincipalChange::Keep | PrincipalChange::Remove(_) => &[],
        }
    }

    /// The same change with what is known of the joining principals replaced by `known(list)`.
    pub fn with_joining<Q, E>(self, known: impl FnOnce(Vec<P>) -> Result<Vec<Q>, E>) -> Result<PrincipalChange<Q>, E> {
        Ok(match self {
            PrincipalChange::Keep => PrincipalChange::Keep,
            PrincipalChange::Replace(list) => PrincipalChange::Replace(known(list)?),
            PrincipalChange::Add(list) => PrincipalChange::Add(known(list)?),
            PrincipalChange::Remove(list) => PrincipalChange::Remove(list),
        })
    }
}

/// The share the request names, as stored (whoever owns it: the plan checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingShare {
    pub owner: AccountId,
    pub name: String,
    pub scope: PrincipalScope,
    pub status: ShareStatus,
    /// Its principals currently associated.
    pub principals: BTreeSet<PrincipalId>,
}

/// Everything the rules read for one request, loaded in the request's write transaction (so the limits
/// see every share committed, or written earlier in the same group, before it).
#[derive(Debug, Clone)]
pub struct ShareFacts {
    pub owner: OwnerFacts,
    pub access: BackupSetAccess,
    /// The backup set and its cluster, when the set exists.
    pub backup: Option<(ClusterFacts, BackupSetFacts)>,
    /// Whether the requested new name is already one of the owner's shares'.
    pub name_taken: bool,
    pub existing: Option<ExistingShare>,
    /// The backup sets already in the existing share, with their locks (those on their way out too).
    pub share_sets: Vec<(BackupSetId, BackupLock)>,
    /// Those of `share_sets` being taken out: their revocation has not run yet.
    pub leaving_sets: Vec<BackupSetId>,
    /// The request's principal change, with the facts of each principal that may join.
    pub principals: PrincipalChange<PrincipalFacts>,
    /// For every backup set the share will hold: the principals it has through the owner's other shares.
    pub others: Vec<(BackupSetId, BTreeSet<PrincipalId>)>,
    /// The member accounts of each directory or folder among those principals, the share's and the
    /// requested ones: what the 64-account limit counts them as.
    pub place_members: PlaceMembers,
    /// For each backup set the share will hold, what is still being revoked from it through any of the
    /// owner's shares (principals removed, a share being deleted, members moved out of a folder or the
    /// directory), each with when it leaves: it counts toward the 64-account limit until then.
    pub revoking: std::collections::BTreeMap<BackupSetId, Vec<(PrincipalId, LeavesAt)>>,
    /// Whether the backup set is in a share not yet deleted already (then it costs no quota).
    pub already_shared: bool,
    /// How many distinct backup sets the owner's shares not yet deleted hold, those on their way out too.
    pub shared_count: u32,
    /// Those of them held only by what is leaving (taken out of a share, in a share being deleted), each
    /// with when it leaves; read only when the count is at the quota (see [`super::check_share_quota`]).
    pub leaving_shared_sets: Vec<(BackupSetId, LeavesAt)>,
    /// How long a removal keeps its access: this request's removals leave that long after `now`.
    pub revocation_delay: time::Duration,
    /// Requested accounts that already hold a pending invitation covering the backup set.
    pub pending_invitees: BTreeSet<String>,
    /// The owner's pending invitations, and how many it may have.
    pub pending_count: u32,
    pub max_pending_invitations: u32,
}

/// What to write once every rule has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharePlan {
    /// For a new share: its name and scope.
    pub new_share: Option<(ResourceShareName, PrincipalScope)>,
    pub name: String,
    /// The share's principal scope (a new share's, or the existing share's).
    pub scope: PrincipalScope,
    /// Principals added to the share (associated, or re-associated if their revocation had not run).
    pub associate: Vec<PrincipalId>,
    /// The added accounts that must accept an invitation first.
    pub invite: Vec<String>,
    /// The added accounts of the owner's directory whose invitation the directory accepts at once.
    pub accepted_by_directory: Vec<String>,
    /// Principals removed: they enter the scheduled revocation (`timing` says when).
    pub revoke: Vec<PrincipalId>,
    pub timing: RemovalTiming,
}

impl SharePlan {
    /// The added principals associated at once (no invitation).
    pub fn associated_directly(&self) -> Vec<String> {
        self.associate.iter().map(PrincipalId::to_string).filter(|p| !self.invite.contains(p)).collect()
    }

    /// Whether removals wait for a restore of one of the share's sets to end.
    pub fn removal_waits_for_restore(&self) -> bool {
        self.timing == RemovalTiming::AfterRestore && !self.revoke.is_empty()
    }
}

/// Decides a share request: who may share, whether the set may be shared, the principals, the locks of
/// the share's sets, the 64-account limit, the quota and the invitation bounds, in that order.
///
/// `backup_set` is the set joining the share; `None` when only the principals of an existing share
/// change (the API's Associate or Disassociate with targets only): then no set is checked or counted.
pub fn plan_share(
    actor: &Actor,
    backup_set: Option<&BackupSetId>,
    target: ShareTarget,
    facts: &ShareFacts,
    now: OffsetDateTime,
) -> Result<SharePlan, Refusal> {
    match backup_set {
        Some(set) => {
            check_sharer(actor, &facts.owner, facts.access, set)?;
            let (cluster, backup) =
                facts.backup.as_ref().ok_or_else(|| Refusal::BackupSetNotFound { backup_set: set.to_string() })?;
            // A set on its way out that joins again is a change to its sharing, so its lock refuses it
            // as it refuses a set joining for the first time.
            let already_in_share =
                facts.share_sets.iter().any(|(id, _)| id == set) && !facts.leaving_sets.contains(set);
            shareability_in_share(cluster, backup, already_in_share, now)?;
        }
        None => check_may_manage_shares(actor, &facts.owner)?,
    }

    let existing = match &target {
        ShareTarget::New { name, .. } if facts.name_taken => {
            return Err(Refusal::NameTaken { name: name.as_str().to_owned() })
        }
        // A share is made with a backup set in it (the service always names one).
        ShareTarget::New { .. } if backup_set.is_none() => return Err(Refusal::ShareNotFound),
        ShareTarget::New { .. } => None,
        ShareTarget::Existing => {
            let share =
                facts.existing.as_ref().filter(|s| s.owner == facts.owner.account_id).ok_or(Refusal::ShareNotFound)?;
            if share.status != ShareStatus::Active {
                return Err(Refusal::ShareNotActive);
            }
            Some(share)
        }
    };
    let (scope, current) = match (&target, existing) {
        (ShareTarget::New { scope, .. }, _) => (*scope, BTreeSet::new()),
        (ShareTarget::Existing, Some(share)) => (share.scope, share.principals.clone()),
        (ShareTarget::Existing, None) => return Err(Refusal::ShareNotFound),
    };

    // The share's principals after this request, and how each new one is to be associated.
    let kinds = check_principals(&facts.owner, scope, facts.principals.joining(), existing.is_none())?;
    let ids = |list: &[PrincipalFacts]| list.iter().map(|p| p.id.clone()).collect::<BTreeSet<_>>();
    let wanted: BTreeSet<PrincipalId> = match &facts.principals {
        PrincipalChange::Keep => current.clone(),
        PrincipalChange::Replace(list) => ids(list),
        PrincipalChange::Add(list) => current.union(&ids(list)).cloned().collect(),
        PrincipalChange::Remove(list) => {
            if list.iter().any(|p| !current.contains(p)) {
                return Err(Refusal::NotAssociated);
            }
            current.iter().filter(|p| !list.contains(p)).cloned().collect()
        }
    };
    let added: Vec<&(PrincipalId, PrincipalTargetKind)> = kinds.iter().filter(|(p, _)| !current.contains(p)).collect();
    let removed: Vec<PrincipalId> = current.difference(&wanted).cloned().collect();

    // A locked backup set's sharing can't change: adding it was checked above; changing the principals
    // of a share touches every set already in it. Removals during a restore wait for it to end instead
    // of being refused, so a principal restoring again and again can't keep the owner from removing it.
    let timing = if added.is_empty() && removed.is_empty() {
        RemovalTiming::Now
    } else {
        principal_change_timing(!added.is_empty(), &facts.share_sets)?
    };

    let reach = Reach { owner: &facts.owner.account_id, members: &facts.place_members };
    let none = BTreeSet::new();
    // This request's removals keep the share's sets for the revocation's time, as earlier removals do.
    let removal_leaves_at: LeavesAt = match timing {
        RemovalTiming::Now => Some(now + facts.revocation_delay),
        RemovalTiming::AfterRestore => None,
    };
    for (set, others) in &facts.others {
        // A set already in the share reaches the share's principals now; one joining it does not yet.
        let in_share = facts.share_sets.iter().any(|(id, _)| id == set);
        let share_now = if in_share { &current } else { &none };
        let mut revoking = facts.revoking.get(set).cloned().unwrap_or_default();
        if in_share {
            revoking.extend(removed.iter().map(|p| (p.clone(), removal_leaves_at)));
        }
        check_principal_limit(&reach, set, others, share_now, &wanted, &revoking, now)?;
    }
    // The quota counts distinct shared backup sets; one already shared elsewhere costs nothing more, and
    // a change of principals alone adds none.
    if let Some(set) = backup_set {
        check_share_quota(
            set,
            facts.already_shared,
            facts.shared_count,
            facts.owner.share_quota,
            &facts.leaving_shared_sets,
            now,
        )?;
    }

    let name = match (&target, existing) {
        (ShareTarget::New { name, .. }, _) => name.as_str().to_owned(),
        (ShareTarget::Existing, Some(share)) => share.name.clone(),
        (ShareTarget::Existing, None) => return Err(Refusal::ShareNotFound),
    };
    // Invitations are bounded: no second one to an account that has not answered the first for the
    // same backup set (or share), and at most so many outstanding per owner.
    let accounts_of = |wanted: PrincipalTargetKind| -> Vec<String> {
        added
            .iter()
            .filter_map(|(p, kind)| match p {
                PrincipalId::Account(a) if *kind == wanted => Some(a.to_string()),
                _ => None,
            })
            .collect()
    };
    let invite = accounts_of(PrincipalTargetKind::MustAccept);
    let invited_to = backup_set.map_or(name.as_str(), BackupSetId::as_str);
    for invitee in &invite {
        check_no_pending_invitation(invitee, invited_to, facts.pending_invitees.contains(invitee))?;
    }
    let new_invitations = u32::try_from(invite.len()).unwrap_or(u32::MAX);
    check_pending_invitation_limit(facts.pending_count, new_invitations, facts.max_pending_invitations)?;

    let new_share = match target {
        ShareTarget::New { name, scope } => Some((name, scope)),
        ShareTarget::Existing => None,
    };
    let accepted_by_directory = accounts_of(PrincipalTargetKind::AcceptedByDirectory);
    Ok(SharePlan {
        new_share,
        name,
        scope,
        associate: added.into_iter().map(|(p, _)| p.clone()).collect(),
        invite,
        accepted_by_directory,
        revoke: removed,
        timing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BackupStatus, Site};

    fn owner() -> OwnerFacts {
        OwnerFacts {
            account_id: AccountId::parse("1000000000000001").unwrap(),
            site: Site::China,
            beta_enabled: true,
            share_quota: 10,
            directory_id: None,
        }
    }

    fn account(id: &str) -> PrincipalFacts {
        PrincipalFacts {
            id: PrincipalId::parse(id).unwrap(),
            exists: true,
            site: Some(owner().site),
            directory_id: None,
        }
    }

    fn facts(now: OffsetDateTime) -> ShareFacts {
        let set = BackupSetId::parse("5000000").unwrap();
        ShareFacts {
            owner: owner(),
            access: BackupSetAccess::Owned,
            backup: Some((
                crate::domain::rules::tests::cluster(),
                BackupSetFacts {
                    id: set.clone(),
                    status: BackupStatus::Success,
                    expires_at: now + time::Duration::days(30),
                    lock: BackupLock::None,
                    deleted: false,
                },
            )),
            name_taken: false,
            existing: None,
            share_sets: Vec::new(),
            leaving_sets: Vec::new(),
            principals: PrincipalChange::Replace(vec![account("2000000000000001"), account("2000000000000002")]),
            others: vec![(set, BTreeSet::new())],
            place_members: PlaceMembers::new(),
            revoking: Default::default(),
            already_shared: false,
            shared_count: 0,
            leaving_shared_sets: Vec::new(),
            revocation_delay: time::Duration::minutes(10),
            pending_invitees: BTreeSet::new(),
            pending_count: 0,
            max_pending_invitations: 500,
        }
    }

    fn root() -> Actor {
        Actor { account_id: owner().account_id, is_root: true, policies: Vec::new() }
    }

    fn new_share() -> ShareTarget {
        ShareTarget::New { name: ResourceShareName::parse("weekly").unwrap(), scope: PrincipalScope::AllAccounts }
    }

    const NOW: OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

    #[test]
    fn a_new_share_with_two_accounts_invites_both_and_associates_them() {
        let set = BackupSetId::parse("5000000").unwrap();
        let plan = plan_share(&root(), Some(&set), new_share(), &facts(NOW), NOW).unwrap();
        assert_eq!(plan.name, "weekly");
        assert_eq!(plan.invite, vec!["2000000000000001", "2000000000000002"]);
        assert_eq!(plan.associate.len(), 2);
        assert!(plan.associated_directly().is_empty());
        assert!(plan.revoke.is_empty());
    }

    #[test]
    fn a_second_invitation_to_an_account_that_has_not_answered_is_refused() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        f.pending_invitees.insert("2000000000000002".to_owned());
        let refused = plan_share(&root(), Some(&set), new_share(), &f, NOW).unwrap_err();
        assert!(matches!(refused, Refusal::InvitationAlreadyExists { .. }), "{refused:?}");
    }

    #[test]
    fn invitations_beyond_the_owners_cap_are_refused() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        (f.pending_count, f.max_pending_invitations) = (499, 500);
        let refused = plan_share(&root(), Some(&set), new_share(), &f, NOW).unwrap_err();
        assert!(matches!(refused, Refusal::PendingInvitationLimit { limit: 500, requested: 501 }), "{refused:?}");
    }

    #[test]
    fn an_existing_share_of_another_owner_is_not_found() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        f.existing = Some(ExistingShare {
            owner: AccountId::parse("1000000000000009").unwrap(),
            name: "theirs".to_owned(),
            scope: PrincipalScope::AllAccounts,
            status: ShareStatus::Active,
            principals: BTreeSet::new(),
        });
        assert_eq!(
            plan_share(&root(), Some(&set), ShareTarget::Existing, &f, NOW).unwrap_err(),
            Refusal::ShareNotFound
        );
    }

    #[test]
    fn leaving_out_a_principal_of_an_existing_share_revokes_it() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        let kept = PrincipalId::parse("2000000000000001").unwrap();
        let dropped = PrincipalId::parse("2000000000000003").unwrap();
        f.existing = Some(ExistingShare {
            owner: owner().account_id,
            name: "weekly".to_owned(),
            scope: PrincipalScope::AllAccounts,
            status: ShareStatus::Active,
            principals: [kept.clone(), dropped.clone()].into(),
        });
        f.principals = PrincipalChange::Replace(vec![account("2000000000000001")]);
        let plan = plan_share(&root(), Some(&set), ShareTarget::Existing, &f, NOW).unwrap();
        assert_eq!((plan.associate, plan.revoke, plan.timing), (vec![], vec![dropped], RemovalTiming::Now));
        assert!(plan.new_share.is_none());
    }

    /// An existing share of the owner's holding the set, with these principals associated.
    fn existing_with(principals: &[&str]) -> ShareFacts {
        let mut f = facts(NOW);
        f.existing = Some(ExistingShare {
            owner: owner().account_id,
            name: "weekly".to_owned(),
            scope: PrincipalScope::AllAccounts,
            status: ShareStatus::Active,
            principals: principals.iter().map(|p| PrincipalId::parse(p).unwrap()).collect(),
        });
        f.share_sets = vec![(BackupSetId::parse("5000000").unwrap(), BackupLock::None)];
        f.already_shared = true;
        f
    }

    fn id(p: &str) -> PrincipalId {
        PrincipalId::parse(p).unwrap()
    }

    #[test]
    fn adding_a_principal_keeps_every_principal_the_share_has_as_the_transaction_reads_it() {
        // The share gained 2000000000000002 after the caller last looked: adding another keeps it.
        let mut f = existing_with(&["2000000000000001", "2000000000000002"]);
        f.principals = PrincipalChange::Add(vec![account("2000000000000003")]);
        let plan = plan_share(&root(), None, ShareTarget::Existing, &f, NOW).unwrap();
        assert_eq!((plan.associate, plan.revoke), (vec![id("2000000000000003")], vec![]));
        assert_eq!(plan.invite, vec!["2000000000000003"]);
    }

    #[test]
    fn adding_a_principal_already_associated_changes_nothing() {
        let mut f = existing_with(&["2000000000000001"]);
        f.principals = PrincipalChange::Add(vec![account("2000000000000001")]);
        let plan = plan_share(&root(), None, ShareTarget::Existing, &f, NOW).unwrap();
        assert!(plan.associate.is_empty() && plan.invite.is_empty() && plan.revoke.is_empty(), "{plan:?}");
    }

    #[test]
    fn removing_a_principal_revokes_it_and_keeps_the_others() {
        let mut f = existing_with(&["2000000000000001", "2000000000000002", "2000000000000003"]);
        f.principals = PrincipalChange::Remove(vec![id("2000000000000002")]);
        let plan = plan_share(&root(), None, ShareTarget::Existing, &f, NOW).unwrap();
        assert_eq!(
            (plan.associate, plan.revoke, plan.timing),
            (vec![], vec![id("2000000000000002")], RemovalTiming::Now)
        );
    }

    #[test]
    fn removing_a_principal_that_is_not_associated_is_refused() {
        let mut f = existing_with(&["2000000000000001"]);
        f.principals = PrincipalChange::Remove(vec![id("2000000000000001"), id("2000000000000009")]);
        assert_eq!(plan_share(&root(), None, ShareTarget::Existing, &f, NOW).unwrap_err(), Refusal::NotAssociated);
    }

    #[test]
    fn a_change_of_principals_alone_needs_no_backup_set_and_costs_no_quota() {
        let mut f = existing_with(&[]);
        f.backup = None;
        f.access = BackupSetAccess::NotVisible;
        (f.already_shared, f.shared_count, f.owner.share_quota) = (false, 10, 10);
        f.principals = PrincipalChange::Add(vec![account("2000000000000001")]);
        let plan = plan_share(&root(), None, ShareTarget::Existing, &f, NOW).unwrap();
        assert_eq!(plan.associate, vec![id("2000000000000001")]);
    }

    #[test]
    fn a_change_of_principals_alone_still_needs_the_sharing_permission() {
        let mut f = existing_with(&[]);
        f.principals = PrincipalChange::Add(vec![account("2000000000000001")]);
        let ram_user = Actor { account_id: owner().account_id, is_root: false, policies: Vec::new() };
        let refused = plan_share(&ram_user, None, ShareTarget::Existing, &f, NOW).unwrap_err();
        assert_eq!(refused.code(), "Forbidden.RAM", "{refused:?}");
    }

    #[test]
    fn a_set_joins_no_share_whose_folder_would_take_it_past_64_accounts_but_stays_in_its_own() {
        let mut f = existing_with(&["fd-team"]);
        let members = (0..70).map(|n| AccountId::parse(&format!("30000000000{n:05}")).unwrap()).collect();
        f.place_members = [(id("fd-team"), members)].into();
        f.principals = PrincipalChange::Keep;
        let set = BackupSetId::parse("5000000").unwrap();
        // Already in the share (the folder grew since): sharing it there again reaches no one new.
        assert!(plan_share(&root(), Some(&set), ShareTarget::Existing, &f, NOW).is_ok());
        // Not in it yet: joining would reach 70 accounts.
        (f.share_sets, f.already_shared) = (Vec::new(), false);
        let refused = plan_share(&root(), Some(&set), ShareTarget::Existing, &f, NOW).unwrap_err();
        assert!(matches!(refused, Refusal::PrincipalLimit { requested: 70, limit: 64, .. }), "{refused:?}");
    }

    /// The share holding the set with 64 accounts by name.
    fn full_share() -> ShareFacts {
        let names: Vec<String> = (0..64).map(|n| format!("30000000000{n:05}")).collect();
        existing_with(&names.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn a_principal_this_request_removes_still_counts_toward_the_64_until_its_revocation() {
        // Swapping one of 64 accounts for another: the one removed keeps the set for the revocation's time.
        let mut f = full_share();
        let mut list: Vec<PrincipalFacts> = (1..64).map(|n| account(&format!("30000000000{n:05}"))).collect();
        list.push(account("2000000000000009"));
        f.principals = PrincipalChange::Replace(list);
        let refused = plan_share(&root(), None, ShareTarget::Existing, &f, NOW).unwrap_err();
        let until = Some(NOW + time::Duration::minutes(10));
        assert!(
            matches!(refused, Refusal::PrincipalLimit { requested: 65, revoking: Some(crate::domain::StillLeaving { count: 1, until: u }), .. } if u == until),
            "{refused:?}"
        );
        // Removing alone is never refused: the set reaches no one new.
        let mut removal = full_share();
        removal.principals = PrincipalChange::Remove(vec![id("3000000000000000")]);
        assert!(plan_share(&root(), None, ShareTarget::Existing, &removal, NOW).is_ok());
        // Once its revocation has run (the share's principals as the next request reads them) the swap fits.
        f.existing.as_mut().unwrap().principals.remove(&id("3000000000000000"));
        assert!(plan_share(&root(), None, ShareTarget::Existing, &f, NOW).is_ok());
    }

    #[test]
    fn principals_of_a_share_being_deleted_still_count_toward_the_64_for_the_set() {
        // Another share of the set is being deleted: its 63 principals are being revoked until 12:10.
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        let until = Some(NOW + time::Duration::minutes(10));
        let deleting: Vec<(PrincipalId, LeavesAt)> =
            (0..63).map(|n| (id(&format!("30000000000{n:05}")), until)).collect();
        f.revoking = [(set.clone(), deleting)].into();
        let refused = plan_share(&root(), Some(&set), new_share(), &f, NOW).unwrap_err();
        assert!(
            matches!(
                refused,
                Refusal::PrincipalLimit {
                    requested: 65,
                    revoking: Some(crate::domain::StillLeaving { count: 63, .. }),
                    ..
                }
            ),
            "{refused:?}"
        );
        assert!(plan_share(&root(), Some(&set), new_share(), &f, NOW + time::Duration::minutes(10)).is_ok());
    }

    #[test]
    fn a_set_on_its_way_out_counts_toward_the_quota_of_a_new_share() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        (f.shared_count, f.leaving_shared_sets) =
            (10, vec![(BackupSetId::parse("5000001").unwrap(), Some(NOW + time::Duration::minutes(10)))]);
        let refused = plan_share(&root(), Some(&set), new_share(), &f, NOW).unwrap_err();
        assert!(
            matches!(refused, Refusal::QuotaExceeded { limit: 10, requested: 11, leaving: Some(_) }),
            "{refused:?}"
        );
        assert!(plan_share(&root(), Some(&set), new_share(), &f, NOW + time::Duration::minutes(10)).is_ok());
    }

    #[test]
    fn a_locked_set_on_its_way_out_of_the_share_can_not_join_it_again() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = existing_with(&["2000000000000001"]);
        f.principals = PrincipalChange::Keep;
        if let Some((_, backup)) = f.backup.as_mut() {
            backup.lock = BackupLock::ConvertingLevel;
        }
        f.share_sets = vec![(set.clone(), BackupLock::ConvertingLevel)];
        // Associated: sharing it there again changes nothing, so its lock does not refuse it.
        assert!(plan_share(&root(), Some(&set), ShareTarget::Existing, &f, NOW).is_ok());
        // Being taken out: joining again would keep it shared, which its lock forbids.
        f.leaving_sets = vec![set.clone()];
        assert_eq!(
            plan_share(&root(), Some(&set), ShareTarget::Existing, &f, NOW).unwrap_err().code(),
            "OperationDenied.BackupSetLocked"
        );
    }

    #[test]
    fn a_new_share_with_no_principals_is_refused_whatever_the_change() {
        let set = BackupSetId::parse("5000000").unwrap();
        let mut f = facts(NOW);
        for change in [PrincipalChange::Keep, PrincipalChange::Replace(vec![]), PrincipalChange::Remove(vec![])] {
            f.principals = change;
            assert_eq!(plan_share(&root(), Some(&set), new_share(), &f, NOW).unwrap_err(), Refusal::NoPrincipals);
        }
    }
}
