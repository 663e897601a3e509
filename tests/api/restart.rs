//! Crash safety with the real server binary: it is killed (SIGKILL, no shutdown, no checkpoint) right
//! after answering a share, and what it answered "done" for is there when it starts again.

use crate::helpers::{new_share, PARTNER, SHAREABLE_CLUSTER};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    async fn start(db: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_polarshare"))
            .args(["--database", db.to_str().unwrap(), "--listen", &addr])
            .env("LEPTOS_OUTPUT_NAME", "polarshare")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server binary");
        let started = Instant::now();
        while TcpStream::connect(&addr).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not start listening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, addr }
    }

    /// SIGKILL: the process gets no chance to flush, checkpoint or close anything.
    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }

    /// POSTs to a server function; returns the status, the Set-Cookie value and the JSON body.
    async fn post(&self, function: &str, content_type: &str, body: &str, cookie: &str) -> (u16, String, Value) {
        let mut stream = TcpStream::connect(&self.addr).await.expect("connect");
        let request = format!(
            "POST /api/{function} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nAccept: application/json\r\n\
             Cookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
        let cookie = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().starts_with("set-cookie:").then(|| l[11..].trim().split(';').next().unwrap().to_owned()))
            .unwrap_or_default();
        (status, cookie, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    async fn sign_in(&self, login: &str) -> String {
        let (status, cookie, _) =
            self.post("sign_in", "application/x-www-form-urlencoded", &format!("login={login}&password={}", crate::helpers::DEMO_PASSWORD), "").await;
        assert_eq!(status, 200, "sign-in as {login}");
        cookie
    }

    async fn backup_sets(&self, cookie: &str) -> Vec<Value> {
        let (status, _, page) =
            self.post("list_backup_sets", "application/x-www-form-urlencoded", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1"), cookie).await;
        assert_eq!(status, 200);
        page["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_share_answered_before_a_kill_is_there_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("polarshare.db");

    let server = Server::start(&db).await;
    let owner = server.sign_in("owner").await;
    let sets = server.backup_sets(&owner).await;
    let set = sets.iter().find(|s| s["share_blocked"].is_null() && s["principal_count"] == json!(0)).expect("a shareable set");
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
    assert!(dialog["shares"].as_array().unwrap().iter().any(|s| s["resource_share_id"] == json!(share_id)), "{dialog}");
    let (status, _, trail) = server.post("audit_trail", "application/x-www-form-urlencoded", "action=ShareBackupSet", &owner).await;
    assert_eq!(status, 200);
    assert_eq!(trail.as_array().unwrap().len(), 1, "the share's audit event survived with it: {trail}");
    server.kill();
}
