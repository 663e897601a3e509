//! Restore Data to New Cluster: a form for the new cluster, created in the principal's own account and
//! in the backup set's region (its zones are the only ones offered; the server checks it anyway).

use crate::api::{self, types::*};
use crate::components::{error_alert::ErrorAlert, format, modal::Modal};
use crate::domain::{restore_node_spec, subscription_price_cents, SubscriptionTerm};
use leptos::prelude::*;

#[component]
pub fn RestoreDialog(
    backup: IncomingBackupView,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_started: Callback<RestoreJobView>,
) -> impl IntoView {
    let zones = zones(&backup.region_id);
    let name = RwSignal::new(format!("restored-{}", backup.backup_set_id));
    // Preselected: what a restore naming no node spec or zone gets (the API's CreateDBCluster too).
    let spec = RwSignal::new(crate::domain::restore_node_spec(None).map(|(s, _)| s).unwrap_or_default().to_owned());
    let placed = crate::domain::restore_placement(None, None, &backup.region_id).ok();
    let zone = RwSignal::new(placed.map(|p| p.zone).unwrap_or_default().to_owned());
    let pay_type = RwSignal::new("Postpaid".to_owned());
    let term = RwSignal::new(term_value(SubscriptionTerm::Months(1)));
    // A real form to `submit_restore`: posted by the browser without JavaScript, dispatched with it.
    let action = ServerAction::<api::SubmitRestore>::new();
    Effect::new(move |_| {
        if let Some(Ok(job)) = action.value().get() {
            on_started.run(job);
        }
    });
    let backup_set_id = backup.backup_set_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(api::SubmitRestore {
            backup_set_id: backup_set_id.clone(),
            cluster_name: name.get_untracked(),
            node_spec: spec.get_untracked(),
            zone_id: zone.get_untracked(),
            pay_type: pay_type.get_untracked(),
            subscription_term: Some(term.get_untracked()),
        });
    };
    let error = move || action.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    view! {
        <Modal param="restore" key="restore-dialog" title="Restore Data to New Cluster" on_close>
            <form class="modal-body" method="post" action={<api::SubmitRestore as leptos::server_fn::ServerFn>::url()} on:submit=submit>
                <input type="hidden" name="backup_set_id" value=backup.backup_set_id.clone()/>
                <p class="subtle">"From backup set " <span class="mono">{backup.backup_set_id.clone()}</span>
                    " of account " <span class="mono">{backup.owner_account_id.clone()}</span>
                    ", into a new cluster of your account in " <span class="nowrap">{backup.region_id.clone()}</span> ". You pay for the new cluster; the owner pays for the backup storage."</p>
                <label class="field">
                    <span>"New cluster name"</span>
                    <input type="text" name="cluster_name" maxlength="80" value=name.get_untracked() prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Node specification"</span>
                    <select name="node_spec" on:change=move |ev| spec.set(event_target_value(&ev))>
                        {NODE_SPECS.iter().map(|(s, cents)| view! {
                            <option value=*s>{*s} " · " {format::money(*cents)} " per month"</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Zone"</span>
                    <select name="zone_id" on:change=move |ev| zone.set(event_target_value(&ev))>
                        {zones.iter().map(|z| view! { <option value=*z>{*z}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset class="field">
                    <legend>"Billing method"</legend>
                    <label class="radio"><input type="radio" name="pay_type" value="Postpaid" checked=move || pay_type.get() == "Postpaid" on:change=move |_| pay_type.set("Postpaid".into())/>"Pay-as-you-go"</label>
                    <label class="radio"><input type="radio" name="pay_type" value="Prepaid" checked=move || pay_type.get() == "Prepaid" on:change=move |_| pay_type.set("Prepaid".into())/>"Subscription"</label>
                </fieldset>
                // Shown by the stylesheet while Subscription is checked, so it works before hydration and
                // without JavaScript too; posted whatever the method, and read only for a subscription.
                <label class="field subscription-term">
                    <span>"Subscription duration"</span>
                    <select name="subscription_term" on:change=move |ev| term.set(event_target_value(&ev))>
                        {SubscriptionTerm::all().map(|t| {
                            let price = move || {
                                let monthly = restore_node_spec(Some(&spec.get())).map(|(_, cents)| cents).unwrap_or_default();
                                format::money(subscription_price_cents(monthly, t))
                            };
                            view! { <option value=term_value(t)>{t.label()} " · " {price}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {error}
                <div class="modal-footer">
                    <button type="submit" form="restore-dialog-close" class="button">"Cancel"</button>
                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>"Restore"</button>
                </div>
            </form>
        </Modal>
    }
}

/// A term as the dialog posts it: `Period:UsedTime` (`Month:3`), split again by `submit_restore`.
fn term_value(term: SubscriptionTerm) -> String {
    let (period, used_time) = term.period_and_used_time();
    format!("{period}:{used_time}")
}
