#!/usr/bin/env bash
# Measures moto 5.2.5's server (the AWS emulator issue 11 compares polarshare's OpenAPI with) on this
# machine: RAM GetResourceShares with 6,200 shares stored, then RAM CreateResourceShare, each from 32
# keep-alive connections with wrk. Then polarshare's CreateResourceShare from the same wrk settings
# (the benchmark binary's `api-wrk` phase: signed calls, verified as any other), and the ratio. Issue
# 11's moto figures are only comparable with polarshare's when both are measured on the same machine in
# the same hour (docs/performance.md, stop 23). POLARSHARE_ONLY_MOTO=1 skips polarshare (and its build).
#   scripts/bench-moto.sh   MOTO_VENV (default .venv-moto), MOTO_SECONDS (Create's run, default 20),
#                           MOTO_STORED (shares stored when the list is measured, default 6200)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MOTO_VENV:-.venv-moto} seconds=${MOTO_SECONDS:-20} stored=${MOTO_STORED:-6200}
# moto does not page: every GetResourceShares answers all stored shares (~2 MB at 6,200, ~0.3 s of one
# core), so 32 calls end together every several seconds; a run three times as long counts enough of them.
list_seconds=$((seconds * 3))
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Pinned: the issue's figures are moto 5.2.5's, and other versions may page or store differently.
[ -x "$venv/bin/moto_server" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'moto[server]==5.2.5'; }
command -v wrk >/dev/null || apt-get install -y wrk

tmp=$(mktemp -d)
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; wait $moto 2>/dev/null; rm -rf "$tmp"' EXIT
url=http://127.0.0.1:$port
until curl -sf -o /dev/null "$url/moto-api/"; do sleep 0.2; done

# moto_server picks the service from the Authorization header's credential scope (without it: 500) and
# never checks the signature, so one fixed header stands for the SigV4 one boto3 computes per call.
auth='AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/ram/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0'
# The body boto3 sends. moto refuses resource types RAM cannot share (MalformedArnException), so an
# Aurora cluster stands for the backup set; two accounts as principals, as polarshare's bench names.
share='"resourceArns": ["arn:aws:rds:us-east-1:123456789012:cluster:orders-prod"], "principals": ["111111111111", "222222222222"]'
# boto3 sends only resourceOwner by default; maxResults 20 is what polarshare's bench reads (moto
# ignores it and answers every share either way).
list='{"resourceOwner": "SELF", "maxResults": 20}'

check() {
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/$1" -H 'Content-Type: application/json' -H "Authorization: $auth" -d "$2")
  [ "$code" = 200 ] || { echo "moto answered $code to /$1"; exit 1; }
}
check createresourceshare "{\"name\": \"probe\", $share}"
check getresourceshares "$list"

# The stored shares, from 4 keep-alive connections (not timed); the probe above is one of them.
"$venv/bin/python" - "$port" "$auth" "$share" "$stored" <<'PY'
import http.client, sys
from concurrent.futures import ThreadPoolExecutor
port, auth, share, stored = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
def store(first):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(first, stored, 4):
        c.request("POST", "/createresourceshare", f'{{"name": "stored-{i}", {share}}}', {"Content-Type": "application/json", "Authorization": auth})
        r = c.getresponse()
        r.read()
        assert r.status == 200, r.status
list(ThreadPoolExecutor(4).map(store, range(1, 5)))
PY

# wrk's Lua: every CreateResourceShare names a new share (thread number and counter), as boto3 would.
cat >"$tmp/ram.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$auth"
wrk.body = '$list'
local n, counter = 0, 0
function setup(thread) n = n + 1; thread:set("id", n) end
function request()
  if wrk.path ~= "/createresourceshare" then return wrk.format() end
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format('{"name": "bench-%d-%d", %s}', id, counter, '$share'))
end
LUA

# moto's threads finish the requests of connections wrk has closed: the 32 lists under way when the
# list's run ends take several seconds of its one core (the GIL). Each run starts once moto has used
# at most 2 ticks (USER_HZ 100: 4 % of a core) in half a second.
cpu_ticks() { awk '{print $14 + $15}' /proc/$moto/stat; }
wait_idle() {
  local before after=$(cpu_ticks)
  while sleep 0.5; before=$after; after=$(cpu_ticks); [ $((after - before)) -gt 2 ]; do :; done
}
# A short warm-up from one connection (moto loads its RAM backend on first use), then the measured run.
# --timeout 60s: a list takes longer than wrk's default 2 s under this load, and wrk leaves timed-out
# requests out of its latencies.
measure() {
  wrk -t1 -c1 -d2s -s "$tmp/ram.lua" "$url/$1" >/dev/null
  wait_idle
  wrk -t2 -c32 -d"$2s" --timeout 60s --latency -s "$tmp/ram.lua" "$url/$1" >"$tmp/$1.txt"
}
# The list first, while exactly $stored shares are stored (the creates add thousands).
measure getresourceshares "$list_seconds"
measure createresourceshare "$seconds"

echo "moto 5.2.5, 32 connections (wrk, 2 threads); list ${list_seconds} s, create ${seconds} s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-46s %9s %9s %9s %9s %8s\n' call requests p50 p99 req/s non-2xx
for call in getresourceshares createresourceshare; do
  f=$tmp/$call.txt
  label=$([ $call = getresourceshares ] && echo "GetResourceShares ($stored stored, SELF)" || echo "CreateResourceShare (1 resource, 2 principals)")
  # wrk prints "Non-2xx or 3xx responses: N" and "Socket errors: ..." only when there are any.
  printf '%-46s %9s %9s %9s %9s %8s\n' "$label" "$(awk '/requests in/ {print $1}' "$f")" \
    "$(awk '$1 == "50%" {print $2}' "$f")" "$(awk '$1 == "99%" {print $2}' "$f")" \
    "$(awk '/Requests\/sec/ {print $2}' "$f")" "$(awk '/Non-2xx/ {print $NF}' "$f" | grep . || echo 0)"
  grep -h 'Socket errors' "$f" || true
done

[ -n "${POLARSHARE_ONLY_MOTO:-}" ] && exit 0
# polarshare's release benchmark binary, built as scripts/bench.sh builds it.
export PATH="$HOME/.cargo/bin:$PATH"
bin="${CARGO_TARGET_DIR:-target}/release/polarshare-bench"
cargo leptos build --release --bin-cargo-args=--bin=polarshare-bench >"$tmp/build.txt" 2>&1 || { cat "$tmp/build.txt"; exit 1; }
echo; echo "polarshare (release), the same wrk settings; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
POLARSHARE_BENCH_ONLY=api-wrk POLARSHARE_BENCH_WRK_SECONDS="$seconds" POLARSHARE_BENCH_JSON="$tmp/polarshare.json" \
  "$bin" target/site/pkg/polarshare.wasm | grep -A1 '^wrk,'
moto_rate=$(awk '/Requests\/sec/ {print $2}' "$tmp/createresourceshare.txt")
python3 - "$tmp/polarshare.json" "$moto_rate" <<'PY'
import json, sys
ours, moto = json.load(open(sys.argv[1]))["api_create_wrk"]["per_s"], float(sys.argv[2])
print(f"CreateResourceShare under one client: polarshare {ours:.0f} req/s, moto {moto:.0f} req/s: {ours / moto:.1f}x")
PY
