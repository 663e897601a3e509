//! Integration tests: the real router over a fresh SQLite database per test.

mod access;
mod auth;
mod client_token;
mod concurrency;
mod console;
mod demo;
mod directory;
mod forms;
mod helpers;
mod hostile;
mod incoming_api;
mod governance;
mod group;
mod invitations;
mod kept;
mod guard;
mod lifecycle;
mod network;
mod privilege;
mod matrix;
mod openapi;
mod restart;
mod restore_reads;
mod restores;
mod shared_by_me;
mod sharing;
