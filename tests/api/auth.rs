//! Safe to put on a network: an empty system by default, first-run setup from the command line, own
//! password changes, throttled sign-in with aggregated audit events, a bounded hashing pool, and a
//! same-origin `next`.

use crate::helpers::*;
use clap::Parser;
use http::StatusCode;
use polarshare::server::config::{Command, Config};
use polarshare::server::services::setup::{self, FirstRun, NewAccount};
use serde_json::json;
use std::net::SocketAddr;
use time::Duration;
use tower::ServiceExt;

fn sign_in_body(login: &str, password: &str) -> String {
    format!("login={login}&password={password}")
}

fn cookie_of(r: &Response) -> String {
    r.set_cookie.as_deref().expect("session cookie").split(';').next().unwrap().to_owned()
}

/// Fails sign-ins of `login` with a wrong password, waiting out (on the manual clock) each slow-down,
/// until the name is locked; returns the refusal that says so and how many failures it took.
async fn fail_until_locked(app: &TestApp, login: &str, peer: SocketAddr) -> (Response, u32) {
    let mut failures = 0;
    loop {
        let r = app.form_from(peer, None, "sign_in", &sign_in_body(login, "Wrong-Pass-0000")).await;
        match r.status {
            StatusCode::UNAUTHORIZED => failures += 1,
            StatusCode::TOO_MANY_REQUESTS if r.json["message"].as_str().unwrap().starts_with("Sign-in is locked") => {
                return (r, failures)
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let secs: i64 = r.retry_after.as_deref().expect("Retry-After").parse().unwrap();
                app.clock.advance(Duration::seconds(secs));
            }
            other => panic!("unexpected {other}: {:?}", r.json),
        }
        assert!(failures <= 10, "no lock after 10 failures");
    }
}

fn peer(last: u8) -> SocketAddr {
    SocketAddr::from(([203, 0, 113, last], 40000))
}

/// Sends `flood` from 64 tasks without pause (each answered `flooded` or 503: the hashing it uses is
/// full) and, meanwhile, `probe` `n` times, each just after the flood was last told 503; returns the
/// probes' statuses and how many 503s the flood got.
async fn answered_during_a_flood<F, FF, P, PF>(
    flood: F,
    flooded: StatusCode,
    n: usize,
    mut probe: P,
) -> (Vec<StatusCode>, usize)
where
    F: Fn() -> FF,
    FF: std::future::Future<Output = Response>,
    P: FnMut() -> PF,
    PF: std::future::Future<Output = StatusCode>,
{
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    let (stop, busy) = (AtomicBool::new(false), AtomicUsize::new(0));
    let flooding = (0..64).map(|_| async {
        while !stop.load(Relaxed) {
            let r = flood().await;
            match r.status {
                StatusCode::SERVICE_UNAVAILABLE => {
                    busy.fetch_add(1, Relaxed);
                    tokio::task::yield_now().await;
                }
                status if status == flooded => {}
                other => panic!("{other}: {:?}", r.json),
            }
        }
    });
    let probing = async {
        let mut answers = Vec::new();
        for _ in 0..n {
            let seen = busy.load(Relaxed);
            while busy.load(Relaxed) == seen {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            answers.push(probe().await);
        }
        stop.store(true, Relaxed);
        answers
    };
    let (_, answers) = tokio::join!(futures::future::join_all(flooding), probing);
    (answers, busy.load(Relaxed))
}

#[tokio::test]
async fn the_server_starts_with_no_accounts_unless_demo_data_is_asked_for() {
    // The flag's own default (read from the definition, so a POLARSHARE_DEMO_DATA in the environment of
    // the test run can't hide it).
    let definition = <Config as clap::CommandFactory>::command();
    let flag = definition.get_arguments().find(|a| a.get_id() == "demo_data").expect("--demo-data");
    assert_eq!(flag.get_default_values(), ["false"], "demo data is off by default");
    let config = Config::try_parse_from(["polarshare", "--demo-data", "false"]).unwrap();
    assert!(config.command.is_none(), "no subcommand: serve");

    let app = TestApp::empty().await;
    let first = setup::prepare_database(&app.pool, config.demo_data, app.clock.now()).await.unwrap();
    assert_eq!(first, FirstRun { seeded_demo: false, operator_missing: true });
    assert_eq!(app.count("select count(*) from account").await, 0);
    assert_eq!(app.count("select count(*) from identity").await, 0);
    let r = app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "InvalidCredentials"));
    let r = app.form(None, "sign_in", &sign_in_body("operator", DEMO_PASSWORD)).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "InvalidCredentials"));

    let asked = Config::try_parse_from(["polarshare", "--demo-data", "true"]).unwrap();
    let first = setup::prepare_database(&app.pool, asked.demo_data, app.clock.now()).await.unwrap();
    assert_eq!(first, FirstRun { seeded_demo: true, operator_missing: false });
    app.sign_in("owner").await;
}

#[tokio::test]
async fn the_command_line_has_subcommands_and_still_takes_the_serving_flags() {
    let config =
        Config::try_parse_from(["polarshare", "create-operator", "--login", "ops", "--database", "x.db"]).unwrap();
    assert_eq!(config.database, "x.db", "--database is accepted after the subcommand too");
    assert!(
        matches!(config.command, Some(Command::CreateOperator { ref login, password_stdin: false }) if login == "ops")
    );
    let config = Config::try_parse_from([
        "polarshare",
        "--database",
        "y.db",
        "create-account",
        "--login",
        "lumen",
        "--name",
        "Lumen Retail",
        "--beta",
    ])
    .unwrap();
    assert!(
        matches!(config.command, Some(Command::CreateAccount { ref site, beta: true, .. }) if site == "aliyun.com")
    );
    assert!(Config::try_parse_from(["polarshare", "create-operator"]).is_err(), "--login is required");
}

#[tokio::test]
async fn create_operator_makes_an_operator_with_a_generated_password_shown_once() {
    let app = TestApp::empty().await;
    let created = setup::create_operator(&app.state.writer, &app.clock, "platform-ops", None).await.expect("created");
    let password = created.generated_password.expect("a generated password");
    assert!(polarshare::domain::check_password_policy(&password, "platform-ops").is_ok());
    // Only its hash is stored.
    assert_eq!(app.count(&format!("select count(*) from identity where password_hash like '%{password}%'")).await, 0);

    let r = app.form(None, "sign_in", &sign_in_body("platform-ops", &password)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json, "/tickets", "the operator's console starts at the tickets");
    let viewer = app.form(Some(&cookie_of(&r)), "current_viewer", "").await;
    assert_eq!(viewer.json["is_operator"], true);
    let first = setup::prepare_database(&app.pool, false, app.clock.now()).await.unwrap();
    assert!(!first.operator_missing);
    // The command line's work is in the platform's trail, as the command line's.
    assert_eq!(
        app.trail(&format!("account_id = '{}'", setup::PLATFORM_ACCOUNT)).await,
        [
            ("CreateOperator".to_owned(), "(command line)".to_owned(), "platform-ops".to_owned(), "Success".to_owned()),
            ("SignIn".to_owned(), "platform-ops".to_owned(), "platform-ops".to_owned(), "Success".to_owned()),
        ]
    );
}

