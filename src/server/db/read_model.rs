//! The Data Backups tab's pages kept in memory between writes: the console's (and the OpenAPI's)
//! busiest read. A page loaded from the database is answered again until the writer next commits.
//!
//! Why this is safe: every change goes through the one writer connection, and [`Commits`] counts its
//! commits *after* they complete. A page remembers the count read *before* its query ran, so any commit
//! that could be missing from it (one not yet visible when the query read) moves the count past it and
//! the page is loaded again. A page loaded just after a commit but before the count moved is thrown
//! away without need, never kept stale.
//!
//! What it does not see: SQL run past the writer (a test's own statements, the demo's fresh sets
//! written through the read pool) must call `Writer::note_outside_change`; another process writing
//! the same file is seen only at this server's next commit.

use super::clusters::{self, ClusterPage};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Pages kept at most (a page is ~30 rows, ~10 KB): past this the cache starts over.
const MAX_PAGES: usize = 2_048;

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

type PageKey = (String, i64, i64);

/// The cached pages of every cluster, each with the commit count it was loaded at.
#[derive(Clone, Debug)]
pub struct BackupPages {
    commits: Commits,
    pages: Arc<Mutex<HashMap<PageKey, (u64, Arc<ClusterPage>)>>>,
}

impl BackupPages {
    pub fn new(commits: Commits) -> BackupPages {
        BackupPages { commits, pages: Arc::default() }
    }

    /// [`clusters::backup_sets_page`], answered from memory when nothing was committed since it was loaded.
    pub async fn page(&self, pool: &SqlitePool, cluster_id: &str, limit: i64, offset: i64) -> anyhow::Result<Arc<ClusterPage>> {
        let key = (cluster_id.to_owned(), limit, offset);
        // Read before the query: see the module's comment.
        let seen = self.commits.current();
        if let Some((at, page)) = self.lock().get(&key) {
            if *at == seen {
                return Ok(page.clone());
            }
        }
        let page = Arc::new(clusters::backup_sets_page(pool, cluster_id, limit, offset).await?);
        let mut pages = self.lock();
        if pages.len() >= MAX_PAGES {
            pages.retain(|_, (at, _)| *at == seen);
            if pages.len() >= MAX_PAGES {
                pages.clear();
            }
        }
        pages.insert(key, (seen, page.clone()));
        Ok(page)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PageKey, (u64, Arc<ClusterPage>)>> {
        // Nothing panics while holding the lock, so a poisoned one still holds consistent data.
        self.pages.lock().unwrap_or_else(|p| p.into_inner())
    }
}
