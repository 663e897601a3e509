import { expect, test } from "@playwright/test";
import { SHAREABLE_CLUSTER, hydrated, openCluster, shot, signIn } from "./helpers";

test("a signed-out visitor who opens a deep link signs in and comes back to it", async ({ page }) => {
  await page.goto(`/clusters/${SHAREABLE_CLUSTER}`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
  await shot(page, "signed-out");
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.getByLabel("Sign-in name").fill("owner");
  await page.getByLabel("Password").fill("Demo-Pass-2026");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`**/clusters/${SHAREABLE_CLUSTER}`);
  await expect(page.getByRole("table", { name: "Backup sets" })).toBeVisible();
});

test("a wrong password is refused on the page", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Sign-in name").fill("owner");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("The sign-in name or password is incorrect.");
  await shot(page, "sign-in-refused");
});

test("another account can neither see nor call the owner's cluster", async ({ page, browser }) => {
  await signIn(page, "partner");
  await expect(page.getByRole("link", { name: SHAREABLE_CLUSTER })).toHaveCount(0);
  const response = await page.goto(`/clusters/${SHAREABLE_CLUSTER}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("The cluster does not exist in your account.");
  await expect(page.getByText("orders-prod")).toHaveCount(0);

  // The server itself refuses, whatever the page shows.
  const list = await page.request.post("/api/list_backup_sets", {
    form: { cluster_id: SHAREABLE_CLUSTER, page: "1" },
  });
  expect(list.status()).toBe(404);
  expect((await list.json()).code).toBe("EntityNotExists.DBCluster");
  const share = await page.request.post("/api/share_backup_set", {
    data: { request: { backup_set_id: "3200000001", method: { New: { name: "steal", scope: "AllAccounts", principals: ["1000000000000007"] } } } },
  });
  expect(share.status()).toBe(404);
  expect((await share.json()).code).toBe("EntityNotExists.BackupSet");

  // And a browser with no session at all gets 401.
  const anonymous = await browser.newContext();
  const anon = await anonymous.request.post("/api/list_clusters", { form: {} });
  expect(anon.status()).toBe(401);
  await anonymous.close();
});

test("a RAM user without the Resource Sharing policy sees the action refused with the policy named", async ({ page }) => {
  await signIn(page, "developer@lumen");
  await openCluster(page);
  await expect(page.getByRole("alert")).toContainText("AliyunResourceCenterFullAccess");
  const first = page.locator("tr[data-backup-set]").first();
  await expect(first.getByRole("button", { name: "Share Backups" })).toBeDisabled();
  await shot(page, "ram-user-refused");
});

test("an account without the beta is told to submit a ticket", async ({ page }) => {
  await signIn(page, "nobeta");
  await openCluster(page, "pc-bp1nomad000001");
  await expect(page.getByRole("alert")).toContainText("in beta");
  await expect(page.getByRole("alert")).toContainText("OperationDenied.SharedBackupNotEnabled");
});

test("the session cookie is HttpOnly and SameSite", async ({ page, context }) => {
  await signIn(page, "owner");
  const cookie = (await context.cookies()).find((c) => c.name === "polarshare_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Lax");
  expect(await page.evaluate(() => document.cookie)).not.toContain("polarshare_session");
});
