//! Crash safety with the real server binary: it is killed (SIGKILL, no shutdown, no checkpoint) right
//! after answering a share, and in the middle of a burst of a thousand concurrent shares; what it
//! answered "done" for is there when it starts again, with its audit event, the file is intact, and
//! revocations that fell due while it was down are applied. Stopped by SIGTERM in the middle of a load,
//! it exits 0 at once with every answer it gave committed whole.

use crate::helpers::{existing_share, new_share, MEMBER, OWNER, PARTNER, SHAREABLE_CLUSTER};
use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
}

impl Server {
    pub(crate) async fn start(db: &Path) -> Server {
        Self::start_with(db, &[]).await
    }

    pub(crate) async fn start_with(db: &Path, flags: &[&str]) -> Server {
        Self::start_in(db, flags, "target/site").await
    }

    /// The server with its site's files read from `site` (`LEPTOS_SITE_ROOT`).
    pub(crate) async fn start_in(db: &Path, flags: &[&str], site: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_polarshare"))
            .args(["--database", db.to_str().unwrap(), "--listen", &addr, "--demo-data", "true"])
            .args(flags)
            .env("LEPTOS_OUTPUT_NAME", "polarshare")
            .env("LEPTOS_SITE_ROOT", site)
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server binary");
        let started = Instant::now();
        while TcpStream::connect(&addr).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(120), "the server did not start listening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, addr }
    }

    /// SIGKILL: the process gets no chance to flush, checkpoint or close anything.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }

    /// SIGTERM, as a service manager stops it: the server must exit 0 once the answers under way are
    /// given (its drain allows 10 s), with nothing left to do.
    /// How long it took.
    pub(crate) async fn terminate(mut self) -> Duration {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "SIGTERM sent");
        let asked = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if asked.elapsed() > Duration::from_secs(30) {
                self.child.kill().expect("kill");
                self.child.wait().expect("wait");
                panic!("the server was still running 30 s after SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(status.success(), "the server's exit after SIGTERM: {status}");
        eprintln!("the server exited {:.1?} after SIGTERM", asked.elapsed());
        asked.elapsed()
    }

    /// POSTs to a server function; returns the status, the Set-Cookie value and the JSON body.
    pub(crate) async fn post(
        &self,
        function: &str,
        content_type: &str,
        body: &str,
        cookie: &str,
    ) -> (u16, String, Value) {
        try_post(&self.addr, function, content_type, body, cookie).await.expect("an HTTP answer")
    }

    pub(crate) async fn sign_in(&self, login: &str) -> String {
        let (status, cookie, _) = self
            .post(
                "sign_in",
                "application/x-www-form-urlencoded",
                &format!("login={login}&password={}", crate::helpers::DEMO_PASSWORD),
                "",
            )
            .await;
        assert_eq!(status, 200, "sign-in as {login}");
        cookie
    }

    async fn backup_sets(&self, cookie: &str) -> Vec<Value> {
        let (status, _, page) = self
            .post(
                "list_backup_sets",
                "application/x-www-form-urlencoded",
                &format!("cluster_id={SHAREABLE_CLUSTER}&page=1"),
                cookie,
            )
            .await;
        assert_eq!(status, 200);
        page["items"].as_array().unwrap().clone()
    }
}

/// A test that fails while its server runs must not leave the process behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs to a server function at `addr`; `None` when no complete answer came (the server was killed).
async fn try_post(
    addr: &str,
    function: &str,
    content_type: &str,
    body: &str,
    cookie: &str,
) -> Option<(u16, String, Value)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let request = format!(
        "POST /api/{function} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nAccept: application/json\r\n\
         Cookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok())?;
    let cookie = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap().to_owned())
        })
        .unwrap_or_default();
    Some((status, cookie, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// A connection of the test's own to the server's database file (alongside the server, or after it died).
pub(crate) async fn open_db(db: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new().filename(db).busy_timeout(Duration::from_secs(10));
    SqlitePool::connect_with(options).await.expect("open the database file")
}

/// `count` more backup sets on the shareable cluster, copies of its latest healthy one numbered
/// `<prefix>000000001` on, written beside the running server (SQLite's lock serialises the two writers),
/// and room in the owner's quota for them.
async fn add_backup_sets(pool: &SqlitePool, prefix: char, count: usize) {
    sqlx::query(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?2)
         insert into backup_set (backup_set_id, cluster_id, account_id, region_id, start_time, end_time, status, size_bytes,
                                 method, backup_mode, level, expires_at)
         select ?3 || printf('%09d', n.i), b.cluster_id, b.account_id, b.region_id, b.start_time, b.end_time, b.status,
                b.size_bytes, b.method, b.backup_mode, b.level, b.expires_at
         from n, (select * from backup_set where cluster_id = ?1 and status = 'Success' and lock_state = 'None'
                  and backup_set_id not like 'rp-%' order by expires_at desc limit 1) b",
    )
    .bind(SHAREABLE_CLUSTER)
    .bind(count as i64)
    .bind(prefix.to_string())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("update account set share_quota = 1024 where account_id = ?").bind(OWNER).execute(pool).await.unwrap();
}

async fn integrity(pool: &SqlitePool) -> String {
    sqlx::query_scalar("pragma integrity_check").fetch_one(pool).await.expect("integrity check")
}

/// The defect: the site's files were compressed on tokio's blocking pool, whose end the runtime waits
/// for, so a SIGTERM just after the start kept the server until the compression finished (the suite's
/// SIGTERM tests failed at 30 s when the release site was in `target/site`). Here a large file that
/// compresses slowly is still being compressed when the server is asked to stop.
#[tokio::test]
async fn a_sigterm_while_the_site_is_still_being_compressed_ends_the_server_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    // 16 MB of varied text: brotli's best quality takes far longer than the test waits on it.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let wasm: Vec<u8> = (0..16 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b' ' + (x % 64) as u8
        })
        .collect();
    std::fs::write(site.join("pkg/polarshare.wasm"), &wasm).unwrap();
    std::fs::write(site.join("pkg/polarshare.js"), "export default function () {}").unwrap();
    let server = Server::start_in(&dir.path().join("polarshare.db"), &[], site.to_str().unwrap()).await;
    let took = server.terminate().await;
    assert!(took < Duration::from_secs(10), "the server took {took:.1?} to stop after SIGTERM");
}

