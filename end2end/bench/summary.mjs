// Prints scripts/bench.sh's one table from the two benchmarks' figures:
//   node end2end/bench/summary.mjs browser.json server.json
// Each row: what was measured, the figure, the goal of issue 12, and whether this run met it.
import { readFileSync } from "node:fs";

const [browser, server] = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, "utf8")));
const rows = [];
const row = (what, figure, goal, met) => rows.push(`| ${what} | ${figure} | ${goal} | ${met === undefined ? "" : met ? "met" : "**missed**"} |`);
const ms = (x) => `${x.toFixed(0)} ms`;

for (const [page, r] of Object.entries(browser).filter(([k]) => k !== "wasm")) {
  row(`${page}: cold cache, navigation -> hydrated`, `${ms(r.cold)} (${r.coldMin.toFixed(0)}-${r.coldMax.toFixed(0)}), ${(r.coldBytes / 1024).toFixed(0)} KB in ${r.coldRequests} requests`, "< 300 ms", r.cold < 300);
  row(`${page}: warm cache`, `${ms(r.warm)} (${r.warmMin.toFixed(0)}-${r.warmMax.toFixed(0)}), ${r.warmRequests} request(s), ${(r.warmBytes / 1024).toFixed(1)} KB`, "< 150 ms, only the page requested", r.warm < 150 && r.warmRequests === 1);
}
if (browser.wasm) {
  const raw = server.wasm ? `${(server.wasm.raw / 1024).toFixed(0)} KB raw, ${(server.wasm.gzip / 1024).toFixed(0)} KB gzip -9, ` : "";
  row("release wasm", `${raw}**${(browser.wasm.bytes / 1024).toFixed(0)} KB on the wire** (${browser.wasm.encoding})`, "<= ~330 KB compressed", browser.wasm.bytes <= 330 * 1024);
}
const base = server.current_viewer;
const call = (name, label) => {
  const r = server[name];
  if (!r) return null;
  const share = base ? `, ${((100 * r.per_s) / base.per_s).toFixed(0)} % of the baseline's req/s` : "";
  return { text: `p50 ${r.p50_ms.toFixed(2)} ms, p99 ${r.p99_ms.toFixed(2)} ms, ${r.per_s.toFixed(0)} req/s${name === "current_viewer" ? "" : share}${r.errors ? `, ${r.errors} non-200` : ""}`, r };
};
const baseline = call("current_viewer");
if (baseline) row("current_viewer (baseline: the session only, answered from memory between writes), 32 clients", baseline.text, "");
const list = call("list_backup_sets");
if (list) row("list_backup_sets (page of 30 of 10,000 sets), 32 clients", list.text, "p99 < 5 ms, >= 50 % of the baseline's req/s", list.r.p99_ms < 5 && base && list.r.per_s >= base.per_s / 2);
const kept = call("list_backup_sets_kept");
if (kept) row("list_backup_sets again, every page already kept in memory (not a goal)", kept.text, "");
const share = call("share_backup_set");
if (share) row("share_backup_set (new share, 2 principals), 32 clients", share.text, "p99 < 5 ms", share.r.p99_ms < 5);

// Issue 11: the OpenAPI beside the console (moto 5.2.5 answers ~520 req/s for RAM CreateResourceShare
// and ~24 req/s for GetResourceShares with 6,200 shares here; the goal is ten times both, with p99
// within twice the console's calls).
const within = (api, console) => console && api.r.p99_ms <= 2 * console.r.p99_ms;
const create = call("api_create");
if (create) row("OpenAPI CreateResourceShare (signed, 1 set, 2 targets), 32 clients", create.text, `>= 5,200 req/s, p99 <= 2x share_backup_set's${share ? ` (${(2 * share.r.p99_ms).toFixed(2)} ms)` : ""}`, create.r.per_s >= 5200 && within(create, share));
const associate = call("api_associate");
if (associate) row("OpenAPI AssociateResourceShare (signed, +1 target), 32 clients", associate.text, `p99 <= 2x share_backup_set's`, within(associate, share));
const apiList = call("api_list");
if (apiList) row(`OpenAPI ListResourceShares (signed, first page of 20, ${server.api_list.stored_shares} shares stored), 32 clients`, apiList.text, `>= 240 req/s, p99 <= 2x list_backup_sets'${list ? ` (${(2 * list.r.p99_ms).toFixed(2)} ms)` : ""}`, apiList.r.per_s >= 240 && within(apiList, list));
const unread = call("api_list_unread");
if (unread) row("OpenAPI ListResourceShares again, each call a page not read before, so none kept in memory (not a goal)", unread.text, "");
// Not a goal: a failed sign-in must take as long for a name that does not exist as for one that does.
const failed = server.sign_in_failed;
if (failed) row(`failed sign-in, known vs unknown name (1 client, ${failed.known.samples} each)`, `known: p50 ${failed.known.p50_ms.toFixed(2)} ms, p90 ${failed.known.p90_ms.toFixed(2)} ms; unknown: p50 ${failed.unknown.p50_ms.toFixed(2)} ms, p90 ${failed.unknown.p90_ms.toFixed(2)} ms`, "");
if (server.signature_us) row("signature verification per call (in process)", `ACS3-HMAC-SHA256 ${server.signature_us.acs3.toFixed(1)} us, HMAC-SHA1 ${server.signature_us.v1.toFixed(1)} us`, "");

console.log("| measure | figure | goal (issues 11, 12) | |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(r);
