import { expect, test, type Page } from "@playwright/test";
import { OUTSIDER, freshBackupSets, hydrated, shot, signIn, uniqueName } from "./helpers";

/** A server function called from the signed-in page's own origin (as the console's forms do). */
async function callApi(page: Page, name: string, data: unknown) {
  const origin = new URL(page.url()).origin;
  const response = await page.request.post(`/api/${name}`, { data, headers: { Origin: origin, "Content-Type": "application/json" } });
  expect(response.status(), `${name}: ${await response.text()}`).toBe(200);
  return response.json();
}

test("a RAM user without policies is offered only its profile; a read policy adds its page", async ({ page, browser }) => {
  const login = uniqueName("nopolicy") + "@lumen";
  const password = "Nopolicy-Pass-2026";
  await signIn(page, "owner");
  await page.goto("/ram");
  await hydrated(page);
  await page.getByText("What each system policy grants").click();
  await expect(page.getByRole("table", { name: "System policies" })).toContainText("AliyunActionTrailReadOnlyAccess");
  await page.getByLabel("Sign-in name").fill(login);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create" }).click();
  const row = page.locator(`tr[data-user="${login}"]`);
  await expect(row).toBeVisible();
  await shot(page, "ram-users-policies");

  const user = await (await browser.newContext()).newPage();
  await signIn(user, login, undefined, password);
  await expect(user).toHaveURL(/\/profile$/);
  const nav = user.getByRole("navigation", { name: "PolarDB" });
  await expect(nav.getByRole("link")).toHaveText(["Profile"]);
  await expect(user.getByTestId("profile-pages")).toHaveText("None besides this profile");
  await shot(user, "profile-no-policy");

  // The box is ticked at once; the policy is attached when the server has answered.
  const attached = page.waitForResponse((r) => r.url().endsWith("/api/set_ram_policy") && r.ok());
  await row.getByLabel(`AliyunActionTrailReadOnlyAccess for ${login}`).check();
  await expect(row.getByLabel(`AliyunActionTrailReadOnlyAccess for ${login}`)).toBeChecked();
  await attached;
  await user.reload();
  await hydrated(user);
  await expect(nav.getByRole("link")).toHaveText(["Audit trail", "Profile"]);
  await nav.getByRole("link", { name: "Audit trail" }).click();
  await expect(user.getByRole("table", { name: "Audit events" })).toBeVisible();
  await shot(user, "navigation-audit-only");
  await user.context().close();
});

test("the owner removes an accepted principal and adds it again: the principal sees a new pending invitation", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  const [backupSetId] = await freshBackupSets(owner);
  expect(backupSetId).toBeTruthy();
  const name = uniqueName("again");
  const shared = await callApi(owner, "share_backup_set", {
    request: { backup_set_id: backupSetId, method: { New: { name, scope: "AllAccounts", principals: [OUTSIDER] } } },
  });
  const shareId = shared.resource_share_id as string;

  const outsider = await (await browser.newContext()).newPage();
  await signIn(outsider, "outsider");
  await outsider.goto("/resource-sharing/invitations");
  await hydrated(outsider);
  const rows = outsider.getByRole("row").filter({ hasText: name });
  await expect(rows).toHaveCount(1);
  await rows.getByRole("button", { name: "Accept" }).click();
  await expect(rows).toContainText("Enabled");

  // Removed: the invitation no longer says Enabled.
  const removed = await callApi(owner, "share_backup_set", {
    request: { backup_set_id: backupSetId, method: { Existing: { resource_share_id: shareId, principals: [] } } },
  });
  expect(removed.revoking).toEqual([OUTSIDER]);
  await outsider.reload();
  await hydrated(outsider);
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Disassociating");

  // Added again: a new invitation to accept, beside the old one.
  const again = await callApi(owner, "share_backup_set", {
    request: { backup_set_id: backupSetId, method: { Existing: { resource_share_id: shareId, principals: [OUTSIDER] } } },
  });
  expect(again.invited).toEqual([OUTSIDER]);
  await outsider.reload();
  await hydrated(outsider);
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "Pending" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Disassociated" })).toHaveCount(1);
  await shot(outsider, "invitations-after-re-add");
  await outsider.goto("/shared-backups?tab=incoming");
  await hydrated(outsider);
  await expect(outsider.locator(`tr[data-backup-set="${backupSetId}"]`)).toHaveCount(0);

  await outsider.goto("/resource-sharing/invitations");
  await hydrated(outsider);
  await rows.filter({ hasText: "Pending" }).getByRole("button", { name: "Accept" }).click();
  await expect(rows.filter({ hasText: "Enabled" })).toHaveCount(1);
  await outsider.context().close();
});

/** A form-encoded server function (the RAM users page's) called from the signed-in page's own origin. */
async function postForm(page: Page, name: string, form: Record<string, string>) {
  const origin = new URL(page.url()).origin;
  const response = await page.request.post(`/api/${name}`, { form, headers: { Origin: origin } });
  expect(response.status(), `${name}: ${await response.text()}`).toBe(200);
}

test("a policy box left stale by another change shows RAM's refusal and then the user's actual policies", async ({ page }) => {
  const login = uniqueName("stale") + "@lumen";
  await signIn(page, "owner");
  await postForm(page, "create_ram_user", { login_name: login, password: "Stale-Pass-2026" });
  await page.goto("/ram");
  await hydrated(page);
  const row = page.locator(`tr[data-user="${login}"]`);
  const box = row.getByLabel(`AliyunQuotasReadOnlyAccess for ${login}`);
  await expect(box).not.toBeChecked();

  // Attached elsewhere (another tab) while this page still shows the box empty.
  await postForm(page, "set_ram_policy", { login_name: login, policy: "AliyunQuotasReadOnlyAccess", attached: "true" });
  await box.check();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("The RAM user already has the AliyunQuotasReadOnlyAccess policy attached.");
  await expect(alert).toContainText("EntityAlreadyExists.User.Policy");
  await expect(box).toBeChecked();

  // Detached elsewhere while this page still shows it ticked.
  await postForm(page, "set_ram_policy", { login_name: login, policy: "AliyunQuotasReadOnlyAccess", attached: "false" });
  await box.uncheck();
  await expect(alert).toContainText("The RAM user does not have the AliyunQuotasReadOnlyAccess policy attached.");
  await expect(alert).toContainText("EntityNotExist.User.Policy");
  await expect(box).not.toBeChecked();
});
