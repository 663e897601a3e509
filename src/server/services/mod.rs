//! Services: load what a decision needs, ask `domain`, write the outcome in one transaction.

pub mod access_keys;
pub mod console;
pub mod directory;
pub mod governance;
pub mod owner;
pub mod principal;
pub mod ram;
pub mod setup;
pub mod share_settings;
pub mod sharing;
