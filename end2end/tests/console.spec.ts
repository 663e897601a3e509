import { expect, test, type Browser, type Page } from "@playwright/test";
import { MEMBER, OUTSIDER, PARTNER, SHAREABLE_CLUSTER, expectFits, freshBackupSets, hydrated, openCluster, openClusterAt, shot, signIn, uniqueName } from "./helpers";

// Issue 9: the console as the real one behaves. Every test makes its own data.
test.use({ viewport: { width: 1280, height: 860 } });

const QA_MEMBER = "1000000000000004";
/** One unbroken 1,000-character word: the worst a free-text field can be given. */
const LONG = "x".repeat(1000);

async function session(browser: Browser, login: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await signIn(page, login);
  return page;
}

/** The owner shares `backupSetId` through a new share, the way the dialog's OK does; returns the share id. */
async function share(page: Page, backupSetId: string, name: string, scope: string, principals: string[]): Promise<string> {
  const r = await page.request.post("/api/share_backup_set", {
    data: { request: { backup_set_id: backupSetId, method: { New: { name, scope, principals } } } },
  });
  expect(r.status(), await r.text()).toBe(200);
  return (await r.json()).resource_share_id;
}


/** Backup sets of this spec's own in the Beijing cluster, the cluster's page open. */
const BEIJING_CLUSTER = "pc-2zeanalytics01";
async function ownBeijingSets(page: Page, count: number): Promise<string[]> {
  const ids = await freshBackupSets(page, count, BEIJING_CLUSTER);
  await openCluster(page, BEIJING_CLUSTER);
  return ids;
}

async function visit(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator(".loading")).toHaveCount(0);
}

test("Share Backup on My Shares edits that share: a removed principal is shown being revoked", async ({ page }) => {
  await signIn(page, "owner");
  const [id] = await ownBeijingSets(page, 1);
  const name = uniqueName("edit");
  const shareId = await share(page, id, name, "AllAccounts", [PARTNER, OUTSIDER]);

  await visit(page, "/shared-backups");
  const row = page.locator(`tr[data-backup-set="${id}"][data-share="${shareId}"]`);
  await expect(row.locator(`li[data-principal="${OUTSIDER}"]`)).toContainText("Invited");
  await row.getByRole("button", { name: "Share Backup" }).click();

  // The dialog opens on that share: its principals, ready to edit; no choice of method.
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: `Modify sharing of backup set ${id}` })).toBeVisible();
  await expect(dialog).toContainText(name);
  await expect(dialog.getByLabel("Create a new resource share")).toBeHidden();
  await expect(dialog.getByRole("table", { name: "Shared Resource List" })).toContainText(id);
  const selected = dialog.getByRole("list", { name: "Selected principals" });
  await expect(selected).toContainText(PARTNER);
  await expect(selected).toContainText(OUTSIDER);
  await expectFits(page, 1280, "modify dialog");
  await shot(page, "my-shares-modify-dialog");

  await dialog.getByRole("button", { name: `Remove ${OUTSIDER}` }).click();
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog).toBeHidden();
  // The toast and the row both say the removed principal is being revoked; the other stays invited.
  await expect(page.getByRole("status")).toContainText(`Being revoked`);
  await expect(page.getByRole("status")).toContainText(OUTSIDER);
  await expect(row.locator(`li[data-principal="${OUTSIDER}"]`)).toContainText("Being revoked");
  await expect(row.locator(`li[data-principal="${PARTNER}"]`)).toContainText("Invited");
  await expectFits(page, 1280, "my shares");
  await shot(page, "my-shares-revoking");
});

