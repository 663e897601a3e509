//! Audit trail: every action that changed sharing state, and every refused attempt, for this account.
//! Read-only; filterable by action and dates; exportable as CSV.

use crate::api::{
    self,
    types::{AuditEventView, AUDITED_ACTIONS},
};
use crate::components::page_data::page_resource;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    local_time::LocalTime,
    pager::{requested_page, Pager},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = requested_page("page");
    let events = page_resource(
        move || (param("action"), param("from"), param("to"), page()),
        |(action, from, to, page)| api::audit_trail(action, from, to, page, None),
    );
    let export = move || {
        let q: Vec<String> =
            ["action", "from", "to"].iter().filter_map(|k| param(k).map(|v| format!("{k}={v}"))).collect();
        format!("/audit/export.csv?{}", q.join("&"))
    };
    view! {
        <Title text="Audit trail"/>
        <div class="page-header"><h1>"Audit trail"</h1><a class="button" href=export rel="external" download>"Export CSV"</a></div>
        // A plain GET form: the filters live in the URL, so a filtered view can be bookmarked.
        <form class="toolbar" method="get" action="/audit">
            <label class="inline-field"><span>"Action"</span>
                <select name="action">
                    <option value="">"All actions"</option>
                    {AUDITED_ACTIONS.iter().map(|a| {
                        let selected = param("action").as_deref() == Some(*a);
                        view! { <option value=*a selected=selected>{*a}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="inline-field"><span>"From"</span><input type="date" name="from" value=move || param("from").unwrap_or_default()/></label>
            <label class="inline-field"><span>"To"</span><input type="date" name="to" value=move || param("to").unwrap_or_default()/></label>
            <button type="submit" class="button">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(list) => view! {
                        <AuditTable events=list.items/>
                        <Pager page=list.page page_size=list.page_size total=list.total label="Audit events"/>
                    }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(events: Vec<AuditEventView>) -> impl IntoView {
    let empty = events.is_empty();
    view! {
        <table class="data-table" aria-label="Audit events">
            <thead><tr><th scope="col">"Time"</th><th scope="col">"Identity"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"Outcome"</th><th scope="col">"Source IP / Request ID / Channel"</th></tr></thead>
            <tbody>
                {events.into_iter().map(|e| {
                    let ok = e.succeeded();
                    view! {
                        <tr>
                            <td><LocalTime iso=e.occurred_at/></td>
                            <td><div class="free-text sign-in-name">{e.identity}</div></td>
                            <td class="nowrap">{e.action}</td>
                            <td><div class="mono free-text">{e.target}</div></td>
                            <td>
                                <span class=if ok { "status status-success" } else { "status status-failed" }>{e.outcome}</span>
                                {(!e.detail.is_empty()).then(|| view! { <div class="reason">{e.detail}</div> })}
                            </td>
                            <td>
                                <span class="mono">{e.source_ip}</span>
                                <div class="subtle mono free-text">{e.request_id}</div>
                                <div class="subtle mono free-text">{e.channel}</div>
                            </td>
                        </tr>
                    }
                }).collect_view()}
                {empty.then(|| view! { <EmptyRow columns=6 text="No events match these filters."/> })}
            </tbody>
        </table>
    }
}
