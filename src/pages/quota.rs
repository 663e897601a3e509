//! Quota: how many backup sets the account shares as owner, against its limit, and the way to a higher one.

use crate::api;
use crate::components::page_data::page_resource;
use crate::components::{error_alert::ErrorAlert, format};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn QuotaPage() -> impl IntoView {
    let apply = ServerAction::<api::SubmitTicket>::new();
    // Applying is a ticket, which only the account itself (root) submits.
    let is_root = use_context::<crate::api::types::Viewer>().is_some_and(|v| v.is_root);
    let quota = page_resource(move || apply.version().get(), |_| api::quota());
    let error = move || apply.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    view! {
        <Title text="Quota"/>
        <div class="page-header"><h1>"Sharing quota"</h1></div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match quota.await {
                    Ok(q) => {
                        let percent = if q.limit > 0 { (q.used * 100 / q.limit).min(100) } else { 0 };
                        let can_apply = is_root && q.limit < q.max_limit && !q.increase_pending;
                        view! {
                            <div class="card form-card">
                                <p class="quota-figure"><strong>{format::count(q.used)}</strong> " of " <strong>{format::count(q.limit)}</strong> " backup sets shared"</p>
                                <div class="progress wide" role="progressbar" aria-label="Quota used" aria-valuenow=q.used.to_string() aria-valuemax=q.limit.to_string()>
                                    <div class="progress-bar" style=format!("width: {percent}%")></div>
                                </div>
                                <p class="subtle">"Resource Sharing allows an owner 1,000 shared resources; PolarDB raises it to 1,024 backup sets on request."</p>
                                {q.increase_pending.then(|| view! { <p>"A quota increase is waiting for the platform's decision."</p> })}
                                {can_apply.then(|| view! {
                                    <ActionForm action=apply>
                                        <input type="hidden" name="kind" value="QuotaIncrease"/>
                                        <input type="hidden" name="message" value="Quota increase to 1,024 backup sets"/>
                                        <button type="submit" class="button button-primary">"Apply for a quota increase"</button>
                                    </ActionForm>
                                })}
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
        {error}
    }
}
