import { expect, test } from "@playwright/test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { backupRow, freshBackupSets, hydrated, openCluster, signIn } from "./helpers";

// The attacker's page is served from another port of the console's own host: the same *site* (ports
// don't count), so SameSite=Lax still sends the session cookie with its form POST. Only the console's
// same-origin check (Origin / Sec-Fetch-Site) stands in the way.
let attacker: Server;
let attackerOrigin: string;

test.beforeAll(async ({ baseURL }) => {
  const consoleUrl = new URL(baseURL!);
  attacker = createServer((req, res) => {
    const backupSetId = new URL(req.url ?? "/", "http://x").searchParams.get("set") ?? "";
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!DOCTYPE html><html><body>
      <form id="f" method="POST" action="${consoleUrl.origin}/api/delete_backup_set">
        <input type="hidden" name="backup_set_id" value="${backupSetId}">
      </form>
      <script>document.getElementById("f").submit();</script>
    </body></html>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, consoleUrl.hostname, resolve));
  attackerOrigin = `http://${consoleUrl.hostname}:${(attacker.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => attacker.close(resolve));
});

test("a form on another origin of the same site can't delete a backup set of the signed-in owner", async ({ page }) => {
  await signIn(page, "owner");
  const [target] = await freshBackupSets(page);
  await openCluster(page);
  expect(target).toBeTruthy();

  const refused = page.waitForResponse((r) => r.url().endsWith("/api/delete_backup_set"));
  await page.goto(`${attackerOrigin}/?set=${target}`);
  const response = await refused;
  expect(response.status()).toBe(403);
  expect(await response.json()).toMatchObject({ code: "Forbidden.CrossOrigin" });
  // The request did carry the session: the refusal is the origin check's, not a missing cookie's.
  expect((await response.request().allHeaders())["cookie"] ?? "").not.toBe("");

  // Nothing happened: the set is still listed and can still be deleted by the owner's own page.
  await openCluster(page);
  await hydrated(page);
  await expect(backupRow(page, target)).toBeVisible();
  await expect(backupRow(page, target).getByRole("button", { name: "Delete" })).toBeEnabled();
});
