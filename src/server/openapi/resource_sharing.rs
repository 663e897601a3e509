//! Resource Sharing 2020-01-10 over the console's services: a share of backup sets is a resource share
//! whose resources have the type [`RESOURCE_TYPE`]. Creating and associating go through the Share
//! dialog's service (`sharing::share_backup_set`), answering invitations through the Shared With Me
//! page's, lists through the same reads the console pages make. Each action maps its answer to the
//! SDK's models here.

use super::params::MAX_LIST_ITEMS;
use super::{iso, token_page, unknown_action, ApiError, Call, PERMISSION_NAME, RESOURCE_SHARING_VERSION, RESOURCE_TYPE};
use crate::api::types::{InvitationView, ShareMethod, ShareOutcome, ShareRequest, ShareView};
use crate::domain::PageRequest;
use crate::server::db;
use crate::server::services::{console, principal, share_settings, sharing};
use serde_json::{json, Value};

pub async fn dispatch(call: &Call, action: &str) -> Result<Value, ApiError> {
    match action {
        "CreateResourceShare" => create_resource_share(call).await,
        "UpdateResourceShare" => update_resource_share(call).await,
        "AssociateResourceShare" => associate_resource_share(call).await,
        "DisassociateResourceShare" => disassociate_resource_share(call).await,
        "ListResourceShares" => list_resource_shares(call).await,
        "ListResourceShareAssociations" => list_resource_share_associations(call).await,
        "ListResourceShareInvitations" => list_invitations(call).await,
        "AcceptResourceShareInvitation" => answer_invitation(call, true).await,
        "RejectResourceShareInvitation" => answer_invitation(call, false).await,
        "ListSharedResources" => list_shared_resources(call).await,
        "ListSharedTargets" => list_shared_targets(call).await,
        "EnableSharingWithResourceDirectory" => enable_sharing_with_directory(call),
        "CheckSharingWithResourceDirectoryStatus" => Ok(json!({ "EnableSharingWithRd": call.who.account.directory_id.is_some() })),
        "ListPermissions" => list_permissions(call),
        _ => Err(unknown_action(action, RESOURCE_SHARING_VERSION)),
    }
}

/// `Resources.N.ResourceId` with each `ResourceType` checked. polarshare shares one backup set per call
/// (the console's share is one transaction per set), so a second is refused before anything changes.
fn resources(call: &Call) -> Result<Vec<String>, ApiError> {
    let ids = call.params.list("Resources", Some("ResourceId"), MAX_LIST_ITEMS)?;
    for t in call.params.list("Resources", Some("ResourceType"), MAX_LIST_ITEMS)? {
        if t != RESOURCE_TYPE {
            return Err(ApiError::new(400, "InvalidParameter.ResourceType", format!("The resource type {t:?} is not supported: backup sets are {RESOURCE_TYPE}.")));
        }
    }
    if ids.len() > 1 {
        return Err(ApiError::new(
            400,
            "InvalidParameter.Resources.Length",
            "polarshare takes one backup set per call (each is its own transaction); associate the others in further calls.",
        ));
    }
    Ok(ids)
}

fn targets(call: &Call) -> Result<Vec<String>, ApiError> {
    call.params.list("Targets", None, MAX_LIST_ITEMS)
}

fn share_json(call: &Call, share_id: &str, name: &str, scope: &str, status: &str, created: &str) -> Value {
    json!({
        "ResourceShareId": share_id,
        "ResourceShareName": name,
        "ResourceShareOwner": call.who.account_id().as_str(),
        "ResourceShareStatus": status,
        "AllowExternalTargets": scope == "AllAccounts",
        "CreateTime": iso(created),
        "UpdateTime": iso(created),
        "ResourceGroupId": "",
        "Tags": [],
    })
}

fn now(call: &Call) -> String {
    db::ts(call.state.clock.now())
}

