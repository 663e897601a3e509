//! Resource Management > Resource Sharing > Shared By Me: the account's resource shares themselves,
//! of every status, with Edit (rename, allow external accounts) and Delete. A deleted share stays
//! listed: `Deleting` while its principals' access goes through the scheduled revocation, then
//! `Deleted`. The rules are the services' (the OpenAPI's UpdateResourceShare and DeleteResourceShare).

use crate::api::{
    self,
    types::{Paged, ShareView},
};
use crate::components::page_data::{page_resource, refresh_while};
use crate::components::status_badge::StatusBadge;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    format,
    forms::{navigator, query_value, PostButton, QueryButton},
    local_time::LocalTime,
    modal::Modal,
    pager::{requested_page, Pager},
};
use crate::domain::{AssociationStatus, PrincipalScope, ShareStatus};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SharedByMePage() -> impl IntoView {
    let update = ServerAction::<api::UpdateResourceShare>::new();
    let delete = ServerAction::<api::DeleteResourceShare>::new();
    let refresh = RwSignal::new(0u32);
    let page = requested_page("page");
    let shares = page_resource(
        move || (page(), update.version().get(), delete.version().get(), refresh.get()),
        |(page, ..)| api::list_shares_by_me(page, None),
    );
    // A share being deleted turns Deleted when its revocation has run: follow it while one is listed.
    refresh_while(
        move || {
            shares
                .get_untracked()
                .and_then(Result::ok)
                .is_some_and(|p| p.items.iter().any(|s| s.status == ShareStatus::Deleting))
        },
        refresh,
    );
    // The Edit dialog is open for `?edit=<resource share id>`, one of the listed shares.
    let editing = query_value("edit");
    let close = navigator("edit");
    Effect::new({
        let close = close.clone();
        move |_| {
            if let Some(Ok(())) = update.value().get() {
                close(None);
            }
        }
    });
    let error = move || delete.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    view! {
        <Title text="Shared By Me"/>
        <div class="breadcrumb">"Resource Management / Resource Sharing"</div>
        <div class="page-header"><h1>"Shared By Me"</h1></div>
        <p class="subtle">"Your resource shares. Deleting one ends every principal's access to its backup sets after the scheduled revocation; the share shows Deleting until then."</p>
        {error}
        <Transition fallback=|| view! { <p class="loading">"Loading resource shares…"</p> }>
            {move || Suspend::new(async move {
                match shares.await {
                    Ok(list) => view! { <SharesTable list delete/> }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
        <Suspense fallback=|| ()>
            {move || {
                let close = close.clone();
                Suspend::new(async move {
                    let id = editing()?;
                    let share = shares.await.ok()?.items.into_iter().find(|s| s.resource_share_id == id && s.status == ShareStatus::Active)?;
                    Some(view! {
                        <EditDialog share update on_close=Callback::new(move |_| {
                            update.value().set(None);
                            close(None);
                        })/>
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
fn SharesTable(list: Paged<ShareView>, delete: ServerAction<api::DeleteResourceShare>) -> impl IntoView {
    let empty = list.items.is_empty();
    view! {
        <table class="data-table" aria-label="Resource shares">
            <thead><tr>
                <th scope="col">"Resource Share"</th><th scope="col">"Status"</th><th scope="col">"External Accounts"</th><th scope="col">"Backup Sets"</th>
                <th scope="col">"Principals"</th><th scope="col">"Created"</th><th scope="col">"Updated"</th><th scope="col">"Actions"</th>
            </tr></thead>
            <tbody>
                {list.items.into_iter().map(|share| view! { <ShareRow share delete/> }).collect_view()}
                {empty.then(|| view! { <EmptyRow columns=8 text="You have no resource shares yet. Share a backup set from a cluster's Data Backups."/> })}
            </tbody>
        </table>
        <Pager page=list.page page_size=list.page_size total=list.total label="Resource shares"/>
    }
}

#[component]
fn ShareRow(share: ShareView, delete: ServerAction<api::DeleteResourceShare>) -> impl IntoView {
    let external = share.principal_scope == PrincipalScope::AllAccounts;
    let revoking = share.principals.iter().filter(|p| p.status == AssociationStatus::Disassociating).count();
    let principals = share.principals.len();
    let backup_sets = share
        .resources
        .iter()
        .map(|r| {
            view! {
                <li><a class="mono" href=format!("/resource-sharing/relationships/{}", r.backup_set_id)
                    title="Manage Sharing Relationship">{r.backup_set_id.clone()}</a></li>
            }
        })
        .collect_view();
    let id = share.resource_share_id.clone();
    let actions = (share.status == ShareStatus::Active).then(|| {
        let question = format!(
            "Delete resource share {} ({id})? Every principal loses access to its backup sets after the scheduled revocation.",
            share.resource_share_name
        );
        view! {
            <QueryButton param="edit" value=id.clone() label="Edit"/>
            <PostButton action=delete input=api::DeleteResourceShare { resource_share_id: id.clone() } label="Delete" confirm=question/>
        }
    });
    view! {
        <tr data-share=share.resource_share_id.clone()>
            <td><div class="free-text">{share.resource_share_name.clone()}</div> <div class="subtle mono">{share.resource_share_id.clone()}</div></td>
            <td><StatusBadge status=share.status.as_str()/></td>
            <td title=format::scope(share.principal_scope)>{if external { "Allowed" } else { "Not allowed" }}</td>
            <td>
                <span data-testid="backup-set-count">{share.resources.len()}</span>
                <ul class="plain-list" aria-label="Backup sets">{backup_sets}</ul>
            </td>
            <td>
                <span data-testid="principal-count">{principals}</span>
                {(revoking > 0).then(|| view! { <div class="revoking nowrap">{revoking} " being revoked"</div> })}
            </td>
            <td><LocalTime iso=share.created_at/></td>
            <td><LocalTime iso=share.updated_at/></td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

/// Edit: the share's name and whether accounts outside the resource directory may be its principals.
/// A real form to `update_resource_share`: without JavaScript the browser posts it and the server
/// redirects back (closing the dialog, or keeping it open with the refusal).
#[component]
fn EditDialog(
    share: ShareView,
    update: ServerAction<api::UpdateResourceShare>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let external = share.principal_scope == PrincipalScope::AllAccounts;
    let error = move || update.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    view! {
        <Modal param="edit" key="edit-share" title="Edit resource share" on_close>
            <ActionForm action=update attr:class="modal-body">
                <input type="hidden" name="resource_share_id" value=share.resource_share_id.clone()/>
                <p class="field share-identity">"Resource Share ID: " <span class="mono">{share.resource_share_id.clone()}</span></p>
                <label class="field">
                    <span>"Resource Share Name"</span>
                    <input type="text" name="resource_share_name" maxlength="60" required value=share.resource_share_name.clone()
                        placeholder="1-50 letters, digits, Chinese characters, . _ -"/>
                </label>
                <fieldset class="field">
                    <legend>"Principal Scope"</legend>
                    <label class="radio">
                        <input type="radio" name="principal_scope" value="AllAccounts" checked=external/>
                        "All Accounts (accounts outside your resource directory allowed)"
                    </label>
                    <label class="radio">
                        <input type="radio" name="principal_scope" value="ResourceDirectory" checked=!external/>
                        "Objects Within Resource Directory"
                    </label>
                </fieldset>
                <p class="subtle">"Closing a share to your resource directory is refused while accounts outside it are principals: remove them first."</p>
                {error}
                <div class="modal-footer">
                    <button type="submit" form="edit-share-close" class="button">"Cancel"</button>
                    <button type="submit" class="button button-primary" disabled=move || update.pending().get()>
                        {move || if update.pending().get() { "Saving…" } else { "OK" }}
                    </button>
                </div>
            </ActionForm>
        </Modal>
    }
}
