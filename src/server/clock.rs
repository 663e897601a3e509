//! The server's notion of "now". Services never read the system clock themselves, so tests can fix or
//! advance time (invitation expiry, revocation delay) without sleeping.

use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

#[derive(Clone, Debug)]
pub enum Clock {
    /// The system clock shifted by an offset (the `--clock-offset-secs` setting, for end-to-end tests).
    System { offset: Duration },
    /// A clock that only moves when a test moves it.
    Manual(Arc<Mutex<OffsetDateTime>>),
}

impl Clock {
    pub fn system() -> Self {
        Clock::System { offset: Duration::ZERO }
    }

    pub fn manual(start: OffsetDateTime) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System { offset } => OffsetDateTime::now_utc() + *offset,
            Clock::Manual(t) => *t.lock().unwrap_or_else(|poison| poison.into_inner()),
        }
    }

    /// Moves a manual clock forward; a no-op for the system clock.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            let mut t = t.lock().unwrap_or_else(|poison| poison.into_inner());
            *t += by;
        }
    }
}
