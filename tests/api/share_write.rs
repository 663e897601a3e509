//! The share's write as one statement (`db::shares::WRITE_SHARE_TRIGGER`): which of its statements run
//! is decided by SQL NULLs in its JSON parameter, never by what a value spells, and a failure of any of
//! them keeps nothing of that share, and no caller is told "done" for a write that was not kept.

use crate::helpers::*;
use http::StatusCode;

/// A share named as JSON's null (or a number) is a new share: the insert's guard is the SQL NULL of a
/// missing name, not the text of one, so the share is made and not mistaken for an existing one.
#[tokio::test]
async fn a_share_named_null_is_made_and_its_next_set_joins_it() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    for (name, set) in [("null", &sets[0]), ("0", &sets[1])] {
        let r = app.share(&cookie, set, new_share(name, "AllAccounts", &[PARTNER])).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {:?}", r.json);
        let id = r.json["resource_share_id"].as_str().unwrap().to_owned();
        let stored = app.count(&format!("select count(*) from resource_share where resource_share_id = '{id}' and resource_share_name = '{name}' and typeof(resource_share_name) = 'text'")).await;
        assert_eq!(stored, 1, "{name}: the share is stored with its name as text");
        if name == "null" {
            let joined = app.share(&cookie, &sets[2], existing_share(&id, None)).await;
            assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.json);
            assert_eq!(
                app.count(&format!("select count(*) from share_resource where resource_share_id = '{id}'")).await,
                2
            );
            assert_eq!(
                app.count("select count(*) from resource_share where resource_share_name = 'null'").await,
                1,
                "no second share"
            );
        }
    }
    app.assert_shared_sets_consistent().await;
}

/// The invitation, one of the write's last statements, fails (a trigger made for the test): the share,
/// its set, its principal and its event, written by the statements before it, are not kept, and the
/// app shares as before once the failure is gone.
#[tokio::test]
async fn a_failure_late_in_the_share_write_keeps_nothing_of_that_share() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    app.exec(&format!(
        "create trigger test_invitation_fails before insert on invitation when new.receiver_account_id = '{PARTNER}'
        begin select raise(abort, 'test: invitation refused'); end"
    ))
    .await;
    let before = app.sharing_state().await;
    let events = "select count(*) from audit_event where action = 'ShareBackupSet' and outcome = 'Success'";
    let r = app.share(&cookie, &sets[0], new_share("late-failure", "AllAccounts", &[PARTNER])).await;
    assert!(r.status.is_server_error(), "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before, "nothing of the share kept");
    assert_eq!(app.count(events).await, 0);

    app.exec("drop trigger test_invitation_fails").await;
    let r = app.share(&cookie, &sets[0], new_share("late-failure", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(app.count(events).await, 1);
    app.assert_shared_sets_consistent().await;
}

/// The same failure in a group of shares: every share the group holds is told the truth (an OK share is
/// kept, a refused or failed one left nothing), and the failed one left nothing whatever the others got.
#[tokio::test]
async fn a_failure_late_in_one_share_write_leaves_its_group_as_its_callers_were_told() {
    let app = TestApp::new().await;
    let groups = app.state.writer.groups.clone();
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    app.exec(&format!(
        "create trigger test_invitation_fails before insert on invitation when new.receiver_account_id = '{PARTNER}'
        begin select raise(abort, 'test: invitation refused'); end"
    ))
    .await;
    let (holder, running) = crate::group::hold_the_writer(&groups, 3);
    let requests = [("grouped-a", MEMBER), ("grouped-failing", PARTNER), ("grouped-c", MEMBER)];
    let shares = async {
        running.await.expect("the holder ran");
        let sent = requests
            .iter()
            .zip(&sets)
            .map(|((name, principal), set)| app.share(&cookie, set, new_share(name, "AllAccounts", &[principal])));
        futures::future::join_all(sent).await
    };
    let (_, answers) = tokio::join!(holder, shares);
    for ((name, _), r) in requests.iter().zip(&answers) {
        let kept =
            app.count(&format!("select count(*) from resource_share where resource_share_name = '{name}'")).await;
        assert_eq!(kept == 1, r.status == StatusCode::OK, "{name}: answered {} {:?}, kept {kept}", r.status, r.json);
    }
    assert!(answers[1].status.is_server_error(), "{:?}", answers[1].json);
    assert_eq!(app.count("select count(*) from share_principal where principal_id = '1000000000000002'").await, 0);
    app.assert_shared_sets_consistent().await;
}
