//! Sharing a backup set: the Share dialog's OK button, for both methods, in one transaction (shared
//! with other shares made at the same moment: see `db::group`).


use crate::server::audit::Event;
use crate::api::types::{ShareMethod, ShareOutcome, ShareRequest};
use crate::domain::{
    check_no_pending_invitation, check_pending_invitation_limit, check_principal_limit, check_principals, check_share_quota,
    check_sharer, principal_change_timing, shareability_in_share, Actor, BackupSetAccess, BackupSetId, PrincipalFacts,
    PrincipalId, PrincipalScope, PrincipalTargetKind, PrincipalType, ShareStatus, RemovalTiming, ResourceShareName, ShareError,
};
use crate::error::AppError;
use crate::server::auth::Identity;
use crate::server::db::group::{Failure, GroupFailed};
use crate::server::db::{self, shares, Tx};
use crate::server::{ids, internal, state::AppState};
use futures::FutureExt;
use std::collections::{BTreeMap, BTreeSet};
use time::{Duration, OffsetDateTime};

/// Invitations to accounts outside the owner's resource directory are valid for 7 days.
pub const INVITATION_VALIDITY: Duration = Duration::days(7);

/// Where the backup set goes: a share created now, or one the owner already has. `S` is the existing
/// share as requested (its id) and then as loaded (its row).
enum Target<S> {
    New { name: ResourceShareName, scope: PrincipalScope },
    Existing(S),
}

#[tracing::instrument(skip(state, who, request), fields(account = %who.account_id(), backup_set = %request.backup_set_id))]
pub async fn share_backup_set(state: &AppState, who: &Identity, request: ShareRequest, event: &Event) -> Result<ShareOutcome, AppError> {
    // Malformed input is refused before the database is touched.
    let backup_id = BackupSetId::parse(&request.backup_set_id)?;
    let (target, principals) = parse_method(request.method)?;
    let job = ShareJob {
        actor: who.actor.clone(),
        backup_id,
        target,
        principals,
        now: state.clock.now(),
        revocation_delay: state.settings.revocation_delay,
        max_pending_invitations: state.settings.max_pending_invitations,
        event: event.clone(),
    };
    let answer = state
        .writer
        .groups
        .run(move |tx| {
            async move {
                // A refusal (or a failure to read) has written nothing: the rest of the group stands.
                // A failure while writing may have left half a share: the group is rolled back.
                let plan = decide(tx, &job).await.map_err(Failure::Refused)?;
                write(tx, &job, plan).await.map_err(|e| Failure::Broken(internal(e)))
            }
            .boxed()
        })
        .await;
    match answer {
        Ok(Ok(outcome)) => {
            // The group transaction that committed the share held its event.
            event.mark_recorded();
            tracing::info!(share = %outcome.resource_share_id, invited = outcome.invited.len(), "backup set shared");
            Ok(outcome)
        }
        Ok(Err(refused)) => Err(refused),
        Err(GroupFailed) => Err(internal(anyhow::anyhow!("the group transaction holding this share did not commit"))),
    }
}

/// One Share dialog request, parsed, on its way to a group transaction.
struct ShareJob {
    actor: Actor,
    backup_id: BackupSetId,
    target: Target<String>,
    principals: Option<Vec<PrincipalId>>,
    now: OffsetDateTime,
    revocation_delay: Duration,
    max_pending_invitations: u32,
    /// The action's audit event, written with the share in the group transaction.
    event: Event,
}

/// What a share request writes once every rule has passed.
struct SharePlan {
    share_id: String,
    name: String,
    /// For a new share: its scope.
    new_share_scope: Option<PrincipalScope>,
    associate: Vec<(String, PrincipalType)>,
    revoke: Vec<String>,
    timing: RemovalTiming,
    changes: PrincipalChanges,
}

