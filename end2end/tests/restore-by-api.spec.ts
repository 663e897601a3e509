import { expect, test, type Page } from "@playwright/test";
import { MEMBER, OWNER, hydrated, ownerSharesByRequest, session, shot, signIn } from "./helpers";
import { POLARDB_VERSION, expectOk, openApiCall, restoreParams } from "./openapi";

/** A cluster name of the longest kind, in the script that takes the most room: 64 Chinese characters. */
const CJK_NAME = "恢复集群".repeat(16);

/** Holds the page's calls to a server function until `release` is called: what a slow answer looks like. */
async function holdCalls(page: Page, endpoint: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**/api/${endpoint}`, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** The Billing page's facts, by label. */
async function billingFact(page: Page, label: string): Promise<string> {
  const fact = page.locator(`dl[aria-label="Backup storage"] dt:text-is("${label}") + dd`);
  return ((await fact.textContent()) ?? "").trim();
}

test("New AccessKey says it is creating the pair, then shows the secret this once only", async ({ page }) => {
  await signIn(page, "member");
  await page.goto("/profile");
  await hydrated(page);
  const release = await holdCalls(page, "create_access_key");
  await page.getByRole("button", { name: "New AccessKey" }).click();
  // While the request is out: the button says so and can't be pressed again.
  const pending = page.getByRole("button", { name: "Creating AccessKey…" });
  await expect(pending).toBeDisabled();
  await expect(page.getByTestId("new-access-key")).toHaveCount(0);
  await shot(page, "access-key-pending");
  release();

  const created = page.getByTestId("new-access-key");
  await expect(created).toContainText("shown only this once");
  const id = (await page.getByTestId("new-access-key-id").textContent())!.trim();
  const secret = (await page.getByTestId("new-access-key-secret").textContent())!.trim();
  expect(secret).toHaveLength(30);
  await expect(page.getByRole("button", { name: "New AccessKey" })).toBeEnabled();
  await expect(page.getByRole("table", { name: "Your AccessKey pairs" }).locator(`tr[data-access-key="${id}"]`)).toContainText("Active");
  await shot(page, "access-key-secret");

  // Not again: neither after a reload nor in the list.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("new-access-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);
  await expect(page.getByRole("table", { name: "Your AccessKey pairs" })).toContainText(id);
});

test("New AccessKey of a RAM user, on the RAM users page: pending, then the secret beside the user's name", async ({ page }) => {
  await signIn(page, "owner");
  await page.goto("/ram");
  await hydrated(page);
  const release = await holdCalls(page, "create_access_key");
  const user = page.locator('tr[data-user="developer@lumen"]');
  await user.getByRole("button", { name: "New AccessKey" }).click();
  await expect(user.getByRole("button", { name: "Creating AccessKey…" })).toBeDisabled();
  release();
  const created = page.getByTestId("new-access-key");
  await expect(created).toContainText("developer@lumen");
  await expect(created).toBeInViewport();
  await expect(page.getByTestId("new-access-key-secret")).toHaveText(/^[A-Za-z0-9]{30}$/);
  await shot(page, "ram-access-key-secret");
});

test("a restore started by API shows Creating with its progress, then Running, and is billed to the principal only", async ({ page: owner, browser, request }) => {
  test.setTimeout(120_000);
  await signIn(owner, "owner");
  const { id } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "by-api");
  await owner.goto("/billing");
  await hydrated(owner);
  const ownerStorage = await billingFact(owner, "Backup storage");

  const member = await session(browser, "member");
  await member.goto("/billing");
  await hydrated(member);
  const memberStorage = await billingFact(member, "Backup storage");
  await member.goto("/profile");
  await hydrated(member);
  await member.getByRole("button", { name: "New AccessKey" }).click();
  const key = {
    id: (await member.getByTestId("new-access-key-id").textContent())!.trim(),
    secret: (await member.getByTestId("new-access-key-secret").textContent())!.trim(),
  };

  // The Clusters page is open when a script starts the restore.
  await member.goto("/clusters");
  await hydrated(member);
  const answer = await expectOk(openApiCall(request, key, "CreateDBCluster", POLARDB_VERSION, restoreParams(id, OWNER, CJK_NAME)));
  const clusterId = answer.DBClusterId as string;
  expect(clusterId).toMatch(/^pc-/);
  await member.reload();
  await hydrated(member);
  const cluster = member.getByRole("row").filter({ hasText: clusterId });
  await expect(cluster).toContainText(CJK_NAME);
  await expect(cluster).toContainText("Creating");
  await shot(member, "restore-by-api-clusters-creating");
  // It becomes Running on the page by itself, without a reload.
  await expect(cluster).toContainText("Running", { timeout: 30_000 });

  // A second restore: followed on Shared With Me, with its progress.
  const [again] = [(await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "by-api")).id];
  const second = await expectOk(openApiCall(request, key, "CreateDBCluster", POLARDB_VERSION, restoreParams(again, OWNER, `api-${Date.now().toString(36)}`)));
  await member.goto("/shared-backups?tab=incoming");
  await hydrated(member);
  const job = member.getByRole("table", { name: "Restores" }).getByRole("row").filter({ hasText: second.DBClusterId as string });
  await expect(job).toContainText("Creating");
  const progress = job.getByRole("progressbar", { name: "Restore progress" });
  expect(Number(await progress.getAttribute("aria-valuenow"))).toBeLessThan(100);
  await expect(job).toContainText("%");
  await shot(member, "restore-by-api-progress");
  await expect(job).toContainText("Running", { timeout: 30_000 });
  await expect(progress).toHaveAttribute("aria-valuenow", "100");
  await expect(job).toContainText("100%");

  // The principal's Billing: the clusters it restored, each priced, and no storage for the owner's sets.
  await member.goto("/billing");
  await hydrated(member);
  const charges = member.getByRole("table", { name: "Charges" });
  await expect(charges.getByRole("row").filter({ hasText: clusterId })).toContainText("¥");
  await expect(charges.getByRole("row").filter({ hasText: clusterId })).toContainText(`restored from shared backup set ${id}`);
  // In the words the Restore dialog offers the billing method in, not the API's "Postpaid".
  await expect(charges.getByRole("row").filter({ hasText: clusterId })).toContainText("(polar.mysql.x4.medium, pay-as-you-go)");
  await expect(charges.getByRole("row").filter({ hasText: second.DBClusterId as string })).toHaveCount(1);
  expect(await billingFact(member, "Backup storage")).toBe(memberStorage);
  await expect(member.getByRole("main")).toContainText("The owner of a backup set pays for its storage");
  await shot(member, "billing-principal");

  // The owner pays for the storage of the sets, not for the principal's clusters.
  await owner.reload();
  await hydrated(owner);
  await expect(owner.getByRole("table", { name: "Charges" })).not.toContainText(clusterId);
  expect(await billingFact(owner, "Backup storage")).not.toBe("");
  expect(ownerStorage).not.toBe("");
  await member.context().close();
});
