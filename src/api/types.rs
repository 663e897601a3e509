//! What the server functions take and return: plain serde data, the same on server and browser.

use crate::domain::{Policy, Site};
use serde::{Deserialize, Serialize};

/// The signed-in identity, as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub login_name: String,
    pub account_id: String,
    pub account_name: String,
    /// The ending of the account's RAM users' names (`name@alias`), to the identities that manage them
    /// (the RAM users page's form shows it and allows the name what it leaves of 64 characters).
    pub ram_login_alias: Option<String>,
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

    /// Why this identity may not change sharing (share, or change a share's principals), by the rule the
    /// server refuses with ([`crate::domain::Actor::may_change_sharing`]); `None` when it may.
    pub fn sharing_refusal(&self) -> Option<String> {
        let actor = crate::domain::Actor {
            account_id: crate::domain::AccountId::parse(&self.account_id)?,
            is_root: self.is_root,
            policies: self.policies.clone(),
        };
        actor.may_change_sharing().err().map(|refusal| refusal.to_string())
    }
}

/// The console shows lists, regions, clusters and backup sets as the services read them.
pub use crate::read_model::{
    BackupSet as BackupSetView, BackupSetPage, Cluster as ClusterView, ClusterList, Paged, Region as RegionView,
};

/// The console shows the owner's shares and the Share dialog's choices as the console service reads them.
pub use crate::read_model::{
    DirectoryObject as DirectoryObjectView, Share as ShareView, ShareDialog as ShareDialogData,
    SharePrincipal as PrincipalView, SharedResource as SharedResourceView,
};

/// The Share dialog as the browser posts it: flat fields, principals as text. The dialog keeps one
/// principal editor for each method (`new_*`, `existing_*`); each sends its list (`*_principals`,
/// ids separated by commas, spaces or new lines), what was typed but not yet added (`*_added`) and
/// what was picked from the directory (`*_picked`), and the three are one list.
/// What the Share dialog and the restore form ask of the services, and what a share did.
pub use crate::command::{RestoreRequest, ShareMethod, ShareOutcome, ShareRequest};

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
                    principal_list([
                        &self.existing_principals,
                        &self.existing_principals_added,
                        &self.existing_principals_picked,
                    ])
                }),
            },
            "new" => ShareMethod::New {
                name: self.resource_share_name.clone().unwrap_or_default(),
                scope: self.scope.clone().unwrap_or_default(),
                principals: principal_list([
                    &self.new_principals,
                    &self.new_principals_added,
                    &self.new_principals_picked,
                ]),
            },
            _ => return Err(crate::domain::Refusal::UnknownSharingMethod.into()),
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

/// The console shows invitations, the backup sets shared with the account, restore jobs and billing as
/// the principal's services read them.
pub use crate::read_model::{
    Billing as BillingView, Charge as ChargeView, IncomingBackup as IncomingBackupView, IncomingList,
    Invitation as InvitationView, InvitationList, RestoreJob as RestoreJobView,
};

/// The restore dialog's choices, which the server checks against the same lists.
pub use crate::domain::{region_of_zone, zones, NODE_SPECS};

/// The console shows tickets as the governance service reads them.
pub use crate::read_model::Ticket as TicketView;

/// The console shows audit events and directory invitations as the services read them.
pub use crate::read_model::{AuditEvent as AuditEventView, DirectoryInvitation as DirectoryInvitationView};

/// The actions the audit trail records, for its filter.
pub const AUDITED_ACTIONS: &[&str] = &[
    "SignIn",
    "SignOut",
    "ShareBackupSet",
    "AcceptInvitation",
    "RejectInvitation",
    "ExpireInvitation",
    "RevokeAccess",
    "RestoreToNewCluster",
    "DeleteBackupSet",
    "ConvertBackupLevel",
    "ReleaseCluster",
    "SubmitTicket",
    "DecideTicket",
    "ApplyQuotaIncrease",
    "CreateRamUser",
    "SetRamPassword",
    "AttachPolicy",
    "DetachPolicy",
    "DeleteRamUser",
    "CreateFolder",
    "AddMember",
    "MoveMember",
    "RemoveMember",
    "CancelDirectoryInvitation",
    "AcceptDirectoryInvitation",
    "RejectDirectoryInvitation",
    "ExpireDirectoryInvitation",
    "LeaveDirectory",
    "ApplyQueuedRemoval",
    "SignInLocked",
    "ChangePassword",
    "CreateAccount",
    "CreateAccessKey",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "UpdateResourceShare",
    "DeleteResourceShare",
    "AssociateResourceShare",
    "DisassociateResourceShare",
    "LeaveResourceShare",
    "EnableSharingWithResourceDirectory",
    "CreateOperator",
    "BackupDatabase",
    "FinishRestore",
    "FinishLevelConversion",
    "ExpireBackupSet",
    "FinishShareDeletion",
    // Written by renames before UpdateResourceShare took them over: older trails still hold it.
    "RenameResourceShare",
];

/// The console shows the quota, AccessKey pairs, RAM users and a new account as the services read them.
pub use crate::read_model::{
    AccessKey as AccessKeyView, CreatedAccount as CreatedAccountView, NewAccessKey as NewAccessKeyView,
    Quota as QuotaView, RamUser as RamUserView, RamUsers as RamUsersView,
};

/// The console shows a resource directory and an account's place in one as the directory service reads them.
pub use crate::read_model::{
    Directory as DirectoryView, DirectoryMembership as MembershipView, Folder as FolderView, Member as MemberView,
    MyDirectory as MyDirectoryView,
};

/// What the Resource directory page shows: the management account manages its directory; any other
/// account sees its own membership and the invitations it received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DirectoryPageView {
    Managed(DirectoryView),
    Member(MyDirectoryView),
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
        let ShareMethod::New { name, scope, principals } = form.request().unwrap().method else {
            panic!("not a new share")
        };
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
        assert_eq!(
            form.request().unwrap().method,
            ShareMethod::Existing { resource_share_id: "rs-1".into(), principals: None }
        );
        form.edit_principals = Some("on".into());
        assert_eq!(
            form.request().unwrap().method,
            ShareMethod::Existing {
                resource_share_id: "rs-1".into(),
                principals: Some(vec!["1000000000000002".into()])
            }
        );
    }
}
