//! Renaming a resource share (Resource Sharing's UpdateResourceShare): the same name rule, the same
//! permission and beta rule, and the same per-owner uniqueness as creating one, in one transaction.

use crate::domain::{check_may_manage_shares, ResourceShareName, Refusal};
use crate::error::AppError;
use crate::server::auth::Identity;
use crate::server::db::{self, share_settings};
use crate::server::{internal, state::AppState};

/// The renamed share: its scope and creation time, for the answer.
pub struct Renamed {
    pub name: String,
    pub principal_scope: String,
    pub created_at: String,
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn rename_share(state: &AppState, who: &Identity, share_id: &str, name: &str, event: &crate::server::audit::Event) -> Result<Renamed, AppError> {
    let name = ResourceShareName::parse(name)?;
    let me = who.account_id().as_str();
    let now = db::ts(state.clock.now());
    let mut tx = state.begin_action().await.map_err(internal)?;
    let owner = db::accounts::account(&mut **tx, me).await.map_err(internal)?.ok_or_else(AppError::unauthenticated)?;
    check_may_manage_shares(&who.actor, &owner.facts().map_err(internal)?)?;
    let share = share_settings::share(&mut tx, share_id).await.map_err(internal)?.filter(|s| s.owner_account_id == me).ok_or(Refusal::ShareNotFound)?;
    if share.status != "Active" {
        return Err(Refusal::ShareNotActive.into());
    }
    if share_settings::name_taken(&mut tx, me, name.as_str(), share_id).await.map_err(internal)? {
        return Err(Refusal::NameTaken { name: name.as_str().to_owned() }.into());
    }
    share_settings::rename(&mut tx, share_id, name.as_str(), &now).await.map_err(internal)?;
    tx.commit(event).await.map_err(internal)?;
    Ok(Renamed { name: name.as_str().to_owned(), principal_scope: share.principal_scope, created_at: share.created_at })
}
