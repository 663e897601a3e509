//! Resource directory: the management account creates folders, adds and removes member accounts and
//! moves them between folders. A share that targets a folder covers whoever is in it: a member moved in
//! gains access at once; one moved out loses it through the scheduled revocation.

use crate::api::types::{DirectoryView, FolderView, MemberView};
use crate::domain::{AccountId, ErrorKind};
use crate::error::AppError;
use crate::server::auth::Identity;
use crate::server::db::{self, accounts, directory};
use crate::server::{ids, internal, state::AppState};

fn not_management() -> AppError {
    AppError::new(ErrorKind::Forbidden, "NotManagementAccount", "Only the management account of a resource directory can change it.")
}

/// The directory the signed-in root account manages.
async fn managed(state: &AppState, who: &Identity) -> Result<(String, String), AppError> {
    if !who.actor.is_root {
        return Err(not_management());
    }
    directory::managed_directory(&state.pool, who.account_id().as_str()).await.map_err(internal)?.ok_or_else(not_management)
}

fn folder_not_found() -> AppError {
    AppError::not_found("EntityNotExists.Folder", "The folder does not exist in your resource directory.")
}

pub async fn view(state: &AppState, who: &Identity) -> Result<DirectoryView, AppError> {
    let (directory_id, root_folder_id) = managed(state, who).await?;
    let folders = directory::folders(&state.pool, &directory_id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|f| FolderView { folder_id: f.folder_id, parent_folder_id: f.parent_folder_id, folder_name: f.folder_name })
        .collect();
    let members = directory::members(&state.pool, &directory_id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|m| MemberView { is_management: m.account_id == who.account_id().as_str(), account_id: m.account_id, display_name: m.display_name, folder_id: m.folder_id })
        .collect();
    Ok(DirectoryView { directory_id, root_folder_id, folders, members })
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn create_folder(state: &AppState, who: &Identity, name: &str, parent: &str) -> Result<(), AppError> {
    let (dir, _) = managed(state, who).await?;
    let name = name.trim();
    if !(1..=64).contains(&name.chars().count()) || name.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | '/' | '\\')) {
        return Err(AppError::invalid("InvalidParameter.FolderName", "A folder name has 1-64 characters and no < > / or \\."));
    }
    let mut tx = state.begin_write().await.map_err(internal)?;
    if !directory::folder_in(&mut tx, &dir, parent).await.map_err(internal)? {
        return Err(folder_not_found());
    }
    let id = ids::hex_id("fd", 10);
    directory::insert_folder(&mut tx, &dir, &id, parent, name).await.map_err(internal)?;
    db::commit(tx).await.map_err(internal)?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn add_member(state: &AppState, who: &Identity, account: &str, folder: &str) -> Result<(), AppError> {
    let (dir, _) = managed(state, who).await?;
    let account = AccountId::parse(account.trim())
        .ok_or_else(|| AppError::invalid("InvalidParameter.AccountId", "An account ID has 16 digits."))?;
    let mut tx = state.begin_write().await.map_err(internal)?;
    let row = accounts::account(&mut *tx, account.as_str())
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::not_found("EntityNotExists.Account", "The account does not exist."))?;
    if row.site != who.site.domain() {
        return Err(AppError::new(ErrorKind::Conflict, "InvalidTarget.SiteMismatch", "A resource directory cannot span aliyun.com and alibabacloud.com accounts."));
    }
    if directory::membership(&mut tx, account.as_str()).await.map_err(internal)?.is_some() {
        return Err(AppError::new(ErrorKind::Conflict, "AccountAlreadyInResourceDirectory", "The account is already a member of a resource directory."));
    }
    if !directory::folder_in(&mut tx, &dir, folder).await.map_err(internal)? {
        return Err(folder_not_found());
    }
    directory::add_member(&mut tx, &dir, account.as_str(), folder).await.map_err(internal)?;
    db::commit(tx).await.map_err(internal)?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn move_member(state: &AppState, who: &Identity, account: &str, folder: &str) -> Result<(), AppError> {
    let (dir, _) = managed(state, who).await?;
    let mut tx = state.begin_write().await.map_err(internal)?;
    if !directory::folder_in(&mut tx, &dir, folder).await.map_err(internal)? {
        return Err(folder_not_found());
    }
    let before = directory::shares_covering(&mut tx, account).await.map_err(internal)?;
    if directory::move_member(&mut tx, &dir, account, folder).await.map_err(internal)? == 0 {
        return Err(AppError::not_found("EntityNotExists.Member", "The account is not a member of your resource directory."));
    }
    let after = directory::shares_covering(&mut tx, account).await.map_err(internal)?;
    let revoke_at = db::ts(state.clock.now() + state.settings.revocation_delay);
    directory::apply_coverage_change(&mut tx, account, &before, &after, &revoke_at).await.map_err(internal)?;
    db::commit(tx).await.map_err(internal)?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn remove_member(state: &AppState, who: &Identity, account: &str) -> Result<(), AppError> {
    let (dir, _) = managed(state, who).await?;
    if account == who.account_id().as_str() {
        return Err(AppError::new(ErrorKind::Conflict, "OperationDenied.ManagementAccount", "The management account cannot leave its own resource directory."));
    }
    let mut tx = state.begin_write().await.map_err(internal)?;
    let before = directory::shares_covering(&mut tx, account).await.map_err(internal)?;
    if directory::remove_member(&mut tx, &dir, account).await.map_err(internal)? == 0 {
        return Err(AppError::not_found("EntityNotExists.Member", "The account is not a member of your resource directory."));
    }
    let revoke_at = db::ts(state.clock.now() + state.settings.revocation_delay);
    directory::apply_coverage_change(&mut tx, account, &before, &[], &revoke_at).await.map_err(internal)?;
    db::commit(tx).await.map_err(internal)?;
    Ok(())
}
