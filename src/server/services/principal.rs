//! The principal's side: invitations to answer, backup sets shared with it, restoring one into a new
//! cluster, and the billing that follows.

use super::console;
use crate::command::RestoreRequest;
use crate::domain::RestoreStatus;
use crate::domain::{
    access_to_set, grant_at_expiry, leaves_shares_by_expiry, moved_out_grant, places_arrived_at, principal_grant,
    share_membership, shares_reached_by_place, AccountId, Grant, Recipient, ShareEntry, ShareMembership,
    SharedSetAccess,
};
use crate::domain::{
    answer_invitation, check_invitation_receiver, check_may_answer_invitations, check_may_restore, check_restore,
    invitation_listed_in_region, lock_shown_to_principal, offered_until, restore_progress, shown_invitation_status,
    Answer, BackupSetId, ClusterName, ConsolePage, PageRequest, PrincipalAccess, Refusal, RestoreHolds,
};
use crate::domain::{
    backup_storage_bill, charges_total_at, check_named_source, parse_invitation_id, restore_node_spec,
    restore_placement, restore_source_not_shared, BillingChoice, ChargeTerms, ClusterCharge, FoundSource, NamedSource,
    StoredBackup, SubscriptionTerm,
};
use crate::error::AppError;
use crate::read_model::{Billing, Charge, IncomingBackup, IncomingList, Invitation, InvitationList, Paged, RestoreJob};
use crate::server::audit::Event;
use crate::server::auth::Identity;
use crate::server::db::incoming::GrantFilter;
use crate::server::db::{self, access_keys, api_lists, directory, incoming, paging, restores, Tx};
use crate::server::{ids, internal, state::AppState};
use sqlx::SqliteConnection;
use std::collections::BTreeMap;

fn invitation_view(row: incoming::InvitationRow, now: time::OffsetDateTime) -> Result<Invitation, AppError> {
    let stored = row.status;
    let removed = row.access_ends_at.is_some();
    let status = shown_invitation_status(
        stored,
        db::parse_ts(&row.expires_at).map_err(internal)?,
        removed,
        row.removal_running(now).map_err(internal)?,
        now,
    );
    // Only what the invitation offers or gives: not what the owner shared after it was refused or ended,
    // nor a set that has left the share by expiring.
    let mut resources = Vec::new();
    if status.shows_resources() {
        let held: Vec<incoming::OfferedSet> = serde_json::from_str(&row.resources).map_err(internal)?;
        for set in held {
            if !leaves_shares_by_expiry(db::parse_ts(&set.expires_at).map_err(internal)?, now) {
                resources.push(set.backup_set_id);
            }
        }
    }
    Ok(Invitation {
        status,
        resources,
        invitation_id: row.invitation_id,
        resource_share_id: row.resource_share_id,
        resource_share_name: row.resource_share_name,
        sender_account_id: row.sender_account_id,
        created_at: row.created_at,
        expires_at: row.expires_at,
    })
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn invitations(
    state: &AppState,
    who: &Identity,
    region: Option<String>,
    page: PageRequest,
) -> Result<InvitationList, AppError> {
    who.actor.may_open(ConsolePage::Invitations)?;
    let (regions, region_id) = console::region_choice(state, who, region).await?;
    let now = state.clock.now();
    let mut listed = Vec::new();
    for r in incoming::invitations_for(&state.pool, who.account_id().as_str(), &region_id).await.map_err(internal)? {
        let until = offered_until(
            r.row.status,
            db::parse_ts(&r.row.expires_at).map_err(internal)?,
            db::parse_ts(&r.row.updated_at).map_err(internal)?,
            r.row.access_ends_at.is_some(),
            now,
        );
        let first_added = r.first_added_in_region.as_deref().map(db::parse_ts).transpose().map_err(internal)?;
        if invitation_listed_in_region(until, first_added) {
            listed.push(r.row);
        }
    }
    let total = listed.len() as i64;
    let invitations = listed
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .map(|r| invitation_view(r, now))
        .collect::<Result<_, _>>()?;
    Ok(InvitationList { regions, region_id, invitations, total, page: page.page, page_size: page.page_size })
}

/// Accepting or rejecting an invitation sent to the signed-in account.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn answer(
    state: &AppState,
    who: &Identity,
    invitation_id: &str,
    accept: bool,
    event: &Event,
) -> Result<Invitation, AppError> {
    check_may_answer_invitations(&who.actor)?;
    let invitation_id = parse_invitation_id(invitation_id)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let now_s = db::ts(now);
    let row =
        incoming::invitation(&mut tx, invitation_id).await.map_err(internal)?.ok_or(Refusal::InvitationNotFound)?;
    check_invitation_receiver(&who.actor, &row.receiver_account_id)?;
    let status = row.status;
    let decided = answer_invitation(
        status,
        db::parse_ts(&row.expires_at).map_err(internal)?,
        if accept { Answer::Accept } else { Answer::Reject },
        now,
    )?;
    incoming::set_invitation_status(&mut tx, invitation_id, decided.as_str(), &now_s).await.map_err(internal)?;
    tx.commit(event).await?;
    tracing::info!(invitation = invitation_id, status = decided.as_str(), "invitation answered");
    invitation_view(incoming::InvitationRow { status: decided, ..row }, now)
}

