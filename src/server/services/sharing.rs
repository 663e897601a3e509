//! Sharing backup sets: the Share dialog's OK, and the API's Create, Associate and Disassociate. Each
//! loads the facts, lets the domain decide ([`plan_share`]), writes the plan, in one transaction (shared
//! with other shares made at the same moment: see `db::group`).

use crate::command::{ShareMethod, ShareOutcome, ShareRequest};
use crate::domain::{
    check_resource_removal, plan_share, AccountId, Actor, BackupLock, BackupSetAccess, BackupSetId, ExistingShare,
    LeavesAt, PlaceMembers, PrincipalChange, PrincipalFacts, PrincipalId, PrincipalScope, RemovalTiming,
    ResourceShareName, ShareFacts, SharePlan, ShareTarget,
};
use crate::error::AppError;
use crate::server::audit::Event;
use crate::server::auth::Identity;
use crate::server::db::group::{Failure, GroupFailed, Pipe, ReadAhead};
use crate::server::db::{self, access_keys, api_lists, share_lifecycle, shares, Tx};
use crate::server::grant::Grant;
use crate::server::{ids, internal, state::AppState};
use futures::FutureExt;
use std::collections::{BTreeMap, BTreeSet};
use time::{Duration, OffsetDateTime};

/// Invitations to accounts outside the owner's resource directory are valid for 7 days.
pub const INVITATION_VALIDITY: Duration = Duration::days(7);

/// A signed call's nonce, recorded by the call's first write in that write's own round trip (the API's
/// Create and Associate): the call passes the write queue once, and its writes take one round trip to
/// the writer's connection fewer than with the nonce written on its own. A replay fails that write
/// before it has written anything and is refused with `replay`. A call refused before its first write
/// has not recorded it: its adapter records it then.
pub struct CallNonce {
    pub seen: db::access_keys::NonceSeen,
    /// The refusal of a replay, and of a call signed before the forgotten nonces.
    pub replay: AppError,
    pub expired: AppError,
}

/// What a call's first write checks and records besides its share, in the same round trip: the acting
/// identity's grant, checked first (see `server::grant`: one that has ended since the call was checked
/// refuses the call, and nothing is written), and a signed call's nonce. Further writes of the same call
/// run in the same transaction after it, so they need neither.
#[derive(Default)]
struct FirstWrite {
    grant: Option<Grant>,
    nonce: Option<CallNonce>,
}

/// A change the API makes to one of the owner's shares (AssociateResourceShare,
/// DisassociateResourceShare): a change of its principals, backup sets joining or leaving it. All or
/// none, decided against the share as the write transaction reads it.
pub struct ShareChange {
    pub resource_share_id: String,
    pub principals: PrincipalChange,
    /// Backup sets joining the share: the first one's audit event is the call's, each other has its own.
    pub joining: Vec<String>,
    /// Backup sets leaving it, through the scheduled revocation.
    pub leaving: Vec<String>,
}

/// The Share dialog's OK: one backup set, as [`share_backup_sets`] with no further sets.
pub async fn share_backup_set(
    state: &AppState,
    who: &Identity,
    request: ShareRequest,
    event: &Event,
) -> Result<ShareOutcome, AppError> {
    share_backup_sets(state, who, request, &[], event, None).await
}

/// Shares several backup sets in one request, all or none (the API's `Resources.1..5`): the first
/// goes as `request` asks (a new share, or an existing one with its principal change), each further set
/// joins the same share, all in one group transaction. A refusal of any set rolls back to before the
/// first (a savepoint), so the request changes nothing and the rest of the group stands. Each set has
/// its own audit event (`event` for the first).
#[tracing::instrument(skip(state, who, request, more, event, nonce), fields(account = %who.account_id(), backup_set = ?request.backup_set_id))]
pub async fn share_backup_sets(
    state: &AppState,
    who: &Identity,
    request: ShareRequest,
    more: &[String],
    event: &Event,
    nonce: Option<CallNonce>,
) -> Result<ShareOutcome, AppError> {
    // Malformed input is refused before the database is touched.
    let backup_id = BackupSetId::parse(&request.backup_set_id)?;
    let more = parse_sets(more)?;
    let (target, existing_id, principals) = parse_method(request.method)?;
    let share_id = existing_id.unwrap_or_else(ids::resource_share_id);
    let request = Parsed { share_id, backup_id: Some(backup_id), target, principals, more, leaving: Vec::new() };
    run(state, Work::new(state, who, request, event, nonce)).await
}

