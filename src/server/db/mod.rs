//! Storage: the SQLite pool, its settings, and every query the console runs (one module per area).
//! Services call these inside their transactions; nothing else in the crate writes SQL.

pub mod access_keys;
pub mod accounts;
pub mod api_lists;
pub mod audit;
pub mod clusters;
pub mod directory;
pub mod governance;
pub mod grant;
pub mod group;
pub mod incoming;
pub mod known_devices;
pub mod paging;
pub mod ram;
pub mod read_model;
pub mod restores;
pub mod schedule;
pub mod seed;
pub mod share_lifecycle;
pub mod share_settings;
pub mod shares;
pub mod throttle;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection as _, Sqlite, SqlitePool, Transaction};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub type Tx = Transaction<'static, Sqlite>;

/// The connection this process writes through: a pool of one, so writers queue for it first come first
/// served (sqlx hands out connections fairly) instead of waiting in SQLite's busy handler, which sleeps in
/// growing steps (up to 100 ms) and turns a short queue into long tail latencies. Being the only writer,
/// its page cache stays valid from one transaction to the next. Other processes are still kept out by
/// SQLite's own lock and busy timeout.
///
/// Shares, the busiest write, go through it in groups (see [`group`]).
#[derive(Clone, Debug)]
pub struct Writer {
    pool: SqlitePool,
    pub groups: group::Groups,
    commits: read_model::Commits,
    /// The Data Backups pages, answered from memory until this writer's next commit.
    pub backup_pages: read_model::BackupPages,
    /// The identity behind each session cookie, likewise.
    pub sessions: read_model::Sessions,
    /// Each AccessKey pair and its identity, until the writer commits a change to them.
    pub signing_keys: read_model::SigningKeys,
    /// An owner's pages of ListResourceShares, until the writer commits a change to its shares.
    pub own_share_pages: read_model::OwnSharePages,
    /// The schedule's signature nonce cut-off, checked by every signed call.
    pub nonce_cutoff: access_keys::NonceCutoff,
}

impl Writer {
    /// Starts a write transaction in this process's turn; the turn ends with the commit or rollback.
    /// It is not an action's: actions write through [`crate::server::audit::ActionTx`], which commits
    /// only with their audit event. This one is for work no one asked for (the schedule, the command
    /// line's setup) and for recording the events of actions that wrote nothing. Commit it with
    /// [`Writer::commit`].
    pub async fn begin_unaudited(&self) -> anyhow::Result<Tx> {
        begin_write(&self.pool).await
    }

    /// Commits a transaction begun with [`Writer::begin_unaudited`] and tells the answers kept in memory
    /// (`read_model`) before returning, so that whoever hears "done" next reads the change.
    pub async fn commit(&self, tx: Tx) -> anyhow::Result<()> {
        tx.commit().await?;
        self.commits.note();
        Ok(())
    }

    /// Says that data changed outside this writer's transactions (a test's own SQL, demo data written
    /// through the read pool), so that cached pages are loaded again.
    pub fn note_outside_change(&self) {
        self.commits.note_everything();
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// The database: a few connections for reads and the one connection for writes.
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: SqlitePool,
    pub writer: Writer,
}

/// Makes the database file, when there is none yet, readable and writable by its owner only: it holds
/// AccessKey secrets (kept as they are, since a signature is checked with the secret itself) and
/// password hashes. SQLite gives its `-wal` and `-shm` files the database file's permissions. A file
/// that exists already keeps the permissions its operator gave it, with a warning when other users may
/// read it.
fn create_private(path: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let metadata = std::fs::metadata(path).with_context(|| format!("reading {path}'s permissions"))?;
                anyhow::ensure!(metadata.is_file(), "the database {path} is not a file (a directory?)");
                let mode = metadata.permissions().mode();
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        path,
                        mode = format!("{:o}", mode & 0o777),
                        "other users may read the database file, which holds AccessKey secrets: chmod 600 it"
                    );
                }
            }
            Err(e) => return Err(e).with_context(|| format!("cannot create database {path}")),
        }
    }
    Ok(())
}

