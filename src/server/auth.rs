//! Sign-in: argon2 password hashes, database-backed sessions and the identity behind a request.

use super::grant::{Credential, Grant};
use super::workers::{Busy, Workers};
use super::{audit, db, ids, internal, state::AppState};
use crate::domain::{
    check_password_policy, renewed_session_end, session_end_at_sign_in, AccountId, Actor, Admission, Attempt,
    IdentityKind, OwnerFacts, SignInThrottle, Site, ThrottleRule, Throttled, KNOWN_DEVICE_LIFETIME,
};
use crate::domain::{duration_words, Refusal};
use crate::error::AppError;
use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The audit channel of everything done through the console (a signed-in browser).
pub const CONSOLE_CHANNEL: &str = "console";
pub const SESSION_COOKIE: &str = "polarshare_session";
/// The session cookie's name over HTTPS (`--secure-cookies`). Browsers take a `__Host-` cookie only
/// from this very host, marked Secure, with Path=/ and no Domain: a sibling subdomain or a plain-http
/// answer can't plant one. Under the plain name they can, and a planted cookie (on a longer path, sent
/// first) would be read as the session: the victim would act in the planter's account.
pub const SECURE_SESSION_COOKIE: &str = "__Host-polarshare_session";

fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The cookie of a browser that has signed a name in (see [`Admitted`]); `__Host-` over HTTPS, as the
/// session's.
pub const KNOWN_DEVICE_COOKIE: &str = "polarshare_device";
pub const SECURE_KNOWN_DEVICE_COOKIE: &str = "__Host-polarshare_device";

fn known_device_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_KNOWN_DEVICE_COOKIE
    } else {
        KNOWN_DEVICE_COOKIE
    }
}
pub use crate::domain::SESSION_LIFETIME;
const MAX_LOGIN_CHARS: usize = 128;
const MAX_PASSWORD_CHARS: usize = 256;

/// A password hash. Deliberately not `Serialize`: it never leaves the server.
pub struct PasswordHashString(pub String);

pub fn hash_password(password: &str) -> anyhow::Result<PasswordHashString> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = Argon2::default();
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| anyhow::anyhow!("decoding a new salt: {e}"))?;
    let output =
        Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| argon2_into(&argon2, password.as_bytes(), salt_bytes, out))
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    let hash = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params())
            .map_err(|e| anyhow::anyhow!("encoding argon2 parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(PasswordHashString(hash.to_string()))
}

fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else { return false };
    let Ok(version) = hash.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&hash) else { return false };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else { return false };
    // `Output`'s equality is constant-time.
    Output::init_with(expected.len(), |out| argon2_into(&argon2, password.as_bytes(), salt_bytes, out))
        .is_ok_and(|out| out == expected)
}

thread_local! {
    /// Argon2's working memory (~19 MiB), kept by each thread that hashes (the bounded pool's) and
    /// reused. Allocated afresh per hash, as `Argon2::hash_password` does, glibc did not reuse the
    /// freed 64-byte-aligned blocks: the server grew ~19 MiB per failed sign-in (measured: 35 MB to
    /// 171 MB after 8 sequential ones, 386 MB after a few floods).
    static ARGON2_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn argon2_into(argon2: &Argon2, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::password_hash::Result<()> {
    let blocks = argon2.params().block_count();
    ARGON2_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Ok(argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])?)
    })
}

/// Who is making the request.
#[derive(Debug, Clone)]
pub struct Identity {
    pub identity_id: i64,
    pub login_name: String,
    pub kind: IdentityKind,
    pub account_name: String,
    /// The ending of the account's RAM users' sign-in names (`name@alias`).
    pub login_alias: String,
    pub site: Site,
    /// How it proved who it is: with its policies, what its writes check is still in place.
    pub credential: Credential,
    /// The signed-in account's facts as of this request (sharing decisions re-read them in their transaction).
    pub account: OwnerFacts,
    pub actor: Actor,
}

impl Identity {
    pub fn account_id(&self) -> &AccountId {
        &self.actor.account_id
    }

    /// What this request's access rests on, for its writes to check again (see `server::grant`).
    pub fn grant(&self) -> Grant {
        Grant {
            identity_id: self.identity_id,
            credential: self.credential.clone(),
            policies: self.actor.policies.clone(),
        }
    }

