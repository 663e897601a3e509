//! What the server functions take and return: plain serde data, the same on server and browser.

use crate::error::AppError;
use crate::domain::{
    AssociationStatus, BackupLevel, BackupLock, BackupStatus, ClusterStatus, Edition, HaMode, Policy, PrincipalScope, PrincipalType,
    RestoreStatus, ShareStatus, ShownInvitationStatus, Site, TicketKind, TicketStatus, InvitationStatus,
};
use serde::{Deserialize, Serialize};

/// The signed-in identity, as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub login_name: String,
    pub account_id: String,
    pub account_name: String,
    pub site: Site,
    pub is_root: bool,
    /// The platform operator decides tickets.
    pub is_operator: bool,
    pub policies: Vec<Policy>,
    /// The pages this identity may open, from the same rule the server refuses with: the navigation
    /// offers exactly these.
    pub pages: Vec<crate::domain::ConsolePage>,
    /// Where the console opens for this identity (a RAM user with no policy: its profile).
    pub home: String,
    /// The region pages show when none is chosen (the international site's is not Hangzhou).
    pub home_region: String,
}

impl Viewer {
    pub fn may_open(&self, page: crate::domain::ConsolePage) -> bool {
        self.pages.contains(&page)
    }
}

/// One page of a list: its items, how many the whole list has, and which page of what size this is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, request: crate::domain::PageRequest) -> Self {
        Paged { items, total, page: request.page, page_size: request.page_size }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionView {
    pub region_id: String,
    pub region_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    pub cluster_id: String,
    pub cluster_name: String,
    pub region_id: String,
    pub db_type: String,
    pub db_version: String,
    pub edition: Edition,
    pub ha_mode: HaMode,
    pub tde_enabled: bool,
    pub disk_encryption_enabled: bool,
    pub status: ClusterStatus,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterList {
    pub regions: Vec<RegionView>,
    pub region_id: String,
    pub clusters: Vec<ClusterView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupSetView {
    pub backup_set_id: String,
    pub start_time: String,
    pub end_time: String,
    pub status: BackupStatus,
    pub size_bytes: i64,
    pub method: String,
    pub backup_mode: String,
    pub level: BackupLevel,
    pub expires_at: String,
    pub lock_state: BackupLock,
    pub principal_count: i64,
    /// Why this set can't be shared, if it can't: the same refusal the server gives on a share request.
    pub share_blocked: Option<AppError>,
    /// Why this set can't be converted to level-2, if it can't: the same refusal the server gives.
    pub convert_blocked: Option<AppError>,
}

impl BackupSetView {
    /// The Attribute column says `Sharing` once the set has at least one principal.
    pub fn is_sharing(&self) -> bool {
        self.principal_count > 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupSetPage {
    pub cluster: ClusterView,
    pub items: Vec<BackupSetView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Why this identity can't share anything at all (beta off, missing policy), if so.
    pub sharing_blocked: Option<AppError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedResourceView {
    pub backup_set_id: String,
    pub cluster_id: String,
    pub region_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrincipalView {
    pub principal_id: String,
    pub principal_type: PrincipalType,
    /// Disassociating while its revocation is scheduled.
    pub status: AssociationStatus,
    /// For accounts that must accept: where their latest invitation stands.
    pub invitation_status: Option<InvitationStatus>,
    /// Removed while a restore reads one of the share's sets: the revocation starts when the restore ends.
    pub removal_pending_restore: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareView {
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub principal_scope: PrincipalScope,
    pub status: ShareStatus,
    pub created_at: String,
    pub resources: Vec<SharedResourceView>,
    pub principals: Vec<PrincipalView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryObjectView {
    pub object_id: String,
    pub object_type: PrincipalType,
    pub name: String,
}

/// What the Share dialog needs: the owner's shares and, for the directory scope, what it can target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareDialogData {
    /// A page of the owner's live shares (see `load_share_dialog`).
    pub shares: Paged<ShareView>,
    pub directory_objects: Vec<DirectoryObjectView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ShareMethod {
    /// Create a new resource share containing the backup set.
    New { name: String, scope: String, principals: Vec<String> },
    /// Add the backup set to an existing share; `principals`, when given, replaces the share's principals.
    Existing { resource_share_id: String, principals: Option<Vec<String>> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRequest {
    pub backup_set_id: String,
    pub method: ShareMethod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareOutcome {
    pub resource_share_id: String,
    pub resource_share_name: String,
    /// Accounts that were sent an invitation to accept.
    pub invited: Vec<String>,
    /// Principals associated at once (inside the resource directory).
    pub associated: Vec<String>,
    /// Principals whose access will be revoked by the scheduled task.
    pub revoking: Vec<String>,
    /// A restore is reading one of the share's sets: the removals start when it ends.
    pub removal_waits_for_restore: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationList {
    pub regions: Vec<RegionView>,
    pub region_id: String,
    /// One page of them.
    pub invitations: Vec<InvitationView>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A backup set shared with the signed-in account (the Shared With Me tab).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingBackupView {
    pub backup_set_id: String,
    pub owner_account_id: String,
    pub source_cluster_id: String,
    pub region_id: String,
    pub resource_share_names: String,
    pub size_bytes: i64,
    pub level: BackupLevel,
    pub start_time: String,
    pub status: BackupStatus,
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
    pub regions: Vec<RegionView>,
    pub region_id: String,
    /// One page of them.
    pub backups: Vec<IncomingBackupView>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreRequest {
    pub backup_set_id: String,
    pub cluster_name: String,
    pub node_spec: String,
    pub zone_id: String,
    pub pay_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreJobView {
    pub restore_job_id: String,
    pub backup_set_id: String,
    pub cluster_id: String,
    pub cluster_name: String,
    pub status: RestoreStatus,
    pub progress: u8,
    pub started_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeView {
    pub item: String,
    pub amount_cents: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingView {
    /// One page of the charges.
    pub charges: Paged<ChargeView>,
    pub backup_storage_bytes: i64,
    /// The monthly backup storage cost, in cents, beyond the free quota.
    pub backup_storage_cents_per_month: i64,
}

/// The node specifications a restore can choose, with their price per month in cents.
pub const NODE_SPECS: [(&str, i64); 3] =
    [("polar.mysql.x4.medium", 62_000), ("polar.mysql.x4.large", 124_000), ("polar.mysql.x8.xlarge", 310_000)];

/// The region a zone belongs to.
pub fn region_of_zone(zone: &str) -> Option<&'static str> {
    ["cn-hangzhou", "cn-beijing", "cn-shanghai", "ap-southeast-1"].into_iter().find(|r| zones(r).contains(&zone))
}

/// Zones of each region a restore can place its cluster in.
pub fn zones(region: &str) -> &'static [&'static str] {
    match region {
        "cn-hangzhou" => &["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"],
        "cn-beijing" => &["cn-beijing-k", "cn-beijing-l"],
        "cn-shanghai" => &["cn-shanghai-l", "cn-shanghai-m"],
        "ap-southeast-1" => &["ap-southeast-1a", "ap-southeast-1b"],
        _ => &[],
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub ticket_id: String,
    pub account_id: String,
    pub account_name: String,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub message: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaView {
    /// Distinct backup sets the account shares as owner.
    pub used: i64,
    pub limit: i64,
    pub max_limit: i64,
    pub beta_enabled: bool,
    pub increase_pending: bool,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
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
}

impl AuditEventView {
    /// The outcome is `Success` or the code of the refusal.
    pub fn succeeded(&self) -> bool {
        self.outcome == "Success"
    }
}

/// The actions the audit trail records, for its filter.
pub const AUDITED_ACTIONS: &[&str] = &[
    "SignIn", "ShareBackupSet", "AcceptInvitation", "RejectInvitation", "ExpireInvitation", "RevokeAccess",
    "RestoreToNewCluster", "DeleteBackupSet", "ConvertBackupLevel", "ReleaseCluster", "SubmitTicket",
    "DecideTicket", "ApplyQuotaIncrease", "CreateRamUser", "SetRamPassword", "AttachPolicy", "DetachPolicy",
    "DeleteRamUser", "CreateFolder", "AddMember", "MoveMember", "RemoveMember",
    "CancelDirectoryInvitation", "AcceptDirectoryInvitation", "RejectDirectoryInvitation", "ExpireDirectoryInvitation",
    "LeaveDirectory", "ApplyQueuedRemoval",
    "SignInLocked", "ChangePassword", "CreateAccount",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RamUserView {
    pub login_name: String,
    pub created_at: String,
    pub policies: Vec<Policy>,
}


#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FolderView {
    pub folder_id: String,
    pub parent_folder_id: Option<String>,
    pub folder_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub account_id: String,
    pub display_name: String,
    pub folder_id: String,
    pub is_management: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryView {
    pub directory_id: String,
    pub root_folder_id: String,
    pub folders: Vec<FolderView>,
    pub members: Vec<MemberView>,
    /// Invitations the management account sent, newest first (the latest 100).
    pub invitations: Vec<DirectoryInvitationView>,
}

/// An invitation to join a resource directory (Resource Directory's handshake).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryInvitationView {
    pub invitation_id: String,
    pub directory_id: String,
    pub management_account_id: String,
    pub management_account_name: String,
    pub account_id: String,
    pub account_name: String,
    /// The folder the account is placed in when it accepts.
    pub folder_id: String,
    pub folder_name: String,
    /// As of now.
    pub status: InvitationStatus,
    pub created_at: String,
    pub expires_at: String,
}

/// The signed-in account's place in a resource directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipView {
    pub directory_id: String,
    pub management_account_id: String,
    pub management_account_name: String,
    pub folder_name: String,
    pub is_management: bool,
}

/// What the Resource directory page shows: the management account manages its directory; any other
/// account sees its own membership and the invitations it received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DirectoryPageView {
    Managed(DirectoryView),
    Member(MyDirectoryView),
}

/// The Resource directory page of any account: its membership and the invitations it received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyDirectoryView {
    pub membership: Option<MembershipView>,
    /// Invitations received, newest first (the latest 50).
    pub invitations: Vec<DirectoryInvitationView>,
}

/// A cloud account the platform operator has just created, with its root's generated password (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedAccountView {
    pub account_id: String,
    pub login_name: String,
    pub password: String,
}