async fn create_resource_share(call: &Call) -> Result<Value, ApiError> {
    let name = call.params.req("ResourceShareName")?.to_owned();
    let resources = resources(call)?;
    let targets = targets(call)?;
    let allow_external = call.params.bool("AllowExternalTargets")?.unwrap_or(false);
    let Some(backup) = resources.first().cloned() else {
        return Err(ApiError::new(400, "InvalidParameter.Resources", "polarshare creates a share with its first backup set: give Resources.1.ResourceId."));
    };
    let scope = if allow_external { "AllAccounts" } else { "ResourceDirectory" };
    let request = ShareRequest { backup_set_id: backup.clone(), method: ShareMethod::New { name: name.clone(), scope: scope.to_owned(), principals: targets } };
    let outcome = { let event = call.event("ShareBackupSet", &backup); let result = sharing::share_backup_set(&call.state, &call.who, request, &event).await; call.finish(&event, result).await }?;
    let created = now(call);
    Ok(json!({ "ResourceShare": share_json(call, &outcome.resource_share_id, &outcome.resource_share_name, scope, "Active", &created) }))
}

/// Renames a share. Its scope (`AllowExternalTargets`) is fixed when it is made: a different one is
/// refused before anything changes.
async fn update_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    let name = call.params.req("ResourceShareName")?.to_owned();
    let wanted_external = call.params.bool("AllowExternalTargets")?;
    let current = own_share(call, &share_id).await?;
    if wanted_external.is_some_and(|external| external != (current.principal_scope.as_str() == "AllAccounts")) {
        return Err(ApiError::new(400, "OperationNotPermitted", "A share's AllowExternalTargets is set when it is created and can't be changed here."));
    }
    let target = format!("{share_id} -> {name}");
    let renamed = { let event = call.event("RenameResourceShare", &target); let result = share_settings::rename_share(&call.state, &call.who, &share_id, &name, &event).await; call.finish(&event, result).await }?;
    let updated = now(call);
    let mut share = share_json(call, &share_id, &renamed.name, renamed.principal_scope.as_str(), "Active", &renamed.created_at);
    share["UpdateTime"] = Value::String(iso(&updated));
    Ok(json!({ "ResourceShare": share }))
}

/// The caller's live shares, as the Share dialog lists them: its largest page (100), newest first.
pub(super) async fn all_shares(call: &Call) -> Result<Vec<ShareView>, ApiError> {
    let page = PageRequest::parse(Some(1), Some(i64::from(crate::domain::MAX_PAGE_SIZE))).map_err(crate::error::AppError::from)?;
    Ok(console::share_dialog(&call.state, &call.who, console::ShareSearch::default(), page).await?.shares.items)
}

/// The caller's live share with this id (the Share dialog's lookup of the share it was opened on).
async fn own_share(call: &Call, share_id: &str) -> Result<ShareView, ApiError> {
    let page = PageRequest::parse(Some(1), Some(1)).map_err(crate::error::AppError::from)?;
    let search = console::ShareSearch { resource_share_id: Some(share_id.to_owned()), ..Default::default() };
    console::share_dialog(&call.state, &call.who, search, page)
        .await?
        .shares
        .items
        .into_iter()
        .find(|s| s.resource_share_id == share_id)
        .ok_or_else(|| ApiError::new(404, "EntityNotExists.ResourceShare", "The resource share does not exist in the current account."))
}

fn current_principals(share: &ShareView) -> Vec<String> {
    share.principals.iter().filter(|p| p.status.as_str() == "Associated").map(|p| p.principal_id.clone()).collect()
}

fn entity_type(target: &str) -> &'static str {
    if target.starts_with("rd-") {
        "ResourceDirectory"
    } else if target.starts_with("fd-") {
        "Folder"
    } else {
        "Account"
    }
}

