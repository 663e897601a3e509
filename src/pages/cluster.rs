//! A cluster's page, on its Data Backups tab: the backup sets, whether each is being shared, and the
//! Share Backups action that opens the Share dialog.

use crate::api::{
    self,
    types::{BackupSetPage, BackupSetView, ShareOutcome},
};
use crate::components::page_data::page_resource;
use crate::components::status_badge::StatusBadge;
use crate::components::toast::Toast;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    format,
    forms::{navigator, query_value, PostButton, QueryButton},
    local_time::LocalTime,
    pager::Pager,
    share_dialog::{outcome_summary, ShareDialog},
};
use crate::domain::{BackupLevel, ClusterStatus};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let cluster_id = move || params.read().get("cluster_id").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    // Bumped after a successful share so the table reloads.
    let refresh = RwSignal::new(0u32);
    let actions = OwnerActions::new();
    let backups = page_resource(
        move || (cluster_id(), page(), refresh.get(), actions.version()),
        |(cluster_id, page, _, _)| api::list_backup_sets(cluster_id, page),
    );
    // The open Share dialog lives in the URL (`?share=<backup set>`), so it opens without JavaScript too.
    let sharing = query_value("share");
    let close = navigator("share");
    let notice = RwSignal::new(None::<String>);
    let on_shared = Callback::new({
        let close = close.clone();
        move |outcome: ShareOutcome| {
            close(None);
            notice.set(Some(outcome_summary(&outcome)));
            refresh.update(|n| *n += 1);
        }
    });
    let on_close = Callback::new(move |_| close(None));

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading backup sets…"</p> }>
            {move || Suspend::new(async move {
                match backups.await {
                    Ok(data) => view! {
                        <ClusterHeader data=data.clone() actions/>
                        {actions.error()}
                        <DataBackupsTab data actions/>
                    }.into_any(),
                    Err(error) => view! {
                        <Title text="Cluster"/>
                        <div class="page-header"><h1>"Cluster"</h1></div>
                        <ErrorAlert error/>
                        <p><a href="/clusters">"Back to Clusters"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
        <Toast notice/>
        {move || sharing().map(|backup_set_id| view! { <ShareDialog backup_set_id on_close on_shared/> })}
    }
}

/// The owner's actions that end or pause sharing: delete a backup set, convert its level, release the
/// cluster. Each asks for confirmation first; the server decides.
#[derive(Clone, Copy)]
struct OwnerActions {
    delete: ServerAction<api::DeleteBackupSet>,
    convert: ServerAction<api::ConvertBackupLevel>,
    release: ServerAction<api::ReleaseCluster>,
}

impl OwnerActions {
    fn new() -> Self {
        OwnerActions { delete: ServerAction::new(), convert: ServerAction::new(), release: ServerAction::new() }
    }

    /// Changes whenever any action finishes, so the table reloads.
    fn version(&self) -> usize {
        self.delete.version().get() + self.convert.version().get() + self.release.version().get()
    }

    fn error(self) -> impl IntoView {
        move || {
            [self.delete.value().get(), self.convert.value().get(), self.release.value().get()]
                .into_iter()
                .flatten()
                .find_map(Result::err)
                .map(|error| view! { <ErrorAlert error/> })
        }
    }
}

#[component]
fn ClusterHeader(data: BackupSetPage, actions: OwnerActions) -> impl IntoView {
    let c = data.cluster;
    let release = api::ReleaseCluster { cluster_id: c.cluster_id.clone() };
    let released = c.status == ClusterStatus::Recycled;
    view! {
        <Title text=c.cluster_name.clone()/>
        <div class="breadcrumb"><a href=format!("/clusters?region={}", c.region_id)>"Clusters"</a> " / " {c.cluster_id.clone()}</div>
        <div class="page-header">
            <h1>{c.cluster_name.clone()} <span class="subtle">" " {c.cluster_id.clone()}</span></h1>
            {(!released).then(|| view! {
                <PostButton action=actions.release input=release label="Release cluster" class="button"
                    confirm="Release this cluster? It moves to the recycle bin, and every share of its backup sets is revoked."/>
            })}
        </div>
        <dl class="facts">
            <div><dt>"Region"</dt><dd>{c.region_id}</dd></div>
            <div><dt>"Status"</dt><dd>{format::cluster_status(c.status)}</dd></div>
            <div><dt>"Edition"</dt><dd>{format::edition(c.edition)}</dd></div>
            <div><dt>"High availability"</dt><dd>{format::ha_mode(c.ha_mode)}</dd></div>
            <div><dt>"TDE"</dt><dd>{if c.tde_enabled { "Enabled" } else { "Disabled" }}</dd></div>
            <div><dt>"Disk encryption"</dt><dd>{if c.disk_encryption_enabled { "Enabled" } else { "Disabled" }}</dd></div>
        </dl>
        <nav class="tabs" aria-label="Cluster">
            <span class="tab tab-active" aria-current="page">"Data Backups"</span>
        </nav>
    }
}

#[component]
fn DataBackupsTab(data: BackupSetPage, actions: OwnerActions) -> impl IntoView {
    // What refuses every row (the account can't share, or the cluster's sets can't be) is said once, in
    // the banner above the table; a row whose own first reason differs still says its own.
    let banner = data.sharing_blocked.clone().or(data.cluster_blocked.clone());
    let empty = data.items.is_empty();
    let rows = data
        .items
        .iter()
        .cloned()
        .map(|b| {
            let said_above = data.sharing_blocked.clone().or_else(|| {
                data.cluster_blocked.clone().filter(|c| b.share_blocked.as_ref().is_some_and(|own| own.code == c.code))
            });
            view! { <BackupRow backup=b said_above actions/> }
        })
        .collect_view();
    view! {
        {banner.map(|error| {
            let beta = error.code == "OperationDenied.SharedBackupNotEnabled";
            view! {
                <div class="banner">
                    <ErrorAlert error/>
                    {beta.then(|| view! { <a class="button button-primary" href="/tickets">"Submit a ticket"</a> })}
                </div>
            }
        })}
        <div class="table-frame">
            <table class="data-table backup-table" aria-label="Backup sets">
                <thead>
                    <tr>
                        <th scope="col">"Backup Set ID"</th>
                        <th scope="col">"Start Time"</th>
                        <th scope="col">"End Time"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Size"</th>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Level"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Attribute"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {empty.then(|| view! { <EmptyRow columns=10 text="This cluster has no backup sets yet."/> })}
                </tbody>
            </table>
        </div>
        // The service pages in i64 (the OpenAPI's PageNumber); a page number is small and positive.
        <Pager page=u32::try_from(data.page).unwrap_or(1) page_size=u32::try_from(data.page_size).unwrap_or(30) total=data.total label="Backup sets"/>
    }
}

#[component]
fn BackupRow(
    backup: BackupSetView,
    /// The refusal the banner above the table already says, if it applies to this row.
    said_above: Option<AppError>,
    actions: OwnerActions,
) -> impl IntoView {
    let delete = api::DeleteBackupSet { backup_set_id: backup.backup_set_id.clone() };
    let delete_question = format!(
        "Delete backup set {}? Principals it is shared with lose it after the scheduled revocation.",
        backup.backup_set_id
    );
    let convert = api::ConvertBackupLevel { backup_set_id: backup.backup_set_id.clone() };
    let attribute = if backup.is_sharing() { "Sharing" } else { "-" };
    // A reason told once in the banner above the table (the account's or the cluster's) is only hover
    // text on the row; a per-set reason is also written out beside the action.
    let id = backup.backup_set_id.clone();
    let lock = format::lock(backup.lock_state);
    let is_sharing = backup.is_sharing();
    let level_one = backup.level == BackupLevel::Level1;
    let convert_blocked = backup.convert_blocked;
    view! {
        <tr data-backup-set=backup.backup_set_id.clone()>
            <td class="mono">{backup.backup_set_id.clone()}</td>
            <td><LocalTime iso=backup.start_time/></td>
            <td><LocalTime iso=backup.end_time/></td>
            <td>
                <StatusBadge status=backup.status.as_str()/>
                {(!lock.is_empty()).then(|| view! { <div class="subtle">{lock}</div> })}
            </td>
            <td class="nowrap">{format::size(backup.size_bytes)}</td>
            <td class="method">{backup.method} " · " {backup.backup_mode}</td>
            <td class="nowrap">{backup.level.as_str()}</td>
            <td><LocalTime iso=backup.expires_at/></td>
            <td class:attribute-sharing=is_sharing>{attribute}</td>
            <td>
                {match (said_above, backup.share_blocked) {
                    (None, None) => view! {
                        <QueryButton param="share" value=id label="Share Backups"/>
                    }.into_any(),
                    (Some(reason), _) => view! {
                        <button class="link-button" disabled title=reason.message.clone()>"Share Backups"</button>
                    }.into_any(),
                    // Disabled, with the server's own reason as hover text and as visible text beside it.
                    (None, Some(reason)) => view! {
                        <button class="link-button" disabled title=reason.message.clone()>"Share Backups"</button>
                        <div class="reason" data-code=reason.code.clone()>{reason.message}</div>
                    }.into_any(),
                }}
                <div class="row-actions">
                    // A level-2 set has nothing to convert; any other refusal is the server's, as hover text.
                    {level_one.then(|| match convert_blocked {
                        None => view! { <PostButton action=actions.convert input=convert label="Convert to Level-2"/> }.into_any(),
                        Some(reason) => view! {
                            <button class="link-button" disabled title=reason.message data-code=reason.code>"Convert to Level-2"</button>
                        }.into_any(),
                    })}
                    <PostButton action=actions.delete input=delete label="Delete" confirm=delete_question/>
                </div>
            </td>
        </tr>
    }
}