#[tokio::test]
async fn a_share_answered_before_a_kill_is_there_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("polarshare.db");

    let server = Server::start(&db).await;
    let owner = server.sign_in("owner").await;
    let sets = server.backup_sets(&owner).await;
    let set = sets
        .iter()
        .find(|s| s["share_blocked"].is_null() && s["principal_count"] == json!(0))
        .expect("a shareable set");
    let backup = set["backup_set_id"].as_str().unwrap().to_owned();
    let body = json!({ "request": { "backup_set_id": backup, "method": new_share("before-the-crash", "AllAccounts", &[PARTNER]) } });
    let (status, _, answer) = server.post("share_backup_set", "application/json", &body.to_string(), &owner).await;
    assert_eq!(status, 200, "{answer}");
    let share_id = answer["resource_share_id"].as_str().unwrap().to_owned();
    server.kill();

    let server = Server::start(&db).await;
    let owner = server.sign_in("owner").await;
    let after = server.backup_sets(&owner).await;
    let set = after.iter().find(|s| s["backup_set_id"] == json!(backup)).unwrap();
    assert_eq!(set["principal_count"], json!(1), "the Data Backups tab still shows the set as Sharing");
    let (status, _, dialog) = server.post("load_share_dialog", "application/x-www-form-urlencoded", "", &owner).await;
    assert_eq!(status, 200);
    assert!(
        dialog["shares"]["items"].as_array().unwrap().iter().any(|s| s["resource_share_id"] == json!(share_id)),
        "{dialog}"
    );
    let (status, _, trail) =
        server.post("audit_trail", "application/x-www-form-urlencoded", "action=ShareBackupSet", &owner).await;
    assert_eq!(status, 200);
    assert_eq!(trail["items"].as_array().unwrap().len(), 1, "the share's audit event survived with it: {trail}");
    server.kill();
}