fn association(share: &ShareView, entity: &str, entity_type: &str, kind: &str, status: &str, at: &str) -> Value {
    json!({
        "ResourceShareId": share.resource_share_id,
        "ResourceShareName": share.resource_share_name,
        "EntityId": entity,
        "EntityType": entity_type,
        "AssociationType": kind,
        "AssociationStatus": status,
        "AssociationStatusMessage": "",
        "CreateTime": iso(at),
        "UpdateTime": iso(at),
        "External": kind == "Target" && share.principal_scope.as_str() == "AllAccounts" && entity_type == "Account",
    })
}

fn outcome_associations(share: &ShareView, outcome: &ShareOutcome, resources: &[String], at: &str) -> Vec<Value> {
    let mut out: Vec<Value> = resources.iter().map(|r| association(share, r, RESOURCE_TYPE, "Resource", "Associated", at)).collect();
    out.extend(outcome.invited.iter().map(|t| association(share, t, "Account", "Target", "Associating", at)));
    out.extend(outcome.associated.iter().map(|t| association(share, t, entity_type(t), "Target", "Associated", at)));
    out.extend(outcome.revoking.iter().map(|t| association(share, t, entity_type(t), "Target", "Disassociating", at)));
    out
}

async fn associate_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    let resources = resources(call)?;
    let targets = targets(call)?;
    if resources.is_empty() && targets.is_empty() {
        return Err(ApiError::new(400, "ResourceAndTargetBothEmpty", "Either a resource or a shared target must be specified."));
    }
    let share = own_share(call, &share_id).await?;
    let backup = match resources.first().or_else(|| share.resources.first().map(|r| &r.backup_set_id)) {
        Some(b) => b.clone(),
        None => return Err(ApiError::new(409, "ResourceShareStatusMismatchAction", "The resource share holds no backup set: associate one with Resources.1.ResourceId.")),
    };
    let principals = (!targets.is_empty()).then(|| {
        let mut all = current_principals(&share);
        all.extend(targets.iter().filter(|t| !all.contains(t)).cloned().collect::<Vec<_>>());
        all
    });
    let request = ShareRequest { backup_set_id: backup.clone(), method: ShareMethod::Existing { resource_share_id: share_id.clone(), principals } };
    let outcome = { let event = call.event("ShareBackupSet", &backup); let result = sharing::share_backup_set(&call.state, &call.who, request, &event).await; call.finish(&event, result).await }?;
    Ok(json!({ "ResourceShareAssociations": outcome_associations(&share, &outcome, &resources, &now(call)) }))
}

async fn disassociate_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    match call.params.opt("ResourceOwner").unwrap_or("Self") {
        "Self" => {}
        "OtherAccounts" => return Err(leave_refusal(call, &share_id).await?),
        _ => return Err(ApiError::invalid("ResourceOwner")),
    }
    if !call.params.list("Resources", Some("ResourceId"), MAX_LIST_ITEMS)?.is_empty() {
        return Err(ApiError::new(
            400,
            "UnsupportedOperation",
            "Removing a backup set from a share is done by deleting the backup set or releasing its cluster; disassociate targets here.",
        ));
    }
    let targets = targets(call)?;
    if targets.is_empty() {
        return Err(ApiError::new(400, "ResourceAndTargetBothEmpty", "Either a resource or a shared target must be specified."));
    }
    let share = own_share(call, &share_id).await?;
    let current = current_principals(&share);
    if targets.iter().any(|t| !current.contains(t)) {
        return Err(ApiError::new(400, "DisassociateInvalid", "You can not disassociate unassociated resource or target."));
    }
    let backup = share.resources.first().map(|r| r.backup_set_id.clone()).ok_or_else(|| ApiError::new(409, "ResourceShareStatusMismatchAction", "The resource share holds no backup set."))?;
    let remaining: Vec<String> = current.into_iter().filter(|p| !targets.contains(p)).collect();
    let request = ShareRequest { backup_set_id: backup.clone(), method: ShareMethod::Existing { resource_share_id: share_id, principals: Some(remaining) } };
    let outcome = { let event = call.event("ShareBackupSet", &backup); let result = sharing::share_backup_set(&call.state, &call.who, request, &event).await; call.finish(&event, result).await }?;
    Ok(json!({ "ResourceShareAssociations": outcome_associations(&share, &outcome, &[], &now(call)) }))
}

