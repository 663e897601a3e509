import { expect, test } from "@playwright/test";
import {
  MEMBER, OUTSIDER, backupRow, hydrated, openCluster, openSharedWithMe, ownerShares, session, shareableBackupIds, shot, signIn,
  uniqueName,
} from "./helpers";

test("the management account builds a folder, shares to it, and a member in it sees the set", async ({ page, browser }) => {
  const folder = uniqueName("Partners");
  await signIn(page, "owner");
  await page.goto("/resource-directory");
  await hydrated(page);
  await page.getByLabel("Folder name").fill(folder);
  await page.getByRole("button", { name: "Create folder" }).click();
  const qaFolder = page.getByLabel("Folder of 1000000000000004");
  await expect(qaFolder.locator("option", { hasText: folder })).toHaveCount(1);
  // A move is confirmed first.
  page.once("dialog", (d) => d.accept());
  await qaFolder.selectOption({ label: `Root / ${folder}` });
  await expect(page.getByRole("status")).toContainText(`to Root / ${folder}`);
  await expect(qaFolder).toHaveValue(/fd-/);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Folder of 1000000000000004").locator("option:checked")).toHaveText(`Root / ${folder}`);
  await shot(page, "resource-directory");

  // Share a Beijing backup set with the folder.
  await openCluster(page, "pc-2zeanalytics01");
  const [id] = await shareableBackupIds(page);
  await backupRow(page, id).getByRole("button", { name: "Share Backups" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Resource Share Name").fill(uniqueName("folder-share"));
  await dialog.getByLabel("Objects Within Resource Directory").check();
  const picker = dialog.getByLabel("Add from resource directory");
  await picker.selectOption((await picker.locator("option", { hasText: folder }).getAttribute("value"))!);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog).toBeHidden();

  const qa = await (await browser.newContext()).newPage();
  await signIn(qa, "qa");
  await qa.goto("/shared-backups?tab=incoming&region=cn-beijing");
  await hydrated(qa);
  await expect(backupRow(qa, id)).toBeVisible();
  await qa.context().close();
});

test("an invited account joins the directory only when it accepts in its own console, and can leave", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  await owner.goto("/resource-directory");
  await hydrated(owner);
  await owner.getByLabel("Account ID").fill(OUTSIDER);
  await owner.getByRole("button", { name: "Invite" }).click();
  await expect(owner.getByRole("status")).toContainText("Invitation sent to Orbit Logistics");
  const sent = owner.getByRole("table", { name: "Sent invitations" }).locator(`tr[data-account="${OUTSIDER}"]`).first();
  await expect(sent).toContainText("Pending");
  await expect(sent.getByRole("button", { name: "Cancel invitation" })).toBeVisible();
  // Invited is not a member.
  await expect(owner.locator(`tr[data-member="${OUTSIDER}"]`)).toHaveCount(0);
  await shot(owner, "directory-invitation-sent");

  // The invited account answers in its own browser context.
  const outsider = await session(browser, "outsider");
  await outsider.goto("/resource-directory");
  await hydrated(outsider);
  await expect(outsider.getByTestId("no-directory")).toBeVisible();
  const invitation = outsider.getByRole("table", { name: "Directory invitations" }).getByRole("row").filter({ hasText: "rd-lumen01" }).first();
  await expect(invitation).toContainText("Pending");
  await expect(invitation).toContainText("Lumen Retail");
  await shot(outsider, "directory-invitation-received");
  await invitation.getByRole("button", { name: "Accept" }).click();
  const membership = outsider.getByTestId("membership");
  await expect(membership).toContainText("rd-lumen01");
  await expect(invitation).toContainText("Accepted");
  await shot(outsider, "directory-membership");

  // The management account sees it accepted, and the account among the members.
  await owner.reload();
  await hydrated(owner);
  await expect(owner.getByRole("table", { name: "Sent invitations" }).locator(`tr[data-account="${OUTSIDER}"]`).first()).toContainText("Accepted");
  await expect(owner.locator(`tr[data-member="${OUTSIDER}"]`)).toBeVisible();

  // The member leaves again (which also leaves the demo's outsider as it was).
  await membership.getByRole("button", { name: "Leave" }).click();
  await outsider.getByRole("button", { name: "Leave directory" }).click();
  await expect(outsider.getByTestId("no-directory")).toBeVisible();
  await owner.reload();
  await hydrated(owner);
  await expect(owner.locator(`tr[data-member="${OUTSIDER}"]`)).toHaveCount(0);
  await outsider.context().close();
});

test("an owner's removal during a restore is queued and applied when the restore ends", async ({ page: owner, browser }) => {
  test.setTimeout(120_000);
  await signIn(owner, "owner");
  const { id, name } = await ownerShares(owner, MEMBER, "Objects Within Resource Directory");

  // The member starts a restore (the test server's restores take 6 s).
  const member = await session(browser, "member");
  await openSharedWithMe(member);
  await backupRow(member, id).getByRole("button", { name: "Restore Data to New Cluster" }).click();
  const restore = member.getByRole("dialog");
  await restore.getByLabel("New cluster name").fill(uniqueName("member-copy"));
  await restore.getByRole("button", { name: "Restore" }).click();
  await expect(restore).toBeHidden();

  // The owner removes the member meanwhile: accepted, and queued behind the restore.
  await owner.goto("/shared-backups");
  await hydrated(owner);
  await backupRow(owner, id).first().getByRole("button", { name: "Share Backup" }).click();
  const dialog = owner.getByRole("dialog");
  await dialog.getByRole("button", { name: `Remove ${MEMBER}` }).click();
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog).toBeHidden();
  await expect(backupRow(owner, id).first()).toContainText("Removal pending until the restore ends");
  await shot(owner, "removal-pending-my-shares");
  await owner.goto(`/resource-sharing/relationships/${id}`);
  await hydrated(owner);
  const principals = owner.getByRole("table", { name: "Principals" }).first();
  await expect(principals).toContainText("Removal pending until the restore ends");
  await shot(owner, "removal-pending-relationship");

  // The member sees it being revoked and can't restore again meanwhile.
  await openSharedWithMe(member);
  const row = backupRow(member, id);
  await expect(row).toContainText("Being revoked");
  await expect(row).toContainText("after the running restore finishes");
  await expect(row.getByRole("button", { name: "Restore Data to New Cluster" })).toBeDisabled();
  await shot(member, "removal-pending-shared-with-me");

  // When the restore ends the removal takes effect: revoking, then gone (revocation delay 5 s).
  await expect(async () => {
    await owner.reload();
    await hydrated(owner);
    await expect(owner.getByRole("table", { name: "Principals" }).first()).not.toContainText("Removal pending");
  }).toPass({ timeout: 30_000 });
  await expect(async () => {
    await openSharedWithMe(member);
    await expect(backupRow(member, id)).toHaveCount(0);
  }).toPass({ timeout: 30_000 });
  await member.context().close();
});
