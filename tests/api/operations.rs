//! The server binary as an operator runs it: one server per database file (a second is refused while
//! the subcommands still run beside the first), and every setting given a value that can't be used ends
//! the start with one clear line and exit code 2, before anything listens or is written.

use crate::restart::{open_db, Server};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a start of the binary ended.
#[derive(Debug)]
struct Ended {
    /// The exit code; `None` if it was still running (and listening) when the test gave up on it.
    code: Option<i32>,
    stderr: String,
}

impl Ended {
    /// The start was refused with clap's usage code (2) and one line (clap's `error: `, or
    /// `polarshare: ` and the cause) holding `words`, with no panic.
    fn assert_refused(&self, case: &str, words: &str) {
        assert_eq!(self.code, Some(2), "{case}: exit code (None: it started serving) {self:?}");
        let said = self.stderr.lines().find(|l| l.starts_with("error: ") || l.starts_with("polarshare: "));
        assert!(
            said.is_some_and(|l| l.contains(words)),
            "{case}: one line names the mistake ({words:?}): {:?}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{case}: {:?}", self.stderr);
    }
}

fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("127.0.0.1:{port}")
}

/// Runs the binary with `args` and `env` (besides the site's) and a free `--listen` address until it
/// exits; one that starts listening there (or is still running after 60 s) is killed and answered
/// `code: None`.
async fn run(args: &[&str], env: &[(&str, &str)]) -> Ended {
    let addr = free_addr();
    run_listening(&[&["--listen", &addr], args].concat(), env, Some(&addr)).await
}

/// As [`run`], with the address (if any) in `args` or `env` as the case sets it; `listen` is watched.
async fn run_listening(args: &[&str], env: &[(&str, &str)], listen: Option<&str>) -> Ended {
    let mut child = Command::new(env!("CARGO_BIN_EXE_polarshare"))
        .args(args)
        .env("LEPTOS_OUTPUT_NAME", "polarshare")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        let listening = match listen {
            Some(addr) => tokio::net::TcpStream::connect(addr).await.is_ok(),
            None => false,
        };
        if listening || started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kill");
            child.wait().expect("wait");
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    Ended { code, stderr }
}

/// A second server on a file a server is serving would answer from its own memory what the first had
/// ended (a key disabled, a session signed out: up to `read_model::MAX_AGE` late), keep its own
/// sign-in throttle (twice the guesses) and run the schedule again. It is refused at start, through
/// any path to the file, before it does anything else; the subcommands still work beside the server; once
/// the server is gone (even killed) the file serves again.
#[tokio::test]
async fn a_second_server_on_the_same_database_is_refused_and_the_subcommands_run_beside_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("polarshare.db");
    let first = Server::start(&db).await;

    let second = run(&["--database", db.to_str().unwrap(), "--demo-data", "true"], &[]).await;
    second.assert_refused("a second server", "another polarshare server is serving");
    let link = dir.path().join("another-name.db");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let through_link = run(&["--database", link.to_str().unwrap()], &[]).await;
    through_link.assert_refused("a second server through a link", "another polarshare server is serving");
    for refused in [&second, &through_link] {
        assert_eq!(refused.stderr.lines().count(), 1, "the refusal alone, nothing started: {:?}", refused.stderr);
    }

    let cli = Command::new(env!("CARGO_BIN_EXE_polarshare"))
        .args(["--database", db.to_str().unwrap(), "access-key", "create", "--login", "dba@lumen"])
        .output()
        .expect("run a subcommand");
    assert!(cli.status.success(), "a subcommand beside the server: {}", String::from_utf8_lossy(&cli.stderr));
    let key: serde_json::Value = serde_json::from_slice(&cli.stdout).expect("the new pair");
    assert_eq!(key["LoginName"], "dba@lumen");
    // The first server still serves, and the pair the subcommand made is in its file.
    first.sign_in("owner").await;
    let pool = open_db(&db).await;
    let made: i64 = sqlx::query_scalar("select count(*) from access_key where access_key_id = ?")
        .bind(key["AccessKeyId"].as_str())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(made, 1);
    pool.close().await;

    // SIGKILL: the kernel drops the lock with the process.
    first.kill();
    let again = Server::start(&db).await;
    again.sign_in("owner").await;
    again.kill();
}

