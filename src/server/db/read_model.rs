//! Answers kept in memory between writes: the Data Backups tab's pages (the console's and the
//! OpenAPI's busiest read), the identity behind each session (read by every request), and, for the
//! OpenAPI, each AccessKey's pair and identity (read by every signed call) and an owner's pages of
//! ListResourceShares. An answer loaded from the database is given again until the writer next
//! commits, or, for the last two, until the writer next commits a change to the tables they read.
//!
//! Why this is safe: every change goes through the one writer connection, and [`Commits`] counts its
//! commits *after* they complete. An answer remembers the count read *before* its query ran, so any
//! commit that could be missing from it (one not yet visible when the query read) moves the count past
//! it and the answer is loaded again. One loaded just after a commit but before the count moved is
//! thrown away without need, never kept stale.
//!
//! The per-table counts ([`Tables`]) hold the same way. SQLite itself tells which tables a transaction
//! of the writer changed (its update hook, row by row, including rows changed by triggers and foreign
//! key actions), and its commit hook hands that set over as the transaction commits. A count moves only
//! once the commit is visible: at the next [`Commits::note`], which every end of a writer transaction
//! calls. Which transaction a note follows is not known to it (a late note of one transaction may run
//! after the next has begun to commit), so a note moves the counts of every committed set it holds but
//! keeps the newest one, whose commit may not be visible yet, to move its counts again at the next
//! note. A set older than the newest is visible: the writer's one connection began the newer commit
//! only after the older one completed. So a count always moves after the commit that changed its
//! tables is visible, and before anyone who made it hears "done"; extra moves only cost a reload.
//!
//! What it does not see: SQL run past the writer (a test's own statements, the demo's fresh sets
//! written through the read pool) must call `Writer::note_outside_change`; another process writing
//! the same file (the command line's subcommands, which only ever add identities and pairs, or SQL
//! run by hand) is seen at this server's next commit, and at the latest after [`MAX_AGE`]. A second
//! server, which would answer from its own memory in the same way, is refused at start
//! (`db::ServerLock`).

use super::access_keys::{self, SigningKeyRow};
use super::accounts::{self, SessionRow};
use super::api_lists::{self, After, OwnShareRow, ShareQuery};
use super::clusters::{self, ClusterPage, StartedWithin};
use sqlx::sqlite::LockedSqliteHandle;
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest an answer is given from memory, whatever the writer did: what bounds how late this
/// server sees a change another process made to the file (a session ended by SQL run beside it).
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Pages kept at most (a page is ~30 rows, ~10 KB): past this the cache starts over.
const MAX_PAGES: usize = 2_048;

/// Sessions kept at most (~300 bytes each). Unknown tokens are kept too (as "no session"), so a flood
/// of made-up cookies only makes the cache start over sooner; it never answers one as signed in.
const MAX_SESSIONS: usize = 20_000;

/// AccessKey pairs kept at most (~400 bytes each). Unknown ids are never kept: a pair created a moment
/// ago (by the console or the command line) is found at once.
const MAX_SIGNING_KEYS: usize = 20_000;

/// The tables an answer kept in memory reads, in groups: the answer is loaded again after a commit that
/// changed any table of its group, and kept across every other commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tables {
    /// What a signed call's AccessKey tells: the pair (secret, status), its identity, that identity's
    /// policies, its account and the account's resource directory. A RAM user deleted, a policy
    /// detached, a pair disabled or deleted, an account leaving its directory: each changes one of them.
    Credentials,
    /// The owner's resource shares as ListResourceShares lists them (their own rows only).
    ResourceShares,
}

impl Tables {
    const ALL: [Tables; 2] = [Tables::Credentials, Tables::ResourceShares];

    /// The tables of each group. Every one must be a rowid table: SQLite's update hook does not report
    /// changes to a WITHOUT ROWID table (a test checks the schema). Every table a kept answer's statement
    /// reads must be in its group: a test reads the tables off SQLite's plan of each statement.
    pub const fn tables(self) -> &'static [&'static str] {
        match self {
            Tables::Credentials => &["access_key", "identity", "identity_policy", "account", "rd_member"],
            Tables::ResourceShares => &["resource_share"],
        }
    }

    fn bit(self) -> u64 {
        1 << self as u32
    }

    /// The groups a change to `table` concerns, as bits.
    fn of_table(table: &str) -> u64 {
        Tables::ALL.iter().filter(|g| g.tables().contains(&table)).fold(0, |bits, g| bits | g.bit())
    }
}

