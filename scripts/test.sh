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
db_dir=$(mktemp -d)
# A fresh database per run; a short revocation delay so the revocation flow runs in seconds.
POLARSHARE_DB="$db_dir/e2e.db" POLARSHARE_REVOCATION_DELAY_SECS=5 POLARSHARE_RESTORE_SECS=6 \
  cargo leptos end-to-end --release 2>&1 | tee "$log/e2e.txt"
rm -rf "$db_dir"

# One closing line over both runners.
sum() { grep -hoE "$1" "$2" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }'; }
cargo_passed=$(sum 'test result: [a-z]+\. [0-9]+ passed' "$log/cargo.txt")
cargo_failed=$(sum '[0-9]+ failed;' "$log/cargo.txt")
e2e_passed=$(grep -oE '^ *[0-9]+ passed' "$log/e2e.txt" | grep -oE '[0-9]+' | tail -n 1)
e2e_failed=$(grep -oE '^ *[0-9]+ failed' "$log/e2e.txt" | grep -oE '[0-9]+' | tail -n 1)
echo "cargo test: $cargo_passed passed, $cargo_failed failed; playwright: ${e2e_passed:-0} passed, ${e2e_failed:-0} failed"
echo "$(( cargo_passed + ${e2e_passed:-0} )) passed, $(( cargo_failed + ${e2e_failed:-0} )) failed"
rm -rf "$log"