/// `access-key create` prints its pair, and nothing else, on standard output, whatever the log level
/// (scripts read it with a JSON parser, as `scripts/sdk-scenario.sh` does); the logs go to standard
/// error and never carry the secret, nor does the key's first signed call log it.
#[tokio::test]
async fn the_command_lines_new_key_is_alone_on_standard_output_and_its_secret_in_no_log() {
    let app = TestApp::new().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_polarshare"))
        .args(["--database", app.database_path().to_str().unwrap(), "access-key", "create", "--login", "dba@lumen"])
        .env("RUST_LOG", "debug")
        .output()
        .expect("run the server binary");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8(output.stdout).unwrap();
    let made: serde_json::Value = serde_json::from_str(&printed).unwrap_or_else(|e| panic!("{e}: {printed}"));
    let secret = made["AccessKeySecret"].as_str().expect("the secret, shown once").to_owned();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("insert into access_key"), "the debug log was written: {logs}");
    assert!(!logs.contains(&secret), "{logs}");
    assert_eq!(made["LoginName"], "dba@lumen");
}

#[tokio::test]
async fn create_operator_refuses_a_weak_password_and_a_taken_name_changing_nothing() {
    let app = TestApp::empty().await;
    let weak = setup::create_operator(&app.state.writer, &app.clock, "ops", Some("password")).await.unwrap_err();
    assert_eq!((weak.status(), weak.code.as_str()), (422, "InvalidPassword.Policy"));
    assert_eq!(app.count("select count(*) from identity").await, 0);
    assert_eq!(app.count("select count(*) from account").await, 0);

    setup::create_operator(&app.state.writer, &app.clock, "ops", Some("Strong-Pass-2026")).await.expect("created");
    let taken =
        setup::create_operator(&app.state.writer, &app.clock, "ops", Some("Strong-Pass-2026")).await.unwrap_err();
    assert_eq!((taken.status(), taken.code.as_str()), (409, "EntityAlreadyExists.User"));
    let bad_name = setup::create_operator(&app.state.writer, &app.clock, "o p s", None).await.unwrap_err();
    assert_eq!((bad_name.status(), bad_name.code.as_str()), (422, "InvalidParameter.UserName"));
    assert_eq!(app.count("select count(*) from identity").await, 1);
}

#[tokio::test]
async fn create_account_makes_a_cloud_account_whose_root_signs_in_to_an_empty_console() {
    let app = TestApp::empty().await;
    let account = NewAccount {
        display_name: "Lumen Retail".into(),
        login: "lumen".into(),
        site: "aliyun.com".into(),
        beta_enabled: true,
    };
    let created = setup::create_account(&app.state.writer, &app.clock, &account, Some("Retail-Root-2026"))
        .await
        .expect("created");
    assert_eq!(created.generated_password, None);
    assert!(polarshare::domain::AccountId::parse(&created.account_id).is_some());

    let r = app.form(None, "sign_in", &sign_in_body("lumen", "Retail-Root-2026")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cookie = cookie_of(&r);
    let viewer = app.form(Some(&cookie), "current_viewer", "").await;
    assert_eq!(
        (viewer.json["account_name"].as_str(), viewer.json["is_root"].as_bool()),
        (Some("Lumen Retail"), Some(true))
    );
    assert_eq!(viewer.json["account_id"], created.account_id.as_str());
    let clusters = app.form(Some(&cookie), "list_clusters", "").await;
    assert_eq!(clusters.status, StatusCode::OK, "{:?}", clusters.json);

    let other_site = NewAccount { site: "example.com".into(), login: "x-root".into(), ..account.clone() };
    let r = setup::create_account(&app.state.writer, &app.clock, &other_site, None).await.unwrap_err();
    assert_eq!((r.status(), r.code.as_str()), (422, "InvalidParameter.Site"));
    let r = setup::create_account(&app.state.writer, &app.clock, &account, None).await.unwrap_err();
    assert_eq!((r.status(), r.code.as_str()), (409, "EntityAlreadyExists.User"));
    assert_eq!(app.count("select count(*) from account").await, 1);

    // As when an operator creates it in the console: the platform's trail has the command line's
    // action, and the new account's trail starts with its creation, by the platform's support.
    let created_by = |identity: &str| {
        vec![("CreateAccount".to_owned(), identity.to_owned(), "lumen".to_owned(), "Success".to_owned())]
    };
    assert_eq!(app.trail(&format!("account_id = '{}'", setup::PLATFORM_ACCOUNT)).await, created_by("(command line)"));
    assert_eq!(
        app.trail(&format!("account_id = '{}' and action <> 'SignIn'", created.account_id)).await,
        created_by("Platform support")
    );
}

#[tokio::test]
async fn an_identity_changes_its_own_password_and_its_other_sessions_end() {
    let app = TestApp::new().await;
    let here = app.sign_in("owner").await;
    let elsewhere = app.sign_in("owner").await;

    let r =
        app.form(Some(&here), "change_password", "current_password=Wrong-Pass-0000&new_password=Fresh-Pass-2027").await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "InvalidPassword.Current"));
    for (new, why) in [
        ("short1A", "is too short"),
        ("alllowercaseletters", "at least 3 of these"),
        ("My-owner-Pass-1", "sign-in name"),
    ] {
        let r = app
            .form(Some(&here), "change_password", &format!("current_password={DEMO_PASSWORD}&new_password={new}"))
            .await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "InvalidPassword.Policy"), "{new}");
        assert!(r.json["message"].as_str().unwrap().contains(why), "{:?}", r.json);
    }
    // Refusals changed nothing: the other session still works, the old password still signs in.
    assert_eq!(app.form(Some(&elsewhere), "list_clusters", "").await.status, StatusCode::OK);

    let r = app
        .form(Some(&here), "change_password", &format!("current_password={DEMO_PASSWORD}&new_password=Fresh-Pass-2027"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        app.form(Some(&elsewhere), "list_clusters", "").await.status,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
    assert_eq!(app.form(Some(&here), "list_clusters", "").await.status, StatusCode::OK, "this session stays");
    let old = app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(old.refusal(), (401, "InvalidCredentials"));
    let new = app.form(None, "sign_in", &sign_in_body("owner", "Fresh-Pass-2027")).await;
    assert_eq!(new.status, StatusCode::OK);

    let trail = app.form(Some(&here), "audit_trail", "action=ChangePassword").await;
    let outcomes: Vec<&str> =
        trail.json["items"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert!(outcomes.contains(&"Success") && outcomes.contains(&"InvalidPassword.Current"), "{outcomes:?}");
}

#[tokio::test]
async fn ram_users_and_the_operator_change_their_own_passwords_too() {
    let app = TestApp::new().await;
    for login in ["dba@lumen", "operator"] {
        let cookie = app.sign_in(login).await;
        let r = app
            .form(
                Some(&cookie),
                "change_password",
                &format!("current_password={DEMO_PASSWORD}&new_password=Own-Pass-2027"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{login}: {:?}", r.json);
        assert_eq!(app.form(None, "sign_in", &sign_in_body(login, "Own-Pass-2027")).await.status, StatusCode::OK);
    }
    assert_eq!(
        app.form(None, "change_password", "current_password=a&new_password=b").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn root_setting_a_ram_password_meets_the_same_policy() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "set_ram_password", "login_name=dba@lumen&password=abc12345").await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "InvalidPassword.Policy"));
    let r = app.form(Some(&owner), "create_ram_user", "login_name=reporter@lumen&password=Reporter-2026").await;
    assert_eq!(r.refusal(), (422, "InvalidPassword.Policy"), "contains the user's name");
    assert_eq!(app.form(None, "sign_in", &sign_in_body("dba@lumen", DEMO_PASSWORD)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_slow_a_name_down_with_429_and_retry_after() {
    let app = TestApp::new().await;
    for n in 1..=6 {
        let r = app.form(None, "sign_in", "login=owner&password=wrong").await;
        assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "InvalidCredentials"), "failure {n}");
    }
    let r = app.form(None, "sign_in", "login=owner&password=wrong").await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "Throttling.SignIn"));
    assert_eq!(r.retry_after.as_deref(), Some("1"));
    assert_eq!(r.json["message"], "Too many failed sign-in attempts. Try again in 1 second (at 08:00:01 UTC).");
    // The right password gets the same answer meanwhile: the throttle is no password oracle.
    let r = app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(Duration::SECOND);
    let r = app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // A success starts the name afresh.
    assert_eq!(app.form(None, "sign_in", "login=owner&password=wrong").await.status, StatusCode::UNAUTHORIZED);
}

/// The throttle can't be dodged by writing the name differently or by trying all at once: case and
/// surrounding spaces are one name to it, a RAM user's name with its account's UID instead of its alias
/// signs nobody in, and 30 wrong passwords sent at once, each from its own address, get exactly the six
/// password checks that one after another would (each attempt is counted as it is admitted).
#[tokio::test]
async fn variants_of_a_name_and_attempts_sent_at_once_get_no_more_password_checks() {
    let app = TestApp::new().await;
    let by_uid = sign_in_body(&format!("dba@{OWNER}"), DEMO_PASSWORD);
    assert_eq!(
        app.form(None, "sign_in", &by_uid).await.refusal(),
        (401, "InvalidCredentials"),
        "no second name for dba@lumen"
    );
    for (n, login) in ["Owner", "OWNER", "%20owner%20", "owner%09", "oWnEr", "owner"].into_iter().enumerate() {
        let r = app.form_from(peer(n as u8), None, "sign_in", &sign_in_body(login, "Wrong-Pass-0000")).await;
        assert_eq!(r.refusal(), (401, "InvalidCredentials"), "{login}");
    }
    let r = app.form_from(peer(99), None, "sign_in", &sign_in_body("OWNER", DEMO_PASSWORD)).await;
    assert_eq!(r.refusal(), (429, "Throttling.SignIn"), "the six variants were one name's six failures");

    let app = TestApp::new().await;
    let attempts = (0..30u8).map(|n| {
        let app = &app;
        async move { app.form_from(peer(n), None, "sign_in", &sign_in_body("owner", "Wrong-Pass-0000")).await.status }
    });
    let answers = futures::future::join_all(attempts).await;
    let checked = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 6, "{answers:?}");
    assert_eq!(answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 24);
}

