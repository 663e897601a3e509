//! The life of a share after it is made: invitations answered or expiring, access being revoked on a
//! schedule, and restores from a shared backup set. Each decision takes `now`; none reads a clock.

use super::text::text_enum;
use super::{Actor, BackupLock, BackupSetFacts, BackupStatus, LockedOperation, Policy, Refusal};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

text_enum!(
    /// An invitation's status, as the Resource Sharing API names it.
    pub enum InvitationStatus {
        Pending = "Pending",
        Accepted = "Accepted",
        Rejected = "Rejected",
        Expired = "Expired",
        Cancelled = "Cancelled",
    }
);

text_enum!(
    /// A restore job's state.
    pub enum RestoreStatus {
        Running = "Running",
        Succeeded = "Succeeded",
        Failed = "Failed",
    }
);

impl InvitationStatus {
    /// What a stored status means at `now`: a pending invitation past its expiry is expired, whether or
    /// not the sweeper has written that down yet.
    pub fn at(self, expires_at: OffsetDateTime, now: OffsetDateTime) -> Self {
        if self == InvitationStatus::Pending && expires_at <= now {
            InvitationStatus::Expired
        } else {
            self
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Reject,
}

/// Answering an invitation acts in Resource Sharing, so a RAM user needs that service's full access:
/// the Shared With Me page's read rule itself (which ListResourceShareInvitations takes too), so an
/// identity answers exactly the invitations it may list.
pub fn check_may_answer_invitations(actor: &Actor) -> Result<(), Refusal> {
    actor.may_open(super::ConsolePage::Invitations)
}

/// Only the receiver of an invitation answers it; to anyone else it does not exist, so invitation ids
/// of other accounts don't leak.
pub fn check_invitation_receiver(actor: &Actor, receiver_account_id: &str) -> Result<(), Refusal> {
    if actor.account_id.as_str() == receiver_account_id {
        Ok(())
    } else {
        Err(Refusal::InvitationNotFound)
    }
}

/// Accepting or rejecting an invitation: allowed only while it is pending and unexpired.
pub fn answer_invitation(
    status: InvitationStatus,
    expires_at: OffsetDateTime,
    answer: Answer,
    now: OffsetDateTime,
) -> Result<InvitationStatus, Refusal> {
    match status.at(expires_at, now) {
        InvitationStatus::Pending => Ok(match answer {
            Answer::Accept => InvitationStatus::Accepted,
            Answer::Reject => InvitationStatus::Rejected,
        }),
        InvitationStatus::Expired => Err(Refusal::InvitationExpired),
        InvitationStatus::Accepted => Err(Refusal::InvitationAlreadyAccepted),
        InvitationStatus::Rejected => Err(Refusal::InvitationAlreadyRejected),
        InvitationStatus::Cancelled => Err(Refusal::InvitationCancelled),
    }
}

/// What a principal may do with a backup set shared with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalAccess {
    /// Shared and accepted (or associated directly): visible, and usable to restore.
    Usable,
    /// Access is being revoked: still visible until the scheduled task runs, but restore is refused.
    Revoking,
}

/// The running restores and queued removals that bear on a new restore from a shared backup set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreHolds {
    /// This principal already has a restore from this set running.
    pub own_restore_running: bool,
    /// An owner's removal in a share holding this set waits for the running restores to end.
    pub removal_queued: bool,
}

/// Who may restore a shared backup set into a new cluster at all (PolarDB administrator), whatever the
/// set: checked before an idempotent retry is answered too, so a token never hands a refused identity
/// the answer of an allowed one.
pub fn check_may_restore(actor: &Actor) -> Result<(), Refusal> {
    if !actor.holds(Policy::PolardbFullAccess) {
        return Err(Refusal::MissingPolicy { missing: Policy::PolardbFullAccess.as_str().to_owned() });
    }
    Ok(())
}

