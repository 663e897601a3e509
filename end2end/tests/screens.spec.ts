import { expect, test, type Browser, type Page } from "@playwright/test";
import { MEMBER, PARTNER, SHAREABLE_CLUSTER, expectFits, freshBackupSets, hydrated, signIn } from "./helpers";

// Every screen, as each kind of user sees it, in two locales and time zones and at 1024 px: what is
// on it fits, its times are the viewer's own, and the focused control shows it. With SHOTS_DIR set
// (outside the repository), a full-page screenshot of each goes there, for a person to look at.

const SHOTS = process.env.SHOTS_DIR;

/** The sign-ins, one of each kind: the owner's root, RAM users with and without Resource Sharing, a
 *  directory member, an external principal, an account without the beta, the platform operator. */
const USERS = ["owner", "dba@lumen", "developer@lumen", "auditor@lumen", "member", "partner", "nobeta", "operator"];

const ALL_VIEWS = [
  { name: "ny", locale: "en-US", timezoneId: "America/New_York", width: 1280 },
  { name: "shanghai", locale: "zh-CN", timezoneId: "Asia/Shanghai", width: 1280 },
  { name: "narrow", locale: "en-US", timezoneId: "America/New_York", width: 1024 },
];
/** SCREENS_VIEW=narrow looks at one view only (while working on it). */
const VIEWS = ALL_VIEWS.filter((v) => !process.env.SCREENS_VIEW || v.name === process.env.SCREENS_VIEW);

/** 64 Chinese characters: the longest cluster name, in the script that takes the most room. */
const CJK_CLUSTER = "数据分析恢复集群".repeat(8);
/** 24 Chinese characters: the longest folder name. */
const CJK_FOLDER = "华东分析团队".repeat(4);

/** Pages a user reaches other than through the navigation: detail pages and dialogs. */
function extraPages(user: string, backupSetId: string, memberSetId: string): string[] {
  if (user === "owner" || user === "dba@lumen") {
    return [
      `/clusters/${SHAREABLE_CLUSTER}`, `/clusters/${SHAREABLE_CLUSTER}?share=${backupSetId}`, "/clusters/pc-bp1legacy00001",
      `/resource-sharing/relationships/${backupSetId}`,
    ];
  }
  if (user === "developer@lumen" || user === "auditor@lumen") return [`/clusters/${SHAREABLE_CLUSTER}`];
  if (user === "nobeta") return ["/clusters/pc-bp1nomad000001"];
  if (user === "member") return [`/shared-backups?tab=incoming&restore=${memberSetId}`];
  return [];
}

/** The data the screens are looked at with: the longest names the rules take, in Chinese too. */
async function makeData(browser: Browser): Promise<[string, string]> {
  const owner = await (await browser.newContext()).newPage();
  await signIn(owner, "owner");
  const [shared, restored, open] = await freshBackupSets(owner, 3);
  const stamp = Date.now().toString(36);
  const share = async (id: string, name: string, scope: string, principals: string[]) => {
    const r = await owner.request.post("/api/share_backup_set", {
      data: { request: { backup_set_id: id, method: { New: { name, scope, principals } } } },
    });
    expect(r.status(), await r.text()).toBe(200);
  };
  await share(shared, `screens-${stamp}`.padEnd(50, "x"), "AllAccounts", [PARTNER]);
  await share(restored, `screens-rd-${stamp}`.padEnd(50, "y"), "ResourceDirectory", [MEMBER]);
  // Left for the member's Restore dialog.
  await share(open, `screens-open-${stamp}`, "ResourceDirectory", [MEMBER]);
  const folder = await owner.request.post("/api/create_folder", { form: { folder_name: CJK_FOLDER, parent_folder_id: "fd-lumenroot" } });
  expect([200, 409]).toContain(folder.status());
  const user = await owner.request.post("/api/create_ram_user", {
    form: { login_name: `s${stamp}`.padEnd(58, "z"), password: "Screens-Pass-2026" },
  });
  expect(user.status(), await user.text()).toBe(200);
  await owner.context().close();

  const member = await (await browser.newContext()).newPage();
  await signIn(member, "member");
  const restore = await member.request.post("/api/submit_restore", {
    form: { backup_set_id: restored, cluster_name: CJK_CLUSTER, node_spec: "polar.mysql.x4.medium", zone_id: "cn-hangzhou-h", pay_type: "Postpaid" },
  });
  expect([200, 409]).toContain(restore.status());
  const ticket = await member.request.post("/api/submit_ticket", {
    form: { kind: "QuotaIncrease", message: "请把共享备份集的配额提高到 1024 个，我们的数据分析团队需要更多的共享资源。".repeat(3) },
  });
  expect([200, 409]).toContain(ticket.status());
  await member.context().close();
  return [shared, open];
}

