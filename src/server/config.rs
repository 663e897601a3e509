//! Settings, from command-line flags or environment variables, each with a default that suits a local run.

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "polarshare", about = "A console for PolarDB shared backup sets")]
pub struct Config {
    /// SQLite database file (created and migrated on start).
    #[arg(long, env = "POLARSHARE_DB", default_value = "data/polarshare.db")]
    pub database: String,

    /// Address to listen on. Defaults to cargo-leptos' LEPTOS_SITE_ADDR (127.0.0.1:3000).
    #[arg(long, env = "POLARSHARE_LISTEN")]
    pub listen: Option<String>,

    /// Seconds between removing a principal and the scheduled task that revokes its access.
    #[arg(long, env = "POLARSHARE_REVOCATION_DELAY_SECS", default_value_t = 600)]
    pub revocation_delay_secs: i64,

    /// Seconds a restore into a new cluster takes (the copy is simulated).
    #[arg(long, env = "POLARSHARE_RESTORE_SECS", default_value_t = 30)]
    pub restore_secs: i64,

    /// Shifts the server clock by this many seconds (end-to-end tests use it to reach expiry times).
    #[arg(long, env = "POLARSHARE_CLOCK_OFFSET_SECS", default_value_t = 0, allow_hyphen_values = true)]
    pub clock_offset_secs: i64,

    /// Insert the demo accounts, clusters and backup sets when the database is empty.
    #[arg(long, env = "POLARSHARE_DEMO_DATA", default_value_t = true, action = clap::ArgAction::Set)]
    pub demo_data: bool,

    /// Mark the session cookie `Secure` (serve over HTTPS when you turn this on).
    #[arg(long, env = "POLARSHARE_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub secure_cookies: bool,

    /// Pending (unanswered, unexpired) invitations one owner may have outstanding at once.
    #[arg(long, env = "POLARSHARE_MAX_PENDING_INVITATIONS", default_value_t = crate::domain::DEFAULT_MAX_PENDING_INVITATIONS)]
    pub max_pending_invitations: u32,
}
