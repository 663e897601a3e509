import { expect, test } from "@playwright/test";
import {
  MEMBER, OUTSIDER, PARTNER, SHAREABLE_CLUSTER, addPrincipal, backupRow, hydrated, openCluster, openSharedWithMe, ownerShares, session, shot,
  signIn,
} from "./helpers";

test("share -> accept -> restore -> revoke, as owner and partner", async ({ page: owner, browser }) => {
  test.setTimeout(120_000);
  await signIn(owner, "owner");
  const { id, name } = await ownerShares(owner, PARTNER, "All Accounts");

  const partner = await session(browser, "partner");
  await openSharedWithMe(partner);
  await expect(backupRow(partner, id)).toHaveCount(0); // not usable before accepting

  await partner.goto("/resource-sharing/invitations");
  await hydrated(partner);
  const invitation = partner.getByRole("row").filter({ hasText: name });
  await expect(invitation).toContainText("Pending");
  await shot(partner, "invitations");
  await invitation.getByRole("button", { name: "Accept" }).click();
  await expect(invitation).toContainText("Enabled");

  await openSharedWithMe(partner);
  await backupRow(partner, id).getByRole("button", { name: "Restore Data to New Cluster" }).click();
  const dialog = partner.getByRole("dialog");
  await dialog.getByLabel("New cluster name").fill("partner-copy");
  await shot(partner, "restore-dialog");
  await dialog.getByRole("button", { name: "Restore" }).click();
  await expect(dialog).toBeHidden();
  const job = partner.getByRole("table", { name: "Restores" }).getByRole("row").filter({ hasText: "partner-copy" });
  await expect(job).toContainText("Creating");
  await shot(partner, "restore-running");

  // While the restore runs the backup set is locked: the owner cannot add to its sharing (a removal is
  // queued until the restore ends: see directory.spec.ts).
  await owner.goto("/shared-backups");
  await hydrated(owner);
  // Share Backup on My Shares edits that row's share directly.
  await backupRow(owner, id).getByRole("button", { name: "Share Backup" }).click();
  const ownerDialog = owner.getByRole("dialog");
  await addPrincipal(owner, OUTSIDER);
  await ownerDialog.getByRole("button", { name: "OK" }).click();
  await expect(ownerDialog.getByRole("alert")).toContainText("locked while data is being restored");
  await ownerDialog.getByRole("button", { name: "Cancel" }).click();

  // The restore finishes on its own and the progress reaches 100%.
  await expect(job).toContainText("Running", { timeout: 30_000 });
  await expect(job.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  await shot(partner, "restore-done");

  // Now the owner removes the partner: revocation is scheduled.
  await owner.reload();
  await hydrated(owner);
  await backupRow(owner, id).getByRole("button", { name: "Share Backup" }).click();
  await ownerDialog.getByRole("button", { name: `Remove ${PARTNER}` }).click();
  await ownerDialog.getByRole("button", { name: "OK" }).click();
  await expect(ownerDialog).toBeHidden();

  // During the window the partner still sees the set, marked, and restore is refused with the reason.
  await openSharedWithMe(partner);
  const row = backupRow(partner, id);
  await expect(row).toContainText("Being revoked");
  await expect(row.getByRole("button", { name: "Restore Data to New Cluster" })).toBeDisabled();
  await expect(row).toContainText("is being revoked by its owner");
  await shot(partner, "revoking");
  // The server refuses too, whatever the page shows.
  const refused = await partner.request.post("/api/restore_to_new_cluster", {
    data: { request: { backup_set_id: id, cluster_name: "sneaky", node_spec: "polar.mysql.x4.medium", zone_id: "cn-hangzhou-h", pay_type: "Postpaid" } },
  });
  expect(refused.status()).toBe(409);
  expect((await refused.json()).code).toBe("OperationDenied.SharingRevoking");

  // After the (test-configured) revocation delay the set is gone.
  await expect(async () => {
    await openSharedWithMe(partner);
    await expect(backupRow(partner, id)).toHaveCount(0);
  }).toPass({ timeout: 30_000 });

  // The partner was charged for its cluster.
  await partner.goto("/billing");
  await hydrated(partner);
  await expect(partner.getByRole("table", { name: "Charges" })).toContainText("restored from shared backup set");
  await partner.context().close();
});

test("a rejected invitation gives no access", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  const { id, name } = await ownerShares(owner, "1000000000000007", "All Accounts");
  const outsider = await session(browser, "outsider");
  await outsider.goto("/resource-sharing/invitations");
  await hydrated(outsider);
  const invitation = outsider.getByRole("row").filter({ hasText: name });
  await invitation.getByRole("button", { name: "Reject" }).click();
  await expect(invitation).toContainText("Rejected");
  await expect(invitation.getByRole("button", { name: "Accept" })).toHaveCount(0);
  await openSharedWithMe(outsider);
  await expect(backupRow(outsider, id)).toHaveCount(0);
  await outsider.context().close();
});