/// How many transactions the writer has finished (committed or rolled back), and how many of its
/// commits changed each group of [`Tables`]: moved by the writer after each one, read by the caches.
#[derive(Clone, Debug, Default)]
pub struct Commits(Arc<CommitCounts>);

#[derive(Debug, Default)]
struct CommitCounts {
    all: AtomicU64,
    by_tables: [AtomicU64; Tables::ALL.len()],
    /// The groups changed by committed transactions whose counts still have to move: `older` ones
    /// (visible), and the `newest`, which may not be visible yet (see the module's comment).
    committed: Mutex<Committed>,
    /// How many transactions of the writer SQLite has rolled back, asked to or on its own.
    rollbacks: AtomicU64,
}

#[derive(Debug, Default)]
struct Committed {
    older: u64,
    newest: u64,
}

impl Commits {
    /// Called once a transaction of the writer has finished.
    pub fn note(&self) {
        let bits = {
            let mut committed = self.0.committed.lock().unwrap_or_else(|p| p.into_inner());
            let bits = committed.older | committed.newest;
            committed.older = 0;
            bits
        };
        self.move_tables(bits);
        self.0.all.fetch_add(1, Ordering::SeqCst);
    }

    /// Called for a change made past the writer: every answer is loaded again.
    pub fn note_everything(&self) {
        self.move_tables(u64::MAX);
        self.note();
    }

    fn move_tables(&self, bits: u64) {
        for group in Tables::ALL {
            if bits & group.bit() != 0 {
                self.0.by_tables[group as usize].fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// Installs SQLite's hooks on a connection of the writer, so that its commits say which tables
    /// they changed. The hooks run on the connection's worker thread, inside SQLite: they only set bits.
    pub fn watch(&self, handle: &mut LockedSqliteHandle<'_>) {
        let open = Arc::new(AtomicU64::new(0));
        let changed = open.clone();
        handle.set_update_hook(move |change| {
            let bits = Tables::of_table(change.table);
            if bits != 0 {
                changed.fetch_or(bits, Ordering::SeqCst);
            }
        });
        let (committing, commits) = (open.clone(), self.clone());
        handle.set_commit_hook(move || {
            commits.committing(committing.swap(0, Ordering::SeqCst));
            // true: let the commit go on.
            true
        });
        let rolled_back = self.clone();
        handle.set_rollback_hook(move || {
            open.store(0, Ordering::SeqCst);
            rolled_back.0.rollbacks.fetch_add(1, Ordering::SeqCst);
        });
    }

    /// A transaction that changed the groups `bits` is committing (SQLite's commit hook: not visible yet).
    fn committing(&self, bits: u64) {
        let mut committed = self.0.committed.lock().unwrap_or_else(|p| p.into_inner());
        committed.older |= committed.newest;
        committed.newest = bits;
    }

    /// How many transactions of the writer SQLite has rolled back so far: by a ROLLBACK, or on its own
    /// after an error that ends the whole transaction (a full disk, an I/O error, no memory), which sqlx
    /// does not see. A savepoint rolled back (`rollback to`) is not counted. The group commit reads it
    /// to tell that its transaction is gone (`group::run_group`).
    pub fn rollbacks(&self) -> u64 {
        self.0.rollbacks.load(Ordering::SeqCst)
    }

    fn current(&self, scope: Scope) -> u64 {
        match scope {
            Scope::AnyCommit => self.0.all.load(Ordering::SeqCst),
            Scope::Tables(group) => self.0.by_tables[group as usize].load(Ordering::SeqCst),
        }
    }
}

/// Which commits end a kept answer.
#[derive(Clone, Copy, Debug)]
enum Scope {
    AnyCommit,
    Tables(Tables),
}

/// Answers by key, each kept while the writer's commit count (of its [`Scope`]) is the one read
/// before it was loaded (and for at most [`MAX_AGE`]).
struct UntilCommit<K, V> {
    commits: Commits,
    scope: Scope,
    capacity: usize,
    max_age: Duration,
    entries: Mutex<HashMap<K, Kept<V>>>,
}

/// Only how many answers are kept, not what they say: a log line never carries a session's identity.
impl<K, V> std::fmt::Debug for UntilCommit<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.entries.lock().map(|e| e.len()).unwrap_or_default();
        f.debug_struct("UntilCommit").field("kept", &kept).field("capacity", &self.capacity).finish()
    }
}

struct Kept<V> {
    commits_seen: u64,
    loaded: Instant,
    value: V,
}

impl<K: Eq + Hash, V: Clone> UntilCommit<K, V> {
    fn new(commits: Commits, capacity: usize) -> Self {
        Self::scoped(commits, Scope::AnyCommit, capacity)
    }

