//! Changes an owner (or a principal) makes to a share after it is made, beyond its principals: deleting
//! it, changing whether it may reach accounts outside the owner's resource directory, taking a backup
//! set out of it, and a principal leaving it. Each ends access through the same scheduled revocation as
//! removing a principal in the console, so a principal always has the revocation window to notice.

use super::{check_unlocked, BackupLock, BackupSetId, PrincipalScope, Refusal, RemovalTiming, ShareStatus};

/// Deleting a share: only an active one (a share being deleted, or deleted, is refused with the real
/// service's `ResourceShareStatusMismatchAction`). Every principal of the share enters the scheduled
/// revocation, exactly as removing each of them would: while a restore reads one of its sets, the
/// revocation waits for the restore to end; while a level conversion holds one, the deletion is refused
/// (the reference: a locked set's share can't be cancelled), as removing a principal is.
pub fn plan_share_deletion(status: ShareStatus, locks: &[(BackupSetId, BackupLock)]) -> Result<RemovalTiming, Refusal> {
    if status != ShareStatus::Active {
        return Err(Refusal::ShareNotActive);
    }
    super::principal_change_timing(false, locks)
}

/// Any change to a share other than deleting it needs the share to be active.
pub fn check_share_active(status: ShareStatus) -> Result<(), Refusal> {
    if status == ShareStatus::Active {
        Ok(())
    } else {
        Err(Refusal::ShareNotActive)
    }
}

/// Changing whether a share may reach accounts outside the owner's resource directory
/// (`AllowExternalTargets`). Opening it up is always allowed. Closing it needs the owner to be in a
/// directory, and no principal outside it: those would silently lose access, so the owner removes them
/// first (the revocation window then applies to them as to any removal). Returns the scope to store.
pub fn plan_scope_change(
    current: PrincipalScope,
    allow_external: bool,
    owner_in_directory: bool,
    external_principals: usize,
) -> Result<PrincipalScope, Refusal> {
    let wanted = if allow_external { PrincipalScope::AllAccounts } else { PrincipalScope::ResourceDirectory };
    if wanted == current || wanted == PrincipalScope::AllAccounts {
        return Ok(wanted);
    }
    if !owner_in_directory {
        return Err(Refusal::NotInResourceDirectory);
    }
    if external_principals > 0 {
        return Err(Refusal::ExternalPrincipalsRemain { count: external_principals });
    }
    Ok(wanted)
}

/// Opening a share to accounts outside the owner's directory, or closing it to them, changes its sharing
/// settings, which a locked backup set's can't be (being restored from, or converted to level-2): as
/// with the Share dialog's additions, the change is refused until the lock ends.
pub fn check_scope_change_unlocked(locks: &[(BackupSetId, BackupLock)]) -> Result<(), Refusal> {
    locks.iter().try_for_each(|(id, lock)| check_unlocked(id, *lock))
}

/// Taking a backup set out of a share: it must be in the share (and not already on its way out), and
/// not locked, since a restore or conversion holds what the share says about it.
pub fn check_resource_removal(id: &BackupSetId, associated: bool, lock: BackupLock) -> Result<(), Refusal> {
    if !associated {
        return Err(Refusal::NotAssociated);
    }
    check_unlocked(id, lock)
}

/// How the account asking to leave a share holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareMembership {
    /// As an account principal that accepted (or was sent) an invitation: it may leave.
    Invited,
    /// Through the owner's resource directory (the directory, a folder, or the account with the
    /// directory scope): the directory added it, so it can't leave (`LeavingFailed.Account`).
    ThroughDirectory,
    /// It is not a principal of the share at all.
    None,
}

