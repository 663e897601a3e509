//! A fresh app per test: a temporary SQLite file with the migrations and demo data, a manual clock, and
//! the real router, driven in-process with `tower::ServiceExt::oneshot`.

use axum::body::{to_bytes, Body};
use axum::Router;
use http::{header, Request, StatusCode};
use leptos::config::LeptosOptions;
pub use polarshare::server::state::Settings;
use polarshare::server::{app::router, auth::SignInGuard, clock::Clock, db, state::AppState};
use serde_json::Value;
use sqlx::SqlitePool;
use time::macros::datetime;
use tower::ServiceExt;

pub use polarshare::server::db::seed::*;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub pool: SqlitePool,
    pub clock: Clock,
    _dir: tempfile::TempDir,
}

pub struct Response {
    pub status: StatusCode,
    pub json: Value,
    pub set_cookie: Option<String>,
    /// Every Set-Cookie header, in order (a sign-in sets the session's and the known-device cookie).
    pub set_cookies: Vec<String>,
    pub retry_after: Option<String>,
}

impl Response {
    /// The API error code of a refusal.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }

    /// A refusal as (HTTP status, API error code): tests assert both.
    pub fn refusal(&self) -> (u16, &str) {
        (self.status.as_u16(), self.code())
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_demo(true, Settings::default()).await
    }

    /// A system as a real deployment starts: migrated, with no accounts at all.
    pub async fn empty() -> TestApp {
        Self::with_demo(false, Settings::default()).await
    }

    /// A fresh app whose server settings differ from the defaults (e.g. a lower limit to reach).
    pub async fn with_settings(settings: Settings) -> TestApp {
        Self::with_demo(true, settings).await
    }

    async fn with_demo(demo: bool, settings: Settings) -> TestApp {
        // Internal errors are only logged (the answer hides them): show them in a failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("polarshare=warn").try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let database = db::connect(path.to_str().unwrap()).await.expect("database");
        let pool = database.pool.clone();
        let clock = Clock::manual(datetime!(2026-11-25 08:00 UTC));
        if demo {
            db::seed::insert_demo_if_empty(&pool, clock.now(), db::seed::Demo::Base).await.expect("demo data");
        }
        Self::started(database, clock, dir, settings).await
    }

    /// The app as the server starts it: with the sign-in locks the database still holds.
    async fn started(database: db::Database, clock: Clock, dir: tempfile::TempDir, settings: Settings) -> TestApp {
        let app = Self::over(database, clock, dir, settings);
        app.state.guard.restore_locks(&app.pool, app.clock.now()).await.expect("stored sign-in locks");
        app
    }

    fn over(database: db::Database, clock: Clock, dir: tempfile::TempDir, settings: Settings) -> TestApp {
        let pool = database.pool.clone();
        let state = AppState {
            leptos_options: LeptosOptions::builder().output_name("polarshare").build(),
            pool: pool.clone(),
            clock: clock.clone(),
            guard: SignInGuard::for_settings(&settings),
            settings,
            writer: database.writer,
            assets: Default::default(),
        };
        TestApp { router: router(state.clone()), state, pool, clock, _dir: dir }
    }

    /// A second app over a copy of this one's database, sessions included (so its cookies stay valid),
    /// with its own clock at the same time: a table-driven test sets up once and runs each case on
    /// untouched data.
    pub async fn fork(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        sqlx::query("vacuum into ?")
            .bind(path.to_str().unwrap())
            .execute(&self.pool)
            .await
            .expect("copy of the database");
        let database = db::connect(path.to_str().unwrap()).await.expect("database");
        Self::started(database, Clock::manual(self.clock.now()), dir, self.state.settings.clone()).await
    }

