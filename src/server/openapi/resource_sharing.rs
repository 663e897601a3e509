//! Resource Sharing 2020-01-10 over the console's services: a share of backup sets is a resource share
//! whose resources have the type [`RESOURCE_TYPE`]. Creating and associating go through the Share
//! dialog's service (`sharing::share_backup_sets`), answering invitations through the Shared With Me
//! page's, lists through the same reads the console pages make. Each action maps its answer to the
//! SDK's models here.

use super::params::MAX_LIST_ITEMS;
use super::{
    iso, token_page, unknown_action, ApiError, Call, Paging, PERMISSION_NAME, RESOURCE_SHARING_VERSION, RESOURCE_TYPE,
};
use crate::command::{ShareMethod, ShareOutcome, ShareRequest};
use crate::domain::{
    check_may_answer_invitations, check_may_manage_shares,
    enable_sharing_with_directory as enable_sharing_with_directory_answer, shown_invitation_status, AssociationStatus,
    ConsolePage, PageRequest, PrincipalChange, PrincipalId, PrincipalScope, Refusal, ShareStatus,
};
use crate::error::AppError;
use crate::read_model::Invitation as InvitationView;
use crate::server::db::{self, api_lists};
use crate::server::internal;
use crate::server::services::{principal, share_settings, sharing};
use serde_json::{json, Value};

/// Every action this version answers, in the order of its documentation. The one list [`dispatch`]
/// answers from (a name missing here is an unknown action even with an arm below), so the tests that
/// call every action (`tests/api/entry_points.rs`) enumerate exactly what a caller can reach.
pub const ACTIONS: &[&str] = &[
    "CreateResourceShare",
    "UpdateResourceShare",
    "DeleteResourceShare",
    "AssociateResourceShare",
    "DisassociateResourceShare",
    "ListResourceShares",
    "ListResourceShareAssociations",
    "ListResourceShareInvitations",
    "AcceptResourceShareInvitation",
    "RejectResourceShareInvitation",
    "ListSharedResources",
    "ListSharedTargets",
    "EnableSharingWithResourceDirectory",
    "CheckSharingWithResourceDirectoryStatus",
    "ListPermissions",
];

pub async fn dispatch(call: &Call, action: &str) -> Result<Value, ApiError> {
    if !ACTIONS.contains(&action) {
        return Err(unknown_action(action, RESOURCE_SHARING_VERSION));
    }
    if let Some(page) = read_permission(action) {
        call.who.actor.may_open(page).map_err(AppError::from)?;
    }
    if let Some((event, target_param, check)) = write_permission(call, action) {
        call.permitted(event, target_param, check).await?;
    }
    match action {
        "CreateResourceShare" => create_resource_share(call).await,
        "UpdateResourceShare" => update_resource_share(call).await,
        "DeleteResourceShare" => delete_resource_share(call).await,
        "AssociateResourceShare" => associate_resource_share(call).await,
        "DisassociateResourceShare" => disassociate_resource_share(call).await,
        "ListResourceShares" => list_resource_shares(call).await,
        "ListResourceShareAssociations" => list_resource_share_associations(call).await,
        "ListResourceShareInvitations" => list_invitations(call).await,
        "AcceptResourceShareInvitation" => answer_invitation(call, true).await,
        "RejectResourceShareInvitation" => answer_invitation(call, false).await,
        "ListSharedResources" => list_shared_resources(call).await,
        "ListSharedTargets" => list_shared_targets(call).await,
        "EnableSharingWithResourceDirectory" => enable_sharing_with_directory(call).await,
        "CheckSharingWithResourceDirectoryStatus" => {
            Ok(json!({ "EnableSharingWithRd": call.who.account.directory_id.is_some() }))
        }
        "ListPermissions" => list_permissions(call),
        _ => Err(unknown_action(action, RESOURCE_SHARING_VERSION)),
    }
}

