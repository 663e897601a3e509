import { expect, test, type Browser, type Page } from "@playwright/test";
import { MEMBER, PARTNER, PASSWORD, SHAREABLE_CLUSTER, backupRow, freshBackupSets, ownerSharesByRequest, shareRow, uniqueName } from "./helpers";

// Runs in the "no-javascript" project only: the browser never runs the app's script, so every step is
// a plain link, GET form or POST form, answered by the server with a page or a redirect.

async function signInWithoutScript(page: Page, login: string, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Sign-in name").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function sessionWithoutScript(browser: Browser, login: string): Promise<Page> {
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await signInWithoutScript(page, login);
  await expect(page).not.toHaveURL(/\/login/);
  return page;
}

test("signing in without JavaScript: a refusal is shown on the page, the right password opens the console", async ({ page }) => {
  await signInWithoutScript(page, "owner", "Not-The-Password-1");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("alert")).toContainText("InvalidCredentials");

  await page.getByLabel("Sign-in name").fill("owner");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/clusters$/);
  await expect(page.getByRole("heading", { name: "Clusters" })).toBeVisible();
  await expect(page.getByTestId("account-badge")).toContainText("Lumen Retail");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/clusters");
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
});

test("sharing and accepting without JavaScript", async ({ browser }) => {
  const owner = await sessionWithoutScript(browser, "owner");
  const [id] = await freshBackupSets(owner);
  await owner.goto(`/clusters/${SHAREABLE_CLUSTER}`);

  // The dialog opens from the URL; a refusal comes back into it with its code, and nothing is shared.
  await backupRow(owner, id).getByRole("button", { name: "Share Backups" }).click();
  await expect(owner).toHaveURL(new RegExp(`share=${id}`));
  const dialog = owner.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: `Share backup set ${id}` })).toBeVisible();
  await dialog.getByLabel("Resource Share Name").fill("has spaces in it");
  await dialog.getByLabel("Principal account ID").fill(PARTNER);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog.getByRole("alert")).toContainText("InvalidParameter.ResourceShareName");
  await expect(backupRow(owner, id).getByRole("cell", { name: "-", exact: true })).toBeVisible();

  // Shared: the dialog closes and the row says so.
  const name = uniqueName("nojs");
  await dialog.getByLabel("Resource Share Name").fill(name);
  await dialog.getByLabel("Principal account ID").fill(PARTNER);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(owner.getByRole("dialog")).toHaveCount(0);
  await expect(owner).not.toHaveURL(/share=/);
  await expect(backupRow(owner, id).getByRole("cell", { name: "Sharing", exact: true })).toBeVisible();

  // The partner accepts the invitation; the backup set is then shared with it.
  const partner = await sessionWithoutScript(browser, "partner");
  await partner.goto("/resource-sharing/invitations");
  const invitation = partner.locator("tr[data-invitation]", { hasText: name });
  await expect(invitation).toContainText("Pending");
  await invitation.getByRole("button", { name: "Accept" }).click();
  await expect(partner).toHaveURL(/\/resource-sharing\/invitations$/);
  await expect(partner.locator("tr[data-invitation]", { hasText: name })).toContainText("Enabled");
  await partner.goto("/shared-backups?tab=incoming");
  await expect(partner.locator(`tr[data-backup-set="${id}"]`)).toBeVisible();

  // And restores from it into a new cluster of its own: the dialog opens from the URL too.
  await partner.locator(`tr[data-backup-set="${id}"]`).getByRole("button", { name: "Restore Data to New Cluster" }).click();
  await expect(partner).toHaveURL(new RegExp(`restore=${id}`));
  const restore = partner.getByRole("dialog");
  await restore.getByLabel("New cluster name").fill(name);
  await restore.getByRole("button", { name: "Restore" }).click();
  await expect(partner.getByRole("dialog")).toHaveCount(0);
  await expect(partner.getByRole("table", { name: "Restores" })).toContainText(name);
});

