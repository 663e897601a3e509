//! Billing: what this account pays. Sharing is free; principals pay for the clusters they restore into;
//! owners pay for backup storage.

use crate::api;
use crate::components::page_data::page_resource;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    format,
    format::money,
    local_time::LocalTime,
    pager::{requested_page, Pager},
};
use crate::domain::{BACKUP_STORAGE_CENTS_PER_GIB_MONTH, FREE_BACKUP_STORAGE_BYTES};
use leptos::prelude::*;
use leptos_meta::Title;

/// "Total per month (3 charges)": the footer says it counts every charge, on every page.
fn total_label(charges: i64) -> String {
    let noun = if charges == 1 { "charge" } else { "charges" };
    format!("Total per month ({} {noun})", format::count(charges))
}

/// The cluster a charge is for, named as everywhere in the console: its name (a link to it), its id below.
#[component]
fn ChargedCluster(id: Option<String>, name: Option<String>) -> impl IntoView {
    match (id, name) {
        (Some(id), Some(name)) => view! {
            <div class="free-text"><a href=format!("/clusters/{id}")>{name}</a></div> <div class="subtle mono">{id}</div>
        }.into_any(),
        (Some(id), None) => view! { <span class="mono">{id}</span> }.into_any(),
        (None, _) => view! { <span class="subtle">"-"</span> }.into_any(),
    }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let page = requested_page("page");
    let billing = page_resource(page, |page| api::billing(page, None));
    view! {
        <Title text="Billing"/>
        <div class="page-header"><h1>"Billing"</h1></div>
        <p class="subtle">"Sharing backup sets and accepting shares are free. The owner of a backup set pays for its storage; an account that restores from a shared backup set pays for the new cluster."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match billing.await {
                    Ok(b) => {
                        let charges = b.charges;
                        let empty = charges.items.is_empty();
                        view! {
                        <dl class="facts" aria-label="Backup storage">
                            <div><dt>"Backup storage"</dt><dd>{format::size(b.backup_storage_bytes)}</dd></div>
                            <div><dt>"Free of charge"</dt><dd>"The first " {format::size(FREE_BACKUP_STORAGE_BYTES)} ", then "
                                {money(BACKUP_STORAGE_CENTS_PER_GIB_MONTH)} " per whole GB a month"</dd></div>
                            // Past 1 TB the figure above can't say how many whole GB are billed.
                            <div><dt>"Billed"</dt><dd>{format!("{} GB beyond the free quota", format::count(b.backup_storage_billed_gib))}</dd></div>
                            <div><dt>"Storage cost"</dt><dd>{money(b.backup_storage_cents_per_month)} " per month"</dd></div>
                        </dl>
                        <table class="data-table" aria-label="Charges">
                            <thead><tr><th scope="col">"Time"</th><th scope="col">"Cluster"</th><th scope="col">"Item"</th><th scope="col" class="amount">"Amount per month"</th></tr></thead>
                            <tbody>
                                {charges.items.into_iter().map(|c| view! {
                                    <tr>
                                        <td><LocalTime iso=c.created_at/></td>
                                        <td><ChargedCluster id=c.cluster_id name=c.cluster_name/></td>
                                        <td>{c.item}</td>
                                        <td class="nowrap amount">{money(c.amount_cents)}</td>
                                    </tr>
                                }).collect_view()}
                                {empty.then(|| view! { <EmptyRow columns=4 text="No charges yet."/> })}
                            </tbody>
                            // Every charge's, not only this page's: what the account pays a month.
                            {(!empty).then(|| view! {
                                <tfoot><tr class="total-row">
                                    <th scope="row" colspan="3">{total_label(charges.total)}</th>
                                    <td class="nowrap amount" data-testid="charges-total">{money(b.charges_cents_per_month)}</td>
                                </tr></tfoot>
                            })}
                        </table>
                        <Pager page=charges.page page_size=charges.page_size total=charges.total label="Charges"/>
                    }.into_any() }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
