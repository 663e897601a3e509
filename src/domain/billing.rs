//! What an account pays, worked out at `now` (no clock here: `now` is passed in).
//!
//! - **Backup storage** (the owner of the sets): the storage of the sets it keeps at `now`, the first
//!   100 GiB free and each further whole GiB at a fixed monthly price.
//! - **Restored clusters** (the account that restored them), by the billing method chosen at restore:
//!   - *Subscription* (`Prepaid`): the node specification's monthly price for each month of the term
//!     bought (CreateDBCluster's `Period` and `UsedTime`: 1 to 9 months, or 1 to 3 years; a year is 12
//!     months' price, as no discount is modelled), paid once, up front, when the restore is ordered. The
//!     term ends that many calendar months after the order (the cluster's `ExpireTime`). Releasing the
//!     cluster early refunds nothing, as a subscription's unused time is not refunded on release;
//!     renewal, and what the service does to a cluster past its term, are not modelled.
//!   - *Pay-as-you-go* (`Postpaid`): the node specification's hourly price (its monthly price / 730
//!     hours, rounded to the nearest cent, half up) for each hour begun from when the cluster is running
//!     until it is released; a part of an hour counts as a whole one, as an hourly bill charges it. The
//!     hours run from Running, not from the order: while a restore creates the cluster the account can't
//!     use it, and a long restore would otherwise bill hours of the service's own work. At `now` the
//!     charge is what the hours begun so far cost (what releasing it now would come to); from its release
//!     on it stays at its final amount.
//!   - A charge stored before charges had a billing method, whose cluster is unknown or whose release
//!     time is nowhere recorded, stays what it was billed: its price, once.

use crate::domain::Refusal;
use time::{Duration, Month, OffsetDateTime};

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

/// How long a subscription is bought for: CreateDBCluster's `Period` (`Month` or `Year`) and `UsedTime`
/// (1-9 months or 1-3 years), as the real service takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionTerm {
    Months(u8),
    Years(u8),
}

impl SubscriptionTerm {
    /// The longest terms on sale: 9 months, 3 years.
    pub const MAX_MONTHS: u8 = 9;
    pub const MAX_YEARS: u8 = 3;

    /// Every term on sale, shortest first (the Restore dialog's choices).
    pub fn all() -> impl Iterator<Item = SubscriptionTerm> {
        (1..=Self::MAX_MONTHS).map(SubscriptionTerm::Months).chain((1..=Self::MAX_YEARS).map(SubscriptionTerm::Years))
    }

    /// The term from `Period` and `UsedTime` as sent. Both are required for a subscription; the count is a
    /// plain decimal whole number in the period's range (no sign, no spaces, no leading zeros).
    pub fn parse(period: Option<&str>, used_time: Option<&str>) -> Result<SubscriptionTerm, Refusal> {
        let (make, max, period): (fn(u8) -> SubscriptionTerm, u8, &'static str) = match period {
            None => return Err(Refusal::SubscriptionPeriodMissing),
            Some("Month") => (SubscriptionTerm::Months, Self::MAX_MONTHS, "Month"),
            Some("Year") => (SubscriptionTerm::Years, Self::MAX_YEARS, "Year"),
            Some(_) => return Err(Refusal::UnknownSubscriptionPeriod),
        };
        let used = used_time.ok_or(Refusal::SubscriptionUsedTimeMissing)?;
        // `u8::from_str` takes a `+` sign and leading zeros: neither is a plain count.
        let plain = used.bytes().all(|b| b.is_ascii_digit()) && !used.starts_with('0');
        match used.parse::<u8>() {
            Ok(n) if plain && (1..=max).contains(&n) => Ok(make(n)),
            _ => Err(Refusal::SubscriptionUsedTimeOutOfRange { period }),
        }
    }

    /// `Period` and `UsedTime` as the API names the term.
    pub fn period_and_used_time(self) -> (&'static str, u8) {
        match self {
            SubscriptionTerm::Months(n) => ("Month", n),
            SubscriptionTerm::Years(n) => ("Year", n),
        }
    }

    /// The months it runs.
    pub fn months(self) -> u8 {
        match self {
            SubscriptionTerm::Months(n) => n,
            SubscriptionTerm::Years(n) => n.saturating_mul(12),
        }
    }

    /// The term as a stored month count (1-36), back: a year is stored as its 12 months, and read as a
    /// year again (the only way a multiple of 12 past 9 can have been bought).
    pub fn from_months(months: i64) -> Option<SubscriptionTerm> {
        let n = u8::try_from(months).ok()?;
        match n {
            1..=9 => Some(SubscriptionTerm::Months(n)),
            12 | 24 | 36 => Some(SubscriptionTerm::Years(n / 12)),
            _ => None,
        }
    }

