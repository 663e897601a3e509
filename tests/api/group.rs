//! Group commit (db::group): requests that share one transaction keep their own outcomes, and nobody is
//! told "done" for writes that were rolled back.

use crate::helpers::TestApp;
use futures::FutureExt;
use polarshare::server::db::group::{Failure, GroupFailed, Pipe, ReadAhead};
use polarshare::server::db::Tx;

/// Inserts one marker region (a table no request of these tests touches otherwise).
async fn mark(tx: &mut Tx, id: &str) -> sqlx::Result<()> {
    sqlx::query("insert into region (region_id, region_name) values (?, ?)")
        .bind(id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
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
    let first = marked(&groups, "test-a");
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
    let after = marked(&groups, "test-c").await;
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
    let after = marked(&groups, "test-a").await;
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
    let counted = groups.clone();
    let first = groups.run(move |tx| {
        async move {
            mark(tx, "test-0").await.map_err(|e| Failure::Broken(e.to_string()))?;
            let base = counted.sent();
            let _ = started.send(());
            // Held open until the four followers have queued behind it.
            until_sent(&counted, base + 4).await;
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
                    let in_transaction: i64 =
                        sqlx::query_scalar("select count(*) from region where region_id like 'test-%'")
                            .fetch_one(&mut **tx)
                            .await
                            .map_err(fail)?;
                    let committed: i64 =
                        sqlx::query_scalar("select count(*) from region where region_id like 'test-%'")
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
    let (holder, first_running) = hold_the_writer(&groups, 3);
    let shares = async {
        first_running.await.expect("the holder ran");
        let (before, given_before) = (groups.joined(), groups.given());
        let sent = sets.iter().enumerate().map(|(i, set)| {
            app.share(
                &cookie,
                set,
                crate::helpers::new_share(&format!("grouped-{i}"), "AllAccounts", &[crate::helpers::PARTNER]),
            )
        });
        let answers = futures::future::join_all(sent).await;
        (before, given_before, answers)
    };
    let (committed, (before, given_before, answers)) = tokio::join!(holder, shares);
    assert!(committed);
    for r in &answers {
        assert_eq!(r.status, http::StatusCode::OK, "{:?}", r.json);
    }
    assert_eq!(groups.joined() - before, 3, "each share joined the holder's transaction");
    assert_eq!(
        groups.given() - given_before,
        2,
        "the second and third share started from facts the share before them read"
    );
}

/// Shares of one group that read their facts ahead still see the shares before them: of three new
/// shares with one name, sent together, the first is made and the two others are refused.
#[tokio::test]
async fn shares_given_their_facts_ahead_still_see_the_shares_before_them() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(crate::helpers::SHAREABLE_CLUSTER, 3).await;
    let (held, running) = hold_the_writer(&groups, 3);
    let shares = async {
        running.await.expect("the holder ran");
        let before = groups.given();
        let sent = sets.iter().map(|set| {
            app.share(&cookie, set, crate::helpers::new_share("one-name", "AllAccounts", &[crate::helpers::PARTNER]))
        });
        let answers = futures::future::join_all(sent).await;
        (groups.given() - before, answers)
    };
    let (committed, (given, answers)) = tokio::join!(held, shares);
    assert!(committed);
    assert_eq!(given, 1, "the second was given its facts, read after the first's write; refused, it wrote nothing and read nothing ahead for the third");
    // The three reach the queue in any order; whichever is first is made.
    let (made, refused): (Vec<_>, Vec<_>) = answers.iter().partition(|r| r.status.as_u16() == 200);
    assert_eq!(made.len(), 1, "{:?}", answers.iter().map(|r| &r.json).collect::<Vec<_>>());
    for r in refused {
        assert_eq!(r.status.as_u16(), 409, "{:?}", r.json);
        assert_eq!(r.json["code"], "EntityAlreadyExists.ResourceShare", "{:?}", r.json);
    }
    assert_eq!(app.count("select count(*) from resource_share where resource_share_name = 'one-name'").await, 1);
}

/// Holds the writer until `queued` more requests have been sent to the groups, so that they queue and
/// run in its group, in the order sent. The holder's future answers whether its group committed.
pub(crate) fn hold_the_writer(
    groups: &polarshare::server::db::group::Groups,
    queued: u64,
) -> (impl std::future::Future<Output = bool> + '_, tokio::sync::oneshot::Receiver<()>) {
    let (started, running) = tokio::sync::oneshot::channel();
    let counted = groups.clone();
    let holder = groups.run(move |_tx| {
        async move {
            let base = counted.sent();
            let _ = started.send(());
            until_sent(&counted, base + queued).await;
            Ok::<_, Failure<String>>(())
        }
        .boxed()
    });
    (async move { matches!(holder.await, Ok(Ok(()))) }, running)
}

/// Waits until `total` requests have been sent to the groups (those sent while a group runs queue
/// behind it), however slow the machine; after a minute it gives up, and the caller's checks of what
/// joined the group fail.
async fn until_sent(groups: &polarshare::server::db::group::Groups, total: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while groups.sent() < total && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

const COUNT_MARKS: &str = "select cast(count(*) as text) from region where region_id like 'test-%' and ?2 = 'marks'";

/// Marks, then runs the next request's read (if the group gave it one) as the share path does: after
/// its last write, in the same transaction.
async fn mark_and_read_ahead(tx: &mut Tx, pipe: &mut Pipe, id: &str) -> Result<(), Failure<String>> {
    mark(tx, id).await.map_err(|e| Failure::Broken(e.to_string()))?;
    if let Some(read) = &pipe.ahead {
        pipe.ahead_answer = Some(read.run_alone(tx).await.map_err(|e| Failure::Broken(e.to_string()))?);
    }
    Ok(())
}

fn count_marks() -> Option<ReadAhead> {
    Some(ReadAhead { sql: COUNT_MARKS, args: vec![Some("marks".to_owned())] })
}

/// A request's read is run by the request before it, after that one's write and in the group's
/// transaction: the answer it starts from counts the mark just written (and nothing is committed yet).
#[tokio::test]
async fn a_read_run_ahead_sees_the_write_of_the_request_before_it() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let (held, running) = hold_the_writer(&groups, 2);
    let sent = async {
        running.await.expect("the holder ran");
        let writer =
            groups.run_piped(None, |tx, pipe| async move { mark_and_read_ahead(tx, pipe, "test-a").await }.boxed());
        let reader = groups.run_piped(count_marks(), |_tx, pipe| {
            let given = pipe.given.take();
            async move { Ok::<_, Failure<String>>(given) }.boxed()
        });
        tokio::join!(writer, reader)
    };
    let (committed, (wrote, read)) = tokio::join!(held, sent);
    assert!(committed);
    assert!(matches!(wrote, Ok(Ok(()))));
    assert_eq!(read.expect("committed").expect("ran"), Some("1".to_owned()), "the read was run ahead, after the mark");
}

/// Work that refuses never runs the next request's read: that one starts with nothing given and reads
/// for itself.
#[tokio::test]
async fn a_request_after_a_refusal_is_given_no_read() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let (held, running) = hold_the_writer(&groups, 2);
    let sent = async {
        running.await.expect("the holder ran");
        let refused = groups
            .run_piped(None, |_tx, _pipe| async { Err::<(), _>(Failure::Refused("QuotaExceeded".to_owned())) }.boxed());
        let reader = groups.run_piped(count_marks(), |_tx, pipe| {
            let given = pipe.given.take();
            async move { Ok::<_, Failure<String>>(given) }.boxed()
        });
        tokio::join!(refused, reader)
    };
    let (committed, (refused, read)) = tokio::join!(held, sent);
    assert!(committed);
    assert!(matches!(refused, Ok(Err(ref e)) if e == "QuotaExceeded"));
    assert_eq!(read.expect("committed").expect("ran"), None);
}

/// The request taken from the queue to read ahead for is not lost when the request before it breaks
/// the group: it runs, first, in the next group, without the read given (that transaction was rolled back).
#[tokio::test]
async fn a_request_queued_behind_a_broken_one_runs_in_the_next_group() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let (held, running) = hold_the_writer(&groups, 2);
    let sent = async {
        running.await.expect("the holder ran");
        let broken = groups.run_piped(None, |tx, pipe| {
            async move {
                mark_and_read_ahead(tx, pipe, "test-a").await?;
                Err::<(), _>(Failure::Broken("disk full".to_owned()))
            }
            .boxed()
        });
        let after = groups.run_piped(count_marks(), |tx, pipe| {
            let given = pipe.given.take();
            async move {
                mark(tx, "test-b").await.map_err(|e| Failure::Broken(e.to_string()))?;
                Ok::<_, Failure<String>>(given)
            }
            .boxed()
        });
        tokio::join!(broken, after)
    };
    let (committed, (broken, after)) = tokio::join!(held, sent);
    assert!(!committed, "the holder shared the broken group");
    assert!(matches!(broken, Ok(Err(ref e)) if e == "disk full"));
    assert_eq!(after.expect("committed").expect("ran"), None, "the read run in the rolled-back group is not given");
    assert_eq!(marks(&app).await, 1, "only the second request's mark was kept");
}

/// A request that marks `id` in the next group.
async fn marked(
    groups: &polarshare::server::db::group::Groups,
    id: &'static str,
) -> Result<Result<(), String>, GroupFailed> {
    groups.run(move |tx| async move { mark(tx, id).await.map_err(|e| Failure::Broken(e.to_string())) }.boxed()).await
}

/// Fills the writer connection's "disk": SQLite's page limit is set to the file's size, so the next
/// write that needs a new page fails with SQLITE_FULL, and SQLite then ends the whole transaction on its
/// own (as it may after a full disk, an I/O error or running out of memory). The limit is lifted again
/// right after, as space freed on the disk would.
async fn write_on_a_full_disk(tx: &mut Tx) -> sqlx::Error {
    let pages: i64 = sqlx::query_scalar("pragma page_count").fetch_one(&mut **tx).await.expect("page count");
    sqlx::query(&format!("pragma max_page_count = {pages}")).execute(&mut **tx).await.expect("the page limit");
    let full = sqlx::query("insert into region (region_id, region_name) values ('test-full', hex(randomblob(200000)))")
        .execute(&mut **tx)
        .await
        .expect_err("the disk is full");
    sqlx::query("pragma max_page_count = 1073741823").execute(&mut **tx).await.expect("the limit lifted");
    full
}

/// SQLite ended the group's transaction under it (a full disk, in the middle of the group): the member
/// that hit it took it, as a failed read is taken, for a refusal that wrote nothing. The request after it
/// must not run outside any transaction, where each of its writes would be kept at once although the
/// group's commit then fails and it is told nothing was kept: it runs in the next group. What each
/// request is told matches what was kept, and the writer goes on serving.
#[tokio::test]
async fn a_group_whose_transaction_sqlite_ended_keeps_nothing_and_the_writer_goes_on() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let (held, running) = hold_the_writer(&groups, 3);
    let sent = async {
        running.await.expect("the holder ran");
        let first = marked(&groups, "test-a");
        let full = groups.run(|tx| {
            async move { Err::<(), _>(Failure::Refused(write_on_a_full_disk(tx).await.to_string())) }.boxed()
        });
        let after = marked(&groups, "test-c");
        tokio::join!(first, full, after)
    };
    let (holder, (first, full, after)) = tokio::join!(held, sent);
    assert!(!holder, "the holder shared the group SQLite ended");
    assert!(matches!(first, Err(GroupFailed)), "{first:?}");
    assert!(matches!(full, Err(GroupFailed)), "{full:?}");
    assert!(matches!(after, Ok(Ok(()))), "the request after the full disk ran in a group of its own: {after:?}");
    let kept: Vec<String> = sqlx::query_scalar("select region_id from region where region_id like 'test-%'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, ["test-c"], "only the request told \"done\" was kept");

    // The disk has room again: the next group commits.
    let next = marked(&groups, "test-d").await;
    assert!(matches!(next, Ok(Ok(()))), "the writer goes on after the full disk: {next:?}");
    assert_eq!(marks(&app).await, 2);
}