    /// Whether this identity may read what `page` shows: its policies ([`crate::domain::Actor::may_open`]),
    /// except that the platform operator, which holds none, reads every account's tickets and its own
    /// audit trail.
    pub fn may_read(&self, page: crate::domain::ConsolePage) -> Result<(), Refusal> {
        use crate::domain::ConsolePage::{AuditTrail, Tickets};
        match (self.kind, page) {
            (IdentityKind::Operator, Tickets | AuditTrail) => Ok(()),
            _ => self.actor.may_open(page),
        }
    }
}

fn digest(token: &str) -> String {
    ids::hex(&Sha256::digest(token.as_bytes()))
}

fn bad_credentials() -> AppError {
    Refusal::BadCredentials.into()
}

fn busy() -> AppError {
    Refusal::SignInBusy.into()
}

fn throttled(wait: Throttled, now: time::OffsetDateTime) -> AppError {
    Refusal::SignInThrottled { wait, now }.into()
}

/// What stands between the network and the password hashes: the sign-in throttle and the bounded pools
/// that hash. One per server (tests make one per app); clones share it.
#[derive(Clone, Debug)]
pub struct SignInGuard {
    throttle: Arc<Mutex<SignInThrottle>>,
    /// Checks a password (sign-in, and the current one of a change).
    workers: Workers,
    /// Checks the password of a sign-in from a browser known for its name: a lane of its own, which a
    /// flood of sign-ins from elsewhere can't fill (see [`Admitted`]).
    known_devices: Workers,
    /// Hashes a new password: a pool of its own, because setting passwords is throttled by nothing but
    /// being signed in, and a root setting them without pause must not leave sign-ins no room.
    new_passwords: Workers,
}

/// The throttle remembers at most this many sign-in names and as many addresses (~100 bytes each).
pub const THROTTLE_CAPACITY: usize = 10_000;

/// New passwords waiting to be hashed (on one thread) before the next is refused as busy.
const NEW_PASSWORD_QUEUE: usize = 8;

/// Sign-ins from known browsers waiting to be checked (on one thread) before the next is refused as busy.
const KNOWN_DEVICE_QUEUE: usize = 8;