    /// "3 months", "1 year".
    pub fn label(self) -> String {
        let (n, unit) = match self {
            SubscriptionTerm::Months(n) => (n, "month"),
            SubscriptionTerm::Years(n) => (n, "year"),
        };
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    }

    /// When a term ordered at `ordered` ends: that many calendar months on, at the same time of day; a
    /// day the month does not have is its last (31 January + 1 month is 28 or 29 February).
    pub fn ends_at(self, ordered: OffsetDateTime) -> OffsetDateTime {
        let total = i64::from(ordered.month() as u8 - 1) + i64::from(self.months());
        let year = ordered.year() + i32::try_from(total / 12).unwrap_or(0);
        let month = Month::try_from(u8::try_from(total % 12 + 1).unwrap_or(1)).unwrap_or(Month::January);
        let day = ordered.day().min(month.length(year));
        let date = time::Date::from_calendar_date(year, month, day).unwrap_or(ordered.date());
        ordered.replace_date(date)
    }
}

/// The billing method a restore is ordered with: pay-as-you-go, or a subscription for its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingChoice {
    PayAsYouGo,
    Subscription(SubscriptionTerm),
}

impl BillingChoice {
    /// From CreateDBCluster's `PayType`, `Period` and `UsedTime` (the console sends the same three). The
    /// term is read only for a subscription: for pay-as-you-go the service ignores it, as its reference
    /// says (it "takes effect only when PayType is Prepaid").
    pub fn parse(pay_type: &str, period: Option<&str>, used_time: Option<&str>) -> Result<BillingChoice, Refusal> {
        match pay_type {
            "Postpaid" => Ok(BillingChoice::PayAsYouGo),
            "Prepaid" => SubscriptionTerm::parse(period, used_time).map(BillingChoice::Subscription),
            _ => Err(Refusal::UnknownPayType),
        }
    }

    /// `Postpaid` or `Prepaid`, as stored and answered.
    pub fn pay_type(self) -> &'static str {
        match self {
            BillingChoice::PayAsYouGo => "Postpaid",
            BillingChoice::Subscription(_) => "Prepaid",
        }
    }

    /// The subscription's term, if it is one.
    pub fn term(self) -> Option<SubscriptionTerm> {
        match self {
            BillingChoice::PayAsYouGo => None,
            BillingChoice::Subscription(term) => Some(term),
        }
    }

    /// The price the restore's charge is ordered at, for the node specification's `monthly_price_cents`:
    /// a subscription's for its whole term, pay-as-you-go's monthly price (of which each hour costs a
    /// 730th).
    pub fn order_price_cents(self, monthly_price_cents: i64) -> i64 {
        match self {
            BillingChoice::PayAsYouGo => monthly_price_cents,
            BillingChoice::Subscription(term) => subscription_price_cents(monthly_price_cents, term),
        }
    }
}

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

/// The hourly price of a monthly price: / 730 hours, to the nearest cent (half a cent up). A negative
/// price (which the database refuses) is taken as nothing.
pub fn hourly_price_cents(monthly_price_cents: i64) -> i64 {
    monthly_price_cents.max(0).saturating_add(HOURS_PER_BILLING_MONTH / 2) / HOURS_PER_BILLING_MONTH
}

