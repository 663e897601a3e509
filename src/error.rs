//! `AppError`: the one error type every server function returns, shared by server and browser.
//!
//! It carries an API-style code and a sentence for the user. Unexpected failures become `internal()`,
//! whose cause is logged on the server and never sent to the browser.

use crate::domain::{ErrorKind, IdError, NameError, PasswordError, Refusal};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    /// e.g. `ShareWithYourself`, `QuotaExceeded.SharedResource.Count`.
    pub code: String,
    pub message: String,
    /// Seconds after which trying again may succeed (a throttled or busy answer): the `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// The time `message` names, for the console to show in the viewer's own zone (see
    /// [`AppError::message_parts`]). The OpenAPI answers the message alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<ShownTime>,
}

/// A time named in a refusal's sentence: the instant (RFC 3339, UTC) and the words the sentence writes
/// it in ("08:05 UTC"), which a console replaces with the viewer's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownTime {
    pub iso: String,
    pub words: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        AppError { kind, code: code.to_owned(), message: message.into(), retry_after_secs: None, time: None }
    }

    /// The message split around the time it names: (before, the time as RFC 3339, after). A message
    /// naming no time, or not in the words given (then showing it whole is right), is all `before`.
    pub fn message_parts(&self) -> (&str, Option<&str>, &str) {
        self.time
            .as_ref()
            .and_then(|t| {
                self.message.split_once(t.words.as_str()).map(|(before, after)| (before, Some(t.iso.as_str()), after))
            })
            .unwrap_or((self.message.as_str(), None, ""))
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "Unauthenticated", "You are signed out. Sign in to continue.")
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "InternalError",
            "Something went wrong on our side and nothing was changed. Please try again.",
        )
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn invalid(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }

    pub fn status(&self) -> u16 {
        self.kind.http_status()
    }

    /// The same refusal, telling the client when to try again.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// "CODE: message", the way the console shows a refusal.
    pub fn display_with_code(&self) -> String {
        format!("{} ({})", self.message, self.code)
    }
}

/// The one way a refusal becomes the wire error: its code, sentence and status come from the domain.
impl From<Refusal> for AppError {
    fn from(e: Refusal) -> Self {
        // To the second, as the words give it (a throttle's time has nanoseconds).
        let time = e
            .named_time()
            .and_then(|named| Some(ShownTime { iso: crate::domain::utc_seconds(named.at)?, words: named.words }));
        AppError { retry_after_secs: e.retry_after_secs(), time, ..AppError::new(e.kind(), e.code(), e.to_string()) }
    }
}

/// Parse errors are refusals too (`Refusal::InvalidInput`, `::InvalidPassword`); these let `?` carry
/// them straight out of a service.
impl From<IdError> for AppError {
    fn from(e: IdError) -> Self {
        Refusal::from(e).into()
    }
}

impl From<PasswordError> for AppError {
    fn from(e: PasswordError) -> Self {
        Refusal::from(e).into()
    }
}

impl From<NameError> for AppError {
    fn from(e: NameError) -> Self {
        Refusal::from(e).into()
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Failures outside the function's own code. On the server these are requests whose body does not
    /// decode into the function's arguments: a 400 `InvalidParameter` (the status is set here, once for
    /// every server function, because leptos would answer any error it makes with 500). In the browser a
    /// `Request` failure means the network is down: the user can only retry.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::new(ErrorKind::BadRequest, "InvalidParameter", undecodable_sentence(&msg))
            }
            ServerFnErrorErr::MissingArg(field) => AppError::new(
                ErrorKind::BadRequest,
                "InvalidParameter",
                format!("The request is missing the field `{field}`."),
            ),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Request(_) => {
                AppError::new(ErrorKind::BadRequest, "InvalidParameter", "The request body could not be read.")
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Request(_) => AppError::new(
                ErrorKind::Internal,
                "NetworkError",
                "The console could not reach the server. Check your connection and try again.",
            ),
            _ => AppError::internal(),
        };
        #[cfg(feature = "ssr")]
        crate::api::ssr::set_status(&error);
        error
    }
}