/// The console page whose read permission an action that only reads takes: the API reads the same
/// objects the page shows, so a RAM user lists by API exactly what it may open in the console (the
/// root, or AliyunResourceCenterFullAccess). Actions that change something are checked by their
/// services, as the console's forms are.
fn read_permission(action: &str) -> Option<ConsolePage> {
    match action {
        "ListResourceShares"
        | "ListResourceShareAssociations"
        | "ListSharedResources"
        | "ListSharedTargets"
        | "ListPermissions"
        | "CheckSharingWithResourceDirectoryStatus"
        | "EnableSharingWithResourceDirectory" => Some(ConsolePage::SharedByMe),
        "ListResourceShareInvitations" => Some(ConsolePage::Invitations),
        _ => None,
    }
}

/// What an action that changes something asks of the caller, checked before any of its parameters is
/// judged (who may act first, as in the console): the audit event a refusal is filed under, the
/// parameter that names its target, and the check. The services check again in their transactions.
fn write_permission(call: &Call, action: &str) -> Option<(&'static str, &'static str, Result<(), Refusal>)> {
    let manage = || check_may_manage_shares(&call.who.actor, &call.who.account);
    let answer = || check_may_answer_invitations(&call.who.actor);
    let joins_a_set = call.params.opt("Resources.1.ResourceId").is_some();
    Some(match action {
        "CreateResourceShare" => ("ShareBackupSet", "Resources.1.ResourceId", manage()),
        "UpdateResourceShare" => ("UpdateResourceShare", "ResourceShareId", manage()),
        "DeleteResourceShare" => ("DeleteResourceShare", "ResourceShareId", manage()),
        "AssociateResourceShare" if joins_a_set => ("ShareBackupSet", "Resources.1.ResourceId", manage()),
        "AssociateResourceShare" => ("AssociateResourceShare", "ResourceShareId", manage()),
        // Leaving another account's share is the principal's side, as answering its invitation is.
        "DisassociateResourceShare" if call.params.opt("ResourceOwner") == Some("OtherAccounts") => {
            ("LeaveResourceShare", "ResourceShareId", answer())
        }
        "DisassociateResourceShare" => ("DisassociateResourceShare", "ResourceShareId", manage()),
        "AcceptResourceShareInvitation" => ("AcceptInvitation", "ResourceShareInvitationId", answer()),
        "RejectResourceShareInvitation" => ("RejectInvitation", "ResourceShareInvitationId", answer()),
        _ => return None,
    })
}

/// `Resources.N.ResourceId` (at most 5) with each `ResourceType` checked.
fn resources(call: &Call) -> Result<Vec<String>, ApiError> {
    let ids = call.params.list("Resources", Some("ResourceId"), MAX_LIST_ITEMS)?;
    for t in call.params.numbered("Resources", Some("ResourceType"), MAX_LIST_ITEMS)? {
        if t != RESOURCE_TYPE {
            return Err(ApiError::new(
                400,
                "InvalidParameter.ResourceType",
                format!("The resource type {t:?} is not supported: backup sets are {RESOURCE_TYPE}."),
            ));
        }
    }
    Ok(ids)
}

fn targets(call: &Call) -> Result<Vec<String>, ApiError> {
    call.params.list("Targets", None, MAX_LIST_ITEMS)
}

/// A share of the caller's own, as Resource Sharing describes a share.
fn share_json(
    call: &Call,
    share_id: &str,
    name: &str,
    scope: PrincipalScope,
    status: ShareStatus,
    created: &str,
    updated: &str,
) -> Value {
    let owner = call.who.account_id().as_str();
    share_json_of(owner, share_id, name, scope == PrincipalScope::AllAccounts, status, created, updated)
}

