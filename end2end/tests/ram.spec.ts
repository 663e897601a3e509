import { expect, test } from "@playwright/test";
import { backupRow, freshBackupSets, hydrated, openCluster, shot, signIn, uniqueName } from "./helpers";

test("root creates a read-only RAM user, who is refused with the policy named until both policies are attached", async ({ page, browser }) => {
  const login = uniqueName("analyst") + "@lumen";
  await signIn(page, "owner");
  await page.goto("/ram");
  await hydrated(page);
  await page.getByLabel("Sign-in name").fill(login);
  await page.getByLabel("Password", { exact: true }).fill("Analyst-Pass-2026");
  await page.getByRole("button", { name: "Create" }).click();
  const row = page.locator(`tr[data-user="${login}"]`);
  await expect(row).toBeVisible();
  await row.getByLabel(`AliyunPolardbReadOnlyAccess for ${login}`).check();
  await expect(row.getByLabel(`AliyunPolardbReadOnlyAccess for ${login}`)).toBeChecked();
  await shot(page, "ram-users");

  const user = await (await browser.newContext()).newPage();
  await user.goto("/login");
  await hydrated(user);
  await user.getByLabel("Sign-in name").fill(login);
  await user.getByLabel("Password").fill("Analyst-Pass-2026");
  await user.getByRole("button", { name: "Sign in" }).click();
  await user.waitForURL("**/clusters");
  await openCluster(user);
  await expect(user.getByRole("alert")).toContainText("AliyunPolardbFullAccess and AliyunResourceCenterFullAccess");
  await expect(user.locator("tr[data-backup-set]").first().getByRole("button", { name: "Share Backups" })).toBeDisabled();

  await page.reload();
  await hydrated(page);
  await row.getByLabel(`AliyunPolardbFullAccess for ${login}`).check();
  await expect(row.getByLabel(`AliyunPolardbFullAccess for ${login}`)).toBeChecked();
  await row.getByLabel(`AliyunResourceCenterFullAccess for ${login}`).check();
  await expect(row.getByLabel(`AliyunResourceCenterFullAccess for ${login}`)).toBeChecked();

  const [id] = await freshBackupSets(user);
  await openCluster(user);
  await expect(user.getByRole("alert")).toHaveCount(0);
  await backupRow(user, id).getByRole("button", { name: "Share Backups" }).click();
  await expect(user.getByRole("dialog")).toBeVisible();
  await user.context().close();
});

test("the create form shows the signed-in account's own alias after the name and allows the name what it leaves of 64 characters, and a bare name is created as name@alias", async ({ page, browser }) => {
  await signIn(page, "owner");
  await page.goto("/ram");
  await hydrated(page);
  const form = page.locator(".form-card").first();
  await expect(form.locator(".login-alias")).toHaveText("@lumen");
  await expect(form.locator(".login-alias-hint")).toContainText("Users sign in as name@lumen");
  // The box stops where the server would refuse: 64 characters with the ending.
  await expect(form.locator(".login-alias-hint")).toContainText("at most 58 characters");
  await expect(page.getByLabel("Sign-in name")).toHaveAttribute("maxlength", "58");

  const name = uniqueName("bare");
  await page.getByLabel("Sign-in name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill("Bare-Pass-2026");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.locator(`tr[data-user="${name}@lumen"]`)).toBeVisible();
  await expect(page.locator(`tr[data-user="${name}"]`)).toHaveCount(0);
  // Hydrated for real: the rows' no-JavaScript Attach buttons are hidden.
  await expect(page.locator(`tr[data-user="${name}@lumen"]`).getByRole("button", { name: "Attach" })).toHaveCount(0);
  await page.screenshot({ path: "/tmp/polish/ram-alias.png", fullPage: false });

  // Another account's root sees its own alias, never lumen.
  const partner = await (await browser.newContext()).newPage();
  await signIn(partner, "partner");
  await partner.goto("/ram");
  await hydrated(partner);
  await expect(partner.locator(".form-card .login-alias")).toHaveText("@harbor");
  await expect(partner.getByLabel("Sign-in name")).toHaveAttribute("maxlength", "57");
  await expect(partner.locator(".form-card").first()).not.toContainText("lumen");
  await partner.context().close();
});