test("a member of the resource directory gets the set without an invitation, until the owner deletes it", async ({ page: owner, browser }) => {
  await signIn(owner, "owner");
  const { id } = await ownerShares(owner, MEMBER, "Objects Within Resource Directory");
  const member = await session(browser, "member");
  await openSharedWithMe(member);
  await expect(backupRow(member, id)).toBeVisible();
  // A principal is told the owner's cluster by its id, never by the owner's name for it.
  await expect(backupRow(member, id)).toContainText(SHAREABLE_CLUSTER);
  await expect(backupRow(member, id)).not.toContainText("orders-prod");
  await shot(member, "shared-with-me");

  // The owner's My Shares tab lists it; Manage Sharing Relationship shows the principal.
  await owner.goto("/shared-backups");
  await hydrated(owner);
  const mine = backupRow(owner, id).first();
  await expect(mine).toBeVisible();
  // The owner's own cluster is named as on the Clusters page: its id, and its name under it.
  await expect(mine.getByRole("link", { name: SHAREABLE_CLUSTER })).toHaveAttribute("href", `/clusters/${SHAREABLE_CLUSTER}`);
  await expect(mine).toContainText("orders-prod");
  await shot(owner, "my-shares");
  await mine.getByRole("link", { name: "Manage Sharing Relationship" }).click();
  await expect(owner.getByRole("table", { name: "Principals" }).first()).toContainText(MEMBER);
  await expect(owner.getByRole("table", { name: "Principals" }).first()).toContainText("Associated");
  await shot(owner, "sharing-relationship");

  // Deleting the backup set starts the revocation: the member sees it marked, then it is gone.
  await openCluster(owner);
  owner.once("dialog", (dialog) => dialog.accept());
  await backupRow(owner, id).getByRole("button", { name: "Delete" }).click();
  await expect(backupRow(owner, id)).toHaveCount(0);
  await openSharedWithMe(member);
  await expect(backupRow(member, id)).toContainText("Being revoked");
  await expect(async () => {
    await openSharedWithMe(member);
    await expect(backupRow(member, id)).toHaveCount(0);
  }).toPass({ timeout: 30_000 });
  await member.context().close();
});

test("an invitation left unanswered for 7 days is expired and can't be accepted", async ({ page }) => {
  await signIn(page, "outsider");
  await page.goto("/resource-sharing/invitations");
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: "harbor-archive" });
  await expect(row).toContainText("Expired");
  await expect(row.getByRole("button", { name: "Accept" })).toHaveCount(0);
  const id = (await row.getAttribute("data-invitation"))!;
  const accept = await page.request.post("/api/answer_invitation", { form: { invitation_id: id, accept: "true" } });
  expect(accept.status()).toBe(409);
  expect((await accept.json()).code).toBe("InvitationStatus.Expired");
});
