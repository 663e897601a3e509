//! Settings, from command-line flags or environment variables, each with a default that suits a local run,
//! and the administrative subcommands (`polarshare create-operator ...`). With no subcommand it serves.

use clap::{CommandFactory, Parser, Subcommand};

/// The longest `--revocation-delay-secs`: a year. Revocation times are stored as four-digit years,
/// and a removed principal keeping a set for longer is a mistake, not a setting.
pub const MAX_REVOCATION_DELAY_SECS: i64 = 365 * 86_400;
/// The longest `--restore-secs`: thirty days.
pub const MAX_RESTORE_SECS: i64 = 30 * 86_400;
/// The furthest `--clock-offset-secs` shifts the clock either way: a hundred years, so that every time
/// the server stores (now plus a delay) is still one a four-digit year can write.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 100 * 365 * 86_400;
/// SQLite connections for reads, at most (each is a thread of its own).
pub const MAX_DB_CONNECTIONS: u32 = 64;

#[derive(Debug, Clone, Parser)]
#[command(name = "polarshare", about = "A console for PolarDB shared backup sets")]
pub struct Config {
    /// What to do instead of serving (first-run setup and other administration).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// SQLite database file (created and migrated on start).
    #[arg(long, env = "POLARSHARE_DB", default_value = "data/polarshare.db", global = true, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub database: String,

    /// Address to listen on. Defaults to cargo-leptos' LEPTOS_SITE_ADDR (127.0.0.1:3000).
    #[arg(long, env = "POLARSHARE_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,

    /// Seconds between removing a principal and the scheduled task that revokes its access.
    #[arg(long, env = "POLARSHARE_REVOCATION_DELAY_SECS", default_value_t = 600, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(0..=MAX_REVOCATION_DELAY_SECS))]
    pub revocation_delay_secs: i64,

    /// Seconds a restore into a new cluster takes (the copy is simulated).
    #[arg(long, env = "POLARSHARE_RESTORE_SECS", default_value_t = 30, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(1..=MAX_RESTORE_SECS))]
    pub restore_secs: i64,

    /// Shifts the server clock by this many seconds (end-to-end tests use it to reach expiry times).
    #[arg(long, env = "POLARSHARE_CLOCK_OFFSET_SECS", default_value_t = 0, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-MAX_CLOCK_OFFSET_SECS..=MAX_CLOCK_OFFSET_SECS))]
    pub clock_offset_secs: i64,

    /// Insert the demo accounts (with the README's well-known password), clusters and backup sets when
    /// the database is empty. Off by default: a real deployment starts empty (see `create-operator`).
    #[arg(long, env = "POLARSHARE_DEMO_DATA", default_value_t = false, action = clap::ArgAction::Set)]
    pub demo_data: bool,

    /// Browsers reach the console over HTTPS: mark the session cookie `Secure` and send HSTS (implied
    /// by an `https://` --public-origin).
    #[arg(long, env = "POLARSHARE_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub secure_cookies: bool,

    /// Failed sign-ins from one source address answered at once, before they are slowed down.
    #[arg(long, env = "POLARSHARE_SIGN_IN_ADDRESS_FREE", allow_negative_numbers = true, default_value_t = crate::domain::ThrottleRule::PER_ADDRESS.free_failures)]
    pub sign_in_address_free: u32,

    /// Failed sign-ins from one source address that lock it (every name) for 15 minutes (more than
    /// --sign-in-address-free).
    #[arg(long, env = "POLARSHARE_SIGN_IN_ADDRESS_LOCK", allow_negative_numbers = true, default_value_t = crate::domain::ThrottleRule::PER_ADDRESS.lock_after)]
    pub sign_in_address_lock: u32,

    /// Pending (unanswered, unexpired) invitations one owner may have outstanding at once.
    #[arg(long, env = "POLARSHARE_MAX_PENDING_INVITATIONS", allow_negative_numbers = true, default_value_t = crate::domain::DEFAULT_MAX_PENDING_INVITATIONS)]
    pub max_pending_invitations: u32,

    /// Connections all clients together may hold open at once; at the cap, new ones wait in the
    /// kernel's queue until one ends. Keep it under the process's descriptor limit (`ulimit -n`).
    #[arg(long, env = "POLARSHARE_MAX_CONNECTIONS", allow_negative_numbers = true, default_value_t = crate::server::serve::DEFAULT_MAX_CONNECTIONS as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// The console's origin as browsers reach it (`https://console.example`), when a proxy in front of
    /// it changes the Host header. State-changing requests whose Origin differs are refused.
    #[arg(long, env = "POLARSHARE_PUBLIC_ORIGIN", value_parser = crate::server::guard::parse_public_origin)]
    pub public_origin: Option<String>,

