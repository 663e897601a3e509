//! Answers kept in memory between writes: the Data Backups tab's pages (the console's and the
//! OpenAPI's busiest read) and the identity behind each session (read by every request). An answer
//! loaded from the database is given again until the writer next commits.
//!
//! Why this is safe: every change goes through the one writer connection, and [`Commits`] counts its
//! commits *after* they complete. An answer remembers the count read *before* its query ran, so any
//! commit that could be missing from it (one not yet visible when the query read) moves the count past
//! it and the answer is loaded again. One loaded just after a commit but before the count moved is
//! thrown away without need, never kept stale.
//!
//! What it does not see: SQL run past the writer (a test's own statements, the demo's fresh sets
//! written through the read pool) must call `Writer::note_outside_change`; another process writing
//! the same file (the command line's subcommands) is seen at this server's next commit, and at the
//! latest after [`MAX_AGE`].

use super::accounts::{self, SessionRow};
use super::clusters::{self, ClusterPage};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest an answer is given from memory, whatever the writer did: what bounds how late this
/// server sees a change another process made to the file (a session ended from the command line).
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Pages kept at most (a page is ~30 rows, ~10 KB): past this the cache starts over.
const MAX_PAGES: usize = 2_048;

/// Sessions kept at most (~300 bytes each). Unknown tokens are kept too (as "no session"), so a flood
/// of made-up cookies only makes the cache start over sooner; it never answers one as signed in.
const MAX_SESSIONS: usize = 20_000;

/// How many transactions the writer has finished (committed or rolled back): moved by the writer after
/// each one, read by the cache.
#[derive(Clone, Debug, Default)]
pub struct Commits(Arc<AtomicU64>);

impl Commits {
    /// Called once a transaction of the writer has finished.
    pub fn note(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Answers by key, each kept while the writer's commit count is the one read before it was loaded
/// (and for at most [`MAX_AGE`]).
struct UntilCommit<K, V> {
    commits: Commits,
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
        UntilCommit { commits, capacity, max_age: MAX_AGE, entries: Mutex::default() }
    }

    /// The answer kept for `key`, or `load`'s (then kept).
    async fn get_or_load<E, F: Future<Output = Result<V, E>>>(&self, key: K, load: impl FnOnce() -> F) -> Result<V, E> {
        // Read before the query: see the module's comment.
        let seen = self.commits.current();
        if let Some(kept) = self.lock().get(&key) {
            if kept.commits_seen == seen && kept.loaded.elapsed() < self.max_age {
                return Ok(kept.value.clone());
            }
        }
        let value = load().await?;
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.retain(|_, kept| kept.commits_seen == seen);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, Kept { commits_seen: seen, loaded: Instant::now(), value: value.clone() });
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Kept<V>>> {
        // Nothing panics while holding the lock, so a poisoned one still holds consistent data.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The cached pages of every cluster's Data Backups tab.
#[derive(Clone, Debug)]
pub struct BackupPages(Arc<UntilCommit<(String, i64, i64), Arc<ClusterPage>>>);

impl BackupPages {
    pub fn new(commits: Commits) -> BackupPages {
        BackupPages(Arc::new(UntilCommit::new(commits, MAX_PAGES)))
    }

    /// [`clusters::backup_sets_page`], answered from memory when nothing was committed since it was loaded.
    pub async fn page(&self, pool: &SqlitePool, cluster_id: &str, limit: i64, offset: i64) -> anyhow::Result<Arc<ClusterPage>> {
        self.0
            .get_or_load((cluster_id.to_owned(), limit, offset), || async {
                Ok(Arc::new(clusters::backup_sets_page(pool, cluster_id, limit, offset).await?))
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
            .get_or_load(digest.to_owned(), || async { accounts::session_identity(pool, digest, now).await.map(|row| row.map(Arc::new)) })
            .await?;
        Ok(row.filter(|r| r.expires_at.as_str() > now))
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
        let first = cache.get_or_load("a", || async { commits.note(); Ok::<_, ()>(1) }).await.unwrap();
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

    #[tokio::test]
    async fn a_failed_load_is_not_kept() {
        let commits = Commits::default();
        let cache: UntilCommit<&str, u32> = UntilCommit::new(commits, 10);
        assert!(cache.get_or_load("a", || async { Err::<u32, _>("disk") }).await.is_err());
        assert_eq!(cache.get_or_load("a", || async { Ok::<_, &str>(7) }).await, Ok(7));
    }
}
