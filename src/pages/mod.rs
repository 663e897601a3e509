//! One module per page, named for what the user sees.

pub mod accounts;
pub mod audit;
pub mod billing;
pub mod cluster;
pub mod clusters;
pub mod directory;
pub mod invitations;
pub mod not_found;
pub mod profile;
pub mod quota;
pub mod ram;
pub mod shared_backups;
pub mod shared_by_me;
pub mod sharing_relationship;
pub mod sign_in;
pub mod tickets;