impl SignInGuard {
    pub fn new(per_login: ThrottleRule, per_address: ThrottleRule) -> Self {
        SignInGuard {
            throttle: Arc::new(Mutex::new(SignInThrottle::new(per_login, per_address, THROTTLE_CAPACITY))),
            workers: Workers::for_this_machine(),
            known_devices: Workers::spawn(1, KNOWN_DEVICE_QUEUE),
            new_passwords: Workers::spawn(1, NEW_PASSWORD_QUEUE),
        }
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, SignInThrottle> {
        self.throttle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Puts back the sign-in locks that were running when the server last stopped (call once, at start).
    pub async fn restore_locks(&self, pool: &sqlx::SqlitePool, now: time::OffsetDateTime) -> anyhow::Result<usize> {
        let locks = db::throttle::running_locks(pool, now).await?;
        let mut throttle = self.throttle();
        for lock in &locks {
            throttle.restore(lock, now);
        }
        Ok(locks.len())
    }

    /// Keys the throttle holds (for the bound's tests).
    pub fn throttled_keys(&self) -> usize {
        self.throttle().len()
    }
}

/// Hashes a new password on the new passwords' bounded pool (a busy pool answers 503 at once).
pub async fn hash_new_password(state: &AppState, password: &str) -> Result<PasswordHashString, AppError> {
    let password = password.to_owned();
    state.guard.new_passwords.run(move || hash_password(&password)).await.map_err(|_| busy())?.map_err(internal)
}

/// What an unknown name's password is checked against: a hash with the parameters every stored hash is made with ([`hash_password`]'s, checked by a test), so an unknown
/// name's check does exactly a known one's work: parse, derive, compare. Made from the password
/// `unknown-name` and the salt `unknown-name-salt`, public on purpose: even that password is
/// "incorrect" for an unknown name.
const UNKNOWN_NAME_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dW5rbm93bi1uYW1lLXNhbHQ$hQPhfG+Pm1uEDQEo4w4taPhlRPhCC5autv7fhjpc8Zk";

/// Checks `password` against `stored`, or for an unknown name against [`UNKNOWN_NAME_HASH`] (the same
/// work, so timing doesn't tell names apart), on the bounded pool.
async fn verify_on_pool(pool: &Workers, password: &str, stored: Option<String>) -> Result<bool, Busy> {
    let password = password.to_owned();
    pool.run(move || check_password(&password, stored.as_deref())).await
}

fn check_password(password: &str, stored: Option<&str>) -> bool {
    let matched = verify_password(password, stored.unwrap_or(UNKNOWN_NAME_HASH));
    matched && stored.is_some()
}

/// A successful sign-in: the session token, and whether it is the platform operator (whose console
/// starts at the tickets).
pub struct SignedIn {
    pub token: String,
    pub is_operator: bool,
    /// The known-device cookie's token for a browser this sign-in made known (see [`Admitted`]).
    pub known_device: Option<String>,
}

/// Where a request came from, for the throttle and the audit trail.
#[derive(Debug, Clone)]
pub struct Source {
    /// The peer address as text ("unknown" when the transport gave none).
    pub ip: String,
    pub request_id: String,
    /// The caller's own `x-request-id`, recorded beside `request_id` (see `api::ssr::caller_request_id`).
    pub caller_request_id: Option<String>,
}

impl Source {
    fn address(&self) -> Option<IpAddr> {
        self.ip.parse().ok()
    }

    fn event(
        &self,
        state: &AppState,
        account: Option<&str>,
        identity: &str,
        action: &str,
        target: &str,
    ) -> audit::Event {
        audit::Event::new(
            state.clock.clone(),
            audit::EventFields {
                account_id: account.map(str::to_owned),
                identity: identity.to_owned(),
                source_ip: self.ip.clone(),
                request_id: self.request_id.clone(),
                caller_request_id: self.caller_request_id.clone(),
                action: action.to_owned(),
                target: target.to_owned(),
                channel: CONSOLE_CHANNEL.to_owned(),
            },
            // Not yet signed in: a sign-in rests on its password, checked in this request.
            None,
        )
    }
}

/// Checks the password and opens a session, through the throttle.
///
/// The audit trail gets the first failure of a streak and one summary when a lock starts, not a row per
/// failure (the table is append-only; a flood must not fill it): for a known name in its account's
/// trail, for an unknown one in the platform's. A success notes the failures before it.
///
/// A known and an unknown name's failure do the same work before answering (one hash check, the same
/// events written and committed), so neither the answer nor its time tells which names exist. The
/// events are written before answering, as every other event, so a crash can't lose one that was
/// answered for.
///
/// The new session is always a fresh token, and the session the request's cookie names (the browser's
/// previous one, whoever's it was) ends with its sign-in: the cookie it had is replaced, and a session
/// no browser holds any more must not stay a way in.
///
/// A browser that signed this name in before (its known-device cookie) is throttled on its own and
/// checked on a hashing lane of its own (see [`Admitted`]); any other browser that signs in is given
/// such a cookie.
#[tracing::instrument(skip(state, password, source, headers))]
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    source: &Source,
    headers: &HeaderMap,
) -> Result<SignedIn, AppError> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() {
        return Err(Refusal::MissingCredentials.into());
    }
    if login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > MAX_PASSWORD_CHARS {
        // Can't match any identity, and costs no hash: not counted.
        return Err(bad_credentials());
    }
    let now = state.clock.now();
    let address = source.address();
    let admitted = admit(state, login, address, headers, now).await?;
    let found = db::accounts::identity_by_login(&state.pool, login).await.map_err(internal)?;
    let stored = found.as_ref().map(|i| i.password_hash.clone());
    let Ok(ok) = verify_on_pool(admitted.hashing(&state.guard), password, stored).await else {
        admitted.withdraw(&mut state.guard.throttle(), login, address, now);
        return Err(busy());
    };
    let shown: String = login.chars().take(64).collect();
    let account = found.as_ref().map(|i| i.account_id.as_str());
    let identity = match (&found, ok) {
        (Some(identity), true) => identity,
        _ => {
            tracing::info!(login, "sign-in refused");
            record_failure(state, source, account, &shown, &admitted, login, address, now).await;
            return Err(bad_credentials());
        }
    };
    admitted.succeeded(&mut state.guard.throttle(), login, address, now);

