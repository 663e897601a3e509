//! The rules for sharing a backup set: what can be shared, by whom, with whom, and how many.

use super::text::text_enum;
use super::{AccountId, Actor, BackupSetId, PrincipalId, Refusal, Site};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// A single backup set can be shared with at most 64 accounts: those named, and the members of the
/// resource directories and folders it is shared with ([`check_principal_limit`]).
pub const MAX_ACCOUNTS_PER_BACKUP_SET: usize = 64;

text_enum!(
    pub enum Edition {
        Cluster = "Cluster",
        Limitless = "Limitless",
        SingleNode = "SingleNode",
    }
);
text_enum!(
    pub enum HaMode {
        SingleZone = "SingleZone",
        MultiZone = "MultiZone",
        ThreeZoneHotStandby = "ThreeZoneHotStandby",
    }
);
text_enum!(
    pub enum ClusterStatus {
        Running = "Running",
        Creating = "Creating",
        Recycled = "Recycled",
    }
);
text_enum!(
    pub enum BackupStatus {
        Success = "Success",
        Failed = "Failed",
        Creating = "Creating",
    }
);
text_enum!(
    pub enum BackupLock {
        None = "None",
        Restoring = "Restoring",
        ConvertingLevel = "ConvertingLevel",
    }
);
text_enum!(
    pub enum PrincipalScope {
        AllAccounts = "AllAccounts",
        ResourceDirectory = "ResourceDirectory",
    }
);
text_enum!(
    /// A resource share's state. Shares are only ever `Active` today: a share emptied of principals stays
    /// active (it can be given principals again); the other two words are the API's and the schema's.
    pub enum ShareStatus {
        Active = "Active",
        Deleting = "Deleting",
        Deleted = "Deleted",
    }
);
text_enum!(
    /// A principal's (or a shared backup set's) association with a share: `Disassociating` while its
    /// revocation is scheduled or waits for a restore.
    pub enum AssociationStatus {
        Associated = "Associated",
        Disassociating = "Disassociating",
    }
);
text_enum!(
    /// What a principal (or an object of a resource directory) is.
    pub enum PrincipalType {
        Account = "Account",
        ResourceDirectory = "ResourceDirectory",
        Folder = "Folder",
    }
);

/// The facts about a cluster that decide whether its backups may be shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFacts {
    pub edition: Edition,
    pub ha_mode: HaMode,
    pub tde_enabled: bool,
    pub disk_encryption_enabled: bool,
    pub status: ClusterStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSetFacts {
    pub id: BackupSetId,
    pub status: BackupStatus,
    pub expires_at: OffsetDateTime,
    pub lock: BackupLock,
    pub deleted: bool,
}

impl BackupSetFacts {
    /// A locked backup set (being restored from, or converted to level-2) can't have its sharing changed.
    pub fn check_unlocked(&self) -> Result<(), Refusal> {
        check_unlocked(&self.id, self.lock)
    }

    /// The lock refusing `operation` on this backup set, if it is locked.
    pub fn check_unlocked_for(&self, operation: LockedOperation) -> Result<(), Refusal> {
        check_unlocked_for(&self.id, self.lock, operation)
    }
}

/// What a lock on a backup set refuses. The refusal names it, so an owner who tried to delete a set is
/// not told that "sharing settings" can't change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedOperation {
    /// Sharing the set, or changing the principals of a share that holds it.
    ShareChange,
    Delete,
    LevelConversion,
    /// A principal's restore from the set into a new cluster.
    Restore,
    /// Releasing the set's cluster.
    ReleaseCluster,
}

impl LockedOperation {
    /// The second half of the refusal: what can't be done until the lock is released.
    fn refused(self) -> &'static str {
        match self {
            LockedOperation::ShareChange => "its sharing settings cannot be changed",
            LockedOperation::Delete => "it cannot be deleted",
            LockedOperation::LevelConversion => "it cannot be converted to level-2",
            LockedOperation::Restore => "no new restore can start from it",
            LockedOperation::ReleaseCluster => "its cluster cannot be released",
        }
    }
}

/// Refuses any change to the sharing of a locked backup set, saying what holds the lock.
pub fn check_unlocked(id: &BackupSetId, lock: BackupLock) -> Result<(), Refusal> {
    check_unlocked_for(id, lock, LockedOperation::ShareChange)
}

/// Refuses `operation` on a locked backup set, saying what holds the lock and what it refuses.
pub fn check_unlocked_for(id: &BackupSetId, lock: BackupLock, operation: LockedOperation) -> Result<(), Refusal> {
    let reason = match lock {
        BackupLock::None => return Ok(()),
        BackupLock::Restoring => "data is being restored from it",
        BackupLock::ConvertingLevel => "it is being converted from a level-1 to a level-2 backup",
    };
    Err(Refusal::BackupSetLocked { backup_set: id.to_string(), reason, refused: operation.refused() })
}

/// Whether this backup set of this cluster can be shared at `now`, and if not, the first reason why.
/// The console shows the same reason beside the disabled action that the server gives on refusal.
pub fn shareability(cluster: &ClusterFacts, backup: &BackupSetFacts, now: OffsetDateTime) -> Result<(), Refusal> {
    let id = || backup.id.to_string();
    if backup.id.is_cross_region_copy() {
        return Err(Refusal::CrossRegionBackupSet);
    }
    cluster_shareability(cluster)?;
    if backup.deleted || backup.status != BackupStatus::Success {
        return Err(Refusal::BackupSetNotActive { backup_set: id() });
    }
    if backup.expires_at <= now {
        return Err(Refusal::BackupSetExpired { backup_set: id() });
    }
    backup.check_unlocked()
}

/// Whether any backup set of this cluster could be shared, as far as the cluster decides: a refusal here
/// is the same for all its sets, so the console says it once for the cluster.
pub fn cluster_shareability(cluster: &ClusterFacts) -> Result<(), Refusal> {
    if cluster.status == ClusterStatus::Recycled {
        return Err(Refusal::ClusterInRecycleBin);
    }
    if cluster.edition == Edition::Limitless {
        return Err(Refusal::LimitlessEdition);
    }
    if cluster.ha_mode == HaMode::ThreeZoneHotStandby {
        return Err(Refusal::ThreeZoneHotStandby);
    }
    if cluster.tde_enabled {
        return Err(Refusal::TdeEnabled);
    }
    if cluster.disk_encryption_enabled {
        return Err(Refusal::DiskEncryptionEnabled);
    }
    Ok(())
}

/// Until when what [`shareability`] and [`check_level_conversion`](super::check_level_conversion)
/// say of this set at `now` holds by the passing of time alone: they read the time only to compare it
/// with the set's expiry. `None`: time alone no longer changes it (only a change to the set or its
/// cluster does). Lets a page's answers be computed once and shown until then (`services::console`).
pub fn rules_hold_until(backup: &BackupSetFacts, now: OffsetDateTime) -> Option<OffsetDateTime> {
    (backup.expires_at > now).then_some(backup.expires_at)
}

