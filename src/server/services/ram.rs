//! RAM: the account (root) creates RAM users, sets their passwords, attaches and detaches the system
//! policies, and deletes them. Policies take effect on the user's next request.

use crate::domain::{check_password_policy, ram_user_login, ConsolePage, PageRequest, Refusal};
use crate::domain::{check_policy_change, parse_policy_name};
use crate::error::AppError;
use crate::read_model::{Paged, RamUser, RamUsers};
use crate::server::audit::Event;
use crate::server::auth::{hash_new_password, Identity};
use crate::server::db::{self, paging, ram};
use crate::server::{internal, state::AppState};

fn root_only(who: &Identity) -> Result<(), AppError> {
    Ok(who.actor.may_act_as_root("manage RAM users")?)
}

fn not_found() -> AppError {
    Refusal::RamUserNotFound.into()
}

pub async fn list(state: &AppState, who: &Identity, page: PageRequest) -> Result<RamUsers, AppError> {
    who.actor.may_open(ConsolePage::RamUsers)?;
    let (rows, total) =
        paging::load_page(page, |limit, offset| ram::ram_users(&state.pool, who.account_id().as_str(), limit, offset))
            .await
            .map_err(internal)?;
    let users = rows
        .into_iter()
        .map(|u| {
            Ok(RamUser {
                policies: db::accounts::policy_list(u.policies.as_deref()).map_err(internal)?,
                login_name: u.login_name,
                created_at: u.created_at,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(RamUsers { users: Paged::new(users, total, page) })
}

#[tracing::instrument(skip(state, who, password), fields(account = %who.account_id()))]
pub async fn create(
    state: &AppState,
    who: &Identity,
    login: &str,
    password: &str,
    event: &Event,
) -> Result<(), AppError> {
    root_only(who)?;
    // The name within the account's own namespace (name@alias), which only its own users can hold. The
    // alias is set when the account is made and never changes: as the session read it.
    let login = ram_user_login(login, &who.login_alias)?;
    check_password_policy(password, &login)?;
    let hash = hash_new_password(state, password).await?.0;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = db::ts(tx.now());
    if ram::login_taken(&mut tx, &login).await.map_err(internal)? {
        return Err(Refusal::LoginTaken.into());
    }
    db::accounts::insert_identity(&mut tx, who.account_id().as_str(), &login, "ram_user", &hash, &[], &now)
        .await
        .map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who, password), fields(account = %who.account_id()))]
pub async fn set_password(
    state: &AppState,
    who: &Identity,
    login: &str,
    password: &str,
    event: &Event,
) -> Result<(), AppError> {
    root_only(who)?;
    check_password_policy(password, login)?;
    let hash = hash_new_password(state, password).await?.0;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let id =
        ram::ram_user_id(&mut tx, who.account_id().as_str(), login).await.map_err(internal)?.ok_or_else(not_found)?;
    ram::set_password(&mut tx, id, &hash).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn set_policy(
    state: &AppState,
    who: &Identity,
    login: &str,
    policy: &str,
    attached: bool,
    event: &Event,
) -> Result<(), AppError> {
    root_only(who)?;
    let policy = parse_policy_name(policy)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let id =
        ram::ram_user_id(&mut tx, who.account_id().as_str(), login).await.map_err(internal)?.ok_or_else(not_found)?;
    // Read in the same write transaction as the change, so two attaches of one policy can't both pass.
    let held = db::accounts::policy_list(ram::policies_of(&mut tx, id).await.map_err(internal)?.as_deref())
        .map_err(internal)?;
    check_policy_change(&held, policy, attached)?;
    ram::set_policy(&mut tx, id, policy.as_str(), attached).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn delete(state: &AppState, who: &Identity, login: &str, event: &Event) -> Result<(), AppError> {
    root_only(who)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let id =
        ram::ram_user_id(&mut tx, who.account_id().as_str(), login).await.map_err(internal)?.ok_or_else(not_found)?;
    ram::delete_ram_user(&mut tx, id).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}
