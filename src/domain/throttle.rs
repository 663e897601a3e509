//! Sign-in throttling, as a pure state machine: repeated failures first slow a sign-in name (or a
//! source address) down and then lock it for a while. The server keeps one [`SignInThrottle`] in memory
//! and passes `now` in.
//!
//! An attempt is counted *when it is admitted*, before its password is checked: a burst of parallel
//! attempts then can't all slip in before the first failure is recorded. A success takes its count back.
//! Unknown sign-in names are counted exactly like known ones, so the answers don't tell them apart.
//!
//! A browser that has signed a name in before (it holds a *device cookie* for that name: OWASP's
//! defence against online guessing) is counted apart, against that cookie alone: someone failing on
//! purpose to lock a name out, or spraying from many addresses, then locks out only the browsers that
//! never signed that name in, and the owner's own browser keeps its way in.

use super::text::text_enum;
use std::collections::HashMap;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

/// How one kind of key (sign-in name, source address) is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures answered at once.
    pub free_failures: u32,
    /// The failure that starts a lock (the ones between the free ones and this one are slowed down).
    pub lock_after: u32,
    /// The wait after the first slowed-down failure; it doubles with each further failure.
    pub first_delay: Duration,
    /// The longest slow-down wait.
    pub max_delay: Duration,
    /// How long a lock lasts.
    pub lock_for: Duration,
    /// Failures older than this (with no wait running) are forgotten.
    pub forget_after: Duration,
}

impl ThrottleRule {
    /// Per sign-in name: five tries, then 1, 2, 4, 8 seconds between tries, locked for 15 minutes at the tenth.
    pub const PER_LOGIN: ThrottleRule = ThrottleRule {
        free_failures: 5,
        lock_after: 10,
        first_delay: Duration::SECOND,
        max_delay: Duration::seconds(8),
        lock_for: Duration::minutes(15),
        forget_after: Duration::minutes(15),
    };

    /// Per source address: roomier, because people behind one NAT share it; a sprayer trying many
    /// names from one address is still locked out at the hundredth failure.
    pub const PER_ADDRESS: ThrottleRule = ThrottleRule {
        free_failures: 30,
        lock_after: 100,
        first_delay: Duration::SECOND,
        max_delay: Duration::seconds(10),
        lock_for: Duration::minutes(15),
        forget_after: Duration::minutes(15),
    };

    /// Per browser that has signed the name in before (its device cookie): as strict as the name's own
    /// rule, because that cookie is one browser's; its lock ends the cookie (the server forgets it).
    pub const PER_KNOWN_DEVICE: ThrottleRule = ThrottleRule::PER_LOGIN;

    /// The wait imposed after the `failures`-th failure.
    pub fn wait_after(&self, failures: u32) -> Duration {
        if failures >= self.lock_after {
            self.lock_for
        } else if failures <= self.free_failures {
            Duration::ZERO
        } else {
            let doublings = (failures - self.free_failures - 1).min(30);
            (self.first_delay * 2_i32.pow(doublings)).min(self.max_delay)
        }
    }

    fn refusal(&self, s: &Strikes, now: OffsetDateTime) -> Option<Throttled> {
        s.wait_until
            .filter(|until| *until > now)
            .map(|retry_at| Throttled { retry_at, locked: s.failures >= self.lock_after })
    }

    /// Nothing left to remember: no wait running, and either a lock has run out or the failures are old.
    fn is_spent(&self, s: &Strikes, now: OffsetDateTime) -> bool {
        self.refusal(s, now).is_none()
            && (s.failures >= self.lock_after || s.last_failure + self.forget_after <= now || s.failures == 0)
    }
}

/// The failures counted against one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strikes {
    pub failures: u32,
    pub first_failure: OffsetDateTime,
    pub last_failure: OffsetDateTime,
    pub wait_until: Option<OffsetDateTime>,
}

