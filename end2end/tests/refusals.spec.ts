import { expect, test, type Page } from "@playwright/test";
import { MEMBER, OWNER, PARTNER, addPrincipal, backupRow, freshBackupSets, hydrated, openSharedWithMe, ownerSharesByRequest, session, shot, signIn, uniqueName } from "./helpers";

// Refusals as a user meets them by clicking: each one shows the server's own sentence and its code.

/** The platform operator creates `count` accounts on the China site; returns their UIDs. */
async function newAccounts(page: Page, count: number): Promise<string[]> {
  const stamp = Date.now().toString(36);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await page.request.post("/api/create_account", {
      form: { login_name: `p${stamp}n${i}`, display_name: `Principal ${i}`, site: "aliyun.com" },
    });
    expect(r.status(), await r.text()).toBe(200);
    ids.push((await r.json()).account_id);
  }
  return ids;
}

test("a 65th account for a backup set is refused in the dialog with the limit and its code", async ({ page: owner, browser }) => {
  test.setTimeout(180_000);
  const operator = await session(browser, "operator");
  const principals = await newAccounts(operator, 64);
  await operator.context().close();

  await signIn(owner, "owner");
  const [id] = await freshBackupSets(owner);
  const name = uniqueName("sixty-four");
  const shared = await owner.request.post("/api/share_backup_set", {
    data: { request: { backup_set_id: id, method: { New: { name, scope: "AllAccounts", principals } } } },
  });
  expect(shared.status(), await shared.text()).toBe(200);

  await owner.goto("/shared-backups");
  await hydrated(owner);
  await backupRow(owner, id).getByRole("button", { name: "Share Backup" }).click();
  const dialog = owner.getByRole("dialog");
  await addPrincipal(owner, PARTNER);
  await dialog.getByRole("button", { name: "OK" }).click();
  const alert = dialog.getByRole("alert");
  await expect(alert).toContainText(`Backup set ${id} would be shared with 65 accounts`);
  await expect(alert).toContainText("a backup set can be shared with at most 64 accounts");
  await expect(alert).toContainText("QuotaExceeded.SharedTarget.Count");
  await shot(owner, "refused-65th-principal");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  // Nothing changed: the partner was not invited.
  await expect(backupRow(owner, id).locator(`li[data-principal="${PARTNER}"]`)).toHaveCount(0);
});

test("a restore confirmed while the owner revokes the set is refused in the dialog with the reason and code", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  const { id } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "revoke-race");
  const member = await session(browser, "member");
  await openSharedWithMe(member);
  await backupRow(member, id).getByRole("button", { name: "Restore Data to New Cluster" }).click();
  const dialog = member.getByRole("dialog");
  await dialog.getByLabel("New cluster name").fill("too-late");

  // Meanwhile the owner deletes the backup set: its sharing is being revoked.
  const deleted = await owner.request.post("/api/delete_backup_set", { form: { backup_set_id: id } });
  expect(deleted.status(), await deleted.text()).toBe(200);

  await dialog.getByRole("button", { name: "Restore" }).click();
  const alert = dialog.getByRole("alert");
  await expect(alert).toContainText(`Access to backup set ${id} is being revoked by its owner`);
  await expect(alert).toContainText("OperationDenied.SharingRevoking");
  await shot(member, "refused-restore-revoking");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(member.getByRole("table", { name: "Restores" })).not.toContainText("too-late");
  await member.context().close();
});

test("a backup set that can't be shared, opened in the Share dialog from a link, is refused with the reason and code", async ({ page }) => {
  await signIn(page, "owner");
  for (const [cluster, id, sentence, code] of [
    ["pc-bp1orders0001", "3200009002", "Backup set 3200009002 has expired.", "OperationDenied.BackupSetExpired"],
    ["pc-bp1orders0001", "rp-hz2bj0009005", "Cross-region backup sets (ids starting with rp-) cannot be shared", "OperationDenied"],
  ]) {
    await page.goto(`/clusters/${cluster}?share=${id}`);
    await hydrated(page);
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Resource Share Name").fill(uniqueName("cannot"));
    await addPrincipal(page, PARTNER);
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(dialog.getByRole("alert")).toContainText(sentence);
    await expect(dialog.getByRole("alert").locator("code")).toContainText(code);
    await shot(page, `refused-share-${id}`);
  }
});

test("sharing with yourself is refused with the sentence and code", async ({ page }) => {
  await signIn(page, "dba@lumen");
  const [id] = await freshBackupSets(page);
  await page.goto(`/clusters/pc-bp1orders0001`);
  await hydrated(page);
  await backupRow(page, id).getByRole("button", { name: "Share Backups" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Resource Share Name").fill(uniqueName("self"));
  await addPrincipal(page, OWNER);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog.getByRole("alert")).toContainText("You cannot share resources with yourself.");
  await expect(dialog.getByRole("alert").locator("code")).toHaveText("ShareWithYourself");
});
