//! The Share dialog: share a backup set through a new resource share, or add it to an existing one
//! (optionally editing that share's principals). Opened from My Shares for one share, it modifies that
//! share's principals directly. Every rule is checked by the server on OK; the dialog shows the
//! server's refusal as it is.

use crate::api::{self, types::*};
use crate::components::page_data::page_resource;
use crate::components::{
    error_alert::ErrorAlert,
    format,
    modal::Modal,
    principal_editor::{directory_label, PrincipalEditor},
};
use crate::domain::{AssociationStatus, PrincipalScope};
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    New,
    Existing,
}

/// What the toast says after OK: the share, and what happened to each changed principal.
pub fn outcome_summary(outcome: &ShareOutcome) -> String {
    let mut text = format!("Shared through {} ({}).", outcome.resource_share_name, outcome.resource_share_id);
    if !outcome.invited.is_empty() {
        text.push_str(&format!(" Invitations sent to {}.", outcome.invited.join(", ")));
    }
    if !outcome.associated.is_empty() {
        text.push_str(&format!(" Associated at once: {}.", outcome.associated.join(", ")));
    }
    if !outcome.revoking.is_empty() && outcome.removal_waits_for_restore {
        text.push_str(&format!(" Removal of {} pending until the restore ends.", outcome.revoking.join(", ")));
    } else if !outcome.revoking.is_empty() {
        text.push_str(&format!(
            " Being revoked (access ends after the scheduled revocation, about 10 minutes): {}.",
            outcome.revoking.join(", ")
        ));
    }
    text
}

