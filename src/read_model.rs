//! What the services answer with when it is plain data read back: each type is the row as the
//! database reads it (`FromRow` on the server) and, where the console shows it unchanged, the console's
//! wire type too (serde; compiled for the browser). The OpenAPI adapter maps the same types to the SDK's
//! models in its own files. `db` depends on this module, never on `api`; the services answer with these
//! types, never with the console's `api::types`.

use crate::domain::{
    AssociationStatus, BackupLevel, BackupLock, BackupStatus, ClusterFacts, ClusterStatus, Edition, HaMode,
    IdentityKind, InvitationStatus, PageRequest, Policy, PrincipalScope, PrincipalType, RestoreStatus, ShareStatus,
    ShownInvitationStatus, TicketKind, TicketStatus,
};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// One page of a list: its items, how many the whole list has, and which page of what size this is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, request: PageRequest) -> Self {
        Paged { items, total, page: request.page, page_size: request.page_size }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Region {
    pub region_id: String,
    pub region_name: String,
}

/// A cluster as stored (the console shows it whole; it is only ever answered to its own account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Cluster {
    pub cluster_id: String,
    pub account_id: String,
    pub region_id: String,
    pub cluster_name: String,
    pub db_type: String,
    pub db_version: String,
    pub edition: Edition,
    pub ha_mode: HaMode,
    // The database's JSON answers (`db::clusters::CLUSTER_JSON`) write flags as 0 and 1; the browser
    // only ever reads what serde wrote, true and false.
    #[cfg_attr(feature = "ssr", serde(deserialize_with = "crate::server::db::sqlite_bool"))]
    pub tde_enabled: bool,
    #[cfg_attr(feature = "ssr", serde(deserialize_with = "crate::server::db::sqlite_bool"))]
    pub disk_encryption_enabled: bool,
    pub status: ClusterStatus,
    pub created_at: String,
    /// What a restore created the cluster with (its node spec, zone and billing method) and the backup
    /// set it restored; `None` for a cluster no restore made (the demo data's).
    #[serde(default)]
    pub node_spec: Option<String>,
    #[serde(default)]
    pub zone_id: Option<String>,
    #[serde(default)]
    pub pay_type: Option<String>,
    #[serde(default)]
    pub source_backup_set_id: Option<String>,
    /// The level that set had when the restore started: what the cluster was made from, whatever the
    /// set's owner did to it after.
    #[serde(default)]
    pub source_backup_level: Option<crate::domain::BackupLevel>,
    /// A subscription's term in months, as bought at the restore (`domain::SubscriptionTerm`); `None`
    /// for any other cluster.
    #[serde(default)]
    pub subscription_months: Option<i64>,
}

impl Cluster {
    /// The term of the subscription bought at the restore; none for any other cluster.
    pub fn subscription_term(&self) -> Option<crate::domain::SubscriptionTerm> {
        crate::domain::SubscriptionTerm::from_months(self.subscription_months?)
    }

    /// When that subscription's term ends (the API's ExpireTime): that many calendar months after the
    /// restore was ordered. None for any other cluster, or a creation time that can't be read.
    pub fn subscription_ends_at(&self) -> Option<time::OffsetDateTime> {
        let ordered =
            time::OffsetDateTime::parse(&self.created_at, &time::format_description::well_known::Rfc3339).ok()?;
        Some(self.subscription_term()?.ends_at(ordered))
    }

    /// What the rules know of the cluster.
    pub fn facts(&self) -> ClusterFacts {
        ClusterFacts {
            edition: self.edition,
            ha_mode: self.ha_mode,
            tde_enabled: self.tde_enabled,
            disk_encryption_enabled: self.disk_encryption_enabled,
            status: self.status,
        }
    }
}

/// The Clusters page: the regions, the one chosen, and the account's clusters there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterList {
    pub regions: Vec<Region>,
    pub region_id: String,
    pub clusters: Vec<Cluster>,
}

