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

/// Requests that queue while a group runs join its transaction: each sees the writes of those before it
/// in the group, and none of them is committed yet when the next one runs. Were every request its own
/// transaction, the followers would find the first request's mark committed.
#[tokio::test]
async fn requests_queued_behind_a_running_group_share_its_transaction() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let (started, first_running) = tokio::sync::oneshot::channel();
    let first = groups.run(move |tx| {
        async move {
            mark(tx, "test-0").await.map_err(|e| Failure::Broken(e.to_string()))?;
            let _ = started.send(());
            // Held open so that the followers queue behind it.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Ok::<_, Failure<String>>((1, 0))
        }
        .boxed()
    });
    let followers = async {
        first_running.await.expect("the first request ran");
        let runs = (1..=4).map(|i| {
            let pool = app.pool.clone();
            groups.run(move |tx| {
                async move {
                    let fail = |e: sqlx::Error| Failure::Broken(e.to_string());
                    mark(tx, &format!("test-{i}")).await.map_err(fail)?;
                    let in_transaction: i64 = sqlx::query_scalar("select count(*) from region where region_id like 'test-%'")
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(fail)?;
                    let committed: i64 = sqlx::query_scalar("select count(*) from region where region_id like 'test-%'")
                        .fetch_one(&pool)
                        .await
                        .map_err(fail)?;
                    Ok((in_transaction, committed))
                }
                .boxed()
            })
        });
        futures::future::join_all(runs).await
    };
    let (first, followers) = tokio::join!(first, followers);
    assert!(matches!(first, Ok(Ok((1, 0)))));
    let seen: Vec<(i64, i64)> = followers.into_iter().map(|r| r.expect("committed").expect("ran")).collect();
    assert_eq!(seen, vec![(2, 0), (3, 0), (4, 0), (5, 0)], "(marks in the transaction, marks committed) per follower");
    assert_eq!(marks(&app).await, 5);
}

/// Shares made through the server function really go through the groups: sent while a group holds the
/// writer, they all join its transaction (were the share path to open a transaction of its own, none
/// would).
#[tokio::test]
async fn shares_sent_while_a_group_runs_join_it() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(crate::helpers::SHAREABLE_CLUSTER, 3).await;
    let (started, first_running) = tokio::sync::oneshot::channel();
    let holder = groups.run(move |_tx| {
        async move {
            let _ = started.send(());
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Ok::<_, Failure<String>>(())
        }
        .boxed()
    });
    let shares = async {
        first_running.await.expect("the holder ran");
        let before = groups.joined();
        let sent = sets.iter().enumerate().map(|(i, set)| {
            app.share(&cookie, set, crate::helpers::new_share(&format!("grouped-{i}"), "AllAccounts", &[crate::helpers::PARTNER]))
        });
        let answers = futures::future::join_all(sent).await;
        (before, answers)
    };
    let (held, (before, answers)) = tokio::join!(holder, shares);
    assert!(matches!(held, Ok(Ok(()))));
    for r in &answers {
        assert_eq!(r.status, http::StatusCode::OK, "{:?}", r.json);
    }
    assert_eq!(groups.joined() - before, 3, "each share joined the holder's transaction");
}