/// Copies the database `pool` reads, as one read transaction sees it, into the new file `to`, made
/// readable by its owner only first (SQLite would make it as the umask says, and the copy holds the
/// AccessKey secrets too). Runs beside the server's writes: a read does not hold them back.
pub async fn backup_to(pool: &SqlitePool, to: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    let made = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(to)
    };
    #[cfg(not(unix))]
    let made = std::fs::OpenOptions::new().write(true).create_new(true).open(to);
    made.with_context(|| format!("cannot create the copy {to} (it must be a new file)"))?;
    // SQLite writes into an empty file as into a new one.
    if let Err(e) = sqlx::query("vacuum into ?").bind(to).execute(pool).await {
        let _ = std::fs::remove_file(to);
        return Err(e).with_context(|| format!("copying the database to {to}"));
    }
    Ok(())
}

/// SQLite connections for reads unless `--db-connections` says otherwise.
pub const DEFAULT_READ_CONNECTIONS: u32 = 4;

/// The one server a database file has: an exclusive advisory lock (`flock`) on the file, held from
/// before the server migrates it until the process ends. A second server on the same file would keep its
/// own answers in memory (sessions, AccessKey pairs, pages: `read_model`), its own sign-in throttle and
/// its own nonce cut-off, so a key disabled, a session ended or a sign-in locked through one would still
/// be honoured by the other for up to [`read_model::MAX_AGE`] (the throttle: for good), and both would run
/// the schedule. It is refused at start instead. The subcommands (`create-operator`, `access-key
/// create`, ...) don't take it: they write through SQLite's own locking beside a running server.
///
/// The lock is on the file itself, not on a name beside it, so a second path to the same file (a
/// symbolic or hard link) meets it too. It is independent of SQLite's byte-range (`fcntl`) locks on
/// a local file system. Its descriptor must stay open while SQLite's connections are: closing any
/// descriptor of the file would drop this process's `fcntl` locks, SQLite's included.
#[derive(Debug)]
pub struct ServerLock {
    _file: std::fs::File,
}

impl ServerLock {
    /// Creates the database file if needed (its owner's alone, as `create_private` makes it) and takes
    /// its lock, or says that another server holds it.
    pub fn take(path: &str) -> anyhow::Result<ServerLock> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).with_context(|| format!("cannot open database {path}"))?;
        match file.try_lock() {
            Ok(()) => Ok(ServerLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                anyhow::bail!("another polarshare server is serving {path}; stop it first, or give this one another --database (subcommands such as create-account run beside it)")
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock database {path}")),
        }
    }
}

impl ServerLock {
    /// Whether a server holds `path`'s lock, asked without waiting (a shared lock taken and dropped at
    /// once: a server starting in that instant would be refused, so ask only when it matters).
    pub fn held(path: &str) -> bool {
        match std::fs::File::open(path) {
            Ok(file) => matches!(file.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)),
            Err(_) => false,
        }
    }
}

/// Whether `path` holds a polarshare database that this version's migrations would change: it lacks
/// one of them. (No file, or no migrations table yet: nobody serves it, `false`.)
pub async fn migrations_pending(path: &str) -> anyhow::Result<bool> {
    if !std::path::Path::new(path).is_file() {
        return Ok(false);
    }
    let options = SqliteConnectOptions::new().filename(path).read_only(true).busy_timeout(Duration::from_secs(10));
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| open_refused(path, e))?;
    let has_table: bool = sqlx::query_scalar("select count(*) > 0 from sqlite_master where name = '_sqlx_migrations'")
        .fetch_one(&mut conn)
        .await?;
    let applied: Vec<i64> = if has_table {
        sqlx::query_scalar("select version from _sqlx_migrations where success").fetch_all(&mut conn).await?
    } else {
        Vec::new()
    };
    conn.close().await?;
    Ok(has_table && sqlx::migrate!("./migrations").iter().any(|m| !applied.contains(&m.version)))
}

/// Opens (creating if needed) the database file and runs pending migrations.
pub async fn connect(path: &str) -> anyhow::Result<Database> {
    open(path, DEFAULT_READ_CONNECTIONS).await
}