/// Associates or disassociates principals and backup sets of one of the owner's shares (the API's
/// Associate/DisassociateResourceShare), in one group transaction: the principal change rides on the
/// first joining set, or on none (then no set is checked or counted); the leaving sets go last. A
/// refusal of any part changes nothing.
#[tracing::instrument(skip(state, who, change, event, nonce), fields(account = %who.account_id(), share = ?change.resource_share_id))]
pub async fn change_share(
    state: &AppState,
    who: &Identity,
    change: ShareChange,
    event: &Event,
    nonce: Option<CallNonce>,
) -> Result<ShareOutcome, AppError> {
    let share_id = parse_share_id(change.resource_share_id)?;
    let mut joining = parse_sets(&change.joining)?.into_iter();
    let (backup_id, more) = (joining.next(), joining.collect());
    let leaving = parse_sets(&change.leaving)?;
    let request =
        Parsed { share_id, backup_id, target: ShareTarget::Existing, principals: change.principals, more, leaving };
    run(state, Work::new(state, who, request, event, nonce)).await
}

/// A call's request, parsed: the share, the set that carries the principal change (or none), the
/// further sets joining and the sets leaving.
struct Parsed {
    share_id: String,
    backup_id: Option<BackupSetId>,
    target: ShareTarget,
    principals: PrincipalChange,
    more: Vec<BackupSetId>,
    leaving: Vec<BackupSetId>,
}

/// What one call does in its group transaction, in order: the share decided and written with its first
/// backup set (or with none: a change of principals alone) and the call's nonce, each further set
/// joining it, and the sets leaving it.
struct Work {
    checks: FirstWrite,
    first: ShareJob,
    rest: Vec<ShareJob>,
    leaving: Vec<BackupSetId>,
}

impl Work {
    fn new(state: &AppState, who: &Identity, request: Parsed, event: &Event, nonce: Option<CallNonce>) -> Work {
        let Parsed { share_id, backup_id, target, principals, more, leaving } = request;
        let job = |backup_id: Option<BackupSetId>, target: ShareTarget, principals: PrincipalChange, event: Event| {
            let now = state.clock.now();
            ShareJob {
                actor: who.actor.clone(),
                backup_id,
                share_id: share_id.clone(),
                target,
                principals,
                now,
                now_stored: db::ts(now),
                revocation_delay: state.settings.revocation_delay,
                max_pending_invitations: state.settings.max_pending_invitations,
                event,
            }
        };
        // Each further set joins the first's share as it stands (no principal change of its own).
        let rest = more
            .into_iter()
            .map(|b| {
                let e = event.for_target(b.as_str());
                job(Some(b), ShareTarget::Existing, PrincipalChange::Keep, e)
            })
            .collect();
        let checks = FirstWrite { grant: event.grant().cloned(), nonce };
        Work { checks, first: job(backup_id, target, principals, event.clone()), rest, leaving }
    }

    fn events(&self) -> impl Iterator<Item = &Event> {
        std::iter::once(&self.first.event).chain(self.rest.iter().map(|j| &j.event))
    }

    /// A single step starts with its facts, which the request before it in the group may read for it
    /// (see `db::group::Pipe`); several steps start with a savepoint.
    fn read_ahead(&self) -> Option<ReadAhead> {
        self.single().then(|| shares::context_read(&self.first.context_query()))
    }

    fn single(&self) -> bool {
        self.rest.is_empty() && self.leaving.is_empty()
    }

