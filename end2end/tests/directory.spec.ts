import { expect, test } from "@playwright/test";
import { backupRow, hydrated, openCluster, shareableBackupIds, shot, signIn, uniqueName } from "./helpers";

test("the management account builds a folder, shares to it, and a member in it sees the set", async ({ page, browser }) => {
  const folder = uniqueName("Partners");
  await signIn(page, "owner");
  await page.goto("/resource-directory");
  await hydrated(page);
  await page.getByLabel("Folder name").fill(folder);
  await page.getByRole("button", { name: "Create folder" }).click();
  const qaFolder = page.getByLabel("Folder of 1000000000000004");
  await expect(qaFolder.locator("option", { hasText: folder })).toHaveCount(1);
  await qaFolder.selectOption({ label: `Root / ${folder}` });
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
