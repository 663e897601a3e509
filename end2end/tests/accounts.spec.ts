import { expect, test } from "@playwright/test";
import { hydrated, shot, signIn, uniqueName } from "./helpers";

test("the platform operator creates a cloud account whose root signs in with the password shown once", async ({ page, browser }) => {
  const login = uniqueName("newco");
  await signIn(page, "operator");
  await page.getByRole("link", { name: "Accounts" }).click();
  await page.waitForURL("**/accounts");
  await hydrated(page);
  await page.getByLabel("Account name").fill("New Co");
  await page.getByLabel("Root sign-in name").fill(login);
  await page.getByRole("button", { name: "Create account" }).click();
  const created = page.getByTestId("created-account");
  await expect(created).toContainText(`root sign-in ${login}`);
  const password = (await page.getByTestId("created-password").textContent())!;
  expect(password).toHaveLength(20);
  await shot(page, "operator-account-created");

  const root = await (await browser.newContext()).newPage();
  await root.goto("/login");
  await hydrated(root);
  await root.getByLabel("Sign-in name").fill(login);
  await root.getByLabel("Password").fill(password);
  await root.getByRole("button", { name: "Sign in" }).click();
  await root.waitForURL("**/clusters");
  await expect(root.getByTestId("account-badge")).toContainText("New Co (root account)");
});

test("anyone but the platform operator is refused on Accounts at once, with no form that can only fail", async ({ page }) => {
  await signIn(page, "owner");
  await page.goto("/accounts");
  await hydrated(page);
  await expect(page.getByRole("alert")).toContainText("Only the platform operator can create accounts.");
  await expect(page.getByRole("button", { name: "Create account" })).toHaveCount(0);
});
