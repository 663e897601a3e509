//! Sharing a backup set: the Share dialog's OK button, for both methods: load the facts, let the domain
//! decide ([`plan_share`]), write the plan, in one transaction (shared with other shares made at the same
//! moment: see `db::group`).

use crate::server::audit::Event;
use crate::api::types::{ShareMethod, ShareOutcome, ShareRequest};
use crate::domain::{
    plan_share, Actor, BackupSetAccess, BackupSetId, ExistingShare, PrincipalFacts, PrincipalId, PrincipalScope, RemovalTiming,
    ResourceShareName, ShareFacts, SharePlan, ShareTarget,
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

/// The Share dialog's OK: one backup set, as [`share_backup_sets`] with no further sets.
pub async fn share_backup_set(state: &AppState, who: &Identity, request: ShareRequest, event: &Event) -> Result<ShareOutcome, AppError> {
    share_backup_sets(state, who, request, &[], event).await
}

/// One share, in the group's transaction: load the facts, let the domain decide, write the plan.
/// A refusal (or a failure to read) has written nothing: the rest of the group stands. A failure while
/// writing may have left half a share: the group is rolled back.
async fn share_one(tx: &mut Tx, job: &ShareJob) -> Result<ShareOutcome, Failure<AppError>> {
    let facts = load_facts(tx, job).await.map_err(Failure::Refused)?;
    let plan = plan_share(&job.actor, &job.backup_id, job.target.clone(), &facts, job.now).map_err(|refusal| Failure::Refused(refusal.into()))?;
    write(tx, job, plan).await.map_err(|e| Failure::Broken(internal(e)))
}

/// One Share dialog request, parsed, on its way to a group transaction.
struct ShareJob {
    actor: Actor,
    backup_id: BackupSetId,
    /// The existing share asked for, or the id a new share gets.
    share_id: String,
    target: ShareTarget,
    principals: Option<Vec<PrincipalId>>,
    now: OffsetDateTime,
    revocation_delay: Duration,
    max_pending_invitations: u32,
    /// The action's audit event, written with the share in the group transaction.
    event: Event,
}

/// Loads what [`plan_share`] reads, from the database as it is (including shares earlier in the same
/// group): reads only, so a failure here has changed nothing.
async fn load_facts(tx: &mut Tx, job: &ShareJob) -> Result<ShareFacts, AppError> {
    let me = job.actor.account_id.as_str();
    let requested: Vec<(&str, crate::domain::PrincipalType)> =
        job.principals.iter().flatten().map(|p| (p.as_str(), p.principal_type())).collect();
    let ctx = shares::share_context(
        tx,
        &shares::ShareContextQuery {
            owner: me,
            backup_set_id: job.backup_id.as_str(),
            new_name: match &job.target {
                ShareTarget::New { name, .. } => Some(name.as_str()),
                ShareTarget::Existing => None,
            },
            share_id: &job.share_id,
            principals: &requested,
            now: &db::ts(job.now),
        },
    )
    .await
    .map_err(internal)?;

    let owner = ctx.owner.as_ref().ok_or_else(AppError::unauthenticated)?.facts().map_err(internal)?;
    let live = ctx.backup.as_ref().filter(|b| b.deleted_at.is_none());
    let access = match live {
        Some(b) if b.account_id == me => BackupSetAccess::Owned,
        // Only a refusal depends on this (no re-sharing), so it is looked up only then.
        Some(_) if super::principal::is_shared_with(tx, me, job.backup_id.as_str()).await? => {
            BackupSetAccess::SharedWithActor
        }
        _ => BackupSetAccess::NotVisible,
    };
    let backup = match (live, &ctx.cluster) {
        (Some(b), Some(c)) => Some((c.facts(), b.facts().map_err(internal)?)),
        _ => None,
    };
    let existing = match &ctx.share {
        Some(s) => Some(ExistingShare {
            owner: crate::domain::AccountId::parse(&s.owner_account_id)
                .ok_or_else(|| internal(anyhow::anyhow!("stored account id {:?}", s.owner_account_id)))?,
            name: s.resource_share_name.clone(),
            scope: s.principal_scope,
            status: s.status,
            principals: ctx.principals.iter().filter_map(|p| PrincipalId::parse(p).ok()).collect(),
        }),
        None => None,
    };
    let share_sets = ctx
        .resources
        .iter()
        .map(|r| Ok((BackupSetId::parse(&r.backup_set_id).map_err(internal)?, r.lock_state)))
        .collect::<Result<Vec<_>, AppError>>()?;
    // For every backup set the share will hold, the principals it has through the owner's other shares.
    let mut others: BTreeMap<&str, BTreeSet<PrincipalId>> = ctx.resources.iter().map(|r| (r.backup_set_id.as_str(), BTreeSet::new())).collect();
    others.entry(job.backup_id.as_str()).or_default();
    for (set, principal) in &ctx.others {
        if let (Some(ids), Ok(p)) = (others.get_mut(set.as_str()), PrincipalId::parse(principal)) {
            ids.insert(p);
        }
    }
    let others = others
        .into_iter()
        .map(|(set, ids)| Ok((BackupSetId::parse(set).map_err(internal)?, ids)))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(ShareFacts {
        owner,
        access,
        backup,
        name_taken: ctx.name_taken,
        existing,
        share_sets,
        requested: job.principals.as_deref().map(|list| principal_facts(list, &ctx.lookups)).transpose()?,
        others,
        already_shared: ctx.already_shared,
        shared_count: u32::try_from(ctx.shared_count).map_err(internal)?,
        pending_invitees: ctx.pending_invitees.into_iter().collect(),
        pending_count: u32::try_from(ctx.pending_count).map_err(internal)?,
        max_pending_invitations: job.max_pending_invitations,
    })
}

/// Writes what [`plan_share`] planned, with the action's audit event, in the group's transaction.
async fn write(tx: &mut Tx, job: &ShareJob, plan: SharePlan) -> anyhow::Result<ShareOutcome> {
    let now = job.now;
    let now_s = db::ts(now);
    let associate: Vec<(&str, crate::domain::PrincipalType)> = plan.associate.iter().map(|p| (p.as_str(), p.principal_type())).collect();
    let invite: Vec<(String, &str)> = plan.invite.iter().map(|a| (ids::invitation_id(), a.as_str())).collect();
    let revoke: Vec<&str> = plan.revoke.iter().map(PrincipalId::as_str).collect();
    shares::write_share(
        tx,
        &shares::ShareWrite {
            share_id: &job.share_id,
            owner: job.actor.account_id.as_str(),
            new_share: plan.new_share.as_ref().map(|(name, scope)| (name.as_str(), *scope)),
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
    Ok(ShareOutcome {
        resource_share_id: job.share_id.clone(),
        associated: plan.associated_directly(),
        removal_waits_for_restore: plan.removal_waits_for_restore(),
        revoking: plan.revoke.iter().map(PrincipalId::to_string).collect(),
        resource_share_name: plan.name,
        invited: plan.invite,
    })
}

/// Parses the dialog's input: name, scope and every principal id, before anything is loaded. Answers
/// the target, the existing share's id (for that method) and the principals asked for.
fn parse_method(method: ShareMethod) -> Result<(ShareTarget, Option<String>, Option<Vec<PrincipalId>>), AppError> {
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
            Ok((ShareTarget::New { name, scope }, None, Some(parse_all(&principals)?)))
        }
        ShareMethod::Existing { resource_share_id, principals } => {
            let id_ok = resource_share_id.len() <= 64
                && resource_share_id.strip_prefix("rs-").is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()));
            if !id_ok {
                return Err(AppError::invalid("InvalidParameter.ResourceShareId", "Select a resource share."));
            }
            let principals = principals.as_deref().map(parse_all).transpose()?;
            Ok((ShareTarget::Existing, Some(resource_share_id), principals))
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


/// Shares several backup sets in one request, all or none (the API's `Resources.1..5`): the first
/// goes as `request` asks (a new share, or an existing one with its principal change), each further set
/// joins the same share, all in one group transaction. A refusal of any set rolls back to before the
/// first (a savepoint), so the request changes nothing and the rest of the group stands. Each set has
/// its own audit event (`event` for the first).
#[tracing::instrument(skip(state, who, request, more), fields(account = %who.account_id(), backup_set = %request.backup_set_id))]
pub async fn share_backup_sets(state: &AppState, who: &Identity, request: ShareRequest, more: &[String], event: &Event) -> Result<ShareOutcome, AppError> {
    // Malformed input is refused before the database is touched.
    let backup_id = BackupSetId::parse(&request.backup_set_id)?;
    let more = more.iter().map(|b| BackupSetId::parse(b)).collect::<Result<Vec<_>, _>>()?;
    let (target, existing_id, principals) = parse_method(request.method)?;
    let share_id = existing_id.unwrap_or_else(ids::resource_share_id);
    let job = |backup_id: BackupSetId, target: ShareTarget, principals: Option<Vec<PrincipalId>>, event: Event| ShareJob {
        actor: who.actor.clone(),
        backup_id,
        share_id: share_id.clone(),
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
    // Each further set joins the first's share as it stands (no principal change of its own).
    let rest: Vec<ShareJob> = rest.into_iter().map(|(b, e)| job(b, ShareTarget::Existing, None, e)).collect();
    let answer = state
        .writer
        .groups
        .run(move |tx| share_many(tx, first, rest).boxed())
        .await;
    match answer {
        Ok(Ok(outcome)) => {
            // The group transaction that committed the share held its events.
            event.mark_recorded();
            events.iter().for_each(Event::mark_recorded);
            tracing::info!(share = %outcome.resource_share_id, invited = outcome.invited.len(), sets = 1 + events.len(), "backup sets shared");
            Ok(outcome)
        }
        Ok(Err(refused)) => Err(refused),
        Err(GroupFailed) => Err(internal(anyhow::anyhow!("the group transaction holding this share did not commit"))),
    }
}

/// The group work of [`share_backup_sets`]: every set decided and written after the ones before it,
/// inside a savepoint that a refusal rolls back. One set needs none: its refusal comes before it writes.
async fn share_many(tx: &mut Tx, first: ShareJob, rest: Vec<ShareJob>) -> Result<ShareOutcome, Failure<AppError>> {
    if rest.is_empty() {
        return share_one(tx, &first).await;
    }
    sqlx::query("savepoint share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
    let outcome = share_each(tx, first, rest).await;
    if matches!(outcome, Err(Failure::Refused(_))) {
        sqlx::query("rollback to share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
    }
    sqlx::query("release share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
    outcome
}

async fn share_each(tx: &mut Tx, first: ShareJob, rest: Vec<ShareJob>) -> Result<ShareOutcome, Failure<AppError>> {
    let outcome = share_one(tx, &first).await?;
    for job in rest {
        share_one(tx, &ShareJob { share_id: outcome.resource_share_id.clone(), ..job }).await?;
    }
    Ok(outcome)
}