/// A share as Resource Sharing describes it, whoever owns it.
fn share_json_of(
    owner: &str,
    share_id: &str,
    name: &str,
    allow_external: bool,
    status: ShareStatus,
    created: &str,
    updated: &str,
) -> Value {
    json!({
        "ResourceShareId": share_id,
        "ResourceShareName": name,
        "ResourceShareOwner": owner,
        "ResourceShareStatus": status.as_str(),
        "AllowExternalTargets": allow_external,
        "CreateTime": iso(created),
        "UpdateTime": iso(updated),
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
    let Some((backup, more)) = resources.split_first() else {
        return Err(ApiError::new(
            400,
            "InvalidParameter.Resources",
            "polarshare creates a share with its backup sets: give Resources.1.ResourceId.",
        ));
    };
    let scope = if allow_external { PrincipalScope::AllAccounts } else { PrincipalScope::ResourceDirectory };
    let request = ShareRequest {
        backup_set_id: backup.clone(),
        method: ShareMethod::New { name: name.clone(), scope: scope.as_str().to_owned(), principals: targets },
    };
    let event = call.event("ShareBackupSet", backup);
    let outcome = call
        .audited(
            &event,
            sharing::share_backup_sets(&call.state, &call.who, request, more, &event, call.nonce_in_write()),
        )
        .await?;
    let created = now(call);
    Ok(
        json!({ "ResourceShare": share_json(call, &outcome.resource_share_id, &outcome.resource_share_name, scope, ShareStatus::Active, &created, &created) }),
    )
}

/// Renames a share and, with `AllowExternalTargets`, opens it to external accounts or closes it to its
/// resource directory (refused while external principals remain), in one transaction.
async fn update_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    let name = call.params.req("ResourceShareName")?.to_owned();
    let allow_external = call.params.bool("AllowExternalTargets")?;
    let target = format!("{share_id} -> {name}");
    let event = call.event("UpdateResourceShare", &target);
    let updated = call
        .audited(&event, share_settings::update_share(&call.state, &call.who, &share_id, &name, allow_external, &event))
        .await?;
    let at = now(call);
    Ok(
        json!({ "ResourceShare": share_json(call, &share_id, &updated.name, updated.principal_scope, updated.status, &updated.created_at, &at) }),
    )
}

/// Deletes a share: it is `Deleting` while every principal's access goes through the scheduled
/// revocation, then `Deleted`.
async fn delete_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    let event = call.event("DeleteResourceShare", &share_id);
    call.audited(&event, share_settings::delete_share(&call.state, &call.who, &share_id, &event)).await?;
    Ok(json!({}))
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

fn association(
    share: &ShareOutcome,
    entity: &str,
    entity_type: &str,
    kind: &str,
    status: &str,
    at: &str,
    external: bool,
) -> Value {
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
        "External": external,
    })
}

/// The associations a call changed, from what the share's plan did: backup sets that joined or are
/// leaving, targets invited, associated at once or leaving.
fn outcome_associations(outcome: &ShareOutcome, joined: &[String], leaving: &[String], at: &str) -> Vec<Value> {
    let target = |t: &String, entity: &str, status: &str| {
        association(outcome, t, entity, "Target", status, at, outcome.external.contains(t))
    };
    let mut out: Vec<Value> =
        joined.iter().map(|r| association(outcome, r, RESOURCE_TYPE, "Resource", "Associated", at, false)).collect();
    out.extend(outcome.invited.iter().map(|t| target(t, "Account", "Associating")));
    out.extend(outcome.associated.iter().map(|t| target(t, entity_type(t), "Associated")));
    out.extend(outcome.revoking.iter().map(|t| target(t, entity_type(t), "Disassociating")));
    out.extend(leaving.iter().map(|r| association(outcome, r, RESOURCE_TYPE, "Resource", "Disassociating", at, false)));
    out
}

/// `Targets.N` as principal ids (malformed ones refused before anything is read).
fn target_ids(call: &Call) -> Result<Vec<PrincipalId>, ApiError> {
    Ok(targets(call)?.iter().map(|t| PrincipalId::parse(t).map_err(AppError::from)).collect::<Result<_, _>>()?)
}

