//! What the console reads: regions, clusters, a cluster's backup sets, the owner's shares.

use crate::domain::{
    check_level_conversion, check_may_manage_shares, cluster_shareability, home_region, rules_hold_until, shareability,
    AssociationStatus, ClusterId, ConsolePage, PageRequest,
};
use crate::domain::{check_region_choice, check_share_search};
use crate::error::AppError;
use crate::read_model::{
    BackupSet, BackupSetPage, Cluster, ClusterList, Paged, Region, Share, ShareDialog, SharePrincipal, SharedResource,
};
use crate::server::auth::Identity;
use crate::server::db::{accounts, clusters, paging, shares};
use crate::server::{internal, state::AppState};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const BACKUP_PAGE_SIZE: i64 = 30;

/// The regions, and the one the viewer chose (its site's home region when none was).
pub async fn region_choice(
    state: &AppState,
    who: &Identity,
    region_id: Option<String>,
) -> Result<(Vec<Region>, String), AppError> {
    let regions = clusters::regions(&state.pool).await.map_err(internal)?;
    let region_id = match region_id.filter(|r| !r.is_empty()) {
        Some(r) => {
            check_region_choice(regions.iter().map(|x| x.region_id.as_str()), &r)?;
            r
        }
        None => home_region(who.site).to_owned(),
    };
    Ok((regions, region_id))
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn list_clusters(
    state: &AppState,
    who: &Identity,
    region_id: Option<String>,
) -> Result<ClusterList, AppError> {
    who.actor.may_view_polardb()?;
    let (regions, region_id) = region_choice(state, who, region_id).await?;
    let clusters = clusters::clusters_of(&state.pool, who.account_id().as_str(), &region_id).await.map_err(internal)?;
    Ok(ClusterList { regions, region_id, clusters })
}

/// Also the answer for another account's cluster, so cluster ids don't leak.
pub(super) fn cluster_not_found() -> AppError {
    crate::domain::Refusal::ClusterNotFound.into()
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn cluster_backups(
    state: &AppState,
    who: &Identity,
    cluster_id: &str,
    started: &clusters::StartedWithin,
    page: i64,
    page_size: i64,
) -> Result<BackupSetPage, AppError> {
    who.actor.may_view_polardb()?;
    let id = ClusterId::parse(cluster_id)?;
    let now = state.clock.now();
    let page = page.clamp(1, 100_000);
    let page_size = page_size.clamp(1, 100);
    // The cluster and its page come in one query; the page is only used once the cluster is known to be
    // the caller's.
    // From memory when nothing was committed since the page was last loaded (see `db::read_model`).
    let loaded = state
        .writer
        .backup_pages
        .page(&state.pool, id.as_str(), started, page_size, (page - 1) * page_size)
        .await
        .map_err(internal)?;
    let cluster =
        loaded.cluster.clone().filter(|c| c.account_id == who.account_id().as_str()).ok_or_else(cluster_not_found)?;
    let items = rows_shown(&loaded, now)?;
    let cluster_blocked = cluster_shareability(&cluster.facts()).err().map(AppError::from);
    Ok(BackupSetPage {
        cluster,
        items,
        total: loaded.total,
        page,
        page_size,
        sharing_blocked: check_may_manage_shares(&who.actor, &who.account).err().map(AppError::from),
        cluster_blocked,
    })
}

/// One live backup set of a cluster of the caller's that started within `started` (`None`: no such set
/// of that cluster), whatever page of the Data Backups tab it is on: what the OpenAPI's DescribeBackups
/// answers for a BackupId, its range decided by the same SQL as the pages'.
/// Read from the database, not from a kept page, which holds one page of the tab only.
pub async fn cluster_backup(
    state: &AppState,
    who: &Identity,
    cluster_id: &str,
    backup_set_id: &str,
    started: &clusters::StartedWithin,
) -> Result<Option<BackupSet>, AppError> {
    let cluster = self::cluster(state, who, cluster_id).await?;
    clusters::cluster_backup_set(&state.pool, &cluster.cluster_id, backup_set_id, started).await.map_err(internal)
}

/// One of the caller's clusters, as stored (with what a restore created it from).
pub async fn cluster(state: &AppState, who: &Identity, cluster_id: &str) -> Result<Cluster, AppError> {
    who.actor.may_view_polardb()?;
    let id = ClusterId::parse(cluster_id)?;
    clusters::cluster(&state.pool, id.as_str())
        .await
        .map_err(internal)?
        .filter(|c| c.account_id == who.account_id().as_str())
        .ok_or_else(cluster_not_found)
}

/// The bytes one of the caller's clusters holds in live backup sets of `level`.
pub async fn backup_size(
    state: &AppState,
    who: &Identity,
    cluster_id: &str,
    level: crate::domain::BackupLevel,
) -> Result<i64, AppError> {
    let cluster = cluster(state, who, cluster_id).await?;
    clusters::backup_size(&state.pool, &cluster.cluster_id, level).await.map_err(internal)
}

/// The page's rows with what the rules say of each at `now` (why it can't be shared or converted).
/// That depends on the viewer's time only through each set's expiry, so it is worked out once and
/// shown again until the next expiry on the page (`rules_hold_until`) or the page's next load: the
/// busiest read then neither copies the rows nor runs the rules per request.
fn rows_shown(page: &clusters::ClusterPage, now: time::OffsetDateTime) -> Result<Arc<Vec<BackupSet>>, AppError> {
    let mut shown = page.shown.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = shown.as_ref().filter(|s| s.from <= now && s.until.is_none_or(|until| now < until)) {
        return Ok(s.rows.clone());
    }
    let Some(cluster) = &page.cluster else { return Ok(Arc::default()) };
    let cluster_facts = cluster.facts();
    let mut rows = page.items.clone();
    let mut until: Option<time::OffsetDateTime> = None;
    for backup in &mut rows {
        let backup_facts = backup.facts().map_err(internal)?;
        backup.share_blocked = shareability(&cluster_facts, &backup_facts, now).err().map(AppError::from);
        backup.convert_blocked =
            check_level_conversion(&cluster_facts, &backup_facts, backup.level, now).err().map(AppError::from);
        until = until.into_iter().chain(rules_hold_until(&backup_facts, now)).min();
    }
    let rows = Arc::new(rows);
    *shown = Some(clusters::ShownRows { from: now, until, rows: rows.clone() });
    Ok(rows)
}

/// The given shares, each with its backup sets and principals.
async fn share_views(state: &AppState, rows: Vec<shares::ShareRow>) -> Result<Vec<Share>, AppError> {
    let ids: Vec<&str> = rows.iter().map(|s| s.resource_share_id.as_str()).collect();
    let mut resources: BTreeMap<String, Vec<SharedResource>> = BTreeMap::new();
    for r in shares::resources_of_shares(&state.pool, &ids).await.map_err(internal)? {
        resources.entry(r.resource_share_id).or_default().push(SharedResource {
            backup_set_id: r.backup_set_id,
            cluster_id: r.cluster_id,
            cluster_name: r.cluster_name,
            region_id: r.region_id,
        });
    }
    let mut principals: BTreeMap<String, Vec<SharePrincipal>> = BTreeMap::new();
    for p in shares::principals_of_shares(&state.pool, &ids).await.map_err(internal)? {
        principals.entry(p.resource_share_id).or_default().push(SharePrincipal {
            principal_id: p.principal_id,
            principal_type: p.principal_type,
            removal_pending_restore: p.status == AssociationStatus::Disassociating && p.revoke_at.is_none(),
            status: p.status,
            invitation_status: p.invitation_status,
        });
    }
    Ok(rows
        .into_iter()
        .map(|s| Share {
            resources: resources.remove(&s.resource_share_id).unwrap_or_default(),
            principals: principals.remove(&s.resource_share_id).unwrap_or_default(),
            resource_share_id: s.resource_share_id,
            resource_share_name: s.resource_share_name,
            principal_scope: s.principal_scope,
            status: s.status,
            created_at: s.created_at,
            updated_at: s.updated_at,
        })
        .collect())
}

/// What the Share dialog's list is narrowed to.
#[derive(Debug, Default)]
pub struct ShareSearch {
    pub name: Option<String>,
    pub resource_share_id: Option<String>,
}

/// One page of the owner's live shares: those with a principal (My Shares), or those holding one
/// backup set (Manage Sharing Relationship).
async fn shares_page(
    state: &AppState,
    who: &Identity,
    filter: shares::ShareFilter<'_>,
    page: PageRequest,
) -> Result<Paged<Share>, AppError> {
    let owner = who.account_id().as_str();
    let (rows, total) =
        paging::load_page(page, |limit, offset| shares::shares_page(&state.pool, owner, filter, limit, offset))
            .await
            .map_err(internal)?;
    Ok(Paged::new(share_views(state, rows).await?, total, page))
}

/// My Shares: one page of the owner's live shares that have at least one principal.
pub async fn my_shares(state: &AppState, who: &Identity, page: PageRequest) -> Result<Paged<Share>, AppError> {
    who.actor.may_view_polardb()?;
    shares_page(state, who, shares::ShareFilter { with_principal: true, ..Default::default() }, page).await
}

/// Resource Sharing > Shared By Me: one page of the owner's resource shares of every status (a share
/// being deleted stays listed, `Deleting`, until its revocation has run, then `Deleted`), with their
/// backup sets and principals. Resource shares are Resource Sharing's objects: reading them takes its
/// policy (AliyunResourceCenterFullAccess), as Shared With Me does; changing them the services' own rule.
pub async fn shares_by_me(state: &AppState, who: &Identity, page: PageRequest) -> Result<Paged<Share>, AppError> {
    who.actor.may_open(ConsolePage::SharedByMe)?;
    shares_page(state, who, shares::ShareFilter { every_status: true, ..Default::default() }, page).await
}

/// Manage Sharing Relationship: one page of the shares one of the owner's backup sets is in, with each
/// principal. The reference places it in the Resource Management console ("On the page in the Resource
/// Management console, you can view the Resource Share and Principal"), beside Shared By Me: the same
/// objects, read with the same policy (AliyunResourceCenterFullAccess), whatever PolarDB policy the
/// reader holds. PolarDB's own My Shares tab shows a backup set's shares to PolarDB readers.
#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn sharing_relationship(
    state: &AppState,
    who: &Identity,
    backup_set_id: &str,
    page: PageRequest,
) -> Result<Paged<Share>, AppError> {
    who.actor.may_open(ConsolePage::SharedByMe)?;
    let id = crate::domain::BackupSetId::parse(backup_set_id)?;
    let owned = clusters::backup_set(&state.pool, id.as_str())
        .await
        .map_err(internal)?
        .is_some_and(|b| b.account_id == who.account_id().as_str());
    if !owned {
        return Err(crate::domain::Refusal::BackupSetNotFound { backup_set: id.to_string() }.into());
    }
    shares_page(state, who, shares::ShareFilter { backup_set: Some(id.as_str()), ..Default::default() }, page).await
}

#[tracing::instrument(skip(state, who), fields(account = %who.account_id()))]
pub async fn share_dialog(
    state: &AppState,
    who: &Identity,
    search: ShareSearch,
    page: PageRequest,
) -> Result<ShareDialog, AppError> {
    who.actor.may_view_polardb()?;
    // The dialog picks from the live shares (with or without principals): a page of them, newest
    // first, narrowed by name as the owner types, or the one share it was opened on.
    let name = search.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    name.map(check_share_search).transpose()?;
    let filter = shares::ShareFilter {
        name_contains: name,
        share_id: search.resource_share_id.as_deref(),
        ..Default::default()
    };
    let shares = shares_page(state, who, filter, page).await?;
    // The directory's folders and member accounts are there to be picked as principals: shown only to
    // an identity that may share. Anyone else reads the directory nowhere (its pages are the root's).
    let directory_objects = match &who.account.directory_id {
        Some(rd) if who.actor.may_change_sharing().is_ok() => {
            accounts::directory_objects(&state.pool, rd, who.account_id().as_str()).await.map_err(internal)?
        }
        _ => Vec::new(),
    };
    Ok(ShareDialog { shares, directory_objects })
}
