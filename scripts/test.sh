#!/usr/bin/env bash
# Runs every test: Rust unit + integration tests, then the Playwright flows in Debian's Chromium against
# a release build of the console on a fresh SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
log=$(mktemp -d)

echo "== Formatting (rustfmt.toml)"
# Checked first because it takes a second: one layout for the whole tree keeps every diff to what changed.
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --check || { echo "cargo fmt --check: run \`cargo fmt\` and commit the result"; exit 1; }
else
  echo "rustfmt is not installed here: formatting not checked"
fi

echo "== Rust unit and integration tests"
# Through cargo-nextest where the machine has it (it does by default): every test gets its own process
# and time limit (scripts/nextest.toml), so a stalled test is killed and named. The whole step is
# bounded too, for the `cargo test` fallback.
if cargo nextest --version >/dev/null 2>&1; then
  timeout 1500 cargo nextest run --features ssr --config-file scripts/nextest.toml 2>&1 | tee "$log/cargo.txt"
else
  timeout 1500 cargo test --features ssr 2>&1 | tee "$log/cargo.txt"
fi

echo "== Playwright end-to-end tests (release build)"
cargo leptos build --release
db_dir=$(mktemp -d)
# The built server, on a fresh database, with a short revocation delay and restore time so those flows
# run in seconds. (Started here rather than by `cargo leptos end-to-end`, whose exit status reports the
# server's interruption rather than the tests'.) With the demo data, and with the per-address sign-in
# limits raised: every spec signs in from 127.0.0.1, and only the throttle spec's own names may be throttled.
LEPTOS_OUTPUT_NAME=polarshare LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3300 RUST_LOG=warn POLARSHARE_DEMO_DATA=true \
  POLARSHARE_SIGN_IN_ADDRESS_FREE=1000 POLARSHARE_SIGN_IN_ADDRESS_LOCK=2000 \
  POLARSHARE_DB="$db_dir/e2e.db" POLARSHARE_REVOCATION_DELAY_SECS=5 POLARSHARE_RESTORE_SECS=6 \
  target/release/polarshare > "$log/server.txt" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$db_dir"' EXIT
e2e_status=0
(cd end2end && BASE_URL=http://127.0.0.1:3300 npx playwright test) 2>&1 | tee "$log/e2e.txt" || e2e_status=$?
kill $server 2>/dev/null || true
if [ "$e2e_status" -ne 0 ]; then
  echo "server log (last 50 lines):"; tail -n 50 "$log/server.txt"
fi

echo "== The official Alibaba Cloud Python SDKs against the release server (OpenAPI)"
sdk_db=$(mktemp -d)
LEPTOS_OUTPUT_NAME=polarshare LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3302 RUST_LOG=warn POLARSHARE_DEMO_DATA=true \
  POLARSHARE_DB="$sdk_db/sdk.db" POLARSHARE_REVOCATION_DELAY_SECS=5 POLARSHARE_RESTORE_SECS=3 \
  target/release/polarshare > "$log/sdk-server.txt" 2>&1 &
sdk_server=$!
trap 'kill $server $sdk_server 2>/dev/null || true; rm -rf "$db_dir" "$sdk_db"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:3302/ && break; sleep 0.2; done
sdk_status=0
scripts/sdk-scenario.sh target/release/polarshare "$sdk_db/sdk.db" 127.0.0.1:3302 2>&1 | tee "$log/sdk.txt" || sdk_status=$?
kill $sdk_server 2>/dev/null || true
if [ "$sdk_status" -ne 0 ]; then
  echo "server log (last 50 lines):"; tail -n 50 "$log/sdk-server.txt"
fi

# One closing line over all runners. (grep finding nothing is not an error here.)
sum() { { grep -hoE "$1" "$2" || true; } | { grep -oE '[0-9]+' || true; } | awk '{ s += $1 } END { print s + 0 }'; }
# cargo test prints "test result: ok. N passed; M failed;" per binary, nextest one "N tests run: N passed, M failed,".
cargo_passed=$(sum 'test result: [a-z]+\. [0-9]+ passed|tests run: [0-9]+ passed' "$log/cargo.txt")
cargo_failed=$(sum '[0-9]+ failed[,;]' "$log/cargo.txt")
e2e_passed=$(sum '^ *[0-9]+ passed' "$log/e2e.txt")
e2e_failed=$(sum '^ *[0-9]+ failed' "$log/e2e.txt")
sdk_passed=$(sum 'sdk scenario: [0-9]+ passed' "$log/sdk.txt")
sdk_failed=$(sum 'passed, [0-9]+ failed' "$log/sdk.txt")
echo "cargo test: $cargo_passed passed, $cargo_failed failed; playwright: $e2e_passed passed, $e2e_failed failed; python sdk: $sdk_passed passed, $sdk_failed failed"
echo "$(( cargo_passed + e2e_passed + sdk_passed )) passed, $(( cargo_failed + e2e_failed + sdk_failed )) failed"
rm -rf "$log"
[ "$e2e_status" -ne 0 ] && exit "$e2e_status"
exit "$sdk_status"
