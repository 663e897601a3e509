//! Converting a backup set from level-1 (snapshot in the cluster's storage) to level-2 (kept in
//! cheaper storage, longer): an owner's action with its own rule, apart from the sharing rules. The
//! console shows the same refusal beside the disabled Convert to Level-2 action that the server gives
//! when asked anyway.

use super::text::text_enum;
use super::{BackupSetFacts, BackupStatus, ClusterFacts, ClusterStatus, LockedOperation, Refusal};

use time::OffsetDateTime;

text_enum!(
    /// A backup set's level, as stored and shown ("Level-1", "Level-2").
    pub enum BackupLevel {
        Level1 = "Level-1",
        Level2 = "Level-2",
    }
);

/// Why a backup set can't be converted to level-2. (A lock is the shared `BackupSetLocked` refusal,
/// naming the conversion.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    #[error(
        "The cluster is in the recycle bin: its backup sets are kept as they are and cannot be converted to level-2."
    )]
    ClusterInRecycleBin,
    #[error("Backup set {backup_set} is not active: only successful, available level-1 backup sets can be converted to level-2.")]
    NotActive { backup_set: String },
    #[error("Backup set {backup_set} is a cross-region copy (rp-): it is already stored in the destination region and cannot be converted; convert the backup set in its source region.")]
    CrossRegionCopy { backup_set: String },
    #[error("Backup set {backup_set} is already a level-2 backup.")]
    AlreadyLevelTwo { backup_set: String },
    #[error("Backup set {backup_set} has expired and is about to be released; an expired backup set cannot be converted to level-2.")]
    Expired { backup_set: String },
}

impl ConversionError {
    pub fn code(&self) -> &'static str {
        match self {
            ConversionError::ClusterInRecycleBin => "OperationDenied.LevelConversion.ClusterInRecycleBin",
            ConversionError::NotActive { .. } => "OperationDenied.LevelConversion.BackupSetNotActive",
            ConversionError::CrossRegionCopy { .. } => "OperationDenied.LevelConversion.CrossRegionBackupSet",
            ConversionError::AlreadyLevelTwo { .. } => "OperationDenied.LevelConversion.AlreadyLevel2",
            ConversionError::Expired { .. } => "OperationDenied.LevelConversion.BackupSetExpired",
        }
    }
}

impl From<ConversionError> for Refusal {
    fn from(e: ConversionError) -> Self {
        Refusal::LevelConversion(e)
    }
}

/// Whether this backup set of this cluster can be converted from level-1 to level-2 at `now`, and if
/// not, the first reason why: only an active, unexpired, unlocked level-1 set of the cluster's own
/// region, of a cluster that is not in the recycle bin.
pub fn check_level_conversion(
    cluster: &ClusterFacts,
    backup: &BackupSetFacts,
    level: BackupLevel,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let id = || backup.id.to_string();
    if cluster.status == ClusterStatus::Recycled {
        return Err(ConversionError::ClusterInRecycleBin.into());
    }
    if backup.deleted || backup.status != BackupStatus::Success {
        return Err(ConversionError::NotActive { backup_set: id() }.into());
    }
    if backup.id.is_cross_region_copy() {
        return Err(ConversionError::CrossRegionCopy { backup_set: id() }.into());
    }
    if level != BackupLevel::Level1 {
        return Err(ConversionError::AlreadyLevelTwo { backup_set: id() }.into());
    }
    if backup.expires_at <= now {
        return Err(ConversionError::Expired { backup_set: id() }.into());
    }
    backup.check_unlocked_for(LockedOperation::LevelConversion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::tests::{backup, cluster};
    use crate::domain::{BackupLock, BackupSetId, Edition, HaMode};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    fn code(cluster: &ClusterFacts, backup: &BackupSetFacts, level: BackupLevel) -> &'static str {
        check_level_conversion(cluster, backup, level, NOW).unwrap_err().code()
    }

    #[test]
    fn an_active_level_1_set_can_be_converted() {
        assert_eq!(check_level_conversion(&cluster(), &backup(), BackupLevel::Level1, NOW), Ok(()));
    }

    #[test]
    fn a_level_2_set_cannot_be_converted_again() {
        assert_eq!(code(&cluster(), &backup(), BackupLevel::Level2), "OperationDenied.LevelConversion.AlreadyLevel2");
    }

    #[test]
    fn an_expired_set_cannot_be_converted() {
        let b = BackupSetFacts { expires_at: NOW, ..backup() };
        assert_eq!(code(&cluster(), &b, BackupLevel::Level1), "OperationDenied.LevelConversion.BackupSetExpired");
    }

    #[test]
    fn a_cross_region_copy_cannot_be_converted() {
        let b = BackupSetFacts { id: BackupSetId::parse("rp-7x2k").unwrap(), ..backup() };
        let err = check_level_conversion(&cluster(), &b, BackupLevel::Level1, NOW).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.LevelConversion.CrossRegionBackupSet");
        assert!(err.to_string().contains("cannot be converted"), "{err}");
    }

    #[test]
    fn no_set_of_a_cluster_in_the_recycle_bin_can_be_converted() {
        let c = ClusterFacts { status: ClusterStatus::Recycled, ..cluster() };
        assert_eq!(code(&c, &backup(), BackupLevel::Level1), "OperationDenied.LevelConversion.ClusterInRecycleBin");
    }

    #[test]
    fn a_failed_or_deleted_set_cannot_be_converted() {
        let failed = BackupSetFacts { status: BackupStatus::Failed, ..backup() };
        let deleted = BackupSetFacts { deleted: true, ..backup() };
        for b in [failed, deleted] {
            assert_eq!(code(&cluster(), &b, BackupLevel::Level1), "OperationDenied.LevelConversion.BackupSetNotActive");
        }
    }

    #[test]
    fn a_set_being_restored_from_refuses_conversion_by_name() {
        let b = BackupSetFacts { lock: BackupLock::Restoring, ..backup() };
        let err = check_level_conversion(&cluster(), &b, BackupLevel::Level1, NOW).unwrap_err();
        assert_eq!(err.code(), "OperationDenied.BackupSetLocked");
        assert!(err.to_string().contains("cannot be converted to level-2"), "{err}");
        assert!(!err.to_string().contains("sharing settings"), "{err}");
    }

    #[test]
    fn a_set_already_being_converted_is_refused() {
        let b = BackupSetFacts { lock: BackupLock::ConvertingLevel, ..backup() };
        assert_eq!(code(&cluster(), &b, BackupLevel::Level1), "OperationDenied.BackupSetLocked");
    }

    #[test]
    fn cluster_rules_for_sharing_do_not_block_conversion() {
        // TDE, disk encryption, Limitless and three-zone clusters can't share, but they convert backups.
        let c = ClusterFacts {
            tde_enabled: true,
            disk_encryption_enabled: true,
            edition: Edition::Limitless,
            ha_mode: HaMode::ThreeZoneHotStandby,
            ..cluster()
        };
        assert!(check_level_conversion(&c, &backup(), BackupLevel::Level1, NOW).is_ok());
    }

    #[test]
    fn levels_round_trip_through_their_stored_text() {
        for l in [BackupLevel::Level1, BackupLevel::Level2] {
            assert_eq!(BackupLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(BackupLevel::parse("Level-3"), None);
    }
}
