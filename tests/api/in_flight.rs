//! Access ends when what granted it ends, even for a call already past its check: a key disabled or
//! deleted, a RAM user deleted or a policy detached (by key or by session), a session signed out or
//! expired, committed after the call's identity was resolved and before its write, refuses that write
//! with the code the same change gives a call checked up front, and writes nothing.
//!
//! Deterministic: each test resolves the identity as the adapter does (the AccessKey's row kept in
//! memory, or the session's), commits the change through the console, then runs the action's service
//! with the identity resolved before it: exactly what a call in flight across the change does. Both
//! kinds of write are covered: the share group's (`services::sharing`) and an action's own transaction
//! (`audit::ActionTx`, here DeleteBackupSet).

use crate::helpers::*;
use crate::openapi::{create_key, Key};
use http::{HeaderMap, HeaderValue};
use polarshare::command::{ShareMethod, ShareRequest};
use polarshare::error::AppError;
use polarshare::server::audit::{Event, EventFields};
use polarshare::server::auth::{self, Identity};
use polarshare::server::services::{owner, principal, sharing};
use polarshare::server::{db, grant};
use time::Duration;

/// What ends between the identity's check and its write.
#[derive(Debug, Clone, Copy)]
enum Change {
    DisableKey,
    DeleteKey,
    DeleteUser,
    DetachPolicy,
    SignOut,
    Expire,
    /// Disabled and enabled again: the key grants again, so its call's write goes through.
    DisableThenEnable,
}

/// How the identity signed its call.
enum Credential {
    Key(Key),
    Session(String),
}

/// The identity behind `credential`, as the adapter resolves it.
async fn resolved(app: &TestApp, credential: &Credential) -> Identity {
    match credential {
        Credential::Key(key) => {
            let row = app.state.writer.signing_keys.get(&app.state.pool, &key.id).await.unwrap().expect("the key");
            auth::identity_from_row(&row.identity, grant::Credential::AccessKey { access_key_id: key.id.clone() })
                .unwrap()
        }
        Credential::Session(cookie) => {
            let mut headers = HeaderMap::new();
            headers.insert(http::header::COOKIE, HeaderValue::from_str(cookie).unwrap());
            auth::identity(&app.state, &headers).await.unwrap().expect("a live session")
        }
    }
}

/// The action's event as the adapter makes it for `who`, with the grant its write checks again.
fn event(app: &TestApp, who: &Identity, credential: &Credential, action: &str, target: &str) -> Event {
    let channel = match credential {
        Credential::Key(key) => format!("api:{}", key.id),
        Credential::Session(_) => "console".to_owned(),
    };
    Event::new(
        app.clock.clone(),
        EventFields {
            account_id: Some(who.account_id().to_string()),
            identity: who.login_name.clone(),
            source_ip: "192.0.2.1".to_owned(),
            request_id: format!("req-{action}"),
            caller_request_id: None,
            action: action.to_owned(),
            target: target.to_owned(),
            channel,
        },
        Some(who.grant()),
    )
}

/// Commits `change` to `login`'s credential through the owner's console (root manages keys and users).
async fn commit(app: &TestApp, change: Change, login: &str, credential: &Credential) {
    let owner = app.sign_in("owner").await;
    let r = match (change, credential) {
        (Change::DisableKey, Credential::Key(key)) => {
            app.form(Some(&owner), "set_access_key_status", &format!("access_key_id={}&active=false", key.id)).await
        }
        (Change::DisableThenEnable, Credential::Key(key)) => {
            let off = app
                .form(Some(&owner), "set_access_key_status", &format!("access_key_id={}&active=false", key.id))
                .await;
            assert!(off.status.is_success(), "{:?}", off.json);
            app.form(Some(&owner), "set_access_key_status", &format!("access_key_id={}&active=true", key.id)).await
        }
        (Change::DeleteKey, Credential::Key(key)) => {
            app.form(Some(&owner), "delete_access_key", &format!("access_key_id={}", key.id)).await
        }
        (Change::DeleteUser, _) => {
            app.form(Some(&owner), "delete_ram_user", &format!("login_name={}", login.replace('@', "%40"))).await
        }
        (Change::DetachPolicy, _) => {
            let body =
                format!("login_name={}&policy=AliyunPolardbFullAccess&attached=false", login.replace('@', "%40"));
            app.form(Some(&owner), "set_ram_policy", &body).await
        }
        (Change::SignOut, Credential::Session(cookie)) => app.form(Some(cookie), "sign_out", "").await,
        (Change::Expire, Credential::Session(_)) => {
            app.clock.advance(auth::SESSION_LIFETIME + Duration::minutes(1));
            return;
        }
        (change, _) => panic!("{change:?} does not apply to this credential"),
    };
    assert!(r.status.is_success() || r.status.is_redirection(), "{change:?}: {:?}", r.json);
}