/// A refused attempt: when to try again, and whether it is a lock (rather than a slow-down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_at: OffsetDateTime,
    pub locked: bool,
}

/// Whole seconds in `d`, rounded up, at least 1.
fn whole_seconds_up(d: Duration) -> u64 {
    let secs = d.whole_seconds() + i64::from(d.subsec_nanoseconds() > 0);
    secs.max(1) as u64
}

/// A stretch of time in words, as the sign-in refusals and the audit trail's notes say it: whole
/// seconds (rounded up, at least one), or past a minute whole minutes (rounded up).
pub fn duration_words(d: Duration) -> String {
    let secs = whole_seconds_up(d);
    if secs < 60 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let minutes = secs.div_ceil(60);
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    }
}

impl Throttled {
    /// Whole seconds until `retry_at`, at least 1: the `Retry-After` header.
    pub fn retry_after_secs(&self, now: OffsetDateTime) -> u64 {
        whole_seconds_up(self.retry_at - now)
    }

    /// The sentence the user sees: why, and when to try again.
    pub fn message(&self, now: OffsetDateTime) -> String {
        let wait = duration_words(self.retry_at - now);
        let what = if self.locked {
            "Sign-in is locked after too many failed attempts"
        } else {
            "Too many failed sign-in attempts"
        };
        format!("{what}. Try again in {wait} (at {}).", retry_clock(self.retry_at))
    }
}

/// "08:01:30 UTC": when a throttled sign-in may be tried again, as its sentence writes it (to the
/// second: a wait can be one second).
pub(crate) fn retry_clock(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second())
}

/// What an admitted attempt counted against one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// Failures in this streak, this attempt included (should it fail).
    pub failures: u32,
    pub first_failure: OffsetDateTime,
    /// Set when this attempt, should it fail, starts a lock: until when.
    pub locks_until: Option<OffsetDateTime>,
}

/// The strikes of many keys, never more than `capacity` of them: a sprayer of fresh names or addresses
/// pushes out the least telling entries (spent ones first, then those with the fewest failures and no
/// wait running), so the table's memory is bounded and running locks are the last to go.
#[derive(Debug, Clone)]
pub struct ThrottleTable {
    rule: ThrottleRule,
    capacity: usize,
    entries: HashMap<String, Strikes>,
}

