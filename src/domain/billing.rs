//! What an account pays, worked out at `now` (no clock here: `now` is passed in).
//!
//! - **Backup storage** (the owner of the sets): the storage of the sets it keeps at `now`, the first
//!   100 GiB free and each further whole GiB at a fixed monthly price.
//! - **Restored clusters** (the account that restored them), by the billing method chosen at restore:
//!   - *Subscription* (`Prepaid`): the node specification's price for the period bought, paid once, up
//!     front, when the restore is ordered. The Restore dialog and CreateDBCluster offer one period, a
//!     month (there is no `Period`/`UsedTime` choice), so a subscription costs one month's price.
//!     Releasing the cluster early refunds nothing, as a subscription's unused time is not refunded on
//!     release; renewal is not modelled.
//!   - *Pay-as-you-go* (`Postpaid`): the node specification's hourly price (its monthly price / 730
//!     hours, rounded to the nearest cent, half up) for each hour begun from when the cluster is running
//!     until it is released; a part of an hour counts as a whole one, as an hourly bill charges it. The
//!     hours run from Running, not from the order: while a restore creates the cluster the account can't
//!     use it, and a long restore would otherwise bill hours of the service's own work. At `now` the
//!     charge is what the hours begun so far cost (what releasing it now would come to); from its release
//!     on it stays at its final amount.
//!   - A charge stored before charges had a billing method, whose cluster is unknown or whose release
//!     time is nowhere recorded, stays what it was billed: its price, once.

use time::{Duration, OffsetDateTime};

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

/// Hours in the month a monthly price is for (365 × 24 / 12): what an hourly price divides it by.
pub const HOURS_PER_BILLING_MONTH: i64 = 730;

/// Months a subscription buys: the only period the Restore dialog and CreateDBCluster offer.
pub const SUBSCRIPTION_MONTHS: i64 = 1;

/// How a charge is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeTerms {
    /// Paid once, in full, from its start on: a subscription's period (its price is for the whole period),
    /// or a charge from before charges had a billing method.
    Upfront { price_cents: i64 },
    /// Pay-as-you-go: each hour begun between its start and its end (or `now`) at the hourly price of
    /// `monthly_price_cents`.
    Hourly { monthly_price_cents: i64 },
}

/// One charge as the bill sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterCharge {
    pub terms: ChargeTerms,
    /// From when it is billed: an upfront charge from its order, an hourly one from when its cluster is
    /// running (`None` while the cluster is still being created: nothing is billed yet).
    pub start: Option<OffsetDateTime>,
    /// When its cluster was released (`None` while it exists): an hourly charge stops there; an upfront
    /// one is not refunded.
    pub end: Option<OffsetDateTime>,
}

impl ChargeTerms {
    /// The terms of a charge with billing method `pay_type` (`Prepaid`, `Postpaid`, or none for one
    /// billed once) and price `price_cents`, as `order_price_cents` priced it.
    pub fn of(pay_type: Option<&str>, price_cents: i64) -> ChargeTerms {
        match pay_type {
            Some("Postpaid") => ChargeTerms::Hourly { monthly_price_cents: price_cents },
            _ => ChargeTerms::Upfront { price_cents },
        }
    }

    /// Pay-as-you-go's price for each hour begun.
    pub fn cents_per_hour(&self) -> Option<i64> {
        match *self {
            ChargeTerms::Hourly { monthly_price_cents } => Some(hourly_price_cents(monthly_price_cents)),
            ChargeTerms::Upfront { .. } => None,
        }
    }

    /// Whether it is billed from its order (paid up front), rather than from when its cluster runs.
    pub fn billed_from_order(&self) -> bool {
        matches!(self, ChargeTerms::Upfront { .. })
    }
}

/// The price a restore's charge is ordered at, for the node specification's `monthly_price_cents`: a
/// subscription's for its whole period, pay-as-you-go's monthly price (of which each hour costs a 730th).
pub fn order_price_cents(pay_type: &str, monthly_price_cents: i64) -> i64 {
    match ChargeTerms::of(Some(pay_type), monthly_price_cents) {
        ChargeTerms::Hourly { monthly_price_cents } => monthly_price_cents,
        ChargeTerms::Upfront { .. } => subscription_price_cents(monthly_price_cents),
    }
}

