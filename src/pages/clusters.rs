//! Clusters: the signed-in account's clusters in the chosen region.

use crate::api::{self, types::ClusterView};
use crate::components::page_data::{page_resource, refresh_while};
use crate::components::status_badge::StatusBadge;
use crate::components::{
    empty_row::EmptyRow, error_alert::ErrorAlert, format, local_time::LocalTime, region_select::RegionSelect,
};
use crate::domain::ClusterStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ClustersPage() -> impl IntoView {
    // Sign-in lands here; an identity that may not read clusters goes to its own home page instead of
    // a refusal (a RAM user with no policy: its profile).
    if let Some(viewer) =
        use_context::<crate::api::types::Viewer>().filter(|v| !v.may_open(crate::domain::ConsolePage::Clusters))
    {
        return view! { <leptos_router::components::Redirect path=viewer.home/> }.into_any();
    }
    let query = use_query_map();
    let region = move || query.read().get("region");
    let refresh = RwSignal::new(0u32);
    let clusters = page_resource(move || (region(), refresh.get()), |(region, _)| api::list_clusters(region));
    // A cluster a restore is making (from the console or by API) turns Running on its own: follow it.
    refresh_while(
        move || {
            clusters
                .get_untracked()
                .and_then(Result::ok)
                .is_some_and(|l| l.clusters.iter().any(|c| c.status == ClusterStatus::Creating))
        },
        refresh,
    );

    view! {
        <Title text="Clusters"/>
        <div class="page-header">
            <h1>"Clusters"</h1>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading clusters…"</p> }>
            {move || Suspend::new({
                async move {
                    match clusters.await {
                        Ok(list) => {
                            let empty = list.clusters.is_empty();
                            let rows = list.clusters.into_iter().map(|c| view! { <ClusterRow cluster=c/> }).collect_view();
                            view! {
                                <RegionSelect regions=list.regions selected=list.region_id path="/clusters"/>
                                <table class="data-table" aria-label="Clusters">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Cluster ID / Name"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Edition"</th>
                                            <th scope="col">"Database"</th>
                                            <th scope="col">"High availability"</th>
                                            <th scope="col">"Encryption"</th>
                                            <th scope="col">"Created"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {rows}
                                        {empty.then(|| view! { <EmptyRow columns=7 text="No clusters in this region."/> })}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn ClusterRow(cluster: ClusterView) -> impl IntoView {
    let encryption = match (cluster.tde_enabled, cluster.disk_encryption_enabled) {
        (true, true) => "TDE, disk",
        (true, false) => "TDE",
        (false, true) => "Disk",
        (false, false) => "-",
    };
    view! {
        <tr>
            <td>
                <a class="nowrap" href=format!("/clusters/{}", cluster.cluster_id)>{cluster.cluster_id.clone()}</a>
                <div class="subtle">{cluster.cluster_name}</div>
            </td>
            <td><StatusBadge status=cluster.status.as_str() label=format::cluster_status(cluster.status)/></td>
            <td>{format::edition(cluster.edition)}</td>
            <td class="nowrap">{cluster.db_type} " " {cluster.db_version}</td>
            <td>{format::ha_mode(cluster.ha_mode)}</td>
            <td>{encryption}</td>
            <td><LocalTime iso=cluster.created_at/></td>
        </tr>
    }
}