/// How many shares the burst sends at once, each of a backup set of its own (so each share's audit
/// event, whose target is the backup set, is told apart from the others).
const BURST: usize = 1_000;
/// The revocation delay the server runs with: the default, far longer than any burst takes, so the
/// removal below can't fall due before the kill however slow the machine. The restart's clock is set
/// past it (`--clock-offset-secs`) instead of the test sleeping through it.
const REVOCATION_DELAY_SECS: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_during_a_burst_of_shares_keeps_what_was_answered_and_applies_revocations_due_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("polarshare.db");
    let delay = REVOCATION_DELAY_SECS.to_string();
    let flags = ["--revocation-delay-secs", delay.as_str()];
    let server = Server::start_with(&db, &flags).await;
    let owner = server.sign_in("owner").await;

    // A principal removed just before the burst: its revocation falls due while the server is down. (Its set
    // is picked before the burst's sets exist, so no burst share touches it.)
    let member = server.sign_in("member").await;
    let sets = server.backup_sets(&owner).await;
    let revoked = sets
        .iter()
        .find(|s| s["share_blocked"].is_null() && s["principal_count"] == json!(0))
        .expect("a shareable set");
    let revoked = revoked["backup_set_id"].as_str().unwrap().to_owned();
    let body = json!({ "request": { "backup_set_id": revoked, "method": new_share("to-be-revoked", "ResourceDirectory", &[MEMBER]) } });
    let (status, _, answer) = server.post("share_backup_set", "application/json", &body.to_string(), &owner).await;
    assert_eq!(status, 200, "{answer}");
    let revoked_share = answer["resource_share_id"].as_str().unwrap().to_owned();
    let body = json!({ "request": { "backup_set_id": revoked, "method": existing_share(&revoked_share, Some(&[])) } });
    let (status, _, answer) = server.post("share_backup_set", "application/json", &body.to_string(), &owner).await;
    assert_eq!((status, &answer["revoking"]), (200, &json!([MEMBER])), "{answer}");

    // A thousand more backup sets on the shareable cluster, written beside the running server (SQLite's
    // lock serialises the two writers), and room in the owner's quota for all of them.
    let pool = open_db(&db).await;
    add_backup_sets(&pool, '9', BURST).await;
    pool.close().await;

    // The burst: every share sent at once; the server is killed once a quarter of them are answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let requests: Vec<_> = (1..=BURST)
        .map(|i| {
            let (addr, owner, answered) = (server.addr.clone(), owner.clone(), answered.clone());
            tokio::spawn(async move {
                let set = format!("9{i:09}");
                let body = json!({ "request": { "backup_set_id": set, "method": new_share(&format!("burst-{i}"), "AllAccounts", &[PARTNER]) } });
                let answer = try_post(&addr, "share_backup_set", "application/json", &body.to_string(), &owner).await;
                let acknowledged = match answer {
                    Some((200, _, json)) => Some((set, json["resource_share_id"].as_str().expect("a share id").to_owned())),
                    Some((status, _, json)) => panic!("share {i} refused with {status}: {json}"),
                    None => None,
                };
                answered.fetch_add(1, Ordering::SeqCst);
                acknowledged
            })
        })
        .collect();
    let started = Instant::now();
    while answered.load(Ordering::SeqCst) < BURST / 4 {
        assert!(started.elapsed() < Duration::from_secs(180), "the burst was not answered");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    let killed_at = time::OffsetDateTime::now_utc();
    let mut acknowledged = Vec::new();
    for request in requests {
        acknowledged.extend(request.await.unwrap());
    }
    assert!(acknowledged.len() >= BURST / 4, "{} acknowledged", acknowledged.len());
    assert!(acknowledged.len() < BURST, "the kill came in the middle of the burst");

    // The file as the kill left it (opening it recovers the WAL): intact, with every acknowledged share
    // and its audit event, and no share without its event or event without its share.
    let pool = open_db(&db).await;
    assert_eq!(integrity(&pool).await, "ok");
    for (set, share_id) in &acknowledged {
        let share: i64 = sqlx::query_scalar(
            "select count(*) from resource_share rs join share_resource sr on sr.resource_share_id = rs.resource_share_id
             where rs.resource_share_id = ? and sr.backup_set_id = ? and rs.status = 'Active'",
        )
        .bind(share_id)
        .bind(set)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(share, 1, "acknowledged share {share_id} of {set} is missing");
        let event: i64 = sqlx::query_scalar(
            "select count(*) from audit_event where action = 'ShareBackupSet' and target = ? and outcome = 'Success'",
        )
        .bind(set)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(event, 1, "the audit event of acknowledged share {share_id} is missing");
    }
    let shares: i64 =
        sqlx::query_scalar("select count(*) from resource_share where resource_share_name like 'burst-%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let events: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'ShareBackupSet' and target like '9%' and outcome = 'Success'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(shares, events, "every committed share has its event and every event its share");
    assert!(shares as usize >= acknowledged.len());
    eprintln!("burst of {BURST}: {} acknowledged, {shares} committed when killed", acknowledged.len());
    // The removal was still waiting when the server died: not applied, and not due yet.
    let waiting: Vec<String> = sqlx::query_scalar(
        "select revoke_at from share_principal where principal_id = ? and status = 'Disassociating'",
    )
    .bind(MEMBER)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(waiting.len(), 1, "the removal had not been applied before the kill");
    let due = time::OffsetDateTime::parse(&waiting[0], &time::format_description::well_known::Rfc3339).unwrap();
    assert!(due > killed_at, "killed at {killed_at}, after the removal fell due ({due})");
    pool.close().await;

    // Up again with a clock past the revocation's time, as after a downtime that long: the first tick
    // applies it.
    let past_due = (due - killed_at).whole_seconds() + 60;
    let offset = past_due.to_string();
    let server = Server::start_with(&db, &[flags.as_slice(), &["--clock-offset-secs", offset.as_str()]].concat()).await;
    let owner = server.sign_in("owner").await;
    // Applied: the member no longer reads the set (which its time alone would do) and the schedule
    // has deleted the principal's row (read beside the server).
    let pool = open_db(&db).await;
    let started = Instant::now();
    loop {
        let (status, _, incoming) = server
            .post("list_shared_with_me", "application/x-www-form-urlencoded", "region_id=cn-hangzhou", &member)
            .await;
        assert_eq!(status, 200, "{incoming}");
        let row: i64 =
            sqlx::query_scalar("select count(*) from share_principal where principal_id = ? and resource_share_id = ?")
                .bind(MEMBER)
                .bind(&revoked_share)
                .fetch_one(&pool)
                .await
                .unwrap();
        if row == 0 && incoming["backups"].as_array().unwrap().iter().all(|b| b["backup_set_id"] != json!(revoked)) {
            pool.close().await;
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the revocation due while the server was down was not applied: {incoming}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The Share dialog lists them a page at a time.
    let mut listed = std::collections::BTreeSet::new();
    for page in 1.. {
        let (status, _, dialog) = server
            .post(
                "load_share_dialog",
                "application/x-www-form-urlencoded",
                &format!("page={page}&page_size=100"),
                &owner,
            )
            .await;
        assert_eq!(status, 200);
        let items = dialog["shares"]["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        listed.extend(items.iter().filter_map(|s| s["resource_share_id"].as_str().map(str::to_owned)));
    }
    assert!(acknowledged.iter().all(|(_, id)| listed.contains(id)), "every acknowledged share is in the console");
    server.kill();

    let pool = open_db(&db).await;
    assert_eq!(integrity(&pool).await, "ok");
    let revocations: i64 =
        sqlx::query_scalar("select count(*) from audit_event where action = 'RevokeAccess' and target = ?")
            .bind(format!("{revoked_share} / {MEMBER}"))
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(revocations, 1, "the scheduled revocation is in the owner's trail");
    pool.close().await;
}

/// Sends a request made for the in-process router (a signed OpenAPI call) to the server at `addr`, as
/// it is; `None` when no complete answer came.
async fn try_send(addr: &str, request: &http::Request<axum::body::Body>) -> Option<(u16, Value)> {
    send_head(addr, head_of(request)?).await
}

/// The head of a request without a body, as it goes on the wire.
fn head_of(request: &http::Request<axum::body::Body>) -> Option<String> {
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method(), request.uri());
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().ok()?));
    }
    head.push_str("content-length: 0\r\nconnection: close\r\n\r\n");
    Some(head)
}

