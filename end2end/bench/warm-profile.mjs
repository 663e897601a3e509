// Where a warm visit's time goes: the same pages and network emulation as browser.mjs, a first visit to
// fill the cache, then a second visit recorded with a Chrome DevTools Protocol trace (main-thread tasks)
// and a sampled CPU profile (which functions ran). Prints medians over the runs of
//  - the milestones: page headers and body received, glue script received, WebAssembly instantiated,
//    hydrate() entered and left, hydrated marker set;
//  - main-thread time by trace event (parsing, script, style, layout, paint, wasm module load);
//  - the CPU profile's self time by function, between navigation and the hydrated marker.
//
// Usage: BASE_URL=http://127.0.0.1:3322 node end2end/bench/warm-profile.mjs [runs] [top-functions]
// Profiling slows the page down (~10-20 %): compare its figures with each other, not with browser.mjs.
// The release wasm has no function names; a build whose wasm keeps its name section shows them.
import { chromium } from "@playwright/test";

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const RUNS = Number(process.argv[2] ?? 7);
const TOP = Number(process.argv[3] ?? 25);
const NETWORK = { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 5e6 / 8 };
const PASSWORD = "Demo-Pass-2026";
const PAGES = [
  // PAGE=<part of a name> picks one.
  { name: "sign-in page", path: "/login", login: null },
  { name: "Data Backups (owner)", path: "/clusters/pc-bp1orders0001", login: "owner" },
].filter((p) => !process.env.PAGE || p.name.includes(process.env.PAGE));