/// A principal asks to leave another account's share. A share the caller's resource directory gave it
/// can't be left (the real service's `LeavingFailed.Account`); leaving one it accepted an invitation to
/// is not supported here yet. Either way nothing changes.
async fn leave_refusal(call: &Call, share_id: &str) -> Result<ApiError, ApiError> {
    let invited = received_invitations(call).await?.iter().any(|i| i.resource_share_id == share_id);
    if !invited && call.who.account.directory_id.is_some() {
        return Ok(ApiError::new(409, "LeavingFailed.Account", "The account was added to the resource share automatically by resource directory."));
    }
    Ok(ApiError::new(
        400,
        "UnsupportedOperation",
        "Leaving a share you accepted an invitation to is not supported yet: ask the owner to remove your account.",
    ))
}

fn resource_owner(call: &Call) -> Result<bool, ApiError> {
    match call.params.req("ResourceOwner")? {
        "Self" => Ok(true),
        "OtherAccounts" => Ok(false),
        _ => Err(ApiError::invalid("ResourceOwner")),
    }
}

/// Every invitation the caller received, newest first (one page as large as the console allows).
async fn received_invitations(call: &Call) -> Result<Vec<InvitationView>, ApiError> {
    let page = PageRequest::parse(Some(1), Some(i64::from(crate::domain::MAX_PAGE_SIZE))).map_err(crate::error::AppError::from)?;
    Ok(principal::invitations(&call.state, &call.who, None, page).await?.invitations)
}

async fn list_resource_shares(call: &Call) -> Result<Value, ApiError> {
    let own = resource_owner(call)?;
    let ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let name = call.params.opt("ResourceShareName");
    let status = call.params.opt("ResourceShareStatus");
    let mut items: Vec<Value> = if own {
        all_shares(call)
            .await?
            .iter()
            .map(|s| share_json(call, &s.resource_share_id, &s.resource_share_name, s.principal_scope.as_str(), s.status.as_str(), &s.created_at))
            .collect()
    } else {
        received_invitations(call)
            .await?
            .into_iter()
            .filter(|i| i.status.as_str() == "Accepted")
            .map(|i| {
                json!({
                    "ResourceShareId": i.resource_share_id, "ResourceShareName": i.resource_share_name,
                    "ResourceShareOwner": i.sender_account_id, "ResourceShareStatus": "Active", "AllowExternalTargets": true,
                    "CreateTime": iso(&i.created_at), "UpdateTime": iso(&i.created_at), "ResourceGroupId": "", "Tags": [],
                })
            })
            .collect()
    };
    items.retain(|s| {
        (ids.is_empty() || ids.iter().any(|id| s["ResourceShareId"] == *id.as_str()))
            && name.is_none_or(|n| s["ResourceShareName"] == n)
            && status.is_none_or(|st| s["ResourceShareStatus"] == st)
    });
    let (page, next) = token_page(&call.params, items)?;
    Ok(json!({ "ResourceShares": page, "NextToken": next }))
}