async fn send_head(addr: &str, head: String) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(head.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok())?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// What a kill must not forget of the calls answered before it: a signed call's nonce (the call replayed
/// at once after the restart, well inside its 15 minutes, is refused as a replay), a session (its
/// cookie still signs its holder in) and a sign-out (the cookie stays signed out).
#[tokio::test]
async fn a_replayed_call_stays_refused_and_sessions_stay_as_they_were_after_a_kill() {
    use crate::openapi::{acs3_at, fresh_nonce, Key, RS};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("polarshare.db");
    let server = Server::start(&db).await;
    let owner = server.sign_in("owner").await;
    let signed_out = server.sign_in("owner").await;
    let (status, _, key) =
        server.post("create_access_key", "application/x-www-form-urlencoded", "login_name=owner", &owner).await;
    assert_eq!(status, 200, "{key}");
    let key = Key {
        id: key["access_key_id"].as_str().unwrap().to_owned(),
        secret: key["access_key_secret"].as_str().unwrap().to_owned(),
    };
    let (status, _, _) = server.post("sign_out", "application/x-www-form-urlencoded", "", &signed_out).await;
    assert_eq!(status, 200);
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    let call = acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now, &fresh_nonce());
    let (status, answer) = try_send(&server.addr, &call).await.expect("an answer");
    assert_eq!(status, 200, "{answer}");
    server.kill();

    let server = Server::start(&db).await;
    let (status, answer) = try_send(&server.addr, &call).await.expect("an answer");
    assert_eq!(
        (status, answer["Code"].as_str()),
        (400, Some("SignatureNonceUsed")),
        "the replay after the restart: {answer}"
    );
    assert!(!server.backup_sets(&owner).await.is_empty(), "the session from before the kill still signs its holder in");
    let (status, _, answer) = server
        .post(
            "list_backup_sets",
            "application/x-www-form-urlencoded",
            &format!("cluster_id={SHAREABLE_CLUSTER}&page=1"),
            &signed_out,
        )
        .await;
    assert_eq!(status, 401, "the session signed out before the kill stays signed out: {answer}");
    server.kill();
}