/// The share path's own reaction to a full disk: its write fails, the group is rolled back (SQLite has
/// already ended the transaction, so the rollback finds none), and every member is told nothing was
/// kept. The writer's connection must not stay marked as inside that transaction: every later write
/// would be refused before it began.
#[tokio::test]
async fn after_a_full_disk_broke_a_group_the_next_group_commits() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let full = groups
        .run(|tx| async move { Err::<(), _>(Failure::Broken(write_on_a_full_disk(tx).await.to_string())) }.boxed())
        .await;
    assert!(matches!(full, Ok(Err(ref e)) if e.contains("full")), "{full:?}");
    let next = marked(&groups, "test-a").await;
    assert!(matches!(next, Ok(Ok(()))), "the writer goes on after the full disk: {next:?}");
    assert_eq!(marks(&app).await, 1);
}

/// The same for an action's own transaction (a console change, the schedule): dropped after SQLite
/// ended it on a full disk, it leaves the writer able to begin the next one.
#[tokio::test]
async fn after_a_full_disk_ended_an_action_the_next_action_begins() {
    let app = TestApp::new().await;
    let mut tx = app.state.writer.begin_unaudited().await.expect("a transaction");
    mark(&mut tx, "test-a").await.expect("a mark");
    write_on_a_full_disk(&mut tx).await;
    drop(tx);
    let mut tx = app.state.writer.begin_unaudited().await.expect("the next transaction begins");
    mark(&mut tx, "test-b").await.expect("a mark");
    app.state.writer.commit(tx).await.expect("committed");
    assert_eq!(marks(&app).await, 1, "only the second action's mark");
}