fn incoming_facts(row: &incoming::IncomingRow) -> Result<(crate::domain::BackupSetFacts, RestoreHolds), AppError> {
    let facts = row.facts().map_err(internal)?;
    let holds = RestoreHolds { own_restore_running: row.own_restore_running, removal_queued: row.removal_queued };
    Ok((facts, holds))
}

/// A backup set shared with an account: the domain's decision from the grants loaded for it.
#[derive(Debug, Clone)]
pub(crate) struct SharedSet {
    pub backup_set_id: String,
    /// The owner's cluster it is a backup of.
    pub cluster_id: String,
    pub owner_account_id: String,
    /// The shares that grant it now: (id, name), each once.
    pub shares: Vec<(String, String)>,
    /// Those of `shares` whose every grant of it is being revoked: it can't be used through them.
    pub revoking_shares: Vec<String>,
    pub access: SharedSetAccess,
}

/// Which of the backup sets shared with an account a list asks for (none given: every one).
#[derive(Debug, Clone, Copy, Default)]
pub struct IncomingFilter<'a> {
    /// Only these backup sets.
    pub backup_sets: &'a [String],
    /// Only what these shares give (and only these shares named beside each set).
    pub share_ids: &'a [String],
    /// Only the sets of this owner.
    pub owner: Option<&'a str>,
    /// Only the backups of this cluster (the owner's).
    pub cluster: Option<&'a str>,
}

impl IncomingFilter<'_> {
    /// `set` as the list shows it, or none when it is not asked for.
    fn narrow(&self, mut set: SharedSet) -> Option<SharedSet> {
        if !self.backup_sets.is_empty() && !self.backup_sets.contains(&set.backup_set_id) {
            return None;
        }
        if self.owner.is_some_and(|owner| owner != set.owner_account_id)
            || self.cluster.is_some_and(|c| c != set.cluster_id)
        {
            return None;
        }
        if !self.share_ids.is_empty() {
            set.shares.retain(|(id, _)| self.share_ids.contains(id));
            set.revoking_shares.retain(|id| self.share_ids.contains(id));
            if set.shares.is_empty() {
                return None;
            }
        }
        Some(set)
    }
}

/// One page of the other accounts' shares (within `query`) the caller holds now, newest share first,
/// after the share `after` names: `limit` + 1 of them, the extra one only saying that there is a next
/// page. Every share whichever principal gives it (the caller's id, its directory, a folder above it),
/// each once, as the domain says it holds it ([`share_membership`], the rule leaving a share asks):
/// not one it was only invited to, is being revoked from, or reached through a directory it left.
/// The shares are read in the list's order a batch at a time (`api_lists::received_share_page`), so a
/// page costs its own shares and those passed over on the way, not every share naming the caller.
#[tracing::instrument(skip(state, who, query), fields(account = %who.account_id()))]
pub async fn received_shares(
    state: &AppState,
    who: &Identity,
    query: &api_lists::ShareQuery<'_>,
    after: &api_lists::After,
    limit: i64,
) -> Result<Vec<api_lists::ReceivedShareRow>, AppError> {
    let me = who.account_id().as_str();
    let wanted = usize::try_from(limit).unwrap_or(0).saturating_add(1);
    let batch = i64::try_from(wanted).unwrap_or(i64::MAX);
    // One read transaction: the recipient's place and every batch from the same snapshot.
    let mut conn = state.pool.begin().await.map_err(internal)?;
    let recipient = recipient(&mut conn, me).await?;
    let mut held = Vec::new();
    let mut after = after.clone();
    loop {
        let rows =
            api_lists::received_share_page(&mut *conn, &recipient, query, &after, batch).await.map_err(internal)?;
        let shares = received_shares_of(rows);
        let last = shares.len() < wanted;
        after = shares.last().map(|(row, _)| Some(row.sort_key())).unwrap_or(after);
        held.extend(
            shares
                .into_iter()
                .filter(|(_, entries)| share_membership(&recipient, entries) != ShareMembership::None)
                .map(|(row, _)| row),
        );
        if last || held.len() >= wanted {
            held.truncate(wanted);
            return Ok(held);
        }
    }
}

