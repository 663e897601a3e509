//! Resource Management > Manage Sharing Relationship: for one of the owner's backup sets, the resource
//! shares it is in and each principal with its state.

use crate::api;
use crate::components::page_data::page_resource;
use crate::components::{
    error_alert::ErrorAlert,
    pager::{requested_page, Pager},
    sharing_relationship::SharingRelationship,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn SharingRelationshipPage() -> impl IntoView {
    let params = use_params_map();
    let backup_set_id = move || params.read().get("backup_set_id").unwrap_or_default();
    let page = requested_page("page");
    let shares =
        page_resource(move || (backup_set_id(), page()), |(id, page)| api::sharing_relationship(id, page, None));
    view! {
        <Title text="Manage Sharing Relationship"/>
        <div class="breadcrumb"><a href="/shared-backups">"Shared Backups"</a> " / Resource Sharing"</div>
        <div class="page-header"><h1>"Sharing relationship of backup set " <span class="mono">{backup_set_id}</span></h1></div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match shares.await {
                    Ok(shares) if shares.items.is_empty() && shares.page == 1 => view! { <p class="empty">"This backup set is in no resource share."</p> }.into_any(),
                    Ok(shares) => view! {
                        {shares.items.into_iter().map(|share| view! { <div class="card relationship-card"><SharingRelationship share/></div> }).collect_view()}
                        <Pager page=shares.page page_size=shares.page_size total=shares.total label="Resource shares"/>
                    }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