/// What a restore names as the shared set's source (the API's SourceResourceId and optional
/// SourceUid) and what it asks the new cluster's engine to be (the optional DBType and DBVersion): a
/// caller that means another set, or expects another engine than a clone of this set has, is stopped
/// rather than given a cluster of data (or of an engine) it did not ask for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedSource {
    pub cluster_id: String,
    pub owner_account_id: Option<String>,
    pub db_type: Option<String>,
    pub db_version: Option<String>,
}

/// The shared set a restore's own transaction found: what [`NamedSource`] is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundSource<'a> {
    pub backup_set: &'a str,
    pub owner_account_id: &'a str,
    pub cluster_id: &'a str,
    pub db_type: &'a str,
    pub db_version: &'a str,
}

/// Whether the shared set `found` is the source the restore named, of the engine it asked for.
/// Decided on the facts the restore itself reads, so the check and the restore can't see two
/// different sets of shares (nor tell a caller anything of a set not shared with it). The engine's
/// name is matched in any case (`mysql` is MySQL); its version exactly.
pub fn check_named_source(named: &NamedSource, found: FoundSource<'_>) -> Result<(), Refusal> {
    let backup_set = || found.backup_set.to_owned();
    if named.cluster_id != found.cluster_id {
        return Err(Refusal::NotBackupOfSourceCluster { backup_set: backup_set(), cluster: named.cluster_id.clone() });
    }
    if let Some(uid) = named.owner_account_id.as_ref().filter(|uid| *uid != found.owner_account_id) {
        return Err(Refusal::NotOwnedBySourceUid { backup_set: backup_set(), account: uid.clone() });
    }
    if named.db_type.as_ref().is_some_and(|t| !t.eq_ignore_ascii_case(found.db_type)) {
        return Err(Refusal::NotSourceEngine { backup_set: backup_set(), db_type: found.db_type.to_owned() });
    }
    if named.db_version.as_ref().is_some_and(|v| v != found.db_version) {
        return Err(Refusal::NotSourceEngineVersion {
            backup_set: backup_set(),
            db_type: found.db_type.to_owned(),
            db_version: found.db_version.to_owned(),
        });
    }
    Ok(())
}

/// Why a restore finds no backup set shared with the caller under the id it asked for: the caller's
/// own set (not deleted) is its own to restore, and it is told so and how, rather than that the set
/// does not exist; any other id, another account's set or one that exists nowhere, is answered as
/// missing, alike, so the answer tells nothing of other accounts' sets.
pub fn restore_source_not_shared(backup_set: &str, owned_by_caller: bool) -> Refusal {
    let backup_set = backup_set.to_owned();
    if owned_by_caller {
        Refusal::RestoreOwnBackupSet { backup_set }
    } else {
        Refusal::BackupSetNotFound { backup_set }
    }
}

/// Whether this principal may restore from this shared backup set now. `target_region` is where the
/// new cluster would be created.
pub fn check_restore(
    actor: &Actor,
    access: PrincipalAccess,
    backup: &BackupSetFacts,
    holds: RestoreHolds,
    backup_region: &str,
    target_region: &str,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    check_may_restore(actor)?;
    if access == PrincipalAccess::Revoking {
        return Err(Refusal::AccessBeingRevoked { backup_set: backup.id.to_string() });
    }
    if backup_region != target_region {
        return Err(Refusal::CrossRegionRestore { region: backup_region.to_owned() });
    }
    if backup.deleted || backup.status != BackupStatus::Success {
        return Err(Refusal::BackupSetNotActive { backup_set: backup.id.to_string() });
    }
    if backup.expires_at <= now {
        return Err(Refusal::BackupSetExpired { backup_set: backup.id.to_string() });
    }
    // While restores run the set's sharing can't change, so a principal must not be able to hold that
    // lock forever: one running restore per principal and set, and none at all once an owner's removal
    // waits for the running ones to end.
    if holds.own_restore_running {
        return Err(Refusal::RestoreAlreadyRunning { backup_set: backup.id.to_string() });
    }
    if holds.removal_queued {
        return Err(Refusal::RemovalWaitsForRestore { backup_set: backup.id.to_string() });
    }
    // Principals may restore side by side (the set stays locked until the last restore ends); a level
    // conversion holds the set on its own.
    match backup.lock {
        BackupLock::None | BackupLock::Restoring => Ok(()),
        BackupLock::ConvertingLevel => backup.check_unlocked_for(LockedOperation::Restore),
    }
}