/// [`connect`] with `connections` SQLite connections for reads.
pub async fn open(path: &str, connections: u32) -> anyhow::Result<Database> {
    create_private(path)?;
    // The path is SQLite's file name as it is, never a URL: `?`, `#`, `%` or `:memory:` in it would
    // otherwise open another file (not the private one made above, nor the one the server lock holds)
    // or a database in memory.
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL lets readers run while one writer commits; NORMAL sync is still crash-safe in WAL
        // (a power cut may lose the last commits, never corrupt the file) and avoids an fsync per commit.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // Every commit makes the other connections drop their page caches; with the file mapped, their
        // next reads are memory reads rather than read() system calls.
        .pragma("mmap_size", "268435456")
        // Sorting, DISTINCT and grouping build small temporary b-trees; kept in memory they cost
        // microseconds, as temporary files (the default) they made the share rules' query ~3x slower.
        .pragma("temp_store", "memory");
    // SQLite runs each connection on its own thread; on a small machine a few connections serve more
    // requests than many, which mostly add thread hand-offs (`--db-connections`).
    // Connections are not pinged before being handed out: a ping is one more hand-off to SQLite's worker
    // thread on every request, and a local file does not drop connections the way a network does.
    let pool = SqlitePoolOptions::new()
        .max_connections(connections.max(1))
        .test_before_acquire(false)
        .connect_with(options.clone())
        .await
        .map_err(|e| open_refused(path, e))?;
    sqlx::migrate!("./migrations").run(&pool).await.map_err(|e| migration_refused(path, e))?;
    // The writer does not checkpoint the WAL into the database file at its commits (that copy, with its
    // fsync, would land on whichever request crossed the threshold): `Database::spawn_checkpoints` does it
    // in the background.
    // The answers kept in memory (see `read_model`) learn of each commit from `Writer::commit` (which
    // actions and the schedule use too) and from the groups, right after it and before anyone hears
    // "done". Every transaction of the writer also ends with its connection back in the pool, counted
    // there as well: that catches the rest (a rollback, a failed commit, a transaction dropped).
    let commits = read_model::Commits::default();
    let (released, watched) = (commits.clone(), commits.clone());
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        // SQLite tells which tables each commit changed (see `read_model::Commits::watch`).
        .after_connect(move |conn, _| {
            let watched = watched.clone();
            Box::pin(async move {
                // A share's write is one statement through this connection's own trigger.
                sqlx::Executor::execute(&mut *conn, shares::WRITE_SHARE_TRIGGER.as_str()).await?;
                watched.watch(&mut conn.lock_handle().await?);
                Ok(())
            })
        })
        .after_release(move |conn, _| {
            released.note();
            Box::pin(async move {
                // A transaction dropped unfinished has its rollback queued on the connection; the ping
                // waits for it. Still counted open after that, its rollback failed: SQLite had already
                // ended it on its own (a full disk, an I/O error), and sqlx, which never counts it
                // closed then, would refuse every later BEGIN on this connection, the only writer. It
                // is closed instead (closing rolls back whatever SQLite still holds open), and the next
                // write opens a new one.
                if conn.is_in_transaction() {
                    conn.ping().await?;
                    if conn.is_in_transaction() {
                        tracing::warn!("the writer's connection lost track of its transaction; it is opened again");
                        return Ok(false);
                    }
                }
                Ok(true)
            })
        })
        // The writer's page cache outlives its transactions (no other connection writes, so SQLite keeps
        // it), but the default 2 MB is ~500 pages, fewer than the indexes a share's rules and write touch:
        // the rest was read again from the WAL file (a pread each) or copied from the map at every share.
        // Nor does it map the file: a page read through the map is not kept in that cache, and SQLite
        // sets it up again at each use (~4 % of a share's instructions, callgrind, docs/performance.md
        // stop 29); its cache already holds what it reads.
        .connect_with(options.pragma("wal_autocheckpoint", "0").pragma("cache_size", "-65536").pragma("mmap_size", "0"))
        .await
        .with_context(|| format!("cannot open database {path} for writing"))?;
    let groups = group::Groups::spawn(writer.clone(), commits.clone());
    let backup_pages = read_model::BackupPages::new(commits.clone());
    let sessions = read_model::Sessions::new(commits.clone());
    let signing_keys = read_model::SigningKeys::new(commits.clone());
    let own_share_pages = read_model::OwnSharePages::new(commits.clone());
    let forgotten_before = access_keys::nonce_cutoff(&writer).await?.map(|t| parse_ts(&t)).transpose()?;
    let nonce_cutoff = access_keys::NonceCutoff::new(forgotten_before);
    Ok(Database {
        pool,
        writer: Writer {
            pool: writer,
            groups,
            commits,
            backup_pages,
            sessions,
            signing_keys,
            own_share_pages,
            nonce_cutoff,
        },
    })
}

