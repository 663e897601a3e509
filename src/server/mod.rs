//! Everything that runs only on the server: configuration, state, storage, sign-in and the services
//! that apply the domain's decisions to the database.

pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod grant;
pub mod guard;
pub mod ids;
pub mod openapi;
pub mod proxy;
pub mod scheduler;
pub mod serve;
pub mod services;
pub mod state;
pub mod workers;

use crate::error::AppError;

/// Logs an unexpected failure with its cause and returns the generic error the user sees: database
/// and internal error text never reaches the browser.
pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
    let e: anyhow::Error = e.into();
    tracing::error!(error = ?e, "internal error");
    AppError::internal()
}