/// Every class of mistake in a setting, by flag or by environment variable: a value of the wrong type,
/// out of its range (negative, zero, huge: a huge delay or clock offset made every scheduled tick and
/// many writes panic on a time past year 9999, a huge free count overflowed), empty, or values that
/// disagree. Each is refused before anything is opened, with clap's usage code and the flag named.
#[tokio::test]
async fn a_setting_with_a_value_that_cant_be_used_is_refused_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("settings.db");
    let db = db.to_str().unwrap();
    let cases: &[(&str, &[&str], &[(&str, &str)], &str)] = &[
        ("a delay that is not a number", &["--revocation-delay-secs", "ten"], &[], "--revocation-delay-secs"),
        ("a negative delay", &["--revocation-delay-secs", "-5"], &[], "--revocation-delay-secs"),
        ("a huge delay", &["--revocation-delay-secs", "9223372036854775807"], &[], "--revocation-delay-secs"),
        (
            "a huge delay by environment",
            &[],
            &[("POLARSHARE_REVOCATION_DELAY_SECS", "99999999999")],
            "--revocation-delay-secs",
        ),
        ("an empty delay by environment", &[], &[("POLARSHARE_REVOCATION_DELAY_SECS", "")], "--revocation-delay-secs"),
        ("a restore of no time", &["--restore-secs", "0"], &[], "--restore-secs"),
        ("a negative restore time", &["--restore-secs", "-1"], &[], "--restore-secs"),
        ("a huge restore time", &["--restore-secs", "9223372036854775807"], &[], "--restore-secs"),
        ("a huge clock offset", &["--clock-offset-secs", "9223372036854775807"], &[], "--clock-offset-secs"),
        ("a huge negative clock offset", &["--clock-offset-secs", "-9223372036854775808"], &[], "--clock-offset-secs"),
        (
            "database connections that are not a number",
            &[],
            &[("POLARSHARE_DB_CONNECTIONS", "many")],
            "--db-connections",
        ),
        ("no database connections", &[], &[("POLARSHARE_DB_CONNECTIONS", "0")], "--db-connections"),
        ("a huge free sign-in count", &["--sign-in-address-free", "4294967295"], &[], "--sign-in-address-lock"),
        (
            "a lock below the free failures",
            &["--sign-in-address-free", "50", "--sign-in-address-lock", "20"],
            &[],
            "--sign-in-address-lock",
        ),
        ("a negative invitation limit", &["--max-pending-invitations", "-1"], &[], "--max-pending-invitations"),
        ("no connections at all", &["--max-connections", "0"], &[], "--max-connections"),
        ("a flag that is not a boolean", &["--demo-data", "maybe"], &[], "--demo-data"),
        (
            "a boolean by environment that is not one",
            &[],
            &[("POLARSHARE_SECURE_COOKIES", "yes please")],
            "--secure-cookies",
        ),
        ("an address that is not one", &["--listen", "localhost"], &[], "--listen"),
        ("an empty address by environment", &[], &[("POLARSHARE_LISTEN", "")], "--listen"),
        ("an empty database path", &[], &[("POLARSHARE_DB", "")], "--database"),
        ("a public origin with a path", &["--public-origin", "https://console.example/x"], &[], "--public-origin"),
        ("a proxy that is not an address", &["--trusted-proxies", "10.0.0.0/99"], &[], "--trusted-proxies"),
    ];
    for (case, args, env, flag) in cases {
        // A flag would win over the environment variable the case sets.
        let sets = |name: &str| env.iter().any(|(set, _)| *set == name);
        let all = if sets("POLARSHARE_DB") { args.to_vec() } else { [&["--database", db], *args].concat() };
        let ended = if sets("POLARSHARE_LISTEN") { run_listening(&all, env, None).await } else { run(&all, env).await };
        ended.assert_refused(case, flag);
    }
    assert!(!Path::new(db).exists(), "no refused start made the database file");
}

