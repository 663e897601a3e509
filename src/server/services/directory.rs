//! Resource directory: the management account creates folders, invites accounts (which join only when
//! they accept, in their own console), removes members and moves them between folders; a member may
//! leave. A share that targets a folder covers whoever is in it: a member moved in gains access at once;
//! one moved out, or out of the directory, loses it through the scheduled revocation.

use crate::domain::{
    answer_directory_invitation, cancel_directory_invitation, check_folder_level, check_invite, check_leave,
    check_manager, check_name_unused, check_remove_member, parse_folder_name, AccountId, InvitationStatus, Invitee,
    ManagedDirectory, Membership, NameField, Refusal, DIRECTORY_INVITATION_VALIDITY,
};
use crate::domain::{departure_timing, parse_account_id, parse_handshake_id, BackupLock, RemovalTiming};
use crate::error::AppError;
use crate::read_model::{Directory, DirectoryInvitation, MyDirectory};
use crate::server::audit::Event;
use crate::server::auth::Identity;
use crate::server::db::directory::Departure;
use crate::server::db::{self, accounts, directory, Tx};
use crate::server::{ids, internal, state::AppState};
use std::collections::BTreeMap;

/// The directory the signed-in root account manages, with its root folder.
async fn managed(state: &AppState, who: &Identity) -> Result<(ManagedDirectory, String), AppError> {
    let found = directory::managed_directory(&state.pool, who.account_id().as_str()).await.map_err(internal)?;
    let managed = found.as_ref().map(|(directory_id, _)| ManagedDirectory {
        directory_id: directory_id.clone(),
        management_account: who.account_id().clone(),
        site: who.site,
    });
    check_manager(&who.actor, managed.as_ref())?;
    managed.zip(found.map(|(_, root)| root)).ok_or_else(|| Refusal::NotManagementAccount.into())
}

fn folder_not_found() -> AppError {
    Refusal::FolderNotFound.into()
}

/// The invitation as of `now`: a pending one past its 14 days reads as expired before the sweep.
fn invitation_view(row: DirectoryInvitation, now: time::OffsetDateTime) -> Result<DirectoryInvitation, AppError> {
    let expires_at = db::parse_ts(&row.expires_at).map_err(internal)?;
    Ok(row.as_of(expires_at, now))
}

fn invitation_views(
    rows: Vec<DirectoryInvitation>,
    now: time::OffsetDateTime,
) -> Result<Vec<DirectoryInvitation>, AppError> {
    rows.into_iter().map(|r| invitation_view(r, now)).collect()
}