/// A password longer than any can be (256 characters) is refused before it is hashed or counted, and
/// a body of a megabyte before it is read.
#[tokio::test]
async fn a_password_too_long_to_be_anyones_costs_no_hash() {
    let app = TestApp::new().await;
    let long = "A1-".repeat(3000);
    for _ in 0..12 {
        assert_eq!(
            app.form(None, "sign_in", &sign_in_body("owner", &long)).await.refusal(),
            (401, "InvalidCredentials")
        );
    }
    assert_eq!(
        app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.status,
        StatusCode::OK,
        "none was counted"
    );
    let huge = "A1-".repeat(350_000);
    assert_eq!(
        app.form(None, "sign_in", &sign_in_body("owner", &huge)).await.refusal(),
        (413, "RequestEntityTooLarge")
    );
    let owner = app.sign_in("owner").await;
    let r = app
        .form(Some(&owner), "change_password", &format!("current_password={long}&new_password=Fresh-Pass-2027"))
        .await;
    assert_eq!(r.refusal(), (403, "InvalidPassword.Current"));
    let r = app.form(Some(&owner), "set_ram_password", &format!("login_name=dba@lumen&password={long}")).await;
    assert_eq!(r.refusal(), (422, "InvalidPassword.Policy"));
}

#[tokio::test]
async fn an_unknown_name_gets_exactly_the_answers_a_known_one_gets() {
    let app = TestApp::new().await;
    let mut answers = Vec::new();
    for login in ["owner", "nobody-at-all"] {
        let mut seen = Vec::new();
        for _ in 0..8 {
            let r = app.form(None, "sign_in", &sign_in_body(login, "wrong")).await;
            seen.push((r.status, r.code().to_owned(), r.json["message"].clone(), r.retry_after.clone()));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].last().unwrap().0, StatusCode::TOO_MANY_REQUESTS);
}

/// A failed sign-in does the same work for a name that exists and one that doesn't, so neither the
/// answer nor the time it takes tells which names exist: the same status, headers and body, no cookie,
/// and the same audit write before answering (the unknown name's in no account's trail, the platform's).
#[tokio::test]
async fn a_failed_sign_in_of_an_unknown_name_answers_and_writes_exactly_what_a_known_names_does() {
    let app = TestApp::new().await;
    let mut answers = Vec::new();
    for login in ["owner", "nobody-at-all"] {
        let events = app.count("select count(*) from audit_event").await;
        let mut request =
            http::Request::post("/api/sign_in").header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        request = request.extension(axum::extract::ConnectInfo(peer(7)));
        let response = app
            .router
            .clone()
            .oneshot(request.body(axum::body::Body::from(sign_in_body(login, "Wrong-Pass-0000"))).unwrap())
            .await
            .unwrap();
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| !["x-request-id", "date"].contains(&name.as_str()))
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let written: Vec<(Option<String>, String, String, String)> =
            sqlx::query_as("select account_id, action, outcome, identity from audit_event order by rowid desc limit ?")
                .bind(app.count("select count(*) from audit_event").await - events)
                .fetch_all(&app.pool)
                .await
                .unwrap();
        answers.push((
            status,
            headers,
            body,
            written
                .into_iter()
                .map(|(_, action, outcome, identity)| (action, outcome, identity.replace(login, "NAME")))
                .collect::<Vec<_>>(),
        ));
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert!(!answers[0].1.iter().any(|(name, _)| name == "set-cookie"), "{:?}", answers[0].1);
    assert_eq!(answers[0].3, vec![("SignIn".to_owned(), "InvalidCredentials".to_owned(), "NAME".to_owned())]);
    assert_eq!(answers[0], answers[1], "the known name's answer and writes, then the unknown one's");
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'SignIn' and identity = 'nobody-at-all' and account_id is null").await,
        1,
        "the unknown name's failure is in the platform's trail"
    );
}

