//! First-run setup, from the command line (`polarshare create-operator`, `polarshare create-account`):
//! an empty system gets its platform operator and its cloud accounts here, each with a password that
//! meets the policy (given on stdin, or generated and shown once).

use crate::domain::{check_password_policy, Site};
use crate::domain::{parse_account_name, parse_site};
use crate::error::AppError;
use crate::server::audit::{ActionTx, Event};
use crate::server::auth::{hash_password, PasswordHashString};
use crate::server::clock::Clock;
use crate::server::db::{self, accounts, ram, seed};
use crate::server::{ids, internal};
use sqlx::SqlitePool;
use time::OffsetDateTime;

/// The account the platform operators sign in under (it owns no resources).
pub const PLATFORM_ACCOUNT: &str = seed::PLATFORM;

/// What was created: the sign-in name, its account, and the password when it was generated here.
#[derive(Debug, Clone)]
pub struct Created {
    pub login: String,
    pub account_id: String,
    pub generated_password: Option<String>,
}

/// A new cloud account and its root identity.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub display_name: String,
    pub login: String,
    pub site: String,
    /// Shared backup sets are in beta: whether this account has it enabled from the start.
    pub beta_enabled: bool,
}

/// The password to set: the one given (checked against the policy) or a generated one.
async fn password_for(login: &str, given: Option<&str>) -> Result<(PasswordHashString, Option<String>), AppError> {
    let (password, generated) = match given {
        Some(p) => {
            check_password_policy(p, login)?;
            (p.to_owned(), None)
        }
        None => {
            let p = ids::password(login);
            (p.clone(), Some(p))
        }
    };
    // A single hash, off the async threads (there is no request flood to bound here).
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| internal(anyhow::anyhow!(e)))?
        .map_err(internal)?;
    Ok((hash, generated))
}

fn login_taken() -> AppError {
    crate::domain::Refusal::LoginTaken.into()
}

/// Creates a platform operator (the platform's account is made on first use), recorded in the
/// platform's trail as the command line's.
pub async fn create_operator(
    writer: &db::Writer,
    clock: &Clock,
    login: &str,
    password: Option<&str>,
) -> Result<Created, AppError> {
    let login = login.trim();
    crate::domain::parse_root_login(login)?;
    let (hash, generated_password) = password_for(login, password).await?;
    let mut tx = ActionTx::begin(writer, clock).await.map_err(internal)?;
    let now = db::ts(tx.now());
    if ram::login_taken(&mut tx, login).await.map_err(internal)? {
        return Err(login_taken());
    }
    if !accounts::account_exists(&mut tx, PLATFORM_ACCOUNT).await.map_err(internal)? {
        accounts::insert_account(&mut tx, PLATFORM_ACCOUNT, "polarshare platform", Site::China.as_str(), false, &now)
            .await
            .map_err(internal)?;
    }
    accounts::insert_identity(&mut tx, PLATFORM_ACCOUNT, login, "operator", &hash.0, &[], &now)
        .await
        .map_err(internal)?;
    tx.commit(&Event::by_command_line(clock.clone(), PLATFORM_ACCOUNT, "CreateOperator", login)).await?;
    Ok(Created { login: login.to_owned(), account_id: PLATFORM_ACCOUNT.to_owned(), generated_password })
}

/// Creates a cloud account with a new UID and its root identity (and the regions, on an empty system):
/// the command line's `create-account`. Audited as the operator's console does it (see
/// [`create_account_as_operator`]), with the command line in the platform's trail.
pub async fn create_account(
    writer: &db::Writer,
    clock: &Clock,
    account: &NewAccount,
    password: Option<&str>,
) -> Result<Created, AppError> {
    let mut tx = ActionTx::begin(writer, clock).await.map_err(internal)?;
    let now = tx.now();
    let created = insert_account(&mut tx, now, account, password).await?;
    let event = Event::by_command_line(clock.clone(), PLATFORM_ACCOUNT, "CreateAccount", &created.login);
    event.for_customer(&created.account_id).write(&mut tx, "Success", "").await.map_err(internal)?;
    tx.commit(&event).await?;
    Ok(created)
}

