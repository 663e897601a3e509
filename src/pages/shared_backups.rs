//! Shared Backups: My Shares (what this account shares, with whom) and Shared With Me (what others
//! share with it, to restore from), plus the progress of this account's restores.

use crate::api::{self, types::*};
use crate::components::page_data::{page_resource, refresh_while};
use crate::components::status_badge::StatusBadge;
use crate::components::toast::Toast;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    format,
    forms::{navigator, query_value, QueryButton},
    local_time::LocalTime,
    pager::{requested_page, Pager},
    region_select::RegionSelect,
    restore_dialog::RestoreDialog,
    share_dialog::{outcome_summary, ShareDialog},
};
use crate::domain::{AssociationStatus, ConsolePage, RestoreStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SharedBackupsPage() -> impl IntoView {
    let query = use_query_map();
    // A memo: opening or closing a dialog changes the query too, and must not build the tab anew (its
    // toast would be lost).
    let incoming = Memo::new(move |_| {
        query.read().get("tab").as_deref() == Some("incoming") || query.read().get("region").is_some()
    });
    view! {
        <Title text="Shared Backups"/>
        <div class="page-header"><h1>"Shared Backups"</h1></div>
        // Each view is its own address, so these are links (Tab, Enter), the one shown marked as current.
        <nav class="tabs" aria-label="Shared Backups views">
            <a href="/shared-backups" class="tab" class:tab-active=move || !incoming.get() aria-current=move || (!incoming.get()).then_some("page")>"My Shares"</a>
            <a href="/shared-backups?tab=incoming" class="tab" class:tab-active=incoming aria-current=move || incoming.get().then_some("page")>"Shared With Me"</a>
        </nav>
        {move || if incoming.get() { view! { <SharedWithMeTab/> }.into_any() } else { view! { <MySharesTab/> }.into_any() }}
    }
}

/// One row of My Shares: a backup set with at least one principal, through one share.
struct MyShareRow {
    backup: SharedResourceView,
    share: ShareView,
}

#[component]
fn MySharesTab() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let page = requested_page("page");
    let shares = page_resource(move || (page(), refresh.get()), |(page, _)| api::list_my_shares(page, None));
    // The Share Backup dialog is open for `?share=<backup set>&share_id=<resource share>`.
    let (editing_set, editing_share) = (query_value("share"), query_value("share_id"));
    let close = navigator("share");
    let notice = RwSignal::new(None::<String>);
    // What the rows offer is what the server allows this identity: the relationship page is Resource
    // Sharing's to read (Shared By Me's policy), changing a share takes both full-access policies.
    let viewer = use_context::<Viewer>();
    let may_read_relationship = viewer.as_ref().is_some_and(|v| v.may_open(ConsolePage::SharedByMe));
    let sharing_refusal =
        StoredValue::new(viewer.map_or_else(|| Some("Sign in to share.".to_owned()), |v| v.sharing_refusal()));
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading your shares…"</p> }>
            {move || Suspend::new(async move {
                let shares = match shares.await {
                    Ok(s) => s,
                    Err(error) => return view! { <ErrorAlert error/> }.into_any(),
                };
                // A backup set whose shares have no principal is not shared with anyone: not listed. One
                // whose removal waits for a restore is still shared until then.
                let (page, page_size, total) = (shares.page, shares.page_size, shares.total);
                let rows: Vec<MyShareRow> = shares
                    .items
                    .iter()
                    .filter(|s| !s.principals.is_empty())
                    .flat_map(|s| s.resources.iter().map(move |r| MyShareRow { backup: r.clone(), share: s.clone() }))
                    .collect();
                let empty = rows.is_empty();
                view! {
                    <table class="data-table" aria-label="My Shares">
                        <thead><tr>
                            <th scope="col">"Backup Set ID"</th><th scope="col">"Source Cluster"</th><th scope="col">"Region"</th><th scope="col">"Resource Share"</th>
                            <th scope="col">"Principals"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let principals = row.share.principals.iter().map(|p| {
                                    let state = format::principal_state(p);
                                    view! {
                                        <li data-principal=p.principal_id.clone() class:revoking=p.status == AssociationStatus::Disassociating>
                                            <span class="mono">{p.principal_id.clone()}</span> " " <span class="principal-state">{state}</span>
                                        </li>
                                    }
                                }).collect_view();
                                view! {
                                    <tr data-backup-set=row.backup.backup_set_id.clone() data-share=row.share.resource_share_id.clone()>
                                        <td class="mono">{row.backup.backup_set_id.clone()}</td>
                                        // The owner's own cluster, named as on the Clusters page (a principal's
                                        // Shared With Me has its id only).
                                        <td>
                                            <a class="nowrap" href=format!("/clusters/{}", row.backup.cluster_id)>{row.backup.cluster_id.clone()}</a>
                                            <div class="subtle free-text">{row.backup.cluster_name.clone()}</div>
                                        </td>
                                        <td class="nowrap">{row.backup.region_id.clone()}</td>
                                        <td><div class="free-text">{row.share.resource_share_name.clone()}</div> <div class="subtle mono">{row.share.resource_share_id.clone()}</div></td>
                                        <td><ul class="plain-list" aria-label="Principals">{principals}</ul></td>
                                        <td class="actions">
                                            {may_read_relationship.then(|| view! {
                                                <a href=format!("/resource-sharing/relationships/{}", row.backup.backup_set_id)>"Manage Sharing Relationship"</a>
                                                " "
                                            })}
                                            {match sharing_refusal.get_value() {
                                                None => view! {
                                                    <QueryButton param="share" value=row.backup.backup_set_id.clone() label="Share Backup"
                                                        extra=vec![("share_id", row.share.resource_share_id.clone())]/>
                                                }.into_any(),
                                                Some(reason) => view! {
                                                    <button class="link-button" disabled title=reason>"Share Backup"</button>
                                                }.into_any(),
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                            {empty.then(|| view! { <EmptyRow columns=6 text="You are not sharing any backup set with a principal yet."/> })}
                        </tbody>
                    </table>
                    <Pager page page_size total label="My Shares"/>
                }.into_any()
            })}
        </Transition>
        <Toast notice/>
        {move || editing_set().zip(editing_share()).map(|(backup_set_id, resource_share_id)| {
            let (close, close_after) = (close.clone(), close.clone());
            view! {
                <ShareDialog backup_set_id resource_share_id on_close=Callback::new(move |_| close(None))
                    on_shared=Callback::new(move |outcome: ShareOutcome| {
                        close_after(None);
                        notice.set(Some(outcome_summary(&outcome)));
                        refresh.update(|n| *n += 1);
                    })/>
            }
        })}
    }
}

#[component]
fn SharedWithMeTab() -> impl IntoView {
    let query = use_query_map();
    let refresh = RwSignal::new(0u32);
    let (page, jobs_page) = (requested_page("page"), requested_page("jobs_page"));
    let backups = page_resource(
        move || (query.read().get("region"), page(), refresh.get()),
        |(region, page, _)| api::list_shared_with_me(region, page, None),
    );
    let jobs = page_resource(move || (jobs_page(), refresh.get()), |(page, _)| api::list_restore_jobs(page, None));
    // The Restore dialog is open for `?restore=<backup set>`, one of the listed sets.
    let restoring = query_value("restore");
    let close = navigator("restore");
    // While a restore runs, reload every two seconds to show its progress.
    refresh_while(
        move || {
            jobs.get_untracked()
                .and_then(Result::ok)
                .is_some_and(|j| j.items.iter().any(|j| j.status == RestoreStatus::Running))
        },
        refresh,
    );
    // What screen readers are told as restores progress: the text of a live region, changed only when
    // there is news (a quarter more done, a restore ended), not at every reload.
    let announcement = RwSignal::new(String::new());
    let followed = StoredValue::new(Vec::<String>::new());
    Effect::new(move |_| {
        let Some(Ok(jobs)) = jobs.get() else { return };
        let text = restore_announcement(&jobs.items, &followed.get_value());
        followed.set_value(
            jobs.items
                .iter()
                .filter(|j| j.status == RestoreStatus::Running)
                .map(|j| j.restore_job_id.clone())
                .collect(),
        );
        if announcement.get_untracked() != text {
            announcement.set(text);
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading shared backup sets…"</p> }>
            {move || Suspend::new(async move {
                match backups.await {
                    Ok(list) => {
                        let empty = list.backups.is_empty();
                        view! {
                            <RegionSelect regions=list.regions selected=list.region_id path="/shared-backups"/>
                            <table class="data-table backup-table" aria-label="Shared With Me">
                                <thead><tr>
                                    <th scope="col">"Backup Set ID"</th><th scope="col">"Owner UID"</th><th scope="col">"Source Cluster"</th><th scope="col">"Region"</th>
                                    <th scope="col">"Size"</th><th scope="col">"Level"</th><th scope="col">"Backup Time"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {list.backups.into_iter().map(|b| view! { <IncomingRow backup=b/> }).collect_view()}
                                    {empty.then(|| view! { <EmptyRow columns=9 text="No backup sets are shared with you in this region."/> })}
                                </tbody>
                            </table>
                            <Pager page=list.page page_size=list.page_size total=list.total label="Shared With Me"/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
        <h2 class="section-title">"Restores"</h2>
        <p class="visually-hidden" role="status" aria-live="polite" data-testid="restore-progress">{announcement}</p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match jobs.await {
                    Ok(jobs) => view! {
                        <RestoreJobs jobs=jobs.items/>
                        <Pager page=jobs.page page_size=jobs.page_size total=jobs.total param="jobs_page" label="Restores"/>
                    }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
        <Suspense fallback=|| ()>
            {move || {
                let close = close.clone();
                Suspend::new(async move {
                    let id = restoring()?;
                    let backup = backups.await.ok()?.backups.into_iter().find(|b| b.backup_set_id == id)?;
                    let close_after = close.clone();
                    Some(view! {
                        <RestoreDialog backup on_close=Callback::new(move |_| close(None))
                            on_started=Callback::new(move |_| { close_after(None); refresh.update(|n| *n += 1); })/>
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
fn IncomingRow(backup: IncomingBackupView) -> impl IntoView {
    let revoking = backup.revoking_at.clone();
    let after_restore = backup.revoking_after_restore;
    // A restore holding the revocation back is named only when it is the principal's own: the lock
    // shown is the principal's own restore or none (`domain::lock_shown_to_principal`), since another
    // account's restore from the set is not this principal's to learn of.
    let own_restore = backup.lock_state == crate::domain::BackupLock::Restoring;
    let blocked = backup.restore_blocked.clone();
    view! {
        <tr data-backup-set=backup.backup_set_id.clone()>
            <td class="mono">{backup.backup_set_id.clone()}</td>
            <td class="mono">{backup.owner_account_id.clone()}</td>
            // By id only: the owner's name for its cluster is not the principal's to learn (`IncomingBackup`).
            <td class="mono">{backup.source_cluster_id.clone()}</td>
            <td class="nowrap">{backup.region_id.clone()}</td>
            <td class="nowrap">{format::size(backup.size_bytes)}</td>
            <td class="nowrap">{backup.level.as_str()}</td>
            <td><LocalTime iso=backup.start_time.clone()/></td>
            <td>
                <StatusBadge status=backup.status.as_str()/>
                {revoking.map(|at| view! { <div class="revoking">"Being revoked · gone after " <LocalTime iso=at/></div> })}
                {after_restore.then(|| {
                    let ends = if own_restore { "it ends after the running restore finishes" } else { "when it ends is not known yet" };
                    view! { <div class="revoking">"Being revoked · the owner removed your access; " {ends}</div> }
                })}
            </td>
            <td>
                {match blocked {
                    None => view! { <QueryButton param="restore" value=backup.backup_set_id.clone() label="Restore Data to New Cluster"/> }.into_any(),
                    Some(reason) => view! {
                        <button class="link-button" disabled title=reason.message.clone()>"Restore Data to New Cluster"</button>
                        <div class="reason">{reason.message}</div>
                    }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// What the live region says about this account's restores: each running one in steps of a quarter, and
/// each that was running when the page last looked (`followed`, by job id) and has ended since.
fn restore_announcement(jobs: &[RestoreJobView], followed: &[String]) -> String {
    jobs.iter()
        .filter_map(|j| match j.status {
            RestoreStatus::Running => {
                Some(format!("Restoring new cluster {}: {} % done.", j.cluster_name, j.progress / 25 * 25))
            }
            RestoreStatus::Succeeded if followed.contains(&j.restore_job_id) => {
                Some(format!("New cluster {} restored: it is running.", j.cluster_name))
            }
            RestoreStatus::Failed if followed.contains(&j.restore_job_id) => {
                Some(format!("Restoring new cluster {} failed.", j.cluster_name))
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, status: RestoreStatus, progress: u8) -> RestoreJobView {
        RestoreJobView {
            restore_job_id: id.to_owned(),
            backup_set_id: "3200000001".to_owned(),
            cluster_id: format!("pc-{id}"),
            cluster_name: format!("copy-{id}"),
            status,
            progress,
            started_at: "2026-11-29T10:00:00Z".to_owned(),
        }
    }

    #[test]
    fn a_running_restore_is_told_in_quarters_so_a_reload_alone_says_nothing_new() {
        let at = |progress| restore_announcement(&[job("a", RestoreStatus::Running, progress)], &[]);
        assert_eq!(at(0), "Restoring new cluster copy-a: 0 % done.");
        assert_eq!(at(24), at(0));
        assert_eq!(at(26), "Restoring new cluster copy-a: 25 % done.");
        assert_eq!(at(99), "Restoring new cluster copy-a: 75 % done.");
    }

    #[test]
    fn an_end_is_told_only_for_a_restore_followed_while_it_ran() {
        let jobs = [
            job("a", RestoreStatus::Succeeded, 100),
            job("b", RestoreStatus::Failed, 100),
            job("c", RestoreStatus::Succeeded, 100),
        ];
        assert_eq!(
            restore_announcement(&jobs, &["a".to_owned(), "b".to_owned()]),
            "New cluster copy-a restored: it is running. Restoring new cluster copy-b failed."
        );
        assert_eq!(restore_announcement(&jobs, &[]), "");
    }
}

#[component]
fn RestoreJobs(jobs: Vec<RestoreJobView>) -> impl IntoView {
    let empty = jobs.is_empty();
    view! {
        <table class="data-table" aria-label="Restores">
            <thead><tr><th scope="col">"New Cluster"</th><th scope="col">"From Backup Set"</th><th scope="col">"Started"</th><th scope="col">"Progress"</th><th scope="col">"Status"</th></tr></thead>
            <tbody>
                {jobs.into_iter().map(|j| {
                    let status = format::restore_cluster_status(j.status);
                    view! {
                        <tr data-restore-job=j.restore_job_id.clone()>
                            <td><div class="free-text"><a href=format!("/clusters/{}", j.cluster_id)>{j.cluster_name}</a></div> <div class="subtle mono">{j.cluster_id.clone()}</div></td>
                            <td class="mono">{j.backup_set_id}</td>
                            <td><LocalTime iso=j.started_at/></td>
                            <td>
                                <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=j.progress.to_string() aria-label="Restore progress">
                                    <div class="progress-bar" style=format!("width: {}%", j.progress)></div>
                                </div>
                                <span class="subtle">{j.progress} "%"</span>
                            </td>
                            <td><StatusBadge status=status/></td>
                        </tr>
                    }
                }).collect_view()}
                {empty.then(|| view! { <EmptyRow columns=5 text="No restores yet."/> })}
            </tbody>
        </table>
    }
}