test("moving a directory member asks first, can be cancelled, and says what happened", async ({ page }) => {
  await signIn(page, "owner");
  await visit(page, "/resource-directory");
  const folder = uniqueName("Moves");
  await page.getByLabel("Folder name").fill(folder);
  await page.getByRole("button", { name: "Create folder" }).click();
  const picker = () => page.getByLabel(`Folder of ${QA_MEMBER}`);
  await expect(picker().locator("option", { hasText: folder })).toHaveCount(1);
  const before = await picker().inputValue();

  // Cancelled: the question names who goes where; nothing moves and the picker goes back.
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await picker().selectOption({ label: `Root / ${folder}` });
  await expect(picker()).toHaveValue(before);
  expect(asked).toContain(`Move Lumen QA (${QA_MEMBER}) to Root / ${folder}?`);
  await expect(page.getByRole("status")).toHaveCount(0);
  await visit(page, "/resource-directory");
  await expect(picker()).toHaveValue(before);

  // Confirmed: moved, and the page says so.
  page.once("dialog", (d) => void d.accept());
  await picker().selectOption({ label: `Root / ${folder}` });
  await expect(page.getByRole("status")).toContainText(`Moved Lumen QA (${QA_MEMBER}) to Root / ${folder}.`);
  await expect(picker()).not.toHaveValue(before);
  await shot(page, "directory-moved");

  // And back where it was, so other flows find it there.
  page.once("dialog", (d) => void d.accept());
  await picker().selectOption(before);
  await expect(page.getByRole("status")).toContainText(`Moved Lumen QA (${QA_MEMBER}) to`);
  await expect(picker()).toHaveValue(before);
});

