//! Pieces of the console that more than one page uses, or that are big enough to stand alone.

pub mod access_keys;
pub mod confirm;
pub mod console_layout;
pub mod empty_row;
pub mod error_alert;
#[cfg(feature = "hydrate")]
pub mod focus;
pub mod format;
pub mod forms;
pub mod local_time;
pub mod modal;
pub mod page_data;
pub mod pager;
pub mod principal_editor;
pub mod region_select;
pub mod restore_dialog;
pub mod share_dialog;
pub mod sharing_relationship;
pub mod status_badge;
pub mod toast;