impl ThrottleTable {
    pub fn new(rule: ThrottleRule, capacity: usize) -> Self {
        ThrottleTable { rule, capacity: capacity.max(1), entries: HashMap::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn refusal(&self, key: &str, now: OffsetDateTime) -> Option<Throttled> {
        self.entries.get(key).and_then(|s| self.rule.refusal(s, now))
    }

    /// Counts an admitted attempt as a failure (taken back by [`Self::clear`] or [`Self::forgive`]).
    pub fn count_attempt(&mut self, key: &str, now: OffsetDateTime) -> Attempt {
        let rule = self.rule;
        if !self.entries.contains_key(key) && self.entries.len() >= self.capacity {
            self.make_room(now);
        }
        let s = self.entries.entry(key.to_owned()).or_insert(Strikes {
            failures: 0,
            first_failure: now,
            last_failure: now,
            wait_until: None,
        });
        if rule.is_spent(s, now) {
            *s = Strikes { failures: 0, first_failure: now, last_failure: now, wait_until: None };
        }
        s.failures += 1;
        s.last_failure = now;
        let wait = rule.wait_after(s.failures);
        s.wait_until = (wait > Duration::ZERO).then_some(now + wait);
        Attempt {
            failures: s.failures,
            first_failure: s.first_failure,
            locks_until: (s.failures == rule.lock_after).then_some(now + wait),
        }
    }

    /// Puts back a lock that was running when the server stopped (see [`StoredLock`]); a lock that has
    /// run out since is not put back, and neither is one the table has no room left for.
    fn restore(
        &mut self,
        key: &str,
        failures: u32,
        first_failure: OffsetDateTime,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) {
        if until <= now || (self.entries.len() >= self.capacity && !self.entries.contains_key(key)) {
            return;
        }
        let last_failure = until - self.rule.wait_after(failures);
        self.entries.insert(key.to_owned(), Strikes { failures, first_failure, last_failure, wait_until: Some(until) });
    }

    /// Forgets a key (a sign-in name that has just signed in).
    pub fn clear(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Takes one counted attempt back (a source address that has just signed someone in), keeping the rest.
    pub fn forgive(&mut self, key: &str, now: OffsetDateTime) {
        let rule = self.rule;
        let Some(s) = self.entries.get_mut(key) else { return };
        s.failures = s.failures.saturating_sub(1);
        if s.failures == 0 {
            self.entries.remove(key);
            return;
        }
        s.wait_until = Some(s.last_failure + rule.wait_after(s.failures)).filter(|until| *until > now);
    }

    fn make_room(&mut self, now: OffsetDateTime) {
        let rule = self.rule;
        self.entries.retain(|_, s| !rule.is_spent(s, now));
        while self.entries.len() >= self.capacity {
            let Some(victim) = self
                .entries
                .iter()
                .min_by_key(|(_, s)| (rule.refusal(s, now).is_some(), s.failures, s.last_failure))
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.entries.remove(&victim);
        }
    }
}

text_enum!(
    /// Which of the two tables a lock belongs to.
    pub enum LockScope {
        Login = "login",
        Address = "address",
    }
);

/// A lock as it is stored, so that restarting the server doesn't hand an attacker a fresh set of
/// attempts. Only locks are kept: the short slow-downs before one cost a write per failure and
/// are over in seconds anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLock {
    pub scope: LockScope,
    /// The throttle's own key (a lower-cased sign-in name, or an address or /64).
    pub key: String,
    pub failures: u32,
    pub first_failure: OffsetDateTime,
    pub until: OffsetDateTime,
}

/// What an admitted sign-in attempt counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub login: Attempt,
    pub address: Attempt,
}

/// The tables a sign-in goes through: its name's and its source address's, or, from a browser that has
/// signed the name in before, that browser's alone.
#[derive(Debug, Clone)]
pub struct SignInThrottle {
    logins: ThrottleTable,
    addresses: ThrottleTable,
    known_devices: ThrottleTable,
}

/// Sign-in names longer than this are refused before throttling (see the sign-in service).
const MAX_KEY_CHARS: usize = 128;

impl SignInThrottle {
    pub fn new(per_login: ThrottleRule, per_address: ThrottleRule, capacity: usize) -> Self {
        SignInThrottle {
            logins: ThrottleTable::new(per_login, capacity),
            addresses: ThrottleTable::new(per_address, capacity),
            known_devices: ThrottleTable::new(ThrottleRule::PER_KNOWN_DEVICE, capacity),
        }
    }

    /// Counts an attempt from a browser that has signed this name in before (`device`: the key of its
    /// cookie), against that browser alone, or refuses it while that browser waits. The name's and the
    /// address's tables are neither consulted nor counted: their locks are what such a browser is spared.
    /// An attempt that starts a lock (`locks_until`) ends the cookie's trust.
    pub fn admit_known_device(&mut self, device: &str, now: OffsetDateTime) -> Result<Attempt, Throttled> {
        if let Some(wait) = self.known_devices.refusal(device, now) {
            return Err(wait);
        }
        Ok(self.known_devices.count_attempt(device, now))
    }

    /// The known browser's attempt was right: it starts afresh.
    pub fn known_device_succeeded(&mut self, device: &str) {
        self.known_devices.clear(device);
    }

    /// The known browser's attempt was never checked (the server was too busy to): it gets it back.
    pub fn known_device_withdraw(&mut self, device: &str, now: OffsetDateTime) {
        self.known_devices.forgive(device, now);
    }