async fn list_resource_share_associations(call: &Call) -> Result<Value, ApiError> {
    let kind = match call.params.req("AssociationType")? {
        k @ ("Resource" | "Target") => k,
        _ => return Err(ApiError::invalid("AssociationType")),
    };
    let ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let (resource_id, target) = (call.params.opt("ResourceId"), call.params.opt("Target"));
    if (kind == "Target" && resource_id.is_some()) || (kind == "Resource" && target.is_some()) {
        return Err(ApiError::new(400, "ConflictedAssociationType", "The specified ResourceId or Target conflicts with AssociationType."));
    }
    let status = call.params.opt("AssociationStatus");
    let shares = all_shares(call).await?;
    let mut items = Vec::new();
    for s in shares.iter().filter(|s| ids.is_empty() || ids.contains(&s.resource_share_id)) {
        if kind == "Resource" {
            for r in s.resources.iter().filter(|r| resource_id.is_none_or(|id| id == r.backup_set_id)) {
                items.push(association(s, &r.backup_set_id, RESOURCE_TYPE, "Resource", "Associated", &s.created_at));
            }
        } else {
            for p in s.principals.iter().filter(|p| target.is_none_or(|t| t == p.principal_id)) {
                let shown = match (p.status.as_str(), p.invitation_status.map(|s| s.as_str())) {
                    ("Associated", Some("Pending")) => "Associating",
                    ("Associated", Some("Rejected" | "Expired" | "Cancelled")) => "Failed",
                    (other, _) => other,
                };
                items.push(association(s, &p.principal_id, p.principal_type.as_str(), "Target", shown, &s.created_at));
            }
        }
    }
    items.retain(|a| status.is_none_or(|st| a["AssociationStatus"] == st));
    let (page, next) = token_page(&call.params, items)?;
    Ok(json!({ "ResourceShareAssociations": page, "NextToken": next }))
}

fn invitation_json(call: &Call, i: &InvitationView) -> Value {
    json!({
        "ResourceShareInvitationId": i.invitation_id,
        "ResourceShareId": i.resource_share_id,
        "ResourceShareName": i.resource_share_name,
        "SenderAccountId": i.sender_account_id,
        "ReceiverAccountId": call.who.account_id().as_str(),
        "Status": i.status,
        "CreateTime": iso(&i.created_at),
    })
}

async fn list_invitations(call: &Call) -> Result<Value, ApiError> {
    let share_ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let invitation_ids = call.params.list("ResourceShareInvitationIds", None, MAX_LIST_ITEMS)?;
    let items: Vec<Value> = received_invitations(call)
        .await?
        .iter()
        .filter(|i| share_ids.is_empty() || share_ids.contains(&i.resource_share_id))
        .filter(|i| invitation_ids.is_empty() || invitation_ids.contains(&i.invitation_id))
        .map(|i| invitation_json(call, i))
        .collect();
    let (page, next) = token_page(&call.params, items)?;
    Ok(json!({ "ResourceShareInvitations": page, "NextToken": next }))
}

async fn answer_invitation(call: &Call, accept: bool) -> Result<Value, ApiError> {
    let id = call.params.req("ResourceShareInvitationId")?.to_owned();
    let action = if accept { "AcceptInvitation" } else { "RejectInvitation" };
    let answered = { let event = call.event(action, &id); let result = principal::answer(&call.state, &call.who, &id, accept, &event).await; call.finish(&event, result).await }.map_err(|e| {
        // The real API answers an unknown invitation with 409, not 404.
        if e.code == "EntityNotExists.ResourceShareInvitation" { ApiError { status: 409, ..e } } else { e }
    })?;
    Ok(json!({ "ResourceShareInvitation": invitation_json(call, &answered) }))
}

