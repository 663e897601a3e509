import { expect, test } from "@playwright/test";
import { hydrated, shot, uniqueName } from "./helpers";

// A viewer eight hours ahead of the server's UTC: the time to try again is shown in the viewer's zone.
test.use({ timezoneId: "Asia/Shanghai", locale: "en-US" });

// A sign-in name of this spec's own (unknown to the server, which throttles unknown names exactly like
// known ones), so no other spec's sign-ins are slowed down. The per-address limits that every spec from
// 127.0.0.1 shares are raised for the test server in scripts/test.sh.
test("a throttled sign-in is shown to the user with when to try again", async ({ page, baseURL }) => {
  const login = uniqueName("throttled");
  const origin = new URL(baseURL!).origin;
  const attempt = () =>
    page.request.post("/api/sign_in", {
      form: { login, password: "Wrong-Pass-0000" },
      headers: { Origin: origin, Accept: "application/json" },
      failOnStatusCode: false,
    });

  // Fail until the name is locked, waiting out each slow-down as the server asks (1 + 2 + 4 + 8 s).
  let failures = 0;
  for (;;) {
    const response = await attempt();
    if (response.status() === 401) {
      failures++;
      continue;
    }
    expect(response.status()).toBe(429);
    const retryAfter = Number(response.headers()["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    const body = await response.json();
    expect(body.code).toBe("Throttling.SignIn");
    if (retryAfter > 60) {
      expect(body.message).toContain("Sign-in is locked");
      break;
    }
    await page.waitForTimeout(retryAfter * 1000);
  }
  expect(failures).toBe(10);

  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Sign-in name").fill(login);
  await page.getByLabel("Password").fill("Wrong-Pass-0000");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Sign-in is locked after too many failed attempts. Try again in 15 minutes (at ");
  // The sentence's "08:01:30 UTC" is shown as the viewer's own time, from the instant the server gave.
  const time = alert.locator("time");
  const iso = await time.getAttribute("datetime");
  expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const local = new Intl.DateTimeFormat("en-US", { timeStyle: "short", timeZone: "Asia/Shanghai" }).format(new Date(iso!));
  await expect(time).toContainText(local);
  await expect(alert).not.toContainText("UTC");
  await expect(alert).toContainText("Throttling.SignIn");
  await expect(page).toHaveURL(/\/login/);
  await shot(page, "sign-in-throttled");
});