#[tokio::test]
async fn the_tenth_failure_locks_the_name_until_the_lock_runs_out() {
    let app = TestApp::new().await;
    let (locked, failures) = fail_until_locked(&app, "owner", peer(1)).await;
    assert_eq!(failures, 10);
    assert_eq!(locked.refusal(), (429, "Throttling.SignIn"));
    assert_eq!(locked.retry_after.as_deref(), Some("900"));
    assert!(locked.json["message"].as_str().unwrap().contains("Try again in 15 minutes"), "{:?}", locked.json);
    // From another address too: the name is locked, not the address.
    let r = app.form_from(peer(2), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!((r.status, r.retry_after.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("900")));
    // Other names are not affected.
    assert_eq!(
        app.form_from(peer(1), None, "sign_in", &sign_in_body("partner", DEMO_PASSWORD)).await.status,
        StatusCode::OK
    );

    app.clock.advance(Duration::minutes(15) - Duration::SECOND);
    let r = app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!((r.status, r.retry_after.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("1")));
    app.clock.advance(Duration::SECOND);
    let r = app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::OK, "the lock has lifted: {:?}", r.json);
}

#[tokio::test]
async fn a_lock_outlives_a_restart_of_the_server_and_ends_when_it_would_have() {
    let app = TestApp::new().await;
    fail_until_locked(&app, "owner", peer(1)).await;
    app.clock.advance(Duration::minutes(5));
    // The fork is a second server over (a copy of) the same database, started as main starts one.
    let restarted = app.fork().await;
    let r = restarted.form_from(peer(2), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "Throttling.SignIn"), "{:?}", r.json);
    assert_eq!(r.retry_after.as_deref(), Some("600"), "the rest of the 15 minutes");
    assert_eq!(
        restarted.count("select count(*) from sign_in_lock where scope = 'login' and lock_key = 'owner'").await,
        1
    );
    restarted.clock.advance(Duration::minutes(10));
    let r = restarted.form_from(peer(2), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::OK, "the lock has lifted: {:?}", r.json);
}

#[tokio::test]
async fn an_unknown_name_is_locked_the_same_way() {
    let app = TestApp::new().await;
    let (locked, failures) = fail_until_locked(&app, "nobody-at-all", peer(1)).await;
    let (known, known_failures) = fail_until_locked(&app, "owner", peer(2)).await;
    assert_eq!(
        (failures, locked.status, locked.code(), locked.retry_after.clone()),
        (known_failures, known.status, known.code(), known.retry_after.clone())
    );
}

#[tokio::test]
async fn failed_sign_ins_are_aggregated_in_the_audit_trail() {
    let app = TestApp::new().await;
    let _ = fail_until_locked(&app, "owner", peer(1)).await;
    let _ = fail_until_locked(&app, "nobody-at-all", peer(1)).await;
    app.clock.advance(Duration::minutes(15));
    let owner = app.sign_in("owner").await;

    let trail = app.form(Some(&owner), "audit_trail", "").await;
    let events = trail.json["items"].as_array().unwrap();
    let of = |action: &str, outcome: &str| {
        events.iter().filter(|e| e["action"] == action && e["outcome"] == outcome).collect::<Vec<_>>()
    };
    assert_eq!(of("SignIn", "InvalidCredentials").len(), 1, "only the first failure of the streak: {events:?}");
    let locks = of("SignInLocked", "Throttling.SignIn");
    assert_eq!(locks.len(), 1);
    let detail = locks[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("10 failed sign-ins with this name in ") && detail.contains("; refused for 15 minutes"),
        "{detail}"
    );
    assert_eq!(locks[0]["source_ip"], "203.0.113.1");
    assert_eq!(of("SignIn", "Success").len(), 1);
    // 20 failures in all left 4 rows: each name's first failure and lock, the unknown name's in no
    // account's trail (the platform's).
    assert_eq!(
        app.count("select count(*) from audit_event where action like 'SignIn%' and outcome <> 'Success'").await,
        4
    );
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'SignInLocked' and account_id is null").await,
        1
    );
    assert_eq!(app.count("select count(*) from audit_event where action = 'SignIn' and account_id is null").await, 1);
}

#[tokio::test]
async fn one_address_trying_many_names_is_locked_out_for_every_name() {
    let app = TestApp::new().await;
    let (sprayer, bystander) = (peer(66), peer(67));
    let mut admitted = 0;
    loop {
        let r = app.form_from(sprayer, None, "sign_in", &sign_in_body(&format!("guess{admitted}"), "wrong")).await;
        match r.status {
            StatusCode::UNAUTHORIZED => admitted += 1,
            StatusCode::TOO_MANY_REQUESTS if r.retry_after.as_deref() == Some("900") => break,
            StatusCode::TOO_MANY_REQUESTS => {
                app.clock.advance(Duration::seconds(r.retry_after.unwrap().parse().unwrap()))
            }
            other => panic!("{other}: {:?}", r.json),
        }
    }
    assert_eq!(admitted, 100);
    let r = app.form_from(sprayer, None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "every name from that address");
    let r = app.form_from(bystander, None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::OK, "another address is not affected");
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'SignInLocked' and target = '203.0.113.66'").await,
        1
    );
}

#[tokio::test]
async fn a_flood_of_failed_sign_ins_is_answered_fast_and_never_stops_a_signed_in_user() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // 300 at once, each with its own name and address so the throttle lets them all through to the
    // hashing pool: what isn't queued is refused at once with 503 and Retry-After, never a 500.
    let flood = (0..300u32).map(|n| {
        let peer = SocketAddr::from(([10, 0, (n / 250) as u8, (n % 250) as u8], 5000));
        let app = &app;
        async move { app.form_from(peer, None, "sign_in", &sign_in_body(&format!("flood{n}"), "wrong")).await }
    });
    let user = async {
        let r = app.form(Some(&owner), "list_clusters", "").await;
        r.status
    };
    let (answers, user_status) = tokio::join!(futures::future::join_all(flood), user);
    assert_eq!(user_status, StatusCode::OK);
    let busy: Vec<&Response> = answers.iter().filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert!(answers.iter().all(|r| [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE].contains(&r.status)));
    assert!(!busy.is_empty(), "the queue is bounded");
    assert!(busy.iter().all(|r| r.refusal() == (503, "ServiceUnavailable") && r.retry_after.as_deref() == Some("2")));
    // A refused-as-busy attempt was not counted: the pool is free again, and the name signs in normally.
    assert_eq!(app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.status, StatusCode::OK);
    assert!(app.state.guard.throttled_keys() <= 2 * polarshare::server::auth::THROTTLE_CAPACITY);
}

