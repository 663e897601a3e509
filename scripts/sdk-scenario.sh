#!/usr/bin/env bash
# Runs the official Alibaba Cloud Python SDKs (scripts/sdk_scenario.py) against a polarshare server that
# is already serving DATABASE with the demo data on ADDRESS. Makes the AccessKeys it needs with the
# server binary's own `access-key create` (on the same database) and prints the scenario's lines,
# ending with "sdk scenario: N passed, M failed".
#   scripts/sdk-scenario.sh BINARY DATABASE ADDRESS
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$1 database=$2 address=$3
[ -x .venv-sdk/bin/python ] || { echo "sdk scenario: 0 passed, 1 failed (no .venv-sdk: run scripts/setup.sh)"; exit 1; }
keys=$(for login in owner dba@lumen developer@lumen partner member; do
  "$binary" --database "$database" access-key create --login "$login"
done | .venv-sdk/bin/python -c 'import json, sys; print(json.dumps({k["LoginName"]: k for k in map(json.loads, sys.stdin)}))')
POLARSHARE_ENDPOINT="$address" POLARSHARE_KEYS="$keys" .venv-sdk/bin/python scripts/sdk_scenario.py
