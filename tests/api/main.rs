//! Integration tests: the real router over a fresh SQLite database per test.

mod access;
mod auth;
mod concurrency;
mod console;
mod directory;
mod helpers;
mod governance;
mod group;
mod invitations;
mod lifecycle;
mod privilege;
mod matrix;
mod restart;
mod restores;
mod sharing;