/// A signed-in root setting passwords without pause (its RAM users', each a hash) keeps the hashing it
/// uses full, and is told so (503); it must not take the password checks of sign-in with it: everyone
/// else still signs in meanwhile.
#[tokio::test]
async fn a_root_setting_passwords_without_pause_leaves_sign_in_free() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let app = &app;
    let flood = || app.form(Some(&owner), "set_ram_password", "login_name=dba@lumen&password=Flood-Pass-2026");
    let mut n = 0u8;
    let sign_in = || {
        n += 1;
        let from = peer(n);
        async move { app.form_from(from, None, "sign_in", &sign_in_body("partner", DEMO_PASSWORD)).await.status }
    };
    let (answers, busy) = answered_during_a_flood(flood, StatusCode::OK, 10, sign_in).await;
    assert!(busy > 0, "the flood filled its hashing");
    assert_eq!(answers, vec![StatusCode::OK; 10], "every sign-in during the flood was answered");
}

#[tokio::test]
async fn next_after_sign_in_keeps_same_origin_paths_only() {
    let app = TestApp::new().await;
    for (next, expected) in [
        ("%2Fclusters%2Fpc-bp1orders0001%3Ftab%3Dbackups", "/clusters/pc-bp1orders0001?tab=backups"),
        ("%2F%09%2Fevil.example", "/clusters"),
        ("%2F%2Fevil.example", "/clusters"),
        ("%2F%5Cevil.example", "/clusters"),
        ("%2F%252f%2Fevil.example", "/clusters"),
        ("https%3A%2F%2Fevil.example%2F", "/clusters"),
    ] {
        let r = app.form(None, "sign_in", &format!("login=owner&password={DEMO_PASSWORD}&next={next}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json, expected, "next={next}");
    }
}

#[tokio::test]
async fn the_profile_page_offers_the_password_change_to_a_signed_in_identity() {
    let app = TestApp::new().await;
    let dba = app.sign_in("dba@lumen").await;
    let (status, html) = app.get(Some(&dba), "/profile").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Change password") && html.contains("Current password"), "{html}");
    assert!(html.contains("dba@lumen") && html.contains("RAM user") && html.contains("Lumen Retail"), "{html}");
    // The old Security page's address leads there.
    let (status, _) = app.get(Some(&dba), "/security").await;
    assert!(status.is_redirection(), "{status}");
}

#[tokio::test]
async fn the_operator_creates_an_account_in_the_console_and_only_the_operator_may() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "create_account", "login_name=newco&display_name=New+Co&site=aliyun.com").await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "Forbidden.NotOperator"));

    let operator = app.sign_in("operator").await;
    let r = app
        .form(Some(&operator), "create_account", "login_name=newco&display_name=New+Co&site=aliyun.com&beta=on")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let password = r.json["password"].as_str().unwrap().to_owned();
    let account_id = r.json["account_id"].as_str().unwrap().to_owned();
    assert_eq!(app.count(&format!("select beta_enabled from account where account_id = '{account_id}'")).await, 1);
    let signed_in = app.form(None, "sign_in", &sign_in_body("newco", &password)).await;
    assert_eq!(signed_in.status, StatusCode::OK);
    let r = app.form(Some(&operator), "create_account", "login_name=newco&display_name=Again&site=aliyun.com").await;
    assert_eq!(r.refusal(), (409, "EntityAlreadyExists.User"));
    let trail = app.form(Some(&operator), "audit_trail", "action=CreateAccount").await;
    assert_eq!(trail.json["items"].as_array().map(Vec::len), Some(2), "{:?}", trail.json);
}

#[tokio::test]
async fn a_sign_in_after_failures_says_how_many_in_words_a_reader_expects() {
    let app = TestApp::new().await;
    let details = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("select detail from audit_event where action = 'SignIn' and outcome = 'Success' order by audit_event_id")
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", "wrong-password")).await;
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.status,
        StatusCode::OK
    );
    for _ in 0..2 {
        app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", "wrong-password")).await;
    }
    assert_eq!(
        app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.status,
        StatusCode::OK
    );
    let said = details(&app).await;
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[0].starts_with("after 1 failed attempt, the first 2 minutes earlier"), "{said:?}");
    assert!(said[1].starts_with("after 2 failed attempts, "), "{said:?}");
}