/// How the signed-in account relates to a backup set it asks to share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupSetAccess {
    Owned,
    /// Another account shared it with this one: visible, but never re-shareable.
    SharedWithActor,
    /// Not this account's and not shared with it: answered as "does not exist" so ids of others don't leak.
    NotVisible,
}

/// The owner account's side of a share decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerFacts {
    pub account_id: AccountId,
    pub site: Site,
    pub beta_enabled: bool,
    pub share_quota: u32,
    /// The resource directory the owner belongs to, if any.
    pub directory_id: Option<String>,
}

/// May this identity share this backup set at all? Checked before anything about principals. An
/// identity without the sharing policies is refused as such first: whether the set exists, or is
/// shared with its account, is none of its business.
pub fn check_sharer(
    actor: &Actor,
    owner: &OwnerFacts,
    access: BackupSetAccess,
    backup_set: &BackupSetId,
) -> Result<(), Refusal> {
    actor.may_change_sharing()?;
    match access {
        BackupSetAccess::NotVisible => return Err(Refusal::BackupSetNotFound { backup_set: backup_set.to_string() }),
        BackupSetAccess::SharedWithActor => return Err(Refusal::ReShare { backup_set: backup_set.to_string() }),
        BackupSetAccess::Owned => {}
    }
    check_may_manage_shares(actor, owner)
}

/// Permission and beta checks for any change to an owner's shares (create, modify, cancel).
pub fn check_may_manage_shares(actor: &Actor, owner: &OwnerFacts) -> Result<(), Refusal> {
    actor.may_change_sharing()?;
    if !owner.beta_enabled {
        return Err(Refusal::BetaNotEnabled);
    }
    Ok(())
}

/// What is known about one requested principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalFacts {
    pub id: PrincipalId,
    pub exists: bool,
    /// For an account: its site.
    pub site: Option<Site>,
    /// The resource directory the principal belongs to (an account's directory, a folder's directory,
    /// or the directory itself).
    pub directory_id: Option<String>,
}

/// How a principal gets access once associated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalTargetKind {
    /// The owner's directory or one of its folders, or a member account in a directory-scope share:
    /// associated at once, no invitation.
    Direct,
    /// A member account of the owner's directory in a share open to all accounts, whose account
    /// principals hold it through an invitation: the directory accepts that invitation for it at once.
    AcceptedByDirectory,
    /// An account outside the owner's directory: gets an invitation that it must accept within 7 days.
    MustAccept,
}

/// The one rule for who must accept an invitation before a share reaches it, on every path (a new
/// share, principals added, a share opened to all accounts): an account outside the owner's resource
/// directory. Inside it no one does, whatever the share's scope: Resource Sharing auto-accepts for the
/// principals of a resource directory whose sharing is enabled (EnableSharingWithResourceDirectory;
/// here always on), and a directory or folder can't answer an invitation.
pub fn must_accept_invitation(
    owner_directory: Option<&str>,
    principal: &PrincipalId,
    principal_directory: Option<&str>,
) -> bool {
    let in_owner_directory = owner_directory.is_some() && principal_directory == owner_directory;
    matches!(principal, PrincipalId::Account(_)) && !in_owner_directory
}

/// Validates the principal list of a share and says how each principal is to be associated.
/// `require_one` is true when creating a share (the dialog asks for one or more principals); an existing
/// share may be edited down to none, which stops the sharing of its backup sets.
pub fn check_principals(
    owner: &OwnerFacts,
    scope: PrincipalScope,
    principals: &[PrincipalFacts],
    require_one: bool,
) -> Result<Vec<(PrincipalId, PrincipalTargetKind)>, Refusal> {
    if require_one && principals.is_empty() {
        return Err(Refusal::NoPrincipals);
    }
    let mut seen = BTreeSet::new();
    let mut plan = Vec::with_capacity(principals.len());
    for p in principals {
        let name = || p.id.to_string();
        if !seen.insert(&p.id) {
            return Err(Refusal::DuplicatePrincipal { principal: name() });
        }
        if let PrincipalId::Account(a) = &p.id {
            if *a == owner.account_id {
                return Err(Refusal::ShareWithYourself);
            }
        }
        let is_directory_object = !matches!(p.id, PrincipalId::Account(_));
        // A directory or folder that is not the owner's own is refused below the same way whether it
        // exists in another tenant's directory or nowhere, so no one can probe which such ids exist.
        if !p.exists && !is_directory_object {
            return Err(Refusal::UnknownPrincipal { principal: name() });
        }
        if p.site.is_some_and(|s| s != owner.site) {
            return Err(Refusal::SiteMismatch { principal: name() });
        }
        let in_owner_directory = p.exists && owner.directory_id.is_some() && p.directory_id == owner.directory_id;
        if scope == PrincipalScope::ResourceDirectory && owner.directory_id.is_none() {
            return Err(Refusal::NotInResourceDirectory);
        }
        // A directory or folder can only ever be the owner's own; with the directory scope, so must an account.
        if (scope == PrincipalScope::ResourceDirectory || is_directory_object) && !in_owner_directory {
            return Err(Refusal::OutsideResourceDirectory { principal: name() });
        }
        let principal_directory = if p.exists { p.directory_id.as_deref() } else { None };
        let kind = if must_accept_invitation(owner.directory_id.as_deref(), &p.id, principal_directory) {
            PrincipalTargetKind::MustAccept
        } else if scope == PrincipalScope::ResourceDirectory || is_directory_object {
            PrincipalTargetKind::Direct
        } else {
            PrincipalTargetKind::AcceptedByDirectory
        };
        plan.push((p.id.clone(), kind));
    }
    Ok(plan)
}

/// The member accounts each resource directory or folder principal reaches now: a directory's every
/// member, a folder's those in it and in its sub-folders at any depth. One missing reaches no one.
pub type PlaceMembers = BTreeMap<PrincipalId, BTreeSet<AccountId>>;

/// Whom a backup set's principals reach, as the 64-account limit counts them.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    /// The owner: a member of its own directory, it is never one of the accounts a set is shared with.
    pub owner: &'a AccountId,
    pub members: &'a PlaceMembers,
}

impl<'a> Reach<'a> {
    /// The accounts `principals` reach: each account named and every member of each directory or
    /// folder, each once, the owner left out.
    pub fn accounts<'p>(&self, principals: impl IntoIterator<Item = &'p PrincipalId>) -> BTreeSet<&'p AccountId>
    where
        'a: 'p,
    {
        let mut reached = BTreeSet::new();
        for principal in principals {
            match principal {
                PrincipalId::Account(account) => {
                    reached.insert(account);
                }
                place => reached.extend(self.members.get(place).into_iter().flatten()),
            }
        }
        reached.remove(self.owner);
        reached
    }
}

