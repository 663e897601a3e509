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
//!
//! Every statement is a round trip to the writer connection's worker thread, and each round trip puts
//! that thread to sleep until the group's task, among the tokio tasks serving requests, is scheduled to
//! send the next. A request may therefore name the read it starts with ([`ReadAhead`]): the request
//! before it in the group runs that read after its own last write, in the same round trip (see
//! [`Pipe`]), and the next request starts from its answer. The read sees exactly what it would have
//! seen in a round trip of its own, since nothing else runs in the transaction in between.

use super::{read_model::Commits, Tx};
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::SqlitePool;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// A read a request starts with, to be run ahead in the round trip of the previous request's last
/// write: one statement whose numbered parameters start at `?2` (the write's own JSON is `?1`), answering
/// one row of one text column.
#[derive(Debug, Clone)]
pub struct ReadAhead {
    pub sql: &'static str,
    /// The values of `?2`, `?3`, ... in order.
    pub args: Vec<Option<String>>,
}

impl ReadAhead {
    /// Binds the read's values to `query`, whose `?1` is already bound (the write's JSON, or nothing).
    pub fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryScalar<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
        self.args.iter().fold(query, |query, arg| query.bind(arg.as_deref()))
    }

    /// Runs the read alone (not after a write: its `?1` is unused).
    pub async fn run_alone(&self, tx: &mut Tx) -> sqlx::Result<String> {
        self.bind(sqlx::query_scalar::<_, String>(self.sql).bind(None::<&str>)).fetch_one(&mut **tx).await
    }
}

/// What a request's work gets besides the transaction: its own read, if the request before it ran it,
/// and the next request's read, for it to run after its own last write in the same round trip.
#[derive(Debug, Default)]
pub struct Pipe {
    /// The answer of this request's [`ReadAhead`], read in this transaction after everything before it
    /// in the group; none when it was not run (the work reads for itself).
    pub given: Option<String>,
    /// The next request's read: the work may run it after its last write and put the answer in
    /// `ahead_answer`. Work that writes more after that, or refuses, leaves it alone.
    pub ahead: Option<ReadAhead>,
    pub ahead_answer: Option<String>,
}

/// The group this request was in was rolled back or could not commit; nothing it wrote was kept.
#[derive(Debug)]
pub struct GroupFailed;

/// The handle requests use to join a group; cheap to clone.
#[derive(Clone, Debug)]
pub struct Groups {
    queue: mpsc::UnboundedSender<Box<dyn Member>>,
    joined: Arc<AtomicU64>,
    given: Arc<AtomicU64>,
    /// Requests handed to the group task so far (see [`Groups::sent`]).
    sent: Arc<AtomicU64>,
    /// Set by the checkpoints when the log has grown past its bound: the group task restarts it
    /// between two groups (see [`Groups::ask_log_restart`]).
    restart_log: Arc<AtomicBool>,
}

impl Groups {
    /// Starts the task that forms groups and commits them through `writer` (the one-connection pool).
    /// It ends when every `Groups` handle is dropped.
    pub fn spawn(writer: SqlitePool, commits: Commits) -> Groups {
        let (sender, receiver) = mpsc::unbounded_channel();
        let (joined, given) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let restart_log = Arc::new(AtomicBool::new(false));
        let counters = Counters { joined: joined.clone(), given: given.clone() };
        tokio::spawn(run_groups(writer, commits, counters, restart_log.clone(), receiver));
        Groups { queue: sender, joined, given, sent: Arc::new(AtomicU64::new(0)), restart_log }
    }

    /// Asks the group task to restart the WAL after its current group (a RESTART checkpoint on the
    /// writer's own connection, between two groups). Shares written back to back leave the background
    /// checkpoint no moment to take the write lock, and one taken there would leave the next group
    /// asleep in SQLite's busy handler (up to 100 ms a try): the writer restarts the log itself, paying
    /// only what the background checkpoint has not copied yet. Answers whether the last ask was still
    /// pending: then no group ran since, and the caller restarts it.
    pub fn ask_log_restart(&self) -> bool {
        self.restart_log.swap(true, Ordering::SeqCst)
    }

    /// Takes back a pending ask (the caller restarted the log itself).
    pub fn log_restarted(&self) {
        self.restart_log.store(false, Ordering::SeqCst);
    }

    /// How many requests so far ran in a transaction begun for an earlier one: what grouping saved
    /// (a BEGIN and a COMMIT each). Tests read it to tell that shares really are grouped.
    pub fn joined(&self) -> u64 {
        self.joined.load(Ordering::Relaxed)
    }

    /// How many requests so far started from a read the request before them ran ([`Pipe::given`]):
    /// what reading ahead saved (a round trip each). Tests read it to tell that shares really use it.
    pub fn given(&self) -> u64 {
        self.given.load(Ordering::Relaxed)
    }

    /// How many requests have been handed to the group task so far. While a group's work runs, the
    /// requests sent since it began wait in the queue and join it when it ends: tests wait on this to
    /// know their requests are queued behind a group they hold, rather than sleeping and hoping.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Runs `work` in the next group transaction and answers once that transaction has committed.
    pub async fn run<T, E, F>(&self, work: F) -> Result<Result<T, E>, GroupFailed>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T, Failure<E>>> + Send + 'static,
    {
        self.run_piped(None, move |tx, _pipe| work(tx)).await
    }

    /// As [`Groups::run`], for work that starts with `read` (which the request before it may run, see
    /// [`Pipe::given`]) and may run the next request's read after its own last write.
    pub async fn run_piped<T, E, F>(&self, read: Option<ReadAhead>, work: F) -> Result<Result<T, E>, GroupFailed>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx, &'t mut Pipe) -> BoxFuture<'t, Result<T, Failure<E>>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Box::new(Request { read, work, reply })).map_err(|_| GroupFailed)?;
        self.sent.fetch_add(1, Ordering::SeqCst);
        answer.await.map_err(|_| GroupFailed)?
    }
}