/// [`undecodable_sentence`] for a failure whose field is known (`page`, `request.backup_set_id`).
pub fn undecodable_field_sentence(field: &str, detail: &str) -> String {
    let detail: String = detail.chars().take(200).collect();
    match expected_in_words(&detail) {
        "" => format!("The field `{field}` has a value of the wrong form ({detail})."),
        expected => format!("The field `{field}` must be {expected} ({detail})."),
    }
}

/// What a decoder's complaint says it expected, in words rather than Rust type names ("" if unclear).
fn expected_in_words(detail: &str) -> &'static str {
    if detail.contains("expected i64")
        || detail.contains("expected u32")
        || detail.contains("digit")
        || detail.contains("number too large")
    {
        "a whole number"
    } else if detail.contains("expected a boolean") || detail.contains("true") && detail.contains("false") {
        "true or false"
    } else if detail.contains("expected a string") {
        "text"
    } else if detail.contains("expected a sequence") {
        "a list"
    } else if detail.contains("unknown variant") {
        "one of the listed values"
    } else {
        ""
    }
}

/// A sentence for an argument decoding failure that names the field when the decoder does (serde says
/// "missing field `x`", "unknown field `x`") and otherwise says what was expected, in words rather than
/// Rust type names.
pub fn undecodable_sentence(detail: &str) -> String {
    let quoted = |after: &str| detail.split(after).nth(1).and_then(|rest| rest.split('`').nth(1)).map(str::to_owned);
    if let Some(field) = quoted("missing field ") {
        return format!("The request is missing the field `{field}`.");
    }
    if let Some(field) = quoted("unknown field ") {
        return format!("The request has a field `{field}` this call does not take.");
    }
    if detail.contains("EOF while parsing") || detail.trim().is_empty() {
        return "The request body is empty or cut short: the call's arguments are required.".to_owned();
    }
    if detail.contains("utf-8") || detail.contains("UTF-8") {
        return "The request body is not valid UTF-8 text.".to_owned();
    }
    let expected = expected_in_words(detail);
    let field = quoted("field ").map(|f| format!(" `{f}`")).unwrap_or_default();
    let detail: String = detail.chars().take(200).collect();
    if expected.is_empty() {
        format!("A field{field} of the request has a value of the wrong form ({detail}).")
    } else {
        format!("A field{field} of the request must be {expected} ({detail}).")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{StillLeaving, Throttled};
    use time::macros::datetime;

    #[test]
    fn a_refusal_naming_a_time_gives_it_to_the_console_apart_from_its_words() {
        let now = datetime!(2026-11-27 08:00:00 UTC);
        let wait = Throttled {
            retry_at: now + time::Duration::seconds(90) + time::Duration::nanoseconds(47_947_323),
            locked: true,
        };
        let error = AppError::from(Refusal::SignInThrottled { wait, now });
        assert_eq!(
            error.message_parts(),
            (
                "Sign-in is locked after too many failed attempts. Try again in 2 minutes (at ",
                Some("2026-11-27T08:01:30Z"),
                ")."
            )
        );
        // The OpenAPI and every other reader of the message still get the whole sentence.
        assert!(error.message.contains("(at 08:01:30 UTC)"), "{}", error.message);

        let until = datetime!(2026-11-27 08:10:00 UTC);
        let leaving = Some(StillLeaving { count: 1, until: Some(until) });
        let error = AppError::from(Refusal::QuotaExceeded { limit: 1000, requested: 1001, leaving });
        let (before, iso, after) = error.message_parts();
        assert_eq!(iso, Some("2026-11-27T08:10:00Z"));
        assert!(before.ends_with("(it counts until "), "{before}");
        assert_eq!(after, "). Apply for a quota increase to share more.");
    }

    #[test]
    fn a_refusal_naming_no_time_is_shown_whole() {
        let error = AppError::from(Refusal::QuotaExceeded { limit: 1000, requested: 1001, leaving: None });
        assert_eq!(error.time, None);
        assert_eq!(error.message_parts(), (error.message.as_str(), None, ""));
        // A revocation waiting for a restore has no time yet.
        let leaving = Some(StillLeaving { count: 1, until: None });
        assert_eq!(AppError::from(Refusal::QuotaExceeded { limit: 1000, requested: 1001, leaving }).time, None);
    }
}