/// The database file itself is the mistake: a directory that can't be made, a place where no file can
/// be made, a directory where the file should be, a file that is not SQLite (left as it was), a database
/// migrated by a newer polarshare, and an address another process listens on. Each ends the start with
/// one line naming the file or address and exit code 2; none leaves a server half started.
#[tokio::test]
async fn a_database_or_address_that_cant_be_used_ends_the_start_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let under_file = file.join("polarshare.db");
    run(&["--database", under_file.to_str().unwrap()], &[])
        .await
        .assert_refused("a directory under a file", "cannot create the database's directory");
    // /proc takes no new files, whoever asks (root included).
    run(&["--database", "/proc/polarshare.db"], &[])
        .await
        .assert_refused("a place where no file can be made", "database /proc/polarshare.db: No such file");
    let a_dir = dir.path().join("a-dir.db");
    std::fs::create_dir(&a_dir).unwrap();
    run(&["--database", a_dir.to_str().unwrap()], &[]).await.assert_refused("a directory as the database", "a-dir.db");

    let text = dir.path().join("notes.db");
    std::fs::write(&text, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&text).unwrap();
    run(&["--database", text.to_str().unwrap()], &[])
        .await
        .assert_refused("a file that is not SQLite", "notes.db is not a database");
    assert_eq!(std::fs::read(&text).unwrap(), before, "the file that is not SQLite is left as it was");

    let newer = dir.path().join("newer.db");
    let database = polarshare::server::db::connect(newer.to_str().unwrap()).await.unwrap();
    sqlx::query("insert into _sqlx_migrations (version, description, success, checksum, execution_time) values (99990101000000, 'from a newer polarshare', 1, x'00', 0)")
        .execute(&database.pool)
        .await
        .unwrap();
    database.pool.close().await;
    database.writer.close().await;
    run(&["--database", newer.to_str().unwrap()], &[])
        .await
        .assert_refused("a database of a newer version", "migrated by a newer polarshare");
    let subcommand = Command::new(env!("CARGO_BIN_EXE_polarshare"))
        .args(["--database", newer.to_str().unwrap(), "create-operator", "--login", "ops"])
        .output()
        .unwrap();
    assert_eq!(
        subcommand.status.code(),
        Some(2),
        "a subcommand on a newer database: {}",
        String::from_utf8_lossy(&subcommand.stderr)
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap().to_string();
    let fresh = dir.path().join("fresh.db");
    let ended = run_listening(&["--database", fresh.to_str().unwrap(), "--listen", &taken_addr], &[], None).await;
    ended.assert_refused("an address in use", &format!("cannot listen on {taken_addr}"));
    // Nothing was migrated on the way: the address was tried first.
    let pool = open_db(&fresh).await;
    let tables: i64 = sqlx::query_scalar("select count(*) from sqlite_master").fetch_one(&pool).await.unwrap();
    assert_eq!(tables, 0, "the refused start migrated nothing");
    pool.close().await;
}

/// The path given is the file's name as it is: `%`, `?` and `#` in it are not read as a URL's (which
/// opened another file than the private one made for it, readable by other users, or a database in
/// memory, each connection its own).
#[tokio::test]
async fn a_database_path_is_the_files_name_as_it_is() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd%41name?mode=memory");
    let database = polarshare::server::db::connect(path.to_str().unwrap()).await.expect("a database at an odd path");
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&database.pool)
        .await
        .expect("the migrated schema, read back");
    assert_eq!(accounts, 0);
    database.pool.close().await;
    database.writer.close().await;
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    for name in &names {
        assert!(name.starts_with("odd%41name?mode=memory"), "only the named file (and its -wal, -shm): {names:?}");
        let mode = std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is its owner's alone");
    }
    let pool = open_db(&path).await;
    let tables: i64 =
        sqlx::query_scalar("select count(*) from sqlite_master where name = 'account'").fetch_one(&pool).await.unwrap();
    assert_eq!(tables, 1, "the schema is in the file named");
    pool.close().await;
}