/// Adds targets and/or backup sets to the caller's share. The targets are added to the principals the
/// share has when the write transaction reads them, so concurrent calls each keep the others' targets.
async fn associate_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    let resources = resources(call)?;
    let targets = target_ids(call)?;
    if resources.is_empty() && targets.is_empty() {
        return Err(ApiError::new(
            400,
            "ResourceAndTargetBothEmpty",
            "Either a resource or a shared target must be specified.",
        ));
    }
    // Each backup set joining has its own event, as in the console; targets alone are the share's change.
    let event = match resources.first() {
        Some(backup) => call.event("ShareBackupSet", backup),
        None => call.event("AssociateResourceShare", &share_id),
    };
    let principals = if targets.is_empty() { PrincipalChange::Keep } else { PrincipalChange::Add(targets) };
    let change = sharing::ShareChange {
        resource_share_id: share_id,
        principals,
        joining: resources.clone(),
        leaving: Vec::new(),
    };
    let outcome = call
        .audited(&event, sharing::change_share(&call.state, &call.who, change, &event, call.nonce_in_write()))
        .await?;
    Ok(json!({ "ResourceShareAssociations": outcome_associations(&outcome, &resources, &[], &now(call)) }))
}

/// Takes targets and/or backup sets out of the caller's share (both through the scheduled
/// revocation), in one transaction: a target or set that is not associated refuses the whole call. With
/// `ResourceOwner=OtherAccounts`, the caller leaves another account's share.
async fn disassociate_resource_share(call: &Call) -> Result<Value, ApiError> {
    let share_id = call.params.req("ResourceShareId")?.to_owned();
    let resources = resources(call)?;
    match call.params.opt("ResourceOwner").unwrap_or("Self") {
        "Self" => {}
        "OtherAccounts" => return leave_share(call, &share_id).await,
        _ => return Err(ApiError::invalid("ResourceOwner")),
    }
    let targets = target_ids(call)?;
    if resources.is_empty() && targets.is_empty() {
        return Err(ApiError::new(
            400,
            "ResourceAndTargetBothEmpty",
            "Either a resource or a shared target must be specified.",
        ));
    }
    let named: Vec<&str> =
        targets.iter().map(PrincipalId::as_str).chain(resources.iter().map(String::as_str)).collect();
    let event = call.event("DisassociateResourceShare", &format!("{share_id} / {}", named.join(",")));
    let principals = if targets.is_empty() { PrincipalChange::Keep } else { PrincipalChange::Remove(targets) };
    let change = sharing::ShareChange {
        resource_share_id: share_id,
        principals,
        joining: Vec::new(),
        leaving: resources.clone(),
    };
    let outcome = call.audited(&event, sharing::change_share(&call.state, &call.who, change, &event, None)).await?;
    Ok(json!({ "ResourceShareAssociations": outcome_associations(&outcome, &[], &resources, &now(call)) }))
}

/// The caller leaves another account's share it accepted an invitation to; one its resource
/// directory gave it can't be left (`LeavingFailed.Account`).
async fn leave_share(call: &Call, share_id: &str) -> Result<Value, ApiError> {
    let event = call.event("LeaveResourceShare", share_id);
    let name = call.audited(&event, share_settings::leave_share(&call.state, &call.who, share_id, &event)).await?;
    let at = iso(&now(call));
    Ok(json!({ "ResourceShareAssociations": [{
        "ResourceShareId": share_id, "ResourceShareName": name, "EntityId": call.who.account_id().as_str(), "EntityType": "Account",
        "AssociationType": "Target", "AssociationStatus": "Disassociating", "AssociationStatusMessage": "", "CreateTime": at, "UpdateTime": at, "External": true,
    }] }))
}

fn resource_owner(call: &Call) -> Result<bool, ApiError> {
    match call.params.req("ResourceOwner")? {
        "Self" => Ok(true),
        "OtherAccounts" => Ok(false),
        _ => Err(ApiError::invalid("ResourceOwner")),
    }
}

fn db_error(e: sqlx::Error) -> ApiError {
    ApiError::from(internal(e))
}

