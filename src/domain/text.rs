//! The one way a domain state travels as text: the same word in the database, on the wire (serde) and
//! in the console's data. `text_enum!` declares an enum with its words; the enum derives serde and,
//! on the server, `sqlx::Type`, so rows decode straight into it and a word the enum does not know is an
//! error where it is read, never a silent default.

use std::fmt;
use time::OffsetDateTime;

/// The one text an instant is stored and sent as: RFC 3339 in UTC, to the second
/// ("2026-11-29T03:00:00Z"). Every stored time has this one shape, so times compare as text in the
/// order of their instants (`revoke_at <= ?now`). None for a year RFC 3339 can't write (outside
/// 0000-9999).
pub fn utc_seconds(t: OffsetDateTime) -> Option<String> {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).ok()?;
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

/// What debug output (`{:?}`, which logs, spans and panic messages print) shows in place of a secret:
/// an AccessKey secret, a password hash, a session's digest. A struct holding one writes its `Debug` by
/// hand with this in the secret's place, so no `?value` in a log line can carry it.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A stored or received word that names no variant of the enum it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownText {
    pub what: &'static str,
    pub text: String,
}

impl fmt::Display for UnknownText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.text)
    }
}

impl std::error::Error for UnknownText {}

/// Declares a domain enum whose variants are written as the given words everywhere.
macro_rules! text_enum {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        $vis enum $name {
            $($(#[$vm])* #[serde(rename = $text)] #[cfg_attr(feature = "ssr", sqlx(rename = $text))] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored in the database and sent to the console.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The variant a word names, if any.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownText;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| $crate::domain::UnknownText { what: stringify!($name), text: s.to_owned() })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use super::super::{BackupLevel, InvitationStatus, Policy, Site};

    #[test]
    fn every_word_parses_back_to_its_variant() {
        for level in BackupLevel::ALL {
            assert_eq!(level.as_str().parse::<BackupLevel>(), Ok(*level));
        }
        for policy in Policy::ALL {
            assert_eq!(Policy::parse(policy.as_str()), Some(*policy));
        }
    }

    #[test]
    fn an_unknown_word_is_an_error_not_a_default() {
        let err = "Maybe".parse::<InvitationStatus>().unwrap_err();
        assert_eq!(err.what, "InvitationStatus");
        assert!("example.com".parse::<Site>().is_err());
    }

    #[test]
    fn serde_writes_the_same_word_as_the_database() {
        assert_eq!(serde_json::to_string(&BackupLevel::Level2).unwrap(), "\"Level-2\"");
        assert_eq!(serde_json::from_str::<Site>("\"alibabacloud.com\"").unwrap(), Site::International);
    }
}
