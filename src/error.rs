//! `AppError`: the one error type every server function returns, shared by server and browser.
//!
//! It carries an API-style code and a sentence for the user. Unexpected failures become `internal()`,
//! whose cause is logged on the server and never sent to the browser.

use crate::domain::{ErrorKind, IdError, NameError, PasswordError, ShareError};
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
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        AppError { kind, code: code.to_owned(), message: message.into(), retry_after_secs: None }
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

impl From<ShareError> for AppError {
    fn from(e: ShareError) -> Self {
        AppError::new(e.kind(), e.code(), e.to_string())
    }
}

impl From<crate::domain::DirectoryError> for AppError {
    fn from(e: crate::domain::DirectoryError) -> Self {
        AppError::new(e.kind(), e.code(), e.to_string())
    }
}

impl From<IdError> for AppError {
    fn from(e: IdError) -> Self {
        ShareError::from(e).into()
    }
}

impl From<PasswordError> for AppError {
    fn from(e: PasswordError) -> Self {
        AppError::invalid(e.code(), e.to_string())
    }
}

impl From<NameError> for AppError {
    fn from(e: NameError) -> Self {
        AppError::new(e.kind(), e.code(), e.to_string())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Transport failures (network down, a body that doesn't decode): the user can only retry.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::invalid("InvalidParameter", format!("The request could not be read: {msg}"))
            }
            ServerFnErrorErr::Request(_) => AppError::new(
                ErrorKind::Internal,
                "NetworkError",
                "The console could not reach the server. Check your connection and try again.",
            ),
            _ => AppError::internal(),
        }
    }
}
