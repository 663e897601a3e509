import { expect, test } from "@playwright/test";
import { SHAREABLE_CLUSTER, hydrated, signIn } from "./helpers";

test("every page hydrates under the Content-Security-Policy without a violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(e.message));

  const first = await page.goto("/login");
  expect(first!.headers()["content-security-policy"]).toContain("'wasm-unsafe-eval'");
  expect(first!.headers()["cache-control"]).toBe("no-store");
  await signIn(page, "owner");
  for (const path of [`/clusters/${SHAREABLE_CLUSTER}`, "/shared-backups", "/audit", "/quota", "/ram"]) {
    const response = await page.goto(path);
    expect(response!.headers()["content-security-policy"], path).toMatch(/'nonce-[A-Za-z0-9_-]{16,}'/);
    await hydrated(page);
  }
  // `hydrated` waits for a marker that only the running WebAssembly sets, so each page above ran it.
  expect(violations).toEqual([]);
});
