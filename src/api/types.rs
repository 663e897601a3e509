//! What the server functions take and return: plain serde data, the same on server and browser.

use crate::error::AppError;
use crate::domain::{
    AssociationStatus, BackupLevel, BackupLock, BackupStatus, ClusterStatus, Edition, HaMode, Policy, PrincipalScope, PrincipalType,
    RestoreStatus, ShareStatus, ShownInvitationStatus, Site, InvitationStatus,
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
    /// Last renamed, opened or closed, or changed in status (Shared By Me).
    pub updated_at: String,
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

/// The Share dialog as the browser posts it: flat fields, principals as text. The dialog keeps one
/// principal editor for each method (`new_*`, `existing_*`); each sends its list (`*_principals`,
/// ids separated by commas, spaces or new lines), what was typed but not yet added (`*_added`) and
/// what was picked from the directory (`*_picked`), and the three are one list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareForm {
    pub backup_set_id: String,
    /// `new` or `existing`.
    pub method: String,
    pub resource_share_name: Option<String>,
    pub scope: Option<String>,
    pub new_principals: Option<String>,
    pub new_principals_added: Option<String>,
    pub new_principals_picked: Option<String>,
    pub resource_share_id: Option<String>,
    /// Present (a checkbox's `on`) when the existing share's principals are being replaced.
    pub edit_principals: Option<String>,
    pub existing_principals: Option<String>,
    pub existing_principals_added: Option<String>,
    pub existing_principals_picked: Option<String>,
}

impl ShareForm {
    /// The share the form asks for. Nothing is guessed: a method other than `new` or `existing` is
    /// refused, and a missing scope is left for the rules to refuse.
    pub fn request(&self) -> Result<ShareRequest, crate::error::AppError> {
        let method = match self.method.as_str() {
            "existing" => ShareMethod::Existing {
                resource_share_id: self.resource_share_id.clone().unwrap_or_default(),
                principals: self.edit_principals.is_some().then(|| {
                    principal_list([&self.existing_principals, &self.existing_principals_added, &self.existing_principals_picked])
                }),
            },
            "new" => ShareMethod::New {
                name: self.resource_share_name.clone().unwrap_or_default(),
                scope: self.scope.clone().unwrap_or_default(),
                principals: principal_list([&self.new_principals, &self.new_principals_added, &self.new_principals_picked]),
            },
            _ => {
                return Err(crate::domain::Refusal::UnknownSharingMethod.into())
            }
        };
        Ok(ShareRequest { backup_set_id: self.backup_set_id.clone(), method })
    }
}

/// The ids in the given texts, in order, each once.
fn principal_list(texts: [&Option<String>; 3]) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    for id in texts.into_iter().flatten().flat_map(|t| t.split(|c: char| c == ',' || c.is_whitespace())) {
        if !id.is_empty() && !list.iter().any(|p| p == id) {
            list.push(id.to_owned());
        }
    }
    list
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

/// The restore dialog's choices, which the server checks against the same lists.
pub use crate::domain::{region_of_zone, zones, NODE_SPECS};

/// The console shows tickets as the governance service reads them.
pub use crate::read_model::Ticket as TicketView;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaView {
    /// Distinct backup sets the account shares as owner.
    pub used: i64,
    pub limit: i64,
    pub max_limit: i64,
    pub beta_enabled: bool,
    pub increase_pending: bool,
}

/// The console shows audit events and directory invitations as the services read them.
pub use crate::read_model::{AuditEvent as AuditEventView, DirectoryInvitation as DirectoryInvitationView};

/// The actions the audit trail records, for its filter.
pub const AUDITED_ACTIONS: &[&str] = &[
    "SignIn", "ShareBackupSet", "AcceptInvitation", "RejectInvitation", "ExpireInvitation", "RevokeAccess",
    "RestoreToNewCluster", "DeleteBackupSet", "ConvertBackupLevel", "ReleaseCluster", "SubmitTicket",
    "DecideTicket", "ApplyQuotaIncrease", "CreateRamUser", "SetRamPassword", "AttachPolicy", "DetachPolicy",
    "DeleteRamUser", "CreateFolder", "AddMember", "MoveMember", "RemoveMember",
    "CancelDirectoryInvitation", "AcceptDirectoryInvitation", "RejectDirectoryInvitation", "ExpireDirectoryInvitation",
    "LeaveDirectory", "ApplyQueuedRemoval",
    "SignInLocked", "ChangePassword", "CreateAccount",
    "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey", "RenameResourceShare",
];

/// An AccessKey pair as the console lists it (the secret is shown once, at creation, and never again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessKeyView {
    pub access_key_id: String,
    /// The identity the pair signs as: the root's or a RAM user's sign-in name.
    pub login_name: String,
    pub is_root: bool,
    pub status: crate::domain::AccessKeyStatus,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A pair just created: the only answer that carries its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAccessKeyView {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub login_name: String,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_form_with_an_unknown_method_is_refused_rather_than_guessed() {
        let form = ShareForm { backup_set_id: "bs-1".into(), method: "<script>".into(), ..ShareForm::default() };
        let e = form.request().unwrap_err();
        assert_eq!((e.code.as_str(), e.status()), ("InvalidParameter.SharingMethod", 422));
    }

    #[test]
    fn a_new_share_form_joins_its_listed_typed_and_picked_principals_once_each() {
        let form = ShareForm {
            backup_set_id: "bs-1".into(),
            method: "new".into(),
            resource_share_name: Some("nightly".into()),
            scope: Some("AllAccounts".into()),
            new_principals: Some("1000000000000002,1000000000000007".into()),
            new_principals_added: Some(" 1000000000000007\n1000000000000004 ".into()),
            new_principals_picked: Some("fd-analytics".into()),
            ..ShareForm::default()
        };
        let ShareMethod::New { name, scope, principals } = form.request().unwrap().method else { panic!("not a new share") };
        assert_eq!((name.as_str(), scope.as_str()), ("nightly", "AllAccounts"));
        assert_eq!(principals, ["1000000000000002", "1000000000000007", "1000000000000004", "fd-analytics"]);
    }

    #[test]
    fn an_existing_share_form_replaces_principals_only_when_editing_them() {
        let mut form = ShareForm {
            backup_set_id: "bs-1".into(),
            method: "existing".into(),
            resource_share_id: Some("rs-1".into()),
            existing_principals: Some("1000000000000002".into()),
            ..ShareForm::default()
        };
        assert_eq!(form.request().unwrap().method, ShareMethod::Existing { resource_share_id: "rs-1".into(), principals: None });
        form.edit_principals = Some("on".into());
        assert_eq!(
            form.request().unwrap().method,
            ShareMethod::Existing { resource_share_id: "rs-1".into(), principals: Some(vec!["1000000000000002".into()]) }
        );
    }
}