async fn list_resource_shares(call: &Call) -> Result<Value, ApiError> {
    let own = resource_owner(call)?;
    let ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let status = match call.params.opt("ResourceShareStatus") {
        None => None,
        Some(s) => Some(ShareStatus::parse(s).ok_or_else(|| ApiError::invalid("ResourceShareStatus"))?.as_str()),
    };
    let query = api_lists::ShareQuery { ids: &ids, name: call.params.opt("ResourceShareName"), status };
    let paging = Paging::read(&call.params)?;
    let me = call.who.account_id().as_str();
    let (items, next) = if own {
        let rows = call
            .state
            .writer
            .own_share_pages
            .page(&call.state.pool, me, &query, &paging.after, paging.max)
            .await
            .map_err(db_error)?;
        let (rows, next) = paging.cut(&rows, api_lists::OwnShareRow::sort_key);
        let items: Vec<Value> = rows
            .iter()
            .map(|s| {
                share_json(
                    call,
                    &s.resource_share_id,
                    &s.resource_share_name,
                    s.principal_scope,
                    s.status,
                    &s.created_at,
                    &s.updated_at,
                )
            })
            .collect();
        (items, next)
    } else {
        let rows = principal::received_shares(&call.state, &call.who, &query, &paging.after, paging.max).await?;
        let (rows, next) = paging.cut(&rows, api_lists::ReceivedShareRow::sort_key);
        let items: Vec<Value> = rows
            .iter()
            .map(|s| {
                share_json_of(
                    &s.owner_account_id,
                    &s.resource_share_id,
                    &s.resource_share_name,
                    true,
                    s.status,
                    &s.created_at,
                    &s.updated_at,
                )
            })
            .collect();
        (items, next)
    };
    Ok(json!({ "ResourceShares": items, "NextToken": next }))
}

/// Resource Sharing's association state of a target: an invited principal is still "Associating",
/// one whose invitation ended unanswered "Failed".
fn target_status(row: &api_lists::TargetRow) -> &'static str {
    use crate::domain::InvitationStatus as Invitation;
    match (row.status, row.invitation_status) {
        (AssociationStatus::Associated, Some(Invitation::Pending)) => "Associating",
        (AssociationStatus::Associated, Some(Invitation::Rejected | Invitation::Expired | Invitation::Cancelled)) => {
            "Failed"
        }
        (other, _) => other.as_str(),
    }
}

fn target_association(row: &api_lists::TargetRow) -> Value {
    json!({
        "ResourceShareId": row.resource_share_id,
        "ResourceShareName": row.resource_share_name,
        "EntityId": row.principal_id,
        "EntityType": row.principal_type.as_str(),
        "AssociationType": "Target",
        "AssociationStatus": target_status(row),
        "AssociationStatusMessage": "",
        "CreateTime": iso(&row.created_at),
        "UpdateTime": iso(&row.created_at),
        "External": row.external,
    })
}

fn resource_association(row: &api_lists::ResourceRow) -> Value {
    json!({
        "ResourceShareId": row.resource_share_id,
        "ResourceShareName": row.resource_share_name,
        "EntityId": row.backup_set_id,
        "EntityType": RESOURCE_TYPE,
        "AssociationType": "Resource",
        "AssociationStatus": row.status.as_str(),
        "AssociationStatusMessage": "",
        "CreateTime": iso(&row.created_at),
        "UpdateTime": iso(&row.created_at),
        "External": false,
    })
}