/// A new AccessKey pair of `login`, made through the console as `cookie`.
async fn access_key(addr: &str, cookie: &str, login: &str) -> crate::openapi::Key {
    let (status, _, key) = try_post(
        addr,
        "create_access_key",
        "application/x-www-form-urlencoded",
        &format!("login_name={login}"),
        cookie,
    )
    .await
    .expect("an answer");
    assert_eq!(status, 200, "{key}");
    crate::openapi::Key {
        id: key["access_key_id"].as_str().unwrap().to_owned(),
        secret: key["access_key_secret"].as_str().unwrap().to_owned(),
    }
}

/// A signed OpenAPI call to the server at `addr`, signed now with a fresh nonce.
async fn signed(
    addr: &str,
    key: &crate::openapi::Key,
    action: &str,
    version: &str,
    params: &[(&str, &str)],
) -> Option<(u16, Value)> {
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    let head = head_of(&crate::openapi::acs3_at(key, action, version, params, &now, &crate::openapi::fresh_nonce()))?;
    send_head(addr, head).await
}

/// What a mixed load had answered "done" when the server was killed.
#[derive(Default)]
struct Acknowledged {
    /// (backup set, share) created for the partner.
    shares: Vec<(String, String)>,
    /// Invitations the partner accepted.
    accepted: Vec<String>,
    /// Clusters the member restored.
    restored: Vec<String>,
    /// Sets added to the member's share.
    associated: Vec<String>,
}

/// A kill in the middle of a mixed load through the OpenAPI: the owner creating shares for a partner
/// outside its directory and adding sets to a share with a member, the partner accepting the
/// invitations as they come, the member restoring. Everything answered "done" is in the file the kill
/// left, with its audit event (and a restore with its charge); nothing committed lacks its event; and
/// every count, limit and derived table the rules keep holds (`invariants::broken_invariants`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_during_mixed_shares_accepts_associates_and_restores_keeps_each_whole_or_absent() {
    mixed_load_stopped_by(Stop::Kill).await;
}