/// The hourly price of a monthly price: / 730 hours, to the nearest cent (half a cent up). A negative
/// price (which the database refuses) is taken as nothing.
pub fn hourly_price_cents(monthly_price_cents: i64) -> i64 {
    monthly_price_cents.max(0).saturating_add(HOURS_PER_BILLING_MONTH / 2) / HOURS_PER_BILLING_MONTH
}

/// A subscription's price for its period: the monthly price of each month bought.
pub fn subscription_price_cents(monthly_price_cents: i64) -> i64 {
    monthly_price_cents.max(0).saturating_mul(SUBSCRIPTION_MONTHS)
}

/// The hours begun from `start` until `until`: none when `until` is not after `start` (a clock before
/// the start), a part of an hour as a whole one.
pub fn hours_begun(start: OffsetDateTime, until: OffsetDateTime) -> i64 {
    let elapsed = until - start;
    if elapsed <= Duration::ZERO {
        return 0;
    }
    let whole = elapsed.whole_hours();
    if elapsed > Duration::hours(whole) {
        whole.saturating_add(1)
    } else {
        whole
    }
}

impl ClusterCharge {
    /// What the charge comes to at `now`, in cents: an upfront charge its whole price once its start
    /// has come; an hourly one the hours begun from its start until its end or `now`, whichever is
    /// first, each at the hourly price. Never negative, never overflowing (it saturates).
    pub fn amount_at(&self, now: OffsetDateTime) -> i64 {
        let Some(start) = self.start else { return 0 };
        match self.terms {
            ChargeTerms::Upfront { price_cents } if now >= start => price_cents.max(0),
            ChargeTerms::Upfront { .. } => 0,
            ChargeTerms::Hourly { monthly_price_cents } => {
                let until = self.end.map_or(now, |end| end.min(now));
                hours_begun(start, until).saturating_mul(hourly_price_cents(monthly_price_cents))
            }
        }
    }
}