/// A RAM user's sign-in name is `name@alias`, the alias its account's own (Alibaba Cloud's
/// `name@alias.onaliyun.com`): creating one can collide only with a user of the same account, so a root
/// learns nothing by it about other accounts' users or the operator. Root and operator names have no '@'.
#[tokio::test]
async fn a_ram_users_name_is_unique_within_its_account_and_tells_nothing_of_other_accounts() {
    let app = TestApp::new().await;
    let partner = app.sign_in("partner").await;
    let identities = app.count("select count(*) from identity").await;
    // Lumen's dba@lumen exists and nosuch@lumen doesn't: another account is answered the same for both.
    let existing = app.form(Some(&partner), "create_ram_user", "login_name=dba@lumen&password=Harbor-Ops-2026").await;
    let unknown = app.form(Some(&partner), "create_ram_user", "login_name=nosuch@lumen&password=Harbor-Ops-2026").await;
    assert_eq!(existing.refusal(), (422, "InvalidParameter.UserName"), "{:?}", existing.json);
    assert_eq!(
        (existing.status, &existing.json),
        (unknown.status, &unknown.json),
        "the same answer whether it exists or not"
    );
    assert!(existing.json["message"].as_str().unwrap().contains("@harbor"), "{:?}", existing.json);
    assert_eq!(app.count("select count(*) from identity").await, identities);

    // The bare names of another account's user and of the operator are the partner's own to use.
    for name in ["dba", "operator"] {
        let r =
            app.form(Some(&partner), "create_ram_user", &format!("login_name={name}&password=Harbor-Ops-2026")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {:?}", r.json);
        let signed_in = app.form(None, "sign_in", &sign_in_body(&format!("{name}@harbor"), "Harbor-Ops-2026")).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{name}@harbor signs in");
    }
    assert_eq!(
        app.form(None, "sign_in", &sign_in_body("dba@lumen", DEMO_PASSWORD)).await.status,
        StatusCode::OK,
        "Lumen's dba is untouched"
    );
    assert_eq!(
        app.form(None, "sign_in", &sign_in_body("operator", DEMO_PASSWORD)).await.status,
        StatusCode::OK,
        "the operator too"
    );

    // Within its own account a name is taken once, written with or without the ending.
    let owner = app.sign_in("owner").await;
    for name in ["dba", "dba@lumen"] {
        let r = app.form(Some(&owner), "create_ram_user", &format!("login_name={name}&password=Lumen-Ops-2026")).await;
        assert_eq!(r.refusal(), (409, "EntityAlreadyExists.User"), "{name}: {:?}", r.json);
    }

    // No root name takes a RAM user's form.
    let operator = app.sign_in("operator").await;
    let r = app
        .form(Some(&operator), "create_account", "login_name=boss@lumen&display_name=Squatter&site=aliyun.com")
        .await;
    assert_eq!(r.refusal(), (422, "InvalidParameter.UserName"), "{:?}", r.json);
}

/// Inserts a sign-in name as one made before the alias rule could be (any ending), with the demo
/// password's hash.
async fn insert_login_made_before_the_alias_rule(app: &TestApp, account: &str, login: &str, kind: &str) {
    sqlx::query(
        "insert into identity (account_id, login_name, kind, password_hash, created_at)
         select ?, ?, ?, password_hash, created_at from identity where login_name = 'dba@lumen'",
    )
    .bind(account)
    .bind(login)
    .bind(kind)
    .execute(&app.pool)
    .await
    .unwrap();
    // Written past the writer, as `TestApp::exec` does: cached pages must hear of it.
    app.state.writer.note_outside_change();
}

/// A sign-in name made before the alias rule that ends with another account's alias (here the
/// outsider's `ghost@harbor`) gave that account's root a probe: creating `ghost` answered 409, so the
/// name existed somewhere. The migration gives such an account a free alias, so creating any name tells
/// nothing of other accounts, and the old name still signs in as its own account's user.
#[tokio::test]
async fn an_account_whose_alias_an_older_name_of_another_account_ends_with_gets_a_free_one() {
    let app = TestApp::new().await;
    insert_login_made_before_the_alias_rule(&app, OUTSIDER, "ghost@harbor", "ram_user").await;
    // The same name as a new account's id would be: the free-id check sees it.
    insert_login_made_before_the_alias_rule(&app, OUTSIDER, "squat@1000000000000099", "ram_user").await;
    // As on a database made before the alias rule, when the migration runs.
    sqlx::raw_sql(include_str!("../../migrations/20261128080000_free_login_alias.sql"))
        .execute(&app.pool)
        .await
        .unwrap();
    app.state.writer.note_outside_change();

    let aliases: Vec<(String, String)> =
        sqlx::query_as("select account_id, login_alias from account where account_id in (?, ?) order by 1")
            .bind(PARTNER)
            .bind(OUTSIDER)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(aliases, vec![(PARTNER.to_owned(), PARTNER.to_owned()), (OUTSIDER.to_owned(), "orbit".to_owned())]);
    let partner = app.sign_in("partner").await;
    assert_eq!(app.form(Some(&partner), "current_viewer", "").await.json["ram_login_alias"], json!(PARTNER));
    for name in ["ghost", "nosuch"] {
        let r =
            app.form(Some(&partner), "create_ram_user", &format!("login_name={name}&password=Harbor-Ops-2026")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: the same answer as for a name nobody has: {:?}", r.json);
    }
    let app = &app;
    let account_of = |r: Response| async move {
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        app.form(Some(&cookie_of(&r)), "current_viewer", "").await.json["account_id"].clone()
    };
    let old = app.form(None, "sign_in", &sign_in_body("ghost@harbor", DEMO_PASSWORD)).await;
    assert_eq!(account_of(old).await, json!(OUTSIDER), "the old name signs in as before, as its own account's user");
    let new = app.form(None, "sign_in", &sign_in_body(&format!("ghost@{PARTNER}"), "Harbor-Ops-2026")).await;
    assert_eq!(account_of(new).await, json!(PARTNER));

    // A new account never gets an id that an older name ends with.
    let mut tx = app.state.writer.begin_unaudited().await.unwrap();
    assert!(!polarshare::server::db::accounts::alias_free(&mut tx, "1000000000000099").await.unwrap());
    assert!(!polarshare::server::db::accounts::alias_free(&mut tx, "orbit").await.unwrap());
    assert!(polarshare::server::db::accounts::alias_free(&mut tx, "1000000000000098").await.unwrap());
}

/// The alias migration on a database made before it: an account whose RAM users share an ending of
/// their own keeps it, one with none (or with mixed endings, or an ending another account's user has)
/// gets its id, so every existing sign-in name stays as it is and aliases stay unique.
#[tokio::test]
async fn existing_accounts_get_their_ram_users_ending_as_alias_when_it_is_theirs_alone() {
    use sqlx::migrate::Migrator;
    use std::borrow::Cow;
    let all = sqlx::migrate!("./migrations");
    let before = |newer: bool| Migrator {
        migrations: Cow::Owned(
            all.migrations.iter().filter(|m| (m.version >= 20261128030000) == newer).cloned().collect(),
        ),
        ignore_missing: true,
        ..Migrator::DEFAULT
    };
    let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
    before(false).run(&pool).await.unwrap();
    let accounts = [
        ("1000000000000001", "lumen"),
        ("1000000000000002", "mixed"),
        ("1000000000000003", "none"),
        ("1000000000000004", "shared"),
        ("1000000000000005", "shared2"),
    ];
    for (id, _) in accounts {
        sqlx::query("insert into account (account_id, display_name, site, beta_enabled, share_quota, created_at) values (?, 'A', 'aliyun.com', 1, 1000, 't')")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
    }
    for (account, login, kind) in [
        ("1000000000000001", "root1", "root"),
        ("1000000000000001", "dba@lumen", "ram_user"),
        ("1000000000000001", "ops@lumen", "ram_user"),
        ("1000000000000002", "a@one", "ram_user"),
        ("1000000000000002", "b@two", "ram_user"),
        ("1000000000000004", "x@same", "ram_user"),
        ("1000000000000005", "y@same", "ram_user"),
    ] {
        sqlx::query(
            "insert into identity (account_id, login_name, kind, password_hash, created_at) values (?, ?, ?, 'h', 't')",
        )
        .bind(account)
        .bind(login)
        .bind(kind)
        .execute(&pool)
        .await
        .unwrap();
    }
    before(true).run(&pool).await.unwrap();
    let aliases: Vec<(String, String)> =
        sqlx::query_as("select account_id, login_alias from account order by account_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected: Vec<(String, String)> = [
        ("1000000000000001", "lumen"),
        ("1000000000000002", "1000000000000002"),
        ("1000000000000003", "1000000000000003"),
        ("1000000000000004", "1000000000000004"),
        ("1000000000000005", "1000000000000005"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(aliases, expected);
}

/// A RAM user's sign-in name is `name@alias`, at most 64 characters: the name alone may have what the
/// alias leaves, the server refuses more with its own code, and the RAM page's name box allows exactly
/// that many (the page is rendered with the account's own limit, before any script runs).
#[tokio::test]
async fn a_ram_users_name_may_have_what_its_accounts_alias_leaves_of_64_characters_and_the_name_box_allows_exactly_that(
) {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let identities = app.count("select count(*) from identity").await;
    for too_long in ["b".repeat(59), format!("{}@lumen", "b".repeat(59))] {
        let r =
            app.form(Some(&owner), "create_ram_user", &format!("login_name={too_long}&password=Lumen-Ops-2026")).await;
        assert_eq!(r.refusal(), (422, "InvalidParameter.UserName.Length"), "{:?}", r.json);
        assert_eq!(
            r.json["message"],
            json!("The user name is 59 characters long; with @lumen added to it, it can be at most 58.")
        );
    }
    assert_eq!(app.count("select count(*) from identity").await, identities, "nothing made");
    let longest = "a".repeat(58);
    let r = app.form(Some(&owner), "create_ram_user", &format!("login_name={longest}&password=Lumen-Ops-2026")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        app.form(None, "sign_in", &sign_in_body(&format!("{longest}@lumen"), "Lumen-Ops-2026")).await.status,
        StatusCode::OK
    );

    // The box: 58 for lumen, 57 for harbor; the viewer carries it to roots only.
    for (login, alias, max) in [("owner", "lumen", 58), ("partner", "harbor", 57)] {
        let cookie = app.sign_in(login).await;
        let (status, html) = app.get(Some(&cookie), "/ram").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!(r#"name="login_name" maxlength="{max}""#)), "{login}: {html}");
        let viewer = app.form(Some(&cookie), "current_viewer", "").await;
        assert_eq!(viewer.json["ram_login_alias"], json!(alias), "{login}");
    }
    let dba = app.sign_in("dba@lumen").await;
    assert_eq!(
        app.form(Some(&dba), "current_viewer", "").await.json["ram_login_alias"],
        json!(null),
        "a RAM user is told no alias"
    );
}

/// Sign-in names made before the alias rule stay as they are: a RAM user whose name ends with another
/// account's alias, and a root whose name has an '@' of an alias. Each signs in as itself and acts for
/// its own account only; the account its name imitates can neither see nor manage it, and sees none of
/// its data.
#[tokio::test]
async fn a_login_made_before_the_alias_rule_is_always_its_own_accounts_identity_whatever_its_name_says() {
    let app = TestApp::new().await;
    // A RAM user of the outsider named as the partner's (harbor's) would be, holding both policies; a
    // new account whose root is named as a lumen RAM user. Both with the demo password's hash.
    insert_login_made_before_the_alias_rule(&app, OUTSIDER, "ghost@harbor", "ram_user").await;
    app.exec(
        "insert into identity_policy (identity_id, policy_name) select identity_id, p.value from identity,
         json_each('[\"AliyunPolardbFullAccess\",\"AliyunResourceCenterFullAccess\"]') p where login_name = 'ghost@harbor'",
    )
    .await;
    app.exec(
        "insert into account (account_id, display_name, site, beta_enabled, share_quota, created_at, login_alias)
         values ('1000000000000042', 'Legacy', 'aliyun.com', 1, 1000, '2026-11-01T00:00:00Z', '1000000000000042')",
    )
    .await;
    insert_login_made_before_the_alias_rule(&app, "1000000000000042", "chief@lumen", "root").await;

    // Each signs in as its own account's identity.
    let ghost = app.sign_in("ghost@harbor").await;
    let viewer = app.form(Some(&ghost), "current_viewer", "").await.json;
    assert_eq!(
        (&viewer["account_id"], &viewer["is_root"], &viewer["ram_login_alias"]),
        (&json!(OUTSIDER), &json!(false), &json!(null)),
        "{viewer}"
    );
    let chief = app.sign_in("chief@lumen").await;
    let viewer = app.form(Some(&chief), "current_viewer", "").await.json;
    assert_eq!(
        (&viewer["account_id"], &viewer["is_root"], &viewer["ram_login_alias"]),
        (&json!("1000000000000042"), &json!(true), &json!("1000000000000042")),
        "{viewer}"
    );

    // What they see is their own account's, never the account their name imitates.
    let (outsider, partner, owner) =
        (app.sign_in("outsider").await, app.sign_in("partner").await, app.sign_in("owner").await);
    for list in ["list_clusters", "list_shared_with_me"] {
        let as_ghost = app.form(Some(&ghost), list, "").await;
        assert_eq!(as_ghost.status, StatusCode::OK, "{list}: {:?}", as_ghost.json);
        assert_eq!(as_ghost.json, app.form(Some(&outsider), list, "").await.json, "{list}: the outsider's own");
    }
    let ghost_clusters = app.form(Some(&ghost), "list_clusters", "").await.json.to_string();
    assert!(!ghost_clusters.contains("pc-bp1harbor00001"), "none of the partner's clusters: {ghost_clusters}");
    let clusters = app.form(Some(&chief), "list_clusters", "").await;
    assert_eq!(clusters.status, StatusCode::OK, "{:?}", clusters.json);
    assert!(!clusters.json.to_string().contains("pc-bp1orders0001"), "none of lumen's clusters: {}", clusters.json);

    // The account a name imitates does not list it and can't manage it: not found, nothing changed.
    let listed = |r: &Response, login: &str| r.json.to_string().contains(&format!("\"{login}\""));
    assert!(listed(&app.form(Some(&outsider), "list_ram_users", "").await, "ghost@harbor"));
    assert!(!listed(&app.form(Some(&partner), "list_ram_users", "").await, "ghost@harbor"));
    assert!(!listed(&app.form(Some(&owner), "list_ram_users", "").await, "chief@lumen"));
    let identities = app.count("select count(*) from identity").await;
    for (cookie, login) in [(&partner, "ghost@harbor"), (&owner, "chief@lumen")] {
        for (action, body) in [
            ("delete_ram_user", format!("login_name={login}")),
            ("set_ram_password", format!("login_name={login}&password=Taken-Over-2026")),
            ("set_ram_policy", format!("login_name={login}&policy=AliyunPolardbFullAccess&attached=false")),
            ("create_access_key", format!("login_name={login}")),
        ] {
            let r = app.form(Some(cookie), action, &body).await;
            assert!(r.status.is_client_error(), "{action} {login}: {:?}", r.json);
            assert!(!r.code().is_empty(), "{action} {login}: {:?}", r.json);
        }
    }
    assert_eq!(app.count("select count(*) from identity").await, identities);
    assert_eq!(app.count("select count(*) from access_key").await, 0);
    assert_eq!(app.count("select count(*) from identity_policy p join identity i using (identity_id) where i.login_name = 'ghost@harbor'").await, 2);
    assert_eq!(
        app.form(None, "sign_in", &sign_in_body("ghost@harbor", DEMO_PASSWORD)).await.status,
        StatusCode::OK,
        "its password unchanged"
    );
    assert_eq!(app.form(None, "sign_in", &sign_in_body("chief@lumen", DEMO_PASSWORD)).await.status, StatusCode::OK);

    // Its own account manages it as before, by its old name.
    let r = app
        .form(
            Some(&outsider),
            "set_ram_policy",
            "login_name=ghost@harbor&policy=AliyunPolardbFullAccess&attached=false",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

/// The known-device cookie a sign-in set (`name=value`), checked for its flags.
fn known_device_of(r: &Response, name: &str) -> String {
    let set = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {:?}", r.set_cookies));
    assert!(
        set.contains("; HttpOnly")
            && set.contains("; SameSite=Strict")
            && set.contains("; Path=/")
            && set.contains("; Max-Age=2592000"),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

/// Someone failing on purpose locks a name for 15 minutes; a browser that signed that name in before
/// (its known-device cookie) still signs in with the right password, and is counted on its own. The
/// cookie is no key: it helps only the name it was given for, never without the password, and not
/// after a month.
#[tokio::test]
async fn a_name_locked_out_by_a_stranger_still_signs_in_from_a_browser_that_signed_it_in_before() {
    let app = TestApp::new().await;
    let first = app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(first.status, StatusCode::OK);
    let device = known_device_of(&first, "polarshare_device");
    let partners = known_device_of(
        &app.form_from(peer(2), None, "sign_in", &sign_in_body("partner", DEMO_PASSWORD)).await,
        "polarshare_device",
    );
    assert_eq!(app.count("select count(*) from known_device").await, 2);

    let (locked, _) = fail_until_locked(&app, "owner", peer(66)).await;
    assert_eq!(locked.refusal(), (429, "Throttling.SignIn"));
    let right = sign_in_body("owner", DEMO_PASSWORD);
    assert_eq!(
        app.form_from(peer(1), None, "sign_in", &right).await.refusal(),
        (429, "Throttling.SignIn"),
        "no cookie: locked"
    );
    assert_eq!(
        app.form_from(peer(1), Some(&partners), "sign_in", &right).await.refusal(),
        (429, "Throttling.SignIn"),
        "another name's cookie"
    );
    let forged = format!("polarshare_device={}", "ab".repeat(32));
    assert_eq!(
        app.form_from(peer(1), Some(&forged), "sign_in", &right).await.refusal(),
        (429, "Throttling.SignIn"),
        "a made-up cookie"
    );
    let wrong = app.form_from(peer(66), Some(&device), "sign_in", &sign_in_body("owner", "Wrong-Pass-0000")).await;
    assert_eq!(wrong.refusal(), (401, "InvalidCredentials"), "the cookie is no password");
    let r = app.form_from(peer(66), Some(&device), "sign_in", &right).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert!(!r.set_cookies.iter().any(|c| c.starts_with("polarshare_device=")), "a known browser keeps its cookie");
    assert_eq!(app.count("select count(*) from known_device").await, 2);
    assert_eq!(
        app.form_from(peer(3), None, "sign_in", &right).await.refusal(),
        (429, "Throttling.SignIn"),
        "the name stays locked for others"
    );

    app.clock.advance(Duration::days(30));
    let (_, _) = fail_until_locked(&app, "owner", peer(67)).await;
    assert_eq!(
        app.form_from(peer(1), Some(&device), "sign_in", &right).await.refusal(),
        (429, "Throttling.SignIn"),
        "a month later it is forgotten"
    );
}

/// A known browser's own failures are counted as a name's are (slowed down after five); the tenth ends
/// its trust (its row goes, the trail says so), and from then on it signs in as any other browser,
/// through the name's and the address's counts, which its own failures did not touch.
#[tokio::test]
async fn a_known_browsers_own_failures_end_its_trust() {
    let app = TestApp::new().await;
    let device = known_device_of(
        &app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await,
        "polarshare_device",
    );
    let mut failures = 0;
    while failures < 10 {
        let r = app.form_from(peer(1), Some(&device), "sign_in", &sign_in_body("owner", "Wrong-Pass-0000")).await;
        match r.refusal() {
            (401, "InvalidCredentials") => failures += 1,
            (429, "Throttling.SignIn") => {
                app.clock.advance(Duration::seconds(r.retry_after.as_deref().unwrap().parse().unwrap()))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            app.count("select count(*) from known_device").await,
            i64::from(failures < 10),
            "after failure {failures}"
        );
    }
    let trail = app
        .count("select count(*) from audit_event where action = 'SignInLocked' and detail like '%no longer trusted%'")
        .await;
    assert_eq!(trail, 1);
    // Neither the name nor the address was counted: the next failure is the name's first.
    let r = app.form_from(peer(1), Some(&device), "sign_in", &sign_in_body("owner", "Wrong-Pass-0000")).await;
    assert_eq!(r.refusal(), (401, "InvalidCredentials"));
    assert_eq!(
        app.form_from(peer(1), None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.status,
        StatusCode::OK
    );
    fail_until_locked(&app, "owner", peer(9)).await;
    let r = app.form_from(peer(1), Some(&device), "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    assert_eq!(r.refusal(), (429, "Throttling.SignIn"), "the ended cookie is a stranger's now");
}

/// Sign-ins flooding in from many addresses (each a name of its own, so no throttle stops them) keep
/// the password checks' queue full, answered 503; a browser that signed its name in before is checked
/// on a lane of its own, so every one of its sign-ins meanwhile is answered.
#[tokio::test]
async fn a_flood_of_sign_ins_from_many_addresses_leaves_a_known_browser_its_way_in() {
    let app = TestApp::new().await;
    let device = known_device_of(
        &app.form_from(peer(1), None, "sign_in", &sign_in_body("partner", DEMO_PASSWORD)).await,
        "polarshare_device",
    );
    let (app, next) = (&app, std::sync::atomic::AtomicU32::new(0));
    let flood = || {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let from = SocketAddr::from(([10, (n >> 16) as u8, (n >> 8) as u8, n as u8], 5000));
        async move { app.form_from(from, None, "sign_in", &sign_in_body(&format!("flood{n}"), "Wrong-Pass-0000")).await }
    };
    let sign_in = || async {
        app.form_from(peer(1), Some(&device), "sign_in", &sign_in_body("partner", DEMO_PASSWORD)).await.status
    };
    let (answers, _) = answered_during_a_flood(flood, StatusCode::UNAUTHORIZED, 5, sign_in).await;
    assert_eq!(answers, vec![StatusCode::OK; 5], "every sign-in from the known browser was answered during the flood");
}

#[tokio::test]
async fn over_https_the_known_device_cookie_is_host_only_and_secure() {
    let app = TestApp::with_settings(Settings { secure_cookies: true, ..Default::default() }).await;
    let r = app.form(None, "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await;
    let device = known_device_of(&r, "__Host-polarshare_device");
    let set = r.set_cookies.iter().find(|c| c.starts_with("__Host-polarshare_device=")).unwrap();
    assert!(set.contains("; Secure") && !set.contains("Domain"), "{set}");
    // Under the plain name (planted by a sibling site) it is not read.
    let planted = device.replacen("__Host-", "", 1);
    let (_, _) = fail_until_locked(&app, "owner", peer(66)).await;
    assert_eq!(
        app.form(Some(&planted), "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.refusal(),
        (429, "Throttling.SignIn")
    );
    assert_eq!(app.form(Some(&device), "sign_in", &sign_in_body("owner", DEMO_PASSWORD)).await.status, StatusCode::OK);
}