async fn list_resource_share_associations(call: &Call) -> Result<Value, ApiError> {
    let kind = match call.params.req("AssociationType")? {
        k @ ("Resource" | "Target") => k,
        _ => return Err(ApiError::invalid("AssociationType")),
    };
    let ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let (resource_id, target) = (call.params.opt("ResourceId"), call.params.opt("Target"));
    if (kind == "Target" && resource_id.is_some()) || (kind == "Resource" && target.is_some()) {
        return Err(ApiError::new(
            400,
            "ConflictedAssociationType",
            "The specified ResourceId or Target conflicts with AssociationType.",
        ));
    }
    let status = match call.params.opt("AssociationStatus") {
        None => None,
        Some(s @ ("Associating" | "Associated" | "Failed" | "Disassociating" | "Disassociated")) => Some(s),
        Some(_) => return Err(ApiError::invalid("AssociationStatus")),
    };
    let paging = Paging::read(&call.params)?;
    let me = call.who.account_id().as_str();
    // A status filter is applied to each page as read, so a page may hold fewer rows than MaxResults
    // (with a NextToken while more rows follow), as the real service's lists may.
    let (items, next) = if kind == "Resource" {
        let query = api_lists::AssociationQuery { share_ids: &ids, entity: resource_id, ..Default::default() };
        let rows =
            api_lists::resources(&call.state.pool, me, &query, &paging.after, paging.max).await.map_err(db_error)?;
        let (rows, next) = paging.cut(&rows, api_lists::ResourceRow::sort_key);
        (rows.iter().map(resource_association).collect::<Vec<_>>(), next)
    } else {
        let query = api_lists::AssociationQuery { share_ids: &ids, entity: target, ..Default::default() };
        let rows =
            api_lists::targets(&call.state.pool, me, &query, &paging.after, paging.max).await.map_err(db_error)?;
        let (rows, next) = paging.cut(&rows, api_lists::TargetRow::sort_key);
        (rows.iter().map(target_association).collect::<Vec<_>>(), next)
    };
    let items: Vec<Value> =
        items.into_iter().filter(|a| status.is_none_or(|st| a["AssociationStatus"] == st)).collect();
    Ok(json!({ "ResourceShareAssociations": items, "NextToken": next }))
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
    let paging = Paging::read(&call.params)?;
    let rows = api_lists::invitations(
        &call.state.pool,
        call.who.account_id().as_str(),
        &share_ids,
        &invitation_ids,
        &paging.after,
        paging.max,
    )
    .await
    .map_err(db_error)?;
    let (rows, next) = paging.cut(&rows, api_lists::invitation_sort_key);
    let now = call.state.clock.now();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let expires = db::parse_ts(&r.expires_at).map_err(|e| ApiError::from(internal(e)))?;
        let status = shown_invitation_status(
            r.status,
            expires,
            r.access_ends_at.is_some(),
            r.removal_running(now).map_err(|e| ApiError::from(internal(e)))?,
            now,
        );
        let view = InvitationView {
            invitation_id: r.invitation_id.clone(),
            resource_share_id: r.resource_share_id.clone(),
            resource_share_name: r.resource_share_name.clone(),
            sender_account_id: r.sender_account_id.clone(),
            resources: Vec::new(),
            created_at: r.created_at.clone(),
            expires_at: r.expires_at.clone(),
            status,
        };
        items.push(invitation_json(call, &view));
    }
    Ok(json!({ "ResourceShareInvitations": items, "NextToken": next }))
}