/// The lock a principal is shown on a backup set shared with it: the owner's level conversion (which
/// holds every restore), or a restore of its own. Another account's restore from the set is that
/// account's business and does not stop this principal's own: shown as no lock, so no principal learns
/// when another restores (nor, by it, that the set is shared with another account).
pub fn lock_shown_to_principal(lock: BackupLock, own_restore_running: bool) -> BackupLock {
    match lock {
        BackupLock::Restoring if !own_restore_running => BackupLock::None,
        lock => lock,
    }
}

/// When an owner's change to a share's principals takes effect, given the locks on the share's sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalTiming {
    /// Now: removed principals enter the scheduled revocation at once.
    Now,
    /// A restore is reading one of the share's sets: removals wait until the restores end, then enter the
    /// scheduled revocation (the scheduler applies them in the transaction that ends the last restore).
    AfterRestore,
}

/// A principal change to a share whose sets may be locked. Adding principals (or any change while a set
/// is being converted) is refused while locked; removing them during a restore is queued.
pub fn principal_change_timing(
    adding: bool,
    locks: &[(super::BackupSetId, BackupLock)],
) -> Result<RemovalTiming, Refusal> {
    let mut timing = RemovalTiming::Now;
    for (id, lock) in locks {
        match lock {
            BackupLock::None => {}
            BackupLock::Restoring if !adding => timing = RemovalTiming::AfterRestore,
            _ => super::check_unlocked(id, *lock)?,
        }
    }
    Ok(timing)
}

/// When the principals that a departure takes from one share (its owner left or was removed from the
/// resource directory, a member that the share names by account id did, or an invited principal left
/// the share itself) enter the scheduled revocation, given the locks of the share's sets. The rule is the one every removal follows: while a
/// restore reads one of the share's sets, the revocation waits for the restores to end (the scheduler
/// then starts it, as for a removal the owner made during a restore). Unlike an owner's change, a
/// departure is never refused: a set whose level is being converted holds nothing back, since the
/// conversion reads no principal's access.
pub fn departure_timing(locks: impl IntoIterator<Item = BackupLock>) -> RemovalTiming {
    if locks.into_iter().any(|lock| lock == BackupLock::Restoring) {
        RemovalTiming::AfterRestore
    } else {
        RemovalTiming::Now
    }
}

/// Deleting a backup set: not while it is locked (a restore reads it, or its level is being converted).
pub fn check_delete_backup(backup: &BackupSetFacts) -> Result<(), Refusal> {
    if backup.deleted {
        return Err(Refusal::BackupSetNotFound { backup_set: backup.id.to_string() });
    }
    backup.check_unlocked_for(LockedOperation::Delete)
}

/// Releasing a cluster (to the recycle bin): not twice, not while it is still being created (a restore
/// is copying a shared backup set into it: released, it would end in the recycle bin with its restore
/// succeeding and charged), and not while any of its backup sets is locked.
pub fn check_release_cluster(
    status: super::ClusterStatus,
    locks: &[(super::BackupSetId, BackupLock)],
) -> Result<(), Refusal> {
    match status {
        super::ClusterStatus::Recycled => return Err(Refusal::ClusterAlreadyReleased),
        super::ClusterStatus::Creating => return Err(Refusal::ClusterBeingCreated),
        super::ClusterStatus::Running => {}
    }
    locks.iter().try_for_each(|(id, lock)| super::check_unlocked_for(id, *lock, LockedOperation::ReleaseCluster))
}

