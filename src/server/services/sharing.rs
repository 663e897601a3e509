//! Sharing a backup set: the Share dialog's OK button, for both methods, in one transaction.

use super::facts;
use crate::api::types::{ShareMethod, ShareOutcome, ShareRequest};
use crate::domain::{
    check_principal_limit, check_principals, check_quota, check_sharer, check_unlocked, shareability, BackupSetAccess,
    BackupSetId, OwnerFacts, PrincipalFacts, PrincipalId, PrincipalScope, PrincipalTargetKind, ResourceShareName,
    ShareError,
};
use crate::error::AppError;
use crate::server::auth::Identity;
use crate::server::db::{self, accounts, clusters, incoming, shares, Tx};
use crate::server::{ids, internal, state::AppState};
use std::collections::BTreeSet;
use time::Duration;

/// Invitations to accounts outside the owner's resource directory are valid for 7 days.
pub const INVITATION_VALIDITY: Duration = Duration::days(7);

/// Where the backup set goes: a share created now, or one the owner already has. `S` is the existing
/// share as requested (its id) and then as loaded (its row).
enum Target<S> {
    New { name: ResourceShareName, scope: PrincipalScope },
    Existing(S),
}

#[tracing::instrument(skip(state, who, request), fields(account = %who.account_id(), backup_set = %request.backup_set_id))]
pub async fn share_backup_set(state: &AppState, who: &Identity, request: ShareRequest) -> Result<ShareOutcome, AppError> {
    // Malformed input is refused before the database is touched.
    let backup_id = BackupSetId::parse(&request.backup_set_id)?;
    let (target_input, requested_principals) = parse_method(request.method)?;

    let now = state.clock.now();
    let now_s = db::ts(now);
    let (_turn, mut tx) = state.begin_write().await.map_err(internal)?;
    let me = who.account_id().as_str();

    let owner_row = accounts::account(&mut *tx, me).await.map_err(internal)?.ok_or_else(AppError::unauthenticated)?;
    let owner = facts::owner(&owner_row).map_err(internal)?;

    let backup = clusters::backup_set(&mut *tx, backup_id.as_str()).await.map_err(internal)?.filter(|b| b.deleted_at.is_none());
    let access = match &backup {
        Some(b) if b.account_id == me => BackupSetAccess::Owned,
        Some(_) if incoming::shared_backup(&mut *tx, me, backup_id.as_str()).await.map_err(internal)?.is_some() => {
            BackupSetAccess::SharedWithActor
        }
        _ => BackupSetAccess::NotVisible,
    };
    check_sharer(&who.actor, &owner, access, &backup_id)?;
    let backup = backup.ok_or_else(AppError::internal)?;
    let cluster = clusters::cluster(&mut *tx, &backup.cluster_id).await.map_err(internal)?.ok_or_else(AppError::internal)?;
    shareability(&facts::cluster(&cluster).map_err(internal)?, &facts::backup_set(&backup).map_err(internal)?, now)?;

    let target: Target<shares::ShareRow> = match target_input {
        Target::New { name, scope } => {
            if shares::name_taken(&mut tx, me, name.as_str()).await.map_err(internal)? {
                return Err(ShareError::NameTaken { name: name.as_str().to_owned() }.into());
            }
            Target::New { name, scope }
        }
        Target::Existing(id) => {
            let share = shares::share(&mut *tx, &id)
                .await
                .map_err(internal)?
                .filter(|s| s.owner_account_id == me)
                .ok_or(ShareError::ShareNotFound)?;
            if share.status != "Active" {
                return Err(ShareError::ShareNotActive.into());
            }
            Target::Existing(share)
        }
    };

    let (share_id, scope, existing_resources, current_principals) = match &target {
        Target::New { scope, .. } => (ids::resource_share_id(), *scope, Vec::new(), BTreeSet::new()),
        Target::Existing(share) => {
            let scope = PrincipalScope::parse(&share.principal_scope).ok_or_else(AppError::internal)?;
            let resources = shares::resources_of_share(&mut *tx, &share.resource_share_id).await.map_err(internal)?;
            let principals: BTreeSet<PrincipalId> = shares::principals_of_share(&mut *tx, &share.resource_share_id)
                .await
                .map_err(internal)?
                .into_iter()
                .filter(|p| p.status == "Associated")
                .filter_map(|p| PrincipalId::parse(&p.principal_id).ok())
                .collect();
            (share.resource_share_id.clone(), scope, resources, principals)
        }
    };

    // The share's principals after this request, and how each new one is to be associated.
    let plan = match &requested_principals {
        Some(list) => {
            let facts = principal_facts(&mut tx, list).await?;
            check_principals(&owner, scope, &facts, matches!(target, Target::New { .. }))?
        }
        None => Vec::new(),
    };
    let wanted: BTreeSet<PrincipalId> = match &requested_principals {
        Some(list) => list.iter().cloned().collect(),
        None => current_principals.clone(),
    };
    let added: Vec<&(PrincipalId, PrincipalTargetKind)> = plan.iter().filter(|(p, _)| !current_principals.contains(p)).collect();
    let removed: Vec<&PrincipalId> = current_principals.difference(&wanted).collect();

    // A locked backup set's sharing can't change: adding it was checked above; changing the principals
    // of a share touches every set already in it.
    if !added.is_empty() || !removed.is_empty() {
        for r in &existing_resources {
            let id = BackupSetId::parse(&r.backup_set_id).map_err(internal)?;
            check_unlocked(&id, facts::lock(&r.lock_state).map_err(internal)?)?;
        }
    }

    // At most 64 principals on every backup set the share will hold.
    let mut in_share: BTreeSet<String> = existing_resources.iter().map(|r| r.backup_set_id.clone()).collect();
    in_share.insert(backup_id.to_string());
    let mut others = Vec::with_capacity(in_share.len());
    for set in &in_share {
        let via_others = shares::principals_via_other_shares(&mut tx, set, &share_id).await.map_err(internal)?;
        let ids = via_others.iter().filter_map(|p| PrincipalId::parse(p).ok()).collect();
        others.push((BackupSetId::parse(set).map_err(internal)?, ids));
    }
    check_principal_limit(&wanted, &others)?;

    // The quota counts distinct shared backup sets; one already shared elsewhere costs nothing more.
    // Counting the owner's shared sets is the costliest read here and only matters for a set not yet shared.
    if !shares::is_shared_resource(&mut tx, backup_id.as_str()).await.map_err(internal)? {
        let currently_shared = shares::shared_resource_count(&mut *tx, me).await.map_err(internal)?;
        check_quota(u32::try_from(currently_shared).map_err(internal)?, 1, owner.share_quota)?;
    }

    // Every rule passed: write the outcome.
    let name = match &target {
        Target::New { name, scope } => {
            let new = shares::NewShare { share_id: &share_id, owner: me, name: name.as_str(), scope: scope.as_str(), now: &now_s };
            shares::insert_share(&mut tx, &new).await.map_err(internal)?;
            name.as_str().to_owned()
        }
        Target::Existing(share) => share.resource_share_name.clone(),
    };
    shares::insert_share_resource(&mut tx, &share_id, backup_id.as_str(), &now_s).await.map_err(internal)?;
    let outcome = write_principal_changes(state, &mut tx, &owner, &share_id, &added, &removed, &now_s, now).await?;
    shares::touch_share(&mut tx, &share_id, &now_s).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    tracing::info!(share = %share_id, invited = outcome.0.len(), "backup set shared");
    Ok(ShareOutcome {
        resource_share_id: share_id,
        resource_share_name: name,
        invited: outcome.0,
        associated: outcome.1,
        revoking: outcome.2,
    })
}