async fn list_shared_resources(call: &Call) -> Result<Value, ApiError> {
    let own = resource_owner(call)?;
    let ids = call.params.list("ResourceIds", None, MAX_LIST_ITEMS)?;
    let share_ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    if call.params.opt("ResourceType").is_some_and(|t| t != RESOURCE_TYPE) {
        return Err(ApiError::invalid("ResourceType"));
    }
    let mut items = Vec::new();
    if own {
        for s in all_shares(call).await?.iter().filter(|s| share_ids.is_empty() || share_ids.contains(&s.resource_share_id)) {
            for r in &s.resources {
                items.push(json!({
                    "ResourceShareId": s.resource_share_id, "ResourceId": r.backup_set_id, "ResourceType": RESOURCE_TYPE,
                    "CreateTime": iso(&s.created_at), "UpdateTime": iso(&s.created_at), "ResourceStatus": "Available", "ResourceStatusMessage": "",
                }));
            }
        }
    } else {
        let page = PageRequest::parse(Some(1), Some(i64::from(crate::domain::MAX_PAGE_SIZE))).map_err(crate::error::AppError::from)?;
        for b in principal::shared_with_me(&call.state, &call.who, call.params.opt("RegionId").map(str::to_owned), page).await?.backups {
            let status = if b.revoking_at.is_some() || b.revoking_after_restore { "Unavailable" } else { "Available" };
            items.push(json!({
                "ResourceShareId": "", "ResourceId": b.backup_set_id, "ResourceType": RESOURCE_TYPE,
                "CreateTime": iso(&b.start_time), "UpdateTime": iso(&b.start_time), "ResourceStatus": status, "ResourceStatusMessage": b.resource_share_names,
            }));
        }
    }
    items.retain(|r| ids.is_empty() || ids.iter().any(|id| r["ResourceId"] == *id.as_str()));
    let (page, next) = token_page(&call.params, items)?;
    Ok(json!({ "SharedResources": page, "NextToken": next }))
}

async fn list_shared_targets(call: &Call) -> Result<Value, ApiError> {
    if !resource_owner(call)? {
        return Err(ApiError::new(400, "UnsupportedOperation", "Targets of other accounts' shares are not listed: use ResourceOwner=Self."));
    }
    let targets = call.params.list("Targets", None, MAX_LIST_ITEMS)?;
    let share_ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let resource_id = call.params.opt("ResourceId");
    let mut items = Vec::new();
    for s in all_shares(call).await?.iter() {
        if !share_ids.is_empty() && !share_ids.contains(&s.resource_share_id) {
            continue;
        }
        if resource_id.is_some_and(|id| !s.resources.iter().any(|r| r.backup_set_id == id)) {
            continue;
        }
        for p in s.principals.iter().filter(|p| targets.is_empty() || targets.contains(&p.principal_id)) {
            items.push(json!({
                "ResourceShareId": s.resource_share_id, "TargetId": p.principal_id,
                "External": s.principal_scope.as_str() == "AllAccounts" && p.principal_type.as_str() == "Account",
                "TargetProperty": "", "CreateTime": iso(&s.created_at), "UpdateTime": iso(&s.created_at),
            }));
        }
    }
    let (page, next) = token_page(&call.params, items)?;
    Ok(json!({ "SharedTargets": page, "NextToken": next }))
}

/// Sharing inside a resource directory is on for every directory here; the call tells a caller outside
/// any directory so, with the real code.
fn enable_sharing_with_directory(call: &Call) -> Result<Value, ApiError> {
    if call.who.account.directory_id.is_none() {
        return Err(ApiError::new(409, "AccountNotInResourceDirectory", "Your account is not in a resource directory."));
    }
    Ok(json!({}))
}

fn list_permissions(call: &Call) -> Result<Value, ApiError> {
    if call.params.opt("ResourceType").is_some_and(|t| t != RESOURCE_TYPE) {
        return Ok(json!({ "Permissions": [], "NextToken": null }));
    }
    let permission = json!({
        "PermissionName": PERMISSION_NAME,
        "DefaultVersion": true,
        "PermissionVersion": "v1",
        "ResourceType": RESOURCE_TYPE,
        "DefaultPermission": true,
        "Permission": r#"{"Statement":[{"Action":["polardb:DescribeSharedBackups","polardb:CreateDBCluster"],"Effect":"Allow"}],"Version":"1"}"#,
        "CreateTime": "2026-01-01T00:00:00.000Z",
        "UpdateTime": "2026-01-01T00:00:00.000Z",
    });
    Ok(json!({ "Permissions": [permission], "NextToken": null }))
}