/// What either action would write: shares and their parts, deleted sets, successful events and nonces.
async fn written(app: &TestApp) -> ([i64; 4], i64, i64, i64) {
    let deleted = app.count("select count(*) from backup_set where deleted_at is not null").await;
    let done = app.count("select count(*) from audit_event where action in ('ShareBackupSet', 'DeleteBackupSet') and outcome = 'Success'").await;
    (app.sharing_state().await, deleted, done, app.count("select count(*) from api_nonce").await)
}

/// A refusal's (status, code); `None` when the write went through.
fn refusal<T>(result: Result<T, AppError>) -> Option<(u16, String)> {
    result.err().map(|e| (e.status(), e.code))
}

/// `login` signs its call with `credential`, which `change` ends before the call's write: a share and a
/// backup set's deletion are both refused with `expected`, and nothing is written (or, `expected`
/// `None`, both go through).
async fn refused_in_flight(
    app: &TestApp,
    login: &str,
    credential: Credential,
    change: Change,
    expected: Option<(u16, &str)>,
) {
    let backups = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let who = resolved(app, &credential).await;
    commit(app, change, login, &credential).await;
    let before = written(app).await;

    let share = ShareRequest {
        backup_set_id: backups[0].clone(),
        method: ShareMethod::New {
            name: "in-flight".into(),
            scope: "ResourceDirectory".into(),
            principals: vec![MEMBER.into()],
        },
    };
    // A signed call's share carries its nonce in the same write, and shares two sets at once (the API's
    // CreateResourceShare with Resources.1 and .2, in a savepoint); the console's shares one.
    let (nonce, more) = match &credential {
        Credential::Key(key) => {
            let now = db::ts(app.clock.now());
            let nonce = sharing::CallNonce {
                seen: db::access_keys::NonceSeen {
                    access_key_id: key.id.clone(),
                    nonce: "in-flight".to_owned(),
                    seen_at: now.clone(),
                    signed_at: now,
                },
                replay: AppError::invalid("SignatureNonceUsed", "replayed"),
                expired: AppError::invalid("InvalidTimeStamp.Expired", "forgotten"),
            };
            (Some(nonce), vec![backups[2].clone()])
        }
        Credential::Session(_) => (None, Vec::new()),
    };
    let share_event = event(app, &who, &credential, "ShareBackupSet", &backups[0]);
    let shared = sharing::share_backup_sets(&app.state, &who, share, &more, &share_event, nonce).await;
    let deleted = owner::delete_backup_set(
        &app.state,
        &who,
        &backups[1],
        None,
        &event(app, &who, &credential, "DeleteBackupSet", &backups[1]),
    )
    .await;
    let refused = expected.map(|(status, code)| (status, code.to_owned()));
    assert_eq!((refusal(shared), refusal(deleted)), (refused.clone(), refused), "{change:?}: the share, the deletion");
    let after = written(app).await;
    if expected.is_some() {
        assert_eq!(after, before, "{change:?}: nothing written");
    } else {
        assert_eq!(
            (after.1 - before.1, after.2 - before.2),
            (1, 3),
            "{change:?}: the set deleted, both actions recorded (the share's per set)"
        );
    }
}

/// How a case signs its call: with a new AccessKey of its login, or in a new console session.
#[derive(Debug, Clone, Copy)]
enum Signed {
    ByKey,
    BySession,
}