/// When something on its way out (a principal being revoked from a set's share, a set being taken out of
/// the owner's shares) has left: its revocation time, or `None` while a restore reading the set holds the
/// revocation back (its time is set when the restore ends).
pub type LeavesAt = Option<OffsetDateTime>;

/// Whether what leaves at `leaves_at` still holds the set at `now`: until its revocation time, as a grant
/// gives access until then ([`super::Grant::in_force_at`]), whether or not the schedule has run it yet.
pub fn still_holds(leaves_at: LeavesAt, now: OffsetDateTime) -> bool {
    leaves_at.is_none_or(|at| now < at)
}

/// What a refused count holds that is on its way out: how many, and when they leave (for the 64-account
/// limit the last of them, for the quota the first: what the owner waits for). `None`: a restore holds
/// the revocation back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StillLeaving {
    pub count: usize,
    pub until: LeavesAt,
}

/// A backup set may be shared with at most 64 accounts across all of its owner's shares, counted as
/// [`Reach::accounts`] counts them. For one set a share request leaves in the share: `others` are the
/// principals it has through the owner's other live shares, `share_now` the share's principals now
/// (none if the set is not in it yet) and `share_after` the share's principals after the request.
/// `revoking` are the principals (and moved-out members) still being revoked from the set, through any
/// of the owner's shares (this request's removals too), each with when it leaves.
///
/// What is being revoked counts until its revocation time: it keeps its access until then (the
/// reference: "during this period, although the access permissions still exist"), so a set is never,
/// even for the revocation's ~10 minutes, reachable by more than 64 accounts. The refusal says how many
/// of the accounts are still being revoked, and until when.
///
/// Membership changes after sharing: a set can come to reach more than 64 accounts when a directory
/// or folder it is shared with gains members. Its shares are not broken for that (the members keep
/// their access); a request that would make the set reach any account it does not reach now is
/// refused until it is back within the limit, while one that only takes accounts away is not.
pub fn check_principal_limit(
    reach: &Reach<'_>,
    backup_set: &BackupSetId,
    others: &BTreeSet<PrincipalId>,
    share_now: &BTreeSet<PrincipalId>,
    share_after: &BTreeSet<PrincipalId>,
    revoking: &[(PrincipalId, LeavesAt)],
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let holding: Vec<&(PrincipalId, LeavesAt)> = revoking.iter().filter(|(_, at)| still_holds(*at, now)).collect();
    let live = reach.accounts(others.iter().chain(share_after));
    let mut after = live.clone();
    after.extend(reach.accounts(holding.iter().map(|(p, _)| p)));
    if after.len() <= MAX_ACCOUNTS_PER_BACKUP_SET {
        return Ok(());
    }
    let before = reach.accounts(others.iter().chain(share_now).chain(holding.iter().map(|(p, _)| p)));
    if after.is_subset(&before) {
        return Ok(());
    }
    // The accounts only what is being revoked reaches, and when the last of those revocations ends.
    let only_revoking = after.len() - live.len();
    let until = holding
        .iter()
        .filter(|(p, _)| !reach.accounts([p]).is_subset(&live))
        .try_fold(None, |last: Option<OffsetDateTime>, (_, at)| at.map(|at| Some(last.map_or(at, |l| l.max(at)))));
    Err(Refusal::PrincipalLimit {
        backup_set: backup_set.to_string(),
        requested: after.len(),
        limit: MAX_ACCOUNTS_PER_BACKUP_SET,
        revoking: (only_revoking > 0).then_some(StillLeaving { count: only_revoking, until: until.flatten() }),
    })
}

/// An owner may share at most `quota` distinct resources. Only newly shared backup sets count against it:
/// adding a set that is already in another share, or changing principals, costs nothing.
pub fn check_quota(currently_shared: u32, newly_shared: u32, quota: u32) -> Result<(), Refusal> {
    let requested = currently_shared.saturating_add(newly_shared);
    if newly_shared > 0 && requested > quota {
        return Err(Refusal::QuotaExceeded { limit: quota, requested, leaving: None });
    }
    Ok(())
}

/// The quota as a share request meets it: a backup set already shared (in another share of the owner)
/// costs nothing more; a newly shared one counts.
///
/// `currently_shared` counts every set a share not yet deleted holds, those on their way out too (taken
/// out of a share, or in a share being deleted): each still holds its principals' access until its
/// revocation, so it counts until then, as a principal being revoked counts toward the 64-account limit.
/// `leaving` are those of them held only by what is leaving, each with when it leaves (the storage
/// reads them when the count is at the quota: only then can they change the answer); one whose time has
/// come no longer counts, whether or not the schedule has run its revocation yet. So `backup_set`, when
/// it is one of those, is newly shared again: counted gone, it would otherwise join a share for nothing
/// and the owner hold one set more than its quota until the schedule ran. The refusal says how many
/// still count while leaving, and when the first of them stops.
pub fn check_share_quota(
    backup_set: &BackupSetId,
    already_shared: bool,
    currently_shared: u32,
    quota: u32,
    leaving: &[(BackupSetId, LeavesAt)],
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let gone = |(_, at): &&(BackupSetId, LeavesAt)| !still_holds(*at, now);
    let left_already = leaving.iter().filter(gone).any(|(id, _)| id == backup_set);
    let counted =
        currently_shared.saturating_sub(u32::try_from(leaving.iter().filter(gone).count()).unwrap_or(u32::MAX));
    check_quota(counted, u32::from(!already_shared || left_already), quota).map_err(|refusal| match refusal {
        Refusal::QuotaExceeded { limit, requested, .. } => {
            let still: Vec<LeavesAt> = leaving.iter().map(|(_, at)| *at).filter(|at| still_holds(*at, now)).collect();
            let first = still.iter().flatten().min().copied();
            let leaving = (!still.is_empty()).then_some(StillLeaving { count: still.len(), until: first });
            Refusal::QuotaExceeded { limit, requested, leaving }
        }
        other => other,
    })
}