/// The entries of a batch (in the list's order, each share's together) as its shares, each with its
/// entries naming the recipient.
fn received_shares_of(rows: Vec<api_lists::ReceivedShareEntry>) -> Vec<(api_lists::ReceivedShareRow, Vec<ShareEntry>)> {
    let mut shares: Vec<(api_lists::ReceivedShareRow, Vec<ShareEntry>)> = Vec::new();
    for r in rows {
        match shares.last_mut() {
            Some((row, entries)) if row.resource_share_id == r.entry.resource_share_id => entries.push(r.entry),
            _ => {
                let row = api_lists::ReceivedShareRow {
                    resource_share_id: r.entry.resource_share_id.clone(),
                    resource_share_name: r.resource_share_name,
                    owner_account_id: r.entry.owner_account_id.clone(),
                    status: r.entry.share_status,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                };
                shares.push((row, vec![r.entry]));
            }
        }
    }
    shares
}

/// `account` as the principals of other accounts' shares may name it: its id, directory and folders.
async fn recipient(conn: &mut SqliteConnection, account: &str) -> Result<Recipient, AppError> {
    let account_id = AccountId::parse(account).ok_or_else(AppError::internal)?;
    let (directory_id, folders) = incoming::recipient_place(conn, account).await.map_err(internal)?;
    Ok(Recipient { account_id, directory_id, folders })
}

/// The shares that reach `account` through its directory or folders now ([`shares_reached_by_place`]).
pub(crate) async fn shares_reaching_by_place(tx: &mut Tx, account: &str) -> Result<Vec<String>, AppError> {
    let (recipient, entries) = share_entries(tx, account, None).await?;
    Ok(shares_reached_by_place(&recipient, &entries))
}

/// The (share, place) pairs naming `account` at the place it has just arrived at, in shares it did not
/// hold by place before (`held_before`): [`places_arrived_at`].
pub(crate) async fn places_arrived_at_by(
    tx: &mut Tx,
    account: &str,
    held_before: &[String],
) -> Result<Vec<(String, String)>, AppError> {
    let (recipient, entries) = share_entries(tx, account, None).await?;
    Ok(places_arrived_at(&recipient, &entries, held_before))
}

/// How `account` holds `share_id`, for leaving it ([`share_membership`]).
pub(crate) async fn membership_of_share(
    tx: &mut Tx,
    account: &str,
    share_id: &str,
) -> Result<ShareMembership, AppError> {
    let (recipient, entries) = share_entries(tx, account, Some(share_id)).await?;
    Ok(share_membership(&recipient, &entries))
}

/// `account` as a recipient, and the principal entries (of every share, or of `share`) that may name it.
async fn share_entries(
    tx: &mut Tx,
    account: &str,
    share: Option<&str>,
) -> Result<(Recipient, Vec<ShareEntry>), AppError> {
    let recipient = recipient(&mut **tx, account).await?;
    let entries = directory::share_entries(tx, &recipient, share).await.map_err(internal)?;
    Ok((recipient, entries))
}

