//! Starts the console: reads settings, opens and migrates the database, inserts demo data into an empty
//! one when asked to, and serves until Ctrl-C or SIGTERM. Or runs one administrative subcommand
//! (`create-operator`, `create-account`) on the database and exits.

use anyhow::Context;
use leptos::config::get_configuration;
use polarshare::server::assets::Assets;
use polarshare::server::auth::SignInGuard;
use polarshare::server::config::{AccessKeyCommand, Command, Config};
use polarshare::server::serve::Limits;
use polarshare::server::services::{access_keys, setup};
use polarshare::server::{app::router, clock::Clock, db, state::AppState};
use tracing_subscriber::EnvFilter;

/// The exit code of a start that can't go ahead (a setting, the database file, the address, another
/// server on the file): clap's code for a usage mistake, so that a script tells "fix the configuration"
/// (2) from a failure while serving or a refused subcommand (1).
const CANNOT_START: i32 = 2;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to standard error: standard output is the subcommands' answer (`access-key create`'s JSON,
    // a generated password), which scripts read whatever the log level.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        .init();
    let config = Config::load();
    let clock = Clock::System { offset: time::Duration::seconds(config.clock_offset_secs) };
    if let Some(command) = &config.command {
        or_cannot_start(not_under_an_older_server(&config.database).await);
        let database = or_cannot_start(open_database(&config).await);
        let result = run_command(command, &database, &clock).await;
        database.writer.close().await;
        database.pool.close().await;
        // A refusal is one line for the operator at the terminal, not a backtrace.
        if let Err(e) = result {
            eprintln!("polarshare: {e:#}");
            std::process::exit(1);
        }
        return Ok(());
    }
    // Before the address is bound: from then on a service manager or a test may stop the server.
    let stop = shutdown_signal();
    let Started { lock, database, state, listener, limits } = or_cannot_start(start(&config, clock).await);
    // On a thread of its own, not tokio's blocking pool: the runtime's end waits for every blocking task
    // (abort can't stop one), so a SIGTERM during the compression kept the server until it finished
    // (over 30 s for a debug binary with the release site, on a loaded machine). A plain thread ends with
    // the process; the copies it has not made yet are simply not offered.
    let assets = state.assets.clone();
    let compressing = std::thread::Builder::new().name("compress-site".into()).spawn(move || {
        let started = std::time::Instant::now();
        assets.compress();
        tracing::info!("compressed the site's files in {:.1?}", started.elapsed());
    });
    if let Err(e) = compressing {
        tracing::warn!("the site's files are served uncompressed: no thread to compress them ({e})");
    }
    // Revocations, invitation expiry and restore completion: whatever fell due while the server was
    // down is applied on the first tick.
    let scheduler = polarshare::server::scheduler::spawn(state.clone(), std::time::Duration::from_secs(1));
    let checkpoints = database.spawn_checkpoints(std::time::Duration::from_secs(1));
    tracing::info!("polarshare listening on http://{}", listener.local_addr()?);
    polarshare::server::serve::serve(listener, router(state), limits, stop).await?;
    scheduler.abort();
    checkpoints.abort();
    database.writer.close().await;
    database.pool.close().await;
    // Held until SQLite's connections are closed (see `ServerLock`).
    drop(lock);
    Ok(())
}

/// `result`'s value, or the process ends with its error on one line and [`CANNOT_START`].
fn or_cannot_start<T>(result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("polarshare: {e:#}");
        std::process::exit(CANNOT_START)
    })
}

/// A subcommand of a newer polarshare would migrate the file under the older server serving it
/// (which then runs its statements against tables it does not know): it is refused until that server
/// runs this version, which migrates at its start.
async fn not_under_an_older_server(database: &str) -> anyhow::Result<()> {
    if db::migrations_pending(database).await? && db::ServerLock::held(database) {
        anyhow::bail!("a server of an older polarshare is serving {database}: restart it on this version (it migrates the file as it starts), then run this subcommand");
    }
    Ok(())
}

/// The database file of `--database`, its directory created if needed, opened and migrated.
async fn open_database(config: &Config) -> anyhow::Result<db::Database> {
    create_parent(&config.database)?;
    db::open(&config.database, config.db_connections).await
}

fn create_parent(database: &str) -> anyhow::Result<()> {
    if let Some(dir) = std::path::Path::new(database).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database's directory {}", dir.display()))?;
    }
    Ok(())
}

/// Connections the kernel queues before the server accepts them (what `TcpListener::bind` asks for).
const LISTEN_BACKLOG: u32 = 1024;

