#!/usr/bin/env bash
# Installs whatever this machine lacks to build, serve and test polarshare.
# Idempotent: every step checks first, so a second run takes seconds.
# The versions are pinned because they must match each other (see Cargo.toml's wasm-bindgen pin)
# and because cargo-leptos would otherwise try to download tools from GitHub, which fails offline.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
have cargo || { echo "setup: cargo (rustup) is required" >&2; exit 1; }

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if ! wasm-bindgen --version 2>/dev/null | grep -q '0.2.130'; then
  cargo install wasm-bindgen-cli --version 0.2.130
fi
if ! cargo leptos --version 2>/dev/null | grep -q '0.3.10'; then
  cargo install cargo-leptos --version 0.3.10 --locked
fi
if ! wasm-opt --version 2>/dev/null | grep -q 'version 116'; then
  cargo install wasm-opt --version 0.116.1 --locked
fi
if ! have chromium; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
# The official Alibaba Cloud Python SDKs, pinned, for the OpenAPI scenario (scripts/sdk_scenario.py).
if ! .venv-sdk/bin/python -c 'import alibabacloud_resourcesharing20200110, alibabacloud_polardb20170801' 2>/dev/null; then
  python3 -m venv .venv-sdk
  .venv-sdk/bin/pip install --quiet alibabacloud-resourcesharing20200110==2.2.2 alibabacloud-polardb20170801==9.2.1 \
    alibabacloud-tea-openapi==0.4.6 darabonba-core==1.0.9
fi
if [ ! -d end2end/node_modules/@playwright/test ]; then
  (cd end2end && npm ci --no-audit --no-fund)
fi