/// A backup set as stored, with how many principals it is shared with; as the owner's list answers it,
/// also what the rules say of it now (the database leaves those empty, the service fills them in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct BackupSet {
    pub backup_set_id: String,
    // Where the set is and whose it is, and when it was deleted: read by the server's rules, and not
    // sent to the browser (read there as empty), which gets them once from the page's cluster; a live
    // page has no deleted set. The Data Backups page is the busiest read: each row stays as small as
    // the console needs.
    #[serde(default, skip_serializing)]
    pub cluster_id: String,
    #[serde(default, skip_serializing)]
    pub account_id: String,
    #[serde(default, skip_serializing)]
    pub region_id: String,
    pub start_time: String,
    pub end_time: String,
    pub status: BackupStatus,
    pub size_bytes: i64,
    pub method: String,
    pub backup_mode: String,
    pub level: BackupLevel,
    pub expires_at: String,
    pub lock_state: BackupLock,
    #[serde(default, skip_serializing)]
    pub deleted_at: Option<String>,
    /// Distinct principals invited to or associated with the set through any live share.
    pub principal_count: i64,
    /// Why this set can't be shared, if it can't: the same refusal the server gives on a share request.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub share_blocked: Option<AppError>,
    /// Why this set can't be converted to level-2, if it can't: the same refusal the server gives.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub convert_blocked: Option<AppError>,
}

impl BackupSet {
    /// The Attribute column says `Sharing` once the set has at least one principal.
    pub fn is_sharing(&self) -> bool {
        self.principal_count > 0
    }
}

/// The Data Backups tab: a cluster with one page of its live backup sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupSetPage {
    pub cluster: Cluster,
    /// Shared with the server's copy of the page (`services::console`): the busiest read, not copied per request.
    pub items: std::sync::Arc<Vec<BackupSet>>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Why this identity can't share anything at all (beta off, missing policy), if so.
    pub sharing_blocked: Option<AppError>,
    /// Why no backup set of this cluster can be shared (its edition, encryption, recycle bin), if so.
    pub cluster_blocked: Option<AppError>,
}

/// An invitation to join a resource directory (Resource Directory's handshake), with the names the
/// console shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryInvitation {
    pub invitation_id: String,
    pub directory_id: String,
    pub management_account_id: String,
    pub management_account_name: String,
    pub account_id: String,
    pub account_name: String,
    /// The folder the account is placed in when it accepts.
    pub folder_id: String,
    pub folder_name: String,
    /// As stored when read; a service answers it as of now ([`DirectoryInvitation::as_of`]).
    pub status: InvitationStatus,
    pub created_at: String,
    pub expires_at: String,
}

impl DirectoryInvitation {
    /// The invitation as of `now`: a pending one past its 14 days reads as expired before the sweep.
    pub fn as_of(self, expires_at: time::OffsetDateTime, now: time::OffsetDateTime) -> Self {
        DirectoryInvitation { status: self.status.at(expires_at, now), ..self }
    }
}

/// One audit event as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEvent {
    pub occurred_at: String,
    pub identity: String,
    pub account_id: String,
    pub source_ip: String,
    pub request_id: String,
    /// The caller's own `x-request-id` ('' when none): a hint, unlike `request_id`, which the server made.
    pub caller_request_id: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    /// `console`, `api:<AccessKeyId>` for a signed OpenAPI call, `cli` or `scheduler`.
    #[serde(default)]
    pub channel: String,
}

impl AuditEvent {
    /// The outcome is `Success` or the code of the refusal.
    pub fn succeeded(&self) -> bool {
        self.outcome == "Success"
    }
}

/// A ticket an account submitted to the platform, with the account's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Ticket {
    pub ticket_id: String,
    pub account_id: String,
    pub account_name: String,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub message: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

/// An invitation to a resource share, as its receiver sees it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub invitation_id: String,
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub sender_account_id: String,
    /// Backup sets of the share in the chosen region (in every region in the answer to Accept/Reject).
    pub resources: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
    /// As of now; an accepted invitation whose principal the owner removed is Disassociating until its
    /// access ends, then Disassociated.
    pub status: ShownInvitationStatus,
}

