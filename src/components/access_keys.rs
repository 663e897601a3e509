//! AccessKey pairs in the console: the root's own on the Profile page, its RAM users' on the RAM
//! users page. A new pair's secret is shown once, right after it is made; the list never has it.

use crate::api::{self, types::AccessKeyView};
use crate::components::{empty_row::EmptyRow, error_alert::ErrorAlert, local_time::LocalTime};
use crate::components::page_data::page_resource;
use leptos::prelude::*;

/// The pairs of the root itself (`own`) or of the RAM users, with Create, Disable/Enable and Delete.
/// `own_login` is the root's sign-in name (the Create form then needs no name).
#[component]
pub fn AccessKeysCard(own: bool, own_login: String) -> impl IntoView {
    let create = ServerAction::<api::CreateAccessKey>::new();
    let status = ServerAction::<api::SetAccessKeyStatus>::new();
    let delete = ServerAction::<api::DeleteAccessKey>::new();
    let keys = page_resource(
        move || create.version().get() + status.version().get() + delete.version().get(),
        |_| api::list_access_keys(),
    );
    let error = move || {
        let create_error = create.value().get().and_then(Result::err);
        let status_error = status.value().get().and_then(Result::err);
        let delete_error = delete.value().get().and_then(Result::err);
        create_error.or(status_error).or(delete_error).map(|error| view! { <ErrorAlert error/> })
    };
    let created = move || {
        create.value().get().and_then(Result::ok).map(|k| {
            view! {
                <div class="notice" role="status" data-testid="new-access-key">
                    <p>"AccessKey pair created for " <span class="mono">{k.login_name}</span>
                        ". Copy the secret now: it is shown only this once."</p>
                    <p>"AccessKey ID: " <span class="mono" data-testid="new-access-key-id">{k.access_key_id}</span></p>
                    <p>"AccessKey secret: " <span class="mono" data-testid="new-access-key-secret">{k.access_key_secret}</span></p>
                </div>
            }
        })
    };
    let title = if own { "Your AccessKey pairs" } else { "AccessKey pairs of RAM users" };
    let label = if own { "Your AccessKey pairs" } else { "RAM user AccessKey pairs" };
    view! {
        <div class="card form-card">
            <h2>{title}</h2>
            <p class="subtle">"Scripts and the official Alibaba Cloud SDKs sign OpenAPI calls with a pair; a call acts with its identity's policies. At most two pairs per identity."</p>
            <ActionForm action=create>
                <div class="inline-form">
                    {if own {
                        view! { <input type="hidden" name="login_name" value=own_login.clone()/> }.into_any()
                    } else {
                        view! { <label class="field"><span>"RAM user"</span><input type="text" name="login_name" maxlength="64" required/></label> }.into_any()
                    }}
                    <button type="submit" class="button button-primary">"New AccessKey"</button>
                </div>
            </ActionForm>
            {created}
            {error}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(list) => {
                            let shown: Vec<AccessKeyView> = list.into_iter().filter(|k| k.is_root == own).collect();
                            let empty = shown.is_empty();
                            view! {
                                <table class="data-table compact" aria-label=label>
                                    <thead><tr><th>"AccessKey ID"</th><th>"Identity"</th><th>"Status"</th><th>"Created"</th><th>"Last used"</th><th>"Actions"</th></tr></thead>
                                    <tbody>
                                        {shown.into_iter().map(|k| view! { <AccessKeyRow key=k status delete/> }).collect_view()}
                                        {empty.then(|| view! { <EmptyRow columns=6 text="No AccessKey pairs."/> })}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AccessKeyRow(
    key: AccessKeyView,
    status: ServerAction<api::SetAccessKeyStatus>,
    delete: ServerAction<api::DeleteAccessKey>,
) -> impl IntoView {
    let active = key.status == "Active";
    let (id_status, id_delete) = (key.access_key_id.clone(), key.access_key_id.clone());
    view! {
        <tr data-access-key=key.access_key_id.clone()>
            <td class="mono">{key.access_key_id.clone()}</td>
            <td class="mono">{key.login_name}</td>
            <td><span class=if active { "status status-success" } else { "status status-failed" }>{if active { "Active" } else { "Disabled" }}</span></td>
            <td><LocalTime iso=key.created_at/></td>
            <td>{match key.last_used_at {
                Some(iso) => view! { <LocalTime iso/> }.into_any(),
                None => view! { <span class="subtle">"Never"</span> }.into_any(),
            }}</td>
            <td>
                <button class="link-button" on:click=move |_| {
                    status.dispatch(api::SetAccessKeyStatus { access_key_id: id_status.clone(), active: !active });
                }>{if active { "Disable" } else { "Enable" }}</button>
                " "
                <button class="link-button" on:click=move |_| {
                    delete.dispatch(api::DeleteAccessKey { access_key_id: id_delete.clone() });
                }>"Delete"</button>
            </td>
        </tr>
    }
}