/// A principal leaving another account's share (`DisassociateResourceShare` with
/// `ResourceOwner=OtherAccounts`).
pub fn check_leave_share(membership: ShareMembership) -> Result<(), Refusal> {
    match membership {
        ShareMembership::Invited => Ok(()),
        ShareMembership::ThroughDirectory => Err(Refusal::LeavingDirectoryShare),
        ShareMembership::None => Err(Refusal::ShareNotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(id: &str) -> BackupSetId {
        BackupSetId::parse(id).unwrap()
    }

    #[test]
    fn deleting_an_active_share_revokes_its_principals_now() {
        assert_eq!(
            plan_share_deletion(ShareStatus::Active, &[(set("3200000001"), BackupLock::None)]),
            Ok(RemovalTiming::Now)
        );
    }

    #[test]
    fn deleting_a_share_while_a_restore_reads_one_of_its_sets_waits_for_the_restore() {
        let locks = [(set("3200000001"), BackupLock::None), (set("3200000002"), BackupLock::Restoring)];
        assert_eq!(plan_share_deletion(ShareStatus::Active, &locks), Ok(RemovalTiming::AfterRestore));
    }

    #[test]
    fn a_share_is_not_deleted_while_a_level_conversion_holds_one_of_its_sets() {
        let locks = [(set("3200000001"), BackupLock::None), (set("3200000002"), BackupLock::ConvertingLevel)];
        assert_eq!(
            plan_share_deletion(ShareStatus::Active, &locks).unwrap_err().code(),
            "OperationDenied.BackupSetLocked"
        );
    }

    #[test]
    fn a_share_being_deleted_or_deleted_can_not_be_deleted_again() {
        for status in [ShareStatus::Deleting, ShareStatus::Deleted] {
            let e = plan_share_deletion(status, &[]).unwrap_err();
            assert_eq!((e.code(), e.kind().http_status()), ("ResourceShareStatusMismatchAction", 409));
        }
    }

    #[test]
    fn a_share_being_deleted_can_not_be_changed() {
        assert_eq!(check_share_active(ShareStatus::Active), Ok(()));
        assert_eq!(check_share_active(ShareStatus::Deleting), Err(Refusal::ShareNotActive));
    }

    #[test]
    fn a_share_may_always_be_opened_to_external_accounts() {
        assert_eq!(
            plan_scope_change(PrincipalScope::ResourceDirectory, true, true, 0),
            Ok(PrincipalScope::AllAccounts)
        );
        assert_eq!(plan_scope_change(PrincipalScope::AllAccounts, true, false, 3), Ok(PrincipalScope::AllAccounts));
    }

    #[test]
    fn closing_a_share_with_external_principals_is_refused_until_they_are_removed() {
        let e = plan_scope_change(PrincipalScope::AllAccounts, false, true, 2).unwrap_err();
        assert_eq!((e.code(), e.kind().http_status()), ("OperationNotPermitted", 409));
        assert_eq!(
            plan_scope_change(PrincipalScope::AllAccounts, false, true, 0),
            Ok(PrincipalScope::ResourceDirectory)
        );
    }

    #[test]
    fn an_owner_outside_any_directory_can_not_close_its_share_to_the_directory() {
        assert_eq!(
            plan_scope_change(PrincipalScope::AllAccounts, false, false, 0),
            Err(Refusal::NotInResourceDirectory)
        );
    }

    #[test]
    fn a_backup_set_not_in_the_share_can_not_be_taken_out_of_it() {
        let e = check_resource_removal(&set("3200000001"), false, BackupLock::None).unwrap_err();
        assert_eq!(e.code(), "DisassociateInvalid");
    }

    #[test]
    fn a_backup_set_being_restored_stays_in_its_share_until_the_restore_ends() {
        let e = check_resource_removal(&set("3200000001"), true, BackupLock::Restoring).unwrap_err();
        assert_eq!(e.code(), "OperationDenied.BackupSetLocked");
        assert_eq!(check_resource_removal(&set("3200000001"), true, BackupLock::None), Ok(()));
    }

    #[test]
    fn an_invited_principal_may_leave_but_one_the_directory_added_may_not() {
        assert_eq!(check_leave_share(ShareMembership::Invited), Ok(()));
        let e = check_leave_share(ShareMembership::ThroughDirectory).unwrap_err();
        assert_eq!((e.code(), e.kind().http_status()), ("LeavingFailed.Account", 409));
        assert_eq!(check_leave_share(ShareMembership::None).unwrap_err().code(), "EntityNotExists.ResourceShare");
    }

    #[test]
    fn a_share_holding_a_locked_set_is_neither_opened_nor_closed() {
        assert!(check_scope_change_unlocked(&[(set("5000001"), BackupLock::None)]).is_ok());
        for lock in [BackupLock::Restoring, BackupLock::ConvertingLevel] {
            let refused =
                check_scope_change_unlocked(&[(set("5000001"), BackupLock::None), (set("5000002"), lock)]).unwrap_err();
            assert_eq!(refused.code(), "OperationDenied.BackupSetLocked");
        }
    }
}
