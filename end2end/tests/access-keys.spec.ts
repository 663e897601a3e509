import { expect, test } from "@playwright/test";
import { hydrated, shot, signIn } from "./helpers";

test("root makes its own AccessKey on Security: the secret is shown once; disable, enable and delete it", async ({ page }) => {
  await signIn(page, "owner");
  await page.goto("/security");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Your AccessKey pairs" });
  const before = await table.locator("tr[data-access-key]").count();
  await page.getByRole("button", { name: "New AccessKey" }).click();
  const created = page.getByTestId("new-access-key");
  await expect(created).toContainText("shown only this once");
  const id = (await page.getByTestId("new-access-key-id").textContent())!.trim();
  const secret = (await page.getByTestId("new-access-key-secret").textContent())!.trim();
  expect(id).toMatch(/^LTAI[A-Za-z0-9]{20}$/);
  expect(secret).toHaveLength(30);
  const row = table.locator(`tr[data-access-key="${id}"]`);
  await expect(row).toContainText("Active");
  await expect(row).toContainText("Never");
  await expect(table.locator("tr[data-access-key]")).toHaveCount(before + 1);
  await shot(page, "security-access-keys");
  // Closed, the secret is gone from the page.
  await created.getByRole("button", { name: "Close" }).click();
  await expect(created).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);

  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("Disabled");
  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row).toContainText("Active");

  await page.reload();
  await hydrated(page);
  await expect(page.locator("body")).not.toContainText(secret);
  page.once("dialog", (dialog) => {
    expect(dialog.message()).toContain(`Delete AccessKey ${id}?`);
    dialog.accept();
  });
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(row).toHaveCount(0);
});

test("root makes AccessKeys for a RAM user on the RAM users page, at most two", async ({ page }) => {
  await signIn(page, "owner");
  await page.goto("/ram");
  await hydrated(page);
  const table = page.getByRole("table", { name: "RAM user AccessKey pairs" });
  const user = page.locator('tr[data-user="auditor@lumen"]');
  for (let n = 0; n < 2; n++) {
    await user.getByRole("button", { name: "New AccessKey" }).click();
    await expect(page.getByTestId("new-access-key")).toContainText("auditor@lumen");
    await expect(table.locator("tr[data-access-key]", { hasText: "auditor@lumen" })).toHaveCount(n + 1);
    await page.getByTestId("new-access-key").getByRole("button", { name: "Close" }).click();
  }
  await user.getByRole("button", { name: "New AccessKey" }).click();
  const refused = page.getByRole("dialog", { name: "AccessKey pair not created" });
  await expect(refused.getByRole("alert")).toContainText("An identity can have at most 2 AccessKey pairs.");
  await expect(refused.getByRole("alert")).toContainText("LimitExceeded.User.AccessKey");
  await shot(page, "ram-access-keys");
});
