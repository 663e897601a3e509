//! The state every request handler and server function reaches through Leptos context.

use super::auth::SignInGuard;
use super::clock::Clock;
use crate::domain::ThrottleRule;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use time::Duration;

#[derive(Clone, Debug)]
pub struct Settings {
    pub revocation_delay: Duration,
    /// How long a simulated restore takes to copy the data.
    pub restore_duration: Duration,
    pub secure_cookies: bool,
    /// Sign-in throttling per sign-in name and per source address.
    pub login_throttle: ThrottleRule,
    pub address_throttle: ThrottleRule,
    /// How many pending invitations one owner may have outstanding at once.
    pub max_pending_invitations: u32,
    /// The console's origin as browsers see it (`https://console.example`), when a proxy in front
    /// changes the `Host` header; otherwise it is derived from `Host` (see `guard::console_origin`).
    pub public_origin: Option<String>,
    /// A demo server (public passwords): also serves the end-to-end tests' data door
    /// (`/demo/fresh-backup-sets`).
    pub demo_data: bool,
    /// How long a request's body may take to arrive in full (see `guard::read_body`): 64 KB, the most
    /// any call takes, needs well under a second even on a slow link.
    pub body_deadline: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see `server::proxy`); none by default.
    pub trusted_proxies: Vec<super::proxy::Network>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            revocation_delay: Duration::minutes(10),
            restore_duration: Duration::seconds(30),
            secure_cookies: false,
            login_throttle: ThrottleRule::PER_LOGIN,
            address_throttle: ThrottleRule::PER_ADDRESS,
            max_pending_invitations: crate::domain::DEFAULT_MAX_PENDING_INVITATIONS,
            public_origin: None,
            demo_data: false,
            body_deadline: std::time::Duration::from_secs(30),
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub clock: Clock,
    pub settings: Settings,
    pub writer: super::db::Writer,
    /// The sign-in throttle and the bounded password-hashing pool (build it with [`SignInGuard::for_settings`]).
    pub guard: SignInGuard,
    /// The build's static files, compressed and content-hashed once at start.
    pub assets: std::sync::Arc<super::assets::Assets>,
}

impl AppState {
    /// Starts the write transaction of an audited action in this process's turn (see
    /// [`super::db::Writer`]): it commits only with the action's event, and what it decides by the
    /// clock it decides at [`super::audit::ActionTx::now`], the time the writer became its own.
    pub async fn begin_action(&self) -> anyhow::Result<super::audit::ActionTx> {
        super::audit::ActionTx::begin(&self.writer, &self.clock).await
    }
}

impl SignInGuard {
    pub fn for_settings(settings: &Settings) -> Self {
        SignInGuard::new(settings.login_throttle, settings.address_throttle)
    }
}
