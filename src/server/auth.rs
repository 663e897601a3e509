//! Sign-in: argon2 password hashes, database-backed sessions and the identity behind a request.

use super::{audit, db, ids, internal, state::AppState};
use crate::domain::{AccountId, Actor, ErrorKind, OwnerFacts, Policy, Site};
use crate::error::AppError;
use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use http::HeaderMap;
use sha2::{Digest, Sha256};
use time::Duration;

pub const SESSION_COOKIE: &str = "polarshare_session";
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
const MAX_LOGIN_CHARS: usize = 128;
const MAX_PASSWORD_CHARS: usize = 256;

/// A password hash. Deliberately not `Serialize`: it never leaves the server.
pub struct PasswordHashString(pub String);

pub fn hash_password(password: &str) -> anyhow::Result<PasswordHashString> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(PasswordHashString(hash.to_string()))
}

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Root,
    RamUser,
    Operator,
}

impl IdentityKind {
    fn parse(s: &str) -> IdentityKind {
        match s {
            "root" => IdentityKind::Root,
            "operator" => IdentityKind::Operator,
            _ => IdentityKind::RamUser,
        }
    }
}

/// Who is making the request.
#[derive(Debug, Clone)]
pub struct Identity {
    pub identity_id: i64,
    pub login_name: String,
    pub kind: IdentityKind,
    pub account_name: String,
    pub site: Site,
    /// The signed-in account's facts as of this request (sharing decisions re-read them in their transaction).
    pub account: OwnerFacts,
    pub actor: Actor,
}

impl Identity {
    pub fn account_id(&self) -> &AccountId {
        &self.actor.account_id
    }
}

fn digest(token: &str) -> String {
    ids::hex(&Sha256::digest(token.as_bytes()))
}

fn bad_credentials() -> AppError {
    AppError::new(ErrorKind::Unauthenticated, "InvalidCredentials", "The sign-in name or password is incorrect.")
}

/// A successful sign-in: the session token, and whether it is the platform operator (whose console
/// starts at the tickets).
pub struct SignedIn {
    pub token: String,
    pub is_operator: bool,
}

/// Checks the password and opens a session. Whose name was used (known even when the password is wrong)
/// is handed to the audit trail, so the attempt is filed with that account.
#[tracing::instrument(skip(state, password))]
pub async fn sign_in(state: &AppState, login: &str, password: &str) -> Result<SignedIn, AppError> {
    let mut claimed = None;
    let token = check_and_open_session(state, login, password, &mut claimed).await?;
    Ok(SignedIn { token, is_operator: claimed.is_some_and(|i| i.kind == "operator") })
}

/// `claimed` receives the identity the name belongs to, if any, whatever the outcome.
async fn check_and_open_session(
    state: &AppState,
    login: &str,
    password: &str,
    claimed: &mut Option<db::accounts::IdentityRow>,
) -> Result<String, AppError> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() {
        return Err(AppError::invalid("MissingParameter", "Enter your sign-in name and password."));
    }
    if login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(bad_credentials());
    }
    let found = db::accounts::identity_by_login(&state.pool, login).await.map_err(internal)?;
    // Verify against a throwaway hash when the name is unknown, so response time doesn't reveal which
    // sign-in names exist. Argon2 is CPU-heavy, so it runs off the async workers.
    let stored = found.as_ref().map(|i| i.password_hash.clone());
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = hash_password(&password);
            false
        }
    })
    .await
    .map_err(|e| internal(anyhow::anyhow!(e)))?;
    if let Some(identity) = &found {
        audit::set_account(&identity.account_id);
    }
    *claimed = found;
    let Some(identity) = claimed.as_ref().filter(|_| ok) else {
        tracing::info!(login, "sign-in refused");
        return Err(bad_credentials());
    };

    let token = ids::session_token();
    let now = state.clock.now();
    let mut tx = state.begin_write().await.map_err(internal)?;
    db::accounts::insert_session(&mut tx, &digest(&token), identity.identity_id, &db::ts(now), &db::ts(now + SESSION_LIFETIME))
        .await
        .map_err(internal)?;
    db::commit(tx).await.map_err(internal)?;
    Ok(token)
}

pub async fn sign_out(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    if let Some(token) = session_token(headers) {
        db::accounts::delete_session(&state.pool, &digest(&token)).await.map_err(internal)?;
    }
    Ok(())
}

/// The identity of a request's live session, or `None` when signed out (no cookie, unknown or expired).
pub async fn identity(state: &AppState, headers: &HeaderMap) -> Result<Option<Identity>, AppError> {
    let Some(token) = session_token(headers) else { return Ok(None) };
    let now = db::ts(state.clock.now());
    let Some(row) = db::accounts::session_identity(&state.pool, &digest(&token), &now).await.map_err(internal)? else {
        return Ok(None);
    };
    let kind = IdentityKind::parse(&row.kind);
    let policies = row.policies.as_deref().unwrap_or("").split(',').filter_map(Policy::parse).collect();
    let account_id = AccountId::parse(&row.account_id).context("stored account id").map_err(internal)?;
    let site = Site::parse(&row.site).context("stored site").map_err(internal)?;
    Ok(Some(Identity {
        identity_id: row.identity_id,
        login_name: row.login_name,
        kind,
        account_name: row.display_name,
        site,
        account: OwnerFacts {
            account_id: account_id.clone(),
            site,
            beta_enabled: row.beta_enabled,
            share_quota: u32::try_from(row.share_quota).context("stored quota").map_err(internal)?,
            directory_id: row.directory_id,
        },
        actor: Actor { account_id, is_root: kind == IdentityKind::Root, policies },
    }))
}

pub async fn require_identity(state: &AppState, headers: &HeaderMap) -> Result<Identity, AppError> {
    identity(state, headers).await?.ok_or_else(AppError::unauthenticated)
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The Set-Cookie value for a new session: HttpOnly (no script can read it) and SameSite=Lax (other
/// sites can't make the browser send it with their POSTs).
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        SESSION_LIFETIME.whole_seconds()
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}
