"""The official Alibaba Cloud Python SDKs against a running polarshare (demo data, fresh database).

Run by scripts/sdk-scenario.sh, which starts nothing itself: it creates the AccessKeys with
`polarshare access-key create` and passes them in POLARSHARE_KEYS (a JSON object login -> pair).
Every step goes through the unchanged SDKs (alibabacloud-resourcesharing20200110,
alibabacloud-polardb20170801), with both signature settings: the default (ACS3-HMAC-SHA256) and
signature_algorithm='v2' (HMAC-SHA1, signature version 1.0). Refusals are checked as the SDK raises
them: ClientException with the code and HTTP status.

Every successful answer is then checked field by field against the SDK's response model
(scripts/sdk_fields.py): one check per action, failing on a field missing, empty or of the wrong type
that docs/openapi.md does not say polarshare leaves out.

Prints one line per check and a closing "sdk scenario: N passed, M failed".
"""

import json
import os
import sys
import time

from alibabacloud_polardb20170801 import models as pd
from alibabacloud_polardb20170801.client import Client as PolarDB
from alibabacloud_resourcesharing20200110 import models as rs
from alibabacloud_resourcesharing20200110.client import Client as ResourceSharing
from alibabacloud_tea_openapi.models import Config

import sdk_fields

ENDPOINT = os.environ.get("POLARSHARE_ENDPOINT", "127.0.0.1:3321")
KEYS = json.loads(os.environ["POLARSHARE_KEYS"])
OWNER, PARTNER, MEMBER, OUTSIDER = "1000000000000001", "1000000000000002", "1000000000000003", "1000000000000007"
CLUSTER, REGION, ZONE = "pc-bp1orders0001", "cn-hangzhou", "cn-hangzhou-h"
TYPE = "PolarDBBackupSet"

passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def config(login, algorithm=None, secret=None):
    key = KEYS[login]
    c = Config(
        access_key_id=key["AccessKeyId"],
        access_key_secret=secret or key["AccessKeySecret"],
        endpoint=ENDPOINT,
        protocol="http",
        region_id=REGION,
    )
    if algorithm:
        c.signature_algorithm = algorithm
    return c


def sharing(login, algorithm=None, secret=None):
    return sdk_fields.record(ResourceSharing(config(login, algorithm, secret)), rs)


def polardb(login, algorithm=None):
    return sdk_fields.record(PolarDB(config(login, algorithm)), pd)


def refused(name, call, code, status):
    """Runs `call`, which must raise the SDK's ClientException with this code and HTTP status."""
    try:
        call()
    except Exception as e:  # the SDK's ClientException
        got = (getattr(e, "code", None), getattr(e, "status_code", None) or getattr(e, "statusCode", None))
        check(f"{name} is refused with {code} ({status})", got == (code, status), f"got {type(e).__name__} {got}: {e}")
        return
    check(f"{name} is refused with {code} ({status})", False, "but it succeeded")


def healthy_backups(client):
    now = time.gmtime()
    answer = client.describe_backups(pd.DescribeBackupsRequest(
        dbcluster_id=CLUSTER,
        start_time=time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() - 30 * 86400)),
        end_time=time.strftime("%Y-%m-%dT%H:%MZ", now),
    ))
    return [b.backup_id for b in answer.body.items.backup if b.backup_status == "Success" and b.is_avail == "1"]


def resources(backup):
    return [rs.CreateResourceShareRequestResources(resource_id=backup, resource_type=TYPE)]


