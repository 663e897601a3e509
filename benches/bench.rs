//! polarshare-bench: seeds 10,000 backup sets across 100 clusters and 1,000 principal accounts, serves
//! the real router on a loopback port, and measures two server functions under 32 concurrent clients
//! over keep-alive HTTP/1.1: listing one cluster's page of backup sets, and sharing a backup set.
//! Prints p50/p99 latency and requests per second, and the release wasm size (raw and gzip -9).
//!
//! Run it with `scripts/bench.sh` (builds the release site first, runs the browser benchmark too and
//! prints both in one table; `POLARSHARE_BENCH_JSON=file` makes this write its figures there for that
//! table). Traffic goes to 127.0.0.1 only and every loop is bounded by a request count.

use anyhow::{bail, Context};
use leptos::config::LeptosOptions;
use polarshare::server::{
    app::router,
    clock::Clock,
    db::{self, accounts, seed},
    state::{AppState, Settings},
};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CLUSTERS: usize = 100;
const SETS_PER_CLUSTER: usize = 100;
const PRINCIPALS: usize = 1_000;
const CLIENTS: usize = 32;

/// POLARSHARE_BENCH_CLIENTS overrides the client count (1 shows one request's own latency, without queueing).
fn clients() -> usize {
    std::env::var("POLARSHARE_BENCH_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(CLIENTS)
}
const LIST_REQUESTS: usize = 20_000;
const SHARE_REQUESTS: usize = 4_000;
const OWNER: &str = "1000000000000001";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let wasm = std::env::args().nth(1).unwrap_or_else(|| "target/site/pkg/polarshare.wasm".into());
    let dir = tempfile_dir()?;
    let database = db::connect(&format!("{dir}/bench.db")).await?;
    let pool = database.pool.clone();
    // As the server does (src/main.rs): WAL checkpoints in the background.
    let _checkpoints = database.spawn_checkpoints(Duration::from_secs(1));
    let clock = Clock::system();
    let started = Instant::now();
    seed_bench(&pool, clock.now()).await?;
    println!(
        "seeded {} backup sets in {CLUSTERS} clusters and {PRINCIPALS} principals in {:.1?}",
        CLUSTERS * SETS_PER_CLUSTER,
        started.elapsed()
    );

    // Every share invites two accounts that never answer: the pending-invitation cap would refuse
    // most of the phase, and the benchmark measures shares that succeed. The sign-in phase fails
    // hundreds of sign-ins from 127.0.0.1, which the address throttle would slow down and then lock
    // (as scripts/test.sh's POLARSHARE_SIGN_IN_ADDRESS_FREE/LOCK lift it for the browser tests).
    let settings = Settings {
        max_pending_invitations: u32::MAX,
        address_throttle: polarshare::domain::ThrottleRule {
            free_failures: 100_000,
            lock_after: 100_001,
            ..polarshare::domain::ThrottleRule::PER_ADDRESS
        },
        ..Settings::default()
    };
    let state = AppState {
        leptos_options: LeptosOptions::builder().output_name("polarshare").build(),
        pool,
        clock,
        settings: settings.clone(),
        guard: polarshare::server::auth::SignInGuard::for_settings(&settings),
        writer: database.writer,
        assets: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state_for_api = state.clone();
    // The server's own accept loop, as `polarshare` serves (its header deadline and per-client limit).
    let limits = polarshare::server::serve::Limits::default();
    tokio::spawn(async move {
        polarshare::server::serve::serve(listener, router(state), limits, std::future::pending()).await
    });

    let cookie = sign_in(addr).await?;
    println!("\n{} concurrent clients, keep-alive HTTP/1.1 on loopback\n", clients());

    // POLARSHARE_BENCH_ONLY=list, =share, =api, =api-wrk or =signin runs one phase (for profiling one path alone).
    let only = std::env::var("POLARSHARE_BENCH_ONLY").unwrap_or_default();
    let runs = |phase: &str| only.is_empty() || only == phase;
    if runs("list") || runs("share") {
        println!("{:<34} {:>9} {:>9} {:>9} {:>10}", "server function", "requests", "p50 ms", "p99 ms", "req/s");
    }
    let mut figures = serde_json::Map::new();
    if runs("list") {
        // Baseline: the cheapest signed-in call (the session only, from memory between writes: see
        // db::read_model), to separate per-request overhead
        // from the listing's own queries.
        let baseline = run(addr, &cookie, LIST_REQUESTS, |_| {
            ("current_viewer", "application/x-www-form-urlencoded", String::new())
        })
        .await?;
        figures.insert("current_viewer".into(), baseline.print("current_viewer (baseline)"));

        let page_of = |i: usize| {
            let cluster = i % CLUSTERS;
            let page = 1 + (i / CLUSTERS) % 4;
            (
                "list_backup_sets",
                "application/x-www-form-urlencoded",
                format!("cluster_id=pc-bench{cluster:05}&page={page}"),
            )
        };
        // The goal's figure: its first 400 requests each load a page no one has read yet.
        let list = run(addr, &cookie, LIST_REQUESTS, page_of).await?;
        figures.insert("list_backup_sets".into(), list.print("list_backup_sets (one page of 30)"));
        // The same requests again, with nothing written since: every page answered from memory. Not a
        // goal; it tells the cost of a page loaded from the database from that of one kept.
        let again = run(addr, &cookie, LIST_REQUESTS, page_of).await?;
        figures.insert("list_backup_sets_kept".into(), again.print("list_backup_sets, every page kept"));
    }
    if runs("share") {
        let share = run(addr, &cookie, SHARE_REQUESTS, |i| {
            // Each request creates a new share of one of the first 1,000 sets with two principals, so the
            // owner's quota (1,024) and the 64-principal limit are checked but never reached. Each round
            // over the sets invites two accounts the set has not invited yet (a second pending invitation
            // of one account to one set is refused).
            let (set, round) = (i % 1_000, i / 1_000);
            let p1 = 2_000_000_000_000_000u64 + ((set * 7 + 2 * round) % PRINCIPALS) as u64;
            let p2 = 2_000_000_000_000_000u64 + ((set * 7 + 2 * round + 1) % PRINCIPALS) as u64;
            let set = 5_000_000 + set;
            let principals = format!("[\"{p1}\",\"{p2}\"]");
            let body = format!(
                "{{\"request\":{{\"backup_set_id\":\"{set}\",\"method\":{{\"New\":{{\"name\":\"bench-{i}\",\"scope\":\"AllAccounts\",\"principals\":{principals}}}}}}}}}"
            );
            ("share_backup_set", "application/json", body)
        })
        .await?;
        figures.insert("share_backup_set".into(), share.print("share_backup_set (new share)"));
    }

    if runs("api") {
        api::run_phases(addr, &state_for_api, &mut figures).await?;
    }
    // Only when asked for by name (scripts/bench-moto.sh): it needs wrk, and the full run has the API.
    if only == "api-wrk" {
        api::create_with_wrk(addr, &state_for_api, &dir, &mut figures).await?;
    }
    if runs("signin") {
        sign_in_timing::run(addr, &state_for_api, &mut figures).await?;
    }

    println!();
    match std::fs::metadata(&wasm) {
        Ok(meta) => {
            let gz = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("gzip -9 -c '{wasm}' | wc -c"))
                .output()
                .context("running gzip")?;
            let gz: u64 = String::from_utf8_lossy(&gz.stdout).trim().parse().unwrap_or(0);
            println!(
                "release wasm {wasm}: {:.1} KB raw, {:.1} KB gzip -9",
                meta.len() as f64 / 1024.0,
                gz as f64 / 1024.0
            );
            figures.insert("wasm".into(), serde_json::json!({ "raw": meta.len(), "gzip": gz }));
        }
        Err(_) => println!("release wasm not found at {wasm}: build it with `cargo leptos build --release` first"),
    }
    if let Ok(path) = std::env::var("POLARSHARE_BENCH_JSON") {
        std::fs::write(&path, serde_json::Value::Object(figures).to_string())
            .with_context(|| format!("writing {path}"))?;
    }
    // POLARSHARE_BENCH_KEEP=1 keeps the database (to look at its queries with the sqlite3 shell).
    if std::env::var("POLARSHARE_BENCH_KEEP").as_deref() == Ok("1") {
        println!("database kept in {dir}/bench.db");
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<String> {
    let dir = std::env::temp_dir().join(format!("polarshare-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir.to_string_lossy().into_owned())
}

async fn seed_bench(pool: &sqlx::SqlitePool, now: time::OffsetDateTime) -> anyhow::Result<()> {
    let now_s = db::ts(now);
    let mut tx = db::begin_write(pool).await?;
    accounts::insert_regions(&mut tx).await?;
    accounts::insert_account(&mut tx, OWNER, "Bench Owner", "aliyun.com", true, &now_s).await?;
    sqlx::query("update account set share_quota = 1024 where account_id = ?").bind(OWNER).execute(&mut *tx).await?;
    let hash = polarshare::server::auth::hash_password(seed::DEMO_PASSWORD)?.0;
    accounts::insert_identity(&mut tx, OWNER, "owner", "root", &hash, &[], &now_s).await?;
    for p in 0..PRINCIPALS {
        let id = format!("{}", 2_000_000_000_000_000u64 + p as u64);
        accounts::insert_account(&mut tx, &id, "principal", "aliyun.com", true, &now_s).await?;
    }
    for c in 0..CLUSTERS {
        let cluster = format!("pc-bench{c:05}");
        let spec = seed::ClusterSpec {
            id: &cluster,
            account: OWNER,
            region: "cn-hangzhou",
            name: "bench",
            edition: "Cluster",
            ha_mode: "MultiZone",
            tde: false,
            disk_encryption: false,
            status: "Running",
        };
        seed::insert_cluster(&mut tx, &spec, &now_s).await?;
        for n in 0..SETS_PER_CLUSTER {
            // Backup set ids are assigned so that set 5,000,000 + k is in cluster k % 100: the share
            // benchmark's first 1,000 sets then spread over every cluster.
            let id = (5_000_000 + (n * CLUSTERS + c) as u64).to_string();
            let started = now - time::Duration::hours(n as i64 * 6 + 1);
            seed::insert_backup_set(
                &mut tx,
                &seed::BackupSpec {
                    id: &id,
                    cluster: &cluster,
                    account: OWNER,
                    region: "cn-hangzhou",
                    started,
                    status: "Success",
                    level: "Level-1",
                    expires: now + time::Duration::days(30),
                    lock: "None",
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

struct Report {
    latencies: Vec<Duration>,
    elapsed: Duration,
    errors: usize,
}

/// The `p` quantile (0-1) of `sorted` (ascending, not empty), in milliseconds: the smallest sample
/// with at least that share of the samples at or below it.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

impl Report {
    /// Prints one line of the table and returns its figures.
    fn print(&self, name: &str) -> serde_json::Value {
        let mut l = self.latencies.clone();
        l.sort();
        let pct = |p: f64| percentile_ms(&l, p);
        println!(
            "{name:<34} {:>9} {:>9.2} {:>9.2} {:>10.0}{}",
            l.len(),
            pct(0.50),
            pct(0.99),
            l.len() as f64 / self.elapsed.as_secs_f64(),
            if self.errors > 0 { format!("   ({} non-200 answers)", self.errors) } else { String::new() }
        );
        serde_json::json!({
            "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "per_s": l.len() as f64 / self.elapsed.as_secs_f64(), "errors": self.errors,
        })
    }
}

/// Sends `total` server function calls from `CLIENTS` connections; call `i` is built by `make(i)`.
async fn run<F>(addr: SocketAddr, cookie: &str, total: usize, make: F) -> anyhow::Result<Report>
where
    F: Fn(usize) -> (&'static str, &'static str, String) + Send + Sync + 'static,
{
    let cookie = cookie.to_owned();
    run_requests(addr, total, move |i| {
        let (name, content_type, body) = make(i);
        console_request(&format!("/api/{name}"), content_type, &body, &cookie)
    })
    .await
}

/// A signed-in console POST as the browser sends it.
fn console_request(path: &str, content_type: &str, body: &str, cookie: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nAccept: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Sends `total` raw HTTP/1.1 requests from `CLIENTS` connections; request `i` is `make(i)`.
async fn run_requests<F>(addr: SocketAddr, total: usize, make: F) -> anyhow::Result<Report>
where
    F: Fn(usize) -> String + Send + Sync + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients() {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(addr).await?;
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let request = make(i);
                let t = Instant::now();
                let (status, _) = conn.exchange(&request).await?;
                latencies.push(t.elapsed());
                if status != 200 {
                    errors += 1;
                }
            }
            anyhow::Ok((latencies, errors))
        }));
    }
    let mut report = Report { latencies: Vec::with_capacity(total), elapsed: Duration::ZERO, errors: 0 };
    for t in tasks {
        let (l, e) = t.await??;
        report.latencies.extend(l);
        report.errors += e;
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

async fn sign_in(addr: SocketAddr) -> anyhow::Result<String> {
    let mut conn = Connection::open(addr).await?;
    let body = format!("login=owner&password={}", seed::DEMO_PASSWORD);
    let (status, headers) = conn.post("/api/sign_in", "application/x-www-form-urlencoded", &body, "").await?;
    if status != 200 {
        bail!("sign-in failed with {status}");
    }
    headers
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap_or("").to_owned())
        })
        .context("no session cookie")
}

/// A minimal keep-alive HTTP/1.1 client: enough for POSTs whose answers carry Content-Length or are chunked.
struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection { stream: BufReader::new(stream) })
    }

    /// Returns the status and the raw header block; the body is read and dropped.
    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        body: &str,
        cookie: &str,
    ) -> anyhow::Result<(u16, String)> {
        self.exchange(&console_request(path, content_type, body, cookie)).await
    }

    /// Sends one raw request and reads its answer: the status and the raw header block (the body is
    /// read and dropped).
    async fn exchange(&mut self, request: &str) -> anyhow::Result<(u16, String)> {
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut headers = String::new();
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("connection closed");
            }
            if line == "\r\n" {
                break;
            }
            headers.push_str(&line);
        }
        let status: u16 = headers.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("status line")?;
        let header = |name: &str| {
            headers.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        };
        if let Some(len) = header("content-length") {
            let mut buf = vec![0; len.parse()?];
            self.stream.read_exact(&mut buf).await?;
        } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let mut size = String::new();
                self.stream.read_line(&mut size).await?;
                let size = usize::from_str_radix(size.trim(), 16)?;
                let mut buf = vec![0; size + 2];
                self.stream.read_exact(&mut buf).await?;
                if size == 0 {
                    break;
                }
            }
        }
        Ok((status, headers))
    }
}

