//! AccessKey pairs: the account's root makes them for itself and its RAM users (at most two each),
//! disables, enables and deletes them. A secret leaves the server once, in the answer that creates it,
//! and is never logged (`#[instrument]` skips it; the audit trail records the id only).

use crate::domain::{
    check_create_access_key, check_not_created_already, check_request_token, check_set_access_key_status,
    AccessKeyStatus, Refusal, REQUEST_TOKEN_MEMORY,
};
use crate::error::AppError;
use crate::read_model::{AccessKey, NewAccessKey};
use crate::server::auth::Identity;
use crate::server::db::{self, access_keys, Tx};
use crate::server::{audit, ids, internal, state::AppState};
use time::OffsetDateTime;

/// Every pair of the account's identities (root only: RAM users manage no keys, as on the RAM page).
pub async fn list(state: &AppState, who: &Identity) -> Result<Vec<AccessKey>, AppError> {
    if !who.actor.is_root {
        return Err(Refusal::AccessKeyRootOnly.into());
    }
    access_keys::account_keys(&state.pool, who.account_id().as_str()).await.map_err(internal)
}

/// Creates a pair for `login` (the root itself or one of its RAM users). A `request_token` the identity
/// used within the hour makes no second pair: the console's form sends one token each time it is shown,
/// so a double-submitted form is refused as already done (without the secret, sent once). The token is
/// looked up and remembered in the creation's own write transaction, so two racing submissions of it
/// make one pair.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn create(
    state: &AppState,
    who: &Identity,
    login: &str,
    request_token: Option<&str>,
    event: &audit::Event,
) -> Result<NewAccessKey, AppError> {
    if !who.actor.is_root {
        return Err(Refusal::AccessKeyRootOnly.into());
    }
    if let Some(token) = request_token {
        check_request_token(token)?;
    }
    let mut tx = state.begin_action().await.map_err(internal)?;
    let identity = access_keys::identity_in_account(&mut tx, who.account_id().as_str(), login)
        .await
        .map_err(internal)?
        .ok_or(Refusal::RamUserNotFound)?;
    let now = tx.now();
    if let Some(token) = request_token {
        let since = db::ts(now - REQUEST_TOKEN_MEMORY);
        check_not_created_already(
            access_keys::created_by_request(&mut tx, identity, token, &since).await.map_err(internal)?,
        )?;
    }
    let created = create_in(&mut tx, identity, login, true, now).await?;
    if let Some(token) = request_token {
        access_keys::remember_request(&mut tx, identity, token, &created.access_key_id, &db::ts(now))
            .await
            .map_err(internal)?;
    }
    event.name_target(&created_target(&created));
    tx.commit(event).await?;
    Ok(created)
}

/// What a creation's event names: the identity and the new pair's id (never its secret), so the trail
/// ties the pair's later use (`api:<AccessKeyId>`) and changes to its creation.
fn created_target(created: &NewAccessKey) -> String {
    format!("{}: {}", created.login_name, created.access_key_id)
}

/// The rule and the write shared by the console and the command line, in the caller's transaction.
async fn create_in(
    tx: &mut Tx,
    identity_id: i64,
    login: &str,
    is_root: bool,
    now: OffsetDateTime,
) -> Result<NewAccessKey, AppError> {
    let existing = access_keys::count_for_identity(tx, identity_id).await.map_err(internal)?;
    check_create_access_key(is_root, usize::try_from(existing).map_err(internal)?)?;
    let (access_key_id, secret) = (ids::access_key_id(), ids::access_key_secret());
    access_keys::insert(tx, &access_key_id, identity_id, &secret, &db::ts(now)).await.map_err(internal)?;
    Ok(NewAccessKey { access_key_id, access_key_secret: secret, login_name: login.to_owned() })
}

/// Disables (`active = false`) or enables a pair of the account's.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn set_status(
    state: &AppState,
    who: &Identity,
    access_key_id: &str,
    active: bool,
    event: &audit::Event,
) -> Result<(), AppError> {
    let mut tx = state.begin_action().await.map_err(internal)?;
    let current = owned_key(&mut tx, who, access_key_id).await?;
    let wanted = if active { AccessKeyStatus::Active } else { AccessKeyStatus::Inactive };
    check_set_access_key_status(who.actor.is_root, current, wanted)?;
    access_keys::set_status(&mut tx, access_key_id, wanted).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn delete(
    state: &AppState,
    who: &Identity,
    access_key_id: &str,
    event: &audit::Event,
) -> Result<(), AppError> {
    let mut tx = state.begin_action().await.map_err(internal)?;
    owned_key(&mut tx, who, access_key_id).await?;
    access_keys::delete(&mut tx, access_key_id).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

/// A pair of the caller's account and its status; another account's pair is not found.
async fn owned_key(tx: &mut Tx, who: &Identity, access_key_id: &str) -> Result<AccessKeyStatus, AppError> {
    if !who.actor.is_root {
        return Err(Refusal::AccessKeyRootOnly.into());
    }
    Ok(access_keys::status_in_account(tx, who.account_id().as_str(), access_key_id)
        .await
        .map_err(internal)?
        .ok_or(Refusal::AccessKeyNotFound)?)
}

/// `polarshare access-key create --login NAME`: a pair for any root or RAM user, made by whoever runs
/// the server binary on its database (scripts and CI, with no browser). Audited in the identity's
/// account as done from the command line.
pub async fn create_for_login(
    writer: &db::Writer,
    clock: &crate::server::clock::Clock,
    login: &str,
) -> Result<NewAccessKey, AppError> {
    let mut tx = audit::ActionTx::begin(writer, clock).await.map_err(internal)?;
    let found = db::accounts::identity_by_login(&mut **tx, login).await.map_err(internal)?;
    let identity = found
        .filter(|i| matches!(i.kind, crate::domain::IdentityKind::Root | crate::domain::IdentityKind::RamUser))
        .ok_or_else(|| Refusal::NoSuchLogin { login: login.to_owned() })?;
    let now = tx.now();
    let created = create_in(&mut tx, identity.identity_id, login, true, now).await?;
    let event = audit::Event::by_command_line(
        clock.clone(),
        &identity.account_id,
        "CreateAccessKey",
        &created_target(&created),
    );
    tx.commit(&event).await?;
    Ok(created)
}
