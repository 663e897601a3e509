#!/usr/bin/env bash
# Runs every test: Rust unit + integration tests, then the Playwright flows in Debian's Chromium against
# a release build of the console on a fresh SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
log=$(mktemp -d)

echo "== Rust unit and integration tests"
cargo test --features ssr 2>&1 | tee "$log/cargo.txt"

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

# One closing line over both runners. (grep finding nothing is not an error here.)
sum() { { grep -hoE "$1" "$2" || true; } | { grep -oE '[0-9]+' || true; } | awk '{ s += $1 } END { print s + 0 }'; }
cargo_passed=$(sum 'test result: [a-z]+\. [0-9]+ passed' "$log/cargo.txt")
cargo_failed=$(sum '[0-9]+ failed;' "$log/cargo.txt")
e2e_passed=$(sum '^ *[0-9]+ passed' "$log/e2e.txt")
e2e_failed=$(sum '^ *[0-9]+ failed' "$log/e2e.txt")
echo "cargo test: $cargo_passed passed, $cargo_failed failed; playwright: $e2e_passed passed, $e2e_failed failed"
echo "$(( cargo_passed + e2e_passed )) passed, $(( cargo_failed + e2e_failed )) failed"
rm -rf "$log"
exit "$e2e_status"
