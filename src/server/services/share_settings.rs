//! A share's life apart from the Share dialog, each in one transaction with the same permission and
//! beta rule as creating one: renaming it (the name rules and per-owner uniqueness of creation),
//! opening or closing it to external accounts, deleting it, taking backup sets out of it, and a
//! principal leaving it. Every end of access goes through the scheduled revocation.

use crate::domain::{
    check_leave_share, check_may_manage_shares, check_scope_change_unlocked, check_share_active,
    must_accept_invitation, plan_scope_change, plan_share_deletion, rename_shows_on_invitation, BackupSetId,
    PrincipalScope, Refusal, RemovalTiming, ResourceShareName, ShareStatus,
};
use crate::error::AppError;
use crate::server::auth::Identity;
use crate::server::db::{self, share_lifecycle, share_settings};
use crate::server::{internal, state::AppState};

/// The updated share, for the answer.
pub struct Updated {
    pub name: String,
    pub principal_scope: PrincipalScope,
    pub status: ShareStatus,
    pub created_at: String,
}

/// Renames a share and, when `allow_external` is given, opens it to (or closes it to all but) accounts
/// outside the owner's resource directory: Resource Sharing's UpdateResourceShare, in one transaction
/// (a refused name changes no scope, and the other way round).
#[tracing::instrument(skip(state, who, event), fields(account = %who.account_id()))]
pub async fn update_share(
    state: &AppState,
    who: &Identity,
    share_id: &str,
    name: &str,
    allow_external: Option<bool>,
    event: &crate::server::audit::Event,
) -> Result<Updated, AppError> {
    // Who may act first (checked again on the account as the transaction reads it).
    check_may_manage_shares(&who.actor, &who.account)?;
    let name = ResourceShareName::parse(name)?;
    let me = who.account_id().as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let at = tx.now();
    let now = db::ts(at);
    let (owner, share) = owned_share(&mut tx, who, share_id).await?;
    check_share_active(share.status)?;
    let scope = match allow_external {
        None => share.principal_scope,
        Some(allow) => {
            let external = share_lifecycle::external_principals(&mut **tx, share_id, owner.directory_id.as_deref())
                .await
                .map_err(internal)?;
            plan_scope_change(
                share.principal_scope,
                allow,
                owner.directory_id.is_some(),
                usize::try_from(external).map_err(internal)?,
            )?
        }
    };
    if share_settings::name_taken(&mut tx, me, name.as_str(), share_id).await.map_err(internal)? {
        return Err(Refusal::NameTaken { name: name.as_str().to_owned() }.into());
    }
    if name.as_str() != share.resource_share_name {
        keep_name_on_ended_invitations(&mut tx, share_id, &share.resource_share_name, at).await?;
    }
    share_settings::rename(&mut tx, share_id, name.as_str(), &now).await.map_err(internal)?;
    if scope != share.principal_scope {
        check_scope_change_unlocked(&share_locks(&mut tx, share_id).await?)?;
        share_lifecycle::set_scope(&mut tx, share_id, scope, &now).await.map_err(internal)?;
        if scope == PrincipalScope::AllAccounts {
            // Account principals hold an open share through an accepted invitation. Those the directory
            // associated directly keep their access if they are still its members: the directory accepts
            // for them (the one rule, `must_accept_invitation`). One that is not (a row from before
            // departures revoked it) must accept an invitation first, as if added now. Those it gave
            // access that is being revoked keep the rest of their revocation window (an acceptance that
            // has ended), no more.
            let accounts =
                share_lifecycle::uninvited_account_principals(&mut **tx, share_id, &now).await.map_err(internal)?;
            let (mut accepted, mut pending) = (Vec::new(), Vec::new());
            for (account, ends, directory) in accounts {
                let id = super::sharing::stored_principal(&account)?;
                if ends.is_none() && must_accept_invitation(owner.directory_id.as_deref(), &id, directory.as_deref()) {
                    pending.push((crate::server::ids::invitation_id(), account));
                } else {
                    accepted.push((crate::server::ids::invitation_id(), account, ends));
                }
            }
            let expires_at = db::ts(at + super::sharing::INVITATION_VALIDITY);
            share_lifecycle::record_opening_invitations(&mut tx, share_id, me, &accepted, &pending, &expires_at, &now)
                .await
                .map_err(internal)?;
        } else {
            share_lifecycle::close_to_directory(&mut tx, share_id, &now).await.map_err(internal)?;
        }
    }
    tx.commit(event).await?;
    Ok(Updated {
        name: name.as_str().to_owned(),
        principal_scope: scope,
        status: share.status,
        created_at: share.created_at,
    })
}