    let token = ids::session_token();
    let mut tx = state.begin_action().await.map_err(internal)?;
    let opened = db::accounts::insert_session(
        &mut tx,
        &digest(&token),
        identity.identity_id,
        &identity.password_hash,
        &db::ts(now),
        &db::ts(session_end_at_sign_in(now)),
    )
    .await
    .map_err(internal)?;
    if !opened {
        // The password checked was reset (or its identity deleted) while it was being checked: it
        // no longer signs anyone in. No session is written; the refusal is in the trail as any other
        // sign-in refused after a password check (the throttle already counted it a success, so it is
        // not one of a streak's failures, which `record_failure` keeps only the first of).
        tracing::info!(login, "sign-in refused: the password changed while it was checked");
        drop(tx);
        let event = source.event(state, account, &shown, "SignIn", &shown);
        if let Err(e) = event
            .record_alone(
                &state.writer,
                "InvalidCredentials",
                "The password was changed while this sign-in checked it.",
            )
            .await
        {
            tracing::error!(error = ?e, "could not record a sign-in refused for a changed password");
        }
        return Err(bad_credentials());
    }
    if let Some(replaced) = session_token(state.settings.secure_cookies, headers) {
        db::accounts::delete_session(&mut **tx, &digest(&replaced)).await.map_err(internal)?;
    }
    // A browser not yet known for this identity becomes known, in the session's own transaction.
    let known_device = match admitted {
        Admitted::KnownDevice { .. } => None,
        Admitted::Stranger(_) => {
            let device = ids::session_token();
            db::known_devices::remember(
                &mut tx,
                &digest(&device),
                identity.identity_id,
                now,
                now + KNOWN_DEVICE_LIFETIME,
            )
            .await
            .map_err(internal)?;
            Some(device)
        }
    };
    let streak = admitted.streak();
    let earlier = streak.failures - 1;
    // Audit notes say how long, not when: a note is stored text the viewer's browser can't put into its
    // own time zone (the event's own time is shown in local time).
    let detail = if earlier > 0 {
        let attempts = if earlier == 1 { "attempt" } else { "attempts" };
        format!("after {earlier} failed {attempts}, the first {} earlier", duration_words(now - streak.first_failure))
    } else {
        String::new()
    };
    let event = source.event(state, account, &shown, "SignIn", &shown);
    tx.commit_with_detail(&event, &detail).await?;
    Ok(SignedIn { token, is_operator: identity.kind == IdentityKind::Operator, known_device })
}

/// How a sign-in attempt got past the throttle.
///
/// A browser that signed this very name in before carries a known-device cookie (OWASP's "device
/// cookies"): its attempt is counted against that browser alone and its password is checked on a
/// hashing lane of its own. So neither someone failing on purpose to lock the name out, nor a flood of
/// sign-ins from many addresses filling the hashing queue, keeps the owner out of a browser they have
/// used; the cookie itself grants nothing, the password is still checked, and the browser's own ten
/// failures end its trust.
enum Admitted {
    /// Any other attempt: counted against its name and its source address.
    Stranger(Admission),
    /// `digest` is the known-device cookie's, the throttle's key for it.
    KnownDevice { digest: String, attempt: Attempt },
}

/// Admits an attempt through the throttle (see [`Admitted`]), or refuses it with the wait to honour.
async fn admit(
    state: &AppState,
    login: &str,
    address: Option<IpAddr>,
    headers: &HeaderMap,
    now: time::OffsetDateTime,
) -> Result<Admitted, AppError> {
    let device = match cookie_token(known_device_cookie_name(state.settings.secure_cookies), headers) {
        Some(token) => {
            let device = digest(&token);
            db::known_devices::is_known_for(&state.pool, &device, login, now).await.map_err(internal)?.then_some(device)
        }
        None => None,
    };
    let mut throttle = state.guard.throttle();
    match device {
        Some(digest) => {
            throttle.admit_known_device(&digest, now).map(|attempt| Admitted::KnownDevice { digest, attempt })
        }
        None => throttle.admit(login, address, now).map(Admitted::Stranger),
    }
    .map_err(|wait| throttled(wait, now))
}