/// The backup sets (within `filter`) shared with `account` at `now`, newest first: the database loads
/// every principal entry that may name the account and the facts around each, the domain decides which
/// grant access and how ([`principal_grant`], [`moved_out_grant`], [`grant_at_expiry`] with the
/// server's `revocation_delay`, [`access_to_set`]).
pub(crate) async fn shared_sets(
    conn: &mut SqliteConnection,
    account: &str,
    filter: GrantFilter<'_>,
    now: time::OffsetDateTime,
    revocation_delay: time::Duration,
) -> Result<Vec<SharedSet>, AppError> {
    let recipient = recipient(&mut *conn, account).await?;
    let principal_rows = incoming::principal_grants(conn, account, filter).await.map_err(internal)?;
    let moved_out_rows = incoming::moved_out_grants(conn, account, filter).await.map_err(internal)?;

    // Keyed (start time, id) so that walking it backwards lists the newest first; each with its
    // (cluster, owner), the shares granting it, those of them that grant it for use, and the grants.
    type Found = ((String, String), Vec<(String, String)>, Vec<String>, Vec<Grant>);
    let mut sets: BTreeMap<(String, String), Found> = BTreeMap::new();
    let mut add = |set: incoming::GrantedSet, grant: Grant| {
        let grant = grant_at_expiry(grant, db::parse_ts(&set.expires_at).map_err(internal)?, revocation_delay, now);
        let share = (set.resource_share_id, set.resource_share_name);
        let (_, shares, usable, grants) = sets
            .entry((set.start_time, set.backup_set_id))
            .or_insert_with(|| ((set.cluster_id, set.owner_account_id), Vec::new(), Vec::new(), Vec::new()));
        // A share whose grant has ended is not named beside the set, though the schedule has not deleted it yet.
        if grant.in_force_at(now) && !shares.contains(&share) {
            shares.push(share.clone());
        }
        if access_to_set([grant], now).is_some_and(|a| a.access == PrincipalAccess::Usable)
            && !usable.contains(&share.0)
        {
            usable.push(share.0);
        }
        grants.push(grant);
        Ok::<_, AppError>(())
    };
    for r in principal_rows {
        let facts = r.facts.read_times(|t| db::parse_ts(&t)).map_err(internal)?;
        if let Some(grant) = principal_grant(&recipient, &facts) {
            add(r.set, grant)?;
        }
    }
    for r in moved_out_rows {
        let facts = r.facts.read_times(|t| db::parse_ts(&t)).map_err(internal)?;
        if let Some(grant) = moved_out_grant(&facts) {
            add(r.set, grant)?;
        }
    }
    Ok(sets
        .into_iter()
        .rev()
        .filter_map(|((_, backup_set_id), ((cluster_id, owner_account_id), shares, usable, grants))| {
            let revoking_shares = shares.iter().map(|(id, _)| id).filter(|id| !usable.contains(id)).cloned().collect();
            access_to_set(grants, now).map(|access| SharedSet {
                backup_set_id,
                cluster_id,
                owner_account_id,
                shares,
                revoking_shares,
                access,
            })
        })
        .collect())
}

/// Whether `backup_set` is shared with `account` at `now` (usable or being revoked).
pub(crate) async fn is_shared_with(
    conn: &mut SqliteConnection,
    account: &str,
    backup_set: &str,
    now: time::OffsetDateTime,
    revocation_delay: time::Duration,
) -> Result<bool, AppError> {
    Ok(!shared_sets(conn, account, GrantFilter::BackupSet(backup_set), now, revocation_delay).await?.is_empty())
}

/// `sets` with the backup sets' own rows, in the order of `sets`.
async fn with_backup_rows(
    conn: &mut SqliteConnection,
    account: &str,
    sets: Vec<SharedSet>,
) -> Result<Vec<(SharedSet, incoming::IncomingRow)>, AppError> {
    let ids: Vec<&str> = sets.iter().map(|s| s.backup_set_id.as_str()).collect();
    let mut rows: BTreeMap<String, incoming::IncomingRow> = incoming::backup_sets(conn, account, &ids)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| (r.backup_set_id.clone(), r))
        .collect();
    sets.into_iter()
        .map(|s| {
            let row = rows.remove(&s.backup_set_id).ok_or_else(AppError::internal)?;
            Ok((s, row))
        })
        .collect()
}

