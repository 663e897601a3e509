//! The write-ahead log stays bounded under writes that never pause. The background checkpoint is
//! PASSIVE: it copies what it can without waiting for the writer, and the log starts over from its
//! beginning only when a write begins after a checkpoint copied everything. Writes that never leave a
//! gap never give it that moment, so before, the log grew for as long as the writes went on (255 MB
//! after the benchmark's 25 s of shares) and would fill the disk under sustained load.

use polarshare::server::db;
use std::time::Duration;

#[tokio::test]
async fn the_log_starts_over_under_writes_that_never_pause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let database = db::connect(path.to_str().unwrap()).await.unwrap();
    // A bound of 100 frames (~400 KB) and a checkpoint every 5 ms: small, so the test is quick.
    let checkpoints = database.spawn_checkpoints_bounded(Duration::from_millis(5), 100);
    sqlx::query("create table filler (n integer primary key, payload blob)").execute(&database.pool).await.unwrap();
    // ~3,000 transactions of ~2 KB each, back to back from the one writer: ~8 MB of log frames.
    for n in 0..3_000i64 {
        let mut tx = database.writer.begin_unaudited().await.unwrap();
        sqlx::query("insert into filler (n, payload) values (?, randomblob(2000))").bind(n).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    checkpoints.abort();
    let wal = std::fs::metadata(dir.path().join("wal.db-wal")).map(|m| m.len()).unwrap_or(0);
    assert!(wal < 3 * 1024 * 1024, "the log grew to {wal} bytes");
    let rows: i64 = sqlx::query_scalar("select count(*) from filler").fetch_one(&database.pool).await.unwrap();
    assert_eq!(rows, 3_000, "every committed write is there");
}
