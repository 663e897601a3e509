import { expect, type Browser, type Page } from "@playwright/test";

/** The password of every demo sign-in (see README). */
export const PASSWORD = "Demo-Pass-2026";

export const OWNER = "1000000000000001";
export const PARTNER = "1000000000000002";
export const MEMBER = "1000000000000003";
export const INTERNATIONAL = "1000000000000005";
export const OUTSIDER = "1000000000000007";
export const SHAREABLE_CLUSTER = "pc-bp1orders0001";

/** A click before hydration is lost: wait for the marker the app sets once it is interactive. */
export async function hydrated(page: Page) {
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
}

export async function signIn(page: Page, login: string, next?: string, password = PASSWORD) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await hydrated(page);
  await page.getByLabel("Sign-in name").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await hydrated(page);
  // The sign-in navigates inside the app (already hydrated on /login): the console frame shows
  // "Loading…" until the signed-in viewer has been fetched, which can outlast the URL's change on a
  // busy machine (screens.spec read no navigation from such a page once).
  await expect(page.getByTestId("account-badge")).toBeVisible();
}

export async function openCluster(page: Page, clusterId = SHAREABLE_CLUSTER) {
  await page.goto(`/clusters/${clusterId}`);
  await hydrated(page);
  await expect(page.getByRole("table", { name: "Backup sets" })).toBeVisible();
}

/** Opens the page of a cluster's Data Backups that lists the backup set: the demo's own sets are the
 *  cluster's oldest, and the sets each spec makes (`freshBackupSets`) come before them, 30 to a page. */
export async function openClusterAt(page: Page, backupSetId: string, clusterId = SHAREABLE_CLUSTER) {
  for (let n = 1; n <= 20; n++) {
    await page.goto(`/clusters/${clusterId}?page=${n}`);
    await hydrated(page);
    await expect(page.getByRole("table", { name: "Backup sets" })).toBeVisible();
    if ((await backupRow(page, backupSetId).count()) > 0) return;
  }
  throw new Error(`backup set ${backupSetId} is on none of the first 20 pages of ${clusterId}`);
}

/** The Data Backups row of a backup set. */
export function backupRow(page: Page, backupSetId: string) {
  return page.locator(`tr[data-backup-set="${backupSetId}"]`);
}

/** New backup sets of a cluster of the signed-in account, newest first, that no other spec has seen: each
 *  flow shares sets of its own, so it runs alone (`-g`) or in any order. The demo server's test-data door
 *  (`/demo/fresh-backup-sets`, on demo servers only); the page's session is used. */
export async function freshBackupSets(page: Page, count = 1, clusterId = SHAREABLE_CLUSTER): Promise<string[]> {
  const r = await page.request.post(`/demo/fresh-backup-sets?cluster_id=${clusterId}&count=${count}`);
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

export async function addPrincipal(page: Page, id: string) {
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Principal account ID").fill(id);
  await dialog.getByRole("button", { name: "Add", exact: true }).click();
  await expect(dialog.getByRole("list", { name: "Selected principals" })).toContainText(id);
}

/** A share name unique to this run, so repeated runs against one database don't collide. */
export function uniqueName(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}`;
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `../screenshots/${name}.png`, fullPage: true });
}

/** A second, separate browser session signed in as `login`. */
export async function session(browser: Browser, login: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, login);
  return page;
}

/** The owner shares an unshared backup set of orders-prod through a new share; returns its id and the share name. */
export async function ownerShares(owner: Page, principal: string, scope: "All Accounts" | "Objects Within Resource Directory") {
  const [id] = await freshBackupSets(owner);
  await openCluster(owner);
  await backupRow(owner, id).getByRole("button", { name: "Share Backups" }).click();
  const dialog = owner.getByRole("dialog");
  const name = uniqueName("flow");
  await dialog.getByLabel("Resource Share Name").fill(name);
  await dialog.getByLabel(scope).check();
  await addPrincipal(owner, principal);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog).toBeHidden();
  return { id, name };
}

export async function openSharedWithMe(page: Page) {
  await page.goto("/shared-backups?tab=incoming");
  await hydrated(page);
  await expect(page.getByRole("table", { name: "Shared With Me" })).toBeVisible();
}


/** Test data without clicking: the owner (the page's session) shares a fresh backup set of orders-prod
 *  through a new share, as the Share dialog's server function does. Returns the set, the share and its name. */
export async function ownerSharesByRequest(owner: Page, principal: string, scope: "AllAccounts" | "ResourceDirectory", prefix = "share") {
  const [id] = await freshBackupSets(owner);
  const name = uniqueName(prefix);
  const origin = new URL(owner.url()).origin;
  const response = await owner.request.post("/api/share_backup_set", {
    data: { request: { backup_set_id: id, method: { New: { name, scope, principals: [principal] } } } },
    headers: { Origin: origin, "Content-Type": "application/json" },
  });
  expect(response.status(), await response.text()).toBe(200);
  const shareId: string = (await response.json()).resource_share_id;
  return { id, shareId, name };
}

/** The Shared By Me row of a resource share. */
export function shareRow(page: Page, shareId: string) {
  return page.locator(`tr[data-share="${shareId}"]`);
}

/** Nothing is wider than the viewport (`width`): not the page, not the main column, not a dialog. With
 *  `soft`, a misfit is recorded and the test goes on, so that a tour of many pages names them all. */
export async function expectFits(page: Page, width: number, what: string, { soft = false } = {}) {
  const m = await page.evaluate(() => {
    const main = document.querySelector(".console-main");
    const modal = document.querySelector(".modal");
    return {
      page: document.documentElement.scrollWidth,
      main: main ? main.scrollWidth - main.clientWidth : 0,
      modal: modal ? modal.scrollWidth - modal.clientWidth : 0,
    };
  });
  const check = soft ? expect.soft : expect;
  check(m.page, `${what}: page scroll width`).toBeLessThanOrEqual(width);
  check(m.main, `${what}: main column overflow`).toBeLessThanOrEqual(0);
  check(m.modal, `${what}: dialog overflow`).toBeLessThanOrEqual(0);
}