/// What the charges come to at `now`, in cents (saturating).
pub fn charges_total_at(charges: impl IntoIterator<Item = ClusterCharge>, now: OffsetDateTime) -> i64 {
    charges.into_iter().map(|c| c.amount_at(now)).fold(0i64, i64::saturating_add)
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

    const RUNNING: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn hourly(monthly_price_cents: i64, end: Option<OffsetDateTime>) -> ClusterCharge {
        ClusterCharge { terms: ChargeTerms::Hourly { monthly_price_cents }, start: Some(RUNNING), end }
    }

    fn upfront(price_cents: i64, end: Option<OffsetDateTime>) -> ClusterCharge {
        ClusterCharge { terms: ChargeTerms::Upfront { price_cents }, start: Some(RUNNING), end }
    }

    #[test]
    fn the_hourly_price_is_the_monthly_price_over_730_hours_to_the_nearest_cent() {
        // Each node specification's: ¥620 / 730 = ¥0.849…, ¥1,240 → ¥1.698…, ¥3,100 → ¥4.246…
        assert_eq!([62_000, 124_000, 310_000].map(hourly_price_cents), [85, 170, 425]);
        // Half a cent goes up, less goes down.
        assert_eq!((hourly_price_cents(365), hourly_price_cents(364)), (1, 0));
        assert_eq!((hourly_price_cents(0), hourly_price_cents(-5)), (0, 0));
        assert_eq!(hourly_price_cents(i64::MAX), i64::MAX / 730);
    }

    #[test]
    fn pay_as_you_go_bills_each_hour_begun_at_its_hourly_price() {
        let charge = hourly(62_000, None);
        assert_eq!(charge.amount_at(RUNNING), 0, "no time has passed");
        assert_eq!(charge.amount_at(RUNNING + Duration::seconds(1)), 85, "the first hour has begun");
        assert_eq!(charge.amount_at(RUNNING + Duration::hours(1)), 85, "exactly one hour");
        assert_eq!(charge.amount_at(RUNNING + Duration::hours(1) + Duration::nanoseconds(1)), 2 * 85);
        assert_eq!(charge.amount_at(RUNNING + Duration::hours(2)), 2 * 85);
        assert_eq!(charge.amount_at(RUNNING + Duration::days(30)), 720 * 85);
    }

    #[test]
    fn a_release_before_the_first_full_hour_costs_one_hour_and_stays_there() {
        let charge = hourly(124_000, Some(RUNNING + Duration::minutes(20)));
        assert_eq!(charge.amount_at(RUNNING + Duration::minutes(10)), 170);
        assert_eq!(charge.amount_at(RUNNING + Duration::minutes(20)), 170);
        assert_eq!(charge.amount_at(RUNNING + Duration::days(400)), 170, "it stops growing at release");
    }

    #[test]
    fn a_released_pay_as_you_go_charge_keeps_its_final_amount() {
        let charge = hourly(62_000, Some(RUNNING + Duration::hours(5) + Duration::minutes(1)));
        assert_eq!(charge.amount_at(RUNNING + Duration::hours(5)), 5 * 85, "before its release");
        assert_eq!(charge.amount_at(RUNNING + Duration::hours(6)), 6 * 85);
        assert_eq!(charge.amount_at(RUNNING + Duration::days(365)), 6 * 85);
    }

    #[test]
    fn a_clock_before_the_start_or_a_cluster_not_yet_running_bills_nothing() {
        assert_eq!(hourly(62_000, None).amount_at(RUNNING - Duration::hours(3)), 0);
        assert_eq!(upfront(62_000, None).amount_at(RUNNING - Duration::seconds(1)), 0);
        let creating = ClusterCharge { start: None, ..hourly(62_000, None) };
        assert_eq!(creating.amount_at(RUNNING + Duration::days(3)), 0);
        // An end before the start (no such row is written) bills nothing either, rather than a negative.
        assert_eq!(hourly(62_000, Some(RUNNING - Duration::hours(1))).amount_at(RUNNING + Duration::hours(2)), 0);
    }

    #[test]
    fn a_subscription_is_paid_once_in_full_and_not_refunded_by_its_release() {
        assert_eq!(subscription_price_cents(62_000), 62_000, "one month, the only period offered");
        let charge = upfront(62_000, None);
        assert_eq!(charge.amount_at(RUNNING), 62_000);
        assert_eq!(charge.amount_at(RUNNING + Duration::days(90)), 62_000, "renewal is not modelled");
        let released = upfront(62_000, Some(RUNNING + Duration::minutes(5)));
        assert_eq!(released.amount_at(RUNNING + Duration::days(1)), 62_000);
    }

    #[test]
    fn charge_amounts_and_their_total_saturate_rather_than_overflow() {
        let far = datetime!(9999-12-31 23:59 UTC);
        let start = datetime!(-9999-01-01 00:00 UTC);
        let huge = ClusterCharge {
            terms: ChargeTerms::Hourly { monthly_price_cents: i64::MAX },
            start: Some(start),
            end: None,
        };
        assert_eq!(huge.amount_at(far), i64::MAX);
        assert_eq!(charges_total_at([huge, upfront(i64::MAX, None)], far), i64::MAX);
        assert_eq!(upfront(-1, None).amount_at(RUNNING), 0);
    }

    #[test]
    fn the_total_is_the_sum_of_the_charges_at_now() {
        let charges =
            [hourly(62_000, None), hourly(62_000, Some(RUNNING + Duration::minutes(30))), upfront(310_000, None)];
        assert_eq!(charges_total_at(charges, RUNNING + Duration::hours(3)), 3 * 85 + 85 + 310_000);
        assert_eq!(charges_total_at([], RUNNING), 0);
    }

    #[test]
    fn a_restore_is_priced_and_billed_by_its_billing_method() {
        assert_eq!(order_price_cents("Prepaid", 62_000), 62_000);
        assert_eq!(order_price_cents("Postpaid", 62_000), 62_000);
        let hourly = ChargeTerms::of(Some("Postpaid"), 62_000);
        assert_eq!((hourly.cents_per_hour(), hourly.billed_from_order()), (Some(85), false));
        for upfront in [ChargeTerms::of(Some("Prepaid"), 62_000), ChargeTerms::of(None, 1234)] {
            assert_eq!((upfront.cents_per_hour(), upfront.billed_from_order()), (None, true), "{upfront:?}");
        }
    }
}