async fn insert_account(
    tx: &mut db::Tx,
    now: OffsetDateTime,
    account: &NewAccount,
    password: Option<&str>,
) -> Result<Created, AppError> {
    let login = account.login.trim();
    crate::domain::parse_root_login(login)?;
    let name = parse_account_name(&account.display_name)?;
    let site = parse_site(&account.site)?;
    let (hash, generated_password) = password_for(login, password).await?;
    let now = db::ts(now);
    if ram::login_taken(tx, login).await.map_err(internal)? {
        return Err(login_taken());
    }
    // The id is also the account's alias (its RAM users' ending): one that an older sign-in name of
    // another account ends with would let the new root probe that name by creating it.
    let account_id = loop {
        let id = ids::account_id();
        if id != PLATFORM_ACCOUNT
            && !accounts::account_exists(tx, &id).await.map_err(internal)?
            && accounts::alias_free(tx, &id).await.map_err(internal)?
        {
            break id;
        }
    };
    accounts::insert_regions(tx).await.map_err(internal)?;
    accounts::insert_account(tx, &account_id, name, site.as_str(), account.beta_enabled, &now)
        .await
        .map_err(internal)?;
    accounts::insert_identity(tx, &account_id, login, "root", &hash.0, &[], &now).await.map_err(internal)?;
    Ok(Created { login: login.to_owned(), account_id, generated_password })
}

/// `polarshare backup --to FILE`: a copy of the database as it is now, every AccessKey secret and
/// password hash in it, recorded in the platform's trail as the command line's once it is made (so not
/// in the copy itself). A copy whose event can't be recorded is removed: none is left unrecorded.
pub async fn backup(database: &db::Database, clock: &Clock, to: &str) -> anyhow::Result<()> {
    db::backup_to(&database.pool, to).await?;
    let event = Event::by_command_line(clock.clone(), PLATFORM_ACCOUNT, "BackupDatabase", to);
    if let Err(e) = event.record_alone(&database.writer, "Success", "").await {
        let _ = std::fs::remove_file(to);
        return Err(e.context("recording the backup in the audit trail"));
    }
    Ok(())
}

/// What the server found (and did) on start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstRun {
    /// The demo data went in (asked for, into an empty database).
    pub seeded_demo: bool,
    /// Nobody can decide tickets yet: `create-operator` is the next step.
    pub operator_missing: bool,
}

/// Before serving: the demo data when asked for (`--demo-data`; never by default, its passwords are
/// public), and whether the first-run step is still to do.
pub async fn prepare_database(pool: &SqlitePool, demo_data: bool, now: OffsetDateTime) -> anyhow::Result<FirstRun> {
    let seeded_demo = demo_data && seed::insert_demo_if_empty(pool, now, seed::Demo::WithHistory).await?;
    let operator_missing = accounts::operator_count(pool).await? == 0;
    Ok(FirstRun { seeded_demo, operator_missing })
}

/// The operator's console does what `create-account` does; the generated password is shown to it once.
/// Audited in both trails (see [`Event::for_customer`]).
pub async fn create_account_as_operator(
    state: &crate::server::state::AppState,
    who: &crate::server::auth::Identity,
    account: &NewAccount,
    event: &Event,
) -> Result<crate::read_model::CreatedAccount, AppError> {
    crate::domain::check_creates_accounts(who.kind == crate::domain::IdentityKind::Operator)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let created = insert_account(&mut tx, now, account, None).await?;
    // The new account's trail starts with its creation, by the provider's support; the operator's own
    // event stays in the platform's trail. Both commit with the account.
    event.for_customer(&created.account_id).write(&mut tx, "Success", "").await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(crate::read_model::CreatedAccount {
        account_id: created.account_id,
        login_name: created.login,
        password: created.generated_password.unwrap_or_default(),
    })
}