pub async fn view(state: &AppState, who: &Identity) -> Result<Directory, AppError> {
    let (managed, root_folder_id) = managed(state, who).await?;
    let directory_id = managed.directory_id;
    let folders = directory::folders(&state.pool, &directory_id).await.map_err(internal)?;
    let members = directory::members(&state.pool, &directory_id).await.map_err(internal)?;
    let invitations = directory::invitations_of_directory(&state.pool, &directory_id).await.map_err(internal)?;
    let invitations = invitation_views(invitations, state.clock.now())?;
    Ok(Directory { directory_id, root_folder_id, folders, members, invitations })
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn create_folder(
    state: &AppState,
    who: &Identity,
    name: &str,
    parent: &str,
    event: &Event,
) -> Result<(), AppError> {
    let (managed, _) = managed(state, who).await?;
    let dir = managed.directory_id;
    let name = parse_folder_name(name)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    if !directory::folder_in(&mut tx, &dir, parent).await.map_err(internal)? {
        return Err(folder_not_found());
    }
    let parent_level = directory::folder_level(&mut tx, &dir, parent).await.map_err(internal)?;
    check_folder_level(usize::try_from(parent_level).map_err(internal)?)?;
    let siblings = directory::child_folder_names(&mut tx, &dir, parent).await.map_err(internal)?;
    check_name_unused(NameField::FolderName, name, siblings.iter().map(String::as_str), "in this parent folder")?;
    let id = ids::hex_id("fd", 10);
    directory::insert_folder(&mut tx, &dir, &id, parent, name).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

/// "Add member": sends the account an invitation to join, placed in `folder` once it accepts. It is no
/// member until then, so no directory-scope share reaches it.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn invite(
    state: &AppState,
    who: &Identity,
    account: &str,
    folder: &str,
    event: &Event,
) -> Result<DirectoryInvitation, AppError> {
    let (managed, _) = managed(state, who).await?;
    let account = parse_account_id(account)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let now_s = db::ts(now);
    if !directory::folder_in(&mut tx, &managed.directory_id, folder).await.map_err(internal)? {
        return Err(folder_not_found());
    }
    let row = accounts::account(&mut **tx, account.as_str()).await.map_err(internal)?;
    let pending = directory::settle_pending_invitation(&mut tx, &managed.directory_id, account.as_str(), &now_s)
        .await
        .map_err(internal)?;
    let invitee = row.map(|r| Invitee { site: r.site, directory_id: r.directory_id, pending_invitation: pending });
    check_invite(&managed, invitee.as_ref())?;
    let id = ids::handshake_id();
    directory::insert_invitation(
        &mut tx,
        &directory::NewInvitation {
            invitation_id: &id,
            directory: &managed.directory_id,
            account: account.as_str(),
            folder,
            now: &now_s,
            expires_at: &db::ts(now + DIRECTORY_INVITATION_VALIDITY),
        },
    )
    .await
    .map_err(internal)?;
    let row = directory::invitation(&mut tx, &id).await.map_err(internal)?.ok_or_else(AppError::internal)?;
    tx.commit(event).await?;
    invitation_view(row, now)
}

/// The management account cancels an invitation it sent, while it is pending.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn cancel_invitation(
    state: &AppState,
    who: &Identity,
    invitation_id: &str,
    event: &Event,
) -> Result<(), AppError> {
    let (managed, _) = managed(state, who).await?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let row = load_invitation(&mut tx, invitation_id, |r| r.directory_id == managed.directory_id).await?;
    let decided = cancel_directory_invitation(row.status, db::parse_ts(&row.expires_at).map_err(internal)?, now)?;
    directory::set_invitation_status(&mut tx, invitation_id, decided.as_str(), &db::ts(now)).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

/// An invitation as its directory (`mine` says whose it is) may see it; any other is answered as
/// missing, so invitation ids of other accounts don't leak.
async fn load_invitation(
    tx: &mut Tx,
    invitation_id: &str,
    mine: impl Fn(&DirectoryInvitation) -> bool,
) -> Result<DirectoryInvitation, AppError> {
    let invitation_id = parse_handshake_id(invitation_id)?;
    directory::invitation(tx, invitation_id)
        .await
        .map_err(internal)?
        .filter(|r| mine(r))
        .ok_or_else(|| Refusal::DirectoryInvitationNotFound.into())
}

/// The invited account accepts (and joins, in the folder the invitation names) or rejects.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn answer_invitation(
    state: &AppState,
    who: &Identity,
    invitation_id: &str,
    accept: bool,
    event: &Event,
) -> Result<DirectoryInvitation, AppError> {
    // Who may act first: an identity that may not answer learns nothing of which invitations exist.
    crate::domain::check_may_act_for_account(&who.actor)?;
    let me = who.account_id().as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let now_s = db::ts(now);
    let row = load_invitation(&mut tx, invitation_id, |r| r.account_id == me).await?;
    let status = row.status;
    let current = directory::membership(&mut tx, me).await.map_err(internal)?;
    let decided = answer_directory_invitation(
        &who.actor,
        status,
        db::parse_ts(&row.expires_at).map_err(internal)?,
        accept,
        current.as_deref(),
        now,
    )?;
    directory::set_invitation_status(&mut tx, invitation_id, decided.as_str(), &now_s).await.map_err(internal)?;
    if decided == InvitationStatus::Accepted {
        directory::add_member(&mut tx, &row.directory_id, me, &row.folder_id).await.map_err(internal)?;
        // What the directory covers again is no longer being revoked (an account that left and came back).
        let covered = super::principal::shares_reaching_by_place(&mut tx, me).await?;
        apply_coverage_change(state, &mut tx, me, &[], &covered).await?;
    }
    tx.commit(event).await?;
    tracing::info!(invitation = invitation_id, status = decided.as_str(), "directory invitation answered");
    invitation_view(DirectoryInvitation { status: decided, ..row }, now)
}