test("an action that asks first asks on the page without JavaScript", async ({ browser }) => {
  const owner = await sessionWithoutScript(browser, "owner");
  const [id] = await freshBackupSets(owner);
  await owner.goto(`/clusters/${SHAREABLE_CLUSTER}`);
  await backupRow(owner, id).getByRole("button", { name: "Delete" }).click();
  // The question, with Cancel (nothing happens) and the real Delete.
  const question = backupRow(owner, id).getByRole("alert");
  await expect(question).toContainText(`Delete backup set ${id}?`);
  await question.getByRole("link", { name: "Cancel" }).click();
  await expect(owner).not.toHaveURL(/confirm=/);
  await expect(backupRow(owner, id).getByRole("alert")).toHaveCount(0);

  await backupRow(owner, id).getByRole("button", { name: "Delete" }).click();
  await backupRow(owner, id).getByRole("alert").getByRole("button", { name: "Delete" }).click();
  await expect(owner).not.toHaveURL(/confirm=/);
  await expect(backupRow(owner, id)).toHaveCount(0);
});

test("moving a directory member to another folder without JavaScript", async ({ browser }) => {
  const owner = await sessionWithoutScript(browser, "owner");
  const folder = uniqueName("NoScript");
  await owner.goto("/resource-directory");
  await owner.getByLabel("Folder name").fill(folder);
  await owner.getByRole("button", { name: "Create folder" }).click();
  await expect(owner).toHaveURL(/\/resource-directory$/);
  const picker = owner.getByLabel("Folder of 1000000000000004");
  await expect(picker.locator("option", { hasText: folder })).toHaveCount(1);
  const before = (await picker.locator("option:checked").textContent())!;

  // The picker is a form: choose, press Move, and the server answers with the page, the member moved.
  await picker.selectOption({ label: `Root / ${folder}` });
  await owner.getByRole("button", { name: "Move 1000000000000004" }).click();
  await expect(owner).toHaveURL(/\/resource-directory$/);
  await expect(owner.getByLabel("Folder of 1000000000000004").locator("option:checked")).toHaveText(`Root / ${folder}`);

  // And back where it was, so no other flow finds it moved.
  await owner.getByLabel("Folder of 1000000000000004").selectOption({ label: before });
  await owner.getByRole("button", { name: "Move 1000000000000004" }).click();
  await expect(owner.getByLabel("Folder of 1000000000000004").locator("option:checked")).toHaveText(before);
});

test("editing and deleting a resource share without JavaScript", async ({ browser }) => {
  const owner = await sessionWithoutScript(browser, "owner");
  const { shareId } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "nojs-byme");
  await owner.goto("/resource-sharing/shares");
  const row = shareRow(owner, shareId);
  await expect(row.getByRole("cell").nth(1)).toHaveText("Active");

  // Edit opens from the URL; a refusal comes back into the open dialog; a good name closes it.
  await row.getByRole("button", { name: "Edit" }).click();
  await expect(owner).toHaveURL(new RegExp(`edit=${shareId}`));
  const dialog = owner.getByRole("dialog");
  await dialog.getByLabel("Resource Share Name").fill("has spaces");
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog.getByRole("alert")).toContainText("InvalidParameter.ResourceShareName");
  const renamed = uniqueName("nojs-renamed");
  await dialog.getByLabel("Resource Share Name").fill(renamed);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(owner.getByRole("dialog")).toHaveCount(0);
  await expect(owner).not.toHaveURL(/edit=/);
  await expect(row).toContainText(renamed);

  // Delete asks on the page, then posts; the share is Deleting.
  await row.getByRole("button", { name: "Delete" }).click();
  const question = row.getByRole("alert");
  await expect(question).toContainText(`Delete resource share ${renamed} (${shareId})?`);
  await question.getByRole("button", { name: "Delete" }).click();
  await expect(owner).toHaveURL(/\/resource-sharing\/shares$/);
  await expect(row.getByRole("cell").nth(1)).toHaveText("Deleting");
  await expect(row.getByRole("button")).toHaveCount(0);
});