/// Parses the dialog's input: name, scope and every principal id, before anything is loaded.
fn parse_method(method: ShareMethod) -> Result<(Target<String>, Option<Vec<PrincipalId>>), AppError> {
    let parse_all = |list: &[String]| -> Result<Vec<PrincipalId>, AppError> {
        if list.len() > 1_000 {
            return Err(AppError::invalid("InvalidParameter.Targets.Length", "Too many principals in one request."));
        }
        list.iter().map(|p| PrincipalId::parse(p).map_err(AppError::from)).collect()
    };
    match method {
        ShareMethod::New { name, scope, principals } => {
            let name = ResourceShareName::parse(&name)?;
            let scope = PrincipalScope::parse(&scope).ok_or_else(|| {
                AppError::invalid("InvalidParameter.PrincipalScope", "Choose All Accounts or Objects Within Resource Directory.")
            })?;
            Ok((Target::New { name, scope }, Some(parse_all(&principals)?)))
        }
        ShareMethod::Existing { resource_share_id, principals } => {
            let id_ok = resource_share_id.len() <= 64
                && resource_share_id.strip_prefix("rs-").is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()));
            if !id_ok {
                return Err(AppError::invalid("InvalidParameter.ResourceShareId", "Select a resource share."));
            }
            let principals = principals.as_deref().map(parse_all).transpose()?;
            Ok((Target::Existing(resource_share_id), principals))
        }
    }
}

