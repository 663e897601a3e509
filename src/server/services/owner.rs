//! What an owner does to its own backup sets and clusters that ends sharing or locks it: deleting a
//! backup set, converting it from level-1 to level-2, releasing a cluster. Each starts the scheduled
//! revocation of the shares concerned in the same transaction.

use crate::domain::{
    check_delete_backup, check_level_conversion, check_release_cluster, BackupSetId, ClusterId, Refusal,
};
use crate::error::AppError;
use crate::server::audit::Event;
use crate::server::auth::Identity;
use crate::server::db::{self, clusters, Tx};
use crate::server::{internal, state::AppState};

/// How long the simulated level-1 to level-2 conversion holds the lock.
const LEVEL_CONVERSION: time::Duration = time::Duration::seconds(60);

/// Loads a backup set the signed-in account owns. A set shared with it is read-only (403); any other is
/// answered as missing (404).
async fn own_backup_set(
    state: &AppState,
    tx: &mut Tx,
    who: &Identity,
    id: &BackupSetId,
    now: time::OffsetDateTime,
) -> Result<crate::read_model::BackupSet, AppError> {
    let me = who.account_id().as_str();
    let row = clusters::backup_set(&mut **tx, id.as_str()).await.map_err(internal)?;
    match row {
        Some(b) if b.account_id == me && b.deleted_at.is_none() => Ok(b),
        Some(_)
            if super::principal::is_shared_with(tx, me, id.as_str(), now, state.settings.revocation_delay).await? =>
        {
            Err(Refusal::SharedReadOnly { backup_set: id.to_string() }.into())
        }
        _ => Err(Refusal::BackupSetNotFound { backup_set: id.to_string() }.into()),
    }
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn delete_backup_set(
    state: &AppState,
    who: &Identity,
    backup_set_id: &str,
    of_cluster: Option<&str>,
    event: &Event,
) -> Result<(), AppError> {
    who.actor.may_change_polardb()?;
    let id = BackupSetId::parse(backup_set_id)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let row = own_backup_set(state, &mut tx, who, &id, now).await?;
    // The OpenAPI names the cluster too (DBClusterId): a set of another cluster is not the one meant,
    // so nothing is deleted.
    if let Some(named) = of_cluster.filter(|named| *named != row.cluster_id) {
        return Err(Refusal::BackupSetNotInCluster { backup_set: id.to_string(), cluster: named.to_owned() }.into());
    }
    check_delete_backup(&row.facts().map_err(internal)?)?;
    clusters::delete_backup_set(&mut tx, id.as_str(), &db::ts(now)).await.map_err(internal)?;
    clusters::revoke_backup_set_shares(&mut tx, id.as_str(), &db::ts(now + state.settings.revocation_delay))
        .await
        .map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn convert_level(
    state: &AppState,
    who: &Identity,
    backup_set_id: &str,
    event: &Event,
) -> Result<(), AppError> {
    who.actor.may_change_polardb()?;
    let id = BackupSetId::parse(backup_set_id)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let row = own_backup_set(state, &mut tx, who, &id, now).await?;
    let cluster =
        clusters::cluster(&mut **tx, &row.cluster_id).await.map_err(internal)?.ok_or_else(AppError::internal)?;
    check_level_conversion(&cluster.facts(), &row.facts().map_err(internal)?, row.level, now)?;
    clusters::start_level_conversion(&mut tx, id.as_str(), &db::ts(now + LEVEL_CONVERSION)).await.map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn release_cluster(
    state: &AppState,
    who: &Identity,
    cluster_id: &str,
    event: &Event,
) -> Result<(), AppError> {
    who.actor.may_change_polardb()?;
    let id = ClusterId::parse(cluster_id)?;
    let mut tx = state.begin_action().await.map_err(internal)?;
    let now = tx.now();
    let cluster = clusters::cluster(&mut **tx, id.as_str())
        .await
        .map_err(internal)?
        .filter(|c| c.account_id == who.account_id().as_str())
        .ok_or_else(super::console::cluster_not_found)?;
    let locks = clusters::backup_locks(&mut tx, id.as_str())
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(b, lock)| Ok((BackupSetId::parse(&b).map_err(internal)?, lock)))
        .collect::<Result<Vec<_>, AppError>>()?;
    check_release_cluster(cluster.status, &locks)?;
    clusters::release_cluster(&mut tx, id.as_str(), &db::ts(now), &db::ts(now + state.settings.revocation_delay))
        .await
        .map_err(internal)?;
    tx.commit(event).await?;
    Ok(())
}