/// `only` narrows the list (to backup sets, shares, an owner) before it is counted and paged, so a set
/// asked for by id is found whatever page of the whole list it would be on.
#[tracing::instrument(skip(state, who, only), fields(account = %who.account_id()))]
pub async fn shared_with_me(
    state: &AppState,
    who: &Identity,
    region: Option<String>,
    only: IncomingFilter<'_>,
    page: PageRequest,
) -> Result<IncomingList, AppError> {
    who.actor.may_view_polardb()?;
    let (regions, region_id) = console::region_choice(state, who, region).await?;
    let now = state.clock.now();
    let me = who.account_id().as_str();
    // One read transaction: the grants and the backup sets' rows are read from the same snapshot.
    let mut conn = state.pool.begin().await.map_err(internal)?;
    // Paged here, not in SQL: which candidate grants give access (scope, the owner's and the account's
    // directory, a standing acceptance, revocations still running at `now`) is the domain's decision,
    // and a page cut in SQL before it would count and skip sets the domain then refuses. What is
    // loaded for every candidate is light (ids, start time, the facts of the grant); the sets' own rows
    // are loaded for the page only (`with_backup_rows`).
    let sets: Vec<SharedSet> =
        shared_sets(&mut conn, me, GrantFilter::Region(&region_id), now, state.settings.revocation_delay)
            .await?
            .into_iter()
            .filter_map(|s| only.narrow(s))
            .collect();
    let total = sets.len() as i64;
    let on_page: Vec<SharedSet> = sets.into_iter().skip(page.offset() as usize).take(page.limit() as usize).collect();
    let rows = with_backup_rows(&mut conn, me, on_page).await?;
    let mut backups = Vec::with_capacity(rows.len());
    for (set, row) in rows {
        let (facts, holds) = incoming_facts(&row)?;
        let access = set.access.access;
        let restore_blocked = check_restore(&who.actor, access, &facts, holds, &row.region_id, &row.region_id, now)
            .err()
            .map(AppError::from);
        let revoking_after_restore = access == PrincipalAccess::Revoking && set.access.revoking_after_restore;
        backups.push(IncomingBackup {
            revoking_at: (access == PrincipalAccess::Revoking && !revoking_after_restore)
                .then(|| set.access.revoke_at.map(db::ts))
                .flatten(),
            revoking_after_restore,
            backup_set_id: row.backup_set_id,
            owner_account_id: set.owner_account_id,
            source_cluster_id: row.cluster_id,
            region_id: row.region_id,
            resource_share_names: set.shares.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(","),
            resource_share_ids: set.shares.into_iter().map(|(id, _)| id).collect(),
            resource_shares_revoking: set.revoking_shares,
            size_bytes: row.size_bytes,
            level: row.level,
            start_time: row.start_time,
            end_time: row.end_time,
            status: row.status,
            method: row.method,
            backup_mode: row.backup_mode,
            db_type: row.db_type,
            db_version: row.db_version,
            pay_type: row.pay_type,
            lock_state: lock_shown_to_principal(row.lock_state, row.own_restore_running),
            restore_blocked,
        });
    }
    Ok(IncomingList { regions, region_id, backups, total, page: page.page, page_size: page.page_size })
}

/// Refuses an identity that may not restore at all ([`check_may_restore`]): what an adapter checks
/// before answering a retried restore from what it remembered.
pub fn may_restore(who: &Identity) -> Result<(), AppError> {
    Ok(check_may_restore(&who.actor)?)
}

/// A retried call's token (the API's ClientToken) that a restore remembers with its answer, in its own
/// transaction: a crash can't commit the restore without it, so a retry never starts a second one.
pub struct RestoreToken<'a> {
    pub token: &'a str,
    /// The parameters that say which restore was asked for (a retry must ask for the same).
    pub request: &'a str,
    /// The answer a retry gets, made from the restore started.
    pub answer: fn(&RestoreJob) -> String,
}