impl Database {
    /// Copies committed pages from the WAL into the database file every `every`, off the request path,
    /// so the WAL stays small, and restarts the log once it holds more than [`WAL_FRAMES_BOUND`] frames.
    ///
    /// A PASSIVE checkpoint never waits for or blocks the writer or readers, so under writes that never
    /// pause it never catches up with the writer, and the log only starts over from its beginning when a
    /// write begins after a checkpoint that copied everything: it would grow as long as the writes go on.
    /// Past the bound, one RESTART checkpoint holds new writes back while it copies the rest and the
    /// readers move past the log, so the next write starts it over (keeping the file, whose blocks are
    /// then written in place). The share groups run it between two groups
    /// ([`group::Groups::ask_log_restart`]); when no group has taken the ask by the next tick, no shares
    /// are being written, and it runs here.
    pub fn spawn_checkpoints(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let database = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(e) = database.checkpoint_once(WAL_FRAMES_BOUND).await {
                    tracing::warn!(error = ?e, "WAL checkpoint failed; retrying on the next tick");
                }
            }
        })
    }

    /// One tick of [`Database::spawn_checkpoints`]: a PASSIVE checkpoint, and past `bound`
    /// frames the log's restart (asked of the share groups first; done here when the last ask is still
    /// pending). Answers the frames the log held.
    pub async fn checkpoint_once(&self, bound: i64) -> sqlx::Result<i64> {
        // (busy, frames in the log, frames copied): SQLite's answer to a checkpoint.
        let (_, frames, _): (i64, i64, i64) =
            sqlx::query_as("pragma wal_checkpoint(passive)").fetch_one(&self.pool).await?;
        if frames > bound && self.writer.groups.ask_log_restart() {
            self.writer.groups.log_restarted();
            sqlx::query(RESTART_LOG).execute(&self.pool).await?;
        }
        Ok(frames)
    }
}

/// The database file could not be opened: one that is not SQLite at all is said so (sqlx's words
/// repeat SQLite's twice).
fn open_refused(path: &str, e: sqlx::Error) -> anyhow::Error {
    const SQLITE_NOTADB: &str = "26";
    match &e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some(SQLITE_NOTADB) => {
            anyhow::anyhow!("{path} is not a database (not an SQLite file); it was left as it is")
        }
        _ => anyhow::Error::new(e).context(format!("cannot open database {path}")),
    }
}

/// A failed migration, said so that the operator knows what to do: a database written by a newer
/// polarshare (or by an edited migration) is named as such, with sqlx's own words after it.
fn migration_refused(path: &str, e: sqlx::migrate::MigrateError) -> anyhow::Error {
    use sqlx::migrate::MigrateError;
    let what = match &e {
        MigrateError::VersionMissing(_) => format!("{path} was migrated by a newer polarshare than this one: run that version, or restore a copy made for this one"),
        MigrateError::VersionMismatch(_) => format!("{path} was migrated by a different build of polarshare whose migration differs from this one's"),
        _ => format!("running the migrations of {path}"),
    };
    anyhow::Error::new(e).context(what)
}

/// Frames (a page each, 4 KB) the log may hold before a checkpoint makes new writes wait for it:
/// ~64 MB, reached only under writes that leave the PASSIVE checkpoints no gap (the benchmark's shares
/// write ~30 MB a second); a RESTART then costs the waiting writes one copy and two fsyncs.
pub const WAL_FRAMES_BOUND: i64 = 16_384;

/// The checkpoint that restarts the log, run by the share groups or by [`Database::checkpoint_once`].
pub(crate) const RESTART_LOG: &str = "pragma wal_checkpoint(restart)";

/// A write transaction that takes SQLite's write lock up front. A plain (deferred) BEGIN would read a
/// snapshot first and then fail to upgrade if another writer committed meanwhile; with IMMEDIATE the
/// read-check-write of a sharing rule is serialised, so limits hold under concurrent requests.
pub async fn begin_write(pool: &SqlitePool) -> anyhow::Result<Tx> {
    pool.begin_with("BEGIN IMMEDIATE").await.context("starting a write transaction")
}

/// Reads a flag from a JSON document built by SQLite, which writes booleans as 0 and 1.
pub fn sqlite_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Int(i) => i != 0,
    })
}

/// Times are stored as RFC 3339 UTC text with second precision, so they compare correctly as strings.
pub fn ts(t: OffsetDateTime) -> String {
    crate::domain::utc_seconds(t).unwrap_or_default()
}