/// One region's page of invitations. It has `IncomingList`'s shape but is kept apart: one generic
/// "regional page" would name its list `items`, changing the console's wire (`invitations`, `backups`,
/// which tests/api read) and the OpenAPI adapter's field accesses, for no behaviour gained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationList {
    pub regions: Vec<Region>,
    pub region_id: String,
    /// One page of them.
    pub invitations: Vec<Invitation>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A backup set shared with the signed-in account (the Shared With Me tab).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingBackup {
    pub backup_set_id: String,
    pub owner_account_id: String,
    /// The owner's cluster the set is a backup of, by its id only, never its name: the feature text gives
    /// a principal the backup set and a restore from it, not the owner's clusters, and the real API's
    /// answer for this list (DescribeSharedBackups) has `DBClusterId` and no `DBClusterDescription`. The
    /// name is the owner's own word for its estate (`orders-prod`), shown on the owner's screens only.
    pub source_cluster_id: String,
    pub region_id: String,
    /// The shares that give it, comma-separated.
    pub resource_share_names: String,
    /// The same shares' ids, in the same order.
    pub resource_share_ids: Vec<String>,
    /// Those of them whose grant of it is being revoked: it is not for use through them.
    pub resource_shares_revoking: Vec<String>,
    pub size_bytes: i64,
    pub level: BackupLevel,
    pub start_time: String,
    pub end_time: String,
    pub status: BackupStatus,
    /// `Snapshot`; `Automated` or `Manual`.
    pub method: String,
    pub backup_mode: String,
    /// The source cluster's engine and version, and its billing method when a restore made it.
    pub db_type: String,
    pub db_version: String,
    pub pay_type: Option<String>,
    pub lock_state: BackupLock,
    /// When access is being revoked: the time the scheduled task removes it.
    pub revoking_at: Option<String>,
    /// Access is being revoked, starting when the running restore from the set ends (no time yet).
    pub revoking_after_restore: bool,
    /// Why a restore would be refused right now, if it would.
    pub restore_blocked: Option<AppError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingList {
    pub regions: Vec<Region>,
    pub region_id: String,
    /// One page of them.
    pub backups: Vec<IncomingBackup>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreJob {
    pub restore_job_id: String,
    pub backup_set_id: String,
    pub cluster_id: String,
    pub cluster_name: String,
    pub status: RestoreStatus,
    pub progress: u8,
    pub started_at: String,
}

/// A charge for a restored cluster, as the bill shows it at its `Billing::as_of` time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    pub item: String,
    /// When it was ordered (the restore started).
    pub created_at: String,
    /// `Prepaid` (subscription), `Postpaid` (pay-as-you-go), or none for a charge billed once at its
    /// price (one from before charges had a billing method).
    pub pay_type: Option<String>,
    /// A subscription's price for its term; pay-as-you-go's for a month.
    pub price_cents: i64,
    /// A subscription's term (`domain::SubscriptionTerm::label`, "3 months") and when it ends; none for
    /// any other charge.
    pub subscription_term: Option<String>,
    pub subscription_ends_at: Option<String>,
    /// Pay-as-you-go's price for each hour begun.
    pub cents_per_hour: Option<i64>,
    /// From when it is billed: a subscription from its order, pay-as-you-go from when its cluster is
    /// running (none while the cluster is being created).
    pub billed_from: Option<String>,
    /// When its cluster was released: pay-as-you-go's amount is final from then.
    pub released_at: Option<String>,
    /// What it has cost at `Billing::as_of`.
    pub amount_cents: i64,
    /// The cluster charged for, and its name (none for a charge whose cluster is unknown).
    pub cluster_id: Option<String>,
    pub cluster_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Billing {
    /// The server's time the amounts are worked out at.
    pub as_of: String,
    /// One page of the charges.
    pub charges: Paged<Charge>,
    /// What all the charges (every page) have cost so far, at `as_of`, in cents.
    pub charges_total_cents: i64,
    pub backup_storage_bytes: i64,
    /// The whole GiB of it beyond the free quota: what the cost below is for.
    pub backup_storage_billed_gib: i64,
    /// The monthly backup storage cost, in cents, beyond the free quota.
    pub backup_storage_cents_per_month: i64,
}

/// A folder of a resource directory, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Folder {
    pub folder_id: String,
    pub parent_folder_id: Option<String>,
    pub folder_name: String,
}

/// A member account of a resource directory, with its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Member {
    pub account_id: String,
    pub display_name: String,
    pub folder_id: String,
    pub is_management: bool,
}

/// A resource directory as its management account manages it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    pub directory_id: String,
    pub root_folder_id: String,
    pub folders: Vec<Folder>,
    pub members: Vec<Member>,
    /// Invitations the management account sent, newest first (the latest 100).
    pub invitations: Vec<DirectoryInvitation>,
}

