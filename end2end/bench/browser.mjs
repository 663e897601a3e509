// Browser benchmark: time from navigation to an interactive (hydrated) page, in Debian's Chromium with
// the network emulated at 20 Mbps down / 5 Mbps up / 40 ms latency, cold cache and warm cache, for the
// sign-in page and a signed-in cluster's Data Backups page; and the bytes each asset took on the wire.
//
// Usage: BASE_URL=http://127.0.0.1:3322 node end2end/bench/browser.mjs [runs]
// against a server with the demo data (scripts/bench.sh starts one). Prints Markdown tables; with
// BENCH_JSON=file also writes the medians as JSON (scripts/bench.sh folds them into its summary).
import { chromium } from "@playwright/test";
import { writeFileSync } from "node:fs";

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const RUNS = Number(process.argv[2] ?? 5);
const NETWORK = { offline: false, latency: 40, downloadThroughput: (20e6 / 8), uploadThroughput: (5e6 / 8) };
const PASSWORD = "Demo-Pass-2026";
const PAGES = [
  { name: "sign-in page", path: "/login", login: null },
  { name: "Data Backups (owner)", path: "/clusters/pc-bp1orders0001", login: "owner" },
];

// Installed before any page script: records the moment the app marks itself hydrated (the same marker
// the end-to-end tests wait for), in milliseconds since navigation start.
const RECORD_HYDRATION = () => {
  const seen = () => {
    const app = document.getElementById("app");
    if (app && app.dataset.hydrated === "true" && window.__hydratedAt === undefined) {
      window.__hydratedAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  // When the WebAssembly is compiled and instantiated (wasm-bindgen's glue streams it through one of
  // these): what comes after is hydration.
  for (const name of ["instantiateStreaming", "instantiate"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = (...args) =>
      original.apply(WebAssembly, args).then((result) => {
        window.__instantiatedAt ??= performance.now();
        return result;
      });
  }
};

/** Requests that went over the (emulated) network during one navigation, with their encoded sizes. */
function recordTransfers(cdp) {
  const requests = new Map();
  // Chromium says a request was served from its memory cache before it reports the response.
  const fromMemory = new Set();
  cdp.on("Network.requestServedFromCache", (e) => fromMemory.add(e.requestId));
  cdp.on("Network.responseReceived", (e) => {
    requests.set(e.requestId, {
      url: new URL(e.response.url).pathname,
      status: e.response.status,
      encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "-",
      cacheControl: e.response.headers["cache-control"] ?? e.response.headers["Cache-Control"] ?? "-",
      fromCache: fromMemory.has(e.requestId) || e.response.fromDiskCache || e.response.fromPrefetchCache || false,
      bytes: 0,
    });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  return {
    take() {
      const list = [...requests.values()];
      requests.clear();
      fromMemory.clear();
      return list;
    },
  };
}

async function measure(browser, { path, login }) {
  const context = await browser.newContext();
  if (login) {
    // Signed in without a page: the browser cache stays cold.
    const r = await context.request.post(`${BASE}/api/sign_in`, { form: { login, password: PASSWORD } });
    if (r.status() !== 200) throw new Error(`sign-in as ${login}: ${r.status()} ${await r.text()}`);
  }
  await context.addInitScript(RECORD_HYDRATION);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  const transfers = recordTransfers(cdp);
  const visit = async () => {
    await page.goto(`${BASE}${path}`, { waitUntil: "load" });
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
    // Let late requests (favicon) finish so they are counted.
    await page.waitForLoadState("networkidle");
    // Where the time went: the page received, the WebAssembly received, compiled and instantiated,
    // then hydrated.
    const at = await page.evaluate(() => {
      const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"));
      return {
        tti: window.__hydratedAt,
        page: performance.getEntriesByType("navigation")[0].responseEnd,
        wasm: wasm ? wasm.responseEnd : 0,
        instantiated: window.__instantiatedAt ?? 0,
      };
    });
    return { ...at, requests: transfers.take() };
  };
  const cold = await visit();
  const warm = await visit();
  await context.close();
  return { cold, warm };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const results = [];
for (const target of PAGES) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure(browser, target));
  results.push({ target, runs });
}
await browser.close();

console.log(`\nChromium, network emulated at 20 Mbps down / 5 Mbps up / 40 ms latency; median of ${RUNS} runs (min-max)\n`);
console.log("| page | cold: navigation -> hydrated | (page received / wasm received / instantiated) | warm | requests cold / warm | bytes cold / warm |");
console.log("|---|---|---|---|---|---|");
const summary = {};
for (const { target, runs } of results) {
  const cold = runs.map((r) => r.cold.tti);
  const warm = runs.map((r) => r.warm.tti);
  const sent = (v) => v.requests.filter((r) => !r.fromCache);
  const bytes = (v) => sent(v).reduce((s, r) => s + r.bytes, 0);
  const row = {
    cold: median(cold), coldMin: Math.min(...cold), coldMax: Math.max(...cold),
    warm: median(warm), warmMin: Math.min(...warm), warmMax: Math.max(...warm),
    coldRequests: sent(runs[0].cold).length, warmRequests: sent(runs[0].warm).length,
    coldBytes: bytes(runs[0].cold), warmBytes: bytes(runs[0].warm),
    coldPage: median(runs.map((r) => r.cold.page)), coldWasm: median(runs.map((r) => r.cold.wasm)),
    coldInstantiated: median(runs.map((r) => r.cold.instantiated)),
  };
  summary[target.name] = row;
  console.log(
    `| ${target.name} | ${row.cold.toFixed(0)} ms (${row.coldMin.toFixed(0)}-${row.coldMax.toFixed(0)}) | ` +
      `${row.coldPage.toFixed(0)} / ${row.coldWasm.toFixed(0)} / ${row.coldInstantiated.toFixed(0)} ms | ` +
      `${row.warm.toFixed(0)} ms (${row.warmMin.toFixed(0)}-${row.warmMax.toFixed(0)}) | ` +
      `${row.coldRequests} / ${row.warmRequests} | ${kb(row.coldBytes)} / ${kb(row.warmBytes)} |`,
  );
}

console.log("\nBytes on the wire per request (first run; a warm request served from cache shows as cache)\n");
console.log("| page | visit | request | status | encoding | cache-control | transferred |");
console.log("|---|---|---|---|---|---|---|");
for (const { target, runs } of results) {
  for (const visit of ["cold", "warm"]) {
    for (const r of runs[0][visit].requests) {
      console.log(
        `| ${target.name} | ${visit} | ${r.url} | ${r.status} | ${r.encoding} | ${r.cacheControl} | ${r.fromCache ? "cache" : kb(r.bytes)} |`,
      );
    }
  }
}
const wasm = results[0].runs[0].cold.requests.find((r) => r.url.endsWith(".wasm"));
summary.wasm = wasm ? { bytes: wasm.bytes, encoding: wasm.encoding } : null;
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(summary, null, 2));