    /// The group work: every step decided and written after the ones before it, inside a savepoint
    /// that a refusal rolls back. A single step needs none: its refusal comes before it writes, and a
    /// replay of its nonce fails its one write before that writes anything. Only a single step uses the
    /// pipe: its facts may come read, and its write, its last statement, may carry the next one's read.
    async fn run(self, tx: &mut Tx, pipe: &mut Pipe) -> Result<ShareOutcome, Failure<AppError>> {
        if self.single() {
            return share_one(tx, &self.first, &self.checks, pipe).await;
        }
        let Work { checks, first, rest, leaving } = self;
        sqlx::query("savepoint share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
        let outcome = steps(tx, first, rest, &leaving, &checks).await;
        if matches!(outcome, Err(Failure::Refused(_))) {
            sqlx::query("rollback to share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
        }
        sqlx::query("release share_many").execute(&mut **tx).await.map_err(|e| Failure::Broken(internal(e)))?;
        outcome
    }
}

/// Runs `work` in the next share group transaction; answers once that has committed, with its events.
async fn run(state: &AppState, work: Work) -> Result<ShareOutcome, AppError> {
    let events: Vec<Event> = work.events().cloned().collect();
    let read = work.read_ahead();
    let answer = state.writer.groups.run_piped(read, move |tx, pipe| work.run(tx, pipe).boxed()).await;
    match answer {
        Ok(Ok(outcome)) => {
            // The group transaction that committed the share held its events.
            events.iter().for_each(Event::mark_recorded);
            tracing::info!(share = %outcome.resource_share_id, invited = outcome.invited.len(), sets = events.len(), "share changed");
            Ok(outcome)
        }
        Ok(Err(refused)) => Err(refused),
        Err(GroupFailed) => Err(internal(anyhow::anyhow!("the group transaction holding this share did not commit"))),
    }
}

async fn steps(
    tx: &mut Tx,
    first: ShareJob,
    rest: Vec<ShareJob>,
    leaving: &[BackupSetId],
    checks: &FirstWrite,
) -> Result<ShareOutcome, Failure<AppError>> {
    let mut unpiped = Pipe::default();
    let outcome = share_one(tx, &first, checks, &mut unpiped).await?;
    for job in rest {
        share_one(tx, &job, &FirstWrite::default(), &mut unpiped).await?;
    }
    if !leaving.is_empty() {
        take_out_sets(tx, &first, leaving).await?;
    }
    Ok(outcome)
}

/// One share, in the group's transaction: load the facts (or take them as the pipe brings them), let
/// the domain decide, write the plan (with the call's grant and nonce, if it carries them, and the next
/// request's read, if the pipe has one). A refusal (or a failure to read, a replayed nonce or an ended
/// grant) has written nothing: the rest of the group stands. Any other failure of the write breaks the
/// group, which is rolled back: the write is one statement and keeps nothing of its share, but some of
/// SQLite's errors (a full disk, I/O) end the whole transaction.
async fn share_one(
    tx: &mut Tx,
    job: &ShareJob,
    checks: &FirstWrite,
    pipe: &mut Pipe,
) -> Result<ShareOutcome, Failure<AppError>> {
    let facts = load_facts(tx, job, pipe.given.take()).await.map_err(Failure::Refused)?;
    let plan = plan_share(&job.actor, job.backup_id.as_ref(), job.target.clone(), &facts, job.now)
        .map_err(|refusal| Failure::Refused(refusal.into()))?;
    write(tx, job, plan, checks, pipe).await
}

/// Takes backup sets out of the share `job` has just checked (the owner's, active): each must be in it
/// and unlocked, and enters the scheduled revocation, as when the set is deleted.
async fn take_out_sets(tx: &mut Tx, job: &ShareJob, sets: &[BackupSetId]) -> Result<(), Failure<AppError>> {
    let locks =
        share_lifecycle::resource_locks(&mut **tx, &job.share_id).await.map_err(|e| Failure::Refused(internal(e)))?;
    for id in sets {
        let lock = locks.iter().find(|(b, _)| b == id.as_str()).map(|(_, lock)| *lock);
        check_resource_removal(id, lock.is_some(), lock.unwrap_or(BackupLock::None))
            .map_err(|r| Failure::Refused(r.into()))?;
    }
    let (revoke_at, now) = (db::ts(job.now + job.revocation_delay), db::ts(job.now));
    for id in sets {
        share_lifecycle::revoke_resource(tx, &job.share_id, id.as_str(), &revoke_at, &now)
            .await
            .map_err(|e| Failure::Broken(internal(e)))?;
    }
    Ok(())
}

/// One share request, parsed, on its way to a group transaction.
struct ShareJob {
    actor: Actor,
    /// The backup set joining the share; none when only its principals change.
    backup_id: Option<BackupSetId>,
    /// The existing share asked for, or the id a new share gets.
    share_id: String,
    target: ShareTarget,
    principals: PrincipalChange,
    now: OffsetDateTime,
    revocation_delay: Duration,
    max_pending_invitations: u32,
    /// The action's audit event, written with the share in the group transaction.
    event: Event,
    /// The decision's time as stored (the facts' query and the write).
    now_stored: String,
}

impl ShareJob {
    /// What [`load_facts`] reads. Only the principals that may join are looked up: the rules check
    /// nothing of those that stay or leave.
    fn context_query(&self) -> shares::ShareContextQuery<'_> {
        shares::ShareContextQuery {
            owner: self.actor.account_id.as_str(),
            backup_set_id: self.backup_id.as_ref().map(BackupSetId::as_str),
            new_name: match &self.target {
                ShareTarget::New { name, .. } => Some(name.as_str()),
                ShareTarget::Existing => None,
            },
            share_id: &self.share_id,
            principals: self.principals.joining().iter().map(|p| (p.as_str(), p.principal_type())).collect(),
            now: &self.now_stored,
        }
    }
}

/// Loads what [`plan_share`] reads, from the database as it is (including shares earlier in the same
/// group), or from `given`, its query's answer read ahead in this transaction after everything before
/// it: reads only, so a failure here has changed nothing.
async fn load_facts(tx: &mut Tx, job: &ShareJob, given: Option<String>) -> Result<ShareFacts, AppError> {
    let me = job.actor.account_id.as_str();
    let ctx = match given {
        Some(json) => shares::parse_context(&json),
        None => shares::share_context(tx, &job.context_query()).await,
    }
    .map_err(internal)?;

    let owner = ctx.owner.as_ref().ok_or_else(AppError::unauthenticated)?.facts().map_err(internal)?;
    let live = ctx.backup.as_ref().filter(|b| b.deleted_at.is_none());
    let access = match (live, &job.backup_id) {
        (Some(b), _) if b.account_id == me => BackupSetAccess::Owned,
        // Only a refusal depends on this (no re-sharing), so it is looked up only then.
        (Some(_), Some(id))
            if super::principal::is_shared_with(tx, me, id.as_str(), job.now, job.revocation_delay).await? =>
        {
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
            owner: AccountId::parse(&s.owner_account_id)
                .ok_or_else(|| internal(anyhow::anyhow!("stored account id {:?}", s.owner_account_id)))?,
            name: s.resource_share_name.clone(),
            scope: s.principal_scope,
            status: s.status,
            principals: ctx.principals.iter().map(String::as_str).map(stored_principal).collect::<Result<_, _>>()?,
        }),
        None => None,
    };
    let share_sets = ctx
        .resources
        .iter()
        .map(|r| Ok((BackupSetId::parse(&r.backup_set_id).map_err(internal)?, r.lock_state)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let leaving_sets = share_sets
        .iter()
        .zip(&ctx.resources)
        .filter(|(_, r)| r.status == crate::domain::AssociationStatus::Disassociating)
        .map(|((id, _), _)| id.clone())
        .collect();
    // For every backup set the share will hold, the principals it has through the owner's other shares.
    let mut others: BTreeMap<&str, BTreeSet<PrincipalId>> =
        ctx.resources.iter().map(|r| (r.backup_set_id.as_str(), BTreeSet::new())).collect();
    if let Some(id) = &job.backup_id {
        others.entry(id.as_str()).or_default();
    }
    for (set, principal) in &ctx.others {
        let principal = stored_principal(principal)?;
        if let Some(ids) = others.get_mut(set.as_str()) {
            ids.insert(principal);
        }
    }
    let others = others
        .into_iter()
        .map(|(set, ids)| Ok((BackupSetId::parse(set).map_err(internal)?, ids)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let stored_time = |t: &Option<String>| t.as_deref().map(db::parse_ts).transpose().map_err(internal);
    let mut revoking: BTreeMap<BackupSetId, Vec<(PrincipalId, LeavesAt)>> = BTreeMap::new();
    for (set, principal, leaves_at) in &ctx.revoking {
        let set = BackupSetId::parse(set).map_err(internal)?;
        revoking.entry(set).or_default().push((stored_principal(principal)?, stored_time(leaves_at)?));
    }
    let leaving_shared_sets = ctx
        .leaving_shared_sets
        .iter()
        .map(|(set, leaves_at)| Ok((BackupSetId::parse(set).map_err(internal)?, stored_time(leaves_at)?)))
        .collect::<Result<_, AppError>>()?;
    let mut place_members = PlaceMembers::new();
    for (place, account) in &ctx.place_members {
        let account = AccountId::parse(account)
            .ok_or_else(|| internal(anyhow::anyhow!("stored member account id {account:?}")))?;
        place_members.entry(stored_principal(place)?).or_default().insert(account);
    }
    Ok(ShareFacts {
        owner,
        access,
        backup,
        name_taken: ctx.name_taken,
        existing,
        share_sets,
        leaving_sets,
        principals: job.principals.clone().with_joining(|list| principal_facts(&list, &ctx.lookups))?,
        others,
        place_members,
        revoking,
        already_shared: ctx.already_shared,
        shared_count: u32::try_from(ctx.shared_count).map_err(internal)?,
        leaving_shared_sets,
        revocation_delay: job.revocation_delay,
        pending_invitees: ctx.pending_invitees.into_iter().collect(),
        pending_count: u32::try_from(ctx.pending_count).map_err(internal)?,
        max_pending_invitations: job.max_pending_invitations,
    })
}

/// A principal id read back from the database. One that no longer parses is refused, not skipped: a
/// principal left out of the facts would not count toward the 64-account limit, nor be seen as already
/// holding the set, so skipping it could let a request through that the rules would refuse.
pub(super) fn stored_principal(id: &str) -> Result<PrincipalId, AppError> {
    PrincipalId::parse(id).map_err(|e| internal(anyhow::anyhow!("stored principal id {id:?}: {e:?}")))
}

/// Writes what [`plan_share`] planned, with the action's audit event and the call's `checks`, in the
/// group's transaction.
async fn write(
    tx: &mut Tx,
    job: &ShareJob,
    plan: SharePlan,
    checks: &FirstWrite,
    pipe: &mut Pipe,
) -> Result<ShareOutcome, Failure<AppError>> {
    let now = job.now;
    let associate: Vec<(&str, crate::domain::PrincipalType)> =
        plan.associate.iter().map(|p| (p.as_str(), p.principal_type())).collect();
    let with_ids = |accounts: &[String]| -> Vec<(String, String)> {
        accounts.iter().map(|a| (ids::invitation_id(), a.clone())).collect()
    };
    let (invite, accepted_by_directory) = (with_ids(&plan.invite), with_ids(&plan.accepted_by_directory));
    let revoke: Vec<&str> = plan.revoke.iter().map(PrincipalId::as_str).collect();
    let nonce = checks.nonce.as_ref();
    let written = shares::write_share(
        tx,
        &shares::ShareWrite {
            share_id: &job.share_id,
            owner: job.actor.account_id.as_str(),
            new_share: plan.new_share.as_ref().map(|(name, scope)| (name.as_str(), *scope)),
            backup_set_id: job.backup_id.as_ref().map(BackupSetId::as_str),
            associate: &associate,
            invite: &invite,
            accepted_by_directory: &accepted_by_directory,
            invitation_expires_at: &db::ts(now + INVITATION_VALIDITY),
            revoke: &revoke,
            revoke_at: match plan.timing {
                RemovalTiming::Now => Some(db::ts(now + job.revocation_delay)),
                RemovalTiming::AfterRestore => None,
            },
            now: &job.now_stored,
            event: job.event.as_json("Success", ""),
            nonce: nonce.map(|n| &n.seen),
            // Checked at the time of the write: the request may have waited for its group since `job.now`.
            grant: checks.grant.as_ref().map(|g| g.json(&db::ts(job.event.now()))),
        },
        pipe.ahead.as_ref(),
    )
    .await;
    pipe.ahead_answer = match written {
        Ok(ahead_answer) => ahead_answer,
        Err(e) => return Err(refused_write(tx, checks, e).await),
    };
    // The API's `External` of each target, decided in this transaction rather than read after its
    // commit, so that a change made is never answered as failed: an added account is outside the owner's
    // directory exactly when it must accept an invitation (`must_accept_invitation`); a removed one is
    // looked up.
    let mut external = plan.invite.clone();
    let removed_accounts: Vec<String> =
        plan.revoke.iter().filter(|p| matches!(p, PrincipalId::Account(_))).map(PrincipalId::to_string).collect();
    if !removed_accounts.is_empty() {
        let owner = job.actor.account_id.as_str();
        external.extend(
            api_lists::outside_owners_directory(&mut **tx, owner, &removed_accounts)
                .await
                .map_err(|e| Failure::Broken(internal(e)))?,
        );
    }
    Ok(ShareOutcome {
        resource_share_id: job.share_id.clone(),
        associated: plan.associated_directly(),
        external,
        removal_waits_for_restore: plan.removal_waits_for_restore(),
        revoking: plan.revoke.iter().map(PrincipalId::to_string).collect(),
        resource_share_name: plan.name,
        principal_scope: plan.scope,
        invited: plan.invite,
    })
}

/// What stopped a write that failed: a replayed nonce or an ended grant refuses the call (either fails
/// the write's first statements, before it has written anything); anything else broke the group.
async fn refused_write(tx: &mut Tx, checks: &FirstWrite, e: sqlx::Error) -> Failure<AppError> {
    if let Some(nonce) = &checks.nonce {
        if access_keys::is_replay(&e) {
            return Failure::Refused(nonce.replay.clone());
        }
        if access_keys::is_forgotten(&e) {
            return Failure::Refused(nonce.expired.clone());
        }
    }
    if let Some(grant) = &checks.grant {
        if let Some(refusal) = grant.refusal(tx, &e).await {
            return Failure::Refused(refusal);
        }
    }
    Failure::Broken(internal(e))
}

/// Parses the dialog's input: name, scope and every principal id, before anything is loaded. Answers
/// the target, the existing share's id (for that method) and the principal change asked for.
fn parse_method(method: ShareMethod) -> Result<(ShareTarget, Option<String>, PrincipalChange), AppError> {
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
                AppError::invalid(
                    "InvalidParameter.PrincipalScope",
                    "Choose All Accounts or Objects Within Resource Directory.",
                )
            })?;
            Ok((ShareTarget::New { name, scope }, None, PrincipalChange::Replace(parse_all(&principals)?)))
        }
        ShareMethod::Existing { resource_share_id, principals } => {
            let change = match principals {
                Some(list) => PrincipalChange::Replace(parse_all(&list)?),
                None => PrincipalChange::Keep,
            };
            Ok((ShareTarget::Existing, Some(parse_share_id(resource_share_id)?), change))
        }
    }
}

fn parse_share_id(resource_share_id: String) -> Result<String, AppError> {
    let id_ok = resource_share_id.len() <= 64
        && resource_share_id
            .strip_prefix("rs-")
            .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()));
    if id_ok {
        Ok(resource_share_id)
    } else {
        Err(AppError::invalid("InvalidParameter.ResourceShareId", "Select a resource share."))
    }
}

fn parse_sets(ids: &[String]) -> Result<Vec<BackupSetId>, AppError> {
    ids.iter().map(|b| BackupSetId::parse(b).map_err(AppError::from)).collect()
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