#[component]
pub fn ShareDialog(
    backup_set_id: String,
    /// Set when opened from My Shares: the dialog edits this resource share (its principals) instead of
    /// offering the two sharing methods.
    #[prop(optional)]
    resource_share_id: Option<String>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_shared: Callback<ShareOutcome>,
) -> impl IntoView {
    // Opened on one share (from My Shares), the dialog loads that share; otherwise the newest page.
    let opened_on = resource_share_id.clone();
    let data = page_resource(|| (), move |_| api::load_share_dialog(None, opened_on.clone(), None, None));
    let title = match resource_share_id {
        Some(_) => format!("Modify sharing of backup set {backup_set_id}"),
        None => format!("Share backup set {backup_set_id}"),
    };
    view! {
        <Modal param="share" key="share-dialog" title on_close>
            <Suspense fallback=|| view! { <p class="loading">"Loading resource shares…"</p> }>
                {
                    let backup_set_id = backup_set_id.clone();
                    move || {
                        let (backup_set_id, editing) = (backup_set_id.clone(), resource_share_id.clone());
                        Suspend::new(async move {
                            match data.await {
                                Ok(data) => view! { <ShareForm backup_set_id editing data on_shared/> }.into_any(),
                                Err(error) => view! { <ErrorAlert error/> }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </Modal>
    }
}

#[component]
fn ShareForm(
    backup_set_id: String,
    /// The share being modified, when opened from My Shares.
    editing: Option<String>,
    data: ShareDialogData,
    on_shared: Callback<ShareOutcome>,
) -> impl IntoView {
    let modifying = editing.is_some();
    let method = RwSignal::new(if modifying { Method::Existing } else { Method::New });
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new(PrincipalScope::AllAccounts);
    let new_principals = RwSignal::new(Vec::<String>::new());
    let has_shares = !data.shares.items.is_empty();
    let first_share = data.shares.items.first().map(|s| s.resource_share_id.clone()).unwrap_or_default();
    // The picker holds one page of shares; typing part of a name fetches the page that matches.
    let shares = RwSignal::new(data.shares);
    let search = RwSignal::new(String::new());
    let selected = RwSignal::new(editing.clone().unwrap_or(first_share));
    let searching = Action::new_local(|name: &String| {
        let name = name.clone();
        async move { api::load_share_dialog((!name.trim().is_empty()).then_some(name), None, None, None).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(found)) = searching.value().get() {
            if let Some(first) = found.shares.items.first() {
                selected.set(first.resource_share_id.clone());
            }
            shares.set(found.shares);
        }
    });
    // Modifying a share is editing its principals; adding to an existing share only optionally is.
    let edit_principals = RwSignal::new(modifying);
    let selected_share =
        move || shares.with(|page| page.items.iter().find(|s| s.resource_share_id == selected.get()).cloned());
    // Editing starts from the selected share's current principals (those not already being revoked),
    // already in the server's rendering: a form posted without JavaScript keeps them.
    let current_principals = move || -> Vec<String> {
        selected_share()
            .map(|s| {
                s.principals
                    .into_iter()
                    .filter(|p| p.status == AssociationStatus::Associated)
                    .map(|p| p.principal_id)
                    .collect()
            })
            .unwrap_or_default()
    };
    let existing_principals = RwSignal::new(current_principals());
    Effect::new(move |_| existing_principals.set(current_principals()));

    // The dialog is a real form to `submit_share`: without JavaScript the browser posts it (and the
    // server redirects back, closing the dialog or showing its refusal); with it, the same fields are
    // dispatched from the dialog's state.
    let backup_set_id_field = backup_set_id.clone();
    let action = ServerAction::<api::SubmitShare>::new();
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = action.value().get() {
            on_shared.run(outcome);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let existing = method.get_untracked() == Method::Existing;
        let form = ShareForm {
            backup_set_id: backup_set_id.clone(),
            method: if existing { "existing" } else { "new" }.to_owned(),
            resource_share_name: Some(name.get_untracked()),
            scope: Some(scope.get_untracked().as_str().to_owned()),
            new_principals: Some(new_principals.get_untracked().join(",")),
            resource_share_id: Some(selected.get_untracked()),
            edit_principals: edit_principals.get_untracked().then(|| "on".to_owned()),
            existing_principals: Some(existing_principals.get_untracked().join(",")),
            ..ShareForm::default()
        };
        action.dispatch(api::SubmitShare { form });
    };
    let error = move || action.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    let directory_objects = StoredValue::new(data.directory_objects);
    let existing_directory_scope = Signal::derive(move || {
        selected_share().is_some_and(|s| s.principal_scope == PrincipalScope::ResourceDirectory)
    });

    view! {
        <form class="modal-body" method="post" action={<api::SubmitShare as leptos::server_fn::ServerFn>::url()} on:submit=submit>
            <input type="hidden" name="form[backup_set_id]" value=backup_set_id_field/>
            <Show when=move || modifying && selected_share().is_none()>
                <p class="alert alert-error" role="alert">"This resource share no longer exists or is being deleted."</p>
            </Show>
            <fieldset class="field" hidden=modifying>
                <legend>"Sharing method"</legend>
                <label class="radio">
                    <input type="radio" name="form[method]" value="new" checked=move || method.get() == Method::New on:change=move |_| { method.set(Method::New); action.value().set(None); }/>
                    "Create a new resource share"
                </label>
                <label class="radio">
                    <input type="radio" name="form[method]" value="existing" disabled=!has_shares checked=move || method.get() == Method::Existing on:change=move |_| { method.set(Method::Existing); action.value().set(None); }/>
                    "Select from existing resource shares"
                    {(!has_shares).then(|| view! { <span class="subtle">" (you have none yet)"</span> })}
                </label>
            </fieldset>

            <Show when=move || method.get() == Method::New>
                <label class="field">
                    <span>"Resource Share Name"</span>
                    <input type="text" name="form[resource_share_name]" maxlength="60" placeholder="1-50 letters, digits, Chinese characters, . _ -"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <fieldset class="field">
                    <legend>"Principal Scope"</legend>
                    <label class="radio">
                        <input type="radio" name="form[scope]" value="AllAccounts" checked=move || scope.get() == PrincipalScope::AllAccounts on:change=move |_| scope.set(PrincipalScope::AllAccounts)/>
                        "All Accounts"
                    </label>
                    <label class="radio">
                        <input type="radio" name="form[scope]" value="ResourceDirectory" checked=move || scope.get() == PrincipalScope::ResourceDirectory on:change=move |_| scope.set(PrincipalScope::ResourceDirectory)/>
                        "Objects Within Resource Directory"
                    </label>
                </fieldset>
                <PrincipalEditor field="new_principals" principals=new_principals directory_objects=directory_objects.get_value()
                    directory_scope=Signal::derive(move || scope.get() == PrincipalScope::ResourceDirectory)/>
            </Show>

            <Show when=move || method.get() == Method::Existing>
                <label class="field" hidden=modifying>
                    <span>"Find a resource share by name"</span>
                    <input type="search" maxlength="50" placeholder="Part of the name" prop:value=move || search.get()
                        on:input=move |ev| { search.set(event_target_value(&ev)); searching.dispatch(search.get_untracked()); }/>
                </label>
                <p class="subtle" hidden=modifying>{move || shares.with(|page| {
                    let shown = page.items.len();
                    if (shown as i64) < page.total {
                        format!("The {shown} newest of {} matching resource shares; type part of a name to find another.", page.total)
                    } else if shown == 0 {
                        "No resource share matches.".to_owned()
                    } else {
                        String::new()
                    }
                })}</p>
                <label class="field" hidden=modifying>
                    <span>"Select Resource Share"</span>
                    <select name="form[resource_share_id]" on:change=move |ev| selected.set(event_target_value(&ev))>
                        {move || shares.get().items.into_iter().map(|s| {
                            let id = s.resource_share_id.clone();
                            view! { <option value=id.clone() selected=move || selected.get() == id>{s.resource_share_name} " (" {s.resource_share_id.clone()} ")"</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || modifying.then(|| selected_share().map(|s| view! {
                    <p class="field share-identity">"Resource Share: " <strong>{s.resource_share_name}</strong>
                        " " <span class="subtle mono">{s.resource_share_id}</span></p>
                }))}
                {move || selected_share().map(|share| view! { <ExistingShareSummary share directory_objects=directory_objects.get_value()/> })}
                <label class="checkbox" hidden=modifying>
                    <input type="checkbox" name="form[edit_principals]" checked=modifying prop:checked=move || edit_principals.get()
                        on:change=move |ev| edit_principals.set(event_target_checked(&ev))/>
                    "Edit Principals"
                </label>
                <Show when=move || edit_principals.get()>
                    <PrincipalEditor field="existing_principals" principals=existing_principals directory_objects=directory_objects.get_value()
                        directory_scope=existing_directory_scope/>
                    <p class="subtle">"A removed principal keeps seeing the backup set until the scheduled revocation runs (about 10 minutes), but cannot restore from it."</p>
                </Show>
            </Show>

            {error}
            <div class="modal-footer">
                <button type="submit" form="share-dialog-close" class="button">"Cancel"</button>
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {move || match (action.pending().get(), modifying) {
                        (true, true) => "Saving…",
                        (true, false) => "Sharing…",
                        (false, _) => "OK",
                    }}
                </button>
            </div>
        </form>
    }
}

/// The Shared Resource List and principals of the share picked in "Select from existing resource shares"
/// (or being modified). Directory objects are named, not shown as raw `rd-`/`fd-` ids.
#[component]
fn ExistingShareSummary(share: ShareView, directory_objects: Vec<DirectoryObjectView>) -> impl IntoView {
    let principals = share
        .principals
        .iter()
        .map(|p| {
            let state = format::principal_state(p);
            let who = directory_label(&directory_objects, &p.principal_id).unwrap_or_else(|| p.principal_id.clone());
            format!("{who}: {state}")
        })
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <div class="field">
            <span class="field-label">"Shared Resource List"</span>
            <table class="data-table compact" aria-label="Shared Resource List">
                <thead><tr><th scope="col">"Backup Set ID"</th><th scope="col">"Cluster"</th><th scope="col">"Region"</th></tr></thead>
                <tbody>
                    {share.resources.into_iter().map(|r| view! {
                        <tr><td class="mono">{r.backup_set_id}</td><td>{r.cluster_id} <div class="subtle free-text">{r.cluster_name}</div></td><td>{r.region_id}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="subtle">"Scope: " {format::scope(share.principal_scope)} ". Principals: "
                {if principals.is_empty() { "none".to_owned() } else { principals }}</p>
        </div>
    }
}