impl Admitted {
    /// The pool that checks this attempt's password.
    fn hashing<'a>(&self, guard: &'a SignInGuard) -> &'a Workers {
        match self {
            Admitted::Stranger(_) => &guard.workers,
            Admitted::KnownDevice { .. } => &guard.known_devices,
        }
    }

    /// The failures of the streak this attempt belongs to (the name's, or the known browser's).
    fn streak(&self) -> &Attempt {
        match self {
            Admitted::Stranger(admission) => &admission.login,
            Admitted::KnownDevice { attempt, .. } => attempt,
        }
    }

    fn succeeded(
        &self,
        throttle: &mut SignInThrottle,
        login: &str,
        address: Option<IpAddr>,
        now: time::OffsetDateTime,
    ) {
        match self {
            Admitted::Stranger(_) => throttle.succeeded(login, address, now),
            Admitted::KnownDevice { digest, .. } => throttle.known_device_succeeded(digest),
        }
    }

    /// The attempt was never checked (the server was too busy to): it is given back.
    fn withdraw(&self, throttle: &mut SignInThrottle, login: &str, address: Option<IpAddr>, now: time::OffsetDateTime) {
        match self {
            Admitted::Stranger(_) => throttle.withdraw(login, address, now),
            Admitted::KnownDevice { digest, .. } => throttle.known_device_withdraw(digest, now),
        }
    }
}

/// The failure's events, if it is one the trail keeps (see [`sign_in`]), with the locks it starts: a
/// stranger's are stored (a restart keeps them), a known browser's ends its trust. A failure to record
/// is logged.
#[allow(clippy::too_many_arguments)]
async fn record_failure(
    state: &AppState,
    source: &Source,
    account: Option<&str>,
    shown: &str,
    admitted: &Admitted,
    login: &str,
    address: Option<IpAddr>,
    now: time::OffsetDateTime,
) {
    let mut events = Vec::new();
    let streak = admitted.streak();
    // For an unknown name too: skipping its write would answer it sooner than a known name's.
    if streak.failures == 1 {
        events.push((
            source.event(state, account, shown, "SignIn", shown),
            "InvalidCredentials".to_owned(),
            String::new(),
        ));
    }
    if let Some(until) = streak.locks_until {
        let detail = match admitted {
            Admitted::Stranger(_) => format!(
                "{} failed sign-ins with this name in {}; refused for {}",
                streak.failures,
                duration_words(now - streak.first_failure),
                duration_words(until - now)
            ),
            Admitted::KnownDevice { .. } => format!(
                "{} failed sign-ins in {} from a browser this name had signed in from; it is no longer trusted and signs in as any other",
                streak.failures,
                duration_words(now - streak.first_failure)
            ),
        };
        events.push((
            source.event(state, account, shown, "SignInLocked", shown),
            "Throttling.SignIn".to_owned(),
            detail,
        ));
    }
    let (locks, forgotten_device) = match admitted {
        Admitted::Stranger(admission) => {
            if let Some(until) = admission.address.locks_until {
                let detail = format!(
                    "{} failed sign-ins from {} in {}; every name refused from there for {}",
                    admission.address.failures,
                    source.ip,
                    duration_words(now - admission.address.first_failure),
                    duration_words(until - now)
                );
                events.push((
                    source.event(state, None, shown, "SignInLocked", &source.ip),
                    "Throttling.SignIn".to_owned(),
                    detail,
                ));
            }
            (SignInThrottle::locks_started(admission, login, address), None)
        }
        Admitted::KnownDevice { digest, attempt } => (Vec::new(), attempt.locks_until.map(|_| digest.as_str())),
    };
    if events.is_empty() && forgotten_device.is_none() {
        return;
    }
    let written = async {
        // A refused sign-in changed nothing: its events are all this transaction writes.
        let mut tx = state.writer.begin_unaudited().await?;
        for (event, outcome, detail) in &events {
            event.write(&mut tx, outcome, detail).await?;
        }
        // A lock is stored with the event that reports it, so a restart keeps both or neither.
        for lock in &locks {
            db::throttle::save_lock(&mut tx, lock, state.clock.now()).await?;
        }
        if let Some(device) = forgotten_device {
            db::known_devices::forget(&mut tx, device).await?;
        }
        state.writer.commit(tx).await?;
        anyhow::Ok(())
    };
    if let Err(e) = written.await {
        tracing::error!(error = ?e, "could not record a failed sign-in");
    }
}