/// The signed-in account's place in a resource directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryMembership {
    pub directory_id: String,
    pub management_account_id: String,
    pub management_account_name: String,
    pub folder_name: String,
    pub is_management: bool,
}

/// The Resource directory page of any account: its membership and the invitations it received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyDirectory {
    pub membership: Option<DirectoryMembership>,
    /// Invitations received, newest first (the latest 50).
    pub invitations: Vec<DirectoryInvitation>,
}

/// The sharing quota as the Quota page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// Distinct backup sets the account shares as owner: those of its shares not yet deleted, those on
    /// their way out too (they count until their revocation, as the share rules count them).
    pub used: i64,
    pub limit: i64,
    pub max_limit: i64,
    pub beta_enabled: bool,
    pub increase_pending: bool,
}

/// An AccessKey pair as the console lists it (the secret is shown once, at creation, and never again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccessKey {
    pub access_key_id: String,
    /// The identity the pair signs as: the root's or a RAM user's sign-in name.
    pub login_name: String,
    pub kind: IdentityKind,
    pub status: crate::domain::AccessKeyStatus,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl AccessKey {
    /// Whether the pair signs as the account's root (rather than one of its RAM users).
    pub fn is_root(&self) -> bool {
        self.kind == IdentityKind::Root
    }
}

/// A pair just created: the only answer that carries its secret (never its `Debug`, see `Redacted`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAccessKey {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub login_name: String,
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &crate::domain::Redacted)
            .field("login_name", &self.login_name)
            .finish()
    }
}

/// A RAM user with its system policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RamUser {
    pub login_name: String,
    pub created_at: String,
    pub policies: Vec<Policy>,
}

/// The RAM users page: a page of the account's users. The alias their sign-in names end with
/// (`name@alias`) comes with the viewer (`Viewer::ram_login_alias`), so the form has it as it renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RamUsers {
    #[serde(flatten)]
    pub users: Paged<RamUser>,
}

/// A cloud account the platform operator has just created, with its root's generated password (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedAccount {
    pub account_id: String,
    pub login_name: String,
    pub password: String,
}

/// A backup set in a share, as its owner's screens list it (a [`Share`] is only ever answered to its owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedResource {
    pub backup_set_id: String,
    pub cluster_id: String,
    /// The owner's name for its cluster, shown beside the id as on the Clusters page. Never put in what a
    /// principal is answered ([`IncomingBackup`] has the id only): see `tests/api/source_cluster_names.rs`.
    pub cluster_name: String,
    pub region_id: String,
}

/// A principal of a share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharePrincipal {
    pub principal_id: String,
    pub principal_type: PrincipalType,
    /// Disassociating while its revocation is scheduled.
    pub status: AssociationStatus,
    /// For accounts that must accept: where their latest invitation stands.
    pub invitation_status: Option<InvitationStatus>,
    /// Removed while a restore reads one of the share's sets: the revocation starts when the restore ends.
    pub removal_pending_restore: bool,
}

/// One of the owner's resource shares, with its backup sets and principals (a share's own row, as
/// the database reads it, has neither; the service adds them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Share {
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub principal_scope: PrincipalScope,
    pub status: ShareStatus,
    pub created_at: String,
    /// Last renamed, opened or closed, or changed in status (Shared By Me).
    pub updated_at: String,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub resources: Vec<SharedResource>,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub principals: Vec<SharePrincipal>,
}

/// Something in the owner's resource directory a share can target: the directory, a folder or a member account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryObject {
    pub object_id: String,
    pub object_type: PrincipalType,
    pub name: String,
}

/// What the Share dialog needs: the owner's shares and, for the directory scope, what it can target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareDialog {
    /// A page of the owner's live shares (see `load_share_dialog`).
    pub shares: Paged<Share>,
    pub directory_objects: Vec<DirectoryObject>,
}

#[cfg(test)]
mod tests {
    use super::NewAccessKey;

    #[test]
    fn a_new_pairs_secret_never_shows_in_debug_output() {
        let key = NewAccessKey {
            access_key_id: "LTAIexample".into(),
            access_key_secret: "s3cr3tS3cr3tS3cr3t".into(),
            login_name: "owner".into(),
        };
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("LTAIexample") && shown.contains("[redacted]"), "{shown}");
    }
}
