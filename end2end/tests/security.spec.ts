import { expect, test } from "@playwright/test";
import { PASSWORD, hydrated, shot, signIn, uniqueName } from "./helpers";

test("a RAM user changes its own password on its Profile page and signs in with the new one", async ({ page, browser, baseURL }) => {
  // A user of this spec's own, so the demo sign-ins other specs use keep their password.
  const login = uniqueName("rotating") + "@lumen";
  const root = await (await browser.newContext()).newPage();
  await signIn(root, "owner");
  const created = await root.request.post("/api/create_ram_user", {
    form: { login_name: login, password: PASSWORD },
    headers: { Origin: new URL(baseURL!).origin },
  });
  expect(created.status()).toBe(200);

  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Sign-in name").fill(login);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  // A RAM user with no policy starts at its profile (least privilege).
  await page.waitForURL("**/profile");
  // Security and Profile are one page: who is signed in, then its password.
  await page.goto("/security");
  await page.waitForURL("**/profile");
  await hydrated(page);
  const profile = page.getByRole("definition").filter({ hasText: login });
  await expect(profile).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();

  // The policy's refusal, with its sentence and code.
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill("short");
  await page.getByLabel("Confirm new password").fill("short");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert")).toContainText("The password is too short: use at least 10 characters.");
  await expect(page.getByRole("alert")).toContainText("InvalidPassword.Policy");

  await page.getByLabel("New password", { exact: true }).fill("Rotated-Pass-2027");
  await page.getByLabel("Confirm new password").fill("Rotated-Pass-2027");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Password changed. Your other sessions have been signed out.");
  await shot(page, "security-password-changed");

  const again = await (await browser.newContext()).newPage();
  await again.goto("/login");
  await hydrated(again);
  await again.getByLabel("Sign-in name").fill(login);
  await again.getByLabel("Password").fill("Rotated-Pass-2027");
  await again.getByRole("button", { name: "Sign in" }).click();
  await again.waitForURL("**/profile");
});
