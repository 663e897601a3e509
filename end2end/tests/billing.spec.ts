import { expect, test, type Page } from "@playwright/test";
import { MEMBER, hydrated, ownerSharesByRequest, session, shot, signIn, uniqueName } from "./helpers";

// Billing as a cloud bill charges a restored cluster: a subscription once, up front, for its term, not
// refunded by the cluster's release; pay-as-you-go by each hour begun while the cluster runs, final at
// its release; the total says it is what every charge has cost so far, and when.

/** The member restores a set shared with it into a new cluster billed by `payType`; its id. */
async function restore(member: Page, setId: string, name: string, payType: "Postpaid" | "Prepaid"): Promise<string> {
  const origin = new URL(member.url()).origin;
  // A subscription names its term, as CreateDBCluster's Period and UsedTime: two months here.
  const term = payType === "Prepaid" ? { period: "Month", used_time: "2" } : {};
  const r = await member.request.post("/api/restore_to_new_cluster", {
    data: { request: { backup_set_id: setId, cluster_name: name, node_spec: "polar.mysql.x4.medium", zone_id: "cn-hangzhou-h", pay_type: payType, ...term } },
    headers: { Origin: origin, "Content-Type": "application/json" },
  });
  expect(r.status(), await r.text()).toBe(200);
  return (await r.json()).cluster_id;
}

const cents = (text: string) => Math.round(Number(text.replace(/[¥,]/g, "")) * 100);

test("Billing shows a running pay-as-you-go cluster, a released one and a subscription, each by its terms, and their total so far", async ({ page: owner, browser }) => {
  test.setTimeout(120_000);
  await signIn(owner, "owner");
  const sets = [];
  for (const prefix of ["bill-hourly", "bill-released", "bill-monthly"]) {
    sets.push((await ownerSharesByRequest(owner, MEMBER, "ResourceDirectory", prefix)).id);
  }
  const member = await session(browser, "member");
  const names = { hourly: uniqueName("hourly"), released: uniqueName("released"), monthly: uniqueName("monthly") };
  const hourly = await restore(member, sets[0], names.hourly, "Postpaid");
  const released = await restore(member, sets[1], names.released, "Postpaid");
  const monthly = await restore(member, sets[2], names.monthly, "Prepaid");

  await member.goto("/billing");
  await hydrated(member);
  const charges = member.getByRole("table", { name: "Charges" });
  const row = (cluster: string) => charges.locator("tbody tr").filter({ hasText: cluster });
  // While the restores run: pay-as-you-go is not billed yet; the subscription is paid at the order.
  await expect(row(hourly)).toContainText("Billed from when the cluster is running");
  await expect(row(hourly).locator("td.amount")).toHaveText("¥0.00");
  await expect(row(monthly)).toContainText("Subscription · 2 months, paid up front");
  await expect(row(monthly)).toContainText("Term ends");
  await expect(row(monthly).locator("td.amount")).toHaveText("¥1,240.00");

  // The released one: released from its page once it runs.
  await member.goto(`/clusters/${released}`);
  await hydrated(member);
  const status = member.locator(".facts div").filter({ hasText: "Status" }).locator("dd");
  await expect(async () => {
    await member.reload();
    await hydrated(member);
    await expect(status).toHaveText("Running", { timeout: 1_000 });
  }).toPass({ timeout: 40_000 });
  member.once("dialog", (d) => d.accept());
  await member.getByRole("button", { name: "Release cluster" }).click();
  await expect(status).toHaveText("In recycle bin");

  // Every cluster runs by now; the first hour of each pay-as-you-go one has begun.
  await expect(async () => {
    await member.goto("/billing");
    await hydrated(member);
    await expect(row(hourly)).toContainText("Running since", { timeout: 1_000 });
    await expect(row(hourly).locator("td.amount")).toHaveText("¥0.85", { timeout: 1_000 });
  }).toPass({ timeout: 40_000 });
  await expect(row(hourly)).toContainText("Pay-as-you-go · ¥0.85 per hour begun");
  await expect(row(released)).toContainText("Pay-as-you-go · ¥0.85 per hour begun");
  await expect(row(released)).toContainText(/Ran from .*, released .*: final amount/);
  await expect(row(released).locator("td.amount")).toHaveText("¥0.85");
  await expect(row(monthly).locator("td.amount")).toHaveText("¥1,240.00");
  await expect(row(monthly)).not.toContainText("Released");
  // Each charge names its cluster by its name, linked, with its id.
  await expect(row(released).getByRole("link", { name: names.released })).toHaveAttribute("href", `/clusters/${released}`);

  // The total says what it covers, and is the sum of the rows when they are all on this page.
  const total = charges.getByRole("row").filter({ has: member.getByRole("rowheader", { name: /^Total so far \(\d[\d,]* charges?\), as of / }) });
  await expect(total).toHaveCount(1);
  await expect(charges.getByRole("columnheader", { name: "Amount so far" })).toBeVisible();
  if ((await member.getByRole("navigation", { name: "Charges pages" }).count()) === 0) {
    const amounts = await charges.locator("tbody td.amount").allTextContents();
    expect(cents((await member.getByTestId("charges-total").textContent())!)).toBe(amounts.map(cents).reduce((a, b) => a + b, 0));
  }
  await shot(member, "billing-running-released-subscription");

  // The owner's bill has none of the member's clusters.
  await owner.goto("/billing");
  await hydrated(owner);
  for (const cluster of [hourly, released, monthly]) {
    await expect(owner.getByRole("main")).not.toContainText(cluster);
  }
  await member.context().close();
});