    /// Counts the attempt against both keys, or refuses it (counting nothing) while either waits;
    /// the later of the two waits is the one to honour.
    pub fn admit(&mut self, login: &str, address: Option<IpAddr>, now: OffsetDateTime) -> Result<Admission, Throttled> {
        let (login, address) = (login_key(login), address_key(address));
        match (self.logins.refusal(&login, now), self.addresses.refusal(&address, now)) {
            (None, None) => {}
            (a, b) => {
                let refusals = a.into_iter().chain(b);
                return Err(refusals.max_by_key(|t| t.retry_at).expect("at least one refusal"));
            }
        }
        Ok(Admission {
            login: self.logins.count_attempt(&login, now),
            address: self.addresses.count_attempt(&address, now),
        })
    }

    /// The attempt was right: its name starts afresh, its address gets that one attempt back.
    pub fn succeeded(&mut self, login: &str, address: Option<IpAddr>, now: OffsetDateTime) {
        self.logins.clear(&login_key(login));
        self.addresses.forgive(&address_key(address), now);
    }

    /// The attempt was never checked (the server was too busy to): both keys get it back.
    pub fn withdraw(&mut self, login: &str, address: Option<IpAddr>, now: OffsetDateTime) {
        self.logins.forgive(&login_key(login), now);
        self.addresses.forgive(&address_key(address), now);
    }

    /// The locks this admitted attempt starts if it fails: what to store.
    pub fn locks_started(admission: &Admission, login: &str, address: Option<IpAddr>) -> Vec<StoredLock> {
        let lock = |scope, key: String, a: &Attempt| {
            a.locks_until.map(|until| StoredLock {
                scope,
                key,
                failures: a.failures,
                first_failure: a.first_failure,
                until,
            })
        };
        [
            lock(LockScope::Login, login_key(login), &admission.login),
            lock(LockScope::Address, address_key(address), &admission.address),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Puts back a stored lock (at start-up).
    pub fn restore(&mut self, lock: &StoredLock, now: OffsetDateTime) {
        let table = match lock.scope {
            LockScope::Login => &mut self.logins,
            LockScope::Address => &mut self.addresses,
        };
        table.restore(&lock.key, lock.failures, lock.first_failure, lock.until, now);
    }

    /// Entries held (for the bound's tests and the logs).
    pub fn len(&self) -> usize {
        self.logins.len() + self.addresses.len() + self.known_devices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `Owner` and `owner` are one name to the throttle, whatever the store's rules.
fn login_key(login: &str) -> String {
    login.trim().chars().take(MAX_KEY_CHARS).flat_map(char::to_lowercase).collect()
}

/// An IPv6 host usually holds a whole /64, so that is what is counted; an unknown peer is one key.
/// (The server's connection limit counts clients by the same key.)
pub fn address_key(address: Option<IpAddr>) -> String {
    match address.map(|a| a.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);
    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    const OTHER: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7)));

    fn throttle() -> SignInThrottle {
        SignInThrottle::new(ThrottleRule::PER_LOGIN, ThrottleRule::PER_ADDRESS, 1000)
    }

    /// Fails `n` attempts of `login` from `address`, each as soon as it is allowed; returns the time after the last.
    fn fail(
        t: &mut SignInThrottle,
        login: &str,
        address: Option<IpAddr>,
        n: u32,
        mut now: OffsetDateTime,
    ) -> OffsetDateTime {
        for _ in 0..n {
            if let Err(wait) = t.admit(login, address, now) {
                now = wait.retry_at;
                t.admit(login, address, now).expect("admitted once its wait is over");
            }
        }
        now
    }

    #[test]
    fn a_stored_lock_put_back_after_a_restart_refuses_until_it_runs_out() {
        let mut t = throttle();
        let mut now = T0;
        let mut stored = Vec::new();
        while stored.is_empty() {
            match t.admit("owner", HOME, now) {
                Ok(admission) => stored = SignInThrottle::locks_started(&admission, "owner", HOME),
                Err(wait) => now = wait.retry_at,
            }
        }
        assert_eq!(stored[0].scope, LockScope::Login);
        assert_eq!(stored[0].key, "owner");
        let mut restarted = throttle();
        for lock in &stored {
            restarted.restore(lock, now);
        }
        let refused = restarted.admit("Owner", OTHER, now).expect_err("locked across the restart");
        assert!(refused.locked);
        assert_eq!(refused.retry_at, stored[0].until);
        assert!(restarted.admit("owner", OTHER, stored[0].until).is_ok(), "free once the lock runs out");
    }

    #[test]
    fn a_name_locked_by_others_failures_still_admits_a_browser_that_signed_it_in_before() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", OTHER, ThrottleRule::PER_LOGIN.lock_after, T0);
        assert!(t.admit("owner", HOME, now).expect_err("the name is locked").locked);
        let attempt = t.admit_known_device("device-of-owner", now).expect("the known browser is counted apart");
        assert_eq!((attempt.failures, attempt.locks_until), (1, None));
        t.known_device_succeeded("device-of-owner");
        assert!(t.admit("owner", HOME, now).is_err(), "its success does not lift the name's lock for others");
    }

