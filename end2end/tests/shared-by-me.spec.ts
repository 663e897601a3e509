import { expect, test } from "@playwright/test";
import { MEMBER, PARTNER, backupRow, hydrated, openSharedWithMe, ownerSharesByRequest, session, shareRow, shot, signIn, uniqueName } from "./helpers";

// Resource Management > Resource Sharing > Shared By Me: the owner's resource shares themselves, with
// Edit and Delete. The e2e server revokes 5 seconds after a removal (POLARSHARE_REVOCATION_DELAY_SECS).

test("the owner renames a share, then deletes it: Deleting, then Deleted, and the member loses the set", async ({ page: owner, browser }) => {
  test.setTimeout(90_000);
  await signIn(owner, "owner");
  const { id, shareId, name } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "byme");
  const other = await ownerSharesByRequest(owner, PARTNER, "AllAccounts", "byme-open");
  const member = await session(browser, "member");
  await openSharedWithMe(member);
  await expect(backupRow(member, id)).toBeVisible();

  await owner.getByRole("navigation", { name: "PolarDB" }).getByRole("link", { name: "Shared By Me" }).click();
  await expect(owner).toHaveURL(/\/resource-sharing\/shares$/);
  await hydrated(owner);
  const row = shareRow(owner, shareId);
  await expect(row).toContainText(name);
  await expect(row.getByRole("cell").nth(1)).toHaveText("Active");
  await expect(row.getByRole("cell").nth(2)).toHaveText("Not allowed");
  await expect(row.getByTestId("backup-set-count")).toHaveText("1");
  await expect(row.getByTestId("principal-count")).toHaveText("1");
  await expect(shareRow(owner, other.shareId).getByRole("cell").nth(2)).toHaveText("Allowed");
  await shot(owner, "shared-by-me");

  // The backup set links to its Manage Sharing Relationship page.
  await expect(row.getByRole("link", { name: id })).toHaveAttribute("href", `/resource-sharing/relationships/${id}`);

  // Edit: a name against the rules is refused in the dialog with its code; a good one is saved.
  await row.getByRole("button", { name: "Edit" }).click();
  const dialog = owner.getByRole("dialog");
  await expect(dialog.getByLabel("Resource Share Name")).toHaveValue(name);
  await dialog.getByLabel("Resource Share Name").fill("has spaces");
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog.getByRole("alert")).toContainText("InvalidParameter.ResourceShareName");
  await shot(owner, "shared-by-me-edit-refused");
  const renamed = uniqueName("renamed");
  await dialog.getByLabel("Resource Share Name").fill(renamed);
  await dialog.getByLabel(/^All Accounts/).check();
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog).toBeHidden();
  await expect(owner).not.toHaveURL(/edit=/);
  await expect(row).toContainText(renamed);
  await expect(row.getByRole("cell").nth(2)).toHaveText("Allowed");

  // Delete asks first; the share is then Deleting, with no actions, until the revocation has run.
  owner.once("dialog", (question) => {
    expect(question.message()).toContain(`Delete resource share ${renamed} (${shareId})?`);
    question.accept();
  });
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(row.getByRole("cell").nth(1)).toHaveText("Deleting");
  await expect(row.getByRole("button")).toHaveCount(0);
  await shot(owner, "shared-by-me-deleting");
  // The page follows it by itself until it is Deleted.
  await expect(row.getByRole("cell").nth(1)).toHaveText("Deleted", { timeout: 30_000 });
  await expect(row.getByTestId("principal-count")).toHaveText("0");
  await shot(owner, "shared-by-me-deleted");

  await expect(async () => {
    await openSharedWithMe(member);
    await expect(backupRow(member, id)).toHaveCount(0);
  }).toPass({ timeout: 30_000 });
  await member.context().close();
});

test("a RAM user without AliyunResourceCenterFullAccess is not offered Shared By Me and is refused", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  const { shareId } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "byme-ram");
  const developer = await session(browser, "developer@lumen");
  await expect(developer.getByRole("navigation", { name: "PolarDB" }).getByRole("link", { name: "Shared By Me" })).toHaveCount(0);
  await developer.goto("/resource-sharing/shares");
  await hydrated(developer);
  const refusal = developer.getByRole("alert");
  await expect(refusal).toContainText("AliyunResourceCenterFullAccess");
  await expect(refusal).toContainText("Forbidden.RAM");
  await shot(developer, "shared-by-me-refused");
  // The server refuses the change itself too, whatever a page offers.
  const origin = new URL(developer.url()).origin;
  const r = await developer.request.post("/api/delete_resource_share", { form: { resource_share_id: shareId }, headers: { Origin: origin } });
  expect(r.status()).toBe(403);
  expect((await r.json()).code).toBe("Forbidden.RAM");
  await owner.goto("/resource-sharing/shares");
  await expect(shareRow(owner, shareId).getByRole("cell").nth(1)).toHaveText("Active");
  await developer.context().close();
});

test("My Shares offers a PolarDB read-only RAM user neither the sharing relationship nor Share Backup, and the server agrees", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  const { id, shareId } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "mine-ro");
  const auditor = await session(browser, "auditor@lumen");
  await auditor.goto("/shared-backups");
  await hydrated(auditor);
  const row = auditor.locator(`tr[data-backup-set="${id}"][data-share="${shareId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByRole("link", { name: "Manage Sharing Relationship" })).toHaveCount(0);
  await expect(row.getByRole("button", { name: "Share Backup" })).toBeDisabled();
  await expect(row.getByRole("button", { name: "Share Backup" })).toHaveAttribute("title", /AliyunPolardbFullAccess and AliyunResourceCenterFullAccess/);
  await shot(auditor, "my-shares-read-only");
  // The relationship page, opened by its address, is refused naming Resource Sharing's policy.
  await auditor.goto(`/resource-sharing/relationships/${id}`);
  await hydrated(auditor);
  await expect(auditor.getByRole("alert")).toContainText("AliyunResourceCenterFullAccess");
  await auditor.context().close();

  // The owner is offered both, and the relationship shows the share.
  await owner.goto("/shared-backups");
  await hydrated(owner);
  const mine = owner.locator(`tr[data-backup-set="${id}"][data-share="${shareId}"]`);
  await expect(mine.getByRole("button", { name: "Share Backup" })).toBeEnabled();
  await mine.getByRole("link", { name: "Manage Sharing Relationship" }).click();
  await expect(owner.locator(".relationship")).toContainText(shareId);
});