/// (how the call is signed, by whom, what ends, the refusal of both writes).
type Case = (Signed, &'static str, Change, Option<(u16, &'static str)>);

/// Each case on a fresh app: `login` signs its call as `signed`, `change` ends what granted it before
/// the call's write, and both writes are refused with `expected` (or go through: `None`).
const CASES: &[Case] = &[
    (Signed::ByKey, "owner", Change::DisableKey, Some((400, "InvalidAccessKeyId.Inactive"))),
    (Signed::ByKey, "owner", Change::DeleteKey, Some((404, "InvalidAccessKeyId.NotFound"))),
    // A RAM user's keys and sessions end with it: its call is refused as one with an unknown key, or
    // signed out, is.
    (Signed::ByKey, "dba@lumen", Change::DeleteUser, Some((404, "InvalidAccessKeyId.NotFound"))),
    (Signed::ByKey, "dba@lumen", Change::DetachPolicy, Some((403, "Forbidden.RAM"))),
    (Signed::BySession, "owner", Change::SignOut, Some((401, "Unauthenticated"))),
    (Signed::BySession, "owner", Change::Expire, Some((401, "Unauthenticated"))),
    (Signed::BySession, "dba@lumen", Change::DeleteUser, Some((401, "Unauthenticated"))),
    (Signed::BySession, "dba@lumen", Change::DetachPolicy, Some((403, "Forbidden.RAM"))),
    // What is checked is what holds at the write: a key enabled again by then grants it.
    (Signed::ByKey, "dba@lumen", Change::DisableThenEnable, None),
];

#[tokio::test]
async fn a_call_in_flight_is_refused_at_its_write_when_what_granted_it_ended_meanwhile() {
    for &(signed, login, change, expected) in CASES {
        let app = TestApp::new().await;
        let credential = match signed {
            Signed::ByKey => Credential::Key(create_key(&app, &app.sign_in("owner").await, login).await),
            Signed::BySession => Credential::Session(app.sign_in(login).await),
        };
        refused_in_flight(&app, login, credential, change, expected).await;
    }
}

/// A sign-in checks its password (argon2, tens of milliseconds on the hashing pool) and then opens its
/// session: a password reset (or the RAM user deleted, and another made with its id) committed in
/// between must not leave the old password a session. The writer is held while the sign-in checks the
/// password, and released once the reset is committed, so the sign-in's session is written after it.
#[tokio::test]
async fn a_password_reset_while_a_sign_in_checks_the_old_one_leaves_that_sign_in_no_session() {
    let app = TestApp::new().await;
    let writer = app.state.writer.clone();
    let mut held = writer.begin_unaudited().await.unwrap();
    let keys_before = app.state.guard.throttled_keys();
    let state = app.state.clone();
    let source =
        auth::Source { ip: "192.0.2.7".to_owned(), request_id: "req-in-flight".to_owned(), caller_request_id: None };
    let signing_in = tokio::spawn(async move {
        auth::sign_in(&state, "dba@lumen", DEMO_PASSWORD, &source, &http::HeaderMap::new()).await
    });
    // The attempt is counted when it is admitted and cleared once its password has matched: from then
    // on it only waits for the writer to open its session.
    let mut admitted = false;
    loop {
        let keys = app.state.guard.throttled_keys();
        admitted |= keys > keys_before;
        if admitted && keys <= keys_before + 1 && !signing_in.is_finished() {
            break;
        }
        assert!(!signing_in.is_finished(), "the sign-in ended without waiting for the writer");
        tokio::task::yield_now().await;
    }
    let new_hash = auth::hash_password("Reset-Pass-2026").unwrap().0;
    sqlx::query("update identity set password_hash = ? where login_name = 'dba@lumen'")
        .bind(&new_hash)
        .execute(&mut *held)
        .await
        .unwrap();
    sqlx::query(
        "delete from session where identity_id = (select identity_id from identity where login_name = 'dba@lumen')",
    )
    .execute(&mut *held)
    .await
    .unwrap();
    writer.commit(held).await.unwrap();

    let signed_in = signing_in.await.unwrap();
    assert_eq!(
        signed_in.err().map(|e| (e.status(), e.code)),
        Some((401, "InvalidCredentials".to_owned())),
        "the old password opened a session"
    );
    let sessions = app.count("select count(*) from session s join identity i on i.identity_id = s.identity_id where i.login_name = 'dba@lumen'").await;
    assert_eq!(sessions, 0);
    let trail = app.trail("request_id = 'req-in-flight'").await;
    assert_eq!(
        trail,
        vec![("SignIn".to_owned(), "dba@lumen".to_owned(), "dba@lumen".to_owned(), "InvalidCredentials".to_owned())],
        "the refusal is in the trail"
    );
}