/// A restore job's progress, 0-100, from how long it has run: the simulated copy takes `duration`.
pub fn restore_progress(started: OffsetDateTime, duration: time::Duration, now: OffsetDateTime) -> u8 {
    if duration <= time::Duration::ZERO || now >= started + duration {
        return 100;
    }
    let done = (now - started).as_seconds_f64().max(0.0) / duration.as_seconds_f64();
    (done * 100.0).floor().clamp(0.0, 99.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(cluster: &str, owner: Option<&str>) -> NamedSource {
        NamedSource {
            cluster_id: cluster.to_owned(),
            owner_account_id: owner.map(str::to_owned),
            ..NamedSource::default()
        }
    }

    /// Backup set b1 of cluster pc-a, owned by account 1, a MySQL 8.0 cluster.
    const B1: FoundSource<'static> = FoundSource {
        backup_set: "b1",
        owner_account_id: "1",
        cluster_id: "pc-a",
        db_type: "MySQL",
        db_version: "8.0",
    };

    #[test]
    fn a_restore_naming_the_sets_own_cluster_and_owner_or_no_owner_passes() {
        assert_eq!(check_named_source(&named("pc-a", Some("1")), B1), Ok(()));
        assert_eq!(check_named_source(&named("pc-a", None), B1), Ok(()));
    }

    #[test]
    fn a_restore_of_the_callers_own_set_is_told_it_is_its_own_and_any_other_unshared_id_is_missing() {
        let own = restore_source_not_shared("b1", true);
        assert_eq!((own.code(), own.kind().http_status()), ("UnsupportedOperation.OwnBackupSet", 422));
        assert!(own.to_string().starts_with("Backup set b1 belongs to your own account"), "{own}");
        assert_eq!(restore_source_not_shared("b1", false), Refusal::BackupSetNotFound { backup_set: "b1".into() });
    }

    #[test]
    fn a_restore_naming_another_cluster_is_refused_with_source_resource_id() {
        let refused = check_named_source(&named("pc-b", Some("2")), B1).unwrap_err();
        assert_eq!(refused.code(), "InvalidParameter.SourceResourceId");
        assert_eq!(refused.to_string(), "Backup set b1 is not a backup of cluster pc-b.");
    }

    #[test]
    fn a_restore_naming_another_owner_is_refused_with_source_uid() {
        let refused = check_named_source(&named("pc-a", Some("2")), B1).unwrap_err();
        assert_eq!(refused.code(), "InvalidParameter.SourceUid");
        assert_eq!(refused.to_string(), "Backup set b1 is not owned by account 2.");
    }

    #[test]
    fn a_restore_asking_for_another_engine_than_the_sets_is_refused_naming_the_sets_own() {
        let engine = |db_type: Option<&str>, db_version: Option<&str>| NamedSource {
            db_type: db_type.map(str::to_owned),
            db_version: db_version.map(str::to_owned),
            ..named("pc-a", Some("1"))
        };
        let refused = check_named_source(&engine(Some("PostgreSQL"), Some("8.0")), B1).unwrap_err();
        assert_eq!(refused.code(), "InvalidParameter.DBType");
        assert!(refused.to_string().contains("DBType must be MySQL"), "{refused}");
        let refused = check_named_source(&engine(Some("MySQL"), Some("5.7")), B1).unwrap_err();
        assert_eq!(refused.code(), "InvalidParameter.DBVersion");
        assert!(refused.to_string().contains("DBVersion must be 8.0"), "{refused}");
    }

    #[test]
    fn a_restore_asking_for_the_sets_engine_in_any_case_or_for_none_passes() {
        for (db_type, db_version) in
            [(Some("MySQL"), Some("8.0")), (Some("mysql"), None), (None, Some("8.0")), (None, None)]
        {
            let named = NamedSource {
                db_type: db_type.map(str::to_owned),
                db_version: db_version.map(str::to_owned),
                ..named("pc-a", None)
            };
            assert_eq!(check_named_source(&named, B1), Ok(()), "{db_type:?} {db_version:?}");
        }
    }

    #[test]
    fn another_accounts_restore_is_not_shown_to_a_principal() {
        assert_eq!(lock_shown_to_principal(BackupLock::Restoring, false), BackupLock::None);
    }

    #[test]
    fn a_principals_own_restore_and_the_owners_level_conversion_are_shown() {
        assert_eq!(lock_shown_to_principal(BackupLock::Restoring, true), BackupLock::Restoring);
        assert_eq!(lock_shown_to_principal(BackupLock::ConvertingLevel, false), BackupLock::ConvertingLevel);
        assert_eq!(lock_shown_to_principal(BackupLock::None, false), BackupLock::None);
    }

    #[test]
    fn an_invitation_of_another_account_is_answered_as_missing() {
        let me = Actor {
            account_id: crate::domain::AccountId::parse("1000000000000002").unwrap(),
            is_root: true,
            policies: vec![],
        };
        assert!(check_invitation_receiver(&me, "1000000000000002").is_ok());
        assert_eq!(check_invitation_receiver(&me, "1000000000000007").unwrap_err(), Refusal::InvitationNotFound);
    }

    #[test]
    fn a_ram_user_answers_invitations_only_with_resource_center_full_access() {
        let account_id = crate::domain::AccountId::parse("1000000000000002").unwrap();
        let reader =
            Actor { account_id: account_id.clone(), is_root: false, policies: vec![Policy::PolardbFullAccess] };
        assert_eq!(check_may_answer_invitations(&reader).unwrap_err().code(), "Forbidden.RAM");
        let sharer = Actor { account_id, is_root: false, policies: vec![Policy::ResourceCenterFullAccess] };
        assert!(check_may_answer_invitations(&sharer).is_ok());
    }
    use crate::domain::{AccountId, BackupSetId};
    use time::macros::datetime;
    use time::Duration;

    const NOW: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    fn actor(policies: &[Policy]) -> Actor {
        Actor { account_id: AccountId::parse("1000000000000002").unwrap(), is_root: false, policies: policies.to_vec() }
    }

    fn backup() -> BackupSetFacts {
        BackupSetFacts {
            id: BackupSetId::parse("42").unwrap(),
            status: BackupStatus::Success,
            expires_at: NOW + Duration::days(10),
            lock: BackupLock::None,
            deleted: false,
        }
    }

    #[test]
    fn only_a_polardb_administrator_may_restore_whatever_the_set() {
        for (policies, may) in [
            (&[][..], false),
            (&[Policy::PolardbReadOnlyAccess][..], false),
            (&[Policy::ResourceCenterFullAccess][..], false),
            (&[Policy::PolardbFullAccess][..], true),
        ] {
            assert_eq!(check_may_restore(&actor(policies)).is_ok(), may, "{policies:?}");
        }
        let root = Actor { is_root: true, ..actor(&[]) };
        assert!(check_may_restore(&root).is_ok());
    }

    #[test]
    fn a_directory_departure_waits_for_a_restore_reading_the_share_and_for_nothing_else() {
        assert_eq!(departure_timing([BackupLock::None, BackupLock::Restoring]), RemovalTiming::AfterRestore);
        assert_eq!(departure_timing([BackupLock::None, BackupLock::ConvertingLevel]), RemovalTiming::Now);
        assert_eq!(departure_timing([BackupLock::ConvertingLevel, BackupLock::Restoring]), RemovalTiming::AfterRestore);
        assert_eq!(departure_timing([]), RemovalTiming::Now);
    }

    #[test]
    fn a_pending_invitation_can_be_accepted() {
        assert_eq!(
            answer_invitation(InvitationStatus::Pending, NOW + Duration::days(1), Answer::Accept, NOW),
            Ok(InvitationStatus::Accepted)
        );
    }

    #[test]
    fn a_pending_invitation_can_be_rejected() {
        assert_eq!(
            answer_invitation(InvitationStatus::Pending, NOW + Duration::days(1), Answer::Reject, NOW),
            Ok(InvitationStatus::Rejected)
        );
    }

    #[test]
    fn an_invitation_past_seven_days_is_expired_even_before_the_sweep() {
        let err = answer_invitation(InvitationStatus::Pending, NOW, Answer::Accept, NOW).unwrap_err();
        assert_eq!(err.code(), "InvitationStatus.Expired");
    }

    #[test]
    fn answering_twice_is_refused() {
        let exp = NOW + Duration::days(1);
        assert_eq!(
            answer_invitation(InvitationStatus::Accepted, exp, Answer::Accept, NOW).unwrap_err().code(),
            "InvitationStatus.AlreadyAccepted"
        );
        assert_eq!(
            answer_invitation(InvitationStatus::Rejected, exp, Answer::Accept, NOW).unwrap_err().code(),
            "InvitationStatus.AlreadyRejected"
        );
    }

    #[test]
    fn an_accepted_invitation_does_not_expire() {
        assert_eq!(InvitationStatus::Accepted.at(NOW - Duration::days(30), NOW), InvitationStatus::Accepted);
    }

    #[test]
    fn a_usable_share_can_be_restored_in_its_region() {
        assert!(check_restore(
            &actor(&[Policy::PolardbFullAccess]),
            PrincipalAccess::Usable,
            &backup(),
            RestoreHolds::default(),
            "cn-hangzhou",
            "cn-hangzhou",
            NOW
        )
        .is_ok());
    }

    #[test]
    fn a_set_that_expires_at_this_instant_cannot_be_restored_from() {
        let expiring = BackupSetFacts { expires_at: NOW, ..backup() };
        let err = restore_with(&expiring, RestoreHolds::default()).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.BackupSetExpired");
        let a_second_left = BackupSetFacts { expires_at: NOW + Duration::seconds(1), ..backup() };
        assert_eq!(restore_with(&a_second_left, RestoreHolds::default()), Ok(()));
    }
    #[test]
    fn a_deleted_or_failed_set_cannot_be_restored_from() {
        let deleted = BackupSetFacts { deleted: true, ..backup() };
        let failed = BackupSetFacts { status: BackupStatus::Failed, ..backup() };
        for set in [deleted, failed] {
            let err = restore_with(&set, RestoreHolds::default()).unwrap_err();
            assert_eq!(err.code(), "OperationDenied.BackupSetNotActive", "{set:?}");
        }
    }
    #[test]
    fn restore_is_refused_while_access_is_being_revoked() {
        let err = check_restore(
            &actor(&[Policy::PolardbFullAccess]),
            PrincipalAccess::Revoking,
            &backup(),
            RestoreHolds::default(),
            "cn-hangzhou",
            "cn-hangzhou",
            NOW,
        )
        .unwrap_err();
        assert_eq!(err.code(), "OperationDenied.SharingRevoking");
        assert!(err.to_string().contains("being revoked"));
    }

    #[test]
    fn restore_into_another_region_is_refused() {
        let err = check_restore(
            &actor(&[Policy::PolardbFullAccess]),
            PrincipalAccess::Usable,
            &backup(),
            RestoreHolds::default(),
            "cn-hangzhou",
            "cn-beijing",
            NOW,
        )
        .unwrap_err();
        assert_eq!(err.code(), "OperationDenied.CrossRegionRestore");
    }

    #[test]
    fn restore_needs_polardb_full_access() {
        let err = check_restore(
            &actor(&[Policy::PolardbReadOnlyAccess]),
            PrincipalAccess::Usable,
            &backup(),
            RestoreHolds::default(),
            "cn-hangzhou",
            "cn-hangzhou",
            NOW,
        )
        .unwrap_err();
        assert!(err.to_string().contains("AliyunPolardbFullAccess"));
    }

    fn restore_with(backup: &BackupSetFacts, holds: RestoreHolds) -> Result<(), Refusal> {
        check_restore(
            &actor(&[Policy::PolardbFullAccess]),
            PrincipalAccess::Usable,
            backup,
            holds,
            "cn-hangzhou",
            "cn-hangzhou",
            NOW,
        )
    }

    #[test]
    fn a_second_restore_by_the_same_principal_from_the_same_set_is_refused() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        let err = restore_with(&b, RestoreHolds { own_restore_running: true, removal_queued: false }).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.RestoreAlreadyRunning");
        assert!(err.to_string().contains("already"));
    }

    #[test]
    fn another_principal_may_restore_while_a_restore_from_the_set_runs() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        assert_eq!(restore_with(&b, RestoreHolds::default()), Ok(()));
    }

    #[test]
    fn no_restore_starts_while_a_removal_waits_for_the_running_one() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        let err = restore_with(&b, RestoreHolds { own_restore_running: false, removal_queued: true }).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.SharingChanging");
        // The removal and the restore it waits for may be another account's: neither is named.
        let said = err.to_string();
        assert!(!said.contains("principal") && !said.contains("restore ends"), "{said}");
    }

    #[test]
    fn a_set_being_converted_cannot_be_restored_from() {
        let b = BackupSetFacts { lock: BackupLock::ConvertingLevel, ..backup() };
        let err = restore_with(&b, RestoreHolds::default()).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.BackupSetLocked");
        assert!(err.to_string().contains("no new restore can start"), "{err}");
    }

    fn id() -> BackupSetId {
        BackupSetId::parse("42").unwrap()
    }

    #[test]
    fn a_principal_change_to_an_unlocked_share_takes_effect_now() {
        assert_eq!(principal_change_timing(true, &[(id(), BackupLock::None)]), Ok(RemovalTiming::Now));
    }

    #[test]
    fn a_removal_during_a_restore_is_queued_until_the_restore_ends() {
        assert_eq!(
            principal_change_timing(false, &[(id(), BackupLock::None), (id(), BackupLock::Restoring)]),
            Ok(RemovalTiming::AfterRestore)
        );
    }

    #[test]
    fn adding_a_principal_during_a_restore_is_refused() {
        assert_eq!(
            principal_change_timing(true, &[(id(), BackupLock::Restoring)]).unwrap_err().code(),
            "OperationDenied.BackupSetLocked"
        );
    }

    #[test]
    fn a_removal_during_a_level_conversion_is_refused() {
        assert_eq!(
            principal_change_timing(false, &[(id(), BackupLock::ConvertingLevel)]).unwrap_err().code(),
            "OperationDenied.BackupSetLocked"
        );
    }

    #[test]
    fn a_locked_backup_set_cannot_be_deleted() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        let err = check_delete_backup(&b).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.BackupSetLocked");
        assert!(err.to_string().contains("cannot be deleted"), "{err}");
        assert!(check_delete_backup(&backup()).is_ok());
    }

    #[test]
    fn a_cluster_with_a_set_being_restored_from_cannot_be_released() {
        use crate::domain::ClusterStatus;
        let locks = [(BackupSetId::parse("42").unwrap(), BackupLock::Restoring)];
        let err = check_release_cluster(ClusterStatus::Running, &locks).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.BackupSetLocked");
        assert!(err.to_string().contains("cluster cannot be released"), "{err}");
        assert!(check_release_cluster(ClusterStatus::Running, &[]).is_ok());
        assert_eq!(
            check_release_cluster(ClusterStatus::Recycled, &[]).unwrap_err().code(),
            "OperationDenied.ClusterStatus"
        );
    }

    #[test]
    fn a_cluster_still_being_created_by_a_restore_is_not_released() {
        use crate::domain::ClusterStatus;
        assert_eq!(check_release_cluster(ClusterStatus::Creating, &[]).unwrap_err(), Refusal::ClusterBeingCreated);
        assert_eq!(Refusal::ClusterBeingCreated.code(), "OperationDenied.ClusterStatus");
    }

    #[test]
    fn restore_progress_runs_from_zero_to_one_hundred() {
        let d = Duration::seconds(20);
        assert_eq!(restore_progress(NOW, d, NOW), 0);
        assert_eq!(restore_progress(NOW, d, NOW + Duration::seconds(10)), 50);
        assert_eq!(restore_progress(NOW, d, NOW + Duration::seconds(19)), 95);
        assert_eq!(restore_progress(NOW, d, NOW + Duration::seconds(20)), 100);
    }
}