    #[test]
    fn a_known_browsers_own_failures_lock_it_at_the_names_limit_and_say_so() {
        let mut t = throttle();
        let mut now = T0;
        let mut last = None;
        while last.is_none_or(|a: Attempt| a.locks_until.is_none()) {
            match t.admit_known_device("device", now) {
                Ok(a) => last = Some(a),
                Err(wait) => now = wait.retry_at,
            }
        }
        let last = last.unwrap();
        assert_eq!(last.failures, ThrottleRule::PER_LOGIN.lock_after);
        assert!(t.admit_known_device("device", now).expect_err("locked").locked);
        assert!(t.admit("owner", HOME, now).is_ok(), "the browser's failures are not the name's nor the address's");
    }

    #[test]
    fn a_known_browsers_attempt_withdrawn_as_busy_is_not_counted() {
        let mut t = throttle();
        for _ in 0..ThrottleRule::PER_LOGIN.free_failures {
            t.admit_known_device("device", T0).unwrap();
            t.known_device_withdraw("device", T0);
        }
        assert_eq!(t.admit_known_device("device", T0).unwrap().failures, 1);
    }

    #[test]
    fn a_lock_that_ran_out_while_the_server_was_down_is_not_put_back() {
        let lock = StoredLock {
            scope: LockScope::Address,
            key: "192.0.2.1".into(),
            failures: 30,
            first_failure: T0,
            until: T0 + Duration::minutes(15),
        };
        let mut t = throttle();
        t.restore(&lock, T0 + Duration::minutes(16));
        assert!(t.is_empty());
    }

    #[test]
    fn the_first_five_failures_are_answered_at_once() {
        let mut t = throttle();
        for n in 1..=5 {
            let a = t.admit("owner", HOME, T0).expect("free attempt");
            assert_eq!(a.login.failures, n);
        }
        assert!(t.admit("owner", HOME, T0).is_ok(), "the sixth try is allowed, it is what comes after it that waits");
    }

    #[test]
    fn after_the_free_failures_each_try_waits_twice_as_long_as_the_last() {
        let rule = ThrottleRule::PER_LOGIN;
        let waits: Vec<i64> = (5..=9).map(|n| rule.wait_after(n).whole_seconds()).collect();
        assert_eq!(waits, [0, 1, 2, 4, 8]);
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 6, T0);
        let refused = t.admit("owner", HOME, now).expect_err("slowed down");
        assert_eq!(refused, Throttled { retry_at: now + Duration::SECOND, locked: false });
        assert_eq!(refused.retry_after_secs(now), 1);
        assert!(t.admit("owner", HOME, now + Duration::SECOND).is_ok());
    }