/// Loads the facts and checks every rule against the database as it is (including shares earlier in
/// the same group): reads only, so a refusal here has changed nothing.
async fn decide(tx: &mut Tx, job: &ShareJob) -> Result<SharePlan, AppError> {
    let ShareJob { actor, backup_id, target: target_input, principals: requested_principals, now, .. } = job;
    let now = *now;
    let now_s = db::ts(now);
    let me = actor.account_id.as_str();
    let share_id = match target_input {
        Target::New { .. } => ids::resource_share_id(),
        Target::Existing(id) => id.clone(),
    };
    let requested: Vec<(&str, PrincipalType)> =
        requested_principals.iter().flatten().map(|p| (p.as_str(), p.principal_type())).collect();

    let ctx = shares::share_context(
        tx,
        &shares::ShareContextQuery {
            owner: me,
            backup_set_id: backup_id.as_str(),
            new_name: match target_input {
                Target::New { name, .. } => Some(name.as_str()),
                Target::Existing(_) => None,
            },
            share_id: &share_id,
            principals: &requested,
            now: &now_s,
        },
    )
    .await
    .map_err(internal)?;

    let owner = ctx.owner.as_ref().ok_or_else(AppError::unauthenticated)?.facts().map_err(internal)?;
    let backup = ctx.backup.as_ref().filter(|b| b.deleted_at.is_none());
    let access = match backup {
        Some(b) if b.account_id == me => BackupSetAccess::Owned,
        // Only a refusal depends on this (no re-sharing), so it is looked up only then.
        Some(_) if super::principal::is_shared_with(tx, me, backup_id.as_str()).await? => {
            BackupSetAccess::SharedWithActor
        }
        _ => BackupSetAccess::NotVisible,
    };
    check_sharer(actor, &owner, access, backup_id)?;
    let backup = backup.ok_or_else(AppError::internal)?;
    let cluster = ctx.cluster.as_ref().ok_or_else(AppError::internal)?;
    let already_in_share = ctx.resources.iter().any(|r| r.backup_set_id == backup_id.as_str());
    shareability_in_share(&cluster.facts(), &backup.facts().map_err(internal)?, already_in_share, now)?;

    let target: Target<&shares::ShareRow> = match target_input {
        Target::New { name, scope } => {
            if ctx.name_taken {
                return Err(ShareError::NameTaken { name: name.as_str().to_owned() }.into());
            }
            Target::New { name: name.clone(), scope: *scope }
        }
        Target::Existing(_) => {
            let share = ctx.share.as_ref().filter(|s| s.owner_account_id == me).ok_or(ShareError::ShareNotFound)?;
            if share.status != ShareStatus::Active {
                return Err(ShareError::ShareNotActive.into());
            }
            Target::Existing(share)
        }
    };

    let (scope, current_principals) = match &target {
        Target::New { scope, .. } => (*scope, BTreeSet::new()),
        Target::Existing(share) => {
            let scope = share.principal_scope;
            let principals: BTreeSet<PrincipalId> = ctx.principals.iter().filter_map(|p| PrincipalId::parse(p).ok()).collect();
            (scope, principals)
        }
    };

    // The share's principals after this request, and how each new one is to be associated.
    let plan = match &requested_principals {
        Some(list) => check_principals(&owner, scope, &principal_facts(list, &ctx.lookups)?, matches!(target, Target::New { .. }))?,
        None => Vec::new(),
    };
    let wanted: BTreeSet<PrincipalId> = match &requested_principals {
        Some(list) => list.iter().cloned().collect(),
        None => current_principals.clone(),
    };
    let added: Vec<&(PrincipalId, PrincipalTargetKind)> = plan.iter().filter(|(p, _)| !current_principals.contains(p)).collect();
    let removed: Vec<&PrincipalId> = current_principals.difference(&wanted).collect();

    // A locked backup set's sharing can't change: adding it was checked above; changing the principals
    // of a share touches every set already in it. Removals during a restore wait for it to end instead
    // of being refused, so a principal restoring again and again can't keep the owner from removing it.
    let timing = if !added.is_empty() || !removed.is_empty() {
        let locks = ctx
            .resources
            .iter()
            .map(|r| Ok((BackupSetId::parse(&r.backup_set_id).map_err(internal)?, r.lock_state)))
            .collect::<Result<Vec<_>, AppError>>()?;
        principal_change_timing(!added.is_empty(), &locks)?
    } else {
        RemovalTiming::Now
    };

    // At most 64 principals on every backup set the share will hold.
    let mut others: BTreeMap<&str, BTreeSet<PrincipalId>> = ctx.resources.iter().map(|r| (r.backup_set_id.as_str(), BTreeSet::new())).collect();
    others.entry(backup_id.as_str()).or_default();
    for (set, principal) in &ctx.others {
        if let (Some(ids), Ok(p)) = (others.get_mut(set.as_str()), PrincipalId::parse(principal)) {
            ids.insert(p);
        }
    }
    let others = others
        .into_iter()
        .map(|(set, ids)| Ok((BackupSetId::parse(set).map_err(internal)?, ids)))
        .collect::<Result<Vec<_>, AppError>>()?;
    check_principal_limit(&wanted, &others)?;

    // The quota counts distinct shared backup sets; one already shared elsewhere costs nothing more.
    check_share_quota(ctx.already_shared, u32::try_from(ctx.shared_count).map_err(internal)?, owner.share_quota)?;

    // Invitations are bounded: no second one to an account that has not answered the first for the
    // same backup set, and at most so many outstanding per owner. Read in this (group) transaction, so
    // concurrent requests see each other's invitations and the cap holds exactly.
    let outcome = PrincipalChanges::of(&added, &removed);
    for invitee in &outcome.invited {
        check_no_pending_invitation(invitee, backup_id.as_str(), ctx.pending_invitees.iter().any(|p| p == invitee))?;
    }
    let new_invitations = u32::try_from(outcome.invited.len()).map_err(internal)?;
    check_pending_invitation_limit(u32::try_from(ctx.pending_count).map_err(internal)?, new_invitations, job.max_pending_invitations)?;

    let name = match &target {
        Target::New { name, .. } => name.as_str().to_owned(),
        Target::Existing(share) => share.resource_share_name.clone(),
    };
    Ok(SharePlan {
        share_id,
        name,
        new_share_scope: match &target {
            Target::New { scope, .. } => Some(*scope),
            Target::Existing(_) => None,
        },
        associate: added.iter().map(|(p, _)| (p.as_str().to_owned(), p.principal_type())).collect(),
        revoke: removed.iter().map(|p| p.as_str().to_owned()).collect(),
        timing,
        changes: outcome,
    })
}