/** The navigation's own pages, as the user's side bar lists them. */
async function navPages(page: Page): Promise<string[]> {
  return page.locator("nav.side-nav a").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
}

/** Every time on the page reads as the viewer's locale writes it, in the viewer's zone. */
async function expectLocalTimes(page: Page, locale: string, timeZone: string, what: string) {
  const times = await page.locator("time[datetime]").evaluateAll((ts) =>
    ts.map((t) => ({ iso: t.getAttribute("datetime")!, date: t.querySelector(".date")?.textContent ?? "", clock: t.querySelector(".clock")?.textContent ?? "" })),
  );
  for (const t of times.slice(0, 20)) {
    const at = new Date(t.iso);
    const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(at);
    const clock = new Intl.DateTimeFormat(locale, { timeStyle: "short", timeZone }).format(at);
    expect(`${t.date} ${t.clock}`, `${what}: ${t.iso}`).toBe(`${date} ${clock}`);
  }
}

test("every screen of every kind of user fits, shows local times and a visible focus", async ({ browser }) => {
  test.setTimeout(600_000);
  const [backupSetId, memberSetId] = await makeData(browser);
  for (const view of VIEWS) {
    for (const user of USERS) {
      const context = await browser.newContext({ viewport: { width: view.width, height: 800 }, locale: view.locale, timezoneId: view.timezoneId });
      const page = await context.newPage();
      await page.goto("/login");
      await hydrated(page);
      if (user === USERS[0]) await capture(page, view, "signed-out", "login");
      await signIn(page, user);
      const pages = [...(await navPages(page)), ...extraPages(user, backupSetId, memberSetId)];
      expect(pages.length, `${user} has pages`).toBeGreaterThan(0);
      for (const path of pages) {
        await page.goto(path);
        await hydrated(page);
        await expect(page.locator(".loading")).toHaveCount(0);
        const what = `${view.name} ${user} ${path}`;
        await expectFits(page, view.width, what, { soft: true });
        // The times are rewritten in a task after hydration.
        await expect(async () => expectLocalTimes(page, view.locale, view.timezoneId, what)).toPass({ timeout: 5_000 });
        await capture(page, view, user, path);
      }
      await context.close();
    }
  }
});

test("the focused control is marked, by keyboard, on links, buttons and fields", async ({ page }) => {
  await signIn(page, "owner");
  await page.goto(`/clusters/${SHAREABLE_CLUSTER}`);
  await hydrated(page);
  // Tab through the first controls of the page: each one focused shows an outline or a ring.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    const ring = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return { what: "body", visible: true };
      const style = getComputedStyle(el);
      const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
      return { what: `${el.tagName} ${el.textContent?.trim().slice(0, 30)}`, visible: outline || style.boxShadow !== "none" };
    });
    expect(ring.visible, `focus ring on ${ring.what}`).toBe(true);
  }
  await capture(page, ALL_VIEWS[0], "owner", "focus");
});

async function capture(page: Page, view: { name: string }, user: string, path: string) {
  if (!SHOTS) return;
  const file = `${view.name}--${user.replace(/@.*/, "-ram")}--${path.replace(/^\//, "").replace(/[/?=&]/g, "_") || "home"}.png`;
  await page.screenshot({ path: `${SHOTS}/${file}`, fullPage: true });
}