pub fn parse_ts(s: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).with_context(|| format!("bad stored time {s:?}"))
}

/// A fresh, migrated database in a directory of its own, for a test (the directory lives as long as
/// the `TempDir` returned with it).
#[cfg(test)]
pub(crate) async fn temporary(name: &str) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = connect(dir.path().join(name).to_str().expect("a UTF-8 path")).await.expect("a migrated database");
    (dir, db)
}

#[cfg(test)]
mod tests {
    /// The share's write goes through a temporary trigger, the writer connection's own: a connection
    /// opened again (the pool closes idle and old ones) must get it again, or every share would fail.
    #[tokio::test]
    async fn a_writer_connection_opened_again_has_the_share_write_trigger() {
        let (_dir, db) = super::temporary("writer.db").await;
        let objects = "select count(*) from sqlite_temp_master where name in ('share_write', 'share_write_statements', 'test_first_connection')";
        let mut first = db.writer.pool.acquire().await.unwrap();
        sqlx::query("create temp table test_first_connection (x)").execute(&mut *first).await.unwrap();
        let on_first: i64 = sqlx::query_scalar(objects).fetch_one(&mut *first).await.unwrap();
        assert_eq!(on_first, 3);
        first.close().await.unwrap();
        let mut again = db.writer.pool.acquire().await.unwrap();
        let on_again: i64 = sqlx::query_scalar(objects).fetch_one(&mut *again).await.unwrap();
        assert_eq!(on_again, 2, "a new connection (the first's temporary table is gone) with the view and its trigger");
    }

    /// Every time column is compared as text (`revoke_at <= ?`, `expires_at > ?`, `order by created_at`),
    /// which is only the instants' order if every stored time has one shape. Instants across the whole
    /// four-digit year range, with and without fractional seconds (including ones whose formatting would
    /// drop trailing zeros, `.5` against `.25` against none) and at any offset, must store as the same
    /// fixed-width text, sort as the instants (to the second) do, and read back as the stored second.
    mod stored_time_order {
        use super::super::{parse_ts, ts};
        use proptest::prelude::*;
        use time::{OffsetDateTime, UtcOffset};

        /// 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z: every instant RFC 3339 can write.
        const FIRST: i64 = -62_167_219_200;
        const LAST: i64 = 253_402_300_799;

        fn instant() -> impl Strategy<Value = OffsetDateTime> {
            let nanos =
                prop_oneof![Just(0u32), Just(500_000_000), Just(250_000_000), Just(100_000), 0u32..1_000_000_000];
            // Times of the same or nearby seconds are the ones a format difference would misorder.
            let second = prop_oneof![FIRST..=LAST, 1_795_921_190i64..1_795_921_210];
            (second, nanos, -86_399i32..86_400).prop_map(|(s, n, offset)| {
                let utc = OffsetDateTime::from_unix_timestamp(s).unwrap().replace_nanosecond(n).unwrap();
                // The same instant seen at another offset (the year may cross the range's edge there: it
                // is still the same instant, stored in UTC).
                UtcOffset::from_whole_seconds(offset).ok().and_then(|o| utc.checked_to_offset(o)).unwrap_or(utc)
            })
        }

        fn second_of(t: OffsetDateTime) -> i64 {
            t.unix_timestamp()
        }

        proptest! {
            #[test]
            fn stored_times_sort_as_the_instants_do(a in instant(), b in instant()) {
                let (sa, sb) = (ts(a), ts(b));
                for s in [&sa, &sb] {
                    prop_assert_eq!(s.len(), "2026-11-29T03:00:00Z".len(), "{:?}", s);
                    prop_assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T', "{:?}", s);
                }
                prop_assert_eq!(sa.cmp(&sb), second_of(a).cmp(&second_of(b)), "{:?} {:?} ({} {})", sa, sb, a, b);
                prop_assert_eq!(second_of(parse_ts(&sa).unwrap()), second_of(a));
                // A stored time (whole seconds) against `now` stored the same way answers as the instants:
                // what `revoke_at <= ?now` and `expires_at > ?now` decide.
                let stored = parse_ts(&sa).unwrap();
                prop_assert_eq!(sa <= sb, stored <= b, "{:?} <= {:?}", sa, sb);
            }
        }
    }
}