/// Restores a shared backup set into a new cluster of the principal's own, in the backup set's region.
/// `named` is the source the caller says the set is of (the API's SourceResourceId and SourceUid) and
/// the engine it expects (DBType, DBVersion).
#[tracing::instrument(skip(state, who, request, named, token), fields(account = %who.account_id(), backup_set = ?request.backup_set_id))]
pub async fn restore(
    state: &AppState,
    who: &Identity,
    request: RestoreRequest,
    named: Option<&NamedSource>,
    event: &Event,
    token: Option<RestoreToken<'_>>,
) -> Result<RestoreJob, AppError> {
    // Who may restore first: an identity that may not is told nothing of the set or of what it sent.
    check_may_restore(&who.actor)?;
    let backup_id = BackupSetId::parse(&request.backup_set_id)?;
    let name = ClusterName::parse(&request.cluster_name)?;
    let (node_spec, monthly_price) = restore_node_spec(request.node_spec.as_deref())?;
    let billing = BillingChoice::parse(&request.pay_type, request.period.as_deref(), request.used_time.as_deref())?;

    let me = who.account_id().as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let now_s = db::ts(now);
    let shared =
        shared_sets(&mut tx, me, GrantFilter::BackupSet(backup_id.as_str()), now, state.settings.revocation_delay)
            .await?;
    let Some((set, row)) = with_backup_rows(&mut tx, me, shared).await?.into_iter().next() else {
        let stored = db::clusters::backup_set(&mut **tx, backup_id.as_str()).await.map_err(internal)?;
        let owned = stored.is_some_and(|b| b.account_id == me && b.deleted_at.is_none());
        return Err(restore_source_not_shared(backup_id.as_str(), owned).into());
    };
    // The new cluster goes where its zone is (the region's first when none is named); a zone of another
    // region than the set's is refused by the region rule.
    let placement = restore_placement(request.region_id.as_deref(), request.zone_id.as_deref(), &row.region_id)?;
    // Checked against the set this transaction found shared, not an earlier read: a share accepted
    // (or ended) in between can't let a set of another source pass.
    if let Some(named) = named {
        let found = FoundSource {
            backup_set: backup_id.as_str(),
            owner_account_id: &set.owner_account_id,
            cluster_id: &row.cluster_id,
            db_type: &row.db_type,
            db_version: &row.db_version,
        };
        check_named_source(named, found)?;
    }
    let (facts, holds) = incoming_facts(&row)?;
    check_restore(&who.actor, set.access.access, &facts, holds, &row.region_id, placement.region, now)?;

    let job_id = ids::hex_id("rj", 12);
    let cluster_id = ids::hex_id("pc", 14);
    let finishes = db::ts(now + state.settings.restore_duration);
    restores::start(
        &mut tx,
        &restores::NewRestore {
            job_id: &job_id,
            cluster_id: &cluster_id,
            cluster_name: name.as_str(),
            account: me,
            owner: &set.owner_account_id,
            region: &row.region_id,
            zone: placement.zone,
            node_spec,
            pay_type: billing.pay_type(),
            subscription_months: billing.term().map(|t| i64::from(t.months())),
            backup_set_id: backup_id.as_str(),
            now: &now_s,
            finishes_at: &finishes,
        },
    )
    .await
    .map_err(internal)?;
    // The principal pays for what it creates; accepting the share and the restore itself are free.
    let method = match billing.term() {
        Some(term) => format!("subscription, {}", term.label()),
        None => crate::domain::pay_type_name(billing.pay_type()).to_owned(),
    };
    let item = format!("New cluster ({node_spec}, {method}) restored from shared backup set {backup_id}");
    let price_cents = billing.order_price_cents(monthly_price);
    let terms = ChargeTerms::of(Some(billing.pay_type()), price_cents);
    let charge = restores::NewCharge {
        account: me,
        cluster_id: &cluster_id,
        item: &item,
        pay_type: billing.pay_type(),
        price_cents,
        billed_from: terms.billed_from_order().then_some(now_s.as_str()),
        now: &now_s,
    };
    restores::charge(&mut tx, &charge).await.map_err(internal)?;
    let job = RestoreJob {
        restore_job_id: job_id,
        backup_set_id: backup_id.to_string(),
        cluster_id,
        cluster_name: name.as_str().to_owned(),
        status: RestoreStatus::Running,
        progress: 0,
        started_at: now_s,
    };
    if let Some(token) = token {
        let answer = (token.answer)(&job);
        let remembered = access_keys::RememberedCall {
            account: me,
            action: "CreateDBCluster",
            token: token.token,
            request: token.request,
            answer: &answer,
            now: &job.started_at,
        };
        access_keys::remember_client_token(&mut tx, &remembered).await.map_err(internal)?;
    }
    tx.commit(event).await?;
    tracing::info!(cluster = %job.cluster_id, "restore started");
    Ok(job)
}

