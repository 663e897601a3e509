//! The write-ahead log starts over under writes that never pause. The background checkpoint is PASSIVE:
//! it copies what it can without waiting for the writer, and the log starts over from its beginning only
//! when a write begins after a checkpoint copied everything. Writes that never leave a gap never give
//! it that moment, so before, the log grew for as long as the writes went on (255 MB after the
//! benchmark's ~25 s of shares) and would fill the disk under sustained load. Past its bound the log
//! is restarted: between two share groups by the group task, or by the checkpoint when no group runs.

use futures::FutureExt;
use polarshare::server::db::{self, group::Failure, Database};

/// The bound the test uses: far below what its writes put in the log.
const BOUND: i64 = 100;

async fn database(dir: &tempfile::TempDir) -> Database {
    let database = db::connect(dir.path().join("wal.db").to_str().unwrap()).await.unwrap();
    sqlx::query("create table filler (n integer primary key, payload blob)").execute(&database.pool).await.unwrap();
    database
}

/// 100 transactions of ~8 KB each (four pages each: ~400 frames in all), from the writer.
async fn fill(database: &Database, first: i64) {
    for n in first..first + 100 {
        let mut tx = database.writer.begin_unaudited().await.unwrap();
        sqlx::query("insert into filler (n, payload) values (?, randomblob(8000))")
            .bind(n)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// Frames in the log now (a PASSIVE checkpoint's answer).
async fn frames(database: &Database) -> i64 {
    let (_, frames, _): (i64, i64, i64) =
        sqlx::query_as("pragma wal_checkpoint(passive)").fetch_one(&database.pool).await.unwrap();
    frames
}

#[tokio::test]
async fn past_its_bound_the_log_is_restarted_between_two_share_groups() {
    let dir = tempfile::tempdir().unwrap();
    let database = database(&dir).await;
    fill(&database, 0).await;
    let groups = database.writer.groups.clone();
    // `hold`: (told once the write is done, held until released).
    type Hold = (tokio::sync::oneshot::Sender<()>, tokio::sync::oneshot::Receiver<()>);
    let insert = move |n: i64, hold: Option<Hold>| {
        let groups = groups.clone();
        async move {
            groups
                .run(move |tx| {
                    async move {
                        sqlx::query("insert into filler (n, payload) values (?, randomblob(8000))")
                            .bind(n)
                            .execute(&mut **tx)
                            .await
                            .map_err(Failure::Broken)?;
                        if let Some((written, hold)) = hold {
                            let _ = written.send(());
                            let _ = hold.await;
                        }
                        Ok::<_, Failure<sqlx::Error>>(())
                    }
                    .boxed()
                })
                .await
        }
    };
    // A group is writing while the checkpoint runs, as under shares that never pause: the checkpoint
    // copies what is committed, and the group's commit then leaves the log not all copied, so the next
    // write would go on from its end.
    let (release, hold) = tokio::sync::oneshot::channel();
    let (written, group_writing) = tokio::sync::oneshot::channel();
    let writing = tokio::spawn(insert(1_000, Some((written, hold))));
    group_writing.await.expect("the group wrote");
    let before = database.checkpoint_once(BOUND).await.unwrap();
    assert!(before > BOUND);
    release.send(()).unwrap();
    assert!(matches!(writing.await.unwrap(), Ok(Ok(()))));
    // The group task restarted the log after that group: the next group writes from its start.
    assert!(matches!(insert(1_001, None).await, Ok(Ok(()))));
    let after = frames(&database).await;
    assert!(after < 20, "the log went on from where it was ({before} frames): {after} frames");
    let rows: i64 = sqlx::query_scalar("select count(*) from filler").fetch_one(&database.pool).await.unwrap();
    assert_eq!(rows, 102, "every committed write is there");
}

#[tokio::test]
async fn past_its_bound_with_no_share_group_running_the_next_tick_runs_the_restart_itself_and_takes_its_ask_back() {
    let dir = tempfile::tempdir().unwrap();
    let database = database(&dir).await;
    fill(&database, 0).await;
    // The first tick past the bound asks the share groups; none runs before the next tick, which then
    // restarts the log on its own connection and takes the ask back.
    assert!(database.checkpoint_once(BOUND).await.unwrap() > BOUND);
    database.checkpoint_once(BOUND).await.unwrap();
    assert!(!database.writer.groups.ask_log_restart(), "the second tick left its ask pending");
    database.writer.groups.log_restarted();
    fill(&database, 100).await;
    let rows: i64 = sqlx::query_scalar("select count(*) from filler").fetch_one(&database.pool).await.unwrap();
    assert_eq!(rows, 200, "every committed write is there");
}
