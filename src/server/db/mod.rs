//! Storage: the SQLite pool, its settings, and every query the console runs (one module per area).
//! Services call these inside their transactions; nothing else in the crate writes SQL.

pub mod accounts;
pub mod clusters;
pub mod directory;
pub mod governance;
pub mod incoming;
pub mod ram;
pub mod restores;
pub mod seed;
pub mod shares;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub type Tx = Transaction<'static, Sqlite>;

/// This process's writers take turns here, first come first served, before asking SQLite for its write
/// lock. Without it, waiting writers sit in SQLite's busy handler, which sleeps in growing steps (up to
/// 100 ms) and turns a short queue into long tail latencies. Other processes are still kept out by
/// SQLite's own lock and busy timeout.
#[derive(Clone, Debug, Default)]
pub struct WriteGate(std::sync::Arc<tokio::sync::Mutex<()>>);

/// Holding this is this process's turn to write.
pub type WriteTurn = tokio::sync::OwnedMutexGuard<()>;

impl WriteGate {
    pub async fn begin(&self, pool: &SqlitePool) -> anyhow::Result<(WriteTurn, Tx)> {
        let turn = self.0.clone().lock_owned().await;
        Ok((turn, begin_write(pool).await?))
    }
}

/// Opens (creating if needed) the database file and runs pending migrations.
pub async fn connect(path: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
        .with_context(|| format!("invalid database path {path}"))?
        .create_if_missing(true)
        // WAL lets readers run while one writer commits; NORMAL sync is still crash-safe in WAL
        // (a power cut may lose the last commits, never corrupt the file) and avoids an fsync per commit.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    // SQLite runs each connection on its own thread; on a small machine a few connections serve more
    // requests than many, which mostly add thread hand-offs. POLARSHARE_DB_CONNECTIONS overrides it.
    let connections = std::env::var("POLARSHARE_DB_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {path}"))?;
    sqlx::migrate!("./migrations").run(&pool).await.context("running migrations")?;
    Ok(pool)
}

/// A write transaction that takes SQLite's write lock up front. A plain (deferred) BEGIN would read a
/// snapshot first and then fail to upgrade if another writer committed meanwhile; with IMMEDIATE the
/// read-check-write of a sharing rule is serialised, so limits hold under concurrent requests.
pub async fn begin_write(pool: &SqlitePool) -> anyhow::Result<Tx> {
    pool.begin_with("BEGIN IMMEDIATE").await.context("starting a write transaction")
}

/// Times are stored as RFC 3339 UTC text with second precision, so they compare correctly as strings.
pub fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn parse_ts(s: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).with_context(|| format!("bad stored time {s:?}"))
}
