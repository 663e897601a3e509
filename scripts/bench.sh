#!/usr/bin/env bash
# Both benchmarks on the release build, then one table:
# - browser (end2end/bench/browser.mjs): the release server with the demo data; Debian's Chromium with
#   the network emulated at 20 Mbps down / 5 Mbps up / 40 ms latency; navigation -> hydrated with a
#   cold and a warm cache for the sign-in page and a cluster's Data Backups page, and the bytes per asset;
# - server (benches/bench.rs): 10,000 backup sets, 100 clusters, 1,000 principals, 32 concurrent clients
#   on loopback; p50/p99 and requests per second of list_backup_sets and share_backup_set.
# POLARSHARE_BENCH_PORT (default 3322) is the browser benchmark's server port; BENCH_RUNS (default 5)
# the browser runs per page.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
bin="${CARGO_TARGET_DIR:-target}/release"
port=${POLARSHARE_BENCH_PORT:-3322}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

# One cargo run for the site, the server and the benchmark binary (the same build settings, so the
# crate is compiled once for both binaries).
cargo leptos build --release --bin-cargo-args=--bin=polarshare-bench

echo "== browser benchmark"
LEPTOS_OUTPUT_NAME=polarshare LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:$port RUST_LOG=info POLARSHARE_DEMO_DATA=true POLARSHARE_DB="$work/demo.db" \
  "$bin/polarshare" > "$work/server.log" 2>&1 &
server=$!
# The server compresses the site's files in the background after it starts: measure once that is done.
for _ in $(seq 240); do
  grep -q "compressed the site's files" "$work/server.log" && break
  kill -0 $server 2>/dev/null || { echo "the server did not start (is port $port taken?):"; cat "$work/server.log"; exit 1; }
  sleep 0.5
done
(cd end2end && BASE_URL="http://127.0.0.1:$port" BENCH_JSON="$work/browser.json" node bench/browser.mjs "${BENCH_RUNS:-5}")
kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; server=

echo; echo "== server benchmark"
POLARSHARE_BENCH_JSON="$work/server.json" "$bin/polarshare-bench" target/site/pkg/polarshare.wasm

echo; echo "== summary ($(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"; echo
node end2end/bench/summary.mjs "$work/browser.json" "$work/server.json"