/// The OpenAPI endpoint under the same load: calls signed as the current SDKs sign them
/// (ACS3-HMAC-SHA256), each signed before the clock starts so the client's own signing (it shares the
/// machine with the server) is not counted; and what verifying a signature costs the server per call.
mod api {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};
    use polarshare::server::openapi::signature::{
        acs3_signature, parse_form, percent_encode, read_claim, rpc_v1_signature, verify, SignedRequest,
    };
    use std::collections::BTreeMap;

    const RS: &str = "2020-01-10";
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// ListResourceShares reads the first page with this many shares stored.
    const STORED_SHARES: i64 = 6_200;
    const LIST_REQUESTS: usize = 10_000;
    const ASSOCIATE_REQUESTS: usize = 2_000;

    struct Key {
        id: String,
        secret: String,
    }

    fn headers(action: &str, date: &str, nonce: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "127.0.0.1"),
            ("x-acs-action", action),
            ("x-acs-version", RS),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", EMPTY_SHA256),
            ("accept", "application/json"),
        ] {
            h.insert(k, HeaderValue::from_str(v).expect("header value"));
        }
        h
    }

    const SIGNED: [&str; 7] = [
        "accept",
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ];

    /// One signed call as raw HTTP/1.1, as the Python SDK sends it (POST /, everything in the query).
    fn signed(key: &Key, action: &str, params: &[(String, String)], nonce: &str) -> String {
        let date =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("date");
        let date = format!("{}Z", &date[..19]);
        let raw = params
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let h = headers(action, &date, nonce);
        let query = parse_form(&raw).expect("query");
        let form = BTreeMap::new();
        let signed: Vec<String> = SIGNED.map(str::to_owned).to_vec();
        let signature = acs3_signature(
            &SignedRequest { method: "POST", path: "/", headers: &h, query: &query, form: &form, body: b"" },
            &signed,
            &key.secret,
        );
        let mut request = format!("POST /?{raw} HTTP/1.1\r\n");
        for (k, v) in h.iter() {
            request.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or("")));
        }
        request.push_str(&format!(
            "authorization: ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}\r\ncontent-length: 0\r\n\r\n",
            key.id,
            signed.join(";")
        ));
        request
    }

    fn params(pairs: &[(&str, String)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn principal(n: usize) -> String {
        (2_000_000_000_000_000u64 + (n % PRINCIPALS) as u64).to_string()
    }

    /// Signs every call of a phase up front, then sends them.
    async fn phase(addr: SocketAddr, requests: Vec<String>) -> anyhow::Result<Report> {
        let requests = Arc::new(requests);
        let total = requests.len();
        run_requests(addr, total, move |i| requests[i].clone()).await
    }

    /// CreateResourceShare with one backup set and two external accounts: the share, its set and two
    /// invitations, as the console's share_backup_set above. Each round over the sets invites two
    /// accounts per set that no earlier round did (one pending invitation per account and set); the
    /// console phase invites in rounds 0-3, so after it `first_round` is 4. Each set's 64-account limit
    /// allows 32 rounds in all: 32,000 creates when the console phase did not run.
    fn create_requests(key: &Key, creates: usize, first_round: usize) -> Vec<String> {
        (0..creates)
            .map(|i| {
                let (set, round) = (i % 1_000, first_round + i / 1_000);
                signed(
                    key,
                    "CreateResourceShare",
                    &params(&[
                        ("ResourceShareName", format!("api-{i}")),
                        ("Resources.1.ResourceId", (5_000_000 + set).to_string()),
                        ("Resources.1.ResourceType", "PolarDBBackupSet".to_owned()),
                        ("Targets.1", principal(set * 7 + 2 * round)),
                        ("Targets.2", principal(set * 7 + 2 * round + 1)),
                        ("AllowExternalTargets", "True".to_owned()),
                    ]),
                    &format!("c{i}"),
                )
            })
            .collect()
    }

    async fn owner_key(state: &AppState) -> anyhow::Result<Key> {
        let made = polarshare::server::services::access_keys::create_for_login(&state.writer, &state.clock, "owner")
            .await
            .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
        Ok(Key { id: made.access_key_id, secret: made.access_key_secret })
    }

    /// Connections and threads of wrk, as scripts/bench-moto.sh drives moto.
    const WRK_CONNECTIONS: usize = 32;
    const WRK_THREADS: usize = 2;

    /// CreateResourceShare driven by wrk (`POLARSHARE_BENCH_ONLY=api-wrk`, `POLARSHARE_BENCH_WRK_SECONDS`,
    /// default 12), the client scripts/bench-moto.sh measures moto with, so that the two servers are
    /// compared under one client: a separate process of a few percent of a core, where this benchmark's
    /// own client shares the server's runtime. The calls are signed before wrk starts, each thread
    /// sending its own in turn from a file; the server verifies each as any other.
    pub async fn create_with_wrk(
        addr: SocketAddr,
        state: &AppState,
        dir: &str,
        figures: &mut serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<()> {
        let seconds: u64 =
            std::env::var("POLARSHARE_BENCH_WRK_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
        let key = owner_key(state).await?;
        // As many as the sets' 64-account limit allows (the console phase has not run): enough for
        // 1,600 a second for 20 s. A thread that runs out sends its calls again, which are refused as
        // replays and show as non-2xx answers.
        let requests = create_requests(&key, 32_000, 0);
        for thread in 0..WRK_THREADS {
            let mine: Vec<&str> = requests.iter().skip(thread).step_by(WRK_THREADS).map(String::as_str).collect();
            std::fs::write(format!("{dir}/calls-{}", thread + 1), mine.join("\0"))?;
        }
        let script = format!("{dir}/calls.lua");
        std::fs::write(&script, WRK_SCRIPT.replace("DIR", dir))?;
        let mut wrk = std::process::Command::new("wrk");
        wrk.args(["-t", &WRK_THREADS.to_string(), "-c", &WRK_CONNECTIONS.to_string(), "-d", &format!("{seconds}s")])
            .args(["--timeout", "10s", "--latency", "-s", &script, &format!("http://{addr}/")]);
        let out =
            tokio::task::spawn_blocking(move || wrk.output()).await?.context("running wrk (apt-get install wrk)")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
        }
        let figure = wrk_figures(&text).with_context(|| format!("reading wrk's output:\n{text}"))?;
        println!(
            "\n{:<46} {:>9} {:>9} {:>9} {:>9} {:>8}",
            format!("wrk, {WRK_CONNECTIONS} connections, {seconds} s"),
            "requests",
            "p50 ms",
            "p99 ms",
            "req/s",
            "non-2xx"
        );
        println!(
            "{:<46} {:>9} {:>9.2} {:>9.2} {:>9.0} {:>8}",
            "CreateResourceShare (1 set, 2 targets)",
            figure["requests"],
            figure["p50_ms"].as_f64().unwrap_or(0.0),
            figure["p99_ms"].as_f64().unwrap_or(0.0),
            figure["per_s"].as_f64().unwrap_or(0.0),
            figure["errors"]
        );
        figures.insert("api_create_wrk".into(), figure);
        Ok(())
    }

    /// Each wrk thread reads its calls (NUL-separated raw requests) and sends them in order.
    const WRK_SCRIPT: &str = r#"
local threads = 0
function setup(thread) threads = threads + 1; thread:set("n", threads) end
function init(args)
  local f = assert(io.open("DIR/calls-" .. n, "rb"))
  local all = f:read("*a")
  f:close()
  calls = {}
  for call in string.gmatch(all .. "\0", "(.-)%z") do calls[#calls + 1] = call end
  sent = 0
end
function request()
  sent = sent + 1
  return calls[(sent - 1) % #calls + 1]
end
"#;

    /// Requests, p50, p99, req/s and non-2xx answers from `wrk --latency`'s output.
    fn wrk_figures(text: &str) -> Option<serde_json::Value> {
        let ms = |v: &str| -> Option<f64> {
            let split = v.find(|c: char| c.is_ascii_alphabetic())?;
            let (n, unit) = v.split_at(split);
            let n: f64 = n.parse().ok()?;
            Some(match unit {
                "us" => n / 1e3,
                "ms" => n,
                "s" => n * 1e3,
                "m" => n * 60e3,
                _ => return None,
            })
        };
        let field = |starts: &str, nth: usize| {
            text.lines()
                .find(|l| l.trim_start().starts_with(starts))
                .and_then(|l| l.split_whitespace().nth(nth).map(str::to_owned))
        };
        let requests: u64 =
            text.lines().find(|l| l.contains("requests in"))?.split_whitespace().next()?.parse().ok()?;
        let errors: u64 = field("Non-2xx", 4).and_then(|v| v.parse().ok()).unwrap_or(0);
        Some(serde_json::json!({
            "requests": requests,
            "p50_ms": ms(&field("50%", 1)?)?,
            "p99_ms": ms(&field("99%", 1)?)?,
            "per_s": field("Requests/sec:", 1)?.parse::<f64>().ok()?,
            "errors": errors,
        }))
    }

    pub async fn run_phases(
        addr: SocketAddr,
        state: &AppState,
        figures: &mut serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<()> {
        let key = owner_key(state).await?;
        let stored: i64 = sqlx::query_scalar("select count(*) from resource_share").fetch_one(&state.pool).await?;
        let creates = (STORED_SHARES - stored).max(2_000) as usize;
        println!(
            "\n{:<34} {:>9} {:>9} {:>9} {:>10}",
            "OpenAPI action (signed)", "requests", "p50 ms", "p99 ms", "req/s"
        );

        let create = phase(addr, create_requests(&key, creates, 4)).await?;
        figures.insert("api_create".into(), create.print("CreateResourceShare (1 set, 2 targets)"));

        // AssociateResourceShare adding one more account to shares the phase above made.
        let shares: Vec<(String, String)> = sqlx::query_as(
            "select rs.resource_share_id, sr.backup_set_id from resource_share rs join share_resource sr on sr.resource_share_id = rs.resource_share_id
             where rs.resource_share_name like 'api-%' order by rs.resource_share_id limit ?",
        )
        .bind(ASSOCIATE_REQUESTS as i64)
        .fetch_all(&state.pool)
        .await?;
        // Each association invites an account its set has not invited yet: past the offsets from the
        // set's first account that the phases above invited (0-7 the console's, then two per round of
        // creates), however many creates ran (all 6,200 when the console's phase did not run).
        let first_free = 2 * (4 + (creates - 1) / 1_000) + 1;
        let mut per_set: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let requests = shares
            .iter()
            .enumerate()
            .map(|(i, (share, set))| {
                let set: usize = set.parse::<usize>().unwrap_or(5_000_000) - 5_000_000;
                let nth = per_set.entry(set).or_default();
                *nth += 1;
                signed(
                    &key,
                    "AssociateResourceShare",
                    &params(&[
                        ("ResourceShareId", share.clone()),
                        ("Targets.1", principal(set * 7 + first_free + *nth)),
                    ]),
                    &format!("a{i}"),
                )
            })
            .collect();
        let associate = phase(addr, requests).await?;
        figures.insert("api_associate".into(), associate.print("AssociateResourceShare (+1 target)"));

        let stored: i64 = sqlx::query_scalar("select count(*) from resource_share").fetch_one(&state.pool).await?;
        let requests = (0..LIST_REQUESTS)
            .map(|i| {
                signed(
                    &key,
                    "ListResourceShares",
                    &params(&[("ResourceOwner", "Self".to_owned()), ("MaxResults", "20".to_owned())]),
                    &format!("l{i}"),
                )
            })
            .collect();
        let list = phase(addr, requests).await?;
        let label = format!("ListResourceShares ({stored} stored)");
        let mut figure = list.print(&label);
        figure["stored_shares"] = stored.into();
        figures.insert("api_list".into(), figure);

        // Not a goal: the same query for pages nobody has read yet (each call starts after another of the
        // owner's shares, so none is answered from the kept pages): what a page costs from the database.
        let after: Vec<(String, String)> = sqlx::query_as("select created_at, resource_share_id from resource_share where owner_account_id = ? order by created_at desc, resource_share_id desc")
            .bind(OWNER)
            .fetch_all(&state.pool)
            .await?;
        let requests = after
            .iter()
            .enumerate()
            .map(|(i, (created_at, id))| {
                let token = polarshare::server::openapi::encode_token(&[created_at.clone(), id.clone()]);
                signed(
                    &key,
                    "ListResourceShares",
                    &params(&[
                        ("ResourceOwner", "Self".to_owned()),
                        ("MaxResults", "20".to_owned()),
                        ("NextToken", token),
                    ]),
                    &format!("u{i}"),
                )
            })
            .collect();
        let unread = phase(addr, requests).await?;
        figures.insert("api_list_unread".into(), unread.print("ListResourceShares, pages not read before"));

        let (acs3, v1) = signature_cost(&key);
        println!("signature verification per call: ACS3-HMAC-SHA256 {acs3:.1} us, HMAC-SHA1 (v1) {v1:.1} us (in process, one core)");
        figures.insert("signature_us".into(), serde_json::json!({ "acs3": acs3, "v1": v1 }));
        Ok(())
    }

    /// What the server's signature check (read the claim, recompute, compare) costs, in microseconds,
    /// for a ListResourceShares call signed each way.
    fn signature_cost(key: &Key) -> (f64, f64) {
        const ROUNDS: u32 = 20_000;
        let (form, body) = (BTreeMap::new(), b"".as_slice());
        let raw = "MaxResults=20&ResourceOwner=Self";
        let query = parse_form(raw).expect("query");
        let h = headers("ListResourceShares", "2026-11-27T00:00:00Z", "n");
        let signed: Vec<String> = SIGNED.map(str::to_owned).to_vec();
        let signature = acs3_signature(
            &SignedRequest { method: "POST", path: "/", headers: &h, query: &query, form: &form, body },
            &signed,
            &key.secret,
        );
        let mut h3 = h.clone();
        h3.insert(
            "authorization",
            HeaderValue::from_str(&format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}",
                key.id,
                signed.join(";")
            ))
            .expect("auth"),
        );
        let acs3 = SignedRequest { method: "POST", path: "/", headers: &h3, query: &query, form: &form, body };

        let v1_raw = format!("{raw}&Action=ListResourceShares&Version={RS}&Format=json&Timestamp=2026-11-27T00%3A00%3A00Z&SignatureNonce=n&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId={}", key.id);
        let mut v1_query = parse_form(&v1_raw).expect("query");
        let empty = HeaderMap::new();
        let v1_signature = rpc_v1_signature(
            &SignedRequest { method: "POST", path: "/", headers: &empty, query: &v1_query, form: &form, body },
            &key.secret,
        );
        v1_query.insert("Signature".into(), v1_signature);
        let v1 = SignedRequest { method: "POST", path: "/", headers: &empty, query: &v1_query, form: &form, body };

        let time = |request: &SignedRequest| {
            let t = Instant::now();
            for _ in 0..ROUNDS {
                let claim = read_claim(request).expect("claim");
                verify(request, &claim, &key.secret).expect("a valid signature");
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS)
        };
        (time(&acs3), time(&v1))
    }
}

/// How long a failed sign-in takes for a name that exists and for one that does not. The server does
/// the same work for both (one argon2 check, against [`polarshare::server::auth`]'s fixed hash for an
/// unknown name, and one audit row for the first failure of a name), so that the time does not tell
/// which names exist; this measures it. One client, so no request waits behind another; the two kinds
/// alternate (which one goes first alternating too), so a change in the machine's load falls on both.
/// Each name fails once: every sample is a first failure, with its audit row.
mod sign_in_timing {
    use super::*;

    /// Per kind: ~40 ms a sample on this machine's release build, ~12 s in all.
    const SAMPLES: usize = 150;

    /// Gives the first [`SAMPLES`] principal accounts a root sign-in name, all with one password's
    /// hash (hashing each would cost the seeding seconds and change nothing a check does).
    async fn seed_known_names(state: &AppState) -> anyhow::Result<Vec<String>> {
        let hash = polarshare::server::auth::hash_password("Bench-Known-2026")?.0;
        let now = db::ts(state.clock.now());
        let mut tx = db::begin_write(&state.pool).await?;
        let mut names = Vec::with_capacity(SAMPLES);
        for p in 0..SAMPLES {
            let (account, login) = (format!("{}", 2_000_000_000_000_000u64 + p as u64), format!("known{p:04}"));
            accounts::insert_identity(&mut tx, &account, &login, "root", &hash, &[], &now).await?;
            names.push(login);
        }
        tx.commit().await?;
        Ok(names)
    }

    /// Median and 90th percentile in milliseconds.
    fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
        samples.sort();
        (percentile_ms(&samples, 0.5), percentile_ms(&samples, 0.9))
    }

    pub async fn run(
        addr: SocketAddr,
        state: &AppState,
        figures: &mut serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<()> {
        let known = seed_known_names(state).await?;
        let mut conn = Connection::open(addr).await?;
        let (mut known_times, mut unknown_times) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
        for (i, name) in known.iter().enumerate() {
            let unknown = format!("nobody{i:04}");
            let mut pair = [(name.as_str(), &mut known_times), (unknown.as_str(), &mut unknown_times)];
            if i % 2 == 1 {
                pair.reverse();
            }
            for (login, times) in pair {
                let t = Instant::now();
                let (status, _) = conn
                    .post(
                        "/api/sign_in",
                        "application/x-www-form-urlencoded",
                        &format!("login={login}&password=Wrong-Pass-2026"),
                        "",
                    )
                    .await?;
                times.push(t.elapsed());
                if status != 401 {
                    bail!("a failed sign-in of {login} answered {status}, not 401");
                }
            }
        }
        let ((k50, k90), (u50, u90)) = (percentiles(known_times), percentiles(unknown_times));
        println!("\n{:<34} {:>9} {:>9} {:>9}", "failed sign-in (1 client)", "requests", "p50 ms", "p90 ms");
        println!("{:<34} {:>9} {:>9.2} {:>9.2}", "known name", SAMPLES, k50, k90);
        println!("{:<34} {:>9} {:>9.2} {:>9.2}", "unknown name", SAMPLES, u50, u90);
        let kind = |p50: f64, p90: f64| serde_json::json!({ "p50_ms": p50, "p90_ms": p90, "samples": SAMPLES });
        figures
            .insert("sign_in_failed".into(), serde_json::json!({ "known": kind(k50, k90), "unknown": kind(u50, u90) }));
        Ok(())
    }
}
