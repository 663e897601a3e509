import { expect, test, type Browser, type Page } from "@playwright/test";
import { OWNER, PARTNER, addPrincipal, backupRow, freshBackupSets, hydrated, openCluster, shot, signIn, uniqueName } from "./helpers";

async function session(browser: Browser, login: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, login);
  return page;
}

test("an account without the beta submits a ticket, the operator approves, the account shares", async ({ page, browser }) => {
  await signIn(page, "nobeta");
  await openCluster(page, "pc-bp1nomad000001");
  await expect(page.getByRole("alert")).toContainText("in beta");
  await page.getByRole("link", { name: "Submit a ticket" }).click();
  await hydrated(page);
  await page.getByLabel("Request").selectOption("EnableSharedBackup");
  await page.getByLabel("Message").fill("We want to share game-state backups with our analytics partner.");
  await page.getByRole("button", { name: "Submit ticket" }).click();
  const mine = page.getByRole("table", { name: "Tickets" }).getByRole("row").filter({ hasText: "Enable shared backup sets" });
  await expect(mine).toContainText("Open");
  await shot(page, "tickets-account");

  const operator = await session(browser, "operator");
  await operator.goto("/tickets");
  await hydrated(operator);
  const row = operator.getByRole("row").filter({ hasText: "Nomad Games" }).filter({ hasText: "Open" });
  await shot(operator, "tickets-operator");
  await row.getByRole("button", { name: "Approve" }).click();
  await expect(operator.getByRole("row").filter({ hasText: "Nomad Games" }).first()).toContainText("Approved");
  await operator.context().close();

  const [id] = await freshBackupSets(page, 1, "pc-bp1nomad000001");
  await openCluster(page, "pc-bp1nomad000001");
  await expect(page.getByText("in beta")).toHaveCount(0);
  await backupRow(page, id).getByRole("button", { name: "Share Backups" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Resource Share Name").fill(uniqueName("nomad"));
  await addPrincipal(page, PARTNER);
  await dialog.getByRole("button", { name: "OK" }).click();
  await expect(backupRow(page, id).getByRole("cell", { name: "Sharing", exact: true })).toBeVisible();
});

test("the owner applies for a quota increase and gets 1,024 once approved", async ({ page, browser }) => {
  await signIn(page, "owner");
  await page.goto("/quota");
  await hydrated(page);
  await expect(page.getByText("of 1,000 backup sets shared")).toBeVisible();
  await page.getByRole("button", { name: "Apply for a quota increase" }).click();
  await expect(page.getByText("waiting for the platform's decision")).toBeVisible();
  await shot(page, "quota-pending");

  const operator = await session(browser, "operator");
  await operator.goto("/tickets");
  await hydrated(operator);
  await operator.getByRole("row").filter({ hasText: "Lumen Retail" }).filter({ hasText: "Open" }).getByRole("button", { name: "Approve" }).click();
  await expect(operator.getByRole("row").filter({ hasText: "Lumen Retail" }).first()).toContainText("Approved");
  await operator.context().close();

  await page.reload();
  await hydrated(page);
  await expect(page.getByText("of 1,024 backup sets shared")).toBeVisible();
});

test("the audit trail lists sharing actions and refusals, filters them and exports CSV", async ({ page }) => {
  await signIn(page, "owner");
  // A refused attempt, straight at the server.
  const refused = await page.request.post("/api/share_backup_set", {
    data: { request: { backup_set_id: "3200000006", method: { New: { name: "self", scope: "AllAccounts", principals: [OWNER] } } } },
  });
  expect((await refused.json()).code).toBe("ShareWithYourself");

  await page.goto("/audit");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Audit events" });
  await expect(table).toContainText("SignIn");
  // The quota flow above left its application and the operator's decision in this account's trail.
  await expect(table).toContainText("ApplyQuotaIncrease");
  await expect(table).toContainText("DecideTicket");
  await page.getByLabel("Action").selectOption("ShareBackupSet");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/action=ShareBackupSet/);
  await expect(table.getByRole("row").filter({ hasText: "ShareWithYourself" })).toHaveCount(1);
  await expect(table).not.toContainText("SignIn");
  await shot(page, "audit");

  const csv = await page.request.get("/audit/export.csv?action=ShareBackupSet");
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toBe("time,identity,account,source_ip,request_id,action,target,outcome,detail,caller_request_id,channel");
  // Each event says through what it came: these were all made in the console.
  expect(text.split("\r\n").find((line) => line.includes("ShareWithYourself"))).toMatch(/,console$/);
  expect(text).toContain("ShareWithYourself");
  expect(text).toContain("127.0.0.1");
});