/// The owner's account and its share (of any status), after the permission and beta checks every
/// change to an owner's shares passes.
async fn owned_share(
    tx: &mut db::Tx,
    who: &Identity,
    share_id: &str,
) -> Result<(crate::domain::OwnerFacts, db::shares::ShareRow), AppError> {
    let me = who.account_id().as_str();
    let owner = db::accounts::account(&mut **tx, me)
        .await
        .map_err(internal)?
        .ok_or_else(AppError::unauthenticated)?
        .facts()
        .map_err(internal)?;
    check_may_manage_shares(&who.actor, &owner)?;
    let share = share_lifecycle::share_state(&mut **tx, share_id)
        .await
        .map_err(internal)?
        .filter(|s| s.owner_account_id == me)
        .ok_or(Refusal::ShareNotFound)?;
    Ok((owner, share))
}

/// The revocation time of what ends now: after the delay, or none yet while a restore holds it.
fn revoke_at(state: &AppState, timing: RemovalTiming, now: time::OffsetDateTime) -> Option<String> {
    match timing {
        RemovalTiming::Now => Some(db::ts(now + state.settings.revocation_delay)),
        RemovalTiming::AfterRestore => None,
    }
}

/// Deletes a share (Resource Sharing's DeleteResourceShare): every principal's access to every set of
/// it ends through the scheduled revocation, and the share is `Deleting` until the last one is revoked.
/// Returns the status it now has.
#[tracing::instrument(skip(state, who, event), fields(account = %who.account_id()))]
pub async fn delete_share(
    state: &AppState,
    who: &Identity,
    share_id: &str,
    event: &crate::server::audit::Event,
) -> Result<ShareStatus, AppError> {
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let (_, share) = owned_share(&mut tx, who, share_id).await?;
    let locks = share_locks(&mut tx, share_id).await?;
    let timing = plan_share_deletion(share.status, &locks)?;
    let status =
        share_lifecycle::begin_deletion(&mut tx, share_id, revoke_at(state, timing, now).as_deref(), &db::ts(now))
            .await
            .map_err(internal)?;
    tx.commit(event).await?;
    Ok(status)
}

/// A principal leaves another account's share (DisassociateResourceShare with
/// ResourceOwner=OtherAccounts): an invited account's own row enters the scheduled revocation; a share
/// the resource directory gave it can't be left. Answers the share's name.
#[tracing::instrument(skip(state, who, event), fields(account = %who.account_id()))]
pub async fn leave_share(
    state: &AppState,
    who: &Identity,
    share_id: &str,
    event: &crate::server::audit::Event,
) -> Result<String, AppError> {
    crate::domain::check_may_answer_invitations(&who.actor)?;
    let me = who.account_id().as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let share = share_lifecycle::share_state(&mut **tx, share_id)
        .await
        .map_err(internal)?
        .filter(|s| s.owner_account_id != me)
        .ok_or(Refusal::ShareNotFound)?;
    let membership = super::principal::membership_of_share(&mut tx, me, share_id).await?;
    check_leave_share(membership)?;
    check_share_active(share.status)?;
    // Leaving is the principal's own departure, not a change of the owner's sharing settings: the
    // owner's level conversion does not hold it back (it reads no principal's access); a restore
    // reading one of the share's sets still does, as for every removal.
    let locks = share_locks(&mut tx, share_id).await?;
    let timing = crate::domain::departure_timing(locks.into_iter().map(|(_, lock)| lock));
    share_lifecycle::leave(&mut tx, share_id, me, revoke_at(state, timing, now).as_deref(), &db::ts(now))
        .await
        .map_err(internal)?;
    tx.commit(event).await?;
    Ok(share.resource_share_name)
}

/// Before a rename: an invitation that no longer offers or gives the share (rejected, expired, cancelled,
/// its receiver removed and its revocation run: [`rename_shows_on_invitation`]) keeps the name its
/// receiver knew. The new name is for the share's principals from now on, and must not reach an account
/// whose relationship with it ended.
async fn keep_name_on_ended_invitations(
    tx: &mut db::Tx,
    share_id: &str,
    old_name: &str,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    let mut ended = Vec::new();
    for i in share_settings::invitations_showing_current_name(tx, share_id, &db::ts(now)).await.map_err(internal)? {
        let (expires, updated) =
            (db::parse_ts(&i.expires_at).map_err(internal)?, db::parse_ts(&i.updated_at).map_err(internal)?);
        if !rename_shows_on_invitation(i.status, expires, updated, i.removed, i.access_running, now) {
            ended.push(i.invitation_id);
        }
    }
    let ids: Vec<&str> = ended.iter().map(String::as_str).collect();
    share_settings::keep_share_name(tx, &ids, old_name).await.map_err(internal)
}

/// The locks of the backup sets still in a share: what decides whether its revocation waits for a restore.
async fn share_locks(
    tx: &mut db::Tx,
    share_id: &str,
) -> Result<Vec<(BackupSetId, crate::domain::BackupLock)>, AppError> {
    share_lifecycle::resource_locks(&mut **tx, share_id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(b, lock)| Ok((BackupSetId::parse(&b).map_err(internal)?, lock)))
        .collect()
}