/// A socket bound to `addr`, not listening yet. Bound as `TcpListener::bind` binds (`SO_REUSEADDR`,
/// so a restart is not refused for the last run's connections in TIME_WAIT); an address another
/// socket listens on is still refused.
fn bound(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpSocket> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// A server ready to accept connections: nothing runs yet (no schedule, no checkpoints).
struct Started {
    lock: db::ServerLock,
    database: db::Database,
    state: AppState,
    listener: tokio::net::TcpListener,
    limits: Limits,
}

/// Everything that can refuse a start, in an order that changes as little as possible before it does:
/// the database's server lock (a second server on the file stops here, having changed nothing), the
/// site's files and the address, and only then the database is migrated and the demo data inserted.
async fn start(config: &Config, clock: Clock) -> anyhow::Result<Started> {
    create_parent(&config.database)?;
    let lock = db::ServerLock::take(&config.database)?;
    let mut leptos_options = get_configuration(None).context("reading Leptos configuration")?.leptos_options;
    if let Some(listen) = config.listen {
        leptos_options.site_addr = listen;
    }
    let assets = std::sync::Arc::new(Assets::load(&leptos_options).context("reading the site's files")?);
    // The address is taken now (an address in use refuses the start before the database is touched),
    // but connections are let in only once the server is ready to answer them (`listen`).
    let addr = leptos_options.site_addr;
    let socket = bound(addr).with_context(|| format!("cannot listen on {addr}"))?;

    let database = db::open(&config.database, config.db_connections).await?;
    let pool = database.pool.clone();
    let first_run = setup::prepare_database(&pool, config.demo_data, clock.now()).await?;
    if first_run.seeded_demo {
        tracing::info!("inserted demo data into the empty database {}", config.database);
    }
    if first_run.operator_missing {
        tracing::warn!(
            "no platform operator yet: create one with `polarshare --database {} create-operator --login NAME` \
             (and cloud accounts with `polarshare --database {} create-account --login NAME --name \"Display name\"`)",
            config.database,
            config.database
        );
    }
    let settings = config.settings();
    let state = AppState {
        assets,
        leptos_options,
        pool: pool.clone(),
        clock,
        guard: SignInGuard::for_settings(&settings),
        settings,
        writer: database.writer.clone(),
    };
    let locks =
        state.guard.restore_locks(&pool, state.clock.now()).await.context("reading the stored sign-in locks")?;
    if locks > 0 {
        tracing::info!(locks, "sign-in locks still running from before the restart");
    }
    let mut limits = Limits { max_connections: config.max_connections as usize, ..Limits::default() };
    limits.exempt.extend(state.settings.trusted_proxies.iter().copied());
    let listener = socket.listen(LISTEN_BACKLOG).with_context(|| format!("cannot listen on {addr}"))?;
    Ok(Started { lock, database, state, listener, limits })
}

/// Runs one administrative subcommand. A generated password is printed once, on standard output.
async fn run_command(command: &Command, database: &db::Database, clock: &Clock) -> anyhow::Result<()> {
    let read_password = |from_stdin: bool| -> anyhow::Result<Option<String>> {
        if !from_stdin {
            return Ok(None);
        }
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
        Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
    };
    let created = match command {
        Command::CreateOperator { login, password_stdin } => {
            let password = read_password(*password_stdin)?;
            setup::create_operator(&database.writer, clock, login, password.as_deref()).await
        }
        Command::Backup { to } => {
            setup::backup(database, clock, to).await?;
            println!("copied the database to {to}");
            return Ok(());
        }
        Command::AccessKey { command: AccessKeyCommand::Create { login } } => {
            let key = access_keys::create_for_login(&database.writer, clock, login).await.map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
            let json = serde_json::json!({ "AccessKeyId": key.access_key_id, "AccessKeySecret": key.access_key_secret, "LoginName": key.login_name });
            println!("{json}");
            return Ok(());
        }
        Command::CreateAccount { login, name, site, beta, password_stdin } => {
            let password = read_password(*password_stdin)?;
            let account = setup::NewAccount { display_name: name.clone(), login: login.clone(), site: site.clone(), beta_enabled: *beta };
            setup::create_account(&database.writer, clock, &account, password.as_deref()).await
        }
    }
    .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
    println!("created sign-in {} in account {}", created.login, created.account_id);
    if let Some(password) = created.generated_password {
        println!("password (shown only this once): {password}");
    }
    Ok(())
}

/// A signal this process asked for once it comes; never, when it could not ask for it.
#[cfg(unix)]
async fn received(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// SIGTERM or SIGINT (Ctrl-C): the server stops taking connections and finishes the answers under way.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    // Registered here, when called, not when first polled: `serve` polls it only once the server is
    // listening, and a SIGTERM that came between the bind and that poll met the signal's default action
    // (the process ended at once, `signal: 15`, without closing the database) instead of a shutdown.
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let (terminate, interrupt) = signals;
            tokio::select! { _ = received(terminate) => {}, _ = received(interrupt) => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
