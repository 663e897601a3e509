//! How long a console session lasts: an hour after its last use, and never past twelve hours after
//! its sign-in. A browser left open and signed in stops being a way in within the hour; one in use
//! still signs in again twice a day.
//!
//! The end is one stored time (`session.expires_at`), which every check reads as it is (the request's
//! and the write's own, `server::grant`); a use moves it later, at most once per
//! [`SESSION_RENEWAL_STEP`], so a busy session costs a write every few minutes, not one per request.

use time::{Duration, OffsetDateTime};

/// The longest a session lasts, however busy.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// How long a session lasts unused.
pub const SESSION_IDLE: Duration = Duration::hours(1);
/// A use moves the end only when that moves it by at least this (or to the session's last moment):
/// an unused session therefore ends between `SESSION_IDLE - SESSION_RENEWAL_STEP` and `SESSION_IDLE`
/// after its last use.
pub const SESSION_RENEWAL_STEP: Duration = Duration::minutes(5);

/// How long a browser that signed a name in stays known to the sign-in throttle for that name (its
/// device cookie, `domain::throttle`). It grants nothing by itself: a sign-in from it still needs the
/// password. A month, so that an owner who signs in monthly is not locked out by strangers' failures.
pub const KNOWN_DEVICE_LIFETIME: Duration = Duration::days(30);

/// The end of a session signed in at `now`.
pub fn session_end_at_sign_in(now: OffsetDateTime) -> OffsetDateTime {
    now + SESSION_IDLE.min(SESSION_LIFETIME)
}

/// The new end of a live session (signed in at `signed_in_at`, ending at `ends_at`) used at `now`, when
/// it is due to move: an idle period from now, never past its lifetime.
pub fn renewed_session_end(
    signed_in_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let last_moment = signed_in_at + SESSION_LIFETIME;
    let end = (now + SESSION_IDLE).min(last_moment);
    (end > ends_at && (end - ends_at >= SESSION_RENEWAL_STEP || end == last_moment)).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

    #[test]
    fn a_new_session_ends_an_idle_period_after_its_sign_in() {
        assert_eq!(session_end_at_sign_in(T0), T0 + Duration::hours(1));
    }

    #[test]
    fn a_use_moves_the_end_an_idle_period_on_once_that_gains_the_renewal_step() {
        let end = T0 + SESSION_IDLE;
        assert_eq!(renewed_session_end(T0, end, T0 + Duration::minutes(4)), None, "four minutes gained: not yet");
        assert_eq!(renewed_session_end(T0, end, T0 + Duration::minutes(5)), Some(end + Duration::minutes(5)));
        assert_eq!(renewed_session_end(T0, end, T0 + Duration::minutes(40)), Some(end + Duration::minutes(40)));
    }

    #[test]
    fn no_use_moves_the_end_past_twelve_hours_after_the_sign_in_and_the_last_renewal_reaches_it_exactly() {
        let last_moment = T0 + SESSION_LIFETIME;
        let end = last_moment - Duration::minutes(2);
        assert_eq!(
            renewed_session_end(T0, end, last_moment - Duration::minutes(30)),
            Some(last_moment),
            "a gain under the step, to the very end"
        );
        assert_eq!(renewed_session_end(T0, last_moment, last_moment - Duration::minutes(1)), None);
    }

    #[test]
    fn an_end_never_moves_earlier() {
        let end = T0 + Duration::hours(2);
        assert_eq!(renewed_session_end(T0, end, T0 + Duration::minutes(30)), None);
    }
}