    /// An app over a copy of a database file another process left (a server killed with SIGKILL: the
    /// copy holds what it had committed), its clock at `now`.
    pub async fn copy_of(path: &std::path::Path, now: time::OffsetDateTime) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let copy = dir.path().join("test.db");
        let source = SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
            .await
            .expect("the database file");
        sqlx::query("vacuum into ?").bind(copy.to_str().unwrap()).execute(&source).await.expect("copy of the database");
        source.close().await;
        let database = db::connect(copy.to_str().unwrap()).await.expect("database");
        Self::started(database, Clock::manual(now), dir, Settings::default()).await
    }

    /// The database file, for a second process's connection to it (the command line's subcommands).
    pub fn database_path(&self) -> std::path::PathBuf {
        self._dir.path().join("test.db")
    }

    /// Sends any request (headers, body and content type as the caller made them).
    pub async fn send(&self, request: Request<Body>) -> Response {
        let response = self.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let set_cookie = response.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
        let set_cookies =
            response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        let retry_after = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
        let bytes = to_bytes(response.into_body(), 10 << 20).await.expect("body");
        let json =
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Response { status, json, set_cookie, set_cookies, retry_after }
    }

    /// Calls a form-encoded server function (`/api/<name>`).
    pub async fn form(&self, cookie: Option<&str>, name: &str, body: &str) -> Response {
        self.send(form_request(cookie, name, body)).await
    }

    /// Calls a form-encoded server function as a client at `peer` (the source address the server sees).
    pub async fn form_from(
        &self,
        peer: std::net::SocketAddr,
        cookie: Option<&str>,
        name: &str,
        body: &str,
    ) -> Response {
        let mut request = form_request(cookie, name, body);
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.send(request).await
    }

    /// Calls a JSON server function.
    pub async fn json(&self, cookie: Option<&str>, name: &str, body: Value) -> Response {
        let mut request = Request::post(format!("/api/{name}")).header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap()).await
    }

    pub async fn get(&self, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
        let mut request = Request::get(path);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        let response = self.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.expect("response");
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 10 << 20).await.expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Signs in with the demo password and returns the `Cookie` header value.
    pub async fn sign_in(&self, login: &str) -> String {
        let r = self.form(None, "sign_in", &format!("login={login}&password={DEMO_PASSWORD}")).await;
        assert_eq!(r.status, StatusCode::OK, "sign-in of {login}: {:?}", r.json);
        let cookie = r.set_cookie.expect("session cookie");
        cookie.split(';').next().unwrap().to_owned()
    }

    pub async fn share(&self, cookie: &str, backup_set: &str, method: Value) -> Response {
        self.json(
            Some(cookie),
            "share_backup_set",
            serde_json::json!({ "request": { "backup_set_id": backup_set, "method": method } }),
        )
        .await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.expect(sql)
    }

    /// Row counts of every sharing table: a refused request must leave them all as they were.
    pub async fn sharing_state(&self) -> [i64; 4] {
        [
            self.count("select count(*) from resource_share").await,
            self.count("select count(*) from share_resource").await,
            self.count("select count(*) from share_principal").await,
            self.count("select count(*) from invitation").await,
        ]
    }

    /// The quota's count of shared backup sets (kept by triggers) must equal a count made from scratch:
    /// the sets of every share not yet deleted (a share being deleted still holds its sets).
    pub async fn assert_shared_sets_consistent(&self) {
        let kept: Vec<(String, String, i64)> =
            sqlx::query_as("select backup_set_id, owner_account_id, shares from shared_backup_set order by 1")
                .fetch_all(&self.pool)
                .await
                .expect("kept");
        let counted: Vec<(String, String, i64)> = sqlx::query_as(
            "select sr.backup_set_id, rs.owner_account_id, count(*) from share_resource sr
             join resource_share rs on rs.resource_share_id = sr.resource_share_id
             where rs.status <> 'Deleted' group by 1, 2 order by 1",
        )
        .fetch_all(&self.pool)
        .await
        .expect("counted");
        assert_eq!(kept, counted, "shared_backup_set has drifted from the shares");
        let per_owner = |sql: &'static str| async move {
            sqlx::query_as::<_, (String, i64)>(sql).fetch_all(&self.pool).await.expect(sql)
        };
        assert_eq!(
            per_owner("select owner_account_id, sets from shared_backup_set_count where sets > 0 order by 1").await,
            per_owner("select owner_account_id, count(*) from shared_backup_set group by 1 order by 1").await,
            "shared_backup_set_count has drifted from shared_backup_set"
        );
    }

    /// The first healthy backup set of a demo cluster.
    pub async fn backup_of(&self, cluster: &str) -> String {
        self.backups_of(cluster, 1).await.remove(0)
    }

    /// The first `n` healthy backup sets of a demo cluster.
    pub async fn backups_of(&self, cluster: &str, n: i64) -> Vec<String> {
        let found: Vec<String> = sqlx::query_scalar("select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None' and expires_at > '2026-11-25' and backup_set_id not like 'rp-%' order by backup_set_id limit ?")
            .bind(cluster)
            .bind(n)
            .fetch_all(&self.pool)
            .await
            .expect("backup sets");
        assert_eq!(found.len() as i64, n, "{cluster} has {n} healthy backup sets");
        found
    }

    /// Runs the scheduled tasks (revocations, invitation expiry, restore completion) at the test clock.
    pub async fn tick(&self) -> polarshare::server::db::schedule::Tick {
        polarshare::server::scheduler::tick(&self.state).await.expect("scheduler tick")
    }

    /// `n` new accounts on the China site, with ids `prefix` followed by a five-digit count.
    pub async fn add_accounts(&self, prefix: &str, n: usize) -> Vec<String> {
        let ids: Vec<String> = (0..n).map(|i| format!("{prefix}{i:05}")).collect();
        for id in &ids {
            self.exec(&format!("insert into account (account_id, display_name, site, created_at) values ('{id}', 'p', 'aliyun.com', '2026-01-01T00:00:00Z')")).await;
        }
        ids
    }

    /// `n` new accounts (as [`Self::add_accounts`]), members of the owner's resource directory in `folder`.
    pub async fn add_members(&self, prefix: &str, n: usize, folder: &str) -> Vec<String> {
        let ids = self.add_accounts(prefix, n).await;
        for id in &ids {
            self.exec(&format!("insert into rd_member (account_id, directory_id, folder_id) values ('{id}', '{OWNER_DIRECTORY}', '{folder}')")).await;
        }
        ids
    }

    /// How many accounts other than the owner a backup set reaches through the owner's live shares: the
    /// accounts named and the members of the directories and folders named (sub-folders included),
    /// counted here from the tables, apart from the code under test.
    pub async fn accounts_reached(&self, backup_set: &str) -> i64 {
        sqlx::query_scalar(
            "with recursive named as (
                 select sp.principal_id, sp.principal_type from share_principal sp
                 join share_resource sr on sr.resource_share_id = sp.resource_share_id
                 join resource_share rs on rs.resource_share_id = sp.resource_share_id and rs.status = 'Active'
                 where sr.backup_set_id = ?1 and sp.status = 'Associated'),
             folders(folder_id) as (
                 select folder_id from rd_folder where folder_id in (select principal_id from named where principal_type = 'Folder')
                 union select root_folder_id from resource_directory
                     where directory_id in (select principal_id from named where principal_type = 'ResourceDirectory')
                 union select f.folder_id from rd_folder f join folders on f.parent_folder_id = folders.folder_id)
             select count(*) from (
                 select principal_id as account_id from named where principal_type = 'Account'
                 union select account_id from rd_member where folder_id in (select folder_id from folders))
             where account_id <> ?2",
        )
        .bind(backup_set)
        .bind(OWNER)
        .fetch_one(&self.pool)
        .await
        .expect("accounts reached")
    }

    /// The audit events `filter` (an SQL condition) selects, oldest first, as (action, identity,
    /// target, outcome).
    pub async fn trail(&self, filter: &str) -> Vec<(String, String, String, String)> {
        sqlx::query_as(&format!(
            "select action, identity, target, outcome from audit_event where {filter} order by audit_event_id"
        ))
        .fetch_all(&self.pool)
        .await
        .expect("reading the audit trail")
    }

    pub async fn exec(&self, sql: &str) {
        sqlx::query(sql).execute(&self.pool).await.expect(sql);
        // Written past the writer: cached pages must hear of it.
        self.state.writer.note_outside_change();
    }
}

fn form_request(cookie: Option<&str>, name: &str, body: &str) -> Request<Body> {
    let mut request =
        Request::post(format!("/api/{name}")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

pub fn new_share(name: &str, scope: &str, principals: &[&str]) -> Value {
    serde_json::json!({ "New": { "name": name, "scope": scope, "principals": principals } })
}

pub fn existing_share(id: &str, principals: Option<&[&str]>) -> Value {
    serde_json::json!({ "Existing": { "resource_share_id": id, "principals": principals } })
}

/// The owner shares the first shareable set with `principal`; returns (backup set, share id).
pub async fn shared_with(app: &TestApp, principal: &str, scope: &str) -> (String, String) {
    let cookie = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&cookie, &backup, new_share("partnership", scope, &[principal])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    (backup, r.json["resource_share_id"].as_str().unwrap().to_owned())
}

pub fn restore_request(backup: &str) -> serde_json::Value {
    serde_json::json!({ "request": { "backup_set_id": backup, "cluster_name": "copy-1", "node_spec": "polar.mysql.x4.medium",
                          "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } })
}
