//! Group commit (db::group): requests that share one transaction keep their own outcomes, and nobody is
//! told "done" for writes that were rolled back.

use crate::helpers::TestApp;
use futures::FutureExt;
use polarshare::server::db::group::{Failure, GroupFailed};
use polarshare::server::db::Tx;

/// Inserts one marker region (a table no request of these tests touches otherwise).
async fn mark(tx: &mut Tx, id: &str) -> sqlx::Result<()> {
    sqlx::query("insert into region (region_id, region_name) values (?, ?)").bind(id).bind(id).execute(&mut **tx).await?;
    Ok(())
}

async fn marks(app: &TestApp) -> i64 {
    app.count("select count(*) from region where region_id like 'test-%'").await
}

#[tokio::test]
async fn a_refusal_in_a_group_leaves_the_others_committed() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let wrote = |id: &'static str| {
        groups.run(move |tx| async move { mark(tx, id).await.map_err(|e| Failure::Broken(e.to_string())) }.boxed())
    };
    let refused = groups.run(|_tx| async { Err::<(), _>(Failure::Refused("QuotaExceeded".to_owned())) }.boxed());
    // Sent together, the three run in one transaction.
    let (a, b, c) = tokio::join!(wrote("test-a"), refused, wrote("test-c"));
    assert!(matches!(a, Ok(Ok(()))));
    assert!(matches!(b, Ok(Err(ref e)) if e == "QuotaExceeded"));
    assert!(matches!(c, Ok(Ok(()))));
    assert_eq!(marks(&app).await, 2);
}

#[tokio::test]
async fn a_failure_after_writing_rolls_back_the_whole_group() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let first = groups.run(|tx| async move { mark(tx, "test-a").await.map_err(|e| Failure::Broken(e.to_string())) }.boxed());
    let broken = groups.run(|tx| {
        async move {
            mark(tx, "test-b").await.map_err(|e| Failure::Broken(e.to_string()))?;
            Err::<(), _>(Failure::Broken("disk full".to_owned()))
        }
        .boxed()
    });
    let (a, b) = tokio::join!(first, broken);
    assert!(matches!(a, Err(GroupFailed)), "the first was told nothing was kept: {a:?}");
    assert!(matches!(b, Ok(Err(ref e)) if e == "disk full"));
    assert_eq!(marks(&app).await, 0, "nothing of the group was committed");

    // The next group works as usual.
    let after = groups.run(|tx| async move { mark(tx, "test-c").await.map_err(|e| Failure::Broken(e.to_string())) }.boxed()).await;
    assert!(matches!(after, Ok(Ok(()))));
    assert_eq!(marks(&app).await, 1);
}

#[tokio::test]
async fn a_panic_in_one_request_does_not_stop_the_writer() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let panicked = groups
        .run(|_tx| {
            async {
                if true {
                    panic!("a bug in one request");
                }
                Ok::<(), Failure<String>>(())
            }
            .boxed()
        })
        .await;
    assert!(matches!(panicked, Err(GroupFailed)));
    let after = groups.run(|tx| async move { mark(tx, "test-a").await.map_err(|e| Failure::Broken(e.to_string())) }.boxed()).await;
    assert!(matches!(after, Ok(Ok(()))));
}
