//! polarshare-bench: seeds 10,000 backup sets across 100 clusters and 1,000 principal accounts, serves
//! the real router on a loopback port, and measures two server functions under 32 concurrent clients
//! over keep-alive HTTP/1.1: listing one cluster's page of backup sets, and sharing a backup set.
//! Prints p50/p99 latency and requests per second, and the release wasm size (raw and gzip -9).
//!
//! Run it with `scripts/bench.sh` (builds the release site first). Traffic goes to 127.0.0.1 only and
//! every loop is bounded by a request count.

use anyhow::{bail, Context};
use axum::serve::ListenerExt;
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
    println!("seeded {} backup sets in {CLUSTERS} clusters and {PRINCIPALS} principals in {:.1?}", CLUSTERS * SETS_PER_CLUSTER, started.elapsed());

    let state = AppState {
        leptos_options: LeptosOptions::builder().output_name("polarshare").build(),
        pool,
        clock,
        // Every share invites two accounts that never answer: the pending-invitation cap would refuse
        // most of the phase, and the benchmark measures shares that succeed.
        settings: Settings { max_pending_invitations: u32::MAX, ..Settings::default() },
        guard: polarshare::server::auth::SignInGuard::for_settings(&Settings::default()),
        writer: database.writer,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, router(state)).await });

    let cookie = sign_in(addr).await?;
    println!("\n{} concurrent clients, keep-alive HTTP/1.1 on loopback\n", clients());
    println!("{:<34} {:>9} {:>9} {:>9} {:>10}", "server function", "requests", "p50 ms", "p99 ms", "req/s");

    // POLARSHARE_BENCH_ONLY=list or =share runs one phase (for profiling one path alone).
    let only = std::env::var("POLARSHARE_BENCH_ONLY").unwrap_or_default();
    if only != "share" {
        // Baseline: the cheapest signed-in call (session lookup only), to separate per-request overhead
        // from the listing's own queries.
        let baseline =
            run(addr, &cookie, LIST_REQUESTS, |_| ("current_viewer", "application/x-www-form-urlencoded", String::new())).await?;
        baseline.print("current_viewer (baseline)");

        let list = run(addr, &cookie, LIST_REQUESTS, |i| {
            let cluster = i % CLUSTERS;
            let page = 1 + (i / CLUSTERS) % 4;
            ("list_backup_sets", "application/x-www-form-urlencoded", format!("cluster_id=pc-bench{cluster:05}&page={page}"))
        })
        .await?;
        list.print("list_backup_sets (one page of 30)");
    }
    if only == "list" {
        return Ok(());
    }
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
    share.print("share_backup_set (new share)");

    println!();
    match std::fs::metadata(&wasm) {
        Ok(meta) => {
            let gz = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("gzip -9 -c '{wasm}' | wc -c"))
                .output()
                .context("running gzip")?;
            let gz: u64 = String::from_utf8_lossy(&gz.stdout).trim().parse().unwrap_or(0);
            println!("release wasm {wasm}: {:.1} KB raw, {:.1} KB gzip -9", meta.len() as f64 / 1024.0, gz as f64 / 1024.0);
        }
        Err(_) => println!("release wasm not found at {wasm}: build it with `cargo leptos build --release` first"),
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
            id: &cluster, account: OWNER, region: "cn-hangzhou", name: "bench", edition: "Cluster",
            ha_mode: "MultiZone", tde: false, disk_encryption: false, status: "Running",
        };
        seed::insert_cluster(&mut tx, &spec, &now_s).await?;
        for n in 0..SETS_PER_CLUSTER {
            // Backup set ids are assigned so that set 5,000,000 + k is in cluster k % 100: the share
            // benchmark's first 1,000 sets then spread over every cluster.
            let id = (5_000_000 + (n * CLUSTERS + c) as u64).to_string();
            let started = now - time::Duration::hours(n as i64 * 6 + 1);
            seed::insert_backup_set(&mut tx, &seed::BackupSpec {
                id: &id, cluster: &cluster, account: OWNER, region: "cn-hangzhou", started, status: "Success",
                level: "Level-1", expires: now + time::Duration::days(30), lock: "None",
            })
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

impl Report {
    fn print(&self, name: &str) {
        let mut l = self.latencies.clone();
        l.sort();
        let pct = |p: f64| l[((l.len() as f64 * p).ceil() as usize).saturating_sub(1).min(l.len() - 1)].as_secs_f64() * 1e3;
        println!(
            "{name:<34} {:>9} {:>9.2} {:>9.2} {:>10.0}{}",
            l.len(),
            pct(0.50),
            pct(0.99),
            l.len() as f64 / self.elapsed.as_secs_f64(),
            if self.errors > 0 { format!("   ({} non-200 answers)", self.errors) } else { String::new() }
        );
    }
}

/// Sends `total` requests from `CLIENTS` connections; request `i` is built by `make(i)`.
async fn run<F>(addr: SocketAddr, cookie: &str, total: usize, make: F) -> anyhow::Result<Report>
where
    F: Fn(usize) -> (&'static str, &'static str, String) + Send + Sync + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients() {
        let (next, make, cookie) = (next.clone(), make.clone(), cookie.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(addr).await?;
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let (name, content_type, body) = make(i);
                let t = Instant::now();
                let (status, _) = conn.post(&format!("/api/{name}"), content_type, &body, &cookie).await?;
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
        .find_map(|l| l.to_ascii_lowercase().starts_with("set-cookie:").then(|| l[11..].trim().split(';').next().unwrap_or("").to_owned()))
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
    async fn post(&mut self, path: &str, content_type: &str, body: &str, cookie: &str) -> anyhow::Result<(u16, String)> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nAccept: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
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