/// Writes what [`decide`] planned, with the action's audit event, in the group's transaction.
async fn write(tx: &mut Tx, job: &ShareJob, plan: SharePlan) -> anyhow::Result<ShareOutcome> {
    let now = job.now;
    let now_s = db::ts(now);
    let associate: Vec<(&str, PrincipalType)> = plan.associate.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let invite: Vec<(String, &str)> = plan.changes.invited.iter().map(|a| (ids::invitation_id(), a.as_str())).collect();
    let revoke: Vec<&str> = plan.revoke.iter().map(String::as_str).collect();
    shares::write_share(
        tx,
        &shares::ShareWrite {
            share_id: &plan.share_id,
            owner: job.actor.account_id.as_str(),
            new_share: plan.new_share_scope.map(|scope| (plan.name.as_str(), scope)),
            backup_set_id: job.backup_id.as_str(),
            associate: &associate,
            invite: &invite,
            invitation_expires_at: &db::ts(now + INVITATION_VALIDITY),
            revoke: &revoke,
            revoke_at: match plan.timing {
                RemovalTiming::Now => Some(db::ts(now + job.revocation_delay)),
                RemovalTiming::AfterRestore => None,
            },
            now: &now_s,
        },
    )
    .await?;
    job.event.write(tx, "Success", "").await?;
    let changes = plan.changes;
    Ok(ShareOutcome {
        resource_share_id: plan.share_id,
        resource_share_name: plan.name,
        invited: changes.invited,
        associated: changes.associated,
        removal_waits_for_restore: plan.timing == RemovalTiming::AfterRestore && !changes.revoking.is_empty(),
        revoking: changes.revoking,
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

/// The facts the rules need about each requested principal, from the context's lookups (matched by id:
/// the query does not sort them).
fn principal_facts(list: &[PrincipalId], lookups: &[shares::PrincipalLookup]) -> Result<Vec<PrincipalFacts>, AppError> {
    let by_id: BTreeMap<&str, &shares::PrincipalLookup> = lookups.iter().map(|l| (l.id.as_str(), l)).collect();
    list.iter()
        .map(|id| {
            let found = by_id
                .get(id.as_str())
                .ok_or_else(|| internal(anyhow::anyhow!("no lookup answered for principal {id}")))?;
            Ok(PrincipalFacts {
                id: id.clone(),
                exists: found.found,
                site: found.site,
                directory_id: found.directory_id.clone(),
            })
        })
        .collect()
}

/// The principals a request adds (invited, or associated at once) and removes, as the dialog reports them.
struct PrincipalChanges {
    invited: Vec<String>,
    associated: Vec<String>,
    revoking: Vec<String>,
}

impl PrincipalChanges {
    fn of(added: &[&(PrincipalId, PrincipalTargetKind)], removed: &[&PrincipalId]) -> Self {
        let (mut invited, mut associated) = (Vec::new(), Vec::new());
        for (principal, kind) in added {
            match (kind, principal) {
                (PrincipalTargetKind::MustAccept, PrincipalId::Account(a)) => invited.push(a.to_string()),
                _ => associated.push(principal.to_string()),
            }
        }
        PrincipalChanges { invited, associated, revoking: removed.iter().map(|p| p.to_string()).collect() }
    }
}

/// Shares several backup sets in one request, all or none (the API's `Resources.1..5`): the first
/// goes as `request` asks (a new share, or an existing one with its principal change), each further set
/// joins the same share, all in one group transaction. A refusal of any set rolls back to before the
/// first (a savepoint), so the request changes nothing and the rest of the group stands. Each set has
/// its own audit event (`event` for the first).
#[tracing::instrument(skip(state, who, request, more), fields(account = %who.account_id(), backup_set = %request.backup_set_id))]
pub async fn share_backup_sets(state: &AppState, who: &Identity, request: ShareRequest, more: &[String], event: &Event) -> Result<ShareOutcome, AppError> {
    let backup_id = BackupSetId::parse(&request.backup_set_id)?;
    let more = more.iter().map(|b| BackupSetId::parse(b)).collect::<Result<Vec<_>, _>>()?;
    let (target, principals) = parse_method(request.method)?;
    let job = |backup_id: BackupSetId, target: Target<String>, principals: Option<Vec<PrincipalId>>, event: Event| ShareJob {
        actor: who.actor.clone(),
        backup_id,
        target,
        principals,
        now: state.clock.now(),
        revocation_delay: state.settings.revocation_delay,
        max_pending_invitations: state.settings.max_pending_invitations,
        event,
    };
    let first = job(backup_id, target, principals, event.clone());
    let rest: Vec<(BackupSetId, Event)> = more.into_iter().map(|b| { let e = event.for_target(b.as_str()); (b, e) }).collect();
    let events: Vec<Event> = rest.iter().map(|(_, e)| e.clone()).collect();
    let rest: Vec<ShareJob> = rest.into_iter().map(|(b, e)| job(b, Target::Existing(String::new()), None, e)).collect();
    let answer = state
        .writer
        .groups
        .run(move |tx| share_many(tx, first, rest).boxed())
        .await;
    match answer {
        Ok(Ok(outcome)) => {
            event.mark_recorded();
            events.iter().for_each(Event::mark_recorded);
            Ok(outcome)
        }
        Ok(Err(refused)) => Err(refused),
        Err(GroupFailed) => Err(internal(anyhow::anyhow!("the group transaction holding this share did not commit"))),
    }
}

/// The group work of [`share_backup_sets`]: every set decided and written after the ones before it,
/// inside a savepoint that a refusal rolls back.
async fn share_many(tx: &mut Tx, first: ShareJob, rest: Vec<ShareJob>) -> Result<ShareOutcome, Failure<AppError>> {
    sqlx::query("savepoint share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
    let outcome = share_each(tx, first, rest).await;
    if matches!(outcome, Err(Failure::Refused(_))) {
        sqlx::query("rollback to share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
    }
    sqlx::query("release share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
    outcome
}

async fn share_each(tx: &mut Tx, first: ShareJob, rest: Vec<ShareJob>) -> Result<ShareOutcome, Failure<AppError>> {
    let plan = decide(tx, &first).await.map_err(Failure::Refused)?;
    let outcome = write(tx, &first, plan).await.map_err(|e| Failure::Broken(internal(e)))?;
    for mut job in rest {
        job.target = Target::Existing(outcome.resource_share_id.clone());
        let plan = decide(tx, &job).await.map_err(Failure::Refused)?;
        write(tx, &job, plan).await.map_err(|e| Failure::Broken(internal(e)))?;
    }
    Ok(outcome)
}
