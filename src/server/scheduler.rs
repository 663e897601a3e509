//! The system task schedule: revokes access whose delay has passed, expires invitations after 7 days,
//! finishes restores and forgets API signature nonces too old to matter. State lives in the database,
//! so a restart loses nothing: the first tick after start applies whatever came due meanwhile.

use super::{db, openapi::signature, state::AppState};
use std::time::Duration;

/// Runs one tick: everything due at the state's clock, in one transaction.
pub async fn tick(state: &AppState) -> anyhow::Result<db::schedule::Tick> {
    let now = state.clock.now();
    let revoke_expired_at = db::ts(now + state.settings.revocation_delay);
    // Moved in memory before the nonces are deleted, so that no call is checked against the old cut-off
    // once they are gone (a commit that then fails leaves it ahead, which only refuses more). Never back:
    // the clock may have been set back since the last tick.
    let forgotten_before = state.writer.nonce_cutoff.advance(now - signature::NONCE_MEMORY);
    let nonces = db::schedule::NonceCutoffAt {
        forgotten_before: db::ts(forgotten_before),
        signed_before: db::ts(signature::signed_before(forgotten_before)),
    };
    let mut tx = state.writer.begin_unaudited().await?;
    let done = db::schedule::run_due(&mut tx, &db::ts(now), &revoke_expired_at, &nonces).await?;
    state.writer.commit(tx).await?;
    Ok(done)
}

pub fn spawn(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match tick(&state).await {
                Ok(done) if done != Default::default() => tracing::info!(?done, "scheduled tasks applied"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "scheduled tasks failed; retrying on the next tick"),
            }
        }
    })
}