def main():
    for algorithm in (None, "v2"):
        label = "ACS3-HMAC-SHA256" if algorithm is None else "HMAC-SHA1 (v2)"
        clusters = polardb("owner", algorithm).describe_dbclusters(pd.DescribeDBClustersRequest(region_id=REGION)).body
        check(f"{label}: DescribeDBClusters lists the owner's clusters", CLUSTER in [c.dbcluster_id for c in clusters.items.dbcluster])
        check(f"{label}: CheckSharingWithResourceDirectoryStatus", sharing("owner", algorithm).check_sharing_with_resource_directory_status().body.enable_sharing_with_rd is True)

    backups = healthy_backups(polardb("owner"))
    check("DescribeBackups returns healthy backup sets", len(backups) >= 6, backups)
    external_set, directory_set, doomed_set, reject_set, many_a, many_b = backups[:6]

    # The owner shares one set with an external account (an invitation) ...
    external = sharing("owner").create_resource_share(rs.CreateResourceShareRequest(
        resource_share_name="sdk-external", resources=resources(external_set), targets=[PARTNER], allow_external_targets=True,
    )).body.resource_share
    check("CreateResourceShare (external account) answers the share", external.resource_share_id.startswith("rs-") and external.allow_external_targets is True)
    # ... and another with a directory member (associated at once), signing with HMAC-SHA1.
    directory = sharing("owner", "v2").create_resource_share(rs.CreateResourceShareRequest(
        resource_share_name="sdk-directory", resources=resources(directory_set), targets=[MEMBER], allow_external_targets=False,
    )).body.resource_share
    check("CreateResourceShare (directory member, v2 signature)", directory.resource_share_id.startswith("rs-"))

    renamed = sharing("owner", "v2").update_resource_share(rs.UpdateResourceShareRequest(
        resource_share_id=directory.resource_share_id, resource_share_name="sdk-directory.renamed",
    )).body.resource_share
    check("UpdateResourceShare renames the share", renamed.resource_share_name == "sdk-directory.renamed")
    refused("Renaming to a name the owner already uses",
            lambda: sharing("owner").update_resource_share(rs.UpdateResourceShareRequest(resource_share_id=directory.resource_share_id, resource_share_name="sdk-external")),
            "EntityAlreadyExists.ResourceShare", 409)

    listed = sharing("owner").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self")).body.resource_shares
    check("ListResourceShares shows both shares", {external.resource_share_id, directory.resource_share_id} <= {s.resource_share_id for s in listed})
    paged = sharing("owner").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self", max_results=1)).body
    check("ListResourceShares pages with MaxResults/NextToken", len(paged.resource_shares) == 1 and bool(paged.next_token))
    targets = sharing("owner", "v2").list_shared_targets(rs.ListSharedTargetsRequest(resource_owner="Self", resource_share_ids=[external.resource_share_id])).body.shared_targets
    check("ListSharedTargets shows the invited account", [t.target_id for t in targets] == [PARTNER])
    shared = sharing("owner").list_shared_resources(rs.ListSharedResourcesRequest(resource_owner="Self", resource_share_ids=[directory.resource_share_id])).body.shared_resources
    check("ListSharedResources shows the shared set", [r.resource_id for r in shared] == [directory_set])
    assoc = sharing("owner").list_resource_share_associations(rs.ListResourceShareAssociationsRequest(association_type="Target", resource_share_ids=[external.resource_share_id])).body.resource_share_associations
    check("ListResourceShareAssociations: the invitation is Associating", [(a.entity_id, a.association_status) for a in assoc] == [(PARTNER, "Associating")], [a.to_map() for a in assoc])
    permissions = sharing("owner").list_permissions(rs.ListPermissionsRequest(resource_type=TYPE)).body.permissions
    check("ListPermissions names the backup set permission", [p.permission_name for p in permissions] == ["AliyunRSDefaultPermissionPolarDBBackupSet"])

    # The external account accepts with HMAC-SHA1, sees the set and restores it into a cluster of its own.
    invitations = sharing("partner", "v2").list_resource_share_invitations(rs.ListResourceShareInvitationsRequest(resource_share_ids=[external.resource_share_id])).body.resource_share_invitations
    check("ListResourceShareInvitations (principal) shows the pending invitation", [i.status for i in invitations] == ["Pending"])
    accepted = sharing("partner").accept_resource_share_invitation(rs.AcceptResourceShareInvitationRequest(resource_share_invitation_id=invitations[0].resource_share_invitation_id)).body.resource_share_invitation
    check("AcceptResourceShareInvitation answers Accepted", accepted.status == "Accepted")
    refused("Accepting it again", lambda: sharing("partner").accept_resource_share_invitation(rs.AcceptResourceShareInvitationRequest(resource_share_invitation_id=invitations[0].resource_share_invitation_id)), "InvitationStatus.AlreadyAccepted", 409)
    incoming = polardb("partner").describe_shared_backups(pd.DescribeSharedBackupsRequest(share_type="ShareIncoming", region_id=REGION)).body
    check("DescribeSharedBackups ShareIncoming shows the set to the principal", external_set in [b.backup_id for b in incoming.items], incoming.to_map())
    outgoing = polardb("owner").describe_shared_backups(pd.DescribeSharedBackupsRequest(share_type="ShareOutgoing", region_id=REGION)).body
    check("DescribeSharedBackups ShareOutgoing shows both sets to the owner", {external_set, directory_set} <= {b.backup_id for b in outgoing.items})
    restore = pd.CreateDBClusterRequest(
        region_id=REGION, zone_id=ZONE, dbtype="MySQL", dbversion="8.0", pay_type="Postpaid", dbnode_class="polar.mysql.x4.medium",
        creation_option="CloneFromPolarDB", source_resource_id=CLUSTER, clone_data_point=external_set, source_uid=int(OWNER),
        dbcluster_description="sdk-restore", client_token="sdk-scenario-restore-1",
    )
    created = polardb("partner", "v2").create_dbcluster(restore).body
    check("CreateDBCluster (CloneFromPolarDB) starts a restore", created.dbcluster_id.startswith("pc-"))
    again = polardb("partner", "v2").create_dbcluster(restore).body
    check("CreateDBCluster with the same ClientToken answers the same cluster", again.dbcluster_id == created.dbcluster_id, again.to_map())
    status = polardb("partner").describe_dbcluster_attribute(pd.DescribeDBClusterAttributeRequest(dbcluster_id=created.dbcluster_id)).body.dbcluster_status
    check("DescribeDBClusterAttribute: the new cluster is Creating", status == "Creating", status)
    for _ in range(60):
        status = polardb("partner").describe_dbcluster_attribute(pd.DescribeDBClusterAttributeRequest(dbcluster_id=created.dbcluster_id)).body.dbcluster_status
        if status == "Running":
            break
        time.sleep(1)
    check("DescribeDBClusterAttribute: the restore finishes Running", status == "Running", status)
    # The restored cluster beside a demo one, so that the field check sees both kinds of cluster.
    theirs = polardb("partner").describe_dbclusters(pd.DescribeDBClustersRequest(region_id=REGION)).body.items.dbcluster
    check("DescribeDBClusters lists the restored cluster with its zone", [(c.dbcluster_id, c.zone_id) for c in theirs if c.dbcluster_id == created.dbcluster_id] == [(created.dbcluster_id, ZONE)])
    # A subscription names its term (Period and UsedTime), as the real service requires: refused without,
    # charged and answered for the whole term with.
    def subscription(**term):
        return pd.CreateDBClusterRequest(
            region_id=REGION, dbtype="MySQL", dbversion="8.0", pay_type="Prepaid", creation_option="CloneFromPolarDB",
            source_resource_id=CLUSTER, clone_data_point=external_set, source_uid=int(OWNER), dbcluster_description="sdk-yearly", **term)
    refused("A subscription restore without its term", lambda: polardb("partner").create_dbcluster(subscription()), "MissingParameter.Period", 400)
    refused("A subscription of four years", lambda: polardb("partner", "v2").create_dbcluster(subscription(period="Year", used_time="4")), "InvalidParameter.UsedTime", 400)
    yearly = polardb("partner", "v2").create_dbcluster(subscription(period="Year", used_time="1")).body
    for _ in range(60):
        described = polardb("partner").describe_dbcluster_attribute(pd.DescribeDBClusterAttributeRequest(dbcluster_id=yearly.dbcluster_id)).body
        if described.dbcluster_status == "Running":
            break
        time.sleep(1)
    listed = [c for c in polardb("partner").describe_dbclusters(pd.DescribeDBClustersRequest(region_id=REGION)).body.items.dbcluster if c.dbcluster_id == yearly.dbcluster_id]
    year_on = lambda t: str(int(t[:4]) + 1) + t[4:]
    check("DescribeDBClusters: a year's subscription ends a year after it was ordered, not expired",
          [(c.pay_type, c.expire_time, c.expired) for c in listed] == [("Prepaid", year_on(listed[0].create_time), "false")] if listed else False,
          [c.to_map() for c in listed])
    source = polardb("owner").describe_dbcluster_attribute(pd.DescribeDBClusterAttributeRequest(dbcluster_id=CLUSTER)).body
    check("DescribeDBClusterAttribute describes a demo cluster (no restore source)", source.dbcluster_status == "Running" and source.restore_type is None, source.to_map())

    # The directory member sees its set at once, and can't leave a share the directory gave it.
    member_sees = polardb("member").describe_shared_backups(pd.DescribeSharedBackupsRequest(share_type="ShareIncoming", region_id=REGION)).body
    check("DescribeSharedBackups: the directory member sees the set without an invitation", directory_set in [b.backup_id for b in member_sees.items])
    refused("A directory member leaving the share", lambda: sharing("member").disassociate_resource_share(rs.DisassociateResourceShareRequest(resource_share_id=directory.resource_share_id, resource_owner="OtherAccounts")), "LeavingFailed.Account", 409)

    # A RAM user with both full-access policies adds a target; one without Resource Sharing's is refused.
    added = sharing("dba@lumen", "v2").associate_resource_share(rs.AssociateResourceShareRequest(resource_share_id=external.resource_share_id, targets=[OUTSIDER])).body.resource_share_associations
    check("AssociateResourceShare (RAM user) invites another account", [(a.entity_id, a.association_status) for a in added] == [(OUTSIDER, "Associating")], [a.to_map() for a in added])
    refused("CreateResourceShare by a RAM user without AliyunResourceCenterFullAccess",
            lambda: sharing("developer@lumen").create_resource_share(rs.CreateResourceShareRequest(resource_share_name="sdk-denied", resources=resources(doomed_set), targets=[PARTNER], allow_external_targets=True)),
            "Forbidden.RAM", 403)
    refused("ListResourceShares by a RAM user without AliyunResourceCenterFullAccess (Shared By Me is closed to it in the console too)",
            lambda: sharing("developer@lumen", "v2").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self")),
            "Forbidden.RAM", 403)

    # Refusals with the real codes.
    refused("Sharing with yourself", lambda: sharing("owner").create_resource_share(rs.CreateResourceShareRequest(resource_share_name="sdk-self", resources=resources(doomed_set), targets=[OWNER], allow_external_targets=True)), "ShareWithYourself", 409)
    refused("Six targets in one call", lambda: sharing("owner").associate_resource_share(rs.AssociateResourceShareRequest(resource_share_id=external.resource_share_id, targets=[f"10000000000001{n:02d}" for n in range(6)])), "InvalidParameter.Targets.Length", 400)
    refused("An unknown share", lambda: sharing("owner", "v2").associate_resource_share(rs.AssociateResourceShareRequest(resource_share_id="rs-nothere1", targets=[PARTNER])), "EntityNotExists.ResourceShare", 404)
    refused("A wrong secret (ACS3)", lambda: sharing("owner", None, secret="x" * 30).list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self")), "SignatureDoesNotMatch", 400)
    refused("A wrong secret (HMAC-SHA1)", lambda: sharing("owner", "v2", secret="x" * 30).list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self")), "SignatureDoesNotMatch", 400)
    unknown = Config(access_key_id="LTAInotakey0000000000000", access_key_secret="x" * 30, endpoint=ENDPOINT, protocol="http", region_id=REGION)
    refused("An unknown AccessKey", lambda: ResourceSharing(unknown).list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self")), "InvalidAccessKeyId.NotFound", 404)
    refused("A missing ResourceOwner", lambda: sharing("owner").list_resource_shares(rs.ListResourceSharesRequest()), "MissingParameter.ResourceOwner", 400)

    # The owner removes the external account (revoked on schedule) and deletes an unshared set.
    removed = sharing("owner").disassociate_resource_share(rs.DisassociateResourceShareRequest(resource_share_id=external.resource_share_id, targets=[PARTNER])).body.resource_share_associations
    check("DisassociateResourceShare: the account is Disassociating", [(a.entity_id, a.association_status) for a in removed] == [(PARTNER, "Disassociating")], [a.to_map() for a in removed])
    refused("Disassociating it twice", lambda: sharing("owner").disassociate_resource_share(rs.DisassociateResourceShareRequest(resource_share_id=external.resource_share_id, targets=[PARTNER])), "DisassociateInvalid", 400)
    polardb("owner", "v2").delete_backup(pd.DeleteBackupRequest(dbcluster_id=CLUSTER, backup_id=doomed_set))
    check("DeleteBackup removes an unshared set", doomed_set not in healthy_backups(polardb("owner")))
    refused("An account outside the directory on a directory-scoped share",
            lambda: sharing("owner").associate_resource_share(rs.AssociateResourceShareRequest(resource_share_id=directory.resource_share_id, targets=[PARTNER])),
            "InvalidTarget", 409)
    reject = sharing("owner").create_resource_share(rs.CreateResourceShareRequest(
        resource_share_name="sdk-reject", resources=resources(reject_set), targets=[PARTNER], allow_external_targets=True,
    )).body.resource_share
    invitation = sharing("partner").list_resource_share_invitations(rs.ListResourceShareInvitationsRequest(resource_share_ids=[reject.resource_share_id])).body.resource_share_invitations
    answered = sharing("partner", "v2").reject_resource_share_invitation(rs.RejectResourceShareInvitationRequest(resource_share_invitation_id=invitation[0].resource_share_invitation_id)).body.resource_share_invitation
    check("RejectResourceShareInvitation answers Rejected", answered.status == "Rejected")
    refused("An unknown invitation", lambda: sharing("partner").accept_resource_share_invitation(rs.AcceptResourceShareInvitationRequest(resource_share_invitation_id="i-nothere00000")), "EntityNotExists.ResourceShareInvitation", 409)

    share_lifecycle(external, directory, directory_set, many_a, many_b)

    # Every answer above, field by field against the SDK's response models (scripts/sdk_fields.py).
    sdk_fields.check_all(check)

    print(f"sdk scenario: {passed} passed, {failed} failed")
    return 1 if failed else 0


def share_lifecycle(external, directory, directory_set, many_a, many_b):
    """Several sets per call, a set taken out, the scope changed, a principal leaving, a share deleted,
    and a page token that stays in its caller's rows, with both signature settings."""
    many = sharing("owner").create_resource_share(rs.CreateResourceShareRequest(
        resource_share_name="sdk-many", resources=resources(many_a) + resources(many_b), targets=[PARTNER], allow_external_targets=True,
    )).body.resource_share
    shared = sharing("owner", "v2").list_shared_resources(rs.ListSharedResourcesRequest(resource_owner="Self", resource_share_ids=[many.resource_share_id])).body.shared_resources
    check("CreateResourceShare with two backup sets shares both in one call", sorted(r.resource_id for r in shared) == sorted([many_a, many_b]), [r.to_map() for r in shared])
    refused("Six backup sets in one call",
            lambda: sharing("owner").associate_resource_share(rs.AssociateResourceShareRequest(resource_share_id=many.resource_share_id, resources=[
                rs.AssociateResourceShareRequestResources(resource_id=f"32000000{n:02d}", resource_type=TYPE) for n in range(6)])),
            "InvalidParameter.Resources.Length", 400)

    out = sharing("owner", "v2").disassociate_resource_share(rs.DisassociateResourceShareRequest(
        resource_share_id=many.resource_share_id, resources=[rs.DisassociateResourceShareRequestResources(resource_id=many_b, resource_type=TYPE)],
    )).body.resource_share_associations
    check("DisassociateResourceShare takes a backup set out (Disassociating)", [(a.entity_id, a.association_status) for a in out] == [(many_b, "Disassociating")], [a.to_map() for a in out])
    refused("Taking it out twice",
            lambda: sharing("owner").disassociate_resource_share(rs.DisassociateResourceShareRequest(
                resource_share_id=many.resource_share_id, resources=[rs.DisassociateResourceShareRequestResources(resource_id=many_b, resource_type=TYPE)])),
            "DisassociateInvalid", 400)

    opened = sharing("owner").update_resource_share(rs.UpdateResourceShareRequest(
        resource_share_id=directory.resource_share_id, resource_share_name="sdk-directory.renamed", allow_external_targets=True,
    )).body.resource_share
    check("UpdateResourceShare opens a directory share to external accounts", opened.allow_external_targets is True, opened.to_map())
    refused("Closing a share an external account still holds",
            lambda: sharing("owner", "v2").update_resource_share(rs.UpdateResourceShareRequest(
                resource_share_id=external.resource_share_id, resource_share_name="sdk-external", allow_external_targets=False)),
            "OperationNotPermitted", 409)

    # The partner accepts the many-set share, then leaves it (HMAC-SHA1).
    invitation = sharing("partner").list_resource_share_invitations(rs.ListResourceShareInvitationsRequest(resource_share_ids=[many.resource_share_id])).body.resource_share_invitations
    sharing("partner").accept_resource_share_invitation(rs.AcceptResourceShareInvitationRequest(resource_share_invitation_id=invitation[0].resource_share_invitation_id))
    theirs = sharing("partner").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="OtherAccounts")).body.resource_shares
    check("ListResourceShares OtherAccounts shows the accepted share", many.resource_share_id in [s.resource_share_id for s in theirs])
    left = sharing("partner", "v2").disassociate_resource_share(rs.DisassociateResourceShareRequest(resource_share_id=many.resource_share_id, resource_owner="OtherAccounts")).body.resource_share_associations
    check("A principal leaves a share it accepted (Disassociating)", [(a.entity_id, a.association_status) for a in left] == [(PARTNER, "Disassociating")], [a.to_map() for a in left])
    refused("Leaving it twice",
            lambda: sharing("partner").disassociate_resource_share(rs.DisassociateResourceShareRequest(resource_share_id=many.resource_share_id, resource_owner="OtherAccounts")),
            "EntityNotExists.ResourceShare", 404)

    # A page token reads only its caller's rows; a made-up one is refused.
    token = sharing("owner").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self", max_results=1)).body.next_token
    borrowed = sharing("partner", "v2").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self", next_token=token)).body.resource_shares
    check("The owner's NextToken used by another account reads none of the owner's shares", all(s.resource_share_owner != OWNER for s in borrowed or []), [s.to_map() for s in borrowed or []])
    refused("A made-up NextToken", lambda: sharing("owner").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self", next_token="nt-0")), "InvalidParameter.NextToken", 400)

    # The owner deletes the share: Deleting while the revocation runs, and nothing more can change it.
    sharing("owner", "v2").delete_resource_share(rs.DeleteResourceShareRequest(resource_share_id=directory.resource_share_id))
    status = sharing("owner").list_resource_shares(rs.ListResourceSharesRequest(resource_owner="Self", resource_share_ids=[directory.resource_share_id])).body.resource_shares
    check("DeleteResourceShare: the share is Deleting", [s.resource_share_status for s in status] == ["Deleting"], [s.to_map() for s in status])
    member_sees = polardb("member").describe_shared_backups(pd.DescribeSharedBackupsRequest(share_type="ShareIncoming", region_id=REGION)).body
    check("The directory member still sees the set during the revocation", directory_set in [b.backup_id for b in member_sees.items], member_sees.to_map())
    refused("Deleting it again", lambda: sharing("owner").delete_resource_share(rs.DeleteResourceShareRequest(resource_share_id=directory.resource_share_id)), "ResourceShareStatusMismatchAction", 409)
    refused("Renaming a share being deleted (v2)",
            lambda: sharing("owner", "v2").update_resource_share(rs.UpdateResourceShareRequest(resource_share_id=directory.resource_share_id, resource_share_name="sdk-late")),
            "ResourceShareStatusMismatchAction", 409)
    refused("Associating with a share being deleted",
            lambda: sharing("owner").associate_resource_share(rs.AssociateResourceShareRequest(resource_share_id=directory.resource_share_id, targets=[PARTNER])),
            "ResourceShareStatusMismatchAction", 409)
    refused("Deleting another account's share", lambda: sharing("partner").delete_resource_share(rs.DeleteResourceShareRequest(resource_share_id=many.resource_share_id)), "EntityNotExists.ResourceShare", 404)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # an unexpected refusal ends the scenario; count it
        failed += 1
        print(f"FAIL scenario stopped: {type(e).__name__}: {e}")
        print(f"sdk scenario: {passed} passed, {failed} failed")
        sys.exit(1)