    #[test]
    fn slow_down_waits_never_exceed_the_maximum() {
        let rule = ThrottleRule::PER_ADDRESS;
        assert_eq!(rule.wait_after(31), Duration::SECOND);
        assert_eq!(rule.wait_after(99), rule.max_delay);
    }

    #[test]
    fn the_tenth_failure_locks_the_name_for_fifteen_minutes() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 9, T0) + ThrottleRule::PER_LOGIN.wait_after(9);
        let tenth = t.admit("owner", HOME, now).expect("the tenth try is admitted");
        assert_eq!(tenth.login.locks_until, Some(now + Duration::minutes(15)));
        assert_eq!(tenth.login.first_failure, T0);
        let refused = t.admit("owner", HOME, now + Duration::minutes(14)).expect_err("locked");
        assert!(refused.locked);
        assert_eq!(refused.retry_at, now + Duration::minutes(15));
    }

    #[test]
    fn a_refused_attempt_counts_nothing() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 7, T0);
        for _ in 0..50 {
            assert!(t.admit("owner", HOME, now).is_err());
        }
        let next = t.admit("owner", HOME, now + Duration::seconds(2)).expect("wait over");
        assert_eq!(next.login.failures, 8);
    }

    #[test]
    fn the_lock_lifts_when_it_runs_out_and_counting_starts_afresh() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 10, T0);
        let later = now + Duration::minutes(15);
        let a = t.admit("owner", HOME, later).expect("lock over");
        assert_eq!(a.login.failures, 1);
        assert_eq!(a.login.first_failure, later);
    }

    #[test]
    fn old_failures_are_forgotten() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 5, T0);
        let a = t.admit("owner", HOME, now + Duration::minutes(16)).unwrap();
        assert_eq!(a.login.failures, 1);
    }

    #[test]
    fn an_unknown_name_is_throttled_exactly_like_a_known_one() {
        // The throttle never learns whether a name exists: the same counts give the same answers.
        let mut t = throttle();
        let a = fail(&mut t, "owner", HOME, 10, T0);
        let b = fail(&mut t, "nobody-at-all", OTHER, 10, T0);
        assert_eq!(a, b);
        assert_eq!(t.admit("owner", HOME, a).unwrap_err(), t.admit("nobody-at-all", OTHER, b).unwrap_err());
    }

    #[test]
    fn names_differing_only_in_case_or_spaces_share_their_count() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 10, T0);
        assert!(t.admit(" OWNER ", OTHER, now).is_err());
    }

    #[test]
    fn a_success_clears_the_name_and_gives_the_address_its_attempt_back() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 3, T0);
        t.succeeded("owner", HOME, now);
        assert_eq!(t.admit("owner", HOME, now).unwrap().login.failures, 1);
        assert_eq!(t.admit("other", HOME, now).unwrap().address.failures, 4, "3 failures + 2 attempts - 1 success");
    }

    #[test]
    fn a_withdrawn_attempt_is_not_counted_against_either_key() {
        let mut t = throttle();
        let now = fail(&mut t, "owner", HOME, 5, T0);
        let sixth = t.admit("owner", HOME, now).unwrap();
        assert_eq!(sixth.login.failures, 6);
        t.withdraw("owner", HOME, now);
        let again = t.admit("owner", HOME, now).expect("no wait after five failures");
        assert_eq!((again.login.failures, again.address.failures), (6, 6));
    }

    #[test]
    fn one_address_spraying_many_names_is_slowed_and_then_locked_at_its_hundredth_failure() {
        let mut t = throttle();
        let (mut now, mut admitted, mut slowed) = (T0, 0, 0);
        let lock = loop {
            match t.admit(&format!("guess{admitted}"), HOME, now) {
                Ok(_) => admitted += 1,
                Err(wait) if !wait.locked => {
                    slowed += 1;
                    now = wait.retry_at;
                }
                Err(lock) => break lock,
            }
        };
        assert_eq!(admitted, 100);
        assert_eq!(slowed, 69, "every failure after the 30 free ones waited");
        assert_eq!(lock.retry_at, now + Duration::minutes(15));
        // Another address is not affected.
        assert!(t.admit("guess0", OTHER, now).is_ok());
    }

    #[test]
    fn the_address_lock_refuses_every_name_from_that_address() {
        let mut t = SignInThrottle::new(
            ThrottleRule::PER_LOGIN,
            ThrottleRule { free_failures: 2, lock_after: 3, ..ThrottleRule::PER_ADDRESS },
            100,
        );
        for login in ["a1", "a2", "a3"] {
            t.admit(login, HOME, T0).unwrap();
        }
        let refused = t.admit("fresh-name", HOME, T0).unwrap_err();
        assert_eq!(refused, Throttled { retry_at: T0 + Duration::minutes(15), locked: true });
    }

    #[test]
    fn the_later_of_the_two_waits_is_the_one_given() {
        let mut t = SignInThrottle::new(
            ThrottleRule::PER_LOGIN,
            ThrottleRule { free_failures: 0, lock_after: 50, ..ThrottleRule::PER_ADDRESS },
            100,
        );
        let now = fail(&mut t, "owner", HOME, 10, T0);
        let refused = t.admit("owner", HOME, now).unwrap_err();
        assert_eq!(refused.retry_at, now + Duration::minutes(15));
    }

    #[test]
    fn ipv6_addresses_are_counted_per_64_bit_prefix() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_key(Some(a)), address_key(Some(b)));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_key(Some(mapped)), "192.0.2.1");
    }

    #[test]
    fn the_table_never_holds_more_than_its_capacity() {
        let mut table = ThrottleTable::new(ThrottleRule::PER_LOGIN, 100);
        for n in 0..10_000 {
            table.count_attempt(&format!("spray{n}"), T0 + Duration::milliseconds(n));
        }
        assert!(table.len() <= 100, "{}", table.len());
    }

    #[test]
    fn a_running_lock_outlives_a_spray_of_fresh_names() {
        let mut table = ThrottleTable::new(ThrottleRule::PER_LOGIN, 100);
        let mut now = T0;
        for _ in 0..10 {
            if let Some(wait) = table.refusal("owner", now) {
                now = wait.retry_at;
            }
            table.count_attempt("owner", now);
        }
        for n in 0..5_000 {
            table.count_attempt(&format!("spray{n}"), now);
        }
        assert!(table.refusal("owner", now).is_some_and(|t| t.locked));
    }

    #[test]
    fn spent_entries_are_dropped_first_when_room_is_needed() {
        let mut table = ThrottleTable::new(ThrottleRule::PER_LOGIN, 2);
        table.count_attempt("old", T0);
        table.count_attempt("recent", T0 + Duration::minutes(10));
        table.count_attempt("new", T0 + Duration::minutes(16));
        assert_eq!(table.len(), 2);
        assert_eq!(table.count_attempt("recent", T0 + Duration::minutes(17)).failures, 2, "the recent entry was kept");
    }

    #[test]
    fn the_message_says_when_to_try_again() {
        let wait = Throttled { retry_at: T0 + Duration::minutes(15), locked: true };
        assert_eq!(
            wait.message(T0),
            "Sign-in is locked after too many failed attempts. Try again in 15 minutes (at 08:15:00 UTC)."
        );
        let wait = Throttled { retry_at: T0 + Duration::SECOND, locked: false };
        assert_eq!(wait.message(T0), "Too many failed sign-in attempts. Try again in 1 second (at 08:00:01 UTC).");
        assert_eq!(Throttled { retry_at: T0 + Duration::milliseconds(1500), locked: false }.retry_after_secs(T0), 2);
    }
}