/// The Resource directory page of any account: where it is a member, and the invitations it received.
/// Read by exactly those who may answer those invitations or leave (`check_may_act_for_account`): the
/// root, or a RAM user holding AliyunResourceCenterFullAccess.
pub async fn my_directory(state: &AppState, who: &Identity) -> Result<MyDirectory, AppError> {
    crate::domain::check_may_act_for_account(&who.actor)?;
    let me = who.account_id().as_str();
    let membership = directory::membership_detail(&state.pool, me).await.map_err(internal)?;
    let invitations = directory::invitations_for_account(&state.pool, me).await.map_err(internal)?;
    Ok(MyDirectory { membership, invitations: invitation_views(invitations, state.clock.now())? })
}

/// A member leaves its directory by itself.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn leave(state: &AppState, who: &Identity, event: &Event) -> Result<(), AppError> {
    let me = who.account_id().as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let membership = directory::membership_detail(&mut **tx, me).await.map_err(internal)?;
    let facts = membership
        .as_ref()
        .map(|m| Membership { directory_id: m.directory_id.clone(), is_management: m.is_management });
    check_leave(&who.actor, facts.as_ref())?;
    let directory_id = facts.map(|m| m.directory_id).ok_or_else(AppError::internal)?;
    leave_directory(state, &mut tx, &directory_id, me).await?;
    tx.commit(event).await?;
    Ok(())
}

/// Takes `account` out of `directory_id`: every directory-scope grant it had, through the directory, a
/// folder or its own account id, goes through the scheduled revocation, and so does every grant its own
/// shares gave within the directory. Answers whether it was a member.
async fn leave_directory(state: &AppState, tx: &mut Tx, directory_id: &str, account: &str) -> Result<bool, AppError> {
    let before = super::principal::shares_reaching_by_place(tx, account).await?;
    if directory::remove_member(tx, directory_id, account).await.map_err(internal)? == 0 {
        return Ok(false);
    }
    let at = state.clock.now();
    let (revoke_at, at) = (db::ts(at + state.settings.revocation_delay), db::ts(at));
    apply_coverage_change(state, tx, account, &before, &[]).await?;
    // Each share's revocation starts now, or once the restores reading its sets end (departure_timing);
    // the invitations of the principals it revokes end with them.
    let (now, after_restore) = departure_shares(tx, account, Departure::Member).await?;
    directory::revoke_account_principals(tx, account, &now, Some(&revoke_at)).await.map_err(internal)?;
    directory::revoke_account_principals(tx, account, &after_restore, None).await.map_err(internal)?;
    directory::end_invitations_of_revoked(tx, &now, Some(account), Some(&revoke_at), &at).await.map_err(internal)?;
    directory::end_invitations_of_revoked(tx, &after_restore, Some(account), None, &at).await.map_err(internal)?;
    let (now, after_restore) = departure_shares(tx, account, Departure::Owner).await?;
    directory::revoke_principals_of_owner(tx, account, &now, Some(&revoke_at)).await.map_err(internal)?;
    directory::revoke_principals_of_owner(tx, account, &after_restore, None).await.map_err(internal)?;
    directory::end_invitations_of_revoked(tx, &now, None, Some(&revoke_at), &at).await.map_err(internal)?;
    directory::end_invitations_of_revoked(tx, &after_restore, None, None, &at).await.map_err(internal)?;
    Ok(true)
}