async fn answer_invitation(call: &Call, accept: bool) -> Result<Value, ApiError> {
    let id = call.params.req("ResourceShareInvitationId")?.to_owned();
    let action = if accept { "AcceptInvitation" } else { "RejectInvitation" };
    let event = call.event(action, &id);
    let answered =
        call.audited(&event, principal::answer(&call.state, &call.who, &id, accept, &event)).await.map_err(|e| {
            // The real API answers an unknown invitation with 409, not 404.
            if e.code == "EntityNotExists.ResourceShareInvitation" {
                ApiError { status: 409, ..e }
            } else {
                e
            }
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
    // Target names the principal here (the owner when ResourceOwner=OtherAccounts).
    let target = call.params.opt("Target");
    if own {
        if target.is_some_and(|t| PrincipalId::parse(t).is_err()) {
            return Err(ApiError::invalid("Target"));
        }
        let paging = Paging::read(&call.params)?;
        let query = api_lists::AssociationQuery {
            share_ids: &share_ids,
            entities: &ids,
            shared_with: target,
            ..Default::default()
        };
        let rows =
            api_lists::resources(&call.state.pool, call.who.account_id().as_str(), &query, &paging.after, paging.max)
                .await
                .map_err(db_error)?;
        let (rows, next) = paging.cut(&rows, api_lists::ResourceRow::sort_key);
        let items: Vec<Value> = rows
            .iter()
            .map(|r| {
                let status = if r.status == AssociationStatus::Associated { "Available" } else { "Unavailable" };
                json!({
                    "ResourceShareId": r.resource_share_id, "ResourceId": r.backup_set_id, "ResourceType": RESOURCE_TYPE,
                    "CreateTime": iso(&r.created_at), "UpdateTime": iso(&r.created_at), "ResourceStatus": status, "ResourceStatusMessage": "",
                })
            })
            .collect();
        return Ok(json!({ "SharedResources": items, "NextToken": next }));
    }
    // The backup sets shared with the caller are the Shared With Me page's, one region at a time, read
    // page by page to its end (the NextToken pages over the whole list); ResourceIds, ResourceShareIds
    // and Target (the owner) narrow it first. Each set is listed once per share that gives it, as the
    // service does.
    let owner = target;
    if owner.is_some_and(|o| crate::domain::AccountId::parse(o).is_none()) {
        return Err(ApiError::invalid("Target"));
    }
    let filter = principal::IncomingFilter { backup_sets: &ids, share_ids: &share_ids, owner, cluster: None };
    let region = call.params.opt("RegionId").map(str::to_owned);
    let mut items = Vec::new();
    for number in 1.. {
        let page = PageRequest::parse(Some(number), Some(i64::from(crate::domain::MAX_PAGE_SIZE)))
            .map_err(crate::error::AppError::from)?;
        let list = principal::shared_with_me(&call.state, &call.who, region.clone(), filter, page).await?;
        for b in &list.backups {
            let set_revoking = b.revoking_at.is_some() || b.revoking_after_restore;
            for share_id in &b.resource_share_ids {
                // Available through a share that gives it for use, as ListResourceShares lists that share.
                let status = if set_revoking || b.resource_shares_revoking.contains(share_id) {
                    "Unavailable"
                } else {
                    "Available"
                };
                items.push(json!({
                    "ResourceShareId": share_id, "ResourceId": b.backup_set_id, "ResourceType": RESOURCE_TYPE,
                    "CreateTime": iso(&b.start_time), "UpdateTime": iso(&b.start_time), "ResourceStatus": status, "ResourceStatusMessage": "",
                }));
            }
        }
        if list.backups.is_empty() || number * i64::from(crate::domain::MAX_PAGE_SIZE) >= list.total {
            break;
        }
    }
    let (page, next) = token_page(&call.params, items)?;
    Ok(json!({ "SharedResources": page, "NextToken": next }))
}

async fn list_shared_targets(call: &Call) -> Result<Value, ApiError> {
    if !resource_owner(call)? {
        return Err(ApiError::new(
            400,
            "UnsupportedOperation",
            "Targets of other accounts' shares are not listed: use ResourceOwner=Self.",
        ));
    }
    let targets = call.params.list("Targets", None, MAX_LIST_ITEMS)?;
    let share_ids = call.params.list("ResourceShareIds", None, MAX_LIST_ITEMS)?;
    let query = api_lists::AssociationQuery {
        share_ids: &share_ids,
        entities: &targets,
        holding: call.params.opt("ResourceId"),
        ..Default::default()
    };
    let paging = Paging::read(&call.params)?;
    let rows = api_lists::targets(&call.state.pool, call.who.account_id().as_str(), &query, &paging.after, paging.max)
        .await
        .map_err(db_error)?;
    let (rows, next) = paging.cut(&rows, api_lists::TargetRow::sort_key);
    let items: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "ResourceShareId": p.resource_share_id, "TargetId": p.principal_id,
                "External": p.external,
                "TargetProperty": "", "CreateTime": iso(&p.created_at), "UpdateTime": iso(&p.created_at),
            })
        })
        .collect();
    Ok(json!({ "SharedTargets": items, "NextToken": next }))
}

/// Enabling sharing with a resource directory: the management account's call, which finds it enabled
/// (it is on for every directory here); any other caller is refused. Either way nothing changes, and
/// the refusal is audited as any refused write is.
async fn enable_sharing_with_directory(call: &Call) -> Result<Value, ApiError> {
    let manages = db::directory::managed_directory(&call.state.pool, call.who.account_id().as_str())
        .await
        .map_err(internal)?
        .is_some();
    let refusal = AppError::from(enable_sharing_with_directory_answer(manages));
    call.audited(&call.event("EnableSharingWithResourceDirectory", "-"), async { Err::<Value, _>(refusal) }).await
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
