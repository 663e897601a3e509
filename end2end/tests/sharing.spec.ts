import { expect, test } from "@playwright/test";
import {
  INTERNATIONAL, OUTSIDER, OWNER, PARTNER, addPrincipal, backupRow, freshBackupSets, openCluster, openClusterAt, shot, signIn,
  uniqueName,
} from "./helpers";

test.describe("the owner shares backup sets from the Data Backups tab", () => {
  test("create a new share with two principals, then add a second backup set to it", async ({ page }) => {
    await signIn(page, "owner");
    const [first, second] = await freshBackupSets(page, 2);
    await expect(page.getByRole("heading", { name: "Clusters" })).toBeVisible();
    await page.getByRole("link", { name: "pc-bp1orders0001" }).click();
    await expect(page.getByRole("table", { name: "Backup sets" })).toBeVisible();
    await shot(page, "data-backups");

    await backupRow(page, first).getByRole("button", { name: "Share Backups" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("heading", { name: `Share backup set ${first}` })).toBeVisible();
    const name = uniqueName("analysis");
    await dialog.getByLabel("Resource Share Name").fill(name);
    await dialog.getByLabel("All Accounts").check();
    await addPrincipal(page, PARTNER);
    await addPrincipal(page, OUTSIDER);
    await shot(page, "share-dialog-new");
    await dialog.getByRole("button", { name: "OK" }).click();

    await expect(page.getByRole("status")).toContainText(`Shared through ${name}`);
    await expect(page.getByRole("status")).toContainText(`Invitations sent to ${PARTNER}, ${OUTSIDER}`);
    await expect(dialog).toBeHidden();
    await expect(backupRow(page, first).getByRole("cell", { name: "Sharing", exact: true })).toBeVisible();
    await expect(backupRow(page, second).getByRole("cell", { name: "-", exact: true })).toBeVisible();

    // Second backup set, through "Select from existing resource shares".
    await backupRow(page, second).getByRole("button", { name: "Share Backups" }).click();
    await dialog.getByLabel("Select from existing resource shares").check();
    const picker = dialog.getByLabel("Select Resource Share");
    await picker.selectOption((await picker.locator("option", { hasText: name }).getAttribute("value"))!);
    const list = dialog.getByRole("table", { name: "Shared Resource List" });
    await expect(list).toContainText(first);
    await shot(page, "share-dialog-existing");
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(dialog).toBeHidden();
    await expect(backupRow(page, second).getByRole("cell", { name: "Sharing", exact: true })).toBeVisible();

    // After a reload the state comes from the server, not from the page.
    await page.reload();
    await expect(backupRow(page, first).getByRole("cell", { name: "Sharing", exact: true })).toBeVisible();
    await expect(backupRow(page, second).getByRole("cell", { name: "Sharing", exact: true })).toBeVisible();
  });

  test("the server's refusals are shown in the dialog with their codes", async ({ page }) => {
    await signIn(page, "owner");
    const [id] = await freshBackupSets(page);
    await openCluster(page);
    await backupRow(page, id).getByRole("button", { name: "Share Backups" }).click();
    const dialog = page.getByRole("dialog");
    const alert = dialog.getByRole("alert");
    const nameField = dialog.getByLabel("Resource Share Name");
    const remove = async (principal: string) =>
      dialog.getByRole("button", { name: `Remove ${principal}` }).click();

    await nameField.fill(uniqueName("refusals"));
    await addPrincipal(page, OWNER);
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(alert).toContainText("You cannot share resources with yourself.");
    await expect(alert).toContainText("ShareWithYourself");
    await remove(OWNER);

    await addPrincipal(page, INTERNATIONAL);
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(alert).toContainText("sharing between aliyun.com and alibabacloud.com is not supported");
    await expect(alert).toContainText("InvalidTarget.SiteMismatch");
    await shot(page, "share-dialog-refusal");
    await remove(INTERNATIONAL);

    await addPrincipal(page, "9999999999999999");
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(alert).toContainText("Principal 9999999999999999 does not exist.");
    await remove("9999999999999999");

    await dialog.getByLabel("Objects Within Resource Directory").check();
    await addPrincipal(page, PARTNER);
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(alert).toContainText("is not in your resource directory");
    await expect(alert).toContainText("InvalidTarget");

    await dialog.getByLabel("All Accounts").check();
    await nameField.fill("has spaces in it");
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(alert).toContainText("InvalidParameter.ResourceShareName");

    await nameField.fill("a".repeat(51));
    await dialog.getByRole("button", { name: "OK" }).click();
    await expect(alert).toContainText("it can be at most 50");

    // Nothing was shared by any of these attempts.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(backupRow(page, id).getByRole("cell", { name: "-", exact: true })).toBeVisible();
  });

  test("backup sets that can't be shared say why", async ({ page }) => {
    await signIn(page, "owner");
    await openCluster(page);
    const expectBlocked = async (id: string, reason: string) => {
      await openClusterAt(page, id);
      const button = backupRow(page, id).getByRole("button", { name: "Share Backups" });
      await expect(button).toBeDisabled();
      await expect(button).toHaveAttribute("title", new RegExp(reason));
      await expect(backupRow(page, id)).toContainText(reason);
    };
    await expectBlocked("3200009001", "is not active");
    await expectBlocked("3200009002", "has expired");
    await expectBlocked("3200009003", "data is being restored from it");
    await expectBlocked("3200009004", "converted from a level-1 to a level-2 backup");
    await expectBlocked("rp-hz2bj0009005", "Cross-region backup sets");

    for (const [cluster, reason] of [
      ["pc-bp1limitless01", "Limitless"],
      ["pc-bp1payments3az", "three-zone"],
      ["pc-bp1crmtde0001", "Transparent Data Encryption"],
      ["pc-bp1hrdiskenc01", "disk encryption"],
      ["pc-bp1legacy00001", "recycle bin"],
    ]) {
      await openCluster(page, cluster);
      // A reason of the cluster's is said once, above the table, and is each row's hover text.
      await expect(page.getByRole("alert")).toContainText(reason);
      const first = page.locator("tr[data-backup-set]").first();
      await expect(first.getByRole("button", { name: "Share Backups" })).toBeDisabled();
      await expect(first.getByRole("button", { name: "Share Backups" })).toHaveAttribute("title", new RegExp(reason));
      await expect(first).not.toContainText(reason);
    }
    await shot(page, "blocked-recycle-bin");
  });
});