    /// Reverse proxies in front of the console, comma-separated addresses or ranges
    /// (`127.0.0.1,10.0.0.0/8`), whose `X-Forwarded-For` names the client: the sign-in throttle and the
    /// audit trail then count the client, not the proxy. Empty by default: the header is never believed.
    #[arg(long, env = "POLARSHARE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::server::proxy::Network::parse)]
    pub trusted_proxies: Vec<crate::server::proxy::Network>,

    /// SQLite connections for reads (writes have one of their own).
    #[arg(long, env = "POLARSHARE_DB_CONNECTIONS", allow_negative_numbers = true, default_value_t = crate::server::db::DEFAULT_READ_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..=MAX_DB_CONNECTIONS as i64))]
    pub db_connections: u32,
}

impl Config {
    /// The settings from the command line and the environment, or, for a value that can't be used,
    /// the process ends with clap's usage error (exit code 2) naming it: a mistake is told before
    /// anything is opened.
    pub fn load() -> Config {
        let config = Config::parse();
        if let Err(mistake) = config.check() {
            Config::command().error(clap::error::ErrorKind::ValueValidation, mistake).exit();
        }
        config
    }

    /// What the flags' own parsers can't judge alone: values that must agree with each other.
    pub fn check(&self) -> Result<(), String> {
        if self.sign_in_address_lock <= self.sign_in_address_free {
            return Err(format!(
                "--sign-in-address-lock ({}) must be more than --sign-in-address-free ({}): an address is slowed down after the free failures and locked after more",
                self.sign_in_address_lock, self.sign_in_address_free
            ));
        }
        // Browsers take a `Secure` cookie only from an HTTPS page: every sign-in would be lost.
        if let Some(origin) = self.public_origin.as_deref().filter(|o| o.starts_with("http://")) {
            if self.secure_cookies {
                return Err(format!(
                    "--secure-cookies says browsers reach the console over HTTPS, but --public-origin {origin} says over plain HTTP: browsers would drop its session cookie at every sign-in"
                ));
            }
        }
        Ok(())
    }

    /// Whether browsers reach the console over HTTPS: `--secure-cookies`, or a `--public-origin` that
    /// starts with `https://` (the operator has told where browsers find the console; a session cookie
    /// without `Secure` there would also go out over any plain-HTTP request a network attacker makes
    /// the browser send to that host, and no HSTS would stop that).
    pub fn served_over_https(&self) -> bool {
        self.secure_cookies || self.public_origin.as_deref().is_some_and(|o| o.starts_with("https://"))
    }

    /// The server's settings from these flags.
    pub fn settings(&self) -> crate::server::state::Settings {
        use crate::domain::ThrottleRule;
        crate::server::state::Settings {
            revocation_delay: time::Duration::seconds(self.revocation_delay_secs),
            restore_duration: time::Duration::seconds(self.restore_secs),
            secure_cookies: self.served_over_https(),
            max_pending_invitations: self.max_pending_invitations,
            public_origin: self.public_origin.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            demo_data: self.demo_data,
            login_throttle: ThrottleRule::PER_LOGIN,
            address_throttle: ThrottleRule {
                free_failures: self.sign_in_address_free,
                lock_after: self.sign_in_address_lock,
                ..ThrottleRule::PER_ADDRESS
            },
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Creates a platform operator (who decides tickets). Prints a generated password once, unless
    /// --password-stdin reads one from standard input.
    CreateOperator {
        /// The operator's sign-in name.
        #[arg(long)]
        login: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Creates a cloud account with a new UID and its root sign-in.
    CreateAccount {
        /// The root identity's sign-in name.
        #[arg(long)]
        login: String,
        /// The account's display name.
        #[arg(long)]
        name: String,
        /// aliyun.com (China site) or alibabacloud.com (international site).
        #[arg(long, default_value = "aliyun.com")]
        site: String,
        /// Enable the shared backup sets beta for the account from the start (otherwise it asks by ticket).
        #[arg(long)]
        beta: bool,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Copies the database, as it is at one moment, to a new file readable by its owner only
    /// (SQLite's `VACUUM INTO`), while a server runs on it or not. Serve the copy (`--database FILE`)
    /// to restore it.
    Backup {
        /// The copy's file, which must not exist yet.
        #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
        to: String,
    },
    /// AccessKey pairs for the OpenAPI endpoint (`access-key create --login NAME`).
    AccessKey {
        #[command(subcommand)]
        command: AccessKeyCommand,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AccessKeyCommand {
    /// Creates an AccessKey pair for a root or RAM user and prints it as JSON
    /// (`{"AccessKeyId", "AccessKeySecret", "LoginName"}`); the secret is shown only this once.
    Create {
        /// The sign-in name of the identity the pair signs as.
        #[arg(long)]
        login: String,
    },
}
