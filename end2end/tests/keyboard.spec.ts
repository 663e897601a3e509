import { expect, test, type Locator, type Page } from "@playwright/test";
import {
  MEMBER, OUTSIDER, PARTNER, PASSWORD, backupRow, freshBackupSets, hydrated, openClusterAt, openSharedWithMe, ownerSharesByRequest, session,
  shareRow, shot, signIn, uniqueName,
} from "./helpers";

// The console by keyboard alone (Tab, Shift+Tab, Enter, Space, Escape), and what a screen reader is
// told: names and roles through Playwright's role locators. A control is reached by pressing Tab until
// it has focus (never clicked), so each step proves it can be reached in the page's tab order.

/** Presses Tab (or Shift+Tab) until `target` has focus; fails after `max` presses. */
async function tabTo(page: Page, target: Locator, { back = false, max = 250 } = {}) {
  const handle = await target.elementHandle();
  for (let n = 0; n < max; n++) {
    if (await page.evaluate((el) => document.activeElement === el, handle)) return;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  throw new Error(`not reached with ${max} presses of ${back ? "Shift+Tab" : "Tab"}: ${target}`);
}

/** Whether the focused element is inside the open dialog. */
async function focusInDialog(page: Page) {
  return page.evaluate(() => !!document.querySelector('[role="dialog"]')?.contains(document.activeElement));
}

/** Tab and Shift+Tab `presses` times each: focus never leaves the dialog. */
async function expectFocusTrapped(page: Page, presses = 30) {
  for (const key of ["Tab", "Shift+Tab"]) {
    for (let n = 0; n < presses; n++) {
      await page.keyboard.press(key);
      expect(await focusInDialog(page), `${key} press ${n + 1} left the dialog`).toBe(true);
    }
  }
}

/** The focused control shows it: an outline is drawn. */
async function expectFocusRing(target: Locator) {
  await expect(target).toBeFocused();
  await expect(target).not.toHaveCSS("outline-style", "none");
}

/** Signs in with the keyboard only: the skip link first, then the two fields and Enter. */
async function signInByKeyboard(page: Page, login: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.keyboard.press("Tab");
  await expectFocusRing(page.getByRole("link", { name: "Skip to main content" }));
  await page.keyboard.press("Tab");
  await expect(page.getByRole("textbox", { name: "Sign-in name" })).toBeFocused();
  await page.keyboard.type(login);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await hydrated(page);
}

test("sign-in, the skip link, the navigation and the page's title and language, by keyboard", async ({ page }) => {
  await signInByKeyboard(page, "owner");
  await expect(page).toHaveURL(/\/clusters/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page).toHaveTitle("Clusters · PolarDB console");
  // The current page is marked in the navigation, for screen readers as for the eye.
  const nav = page.getByRole("navigation", { name: "PolarDB" });
  await expect(nav.getByRole("link", { name: "Clusters" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Shared Backups" })).not.toHaveAttribute("aria-current", "page");

  // The skip link is the first stop and takes focus past the top bar and the navigation.
  await page.reload();
  await hydrated(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expectFocusRing(skip);
  await shot(page, "keyboard-skip-link");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("combobox", { name: "Region" })).toBeFocused();
  const clusters = page.getByRole("table", { name: "Clusters" });
  await expect(clusters.getByRole("columnheader", { name: "Status" })).toHaveAttribute("scope", "col");

  // A navigation link by keyboard: the new page's title, its link marked, focus at its main content.
  await tabTo(page, nav.getByRole("link", { name: "Billing" }), { back: true });
  await expectFocusRing(nav.getByRole("link", { name: "Billing" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page).toHaveTitle("Billing · PolarDB console");
  await expect(nav.getByRole("link", { name: "Billing" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("main")).toBeFocused();
  for (const [path, title] of [["/shared-backups", "Shared Backups"], ["/resource-sharing/invitations", "Shared With Me"],
    ["/resource-sharing/shares", "Shared By Me"], ["/tickets", "Tickets"], ["/ram", "RAM users"], ["/audit", "Audit trail"],
    ["/quota", "Quota"], ["/profile", "Profile"], ["/resource-directory", "Resource directory"], ["/no-such-page", "Page not found"]]) {
    await page.goto(path);
    await expect(page, path).toHaveTitle(`${title} · PolarDB console`);
    await expect(page.getByRole("main"), path).toHaveCount(1);
  }
});

test("Share Backups by keyboard: into the dialog, trapped in it, Escape, back to the button; then sharing", async ({ page }) => {
  await signIn(page, "owner");
  const [id] = await freshBackupSets(page);
  await openClusterAt(page, id);
  const button = backupRow(page, id).getByRole("button", { name: "Share Backups" });
  await tabTo(page, button);
  await expectFocusRing(button);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Share backup set ${id}` });
  await expect(dialog).toBeVisible();
  await expect.poll(() => focusInDialog(page)).toBe(true);
  await expect(dialog.getByRole("button", { name: "Close" })).toBeVisible(); // the × has a name
  await expectFocusTrapped(page);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(button).toBeFocused();

  // Open it again (Enter on the same button) and share, all by keyboard.
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await tabTo(page, dialog.getByLabel("Resource Share Name"));
  const name = uniqueName("keys");
  await page.keyboard.type(name);
  await tabTo(page, dialog.getByRole("textbox", { name: "Principal account ID" }));
  await page.keyboard.type(PARTNER);
  await page.keyboard.press("Enter"); // adds the principal, does not submit
  await expect(dialog.getByRole("list", { name: "Selected principals" })).toContainText(PARTNER);
  await expect(dialog.getByRole("button", { name: `Remove ${PARTNER}` })).toBeVisible();
  await shot(page, "keyboard-share-dialog");
  await tabTo(page, dialog.getByRole("button", { name: "OK" }));
  await expectFocusRing(dialog.getByRole("button", { name: "OK" }));
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  // The outcome is announced (a polite live region) and focus is back on the row's button.
  await expect(page.getByRole("status")).toContainText(`Shared through ${name}`);
  await expect(backupRow(page, id).getByRole("button", { name: "Share Backups" })).toBeFocused();
});

test("Shared By Me and My Shares by keyboard: edit a share, remove a principal, delete the share", async ({ page }) => {
  await signIn(page, "owner");
  const { id, shareId } = await ownerSharesByRequest(page, PARTNER, "AllAccounts", "kbd-edit");
  await page.goto("/resource-sharing/shares");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Resource shares" });
  await expect(table.getByRole("columnheader", { name: "Actions" })).toHaveAttribute("scope", "col");
  const edit = shareRow(page, shareId).getByRole("button", { name: "Edit" });
  await tabTo(page, edit);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Edit resource share" });
  await expect(dialog).toBeVisible();
  // Focus starts in the first field.
  await expect(dialog.getByLabel("Resource Share Name")).toBeFocused();
  await expectFocusTrapped(page, 12);
  await tabTo(page, dialog.getByLabel("Resource Share Name"));
  const renamed = uniqueName("kbd-renamed");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(renamed);
  await shot(page, "keyboard-edit-dialog");
  await page.keyboard.press("Enter"); // submits the form
  await expect(dialog).toBeHidden();
  await expect(shareRow(page, shareId)).toContainText(renamed);
  await expect(shareRow(page, shareId).getByRole("button", { name: "Edit" })).toBeFocused();

  // My Shares: Share Backup edits the share's principals; Remove, then OK, revokes the partner.
  await page.goto("/shared-backups");
  await hydrated(page);
  await expect(page.getByRole("navigation", { name: "Shared Backups views" }).getByRole("link", { name: "My Shares" })).toHaveAttribute("aria-current", "page");
  const modify = page.locator(`tr[data-backup-set="${id}"][data-share="${shareId}"]`).getByRole("button", { name: "Share Backup" });
  await tabTo(page, modify);
  await page.keyboard.press("Enter");
  const modifyDialog = page.getByRole("dialog", { name: `Modify sharing of backup set ${id}` });
  await expect(modifyDialog).toBeVisible();
  await tabTo(page, modifyDialog.getByRole("button", { name: `Remove ${PARTNER}` }));
  await page.keyboard.press("Enter");
  await expect(modifyDialog.getByRole("list", { name: "Selected principals" })).toBeHidden();
  await tabTo(page, modifyDialog.getByRole("button", { name: "OK" }));
  await page.keyboard.press("Enter");
  await expect(modifyDialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText("Being revoked");

  // Delete, confirmed in the browser's own dialog (answered as the keyboard would, Enter on OK).
  await page.goto("/resource-sharing/shares");
  await hydrated(page);
  page.once("dialog", (d) => void d.accept());
  await tabTo(page, shareRow(page, shareId).getByRole("button", { name: "Delete" }));
  await page.keyboard.press("Enter");
  await expect(shareRow(page, shareId)).toContainText(/Deleting|Deleted/);
});

test("invitations by keyboard: each answer moves focus on to the next invitation, then to the heading; a refused answer is shown at its row, announced", async ({ page: owner, browser }) => {
  const outsider = await session(browser, "outsider");
  const answer = async (id: string, accept: boolean) => {
    const r = await outsider.request.post("/api/answer_invitation", { form: { invitation_id: id, accept: String(accept) } });
    expect(r.status(), await r.text()).toBe(200);
  };
  // Invitations left pending by earlier tests are answered first (rejected), so that the rows still
  // offering an answer are this test's three, and where focus goes next is known.
  await outsider.goto("/resource-sharing/invitations");
  await hydrated(outsider);
  const pendingRows = outsider.locator("tr[data-invitation]").filter({ has: outsider.getByRole("button", { name: "Reject" }) });
  for (const id of await pendingRows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-invitation")!))) {
    await answer(id, false);
  }
  await signIn(owner, "owner");
  const names: string[] = [];
  for (let n = 0; n < 3; n++) names.push((await ownerSharesByRequest(owner, OUTSIDER, "AllAccounts", "kbd-inv")).name);
  await outsider.reload();
  await hydrated(outsider);
  const table = outsider.getByRole("table", { name: "Invitations" });
  await expect(table.getByRole("columnheader", { name: "Status" })).toHaveAttribute("scope", "col");
  const rowOf = (name: string) => outsider.locator("tr[data-invitation]", { hasText: name });
  // The three in the order the page lists them (newest first; made within a second, they may tie).
  const listed = await outsider.locator("tr[data-invitation]").allTextContents();
  const [first, second, third] = [...names].sort((a, b) => listed.findIndex((t) => t.includes(a)) - listed.findIndex((t) => t.includes(b)));
  await expect(pendingRows).toHaveCount(3);

  // Accept, by keyboard: the row's buttons go, the answer is announced, and focus is on the next
  // invitation's first button (not left on the page body).
  await tabTo(outsider, rowOf(first).getByRole("button", { name: "Accept" }));
  await outsider.keyboard.press("Enter");
  await expect(rowOf(first)).toContainText("Enabled");
  await expect(rowOf(first).getByRole("button")).toHaveCount(0);
  await expect(outsider.getByRole("status")).toContainText(`Accepted the invitation to ${first}`);
  await expectFocusRing(rowOf(second).getByRole("button", { name: "Accept" }));

  // Reject the next one from there: focus goes on to the one after it.
  await outsider.keyboard.press("Tab");
  await expect(rowOf(second).getByRole("button", { name: "Reject" })).toBeFocused();
  await outsider.keyboard.press("Enter");
  await expect(rowOf(second)).toContainText("Rejected");
  await expect(outsider.getByRole("status")).toContainText(`Rejected the invitation to ${second}`);
  const accept = rowOf(third).getByRole("button", { name: "Accept" });
  await expect(accept).toBeFocused();

  // The last is answered elsewhere meanwhile (another tab): this page still offers Accept, and the
  // server refuses it. The refusal is under that row, not at the top of the page.
  const third_id = (await rowOf(third).getAttribute("data-invitation"))!;
  await answer(third_id, false);
  await outsider.keyboard.press("Enter");
  const refusal = outsider.locator(`tr[data-invitation="${third_id}"] + tr.row-refusal`);
  await expect(refusal.getByRole("alert")).toContainText("InvitationStatus.AlreadyRejected");
  await expect(outsider.getByRole("alert")).toHaveCount(1);
  // The row itself, reloaded, says what happened meanwhile (so it offers no answer any more).
  await expect(rowOf(third)).toContainText("Rejected");
  await expect(accept).toHaveCount(0);
  // No invitation is left to answer: focus is on the list's heading, and the earlier notice is gone.
  await expect(outsider.getByRole("heading", { name: "Shared With Me", level: 1 })).toBeFocused();
  await expect(outsider.getByRole("status")).not.toContainText("invitation");
  await shot(outsider, "keyboard-invitation-refused");
  await outsider.context().close();
});

test("restore by keyboard: the dialog, its progress announced, and the bill naming the cluster with a monthly total", async ({ page: owner, browser }) => {
  test.setTimeout(90_000);
  await signIn(owner, "owner");
  const { id } = await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", "kbd-restore");
  const member = await session(browser, "member");
  await openSharedWithMe(member);
  await expect(member.getByRole("navigation", { name: "Shared Backups views" }).getByRole("link", { name: "Shared With Me" })).toHaveAttribute("aria-current", "page");
  const restore = backupRow(member, id).getByRole("button", { name: "Restore Data to New Cluster" });
  await tabTo(member, restore);
  await member.keyboard.press("Enter");
  const dialog = member.getByRole("dialog", { name: "Restore Data to New Cluster" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("New cluster name")).toBeFocused();
  await expectFocusTrapped(member, 12);
  await member.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(restore).toBeFocused();

  await member.keyboard.press("Enter");
  await expect(dialog.getByLabel("New cluster name")).toBeFocused();
  const name = uniqueName("kbd-copy");
  await member.keyboard.press("ControlOrMeta+a");
  await member.keyboard.type(name);
  await member.keyboard.press("Tab");
  await expect(dialog.getByRole("combobox", { name: "Node specification" })).toBeFocused();
  // A radio group is one stop of Tab; the arrow keys choose within it.
  await tabTo(member, dialog.getByRole("radio", { name: "Pay-as-you-go" }));
  await member.keyboard.press("ArrowDown");
  await expect(dialog.getByRole("radio", { name: "Subscription" })).toBeChecked();
  // A subscription's duration appears once Subscription is checked, the next stop of Tab.
  const duration = dialog.getByRole("combobox", { name: "Subscription duration" });
  await member.keyboard.press("Tab");
  await expect(duration).toBeFocused();
  await member.keyboard.press("ArrowDown");
  await member.keyboard.press("ArrowDown");
  await expect(duration).toHaveValue("Month:3");
  await expect(duration.locator("option:checked")).toHaveText("3 months · ¥1,860.00");
  await tabTo(member, dialog.getByRole("button", { name: "Restore" }));
  await shot(member, "keyboard-restore-dialog");
  await member.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  // The progress is announced in a live region, and told again when the restore has ended.
  const live = member.getByRole("status");
  await expect(live).toContainText(`Restoring new cluster ${name}`);
  const job = member.getByRole("table", { name: "Restores" }).getByRole("row").filter({ hasText: name });
  await expect(job.getByRole("progressbar", { name: "Restore progress" })).toBeVisible();
  await expect(live).toContainText(`New cluster ${name} restored: it is running.`, { timeout: 30_000 });
  const clusterId = (await job.locator(".mono").first().textContent())!.trim();

  // Billing: the charge names the cluster by its name, with its id, and the charges have a total so far.
  await member.goto("/billing");
  await hydrated(member);
  const charges = member.getByRole("table", { name: "Charges" });
  await expect(charges.getByRole("columnheader", { name: "Cluster" })).toBeVisible();
  const charge = charges.getByRole("row").filter({ hasText: clusterId });
  await expect(charge.getByRole("link", { name })).toHaveAttribute("href", `/clusters/${clusterId}`);
  await expect(charge).toContainText(`(polar.mysql.x4.medium, subscription, 3 months) restored from shared backup set ${id}`);
  // A subscription is paid up front for its whole term.
  await expect(charge).toContainText("Subscription · 3 months, paid up front");
  await expect(charge.locator("td.amount")).toHaveText("¥1,860.00");
  const total = charges.getByRole("row").filter({ has: member.getByRole("rowheader", { name: /^Total so far \(\d[\d,]* charges?\), as of / }) });
  await expect(total).toHaveCount(1);
  // Every charge is on this page when there is no pager: the total is their sum.
  if ((await member.getByRole("navigation", { name: "Charges pages" }).count()) === 0) {
    const cents = (text: string) => Math.round(Number(text.replace(/[¥,]/g, "")) * 100);
    const amounts = await charges.locator("tbody td.amount").allTextContents();
    expect(cents((await member.getByTestId("charges-total").textContent())!)).toBe(amounts.map(cents).reduce((a, b) => a + b, 0));
  }
  await shot(member, "keyboard-billing");
  await member.context().close();
});

test("RAM users by keyboard: create a user, toggle a policy with Space, New AccessKey's answer dialog", async ({ page }) => {
  await signIn(page, "owner");
  await page.goto("/ram");
  await hydrated(page);
  const user = uniqueName("kbd").slice(0, 20);
  await tabTo(page, page.getByRole("textbox", { name: "Sign-in name" }));
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type("Kbd-Pass-2026!");
  await page.keyboard.press("Enter");
  const login = `${user}@lumen`;
  const row = page.locator(`tr[data-user="${login}"]`);
  await expect(row).toBeVisible();

  // A policy checkbox by Space: the list reloads, and focus stays on the same checkbox.
  const policy = page.getByRole("checkbox", { name: `AliyunPolardbReadOnlyAccess for ${login}` });
  await tabTo(page, policy);
  await expectFocusRing(policy);
  await page.keyboard.press("Space");
  await expect(policy).toBeChecked();
  await expect(policy).toBeFocused();

  // New AccessKey answers in a dialog: focus on its Close, kept inside, Escape closes, back to the button.
  const newKey = row.getByRole("button", { name: "New AccessKey" });
  await tabTo(page, newKey);
  await page.keyboard.press("Enter");
  const answer = page.getByRole("dialog", { name: "AccessKey pair created" });
  await expect(answer).toBeVisible();
  await expect(answer.getByRole("button", { name: "Close" })).toBeFocused();
  await expectFocusTrapped(page, 4);
  await shot(page, "keyboard-access-key-dialog");
  await page.keyboard.press("Escape");
  await expect(answer).toBeHidden();
  await expect(newKey).toBeFocused();
});

test("tickets by keyboard: a new account asks for the beta, the operator rejects it", async ({ page: operator, browser }) => {
  await signInByKeyboard(operator, "operator");
  await expect(operator).toHaveTitle("Tickets · PolarDB console");
  // The operator makes the account by keyboard.
  await tabTo(operator, operator.getByRole("navigation", { name: "Platform" }).getByRole("link", { name: "Accounts" }), { back: true });
  await operator.keyboard.press("Enter");
  await expect(operator).toHaveURL(/\/accounts$/);
  const login = uniqueName("kbdco");
  await tabTo(operator, operator.getByRole("textbox", { name: "Account name" }));
  await operator.keyboard.type("Keyboard Co");
  await operator.keyboard.press("Tab");
  await expect(operator.getByRole("textbox", { name: "Root sign-in name" })).toBeFocused();
  await operator.keyboard.type(login);
  await tabTo(operator, operator.getByRole("button", { name: "Create account" }));
  await operator.keyboard.press("Enter");
  await expect(operator.getByRole("status")).toContainText(`root sign-in ${login}`);
  const password = (await operator.getByTestId("created-password").textContent())!;

  const root = await (await browser.newContext()).newPage();
  await signIn(root, login, undefined, password);
  await root.goto("/tickets");
  await hydrated(root);
  const request = root.getByRole("combobox", { name: "Request" });
  await tabTo(root, request);
  await expect(request).toHaveValue("EnableSharedBackup");
  await root.keyboard.press("Tab");
  await expect(root.getByRole("textbox", { name: "Message" })).toBeFocused();
  const message = uniqueName("kbd-ticket");
  await root.keyboard.type(message);
  await tabTo(root, root.getByRole("button", { name: "Submit ticket" }));
  await root.keyboard.press("Enter");
  await expect(root.getByRole("table", { name: "Tickets" }).getByRole("row").filter({ hasText: message })).toContainText("Open");

  await operator.goto("/tickets");
  await hydrated(operator);
  const row = operator.getByRole("table", { name: "Tickets" }).getByRole("row").filter({ hasText: message });
  await tabTo(operator, row.getByRole("button", { name: "Reject" }));
  await operator.keyboard.press("Enter");
  await expect(row).toContainText("Rejected");
  await root.context().close();
});
