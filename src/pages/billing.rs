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
use crate::read_model::Charge;
use leptos::prelude::*;
use leptos_meta::Title;

/// "Total so far (3 charges), as of" (a time follows): the footer says it counts every charge, on every
/// page, at the time beside it (pay-as-you-go grows by the hour until its cluster is released).
fn total_label(charges: i64) -> String {
    let noun = if charges == 1 { "charge" } else { "charges" };
    format!("Total so far ({} {noun}), as of", format::count(charges))
}

/// "Subscription · 3 months, paid up front" (a charge from before terms were recorded names none).
fn subscription_terms(term: Option<&str>) -> String {
    match term {
        Some(term) => format!("Subscription · {term}, paid up front"),
        None => "Subscription, paid up front".to_owned(),
    }
}

/// How a charge is billed, and over what time: what its amount is for.
#[component]
fn ChargeBilling(charge: Charge) -> impl IntoView {
    let released = charge.released_at.clone();
    match (charge.pay_type.as_deref(), charge.cents_per_hour) {
        (Some("Postpaid"), Some(per_hour)) => {
            let period = match (charge.billed_from, released) {
                (None, _) => view! { "Billed from when the cluster is running" }.into_any(),
                (Some(from), None) => view! { "Running since " <LocalTime iso=from/> }.into_any(),
                (Some(from), Some(to)) => {
                    view! { "Ran from " <LocalTime iso=from/> ", released " <LocalTime iso=to/> ": final amount" }
                        .into_any()
                }
            };
            view! {
                <div class="nowrap">{format!("Pay-as-you-go · {} per hour begun", money(per_hour))}</div>
                <div class="subtle">{period}</div>
            }
            .into_any()
        }
        (Some("Prepaid"), _) => {
            let ends = charge.subscription_ends_at.clone();
            view! {
                <div class="nowrap">{subscription_terms(charge.subscription_term.as_deref())}</div>
                {match (released, ends) {
                    (Some(to), _) => view! { <div class="subtle">"Released " <LocalTime iso=to/> ": not refunded"</div> }.into_any(),
                    (None, Some(ends)) => view! { <div class="subtle">"Term ends " <LocalTime iso=ends/></div> }.into_any(),
                    (None, None) => ().into_any(),
                }}
            }
            .into_any()
        }
        _ => view! { <div>"Charged once"</div> }.into_any(),
    }
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
        <p class="subtle">"Sharing backup sets and accepting shares are free. The owner of a backup set pays for its storage; an account that restores from a shared backup set pays for the new cluster: a subscription up front for its whole term (1 to 9 months, or 1 to 3 years), not refunded if the cluster is released sooner; pay-as-you-go for each hour begun while the cluster runs, until it is released."</p>
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
                            <thead><tr><th scope="col">"Ordered"</th><th scope="col">"Cluster"</th><th scope="col">"Item"</th><th scope="col">"Billing"</th><th scope="col" class="amount">"Amount so far"</th></tr></thead>
                            <tbody>
                                {charges.items.into_iter().map(|c| {
                                    let amount = money(c.amount_cents);
                                    view! {
                                        <tr data-pay-type=c.pay_type.clone()>
                                            <td><LocalTime iso=c.created_at.clone()/></td>
                                            <td><ChargedCluster id=c.cluster_id.clone() name=c.cluster_name.clone()/></td>
                                            <td>{c.item.clone()}</td>
                                            <td><ChargeBilling charge=c.clone()/></td>
                                            <td class="nowrap amount">{amount}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                                {empty.then(|| view! { <EmptyRow columns=5 text="No charges yet."/> })}
                            </tbody>
                            // Every charge's, not only this page's, at the time the amounts were worked out.
                            {(!empty).then(|| view! {
                                <tfoot><tr class="total-row">
                                    <th scope="row" colspan="4">{total_label(charges.total)} " " <LocalTime iso=b.as_of.clone()/></th>
                                    <td class="nowrap amount" data-testid="charges-total">{money(b.charges_total_cents)}</td>
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
