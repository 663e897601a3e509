import { expect, test } from "@playwright/test";
import { hydrated, signIn } from "./helpers";

// Every console page, as each kind of user, hydrates without a panic. (The resource-directory page
// once failed to hydrate about half the time: a resource created inside another's Suspend. It answered
// its actions without the wasm, with no toast and times in UTC.) Each page is loaded three times,
// since a mismatch between the server's HTML and the browser's hydration can depend on timing.
const PAGES = ["/clusters", "/clusters/pc-bp1orders0001", "/shared-backups", "/shared-backups?tab=incoming",
  "/resource-sharing/invitations", "/resource-sharing/shares", "/billing", "/tickets", "/quota", "/audit", "/ram", "/resource-directory",
  "/profile", "/accounts"];

for (const who of ["owner", "dba@lumen", "member", "partner", "operator"]) {
  test(`every page hydrates without an error for ${who}`, async ({ page }) => {
    test.setTimeout(120_000);
    const panics: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" && m.text().includes("panicked")) panics.push(m.text().split("\n")[0]); });
    page.on("pageerror", (e) => panics.push(e.message));
    await signIn(page, who);
    for (let round = 0; round < 3; round++) {
      for (const path of PAGES) {
        await page.goto(path);
        await hydrated(page);
        // Times are rewritten into the viewer's zone once the page is live: none is left in UTC.
        await expect(page.locator("time .clock", { hasText: "UTC" })).toHaveCount(0);
        expect(panics, `${who} ${path}`).toEqual([]);
      }
    }
  });
}
