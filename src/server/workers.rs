//! A bounded pool for password hashing. Argon2 takes ~19 MiB and a few milliseconds of one core per
//! hash; run on tokio's blocking pool (up to 512 threads, each with its own malloc arena) a flood of
//! sign-ins grew the server to gigabytes. Here a fixed number of threads (one per core) do the hashing
//! and a short queue holds what waits; when the queue is full the request is refused at once (503)
//! instead of piling up. Memory is then bounded by the thread count, whatever the load.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// The pool's queue was full (or its threads are gone): nothing was done, try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The sending side of the pool; the threads end once every clone of it is dropped.
#[derive(Clone, Debug)]
pub struct Workers {
    jobs: SyncSender<Job>,
}

impl Workers {
    /// `threads` hashing threads and room for `queue` waiting jobs.
    pub fn spawn(threads: usize, queue: usize) -> Workers {
        let (jobs, receiver) = sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("password-{n}")).spawn(move || work(&receiver));
            if let Err(e) = spawned {
                tracing::error!(error = ?e, "could not start a password-hashing thread");
            }
        }
        Workers { jobs }
    }

    /// One thread per core, and a queue of 16 jobs per thread: a sign-in waits at most ~16 hashes.
    pub fn for_this_machine() -> Workers {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Workers::spawn(cores, 16 * cores)
    }

    /// Runs `work` on a pool thread and waits for its result, or answers `Busy` at once when the queue is full.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let (answer, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => result.await.map_err(|_| Busy),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }
}

fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while taking a job, not while running it.
        let job = match receiver.lock() {
            Ok(r) => r.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else { return };
        // A panicking job drops its answer channel (its caller sees `Busy`); the thread goes on.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password-hashing job panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_job_runs_on_a_pool_thread_and_returns_its_result() {
        let workers = Workers::spawn(1, 1);
        let name = workers.run(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert_eq!(name.as_deref(), Some("password-0"));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_never_runs_more_than_the_threads_at_a_time() {
        let workers = Workers::spawn(2, 3);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let refused = AtomicUsize::new(0);
        // The jobs hold their thread until every call has been answered or queued, however slow the
        // machine (a job that ended early would make room for one more).
        let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let calls = (0..50).map(|_| {
            let (running, most, gate) = (running.clone(), most.clone(), gate.clone());
            let call = workers.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let (open, opened) = &*gate;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = opened.wait(open).unwrap();
                }
                running.fetch_sub(1, Ordering::SeqCst);
            });
            let refused = &refused;
            async move {
                let result = call.await;
                if result.is_err() {
                    refused.fetch_add(1, Ordering::SeqCst);
                }
                result
            }
        });
        // At most 2 running and 3 queued: the other 45 are refused at once. (Given up after a minute:
        // a queue that took more is then seen below.)
        let open_gate = async {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while refused.load(Ordering::SeqCst) < 45 && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            *gate.0.lock().unwrap() = true;
            gate.1.notify_all();
        };
        let (results, ()) = tokio::join!(futures::future::join_all(calls), open_gate);
        let done = results.iter().filter(|r| r.is_ok()).count();
        assert!(done >= 3 && done <= 5, "at most 2 running + 3 queued were accepted, got {done}");
        assert_eq!(results.iter().filter(|r| **r == Err(Busy)).count(), 50 - done);
        assert!(most.load(Ordering::SeqCst) <= 2);
    }

    #[tokio::test]
    async fn a_panicking_job_answers_busy_and_the_thread_goes_on() {
        let workers = Workers::spawn(1, 1);
        assert_eq!(workers.run(|| panic!("boom")).await, Err::<(), _>(Busy));
        assert_eq!(workers.run(|| 7).await, Ok(7));
    }
}