/// The principal's side goes through the same check: the partner's session, resolved for its answer to
/// an invitation, is signed out before the answer's write, which is refused as signed out and leaves
/// the invitation pending.
#[tokio::test]
async fn an_invitations_answer_in_flight_is_refused_when_its_session_ended_meanwhile() {
    let app = TestApp::new().await;
    let invitation = partners_pending_invitation(&app).await;
    let credential = Credential::Session(app.sign_in("partner").await);
    let who = resolved(&app, &credential).await;
    commit(&app, Change::SignOut, "partner", &credential).await;
    let answered = principal::answer(
        &app.state,
        &who,
        &invitation,
        true,
        &event(&app, &who, &credential, "AcceptInvitation", &invitation),
    )
    .await;
    assert_eq!(refusal(answered), Some((401, "Unauthenticated".to_owned())));
    let pending = app
        .count(&format!("select count(*) from invitation where invitation_id = '{invitation}' and status = 'Pending'"))
        .await;
    assert_eq!(pending, 1, "the invitation is still pending");
}

/// A session that expires while its share waits for the share group's transaction: the share's write
/// checks the session at the time it writes, as an action's transaction does when it commits, not at
/// the time the request was parsed. The share is queued while the writer is held, the clock passes the
/// session's end, and the writer is let go.
#[tokio::test]
async fn a_share_queued_while_its_session_expires_is_refused_at_its_write() {
    let app = TestApp::new().await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let credential = Credential::Session(app.sign_in("owner").await);
    let who = resolved(&app, &credential).await;
    let before = written(&app).await;
    let share = ShareRequest {
        backup_set_id: backup.clone(),
        method: ShareMethod::New {
            name: "expiring".into(),
            scope: "AllAccounts".into(),
            principals: vec![PARTNER.into()],
        },
    };
    let share_event = event(&app, &who, &credential, "ShareBackupSet", &backup);
    let sharing = sharing::share_backup_sets(&app.state, &who, share, &[], &share_event, None);
    let refused = refused_once_the_writer_is_free(&app, sharing, auth::SESSION_LIFETIME + Duration::minutes(1)).await;
    assert_eq!(
        refused,
        Some((401, "Unauthenticated".to_owned())),
        "the share was written after its session had expired"
    );
    assert_eq!(written(&app).await, before, "nothing written");
}

/// The writer, held by a transaction of its own until it is dropped: an action started meanwhile waits
/// for its turn, as behind a long queue of writes.
async fn hold_writer(app: &TestApp) -> db::Tx {
    app.state.writer.begin_unaudited().await.expect("the writer")
}

/// Access that ends by the clock alone, with no write, ends for a call that waits for the writer
/// across that time too: the rules read the time once the writer is the call's, not when its request
/// was read. The action is started while the writer is held (its request read), the clock passes the
/// end, the writer is let go. Each is refused as the same action asked after the end is.
async fn refused_once_the_writer_is_free<T>(
    app: &TestApp,
    action: impl std::future::Future<Output = Result<T, AppError>>,
    past_the_end: Duration,
) -> Option<(u16, String)> {
    let held = hold_writer(app).await;
    let mut action = Box::pin(action);
    assert!(futures::poll!(&mut action).is_pending(), "the action waits for the held writer");
    app.clock.advance(past_the_end);
    drop(held);
    refusal(action.await)
}