pub async fn restore_jobs(state: &AppState, who: &Identity, page: PageRequest) -> Result<Paged<RestoreJob>, AppError> {
    who.actor.may_view_polardb()?;
    let now = state.clock.now();
    let (rows, total) = paging::load_page(page, |limit, offset| {
        restores::jobs_of(&state.pool, who.account_id().as_str(), limit, offset)
    })
    .await
    .map_err(internal)?;
    let jobs = rows
        .into_iter()
        .map(|r| {
            let started = db::parse_ts(&r.started_at).map_err(internal)?;
            let finishes = db::parse_ts(&r.finishes_at).map_err(internal)?;
            let progress = if r.status == RestoreStatus::Running {
                restore_progress(started, finishes - started, now).min(99)
            } else {
                100
            };
            Ok(RestoreJob {
                restore_job_id: r.restore_job_id,
                backup_set_id: r.backup_set_id,
                cluster_id: r.cluster_id,
                cluster_name: r.cluster_name,
                status: r.status,
                progress,
                started_at: r.started_at,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Paged::new(jobs, total, page))
}

pub async fn billing(state: &AppState, who: &Identity, page: PageRequest) -> Result<Billing, AppError> {
    who.actor.may_open(ConsolePage::Billing)?;
    let me = who.account_id().as_str();
    let now = state.clock.now();
    // The total is worked out at `now` from every charge (pay-as-you-go ones grow by the hour, so no
    // stored sum serves), so the page is cut from the same read: one read, and the page and the total
    // always agree.
    let rows = restores::all_charges(&state.pool, me).await.map_err(internal)?;
    let all = rows.iter().map(cluster_charge).collect::<Result<Vec<_>, AppError>>()?;
    let total = i64::try_from(rows.len()).map_err(internal)?;
    let skip = usize::try_from(page.offset()).map_err(internal)?;
    let take = usize::try_from(page.limit()).map_err(internal)?;
    let shown = rows
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|row| shown_charge(row, now))
        .collect::<Result<Vec<_>, AppError>>()?;
    let charges = Paged::new(shown, total, page);
    let stored = restores::stored_backups(&state.pool, me).await.map_err(internal)?;
    let stored = stored
        .into_iter()
        .map(|(size_bytes, expires_at)| {
            Ok(StoredBackup { size_bytes, expires_at: db::parse_ts(&expires_at).map_err(internal)? })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let bill = backup_storage_bill(stored, now);
    Ok(Billing {
        as_of: db::ts(now),
        charges,
        charges_total_cents: charges_total_at(all, now),
        backup_storage_bytes: bill.stored_bytes,
        backup_storage_billed_gib: bill.billed_gib,
        backup_storage_cents_per_month: bill.cents_per_month,
    })
}

/// A stored charge as the bill's rule sees it.
fn cluster_charge(row: &restores::ChargeRow) -> Result<ClusterCharge, AppError> {
    let time = |t: &Option<String>| t.as_deref().map(db::parse_ts).transpose().map_err(internal);
    Ok(ClusterCharge {
        terms: ChargeTerms::of(row.pay_type.as_deref(), row.price_cents),
        start: time(&row.billed_from)?,
        end: time(&row.released_at)?,
    })
}

/// A stored charge as the Billing page shows it at `now`.
fn shown_charge(row: restores::ChargeRow, now: time::OffsetDateTime) -> Result<Charge, AppError> {
    let charge = cluster_charge(&row)?;
    // A subscription's term runs from its order, when the charge was made.
    let term = row
        .subscription_months
        .and_then(SubscriptionTerm::from_months)
        .filter(|_| row.pay_type.as_deref() == Some("Prepaid"));
    let ends = match term {
        Some(term) => Some(db::ts(term.ends_at(db::parse_ts(&row.created_at).map_err(internal)?))),
        None => None,
    };
    Ok(Charge {
        subscription_term: term.map(SubscriptionTerm::label),
        subscription_ends_at: ends,
        amount_cents: charge.amount_at(now),
        cents_per_hour: charge.terms.cents_per_hour(),
        item: row.item,
        created_at: row.created_at,
        pay_type: row.pay_type,
        price_cents: row.price_cents,
        billed_from: row.billed_from,
        released_at: row.released_at,
        cluster_id: row.cluster_id,
        cluster_name: row.cluster_name,
    })
}
