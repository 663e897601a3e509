//! What an identity's access rests on, checked again inside each of its writes.
//!
//! A call is checked when it arrives: its session or its AccessKey (kept in memory, see
//! `db::read_model`), and the policies its identity holds. Its write commits later, after the writes
//! queued before it, and a change committed in between (the key disabled or deleted, the RAM user
//! deleted, a policy detached, the session signed out or expired) would not stop it: the write would be
//! made with a credential that no longer grants it. Access ends when what granted it ends, so every
//! write an identity makes checks its [`Grant`] first, in the write's own transaction, where nothing can
//! change it any more: an action's `audit::ActionTx` when it commits, and the share group's write in the
//! same round trip as the share (`db::shares::write_share`). The check is one statement
//! (`db::grant::CHECK_FROM_JSON`) that fails when the grant has ended, so a refused write writes nothing;
//! the refusal is the one the same change gives a call checked up front. A read that has started may
//! finish: it changes nothing, and shows what was readable when it began.

use super::db::{self, grant::Ended, Tx};
use super::internal;
use super::openapi::signature::SignatureError;
use crate::domain::{check_still_held, ErrorKind, Policy};
use crate::error::AppError;

/// How a request proved who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A console session, by its token's digest (as stored).
    Session { digest: String },
    /// A signed OpenAPI call's AccessKey pair.
    AccessKey { access_key_id: String },
}

/// Without the session's digest: it names a live session in the database (the key its cookie is looked
/// up by), and every action's audit event carries its grant into the debug logs of the action's span.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Session { .. } => f.debug_struct("Session").field("digest", &crate::domain::Redacted).finish(),
            Credential::AccessKey { access_key_id } => {
                f.debug_struct("AccessKey").field("access_key_id", access_key_id).finish()
            }
        }
    }
}

/// What a request's access rested on when it was checked: its identity, its credential, and the
/// policies it held (every decision the request made was made on them).
#[derive(Debug, Clone)]
pub struct Grant {
    pub identity_id: i64,
    pub credential: Credential,
    pub policies: Vec<Policy>,
}

impl Grant {
    /// The grant as `db::grant::CHECK_FROM_JSON` reads it (from `$.grant`), checked at `now` (a
    /// session must not have expired by then).
    pub fn json(&self, now: &str) -> serde_json::Value {
        let (access_key_id, session_digest) = match &self.credential {
            Credential::AccessKey { access_key_id } => (Some(access_key_id.as_str()), None),
            Credential::Session { digest } => (None, Some(digest.as_str())),
        };
        let policies: Vec<&str> = self.policies.iter().map(|p| p.as_str()).collect();
        serde_json::json!({
            "identity_id": self.identity_id,
            "access_key_id": access_key_id,
            "session_digest": session_digest,
            "policies": policies,
            "now": now,
        })
    }

    /// Checks the grant on its own in `tx`, the write's transaction.
    pub async fn check(&self, tx: &mut Tx, now: &str) -> Result<(), AppError> {
        match db::grant::check(tx, self.json(now)).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refusal(tx, &e).await.unwrap_or_else(|| internal(e))),
        }
    }

    /// The refusal of a write that `e` stopped in `tx`, if the check of this grant stopped it: what a
    /// call checked up front after the same change is told. An AccessKey deleted (on its own or with
    /// its RAM user) is unknown, and a disabled one inactive, as the signature check says; a session
    /// ended (signed out, expired, or its RAM user deleted) is signed out; a policy detached is named.
    pub async fn refusal(&self, tx: &mut Tx, e: &sqlx::Error) -> Option<AppError> {
        let key_refusal = |e: SignatureError, kind| AppError::new(kind, e.code, e.message);
        Some(match db::grant::ended(e)? {
            Ended::KeyNotFound => key_refusal(SignatureError::unknown_key(), ErrorKind::NotFound),
            Ended::KeyInactive => key_refusal(SignatureError::disabled_key(), ErrorKind::BadRequest),
            Ended::SessionEnded => AppError::unauthenticated(),
            Ended::PolicyDetached => match self.detached(tx).await {
                Ok(refusal) => refusal,
                Err(e) => internal(e),
            },
        })
    }

    /// The refusal naming the policies detached since the grant was checked.
    async fn detached(&self, tx: &mut Tx) -> anyhow::Result<AppError> {
        let attached = db::accounts::policy_list(db::ram::policies_of(tx, self.identity_id).await?.as_deref())?;
        match check_still_held(&self.policies, &attached) {
            Err(refusal) => Ok(refusal.into()),
            Ok(()) => {
                Err(anyhow::anyhow!("the grant's check found a policy detached, and every one is still attached"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Credential;

    #[test]
    fn a_sessions_digest_never_shows_in_debug_output() {
        let session = Credential::Session { digest: "6772fe8c78680badd7ef9d0fa5589010".into() };
        let shown = format!("{session:?} {session:#?}");
        assert!(!shown.contains("6772fe8c"), "{shown}");
        assert!(shown.contains("Session") && shown.contains("[redacted]"), "{shown}");
        let key = Credential::AccessKey { access_key_id: "LTAIexample".into() };
        assert_eq!(format!("{key:?}"), r#"AccessKey { access_key_id: "LTAIexample" }"#);
    }
}