/// An identity changes its own password: the current one is checked (through the same throttle as a
/// sign-in, so a stolen session can't be used to guess it), the new one must meet the policy, and every
/// other session of the identity ends; this one stays.
#[tracing::instrument(skip(state, who, headers, current, new, source), fields(login = %who.login_name))]
pub async fn change_own_password(
    state: &AppState,
    who: &Identity,
    headers: &HeaderMap,
    current: &str,
    new: &str,
    source: &Source,
    event: &audit::Event,
) -> Result<(), AppError> {
    if current.is_empty() || new.is_empty() {
        return Err(Refusal::MissingPasswords.into());
    }
    check_password_policy(new, &who.login_name)?;
    let now = state.clock.now();
    let address = source.address();
    let wrong = || AppError::from(Refusal::WrongCurrentPassword);
    if current.chars().count() > MAX_PASSWORD_CHARS {
        return Err(wrong());
    }
    state.guard.throttle().admit(&who.login_name, address, now).map_err(|wait| throttled(wait, now))?;
    let stored = db::accounts::password_hash(&state.pool, who.identity_id).await.map_err(internal)?;
    let Ok(ok) = verify_on_pool(&state.guard.workers, current, stored).await else {
        state.guard.throttle().withdraw(&who.login_name, address, now);
        return Err(busy());
    };
    if !ok {
        return Err(wrong());
    }
    state.guard.throttle().succeeded(&who.login_name, address, now);
    let hash = hash_new_password(state, new).await?;
    let keep = session_token(state.settings.secure_cookies, headers).map(|t| digest(&t)).unwrap_or_default();
    let mut tx = state.begin_action().await.map_err(internal)?;
    db::accounts::set_own_password(&mut tx, who.identity_id, &hash.0, &keep).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

/// Ends the request's session. A live session's end is in its account's trail (`SignOut`), written
/// with its deletion; a cookie that names no live session changes nothing and records nothing.
pub async fn sign_out(state: &AppState, headers: &HeaderMap, source: &Source) -> Result<(), AppError> {
    if let Some(token) = session_token(state.settings.secure_cookies, headers) {
        // Through the writer, whose commit ends the session's identity kept in memory (`db::read_model`)
        // before the caller hears "signed out".
        let mut tx = state.writer.begin_unaudited().await.map_err(internal)?;
        let ended =
            db::accounts::end_session(&mut tx, &digest(&token), &db::ts(state.clock.now())).await.map_err(internal)?;
        if let Some((account, login)) = ended {
            let event = source.event(state, Some(&account), &login, "SignOut", &login);
            event.write(&mut tx, "Success", "").await.map_err(internal)?;
        }
        state.writer.commit(tx).await.map_err(internal)?;
    }
    Ok(())
}

/// The identity of a request's live session, or `None` when signed out (no cookie, unknown or expired).
pub async fn identity(state: &AppState, headers: &HeaderMap) -> Result<Option<Identity>, AppError> {
    let Some(token) = session_token(state.settings.secure_cookies, headers) else { return Ok(None) };
    let now = db::ts(state.clock.now());
    // From memory until the writer's next commit (see `db::read_model`): every request reads this.
    let digest = digest(&token);
    let Some(row) = state.writer.sessions.identity(&state.pool, &digest, &now).await.map_err(internal)? else {
        return Ok(None);
    };
    renew_session(state, &digest, &row).await;
    identity_from_row(&row.identity, Credential::Session { digest }).map(Some)
}

/// Moves a live session's end on after this use, when it is due (see `domain::session`). Through the
/// writer, whose commit lets the next request read the new end (`db::read_model`). A failure is logged,
/// not answered: the session still lasts until the end it had.
async fn renew_session(state: &AppState, digest: &str, row: &db::accounts::SessionRow) {
    let renewed = async {
        let (signed_in_at, ends_at) = (db::parse_ts(&row.created_at)?, db::parse_ts(&row.expires_at)?);
        let now = state.clock.now();
        let Some(end) = renewed_session_end(signed_in_at, ends_at, now) else { return anyhow::Ok(()) };
        let mut tx = state.writer.begin_unaudited().await?;
        db::accounts::extend_session(&mut *tx, digest, &db::ts(end), &db::ts(now)).await?;
        state.writer.commit(tx).await?;
        anyhow::Ok(())
    };
    if let Err(e) = renewed.await {
        tracing::error!(error = ?e, "could not renew a session");
    }
}

/// The identity a session or an AccessKey (`credential`) stands for, with its account's facts and its policies.
pub fn identity_from_row(row: &db::accounts::SessionIdentityRow, credential: Credential) -> Result<Identity, AppError> {
    let kind = row.kind;
    let policies = db::accounts::policy_list(row.policies.as_deref()).map_err(internal)?;
    let account_id = AccountId::parse(&row.account_id).context("stored account id").map_err(internal)?;
    let site = row.site;
    Ok(Identity {
        identity_id: row.identity_id,
        login_name: row.login_name.clone(),
        kind,
        account_name: row.display_name.clone(),
        login_alias: row.login_alias.clone(),
        site,
        credential,
        account: OwnerFacts {
            account_id: account_id.clone(),
            site,
            beta_enabled: row.beta_enabled,
            share_quota: u32::try_from(row.share_quota).context("stored quota").map_err(internal)?,
            directory_id: row.directory_id.clone(),
        },
        actor: Actor { account_id, is_root: kind == IdentityKind::Root, policies },
    })
}

pub async fn require_identity(state: &AppState, headers: &HeaderMap) -> Result<Identity, AppError> {
    identity(state, headers).await?.ok_or_else(AppError::unauthenticated)
}

/// The session token of the cookie named for `secure` (see [`SECURE_SESSION_COOKIE`]), if well-formed.
fn session_token(secure: bool, headers: &HeaderMap) -> Option<String> {
    cookie_token(session_cookie_name(secure), headers)
}

/// The token of the cookie `name`, if well-formed (64 hex digits, as every token made here).
fn cookie_token(name: &str, headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The Set-Cookie value for a new session: HttpOnly (no script can read it) and SameSite=Lax (other
/// sites can't make the browser send it with their POSTs).
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        session_cookie_name(secure),
        SESSION_LIFETIME.whole_seconds(),
        secure_flag(secure)
    )
}

/// Ends the session cookie (a `__Host-` one is only replaced by one marked Secure).
pub fn clear_session_cookie(secure: bool) -> String {
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", session_cookie_name(secure), secure_flag(secure))
}

/// The Set-Cookie value that makes a browser known for the name it signed in (see [`Admitted`]):
/// HttpOnly, and SameSite=Strict, as only this site's own sign-in form needs it.
pub fn known_device_cookie(token: &str, secure: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        known_device_cookie_name(secure),
        KNOWN_DEVICE_LIFETIME.whole_seconds(),
        secure_flag(secure)
    )
}