/// A subscription's price for its term: the monthly price of each month bought.
pub fn subscription_price_cents(monthly_price_cents: i64, term: SubscriptionTerm) -> i64 {
    monthly_price_cents.max(0).saturating_mul(i64::from(term.months()))
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
        assert_eq!(subscription_price_cents(62_000, SubscriptionTerm::Months(1)), 62_000);
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
        let month = BillingChoice::parse("Prepaid", Some("Month"), Some("1")).unwrap();
        assert_eq!(month.order_price_cents(62_000), 62_000);
        let quarter = BillingChoice::parse("Prepaid", Some("Month"), Some("3")).unwrap();
        assert_eq!(quarter.order_price_cents(62_000), 3 * 62_000, "each month of the term");
        let years = BillingChoice::parse("Prepaid", Some("Year"), Some("2")).unwrap();
        assert_eq!(years.order_price_cents(62_000), 24 * 62_000, "a year is twelve months' price");
        let hourly = BillingChoice::parse("Postpaid", None, None).unwrap();
        assert_eq!(hourly.order_price_cents(62_000), 62_000, "the monthly price, billed by the hour");
        let hourly = ChargeTerms::of(Some("Postpaid"), 62_000);
        assert_eq!((hourly.cents_per_hour(), hourly.billed_from_order()), (Some(85), false));
        for upfront in [ChargeTerms::of(Some("Prepaid"), 62_000), ChargeTerms::of(None, 1234)] {
            assert_eq!((upfront.cents_per_hour(), upfront.billed_from_order()), (None, true), "{upfront:?}");
        }
    }

    #[test]
    fn a_subscription_term_is_one_to_nine_months_or_one_to_three_years() {
        let term = |p: &str, u: &str| SubscriptionTerm::parse(Some(p), Some(u));
        assert_eq!(term("Month", "1"), Ok(SubscriptionTerm::Months(1)));
        assert_eq!(term("Month", "9"), Ok(SubscriptionTerm::Months(9)));
        assert_eq!(term("Year", "1"), Ok(SubscriptionTerm::Years(1)));
        assert_eq!(term("Year", "3"), Ok(SubscriptionTerm::Years(3)));
        let months = Err(Refusal::SubscriptionUsedTimeOutOfRange { period: "Month" });
        let years = Err(Refusal::SubscriptionUsedTimeOutOfRange { period: "Year" });
        for used in ["0", "10", "", "01", "+3", " 3", "3 ", "3.0", "-1", "٣", "99999999999999999999", "1e1"] {
            assert_eq!(term("Month", used), months, "{used:?}");
        }
        assert_eq!(term("Year", "4"), years);
        assert_eq!(term("Year", "0"), years);
        for period in ["month", "MONTH", "Week", "Day", "", "Month "] {
            assert_eq!(term(period, "1"), Err(Refusal::UnknownSubscriptionPeriod), "{period:?}");
        }
        assert_eq!(SubscriptionTerm::parse(None, Some("1")), Err(Refusal::SubscriptionPeriodMissing));
        assert_eq!(SubscriptionTerm::parse(Some("Month"), None), Err(Refusal::SubscriptionUsedTimeMissing));
    }

    #[test]
    fn the_term_is_read_only_for_a_subscription() {
        // Pay-as-you-go ignores Period and UsedTime, whatever they hold, as the service does.
        assert_eq!(BillingChoice::parse("Postpaid", Some("Week"), Some("99")), Ok(BillingChoice::PayAsYouGo));
        assert_eq!(BillingChoice::parse("Prepaid", None, None), Err(Refusal::SubscriptionPeriodMissing));
        assert_eq!(BillingChoice::parse("prepaid", Some("Month"), Some("1")), Err(Refusal::UnknownPayType));
        let choice = BillingChoice::parse("Prepaid", Some("Year"), Some("1")).unwrap();
        assert_eq!((choice.pay_type(), choice.term()), ("Prepaid", Some(SubscriptionTerm::Years(1))));
    }

    #[test]
    fn every_term_on_sale_is_stored_as_months_and_read_back_as_itself() {
        let all: Vec<SubscriptionTerm> = SubscriptionTerm::all().collect();
        assert_eq!(all.len(), 12);
        for term in all {
            assert_eq!(SubscriptionTerm::from_months(i64::from(term.months())), Some(term), "{term:?}");
            let (period, used) = term.period_and_used_time();
            assert_eq!(SubscriptionTerm::parse(Some(period), Some(&used.to_string())), Ok(term));
        }
        for months in [0, 10, 11, 13, 48, -12, i64::MAX] {
            assert_eq!(SubscriptionTerm::from_months(months), None, "{months}");
        }
        assert_eq!(SubscriptionTerm::Months(1).label(), "1 month");
        assert_eq!(SubscriptionTerm::Years(3).label(), "3 years");
    }

    #[test]
    fn a_term_ends_that_many_calendar_months_on_on_the_last_day_where_the_month_is_short() {
        let at = |t: SubscriptionTerm, from: OffsetDateTime| t.ends_at(from);
        assert_eq!(
            at(SubscriptionTerm::Months(1), datetime!(2026-11-25 08:30:05 UTC)),
            datetime!(2026-12-25 08:30:05 UTC)
        );
        assert_eq!(
            at(SubscriptionTerm::Months(3), datetime!(2026-11-25 08:00 UTC)),
            datetime!(2027-02-25 08:00 UTC),
            "over the year's end"
        );
        assert_eq!(at(SubscriptionTerm::Months(1), datetime!(2027-01-31 10:00 UTC)), datetime!(2027-02-28 10:00 UTC));
        assert_eq!(at(SubscriptionTerm::Months(1), datetime!(2028-01-31 10:00 UTC)), datetime!(2028-02-29 10:00 UTC));
        assert_eq!(at(SubscriptionTerm::Years(1), datetime!(2028-02-29 10:00 UTC)), datetime!(2029-02-28 10:00 UTC));
        assert_eq!(at(SubscriptionTerm::Years(3), datetime!(2026-12-31 23:59 UTC)), datetime!(2029-12-31 23:59 UTC));
        assert_eq!(at(SubscriptionTerm::Months(9), datetime!(2026-05-31 00:00 UTC)), datetime!(2027-02-28 00:00 UTC));
    }
}