/// [`shareability`] of a set as a share request meets it. A set already in the share (the owner is
/// changing the share's principals) has its lock judged with the share's other sets by
/// [`super::principal_change_timing`], where a removal during a restore waits instead of being refused.
pub fn shareability_in_share(
    cluster: &ClusterFacts,
    backup: &BackupSetFacts,
    already_in_share: bool,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    if already_in_share {
        shareability(cluster, &BackupSetFacts { lock: BackupLock::None, ..backup.clone() }, now)
    } else {
        shareability(cluster, backup, now)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::Policy;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn a_set_already_shared_elsewhere_costs_no_quota() {
        assert!(check_share_quota(&backup().id, true, 1000, 1000, &[], NOW).is_ok());
        assert_eq!(
            check_share_quota(&backup().id, false, 1000, 1000, &[], NOW).unwrap_err().code(),
            "QuotaExceeded.SharedResource.Count"
        );
    }

    #[test]
    fn a_locked_set_already_in_the_share_is_judged_with_the_shares_other_sets() {
        let (cluster, mut backup) = (cluster(), backup());
        backup.lock = BackupLock::Restoring;
        assert_eq!(
            shareability_in_share(&cluster, &backup, false, NOW).unwrap_err().code(),
            "OperationDenied.BackupSetLocked"
        );
        assert!(shareability_in_share(&cluster, &backup, true, NOW).is_ok());
    }

    const NOW: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    fn account(n: u64) -> AccountId {
        AccountId::parse(&format!("{n:016}")).unwrap()
    }

    /// A healthy cluster and set, the starting point other rules' tests vary too.
    pub(crate) fn cluster() -> ClusterFacts {
        ClusterFacts {
            edition: Edition::Cluster,
            ha_mode: HaMode::MultiZone,
            tde_enabled: false,
            disk_encryption_enabled: false,
            status: ClusterStatus::Running,
        }
    }

    pub(crate) fn backup() -> BackupSetFacts {
        BackupSetFacts {
            id: BackupSetId::parse("1000001").unwrap(),
            status: BackupStatus::Success,
            expires_at: datetime!(2027-01-01 00:00 UTC),
            lock: BackupLock::None,
            deleted: false,
        }
    }

    fn owner() -> OwnerFacts {
        OwnerFacts {
            account_id: account(1),
            site: Site::China,
            beta_enabled: true,
            share_quota: 1000,
            directory_id: Some("rd-owner".into()),
        }
    }

    fn root() -> Actor {
        Actor { account_id: account(1), is_root: true, policies: vec![] }
    }

    fn principal(n: u64) -> PrincipalFacts {
        PrincipalFacts {
            id: PrincipalId::Account(account(n)),
            exists: true,
            site: Some(Site::China),
            directory_id: None,
        }
    }

    fn member(n: u64) -> PrincipalFacts {
        PrincipalFacts { directory_id: Some("rd-owner".into()), ..principal(n) }
    }

    fn code_of<T: std::fmt::Debug>(r: Result<T, Refusal>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn an_active_backup_of_a_plain_cluster_can_be_shared() {
        assert_eq!(shareability(&cluster(), &backup(), NOW), Ok(()));
    }

    #[test]
    fn a_limitless_edition_cluster_cannot_share() {
        let c = ClusterFacts { edition: Edition::Limitless, ..cluster() };
        assert_eq!(code_of(shareability(&c, &backup(), NOW)), "OperationDenied.ClusterEdition");
    }

    #[test]
    fn a_three_zone_cluster_with_hot_standby_cannot_share() {
        let c = ClusterFacts { ha_mode: HaMode::ThreeZoneHotStandby, ..cluster() };
        assert_eq!(code_of(shareability(&c, &backup(), NOW)), "OperationDenied.ClusterHaMode");
    }

    #[test]
    fn a_cluster_in_the_recycle_bin_cannot_share() {
        let c = ClusterFacts { status: ClusterStatus::Recycled, ..cluster() };
        assert_eq!(code_of(shareability(&c, &backup(), NOW)), "OperationDenied.ClusterInRecycleBin");
    }

    #[test]
    fn tde_blocks_sharing() {
        let c = ClusterFacts { tde_enabled: true, ..cluster() };
        assert_eq!(code_of(shareability(&c, &backup(), NOW)), "OperationDenied.TDEEnabled");
    }

    #[test]
    fn disk_encryption_blocks_sharing() {
        let c = ClusterFacts { disk_encryption_enabled: true, ..cluster() };
        assert_eq!(code_of(shareability(&c, &backup(), NOW)), "OperationDenied.DiskEncryptionEnabled");
    }

    #[test]
    fn a_cluster_refusal_is_what_every_set_of_the_cluster_is_refused_with() {
        let c = ClusterFacts { tde_enabled: true, ..cluster() };
        let failed = BackupSetFacts { status: BackupStatus::Failed, ..backup() };
        assert_eq!(code_of(cluster_shareability(&c)), "OperationDenied.TDEEnabled");
        assert_eq!(cluster_shareability(&c), shareability(&c, &failed, NOW));
        assert_eq!(cluster_shareability(&cluster()), Ok(()));
    }

    #[test]
    fn a_failed_backup_is_not_active() {
        let b = BackupSetFacts { status: BackupStatus::Failed, ..backup() };
        assert_eq!(code_of(shareability(&cluster(), &b, NOW)), "OperationDenied.BackupSetNotActive");
    }

    #[test]
    fn a_deleted_backup_is_not_active() {
        let b = BackupSetFacts { deleted: true, ..backup() };
        assert_eq!(code_of(shareability(&cluster(), &b, NOW)), "OperationDenied.BackupSetNotActive");
    }

    #[test]
    fn a_backup_that_expired_at_this_instant_cannot_be_shared() {
        let b = BackupSetFacts { expires_at: NOW, ..backup() };
        assert_eq!(code_of(shareability(&cluster(), &b, NOW)), "OperationDenied.BackupSetExpired");
    }

    #[test]
    fn a_backup_being_restored_from_is_locked() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        let err = shareability(&cluster(), &b, NOW).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.BackupSetLocked");
        assert!(err.to_string().contains("restored"));
    }

    #[test]
    fn a_locked_backup_set_refuses_a_share_change_by_name() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        let err = shareability(&cluster(), &b, NOW).unwrap_err();
        assert!(err.to_string().contains("sharing settings cannot be changed"), "{err}");
    }

    #[test]
    fn each_locked_operation_is_named_in_its_refusal() {
        let id = backup().id;
        let said = |op| check_unlocked_for(&id, BackupLock::Restoring, op).unwrap_err().to_string();
        assert!(said(LockedOperation::Delete).contains("cannot be deleted"));
        assert!(said(LockedOperation::LevelConversion).contains("cannot be converted to level-2"));
        assert!(said(LockedOperation::Restore).contains("no new restore can start"));
        assert!(said(LockedOperation::ReleaseCluster).contains("cluster cannot be released"));
        for op in [
            LockedOperation::Delete,
            LockedOperation::LevelConversion,
            LockedOperation::Restore,
            LockedOperation::ReleaseCluster,
        ] {
            assert!(!said(op).contains("sharing settings"), "{op:?}: {}", said(op));
            assert_eq!(
                check_unlocked_for(&id, BackupLock::Restoring, op).unwrap_err().code(),
                "OperationDenied.BackupSetLocked"
            );
        }
        assert!(check_unlocked_for(&id, BackupLock::None, LockedOperation::Delete).is_ok());
    }

    #[test]
    fn a_backup_being_converted_to_level_2_is_locked() {
        let b = BackupSetFacts { lock: BackupLock::ConvertingLevel, ..backup() };
        assert!(shareability(&cluster(), &b, NOW).unwrap_err().to_string().contains("level-2"));
    }

    #[test]
    fn a_cross_region_copy_cannot_be_shared() {
        let b = BackupSetFacts { id: BackupSetId::parse("rp-7x2k").unwrap(), ..backup() };
        assert_eq!(code_of(shareability(&cluster(), &b, NOW)), "OperationDenied.CrossRegionBackupSet");
    }

    #[test]
    fn a_backup_set_shared_with_me_cannot_be_shared_again() {
        let r = check_sharer(&root(), &owner(), BackupSetAccess::SharedWithActor, &backup().id);
        assert_eq!(code_of(r), "OperationDenied.SecondarySharing");
    }

    #[test]
    fn another_accounts_backup_set_looks_like_it_does_not_exist() {
        let r = check_sharer(&root(), &owner(), BackupSetAccess::NotVisible, &backup().id);
        assert_eq!(r.unwrap_err().kind(), crate::domain::ErrorKind::NotFound);
    }

    #[test]
    fn an_owner_without_the_beta_cannot_share() {
        let o = OwnerFacts { beta_enabled: false, ..owner() };
        let r = check_sharer(&root(), &o, BackupSetAccess::Owned, &backup().id);
        assert_eq!(code_of(r), "OperationDenied.SharedBackupNotEnabled");
    }

    #[test]
    fn a_ram_user_missing_the_resource_center_policy_cannot_share() {
        let actor = Actor { is_root: false, policies: vec![Policy::PolardbFullAccess], ..root() };
        let r = check_sharer(&actor, &owner(), BackupSetAccess::Owned, &backup().id);
        assert!(r.unwrap_err().to_string().contains("AliyunResourceCenterFullAccess"));
    }

    #[test]
    fn an_identity_that_may_not_share_is_refused_as_such_before_the_set_is_looked_at() {
        // Whether the set exists or is shared with the account is none of its business.
        let actor = Actor { is_root: false, policies: vec![], ..root() };
        for access in [BackupSetAccess::NotVisible, BackupSetAccess::SharedWithActor, BackupSetAccess::Owned] {
            assert_eq!(code_of(check_sharer(&actor, &owner(), access, &backup().id)), "Forbidden.RAM", "{access:?}");
        }
    }

    #[test]
    fn sharing_with_yourself_is_refused() {
        let r = check_principals(&owner(), PrincipalScope::AllAccounts, &[principal(1)], true);
        assert_eq!(code_of(r), "ShareWithYourself");
    }

    #[test]
    fn an_unknown_principal_is_refused() {
        let p = PrincipalFacts { exists: false, site: None, ..principal(9) };
        assert_eq!(
            code_of(check_principals(&owner(), PrincipalScope::AllAccounts, &[p], true)),
            "EntityNotExists.Target"
        );
    }

    #[test]
    fn a_folder_or_directory_id_that_exists_nowhere_reads_as_one_outside_the_directory() {
        for id in ["fd-nosuchfold", "rd-nosuchdir"] {
            let missing =
                PrincipalFacts { id: PrincipalId::parse(id).unwrap(), exists: false, site: None, directory_id: None };
            let elsewhere =
                PrincipalFacts { exists: true, directory_id: Some("rd-elsewhere".into()), ..missing.clone() };
            for scope in [PrincipalScope::AllAccounts, PrincipalScope::ResourceDirectory] {
                for p in [&missing, &elsewhere] {
                    assert_eq!(
                        code_of(check_principals(&owner(), scope, std::slice::from_ref(p), true)),
                        "InvalidTarget",
                        "{id} {scope:?} {p:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_principal_on_the_international_site_is_refused() {
        let p = PrincipalFacts { site: Some(Site::International), ..principal(2) };
        let r = check_principals(&owner(), PrincipalScope::AllAccounts, &[p], true);
        assert_eq!(code_of(r), "InvalidTarget.SiteMismatch");
    }

    #[test]
    fn a_principal_outside_the_directory_is_refused_with_the_directory_scope() {
        let r = check_principals(&owner(), PrincipalScope::ResourceDirectory, &[principal(2)], true);
        assert_eq!(code_of(r), "InvalidTarget");
    }

    #[test]
    fn the_directory_scope_needs_the_owner_to_be_in_a_directory() {
        let o = OwnerFacts { directory_id: None, ..owner() };
        let r = check_principals(&o, PrincipalScope::ResourceDirectory, &[member(2)], true);
        assert_eq!(code_of(r), "AccountNotInResourceDirectory");
    }

    #[test]
    fn another_directorys_folder_is_refused_even_with_all_accounts() {
        let folder = PrincipalFacts {
            id: PrincipalId::parse("fd-other").unwrap(),
            exists: true,
            site: None,
            directory_id: Some("rd-other".into()),
        };
        assert_eq!(code_of(check_principals(&owner(), PrincipalScope::AllAccounts, &[folder], true)), "InvalidTarget");
    }

    #[test]
    fn members_in_the_directory_scope_are_associated_without_invitation() {
        let plan = check_principals(&owner(), PrincipalScope::ResourceDirectory, &[member(2)], true).unwrap();
        assert_eq!(plan[0].1, PrincipalTargetKind::Direct);
    }

    #[test]
    fn accounts_outside_the_directory_shared_with_all_accounts_scope_must_accept_an_invitation() {
        let plan = check_principals(&owner(), PrincipalScope::AllAccounts, &[principal(2)], true).unwrap();
        assert_eq!(plan[0].1, PrincipalTargetKind::MustAccept);
    }

    #[test]
    fn directory_members_shared_with_all_accounts_scope_are_accepted_by_the_directory() {
        let plan = check_principals(&owner(), PrincipalScope::AllAccounts, &[member(3)], true).unwrap();
        assert_eq!(plan[0].1, PrincipalTargetKind::AcceptedByDirectory);
    }

    #[test]
    fn only_an_account_outside_the_owners_directory_must_accept() {
        let (account, folder) = (place("1000000000000003"), place("fd-team"));
        assert!(must_accept_invitation(Some("rd-owner"), &account, None));
        assert!(must_accept_invitation(Some("rd-owner"), &account, Some("rd-other")));
        assert!(must_accept_invitation(None, &account, None), "an owner in no directory has no members");
        assert!(!must_accept_invitation(Some("rd-owner"), &account, Some("rd-owner")));
        assert!(!must_accept_invitation(Some("rd-owner"), &folder, Some("rd-owner")));
    }

    #[test]
    fn a_new_share_needs_a_principal() {
        assert_eq!(
            code_of(check_principals(&owner(), PrincipalScope::AllAccounts, &[], true)),
            "MissingParameter.Targets"
        );
        assert!(check_principals(&owner(), PrincipalScope::AllAccounts, &[], false).is_ok());
    }

    #[test]
    fn a_principal_listed_twice_is_refused() {
        let r = check_principals(&owner(), PrincipalScope::AllAccounts, &[principal(2), principal(2)], true);
        assert_eq!(code_of(r), "InvalidParameter.Targets.Duplicate");
    }

    fn ids(range: std::ops::Range<u64>) -> BTreeSet<PrincipalId> {
        range.map(|n| PrincipalId::Account(account(n))).collect()
    }

    fn place(id: &str) -> PrincipalId {
        PrincipalId::parse(id).unwrap()
    }

    /// A folder and the directory holding it, with these members.
    fn places(folder: std::ops::Range<u64>, directory: std::ops::Range<u64>) -> PlaceMembers {
        [(place("fd-team"), folder.map(account).collect()), (place("rd-owner"), directory.map(account).collect())]
            .into()
    }

    /// The limit for a set not yet in the share (`share_now` empty).
    fn limit(
        members: &PlaceMembers,
        others: &BTreeSet<PrincipalId>,
        wanted: &BTreeSet<PrincipalId>,
    ) -> Result<(), Refusal> {
        let owner = owner().account_id;
        check_principal_limit(
            &Reach { owner: &owner, members },
            &backup().id,
            others,
            &BTreeSet::new(),
            wanted,
            &[],
            NOW,
        )
    }

    #[test]
    fn sixty_four_principals_on_one_backup_set_are_allowed() {
        assert!(limit(&PlaceMembers::new(), &ids(100..132), &ids(200..232)).is_ok());
    }

    #[test]
    fn a_sixty_fifth_principal_is_refused() {
        let err = limit(&PlaceMembers::new(), &ids(100..132), &ids(200..233)).unwrap_err();
        assert_eq!(err.code(), "QuotaExceeded.SharedTarget.Count");
        assert_eq!(
            err,
            Refusal::PrincipalLimit { backup_set: "1000001".into(), requested: 65, limit: 64, revoking: None }
        );
    }

    #[test]
    fn a_principal_in_two_shares_of_the_same_backup_set_counts_once() {
        assert!(limit(&PlaceMembers::new(), &ids(100..164), &ids(100..164)).is_ok());
    }

    #[test]
    fn a_folder_counts_as_the_accounts_it_reaches() {
        let members = places(300..363, 0..0);
        let with_folder: BTreeSet<PrincipalId> = [place("fd-team")].into();
        // 63 members and one account: 64.
        assert!(limit(&members, &ids(100..101), &with_folder).is_ok());
        let err = limit(&members, &ids(100..102), &with_folder).unwrap_err();
        assert_eq!(
            err,
            Refusal::PrincipalLimit { backup_set: "1000001".into(), requested: 65, limit: 64, revoking: None }
        );
        assert!(err.to_string().contains("would be shared with 65 accounts"), "{err}");
    }

    #[test]
    fn an_account_reached_both_by_name_and_through_a_directory_counts_once() {
        let members = places(0..0, 300..364);
        // The directory's 64 members, named one by one in other shares: still 64.
        assert!(limit(&members, &ids(300..364), &[place("rd-owner")].into()).is_ok());
        let one_more: BTreeSet<PrincipalId> = ids(299..300).into_iter().chain([place("rd-owner")]).collect();
        assert_eq!(limit(&members, &ids(301..364), &one_more).unwrap_err().code(), "QuotaExceeded.SharedTarget.Count");
    }

    #[test]
    fn the_owner_is_not_one_of_the_accounts_its_directory_reaches() {
        // The owner (account 1) and 64 others are members.
        let members: PlaceMembers = [(place("rd-owner"), (300..364).chain([1]).map(account).collect())].into();
        assert!(limit(&members, &BTreeSet::new(), &[place("rd-owner")].into()).is_ok());
    }

    #[test]
    fn a_directory_or_folder_whose_members_are_not_known_reaches_no_one() {
        assert!(limit(&PlaceMembers::new(), &ids(100..164), &[place("fd-elsewhere")].into()).is_ok());
    }

    #[test]
    fn a_set_over_the_limit_because_a_folder_grew_may_lose_accounts_but_gain_none() {
        // Shared with the folder (now 70 members) and two accounts by name, through this share.
        let members = places(300..370, 0..0);
        let owner = owner().account_id;
        let reach = Reach { owner: &owner, members: &members };
        let now: BTreeSet<PrincipalId> = ids(100..102).into_iter().chain([place("fd-team")]).collect();
        let check = |after: &BTreeSet<PrincipalId>| {
            check_principal_limit(&reach, &backup().id, &BTreeSet::new(), &now, after, &[], NOW)
        };
        assert!(check(&now).is_ok(), "the share as it is stands");
        assert!(check(&ids(100..101).into_iter().chain([place("fd-team")]).collect()).is_ok(), "an account taken away");
        let swapped: BTreeSet<PrincipalId> = ids(101..103).into_iter().chain([place("fd-team")]).collect();
        assert_eq!(
            check(&swapped).unwrap_err(),
            Refusal::PrincipalLimit { backup_set: "1000001".into(), requested: 72, limit: 64, revoking: None }
        );
        let err = check(&ids(100..103).into_iter().chain([place("fd-team")]).collect()).unwrap_err();
        assert_eq!(err.code(), "QuotaExceeded.SharedTarget.Count");
        // Joining another share with the same principals, the set reaches no one new.
        let share_of_same =
            check_principal_limit(&reach, &backup().id, &now, &BTreeSet::new(), &ids(100..101), &[], NOW);
        assert!(share_of_same.is_ok());
    }

    #[test]
    fn the_quota_allows_sharing_up_to_the_limit() {
        assert!(check_quota(999, 1, 1000).is_ok());
    }

    #[test]
    fn the_quota_refuses_one_more_than_the_limit() {
        assert_eq!(code_of(check_quota(1000, 1, 1000)), "QuotaExceeded.SharedResource.Count");
    }

    #[test]
    fn the_raised_quota_allows_1024() {
        assert!(check_quota(1023, 1, 1024).is_ok());
        assert!(check_quota(1024, 1, 1024).is_err());
    }

    #[test]
    fn changing_principals_costs_no_quota_even_at_the_limit() {
        assert!(check_quota(1000, 0, 1000).is_ok());
    }

    const IN_FIVE: OffsetDateTime = datetime!(2026-11-25 08:05 UTC);

    /// Other sets of the owner's held only by what is leaving, one leaving at each of `at`.
    fn leaving_sets(at: &[LeavesAt]) -> Vec<(BackupSetId, LeavesAt)> {
        at.iter().enumerate().map(|(n, at)| (BackupSetId::parse(&format!("200000{n}")).unwrap(), *at)).collect()
    }

    /// The limit for a set not yet in the share, with these still being revoked from it.
    fn limit_revoking(
        members: &PlaceMembers,
        others: &BTreeSet<PrincipalId>,
        wanted: &BTreeSet<PrincipalId>,
        revoking: &[(PrincipalId, LeavesAt)],
        now: OffsetDateTime,
    ) -> Result<(), Refusal> {
        let owner = owner().account_id;
        check_principal_limit(
            &Reach { owner: &owner, members },
            &backup().id,
            others,
            &BTreeSet::new(),
            wanted,
            revoking,
            now,
        )
    }

    fn leaving(range: std::ops::Range<u64>, at: LeavesAt) -> Vec<(PrincipalId, LeavesAt)> {
        ids(range).into_iter().map(|p| (p, at)).collect()
    }

    #[test]
    fn an_account_being_revoked_counts_toward_the_64_until_its_revocation_time() {
        // 62 accounts hold the set, 1 more is being revoked (until 08:05): a 64th may join, not a 65th.
        let revoking = leaving(400..401, Some(IN_FIVE));
        assert!(limit_revoking(&PlaceMembers::new(), &ids(100..162), &ids(200..201), &revoking, NOW).is_ok());
        let err = limit_revoking(&PlaceMembers::new(), &ids(100..162), &ids(200..202), &revoking, NOW).unwrap_err();
        assert_eq!(err.code(), "QuotaExceeded.SharedTarget.Count");
        assert_eq!(
            err,
            Refusal::PrincipalLimit {
                backup_set: "1000001".into(),
                requested: 65,
                limit: 64,
                revoking: Some(StillLeaving { count: 1, until: Some(IN_FIVE) })
            }
        );
        assert!(
            err.to_string()
                .contains("and 1 account still being revoked (it keeps access, and counts, until 08:05 UTC)"),
            "{err}"
        );
        // From its revocation time it holds nothing, whether or not the schedule has run yet.
        assert!(limit_revoking(&PlaceMembers::new(), &ids(100..162), &ids(200..202), &revoking, IN_FIVE).is_ok());
        // Being revoked from one share while a principal of another, it counts once, and not as revoking.
        let also_live = leaving(100..101, Some(IN_FIVE));
        let err = limit_revoking(&PlaceMembers::new(), &ids(100..163), &ids(200..202), &also_live, NOW).unwrap_err();
        assert!(matches!(err, Refusal::PrincipalLimit { requested: 65, revoking: None, .. }), "{err:?}");
    }

    #[test]
    fn a_folder_being_revoked_counts_its_members_until_its_revocation_time() {
        let members = places(300..310, 0..0);
        let revoking = vec![(place("fd-team"), Some(IN_FIVE))];
        let err = limit_revoking(&members, &ids(100..155), &ids(200..201), &revoking, NOW).unwrap_err();
        assert_eq!(
            err,
            Refusal::PrincipalLimit {
                backup_set: "1000001".into(),
                requested: 66,
                limit: 64,
                revoking: Some(StillLeaving { count: 10, until: Some(IN_FIVE) })
            }
        );
        assert!(
            err.to_string()
                .contains("and 10 accounts still being revoked (they keep access, and count, until 08:05 UTC)"),
            "{err}"
        );
        assert!(limit_revoking(&members, &ids(100..155), &ids(200..201), &revoking, IN_FIVE).is_ok());
    }

    #[test]
    fn an_account_whose_revocation_waits_for_a_restore_counts_until_the_restore_ends() {
        let revoking = leaving(400..402, None);
        let later = datetime!(2026-11-26 08:00 UTC);
        let err = limit_revoking(&PlaceMembers::new(), &ids(100..162), &ids(200..201), &revoking, later).unwrap_err();
        assert!(
            matches!(err, Refusal::PrincipalLimit { revoking: Some(StillLeaving { count: 2, until: None }), .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("until their revocation, which waits for the restore reading the set to end"),
            "{err}"
        );
    }

    #[test]
    fn the_latest_revocation_is_when_the_accounts_being_revoked_stop_counting() {
        let later = datetime!(2026-11-25 08:09 UTC);
        let revoking: Vec<_> =
            leaving(400..401, Some(IN_FIVE)).into_iter().chain(leaving(401..402, Some(later))).collect();
        let err = limit_revoking(&PlaceMembers::new(), &ids(100..162), &ids(200..202), &revoking, NOW).unwrap_err();
        assert!(
            matches!(err, Refusal::PrincipalLimit { revoking: Some(StillLeaving { count: 2, until: Some(t) }), .. } if t == later),
            "{err:?}"
        );
    }

    #[test]
    fn a_set_on_its_way_out_counts_toward_the_quota_until_its_revocation_time() {
        let err = check_share_quota(&backup().id, false, 1000, 1000, &leaving_sets(&[Some(IN_FIVE)]), NOW).unwrap_err();
        assert_eq!(err.code(), "QuotaExceeded.SharedResource.Count");
        assert_eq!(
            err,
            Refusal::QuotaExceeded {
                limit: 1000,
                requested: 1001,
                leaving: Some(StillLeaving { count: 1, until: Some(IN_FIVE) })
            }
        );
        assert!(
            err.to_string().contains("counting 1 backup set still being taken out of a share or in a share being deleted (it counts until 08:05 UTC)"),
            "{err}"
        );
        // From its revocation time it no longer counts, whether or not the schedule has run yet.
        assert!(check_share_quota(&backup().id, false, 1000, 1000, &leaving_sets(&[Some(IN_FIVE)]), IN_FIVE).is_ok());
    }

    #[test]
    fn a_set_whose_revocation_time_has_come_is_newly_shared_when_it_joins_a_share_again() {
        // One of the owner's sets held only by its way out: while it still holds, sharing it again costs nothing.
        let own = vec![(backup().id, Some(IN_FIVE))];
        assert!(check_share_quota(&backup().id, true, 1000, 1000, &own, NOW).is_ok());
        // Once its time came the owner shared another (the count, the set still in it until the schedule
        // runs, is past the quota): counted gone, the set is newly shared again and costs one.
        let err = check_share_quota(&backup().id, true, 1001, 1000, &own, IN_FIVE).unwrap_err();
        assert_eq!(err, Refusal::QuotaExceeded { limit: 1000, requested: 1001, leaving: None });
    }

    #[test]
    fn a_set_whose_revocation_waits_for_a_restore_counts_toward_the_quota_until_then() {
        let err =
            check_share_quota(&backup().id, false, 1000, 1000, &leaving_sets(&[None]), datetime!(2026-11-26 08:00 UTC))
                .unwrap_err();
        assert_eq!(
            err,
            Refusal::QuotaExceeded {
                limit: 1000,
                requested: 1001,
                leaving: Some(StillLeaving { count: 1, until: None })
            }
        );
        assert!(err.to_string().contains("which waits for a restore reading it to end"), "{err}");
    }

    #[test]
    fn of_several_sets_on_their_way_out_the_first_to_leave_says_when_one_can_be_shared() {
        let later = datetime!(2026-11-25 08:09 UTC);
        let err =
            check_share_quota(&backup().id, false, 1000, 1000, &leaving_sets(&[Some(later), None, Some(IN_FIVE)]), NOW)
                .unwrap_err();
        assert!(
            matches!(err, Refusal::QuotaExceeded { leaving: Some(StillLeaving { count: 3, until: Some(t) }), .. } if t == IN_FIVE),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("counting 3 backup sets still being taken out of shares or in shares being deleted"),
            "{err}"
        );
        assert!(err.to_string().contains("the first stops counting at 08:05 UTC"), "{err}");
        // One of them gone: the owner is back under the quota.
        assert!(check_share_quota(
            &backup().id,
            false,
            1000,
            1000,
            &leaving_sets(&[Some(later), None, Some(IN_FIVE)]),
            IN_FIVE
        )
        .is_ok());
    }

    proptest! {
        #[test]
        fn what_the_rules_say_of_a_set_holds_until_the_time_they_name(
            expires_in in -100i64..100,
            later in 0i64..200,
            status in prop_oneof![Just(BackupStatus::Success), Just(BackupStatus::Failed)],
            lock in prop_oneof![Just(BackupLock::None), Just(BackupLock::Restoring), Just(BackupLock::ConvertingLevel)],
            level in prop_oneof![Just(crate::domain::BackupLevel::Level1), Just(crate::domain::BackupLevel::Level2)],
            deleted in any::<bool>(),
        ) {
            let now = time::macros::datetime!(2026-11-27 12:00 UTC);
            let backup = BackupSetFacts {
                id: BackupSetId::parse("3200000001").unwrap(),
                status,
                expires_at: now + time::Duration::seconds(expires_in),
                lock,
                deleted,
            };
            let cluster = cluster();
            let then = now + time::Duration::seconds(later);
            let holds = rules_hold_until(&backup, now).is_none_or(|until| then < until);
            if holds {
                prop_assert_eq!(shareability(&cluster, &backup, now), shareability(&cluster, &backup, then));
                prop_assert_eq!(
                    crate::domain::check_level_conversion(&cluster, &backup, level, now),
                    crate::domain::check_level_conversion(&cluster, &backup, level, then)
                );
            }
        }
    }

    proptest! {
        /// Applying a random stream of "share this backup set with these principals through share k"
        /// requests, accepting only those the rule allows, never leaves a backup set reaching more than
        /// 64 accounts, the members of the directory and folders it is shared with counted, while their
        /// membership stays as it is; nor, with time passing between requests, the principals a request
        /// took out, which keep the set for the revocation's ten minutes (account 1, the owner, is a
        /// member of its directory like any other).
        #[test]
        fn no_backup_set_ever_reaches_more_than_64_accounts(
            folders in proptest::collection::vec(proptest::collection::btree_set(0u64..200, 0..50), 3),
            requests in proptest::collection::vec(
                (0usize..4, proptest::collection::btree_set(0u64..120, 0..40), proptest::collection::btree_set(0usize..3, 0..3), 0i64..8),
                1..60,
            )
        ) {
            let names = ["fd-a", "fd-b", "rd-owner"];
            let members: PlaceMembers =
                names.iter().zip(&folders).map(|(p, m)| (place(p), m.iter().map(|n| account(n + 1)).collect())).collect();
            let owner = owner().account_id;
            let reach = Reach { owner: &owner, members: &members };
            let mut shares: Vec<BTreeSet<PrincipalId>> = vec![BTreeSet::new(); 4];
            let mut revoking: Vec<(PrincipalId, LeavesAt)> = Vec::new();
            let mut now = NOW;
            for (k, wanted, wanted_places, minutes) in requests {
                now += time::Duration::minutes(minutes);
                let wanted: BTreeSet<PrincipalId> = wanted.into_iter().map(|n| PrincipalId::Account(account(n + 10)))
                    .chain(wanted_places.into_iter().map(|i| place(names[i]))).collect();
                let others: BTreeSet<PrincipalId> =
                    shares.iter().enumerate().filter(|(i, _)| *i != k).flat_map(|(_, s)| s.iter().cloned()).collect();
                let removed: Vec<(PrincipalId, LeavesAt)> =
                    shares[k].difference(&wanted).map(|p| (p.clone(), Some(now + time::Duration::minutes(10)))).collect();
                let asked: Vec<(PrincipalId, LeavesAt)> = revoking.iter().cloned().chain(removed.iter().cloned()).collect();
                if check_principal_limit(&reach, &backup().id, &others, &shares[k], &wanted, &asked, now).is_ok() {
                    shares[k] = wanted;
                    revoking.extend(removed);
                }
                let holding = revoking.iter().filter(|(_, at)| still_holds(*at, now)).map(|(p, _)| p);
                prop_assert!(reach.accounts(shares.iter().flatten().chain(holding)).len() <= MAX_ACCOUNTS_PER_BACKUP_SET);
            }
        }

        /// With members joining the directory and folders between requests, a set may come to reach
        /// more than 64 accounts; from then on no accepted request makes it reach an account it did
        /// not reach before.
        #[test]
        fn a_set_over_the_limit_never_gains_an_account_by_a_request(
            requests in proptest::collection::vec(
                (0usize..4, proptest::collection::btree_set(0u64..100, 0..20), proptest::collection::btree_set(0usize..3, 0..3), 0usize..3, 0u64..300),
                1..60,
            )
        ) {
            let names = ["fd-a", "fd-b", "rd-owner"];
            let mut members: PlaceMembers = names.iter().map(|p| (place(p), BTreeSet::new())).collect();
            let owner = owner().account_id;
            let mut shares: Vec<BTreeSet<PrincipalId>> = vec![BTreeSet::new(); 4];
            for (k, wanted, wanted_places, grows, joiner) in requests {
                // An account joins a folder (and so the directory) before the request.
                members.get_mut(&place(names[grows])).unwrap().insert(account(joiner + 1000));
                members.get_mut(&place("rd-owner")).unwrap().insert(account(joiner + 1000));
                let reach = Reach { owner: &owner, members: &members };
                let wanted: BTreeSet<PrincipalId> = wanted.into_iter().map(|n| PrincipalId::Account(account(n + 10)))
                    .chain(wanted_places.into_iter().map(|i| place(names[i]))).collect();
                let others: BTreeSet<PrincipalId> =
                    shares.iter().enumerate().filter(|(i, _)| *i != k).flat_map(|(_, s)| s.iter().cloned()).collect();
                let before: BTreeSet<AccountId> = reach.accounts(shares.iter().flatten()).into_iter().cloned().collect();
                if check_principal_limit(&reach, &backup().id, &others, &shares[k], &wanted, &[], NOW).is_ok() {
                    shares[k] = wanted;
                }
                let after: BTreeSet<AccountId> = reach.accounts(shares.iter().flatten()).into_iter().cloned().collect();
                prop_assert!(after.len() <= MAX_ACCOUNTS_PER_BACKUP_SET || after.is_subset(&before));
            }
        }

        #[test]
        fn the_quota_never_lets_usage_pass_the_limit(current in 0u32..1100, new in 0u32..50, quota in 1u32..1025) {
            if check_quota(current, new, quota).is_ok() && new > 0 {
                prop_assert!(current + new <= quota);
            }
        }
    }
}
