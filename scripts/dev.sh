#!/usr/bin/env bash
# Sets up whatever is missing, then starts the console with demo data on an embedded SQLite file
# (data/polarshare.db) at http://127.0.0.1:3000, rebuilding on change (cargo-leptos watch).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p data
# The demo accounts (README, "Demo sign-ins") go into the empty database; a real deployment starts empty.
export POLARSHARE_DEMO_DATA="${POLARSHARE_DEMO_DATA:-true}"
exec cargo leptos watch