/// A set that expires while a principal's restore from it waits for the writer is not restored from:
/// from its expiry it is on its way out of the share, as a restore asked then is told.
#[tokio::test]
async fn a_restore_waiting_for_the_writer_while_its_set_expires_is_refused() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    app.exec(&format!("update backup_set set expires_at = '2026-11-25T08:01:00Z' where backup_set_id = '{backup}'"))
        .await;
    let credential = Credential::Session(app.sign_in("member").await);
    let who = resolved(&app, &credential).await;
    let request = || polarshare::command::RestoreRequest {
        backup_set_id: backup.clone(),
        cluster_name: "waited".into(),
        node_spec: Some("polar.mysql.x4.medium".into()),
        zone_id: Some("cn-hangzhou-h".into()),
        region_id: None,
        pay_type: "Postpaid".into(),
        period: None,
        used_time: None,
    };
    let restore_event = event(&app, &who, &credential, "RestoreBackupSet", &backup);
    let restoring = principal::restore(&app.state, &who, request(), None, &restore_event, None);
    let refused = refused_once_the_writer_is_free(&app, restoring, Duration::minutes(2)).await;
    let asked_after = refusal(principal::restore(&app.state, &who, request(), None, &restore_event, None).await);
    assert!(asked_after.is_some(), "a restore asked after the expiry is refused");
    assert_eq!(refused, asked_after, "the restore that waited across the expiry was started");
    assert_eq!(app.count("select count(*) from restore_job").await, 0, "nothing restored");
}

/// An invitation that expires while its acceptance waits for the writer is not accepted: the
/// acceptance would give the share's sets to an account whose invitation had ended.
#[tokio::test]
async fn an_acceptance_waiting_for_the_writer_while_its_invitation_expires_is_refused() {
    let app = TestApp::new().await;
    let invitation = partners_pending_invitation(&app).await;
    // A minute before the 7 days are up, in a fresh session.
    app.clock.advance(Duration::days(7) - Duration::minutes(1));
    let credential = Credential::Session(app.sign_in("partner").await);
    let who = resolved(&app, &credential).await;
    let answer_event = event(&app, &who, &credential, "AcceptInvitation", &invitation);
    let answering = principal::answer(&app.state, &who, &invitation, true, &answer_event);
    let refused = refused_once_the_writer_is_free(&app, answering, Duration::minutes(2)).await;
    assert_eq!(
        refused,
        Some((409, "InvitationStatus.Expired".to_owned())),
        "the acceptance was written after the invitation expired"
    );
    let pending = app
        .count(&format!("select count(*) from invitation where invitation_id = '{invitation}' and status = 'Pending'"))
        .await;
    assert_eq!(pending, 1, "left for the schedule to expire");
}

/// A directory invitation that expires while its acceptance waits for the writer does not make the
/// account a member (which would give it every directory-scope share of the directory).
#[tokio::test]
async fn a_directory_acceptance_waiting_for_the_writer_while_its_invitation_expires_is_refused() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "add_member", &format!("account_id={OUTSIDER}&folder_id={ROOT_FOLDER}")).await;
    assert_eq!(r.status, http::StatusCode::OK, "{:?}", r.json);
    let invitation = r.json["invitation_id"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(14) - Duration::minutes(1));
    let credential = Credential::Session(app.sign_in("outsider").await);
    let who = resolved(&app, &credential).await;
    let answer_event = event(&app, &who, &credential, "AcceptDirectoryInvitation", &invitation);
    let answering =
        polarshare::server::services::directory::answer_invitation(&app.state, &who, &invitation, true, &answer_event);
    let refused = refused_once_the_writer_is_free(&app, answering, Duration::minutes(2)).await;
    assert_eq!(
        refused,
        Some((409, "HandshakeStatus.Expired".to_owned())),
        "the account joined after its invitation expired"
    );
    assert_eq!(
        app.count(&format!("select count(*) from rd_member where account_id = '{OUTSIDER}'")).await,
        0,
        "not a member"
    );
}

/// The partner's invitation to a new share of a set with it: pending.
async fn partners_pending_invitation(app: &TestApp) -> String {
    shared_with(app, PARTNER, "AllAccounts").await;
    sqlx::query_scalar("select invitation_id from invitation where receiver_account_id = ? and status = 'Pending'")
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}