fn secure_flag(secure: bool) -> &'static str {
    if secure {
        "; Secure"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn a_hash_made_here_verifies_with_the_argon2_crate_and_the_other_way_round() {
        let ours = hash_password("Demo-Pass-2026").unwrap().0;
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        assert!(Argon2::default().verify_password(b"Demo-Pass-2026", &PasswordHash::new(&ours).unwrap()).is_ok());
        let theirs =
            Argon2::default().hash_password(b"Demo-Pass-2026", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(verify_password("Demo-Pass-2026", &theirs));
        assert!(verify_password("Demo-Pass-2026", &ours));
    }

    #[test]
    fn an_unknown_names_check_derives_a_hash_with_the_parameters_of_every_stored_one() {
        let stored = hash_password("Demo-Pass-2026").unwrap().0;
        let (ours, theirs) = (PasswordHash::new(UNKNOWN_NAME_HASH).unwrap(), PasswordHash::new(&stored).unwrap());
        assert_eq!((ours.algorithm, ours.version, &ours.params), (theirs.algorithm, theirs.version, &theirs.params));
        assert_eq!(ours.hash.map(|h| h.len()), theirs.hash.map(|h| h.len()));
        let (params, default) = (Params::try_from(&ours).unwrap(), Argon2::default().params().clone());
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        // It is a well-formed hash (so the check runs argon2 in full, not a parse failure's shortcut)...
        let salt = ours.salt.unwrap();
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf).unwrap();
        let derived =
            Output::init_with(32, |out| argon2_into(&Argon2::default(), b"unknown-name", salt_bytes, out)).unwrap();
        assert_eq!(Some(derived), ours.hash, "the hash of the password it was made from");
        assert!(verify_password("unknown-name", UNKNOWN_NAME_HASH));
        // ...and even its own password signs nobody in.
        assert!(!check_password("unknown-name", None));
        assert!(!check_password("Demo-Pass-2026", None));
        assert!(check_password("Demo-Pass-2026", Some(&stored)));
    }

    #[test]
    fn a_wrong_password_or_a_damaged_hash_does_not_verify() {
        let ours = hash_password("Demo-Pass-2026").unwrap().0;
        assert!(!verify_password("Demo-Pass-2027", &ours));
        assert!(!verify_password("Demo-Pass-2026", "not a hash"));
        assert!(!verify_password("Demo-Pass-2026", &ours[..ours.len() - 4]));
    }
}
