//! Starts the console: reads settings, opens and migrates the database, inserts demo data into an empty
//! one, and serves until Ctrl-C or SIGTERM.

use anyhow::Context;
use axum::serve::ListenerExt;
use clap::Parser;
use leptos::config::get_configuration;
use polarshare::server::{app::router, clock::Clock, config::Config, db, state::{AppState, Settings}};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let config = Config::parse();

    if let Some(dir) = std::path::Path::new(&config.database).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let database = db::connect(&config.database).await?;
    let pool = database.pool.clone();
    let clock = Clock::System { offset: time::Duration::seconds(config.clock_offset_secs) };
    if config.demo_data && db::seed::insert_demo_if_empty(&pool, clock.now(), db::seed::Demo::WithHistory).await? {
        tracing::info!("inserted demo data into the empty database {}", config.database);
    }

    let mut leptos_options = get_configuration(None).context("reading Leptos configuration")?.leptos_options;
    if let Some(listen) = &config.listen {
        leptos_options.site_addr = listen.parse().with_context(|| format!("bad listen address {listen}"))?;
    }
    let addr = leptos_options.site_addr;
    let state = AppState {
        leptos_options,
        pool: pool.clone(),
        clock,
        settings: Settings {
            revocation_delay: time::Duration::seconds(config.revocation_delay_secs.max(0)),
            restore_duration: time::Duration::seconds(config.restore_secs.max(1)),
            secure_cookies: config.secure_cookies,
            max_pending_invitations: config.max_pending_invitations,
        },
        writer: database.writer.clone(),
    };

    // Revocations, invitation expiry and restore completion: whatever fell due while the server was
    // down is applied on the first tick.
    let scheduler = polarshare::server::scheduler::spawn(state.clone(), std::time::Duration::from_secs(1));
    let checkpoints = database.spawn_checkpoints(std::time::Duration::from_secs(1));

    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    // Without TCP_NODELAY, small responses wait on Nagle + delayed ACK (~40 ms each).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tracing::info!("polarshare listening on http://{addr}");
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    scheduler.abort();
    checkpoints.abort();
    database.writer.close().await;
    pool.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