// Installed before any page script: the moments around instantiation, hydrate() and the marker.
const RECORD = () => {
  const seen = () => {
    const app = document.getElementById("app");
    if (app && app.dataset.hydrated === "true" && window.__hydratedAt === undefined) {
      window.__hydratedAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  // When the times were rewritten into the viewer's zone (the last change of a text inside a <time>),
  // and when the first Intl.DateTimeFormat was made (its first use starts ICU).
  new MutationObserver((records) => {
    if (records.some((r) => (r.target.parentElement ?? r.target).closest?.("time"))) window.__timesAt = performance.now();
  }).observe(document, { characterData: true, subtree: true });
  const DateTimeFormat = Intl.DateTimeFormat;
  Intl.DateTimeFormat = function (...args) {
    window.__intlAt ??= performance.now();
    return new DateTimeFormat(...args);
  };
  for (const name of ["instantiateStreaming", "instantiate"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = (...args) => {
      window.__instantiateCalledAt ??= performance.now();
      return original.apply(WebAssembly, args).then((result) => {
        window.__instantiatedAt ??= performance.now();
        // wasm-bindgen's glue calls the exported hydrate() once the module is set up: wrap it.
        const exports = result.instance?.exports ?? result.exports;
        if (exports && typeof exports.hydrate === "function") {
          const hydrate = exports.hydrate;
          const wrapped = (...a) => {
            window.__hydrateEnteredAt = performance.now();
            try {
              return hydrate(...a);
            } finally {
              window.__hydrateLeftAt = performance.now();
            }
          };
          try {
            Object.defineProperty(result.instance ? result.instance : result, "exports", {
              value: { ...exports, hydrate: wrapped },
            });
          } catch {}
        }
        return result;
      });
    };
  }
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

/** Self time per function (ms) in [from, to] (µs since the profile's clock), and per-category sums. */
function selfTimes(profile, from, to) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const parents = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  const nameOf = (node) => {
    const { functionName, url } = node.callFrame;
    const file = url ? url.split("/").pop().replace(/\.[0-9a-f]{16}\./, ".") : "";
    return `${functionName || "(anonymous)"}${file ? ` [${file}]` : ""}`;
  };
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (t < from || t > to) continue;
    const node = byId.get(profile.samples[i]);
    self.set(nameOf(node), (self.get(nameOf(node)) ?? 0) + next / 1000);
    // Inclusive time, prefixed "total: ", for each function once per sample.
    const seenHere = new Set();
    for (let id = node.id; id !== undefined; id = parents.get(id)) {
      const key = `total: ${nameOf(byId.get(id))}`;
      if (seenHere.has(key)) continue;
      seenHere.add(key);
      self.set(key, (self.get(key) ?? 0) + next / 1000);
    }
  }
  return self;
}

async function warmVisit(browser, { path, login }) {
  const context = await browser.newContext();
  if (login) {
    const r = await context.request.post(`${BASE}/api/sign_in`, { form: { login, password: PASSWORD } });
    if (r.status() !== 200) throw new Error(`sign-in as ${login}: ${r.status()}`);
  }
  await context.addInitScript(RECORD);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  const visit = async () => {
    await page.goto(`${BASE}${path}`, { waitUntil: "load" });
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
    await page.waitForLoadState("networkidle");
  };
  // COLD=1: record the first visit instead.
  if (!process.env.COLD) {
    await visit(); // fills the HTTP cache and V8's code cache
    await page.goto("about:blank");
    // V8 caches a module's compiled code after it is used a few times; a third visit is what a
    // returning user sees, so warm it once more.
    await visit();
    await page.goto("about:blank");
  }

  const events = [];
  cdp.on("Tracing.dataCollected", (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.start", {
    transferMode: "ReportEvents",
    traceConfig: {
      includedCategories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.wasm", "v8.execute", "blink.user_timing", "loading"],
    },
  });
  // NOPROFILE=1: the trace alone (the sampling profiler adds ~15 ms at its start and slows scripts).
  const profiling = !process.env.NOPROFILE;
  if (profiling) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    await cdp.send("Profiler.start");
  }
  await visit();
  const { profile } = profiling ? await cdp.send("Profiler.stop") : { profile: null };
  await cdp.send("Tracing.end");
  await done;
  const at = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const res = (suffix) => performance.getEntriesByType("resource").find((e) => e.name.endsWith(suffix));
    const js = res(".js");
    const wasm = res(".wasm");
    return {
      origin: performance.timeOrigin,
      headers: nav.responseStart,
      page: nav.responseEnd,
      domInteractive: nav.domInteractive,
      js: js ? js.responseEnd : 0,
      wasm: wasm ? wasm.responseEnd : 0,
      wasmBytes: wasm ? wasm.transferSize : -1,
      instantiateCalled: window.__instantiateCalledAt ?? 0,
      instantiated: window.__instantiatedAt ?? 0,
      hydrateEntered: window.__hydrateEnteredAt ?? 0,
      hydrateLeft: window.__hydrateLeftAt ?? 0,
      hydrated: window.__hydratedAt,
      intl: window.__intlAt ?? 0,
      times: window.__timesAt ?? 0,
      resources: performance.getEntriesByType("resource").map((e) => [e.name.split("/").pop(), Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd), e.transferSize]),
    };
  });
  await context.close();

  // The trace's clock is the profile's (monotonic µs); navigation start is the trace's
  // navigationStart mark of the main frame.
  const navStart = events.filter((e) => e.name === "navigationStart").map((e) => e.ts).pop();
  const hydratedTs = navStart + at.hydrated * 1000;
  // The renderer's main thread: where the page's scripts ran.
  const mainTid = events.find((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain" && events.some((x) => x.tid === e.tid && x.name === "navigationStart"))?.tid;
  const tasks = new Map();
  // Top-level work only: an event is counted unless it lies inside another counted event.
  const main = events
    .filter((e) => e.tid === mainTid && e.ph === "X" && e.ts >= navStart && e.ts <= hydratedTs && e.dur > 0)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  let until = 0;
  const nested = new Map();
  let current = null;
  for (const e of main) {
    if (e.ts >= until) {
      until = e.ts + e.dur;
      current = e;
      continue;
    }
    // Direct children of a RunTask say what the task was.
    if (current && current.name === "RunTask" && e.ts + e.dur <= until) {
      nested.set(e.name, (nested.get(e.name) ?? 0) + e.dur / 1000);
    }
  }
  if (process.env.TIMELINE) {
    // One run's main thread as a list: each top-level task over 1 ms and the largest things inside it.
    console.log(`\n${path}: resources`, JSON.stringify(at.resources));
    let end = 0;
    for (const e of main) {
      if (e.ts < end) continue;
      end = e.ts + e.dur;
      if (e.dur < 1000) continue;
      const inner = main.filter((x) => x !== e && x.ts >= e.ts && x.ts + x.dur <= end && x.dur >= 500).slice(0, 6);
      console.log(`${((e.ts - navStart) / 1000).toFixed(1).padStart(7)} +${(e.dur / 1000).toFixed(1).padStart(5)} ${e.name}: ${inner.map((x) => `${x.name} ${(x.dur / 1000).toFixed(1)}`).join(", ")}`);
    }
  }
  for (const e of main) if (e.name === "RunTask") tasks.set("RunTask", (tasks.get("RunTask") ?? 0) + e.dur / 1000);
  return { at, self: profile ? selfTimes(profile, navStart, hydratedTs) : new Map(), nested, busy: tasks.get("RunTask") ?? 0 };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
console.log(`${process.env.COLD ? "Cold visits" : "Warm visits (third visit)"}, 20 Mbps / 5 Mbps / 40 ms${process.env.NOPROFILE ? "" : ", profiled"}; median of ${RUNS} runs\n`);
for (const target of PAGES) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await warmVisit(browser, target));
  const m = (f) => median(runs.map(f)).toFixed(1);
  console.log(`## ${target.name}\n`);
  console.log("| headers | page received | DOM interactive | glue received | instantiate called | instantiated | hydrate() in | hydrate() out | hydrated | first Intl.DateTimeFormat | times local | main thread busy |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  console.log(
    `| ${m((r) => r.at.headers)} | ${m((r) => r.at.page)} | ${m((r) => r.at.domInteractive)} | ${m((r) => r.at.js)} | ` +
      `${m((r) => r.at.instantiateCalled)} | ${m((r) => r.at.instantiated)} | ${m((r) => r.at.hydrateEntered)} | ` +
      `${m((r) => r.at.hydrateLeft)} | ${m((r) => r.at.hydrated)} | ${m((r) => r.at.intl)} | ${m((r) => r.at.times)} | ${m((r) => r.busy)} |`,
  );
  const sum = (key) => (r) => r.nested.get(key) ?? 0;
  const names = [...new Set(runs.flatMap((r) => [...r.nested.keys()]))];
  const rows = names.map((n) => [n, median(runs.map(sum(n)))]).filter(([, v]) => v >= 0.5).sort((a, b) => b[1] - a[1]);
  console.log("\nMain-thread tasks by what they did (ms, median):\n");
  console.log("| trace event | ms |\n|---|---|");
  for (const [n, v] of rows) console.log(`| ${n} | ${v.toFixed(1)} |`);
  const fnames = [...new Set(runs.flatMap((r) => [...r.self.keys()]))].filter((n) => process.env.INCLUSIVE ? n.startsWith("total: ") : !n.startsWith("total: "));
  const fns = fnames
    .map((n) => [n, median(runs.map((r) => r.self.get(n) ?? 0)), runs.reduce((s, r) => s + (r.self.get(n) ?? 0), 0) / runs.length])
    .sort((a, b) => b[2] - a[2])
    .slice(0, TOP);
  console.log(`\nCPU profile, self time by function, navigation -> hydrated (ms; median and mean):\n`);
  console.log("| function | median | mean |\n|---|---|---|");
  for (const [n, med, mean] of fns) console.log(`| \`${n.slice(0, 110)}\` | ${med.toFixed(1)} | ${mean.toFixed(1)} |`);
  console.log();
}
await browser.close();
