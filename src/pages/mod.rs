//! One module per page, named for what the user sees.

pub mod cluster;
pub mod clusters;
pub mod not_found;
pub mod sign_in;