test("every page fits 1280 px with a 1,000-character value in each free-text field", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const stamp = Date.now().toString(36);

  // Sign-in name.
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Sign-in name").fill(LONG);
  await page.getByLabel("Password").fill(LONG);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectFits(page, 1280, "sign-in refused");

  await signIn(page, "owner");

  // Share dialog: name and principal.
  const [first, second] = await ownBeijingSets(page, 2);
  await page.locator(`tr[data-backup-set="${first}"]`).getByRole("button", { name: "Share Backups" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Resource Share Name").fill(LONG);
  await dialog.getByLabel("Principal account ID").fill(LONG);
  await dialog.getByRole("button", { name: "Add", exact: true }).click();
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(dialog.getByRole("alert")).toBeVisible();
  await expectFits(page, 1280, "share dialog refused");
  await shot(page, "fits-share-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // The longest names the rules accept, shown wherever they are listed.
  const shareName = `s${stamp}`.padEnd(50, "x");
  const shareId = await share(page, first, shareName, "AllAccounts", [PARTNER]);
  await share(page, second, `d${stamp}`.padEnd(50, "y"), "ResourceDirectory", [MEMBER]);

  // Resource directory: folder name and account id.
  await visit(page, "/resource-directory");
  // The field holds at most 24 characters (Resource Directory's limit): what it keeps is created.
  await page.getByLabel("Folder name").fill(`f${stamp}${LONG}`);
  const created = page.waitForResponse((r) => r.url().includes("/api/create_folder"));
  await page.getByRole("button", { name: "Create folder" }).click();
  await created;
  await expect(page.locator(".loading")).toHaveCount(0);
  await page.getByLabel("Account ID").fill(LONG);
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectFits(page, 1280, "resource directory");
  await shot(page, "fits-resource-directory");

  // RAM users: a refused 1,000-character name and password, and an accepted 64-character name (with the
  // account's ending, @lumen, which a RAM user's name always has).
  await visit(page, "/ram");
  await page.getByLabel("Sign-in name").fill(LONG);
  await page.getByLabel("Password").first().fill(LONG);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  const longUser = `u${stamp}`.padEnd(64 - "@lumen".length, "z") + "@lumen";
  await page.getByLabel("Sign-in name").fill(longUser);
  await page.getByLabel("Password").first().fill("Long-Name-2026");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.locator(`tr[data-user="${longUser}"]`)).toBeVisible();
  await expectFits(page, 1280, "RAM users");
  await shot(page, "fits-ram-users");

  // Audit filter and the trail, whose targets and details now hold the long values.
  await visit(page, "/audit");
  await expect(page.getByRole("table", { name: "Audit events" })).toContainText("xxxxxxxxxx");
  await expectFits(page, 1280, "audit trail");
  await shot(page, "fits-audit");

  // Tickets: a partner's 1,000-character message, on its page and on the operator's.
  const partner = await session(browser, "partner");
  await visit(partner, "/tickets");
  await partner.getByLabel("Request").selectOption("QuotaIncrease");
  await partner.getByLabel("Message").fill(LONG);
  await partner.getByRole("button", { name: "Submit ticket" }).click();
  await expect(partner.getByRole("table", { name: "Tickets" })).toContainText(LONG.slice(0, 100));
  await expectFits(partner, 1280, "partner tickets");
  await shot(partner, "fits-tickets");
  const operator = await session(browser, "operator");
  await visit(operator, "/tickets");
  await expectFits(operator, 1280, "operator tickets");
  // Rejected, so the partner can ask again in a later run.
  await operator.getByRole("row").filter({ hasText: "Harbor Analytics" }).filter({ hasText: "Open" }).first().getByRole("button", { name: "Reject" }).click();
  await operator.context().close();

  // The partner accepts the invitation; the member restores with a long name, refused, then the longest accepted.
  await visit(partner, "/resource-sharing/invitations?region=cn-beijing");
  await partner.getByRole("row").filter({ hasText: shareName }).getByRole("button", { name: "Accept" }).click();
  await expect(partner.getByRole("row").filter({ hasText: shareName })).toContainText("Enabled");
  await expectFits(partner, 1280, "invitations");
  await partner.context().close();

  const member = await session(browser, "member");
  await visit(member, "/shared-backups?tab=incoming&region=cn-beijing");
  await member.locator(`tr[data-backup-set="${second}"]`).getByRole("button", { name: "Restore Data to New Cluster" }).click();
  const restore = member.getByRole("dialog");
  await expect(restore).toContainText("¥");
  await restore.getByLabel("New cluster name").fill(LONG);
  await restore.getByRole("button", { name: "Restore" }).click();
  await expect(restore.getByRole("alert")).toBeVisible();
  await expectFits(member, 1280, "restore dialog refused");
  await shot(member, "fits-restore-dialog");
  const clusterName = `c${stamp}`.padEnd(64, "w");
  await restore.getByLabel("New cluster name").fill(clusterName);
  await restore.getByRole("button", { name: "Restore" }).click();
  await expect(restore).toBeHidden();
  for (const path of ["/shared-backups?tab=incoming&region=cn-beijing", "/clusters?region=cn-beijing", "/billing", "/resource-sharing/invitations", "/tickets", "/audit", "/quota"]) {
    await visit(member, path);
    await expectFits(member, 1280, `member ${path}`);
    await shot(member, `fits-member${path.replace(/[/?=]/g, "-")}`);
  }
  await member.context().close();

  // Every page of the owner.
  for (const path of [
    "/clusters", `/clusters/${SHAREABLE_CLUSTER}`, `/clusters/${BEIJING_CLUSTER}`, "/clusters/pc-bp1legacy00001", "/shared-backups",
    "/shared-backups?tab=incoming",
    "/resource-sharing/invitations", "/resource-sharing/shares", `/resource-sharing/relationships/${first}`, "/resource-directory", "/quota", "/tickets", "/ram",
    "/audit", "/billing",
  ]) {
    await visit(page, path);
    await expectFits(page, 1280, `owner ${path}`);
    await shot(page, `fits-owner${path.replace(/[/?=]/g, "-")}`);
  }
  expect(shareId).toMatch(/^rs-/);
});

test("an empty table says there is nothing yet", async ({ page }) => {
  await signIn(page, "owner");
  await visit(page, "/billing");
  await expect(page.getByRole("table", { name: "Charges" })).toContainText("No charges yet.");
  await shot(page, "billing-owner");
  await visit(page, "/shared-backups?tab=incoming");
  await expect(page.getByRole("table", { name: "Restores" })).toContainText("No restores yet.");
  await visit(page, "/audit?action=DeleteRamUser&from=2001-01-01&to=2001-01-02");
  await expect(page.getByRole("table", { name: "Audit events" })).toContainText("No events match these filters.");
  await shot(page, "empty-audit");
});

test("converting to level-2 is offered only where the rule allows, with the server's reason", async ({ page }) => {
  await signIn(page, "owner");
  await openCluster(page);
  for (const [id, reason] of [
    ["3200009002", "has expired"],
    ["rp-hz2bj0009005", "cross-region copy"],
  ]) {
    await openClusterAt(page, id);
    const convert = page.locator(`tr[data-backup-set="${id}"]`).getByRole("button", { name: "Convert to Level-2" });
    await expect(convert).toBeDisabled();
    await expect(convert).toHaveAttribute("title", new RegExp(reason));
  }
  await openCluster(page, "pc-bp1legacy00001");
  const recycled = page.getByRole("button", { name: "Convert to Level-2" }).first();
  await expect(recycled).toBeDisabled();
  await expect(recycled).toHaveAttribute("title", /recycle bin/);
  await shot(page, "convert-recycled");
});