/// Looks up each requested principal: whether it exists, its site and its resource directory.
async fn principal_facts(tx: &mut Tx, list: &[PrincipalId]) -> Result<Vec<PrincipalFacts>, AppError> {
    let mut out = Vec::with_capacity(list.len());
    for id in list {
        let found = match id {
            PrincipalId::Account(a) => accounts::lookup_account_principal(&mut **tx, a.as_str()).await,
            PrincipalId::ResourceDirectory(d) => accounts::lookup_directory_principal(&mut **tx, d).await,
            PrincipalId::Folder(f) => accounts::lookup_folder_principal(&mut **tx, f).await,
        }
        .map_err(internal)?;
        out.push(PrincipalFacts {
            id: id.clone(),
            exists: found.is_some(),
            site: found.as_ref().and_then(|f| f.site.as_deref()).and_then(crate::domain::Site::parse),
            directory_id: found.and_then(|f| f.directory_id),
        });
    }
    Ok(out)
}

/// Associates the added principals (inviting those that must accept) and schedules the revocation of the
/// removed ones. Returns (invited, associated at once, revoking).
#[allow(clippy::too_many_arguments)]
async fn write_principal_changes(
    state: &AppState,
    tx: &mut Tx,
    owner: &OwnerFacts,
    share_id: &str,
    added: &[&(PrincipalId, PrincipalTargetKind)],
    removed: &[&PrincipalId],
    now_s: &str,
    now: time::OffsetDateTime,
) -> Result<(Vec<String>, Vec<String>, Vec<String>), AppError> {
    let (mut invited, mut associated, mut revoking) = (Vec::new(), Vec::new(), Vec::new());
    let expires = db::ts(now + INVITATION_VALIDITY);
    for (principal, kind) in added {
        shares::associate_principal(tx, share_id, principal.as_str(), principal.type_name(), now_s).await.map_err(internal)?;
        match (kind, principal) {
            (PrincipalTargetKind::MustAccept, PrincipalId::Account(a)) => {
                shares::ensure_invitation(tx, &ids::invitation_id(), share_id, owner.account_id.as_str(), a.as_str(), now_s, &expires)
                    .await
                    .map_err(internal)?;
                invited.push(a.to_string());
            }
            _ => associated.push(principal.to_string()),
        }
    }
    let revoke_at = db::ts(now + state.settings.revocation_delay);
    for principal in removed {
        shares::start_revoking_principal(tx, share_id, principal.as_str(), &revoke_at).await.map_err(internal)?;
        if let PrincipalId::Account(a) = principal {
            shares::cancel_pending_invitations(tx, share_id, a.as_str(), now_s).await.map_err(internal)?;
        }
        revoking.push(principal.to_string());
    }
    Ok((invited, associated, revoking))
}