/// `backup --to FILE` beside a running server: the copy is made while the server serves, is its owner's
/// alone, holds what the server had answered, and a server started on it serves it. A file that exists
/// already is refused and left as it was.
#[tokio::test]
async fn a_backup_taken_while_the_server_runs_serves_again_from_the_copy() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let server = Server::start(&db).await;
    let owner = server.sign_in("owner").await;
    let (status, _, key) =
        server.post("create_access_key", "application/x-www-form-urlencoded", "login_name=owner", &owner).await;
    assert_eq!(status, 200, "{key}");
    let made = key["access_key_id"].as_str().unwrap().to_owned();

    let copy = dir.path().join("copy.db");
    let backup = |to: &Path| {
        Command::new(env!("CARGO_BIN_EXE_polarshare"))
            .args(["--database", db.to_str().unwrap(), "backup", "--to", to.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let done = backup(&copy);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600, "the copy holds the secrets too");
    // A copy of every secret is in the platform's trail, as the command line's.
    let live = open_db(&db).await;
    let recorded: Vec<(String, String, String, String)> =
        sqlx::query_as("select account_id, identity, channel, target from audit_event where action = 'BackupDatabase'")
            .fetch_all(&live)
            .await
            .unwrap();
    live.close().await;
    let platform = polarshare::server::services::setup::PLATFORM_ACCOUNT.to_owned();
    let copied = copy.to_str().unwrap().to_owned();
    assert_eq!(recorded, vec![(platform, "(command line)".to_owned(), "cli".to_owned(), copied)]);
    // The server serves on while the copy is read.
    server.sign_in("partner").await;
    server.kill();

    let taken = dir.path().join("taken.db");
    std::fs::write(&taken, "mine").unwrap();
    let refused = backup(&taken);
    assert_eq!(refused.status.code(), Some(1), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("must be a new file"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(std::fs::read(&taken).unwrap(), b"mine");

    let pool = open_db(&copy).await;
    let check: String = sqlx::query_scalar("pragma integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(check, "ok");
    pool.close().await;
    let restored = Server::start(&copy).await;
    let (status, _, keys) = restored.post("list_access_keys", "application/x-www-form-urlencoded", "", &owner).await;
    assert_eq!(status, 200, "the session from before the copy signs in on it: {keys}");
    assert!(keys.to_string().contains(&made), "the pair made before the copy: {keys}");
    restored.kill();
}

/// A subcommand of a newer polarshare beside an older server would migrate the file under it. Shown
/// here with the server's file lacking its last migration (as an older version's file does): the
/// subcommand is refused with exit code 2 and changes nothing.
#[tokio::test]
async fn a_subcommand_does_not_migrate_the_file_under_an_older_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("older.db");
    let server = Server::start(&db).await;
    let pool = open_db(&db).await;
    let last: i64 = sqlx::query_scalar(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations) returning version",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_polarshare"))
        .args(["--database", db.to_str().unwrap(), "create-operator", "--login", "ops"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(said.contains("a server of an older polarshare is serving"), "{said}");
    let operators: i64 =
        sqlx::query_scalar("select count(*) from identity where login_name = 'ops'").fetch_one(&pool).await.unwrap();
    let migrated: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations where version = ?")
        .bind(last)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((operators, migrated), (0, 0), "the refused subcommand changed nothing");
    pool.close().await;
    server.kill();
}