/// One request waiting for a group: `run` does its work in the group's transaction and returns how to
/// answer it once the group's fate is known; `abandon` answers it without running (no transaction).
trait Member: Send {
    /// Hands over the read this request starts with, for the request before it to run.
    fn take_read_ahead(&mut self) -> Option<ReadAhead>;
    fn run<'t>(self: Box<Self>, tx: &'t mut Tx, pipe: &'t mut Pipe) -> BoxFuture<'t, Ran>;
    fn abandon(self: Box<Self>);
}

struct Ran {
    broken: bool,
    answer: Box<dyn FnOnce(bool) + Send>,
}

type Reply<T, E> = oneshot::Sender<Result<Result<T, E>, GroupFailed>>;

struct Request<F, T, E> {
    read: Option<ReadAhead>,
    work: F,
    reply: Reply<T, E>,
}

impl<T, E, F> Member for Request<F, T, E>
where
    T: Send + 'static,
    E: Send + 'static,
    F: for<'t> FnOnce(&'t mut Tx, &'t mut Pipe) -> BoxFuture<'t, Result<T, Failure<E>>> + Send + 'static,
{
    fn take_read_ahead(&mut self) -> Option<ReadAhead> {
        self.read.take()
    }

    fn run<'t>(self: Box<Self>, tx: &'t mut Tx, pipe: &'t mut Pipe) -> BoxFuture<'t, Ran> {
        let Request { work, reply, .. } = *self;
        async move {
            // A panic in one request's work must not end the task that serves everyone's shares.
            let result = AssertUnwindSafe(work(tx, pipe)).catch_unwind().await;
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

/// What [`Groups::joined`] and [`Groups::given`] read.
struct Counters {
    joined: Arc<AtomicU64>,
    given: Arc<AtomicU64>,
}

async fn run_groups(
    writer: SqlitePool,
    commits: Commits,
    counters: Counters,
    restart_log: Arc<AtomicBool>,
    mut queue: mpsc::UnboundedReceiver<Box<dyn Member>>,
) {
    let mut left_over = None;
    loop {
        let first = match left_over.take() {
            Some(member) => member,
            None => match queue.recv().await {
                Some(member) => member,
                None => return,
            },
        };
        // Members' own panics are caught in `Member::run`; this catches the rest, so the task that
        // serves every share outlives a bad group. The group's transaction, dropped, is rolled back, and
        // its members, whose answers are dropped with it, are told that nothing was changed.
        match AssertUnwindSafe(run_group(&writer, &commits, &counters, first, &mut queue)).catch_unwind().await {
            Ok(next) => left_over = next,
            Err(_) => tracing::error!("a group transaction panicked; it was rolled back"),
        }
        if restart_log.swap(false, Ordering::SeqCst) {
            if let Err(e) = sqlx::query(super::RESTART_LOG).execute(&writer).await {
                tracing::warn!(error = ?e, "restarting the WAL between two groups failed");
            }
        }
    }
}

/// Runs `first` and whoever is queued behind it (up to [`MAX_GROUP`]) in one transaction, then commits
/// or rolls back and answers them all. Answers the request taken from the queue to read ahead for that
/// could not join (the group broke before it ran): it goes first in the next group.
async fn run_group(
    writer: &SqlitePool,
    commits: &Commits,
    counters: &Counters,
    first: Box<dyn Member>,
    queue: &mut mpsc::UnboundedReceiver<Box<dyn Member>>,
) -> Option<Box<dyn Member>> {
    let mut tx = match super::begin_write(writer).await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = ?e, "cannot start a group transaction");
            first.abandon();
            return None;
        }
    };
    // SQLite may end the transaction on its own in the middle of the group (a full disk, an I/O error):
    // whatever the member that met the error made of it, the members before it lost their writes, and
    // those after it would write outside any transaction, each statement kept at once.
    let rollbacks = commits.rollbacks();
    let mut answers = Vec::new();
    let mut broken = false;
    let mut ended;
    let mut member = first;
    let mut given = None;
    let mut left_over = None;
    loop {
        // The next request is taken before this one runs, so that this one's last write can carry its read.
        let mut next = if answers.len() + 1 < MAX_GROUP { queue.try_recv().ok() } else { None };
        let mut pipe =
            Pipe { given: given.take(), ahead: next.as_mut().and_then(|n| n.take_read_ahead()), ahead_answer: None };
        let ran = member.run(&mut tx, &mut pipe).await;
        ended = commits.rollbacks() != rollbacks;
        broken |= ran.broken || ended;
        answers.push(ran.answer);
        if broken {
            left_over = next;
            break;
        }
        // Those that arrived while this one ran join too (without a read done for them).
        let next = match next {
            Some(next) => Some(next),
            None if answers.len() < MAX_GROUP => queue.try_recv().ok(),
            None => None,
        };
        match next {
            Some(next) => {
                counters.joined.fetch_add(1, Ordering::Relaxed);
                given = pipe.ahead_answer.take();
                if given.is_some() {
                    counters.given.fetch_add(1, Ordering::Relaxed);
                }
                member = next;
            }
            None => break,
        }
    }
    let committed = if ended {
        // Nothing to roll back; the connection, which sqlx still counts inside the transaction, is
        // replaced when it goes back to the pool (see `db::connect`).
        tracing::error!(
            members = answers.len(),
            "SQLite ended a group transaction on its own (a full disk, an I/O error); nothing of it was kept"
        );
        drop(tx);
        false
    } else if broken {
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
    left_over
}
