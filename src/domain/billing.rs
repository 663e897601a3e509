//! What an owner pays for keeping backup sets: the storage of the sets it keeps at `now`, the first
//! 100 GiB free and each further whole GiB at a fixed monthly price. (Restores are charged once, at the
//! node specification's price, by `node_spec_price`.)

use time::OffsetDateTime;

const GIB: i64 = 1024 * 1024 * 1024;

/// Backup storage up to this many bytes is free.
pub const FREE_BACKUP_STORAGE_BYTES: i64 = 100 * GIB;

/// Cents per whole GiB-month of backup storage beyond the free quota.
pub const BACKUP_STORAGE_CENTS_PER_GIB_MONTH: i64 = 12;

/// A backup set the owner stores (not deleted), as the bill sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredBackup {
    pub size_bytes: i64,
    pub expires_at: OffsetDateTime,
}

/// The backup storage part of an owner's bill at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StorageBill {
    /// The bytes kept at `now`.
    pub stored_bytes: i64,
    /// The whole GiB beyond the free quota: what is billed.
    pub billed_gib: i64,
    /// What they cost a month, in cents.
    pub cents_per_month: i64,
}

/// The storage bill at `now`: a set past its retention is no longer kept (as it can no longer be shared
/// or restored from), so it costs nothing even before anything removes it; only whole GiB beyond the
/// free 100 GiB are billed. Sizes the database can't make negative are taken as they are; a negative one
/// counts as nothing, so a bad row never lowers another set's bill.
pub fn backup_storage_bill(sets: impl IntoIterator<Item = StoredBackup>, now: OffsetDateTime) -> StorageBill {
    let stored_bytes =
        sets.into_iter().filter(|s| s.expires_at > now).map(|s| s.size_bytes.max(0)).fold(0i64, i64::saturating_add);
    let billed_gib = stored_bytes.saturating_sub(FREE_BACKUP_STORAGE_BYTES).max(0) / GIB;
    StorageBill {
        stored_bytes,
        billed_gib,
        cents_per_month: billed_gib.saturating_mul(BACKUP_STORAGE_CENTS_PER_GIB_MONTH),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    const NOW: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    fn kept(size_bytes: i64) -> StoredBackup {
        StoredBackup { size_bytes, expires_at: NOW + Duration::days(30) }
    }

    #[test]
    fn storage_within_the_free_100_gib_costs_nothing() {
        let bill = backup_storage_bill([kept(60 * GIB), kept(40 * GIB)], NOW);
        assert_eq!(bill, StorageBill { stored_bytes: 100 * GIB, billed_gib: 0, cents_per_month: 0 });
    }

    #[test]
    fn each_whole_gib_beyond_the_free_100_costs_12_cents_a_month() {
        assert_eq!(backup_storage_bill([kept(101 * GIB)], NOW).cents_per_month, 12);
        assert_eq!(backup_storage_bill([kept(150 * GIB)], NOW).cents_per_month, 50 * 12);
    }

    #[test]
    fn a_part_of_a_gib_beyond_the_free_quota_is_not_billed() {
        assert_eq!(backup_storage_bill([kept(101 * GIB - 1)], NOW).cents_per_month, 0);
        assert_eq!(backup_storage_bill([kept(102 * GIB - 1)], NOW).cents_per_month, 12);
    }

    #[test]
    fn the_bill_names_the_whole_gib_it_charges_for() {
        let bill = backup_storage_bill([kept(1024 * GIB + GIB / 2)], NOW);
        assert_eq!((bill.billed_gib, bill.cents_per_month), (924, 924 * 12));
    }

    #[test]
    fn a_set_past_its_retention_is_neither_stored_nor_billed() {
        let expired = StoredBackup { size_bytes: 500 * GIB, expires_at: NOW };
        assert_eq!(
            backup_storage_bill([expired, kept(120 * GIB)], NOW),
            StorageBill { stored_bytes: 120 * GIB, billed_gib: 20, cents_per_month: 20 * 12 }
        );
    }

    #[test]
    fn no_sets_cost_nothing() {
        assert_eq!(backup_storage_bill([], NOW), StorageBill::default());
    }

    #[test]
    fn a_negative_size_counts_as_nothing_and_huge_sizes_do_not_overflow() {
        assert_eq!(backup_storage_bill([kept(-5 * GIB), kept(100 * GIB)], NOW).cents_per_month, 0);
        let bill = backup_storage_bill([kept(i64::MAX), kept(i64::MAX)], NOW);
        assert_eq!(bill.stored_bytes, i64::MAX);
        assert!(bill.cents_per_month > 0);
    }
}