/// The same load ended as an operator's service manager ends it (SIGTERM): the server stops taking
/// connections, finishes the answers under way and exits 0 within its drain time; what it answered is
/// whole, nothing answered or not is half written, and it starts again on the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sigterm_during_mixed_shares_accepts_associates_and_restores_ends_cleanly_keeping_each_whole_or_absent() {
    mixed_load_stopped_by(Stop::Terminate).await;
}

/// How a test ends the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// SIGKILL (see [`Server::kill`]).
    Kill,
    /// SIGTERM (see [`Server::terminate`]).
    Terminate,
}

async fn mixed_load_stopped_by(stop: Stop) {
    use crate::openapi::{restore_params, PD, RS};
    const SETS: usize = 400;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("polarshare.db");
    let server = Server::start(&db).await;
    let owner_cookie = server.sign_in("owner").await;
    let (partner_cookie, member_cookie) = (server.sign_in("partner").await, server.sign_in("member").await);
    let owner = access_key(&server.addr, &owner_cookie, "owner").await;
    let partner = access_key(&server.addr, &partner_cookie, "partner").await;
    let member = access_key(&server.addr, &member_cookie, "member").await;
    let pool = open_db(&db).await;
    add_backup_sets(&pool, '8', SETS).await;
    let set = |i: usize| format!("8{i:09}");
    let (status, member_share) = signed(
        &server.addr,
        &owner,
        "CreateResourceShare",
        RS,
        &[("ResourceShareName", "for-member"), ("Resources.1.ResourceId", &set(1)), ("Targets.1", MEMBER)],
    )
    .await
    .expect("an answer");
    assert_eq!(status, 200, "{member_share}");
    let member_share = member_share["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();

    let done = Arc::new(std::sync::Mutex::new(Acknowledged::default()));
    let answered = Arc::new(AtomicUsize::new(0));
    // Set once the server is killed: the tasks waiting for work of the others stop.
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let addr = server.addr.clone();
    let mut tasks = Vec::new();
    // The owner's shares for the partner (two tasks), one set each.
    for first in [2, 3] {
        let (addr, owner, done, answered) = (addr.clone(), owner.clone(), done.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            for i in (first..SETS - 100).step_by(2) {
                let (set, name) = (set(i), format!("mixed-{i}"));
                let params = [
                    ("ResourceShareName", name.as_str()),
                    ("Resources.1.ResourceId", set.as_str()),
                    ("Targets.1", PARTNER),
                    ("AllowExternalTargets", "true"),
                ];
                let Some((status, answer)) = signed(&addr, &owner, "CreateResourceShare", RS, &params).await else {
                    return;
                };
                assert_eq!(status, 200, "{answer}");
                done.lock()
                    .unwrap()
                    .shares
                    .push((set, answer["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned()));
                answered.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // The owner adds sets to the member's share.
    {
        let (addr, owner, done, answered, share) =
            (addr.clone(), owner.clone(), done.clone(), answered.clone(), member_share.clone());
        tasks.push(tokio::spawn(async move {
            for i in SETS - 100..=SETS {
                let set = set(i);
                let params = [("ResourceShareId", share.as_str()), ("Resources.1.ResourceId", set.as_str())];
                let Some((status, answer)) = signed(&addr, &owner, "AssociateResourceShare", RS, &params).await else {
                    return;
                };
                assert_eq!(status, 200, "{answer}");
                done.lock().unwrap().associated.push(set);
                answered.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // The partner accepts what is pending (read beside the server).
    {
        let (addr, partner, done, answered, pool, killed) =
            (addr.clone(), partner.clone(), done.clone(), answered.clone(), pool.clone(), killed.clone());
        tasks.push(tokio::spawn(async move {
            while !killed.load(Ordering::SeqCst) {
                let pending: Vec<String> = sqlx::query_scalar(
                    "select invitation_id from invitation where receiver_account_id = ? and status = 'Pending'",
                )
                .bind(PARTNER)
                .fetch_all(&pool)
                .await
                .unwrap();
                for invitation in pending {
                    let Some((status, answer)) = signed(
                        &addr,
                        &partner,
                        "AcceptResourceShareInvitation",
                        RS,
                        &[("ResourceShareInvitationId", &invitation)],
                    )
                    .await
                    else {
                        return;
                    };
                    assert_eq!(status, 200, "{answer}");
                    done.lock().unwrap().accepted.push(invitation);
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    // The member restores each set of its share once (one restore of a set at a time), as they are added.
    {
        let (addr, member, done, answered, killed) =
            (addr.clone(), member.clone(), done.clone(), answered.clone(), killed.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                if killed.load(Ordering::SeqCst) {
                    return;
                }
                let next = if n == 0 { Some(set(1)) } else { done.lock().unwrap().associated.get(n - 1).cloned() };
                let Some(restored) = next else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let Some((status, answer)) =
                    signed(&addr, &member, "CreateDBCluster", PD, &restore_params(&restored)).await
                else {
                    return;
                };
                assert_eq!(status, 200, "{answer}");
                done.lock().unwrap().restored.push(answer["DBClusterId"].as_str().unwrap().to_owned());
                answered.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let started = Instant::now();
    while answered.load(Ordering::SeqCst) < 120 {
        assert!(started.elapsed() < Duration::from_secs(180), "the load was not answered");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    match stop {
        Stop::Kill => server.kill(),
        Stop::Terminate => {
            server.terminate().await;
        }
    }
    killed.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.expect("a task of the load");
    }
    pool.close().await;
    let done = std::mem::take(&mut *done.lock().unwrap());
    eprintln!(
        "acknowledged before the {stop:?}: {} shares, {} accepts, {} associates, {} restores",
        done.shares.len(),
        done.accepted.len(),
        done.associated.len(),
        done.restored.len()
    );
    assert!(
        !done.shares.is_empty()
            && !done.accepted.is_empty()
            && !done.associated.is_empty()
            && !done.restored.is_empty()
    );

    let pool = open_db(&db).await;
    assert_eq!(integrity(&pool).await, "ok");
    // The test's own constants and the ids the server made, put in the statements as they are.
    let count = |sql: String| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&pool).await.expect(&sql) }
    };
    let events = |action: &str, target: &str| {
        format!("select count(*) from audit_event where action = '{action}' and target = '{target}' and outcome = 'Success'")
    };
    for (set, share) in &done.shares {
        let whole = format!(
            "select count(*) from resource_share rs join share_resource sr using (resource_share_id)
             join share_principal sp using (resource_share_id) join invitation i using (resource_share_id)
             where rs.resource_share_id = '{share}' and rs.status = 'Active' and sr.backup_set_id = '{set}'
               and sp.principal_id = '{PARTNER}' and i.receiver_account_id = '{PARTNER}'"
        );
        assert_eq!(count(whole).await, 1, "acknowledged share {share} of {set} with its set, principal and invitation");
        assert_eq!(count(events("ShareBackupSet", set)).await, 1, "the event of share {share}");
    }
    for invitation in &done.accepted {
        assert_eq!(
            count(format!(
                "select count(*) from invitation where invitation_id = '{invitation}' and status = 'Accepted'"
            ))
            .await,
            1
        );
        assert_eq!(count(events("AcceptInvitation", invitation)).await, 1, "the event of accepting {invitation}");
    }
    for set in &done.associated {
        let held = format!("select count(*) from share_resource where backup_set_id = '{set}' and resource_share_id = '{member_share}'");
        assert_eq!(count(held).await, 1, "acknowledged set {set} in the member's share");
        assert_eq!(count(events("ShareBackupSet", set)).await, 1, "the event of adding {set}");
    }
    for cluster in &done.restored {
        let whole = format!(
            "select count(*) from restore_job j join cluster c using (cluster_id) where j.cluster_id = '{cluster}'"
        );
        assert_eq!(count(whole).await, 1, "acknowledged restore {cluster} with its job and cluster");
        assert_eq!(
            count(format!("select count(*) from charge where cluster_id = '{cluster}'")).await,
            1,
            "the charge of {cluster}"
        );
    }
    // What was committed but not answered is whole too: every change has its event, every event its change.
    let pairs = [
        (
            format!("select count(*) from share_resource where backup_set_id like '8%' and backup_set_id <> '{}'", set(1)),
            format!("select count(*) from audit_event where action = 'ShareBackupSet' and outcome = 'Success' and target like '8%' and target <> '{}'", set(1)),
        ),
        (
            format!("select count(*) from invitation where status = 'Accepted' and receiver_account_id = '{PARTNER}'"),
            "select count(*) from audit_event where action = 'AcceptInvitation' and outcome = 'Success'".to_owned(),
        ),
        (
            "select count(*) from restore_job where backup_set_id like '8%'".to_owned(),
            "select count(*) from audit_event where action = 'RestoreToNewCluster' and outcome = 'Success'".to_owned(),
        ),
        (
            "select count(*) from restore_job where backup_set_id like '8%'".to_owned(),
            "select count(*) from charge where item like '% restored from shared backup set 8%'".to_owned(),
        ),
    ];
    for (changes, events) in pairs {
        assert_eq!(count(changes.clone()).await, count(events.clone()).await, "{changes} against {events}");
    }
    pool.close().await;

    let app = crate::helpers::TestApp::copy_of(&db, time::OffsetDateTime::now_utc()).await;
    let broken = crate::invariants::broken_invariants(&app, false).await;
    assert!(broken.is_empty(), "after the {stop:?}: {broken:#?}");

    // And the server starts again on it and serves what was acknowledged.
    let server = Server::start(&db).await;
    let (_, share) = &done.shares[0];
    let (status, listed) = signed(
        &server.addr,
        &owner,
        "ListResourceShares",
        RS,
        &[("ResourceOwner", "Self"), ("ResourceShareIds.1", share)],
    )
    .await
    .expect("an answer");
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["ResourceShares"][0]["ResourceShareId"], json!(share), "{listed}");
    server.kill();
}

/// The database holds AccessKey secrets and password hashes: a new database file, and the WAL that
/// SQLite makes beside it, are readable by their owner only, whatever the process's umask.
#[cfg(unix)]
#[tokio::test]
async fn a_new_database_file_and_its_wal_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("private.db");
    let database = polarshare::server::db::connect(path.to_str().unwrap()).await.expect("database");
    sqlx::query("select count(*) from account").execute(&database.pool).await.expect("a read");
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the database file");
    let wal = dir.path().join("private.db-wal");
    assert!(wal.exists(), "WAL mode makes a -wal file");
    assert_eq!(mode(&wal), 0o600, "the WAL");
}

/// Each migration runs in one transaction with its row in `_sqlx_migrations` (sqlx does so unless a
/// migration opts out with `-- no-transaction`): a crash in the middle of one leaves the database as it
/// was before it, and the next start runs it again from its beginning. None may opt out.
#[test]
fn every_migration_runs_in_a_transaction_of_its_own() {
    let migrator = sqlx::migrate!("./migrations");
    let outside: Vec<_> = migrator.iter().filter(|m| m.no_tx).map(|m| m.version).collect();
    assert!(outside.is_empty(), "migrations run outside a transaction: {outside:?}");
}

/// A database this binary's migrations do not describe (written by a newer version, or by an edited
/// migration) is refused at start with the migration named, before anything serves it.
#[tokio::test]
async fn a_database_from_a_newer_version_or_an_edited_migration_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polarshare.db");
    let path = path.to_str().unwrap();
    let database = polarshare::server::db::connect(path).await.expect("a new database");
    sqlx::query("insert into _sqlx_migrations (version, description, success, checksum, execution_time) values (99990101000000, 'from a newer polarshare', 1, x'00', 0)")
        .execute(&database.pool)
        .await
        .unwrap();
    database.pool.close().await;
    database.writer.close().await;
    let refused = polarshare::server::db::connect(path).await.expect_err("a database of a newer version");
    assert!(
        format!("{refused:#}").contains("migration 99990101000000 was previously applied but is missing"),
        "{refused:#}"
    );

    let pool = open_db(Path::new(path)).await;
    sqlx::query("delete from _sqlx_migrations where version = 99990101000000").execute(&pool).await.unwrap();
    let edited: i64 = sqlx::query_scalar("update _sqlx_migrations set checksum = x'00' where version = (select max(version) from _sqlx_migrations) returning version")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let refused = polarshare::server::db::connect(path).await.expect_err("a database migrated by an edited migration");
    assert!(
        format!("{refused:#}").contains(&format!("migration {edited} was previously applied but has been modified")),
        "{refused:#}"
    );
}