/// After a membership change (`before` and `after` the shares `account` held by its place): what it
/// lost enters its scheduled revocation, now or once the restores reading the share end, by the rule
/// every removal follows ([`departure_timing`]); what it holds again is no longer being revoked; and
/// what a share it did not hold was already revoking through its new place is never shown to it.
async fn apply_coverage_change(
    state: &AppState,
    tx: &mut Tx,
    account: &str,
    before: &[String],
    after: &[String],
) -> Result<(), AppError> {
    let arrived = super::principal::places_arrived_at_by(tx, account, before).await?;
    directory::record_late_arrivals(tx, account, &arrived).await.map_err(internal)?;
    let lost: Vec<String> = before.iter().filter(|s| !after.contains(s)).cloned().collect();
    if !lost.is_empty() {
        let (now, after_restore) = by_removal_timing(directory::share_locks(tx, &lost).await.map_err(internal)?);
        let revoke_at = db::ts(state.clock.now() + state.settings.revocation_delay);
        directory::revoke_coverage(tx, account, &now, Some(&revoke_at)).await.map_err(internal)?;
        directory::revoke_coverage(tx, account, &after_restore, None).await.map_err(internal)?;
    }
    directory::restore_coverage(tx, account, after).await.map_err(internal)
}

/// The shares `account`'s departure takes principals from, split by when their revocation starts:
/// (now, after the restores reading the share end).
async fn departure_shares(tx: &mut Tx, account: &str, side: Departure) -> Result<(Vec<String>, Vec<String>), AppError> {
    Ok(by_removal_timing(directory::departure_share_locks(tx, account, side).await.map_err(internal)?))
}

/// Shares, each with the locks of its sets (a row per set), split by when a removal from them enters
/// the scheduled revocation: (now, after the restores reading the share end).
fn by_removal_timing(rows: Vec<(String, Option<BackupLock>)>) -> (Vec<String>, Vec<String>) {
    let mut locks: BTreeMap<String, Vec<BackupLock>> = BTreeMap::new();
    for (share, lock) in rows {
        locks.entry(share).or_default().extend(lock);
    }
    let (mut now, mut after_restore) = (Vec::new(), Vec::new());
    for (share, locks) in locks {
        match departure_timing(locks) {
            RemovalTiming::Now => now.push(share),
            RemovalTiming::AfterRestore => after_restore.push(share),
        }
    }
    (now, after_restore)
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn move_member(
    state: &AppState,
    who: &Identity,
    account: &str,
    folder: &str,
    event: &Event,
) -> Result<(), AppError> {
    let (managed, _) = managed(state, who).await?;
    let dir = managed.directory_id;
    // What is no account id names no member (as in remove_member); the coverage reads below take a valid one.
    let account = AccountId::parse(account).ok_or(Refusal::MemberNotFound)?;
    let account = account.as_str();
    let mut tx = state.begin_action().await.map_err(internal)?;
    if !directory::folder_in(&mut tx, &dir, folder).await.map_err(internal)? {
        return Err(folder_not_found());
    }
    let before = super::principal::shares_reaching_by_place(&mut tx, account).await?;
    if directory::move_member(&mut tx, &dir, account, folder).await.map_err(internal)? == 0 {
        return Err(Refusal::MemberNotFound.into());
    }
    let after = super::principal::shares_reaching_by_place(&mut tx, account).await?;
    apply_coverage_change(state, &mut tx, account, &before, &after).await?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn remove_member(state: &AppState, who: &Identity, account: &str, event: &Event) -> Result<(), AppError> {
    let (managed, _) = managed(state, who).await?;
    let member = AccountId::parse(account).ok_or(Refusal::MemberNotFound)?;
    check_remove_member(&managed, &member)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    if !leave_directory(state, &mut tx, &managed.directory_id, member.as_str()).await? {
        return Err(Refusal::MemberNotFound.into());
    }
    tx.commit(event).await?;
    Ok(())
}
