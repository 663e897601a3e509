//! Group commit for the busiest write, sharing a backup set.
//!
//! SQLite has one writer at a time, so concurrent shares queue for the write lock, and each one paid for
//! its own BEGIN, COMMIT (writing ~25 WAL frames) and the hand-over of the connection to the next request.
//! Here one task takes the queued requests in arrival order and runs them one after another in a single
//! transaction, then commits once. Each request still runs its rules against everything written before
//! it, so the limits hold exactly as with one transaction each.
//!
//! What one request may not do is leave half of its writes behind: a request that is refused must not
//! have written anything (the sharing service decides before it writes), and a request that fails after
//! it may have written says so ([`Failure::Broken`]): then the whole group is rolled back and every
//! other request in it is told that nothing was changed. Nobody hears "done" before the commit.

use super::{read_model::Commits, Tx};
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::SqlitePool;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// At most this many requests share one transaction, so a commit is never put off for long.
const MAX_GROUP: usize = 64;

/// Why a request of a group did not succeed.
#[derive(Debug)]
pub enum Failure<E> {
    /// Refused before writing anything: the others in the group are unaffected.
    Refused(E),
    /// Failed after it may have written: the group is rolled back.
    Broken(E),
}

/// The group this request was in was rolled back or could not commit; nothing it wrote was kept.
#[derive(Debug)]
pub struct GroupFailed;

/// The handle requests use to join a group; cheap to clone.
#[derive(Clone, Debug)]
pub struct Groups {
    queue: mpsc::UnboundedSender<Box<dyn Member>>,
    joined: Arc<AtomicU64>,
}

impl Groups {
    /// Starts the task that forms groups and commits them through `writer` (the one-connection pool).
    /// It ends when every `Groups` handle is dropped.
    pub fn spawn(writer: SqlitePool, commits: Commits) -> Groups {
        let (sender, receiver) = mpsc::unbounded_channel();
        let joined = Arc::new(AtomicU64::new(0));
        tokio::spawn(run_groups(writer, commits, joined.clone(), receiver));
        Groups { queue: sender, joined }
    }

    /// How many requests so far ran in a transaction begun for an earlier one: what grouping saved
    /// (a BEGIN and a COMMIT each). Tests read it to tell that shares really are grouped.
    pub fn joined(&self) -> u64 {
        self.joined.load(Ordering::Relaxed)
    }

    /// Runs `work` in the next group transaction and answers once that transaction has committed.
    pub async fn run<T, E, F>(&self, work: F) -> Result<Result<T, E>, GroupFailed>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T, Failure<E>>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Box::new(Request { work, reply })).map_err(|_| GroupFailed)?;
        answer.await.map_err(|_| GroupFailed)?
    }
}

/// One request waiting for a group: `run` does its work in the group's transaction and returns how to
/// answer it once the group's fate is known; `abandon` answers it without running (no transaction).
trait Member: Send {
    fn run<'t>(self: Box<Self>, tx: &'t mut Tx) -> BoxFuture<'t, Ran>;
    fn abandon(self: Box<Self>);
}

struct Ran {
    broken: bool,
    answer: Box<dyn FnOnce(bool) + Send>,
}

type Reply<T, E> = oneshot::Sender<Result<Result<T, E>, GroupFailed>>;

struct Request<F, T, E> {
    work: F,
    reply: Reply<T, E>,
}

impl<T, E, F> Member for Request<F, T, E>
where
    T: Send + 'static,
    E: Send + 'static,
    F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T, Failure<E>>> + Send + 'static,
{
    fn run<'t>(self: Box<Self>, tx: &'t mut Tx) -> BoxFuture<'t, Ran> {
        let Request { work, reply } = *self;
        async move {
            // A panic in one request's work must not end the task that serves everyone's shares.
            let result = AssertUnwindSafe(work(tx)).catch_unwind().await;
            let broken = !matches!(result, Ok(Ok(_)) | Ok(Err(Failure::Refused(_))));
            let answer = move |committed: bool| {
                let answer = match result {
                    Ok(Err(Failure::Broken(e))) => Ok(Err(e)),
                    _ if !committed => Err(GroupFailed),
                    Ok(Ok(value)) => Ok(Ok(value)),
                    Ok(Err(Failure::Refused(e))) => Ok(Err(e)),
                    Err(_panic) => Err(GroupFailed),
                };
                let _ = reply.send(answer);
            };
            Ran { broken, answer: Box::new(answer) }
        }
        .boxed()
    }

    fn abandon(self: Box<Self>) {
        let _ = self.reply.send(Err(GroupFailed));
    }
}

async fn run_groups(writer: SqlitePool, commits: Commits, joined: Arc<AtomicU64>, mut queue: mpsc::UnboundedReceiver<Box<dyn Member>>) {
    while let Some(first) = queue.recv().await {
        // Members' own panics are caught in `Member::run`; this catches the rest, so the task that
        // serves every share outlives a bad group. The group's transaction, dropped, is rolled back, and
        // its members, whose answers are dropped with it, are told that nothing was changed.
        if AssertUnwindSafe(run_group(&writer, &commits, &joined, first, &mut queue)).catch_unwind().await.is_err() {
            tracing::error!("a group transaction panicked; it was rolled back");
        }
    }
}

/// Runs `first` and whoever is queued behind it (up to [`MAX_GROUP`]) in one transaction, then commits
/// or rolls back and answers them all.
async fn run_group(
    writer: &SqlitePool,
    commits: &Commits,
    joined: &AtomicU64,
    first: Box<dyn Member>,
    queue: &mut mpsc::UnboundedReceiver<Box<dyn Member>>,
) {
    let mut tx = match super::begin_write(writer).await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = ?e, "cannot start a group transaction");
            first.abandon();
            return;
        }
    };
    let mut answers = Vec::new();
    let mut broken = false;
    let mut member = first;
    loop {
        let ran = member.run(&mut tx).await;
        broken |= ran.broken;
        answers.push(ran.answer);
        if broken || answers.len() >= MAX_GROUP {
            break;
        }
        match queue.try_recv() {
            Ok(next) => {
                joined.fetch_add(1, Ordering::Relaxed);
                member = next;
            }
            Err(_) => break,
        }
    }
    let committed = if broken {
        if let Err(e) = tx.rollback().await {
            tracing::error!(error = ?e, "rolling back a group transaction");
        }
        false
    } else {
        match tx.commit().await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = ?e, members = answers.len(), "committing a group transaction");
                false
            }
        }
    };
    // Cached pages learn of the group's writes before its members hear "done".
    commits.note();
    for answer in answers {
        answer(committed);
    }
}
