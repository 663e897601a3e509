#!/usr/bin/env bash
# Builds the release site (for the wasm size) and runs the benchmark: 10,000 backup sets, 100 clusters,
# 1,000 principals, 32 concurrent clients on loopback. Prints p50/p99 and requests per second.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release
cargo run --release --features ssr --bin polarshare-bench -- target/site/pkg/polarshare.wasm