    fn scoped(commits: Commits, scope: Scope, capacity: usize) -> Self {
        UntilCommit { commits, scope, capacity, max_age: MAX_AGE, entries: Mutex::default() }
    }

    /// The answer kept for `key`, or `load`'s (then kept).
    async fn get_or_load<E, F: Future<Output = Result<V, E>>>(&self, key: K, load: impl FnOnce() -> F) -> Result<V, E> {
        self.get_or_load_if(key, load, |_| true).await
    }

    /// As [`UntilCommit::get_or_load`], but `load`'s answer is kept only if `keep` says so.
    async fn get_or_load_if<E, F: Future<Output = Result<V, E>>>(
        &self,
        key: K,
        load: impl FnOnce() -> F,
        keep: impl Fn(&V) -> bool,
    ) -> Result<V, E> {
        // Read before the query: see the module's comment.
        let seen = self.commits.current(self.scope);
        if let Some(kept) = self.lock().get(&key) {
            if kept.commits_seen == seen && kept.loaded.elapsed() < self.max_age {
                return Ok(kept.value.clone());
            }
        }
        let value = load().await?;
        if !keep(&value) {
            return Ok(value);
        }
        let mut entries = self.lock();
        let mut dropped = HashMap::new();
        if entries.len() >= self.capacity {
            entries.retain(|_, kept| kept.commits_seen == seen);
            if entries.len() >= self.capacity {
                dropped = std::mem::take(&mut *entries);
            }
        }
        entries.insert(key, Kept { commits_seen: seen, loaded: Instant::now(), value: value.clone() });
        drop(entries);
        // Freeing a full cache's answers (thousands of pages) is done after the lock is let go, so the
        // requests reading the cache meanwhile don't wait for it.
        drop(dropped);
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Kept<V>>> {
        // Nothing panics while holding the lock, so a poisoned one still holds consistent data.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The cached pages of every cluster's Data Backups tab.
#[derive(Clone, Debug)]
pub struct BackupPages(Arc<UntilCommit<(String, StartedWithin, i64, i64), Arc<ClusterPage>>>);

impl BackupPages {
    pub fn new(commits: Commits) -> BackupPages {
        BackupPages(Arc::new(UntilCommit::new(commits, MAX_PAGES)))
    }

    /// [`clusters::backup_sets_page`], answered from memory when nothing was committed since it was loaded.
    pub async fn page(
        &self,
        pool: &SqlitePool,
        cluster_id: &str,
        started: &StartedWithin,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Arc<ClusterPage>> {
        self.0
            .get_or_load((cluster_id.to_owned(), started.clone(), limit, offset), || async {
                Ok(Arc::new(clusters::backup_sets_page(pool, cluster_id, started, limit, offset).await?))
            })
            .await
    }
}

/// The identity behind each session cookie (by the token's digest), as [`accounts::session_identity`]
/// loads it. Kept answers are as of the commit count they were loaded at, so a session ended, a
/// password changed, a RAM user deleted or a policy detached is seen by the very next request, as
/// long as the change went through the writer (sign-out does too, see `auth::sign_out`).
#[derive(Clone, Debug)]
pub struct Sessions(Arc<UntilCommit<String, Option<Arc<SessionRow>>>>);

impl Sessions {
    pub fn new(commits: Commits) -> Sessions {
        Sessions(Arc::new(UntilCommit::new(commits, MAX_SESSIONS)))
    }

    /// The identity of the session with this digest, if it exists and had not expired at `now` (a kept
    /// one is checked against `now` again: expiry is a matter of time, not of commits).
    pub async fn identity(&self, pool: &SqlitePool, digest: &str, now: &str) -> sqlx::Result<Option<Arc<SessionRow>>> {
        let row = self
            .0
            .get_or_load(digest.to_owned(), || async {
                accounts::session_identity(pool, digest, now).await.map(|row| row.map(Arc::new))
            })
            .await?;
        Ok(row.filter(|r| r.expires_at.as_str() > now))
    }
}

/// Each AccessKey pair with its identity, as [`access_keys::signing_key`] loads it, kept until the writer
/// commits a change to [`Tables::Credentials`]: every signed call reads it, and every signed call also
/// commits its nonce, so kept until any commit it would be loaded for nearly every call.
#[derive(Clone, Debug)]
pub struct SigningKeys(Arc<UntilCommit<String, Option<Arc<SigningKeyRow>>>>);

impl SigningKeys {
    pub fn new(commits: Commits) -> SigningKeys {
        SigningKeys(Arc::new(UntilCommit::scoped(commits, Scope::Tables(Tables::Credentials), MAX_SIGNING_KEYS)))
    }

    pub async fn get(&self, pool: &SqlitePool, access_key_id: &str) -> sqlx::Result<Option<Arc<SigningKeyRow>>> {
        self.0
            .get_or_load_if(
                access_key_id.to_owned(),
                || async { access_keys::signing_key(pool, access_key_id).await.map(|row| row.map(Arc::new)) },
                Option::is_some,
            )
            .await
    }
}

/// An owner's pages of ListResourceShares (its own shares), as [`api_lists::own_shares`] reads them,
/// kept until the writer commits a change to [`Tables::ResourceShares`]: scripts poll this list, and
/// the signed calls polling it each commit a nonce.
#[derive(Clone, Debug)]
pub struct OwnSharePages(Arc<UntilCommit<OwnSharePageKey, Arc<Vec<OwnShareRow>>>>);

/// Everything [`api_lists::own_shares`] reads a page by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct OwnSharePageKey {
    owner: String,
    ids: Vec<String>,
    name: Option<String>,
    status: Option<String>,
    after: After,
    limit: i64,
}

impl OwnSharePages {
    pub fn new(commits: Commits) -> OwnSharePages {
        OwnSharePages(Arc::new(UntilCommit::scoped(commits, Scope::Tables(Tables::ResourceShares), MAX_PAGES)))
    }

    pub async fn page(
        &self,
        pool: &SqlitePool,
        owner: &str,
        q: &ShareQuery<'_>,
        after: &After,
        limit: i64,
    ) -> sqlx::Result<Arc<Vec<OwnShareRow>>> {
        let key = OwnSharePageKey {
            owner: owner.to_owned(),
            ids: q.ids.to_vec(),
            name: q.name.map(str::to_owned),
            status: q.status.map(str::to_owned),
            after: after.clone(),
            limit,
        };
        self.0
            .get_or_load(key, || async { api_lists::own_shares(pool, owner, q, after, limit).await.map(Arc::new) })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A cache over a counter of loads: each load answers how many loads there have been.
    struct Probe {
        cache: UntilCommit<&'static str, usize>,
        loads: AtomicUsize,
    }

    impl Probe {
        fn new(commits: &Commits, capacity: usize) -> Probe {
            Probe { cache: UntilCommit::new(commits.clone(), capacity), loads: AtomicUsize::new(0) }
        }

        async fn get(&self, key: &'static str) -> usize {
            let load = || async { Ok::<_, ()>(self.loads.fetch_add(1, Ordering::SeqCst) + 1) };
            self.cache.get_or_load(key, load).await.unwrap()
        }
    }

    #[tokio::test]
    async fn an_answer_is_loaded_once_until_the_writer_commits() {
        let commits = Commits::default();
        let probe = Probe::new(&commits, 10);
        assert_eq!(probe.get("a").await, 1);
        assert_eq!(probe.get("a").await, 1, "kept");
        commits.note();
        assert_eq!(probe.get("a").await, 2, "loaded again after a commit");
        assert_eq!(probe.get("a").await, 2);
    }

    #[tokio::test]
    async fn an_answer_loaded_while_a_commit_finished_is_not_kept_past_it() {
        let commits = Commits::default();
        let cache: UntilCommit<&str, u32> = UntilCommit::new(commits.clone(), 10);
        // The commit completes while the query runs: what the query read may predate it.
        let first = cache
            .get_or_load("a", || async {
                commits.note();
                Ok::<_, ()>(1)
            })
            .await
            .unwrap();
        assert_eq!(first, 1);
        let second = cache.get_or_load("a", || async { Ok::<_, ()>(2) }).await.unwrap();
        assert_eq!(second, 2, "the answer was remembered at the count read before its query");
    }

    #[tokio::test]
    async fn an_answer_is_loaded_again_after_its_maximum_age_without_any_commit() {
        let commits = Commits::default();
        let mut probe = Probe::new(&commits, 10);
        probe.cache.max_age = Duration::from_millis(30);
        assert_eq!(probe.get("a").await, 1);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(probe.get("a").await, 2, "another process's change is seen within the maximum age");
    }

    #[tokio::test]
    async fn a_full_cache_starts_over_instead_of_growing() {
        let commits = Commits::default();
        let probe = Probe::new(&commits, 2);
        probe.get("a").await;
        probe.get("b").await;
        probe.get("c").await;
        assert!(probe.cache.lock().len() <= 2, "never more than its capacity");
        let loads = probe.loads.load(Ordering::SeqCst);
        probe.get("c").await;
        assert_eq!(probe.loads.load(Ordering::SeqCst), loads, "the newest answer is kept");
    }

    /// A cache of one table group over a counter of loads.
    fn scoped_probe(commits: &Commits, group: Tables) -> Probe {
        Probe { cache: UntilCommit::scoped(commits.clone(), Scope::Tables(group), 10), loads: AtomicUsize::new(0) }
    }

    #[tokio::test]
    async fn a_table_scoped_answer_outlives_commits_of_other_tables_only() {
        let commits = Commits::default();
        let keys = scoped_probe(&commits, Tables::Credentials);
        assert_eq!(keys.get("k").await, 1);
        commits.committing(Tables::of_table("api_nonce") | Tables::of_table("resource_share"));
        commits.note();
        assert_eq!(keys.get("k").await, 1, "kept across a commit of other tables");
        commits.committing(Tables::of_table("identity_policy"));
        commits.note();
        assert_eq!(keys.get("k").await, 2, "loaded again after a commit that changed its tables");
    }

    #[tokio::test]
    async fn a_late_note_of_an_earlier_commit_does_not_use_up_the_next_commits_move() {
        let commits = Commits::default();
        let keys = scoped_probe(&commits, Tables::Credentials);
        // T2 (a key disabled) has begun to commit: SQLite ran its commit hook, its change is not
        // visible yet. The note of an earlier transaction runs late, now.
        commits.committing(Tables::Credentials.bit());
        commits.note();
        // A reader loads now, before T2 is visible: it reads the pair as still active.
        assert_eq!(keys.get("k").await, 1);
        // T2 completes; its own note follows.
        commits.note();
        assert_eq!(keys.get("k").await, 2, "T2's own note moved the count again: the stale answer is gone");
    }

    #[tokio::test]
    async fn a_commit_older_than_the_newest_moves_its_count_once_and_is_forgotten() {
        let commits = Commits::default();
        commits.committing(Tables::Credentials.bit());
        commits.committing(0);
        commits.note();
        let keys = scoped_probe(&commits, Tables::Credentials);
        assert_eq!(keys.get("k").await, 1);
        commits.note();
        assert_eq!(keys.get("k").await, 1, "the older commit is visible and counted: kept");
    }

    #[tokio::test]
    async fn a_change_past_the_writer_ends_every_kept_answer() {
        let commits = Commits::default();
        let (keys, shares) =
            (scoped_probe(&commits, Tables::Credentials), scoped_probe(&commits, Tables::ResourceShares));
        assert_eq!((keys.get("k").await, shares.get("s").await), (1, 1));
        commits.note_everything();
        assert_eq!((keys.get("k").await, shares.get("s").await), (2, 2));
    }

    #[tokio::test]
    async fn an_answer_not_to_be_kept_is_loaded_every_time() {
        let commits = Commits::default();
        let cache: UntilCommit<&str, Option<u32>> =
            UntilCommit::scoped(commits, Scope::Tables(Tables::Credentials), 10);
        let unknown = cache.get_or_load_if("k", || async { Ok::<_, ()>(None) }, Option::is_some).await;
        assert_eq!(unknown, Ok(None));
        let created = cache.get_or_load_if("k", || async { Ok::<_, ()>(Some(1)) }, Option::is_some).await;
        assert_eq!(created, Ok(Some(1)), "a pair unknown a moment ago is found once it exists");
    }

    /// Runs `sql` on a watched connection, then the writer's note: whether the Credentials count moved.
    async fn moved(commits: &Commits, conn: &mut sqlx::SqliteConnection, sql: &str) -> bool {
        use sqlx::Executor;
        // The earlier commit, the newest, would move its count again at this note: settled first.
        commits.committing(0);
        commits.note();
        let before = commits.current(Scope::Tables(Tables::Credentials));
        conn.execute(sql).await.unwrap();
        commits.note();
        commits.current(Scope::Tables(Tables::Credentials)) != before
    }

    /// What the design relies on, checked against SQLite itself rather than assumed: its update hook
    /// reports rows changed by a trigger and by a foreign key's cascade, and forgets a rolled-back change.
    /// It does not report `delete from t` without a WHERE when `t` has no delete trigger and no foreign
    /// key (child or parent), the truncate optimisation: every watched table has a foreign key and the
    /// connections enforce them (`openapi::a_kept_pair_ends_when_its_account_leaves_the_directory_by_a_delete_without_where`).
    #[tokio::test]
    async fn sqlite_reports_changes_by_triggers_and_cascades_and_forgets_rolled_back_ones() {
        use sqlx::{Connection, Executor};
        let commits = Commits::default();
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        conn.execute(
            "pragma foreign_keys = on;
             create table parent (id integer primary key);
             create table identity (identity_id integer primary key, parent_id integer references parent (id) on delete cascade);
             create table identity_policy (identity_id integer, policy_name text, primary key (identity_id, policy_name));
             create table other (id integer primary key);
             create trigger other_writes_policy after insert on other begin
                 insert into identity_policy values (new.id, 'p');
             end;
             insert into parent values (1); insert into identity values (1, 1);",
        )
        .await
        .unwrap();
        commits.watch(&mut conn.lock_handle().await.unwrap());
        assert!(
            moved(&commits, &mut conn, "insert into other values (2)").await,
            "a row written by a trigger is reported"
        );
        assert!(
            moved(&commits, &mut conn, "delete from parent where id = 1").await,
            "a row deleted by a cascade is reported"
        );
        assert!(
            !moved(&commits, &mut conn, "begin; insert into other values (3); rollback").await,
            "a rolled-back change moves nothing"
        );
        assert!(
            !moved(&commits, &mut conn, "insert into parent values (5)").await,
            "a change to a table outside the group moves nothing"
        );
        // Here identity_policy has no foreign key: `delete from t` is SQLite's truncate optimisation.
        assert!(
            !moved(&commits, &mut conn, "delete from identity_policy").await,
            "the truncate optimisation is not reported"
        );
    }

    /// The tables a statement reads, as SQLite's own plan of it says: the table of each b-tree (a table's
    /// or an index's) its program opens for reading, a view's and a subquery's tables included.
    async fn tables_read(pool: &SqlitePool, sql: &str) -> std::collections::BTreeSet<String> {
        use sqlx::Row;
        let program = sqlx::query(&format!("explain {sql}")).fetch_all(pool).await.unwrap();
        let mut tables = std::collections::BTreeSet::new();
        for op in program.iter().filter(|op| op.get::<String, _>("opcode") == "OpenRead") {
            let root: i64 = op.get("p2");
            let table: String = sqlx::query_scalar("select tbl_name from sqlite_schema where rootpage = ?")
                .bind(root)
                .fetch_one(pool)
                .await
                .unwrap();
            tables.insert(table);
        }
        tables
    }

    /// An answer kept until a commit of its tables is loaded again only after a commit that changed one
    /// of [`Tables::tables`]: a table its statement reads that is not listed there (a join added later)
    /// would leave it stale. Each table-scoped answer's statement is checked against SQLite's plan of it.
    #[tokio::test]
    async fn every_table_a_table_scoped_answer_reads_is_in_its_group() {
        let (_dir, db) = super::super::temporary("kept.db").await;
        let scoped = [
            ("SigningKeys", Tables::Credentials, access_keys::signing_key_sql()),
            ("OwnSharePages", Tables::ResourceShares, api_lists::OWN_SHARES.to_owned()),
        ];
        for (answer, group, sql) in scoped {
            let read = tables_read(&db.pool, &sql).await;
            assert!(!read.is_empty(), "{answer}: no table found in its plan");
            let unwatched: Vec<&String> = read.iter().filter(|t| !group.tables().contains(&t.as_str())).collect();
            assert!(unwatched.is_empty(), "{answer} reads {unwatched:?}, which {group:?} does not watch: a change to it would not end the kept answer");
        }
        // The plan is read right: a statement joining a table outside the group is caught.
        let joined = format!("{} and exists(select 1 from session)", access_keys::signing_key_sql());
        assert!(tables_read(&db.pool, &joined).await.contains("session"));
    }

    #[tokio::test]
    async fn a_failed_load_is_not_kept() {
        let commits = Commits::default();
        let cache: UntilCommit<&str, u32> = UntilCommit::new(commits, 10);
        assert!(cache.get_or_load("a", || async { Err::<u32, _>("disk") }).await.is_err());
        assert_eq!(cache.get_or_load("a", || async { Ok::<_, &str>(7) }).await, Ok(7));
    }
}
