//! AccessKey pairs in the console: the root's own on the Profile page, its RAM users' on the RAM
//! users page. A new pair's secret is shown once, right after it is made; the list never has it.

use crate::api::{self, types::AccessKeyView};
use crate::components::page_data::page_resource;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    forms::PostButton,
    local_time::LocalTime,
    modal::{css_string, DialogFrame},
};
use crate::domain::AccessKeyStatus;
use leptos::prelude::*;

/// The pairs of the root itself (`own`) or of the RAM users, with Disable/Enable and Delete, and the
/// secret of a pair just made through `create`. The root makes its own pairs here (`own_login` is its
/// sign-in name); a RAM user's pair is made from that user's row on the RAM users page, as in the
/// real console's user page, so nobody types a name.
#[component]
pub fn AccessKeysCard(own: bool, own_login: String, create: ServerAction<api::CreateAccessKey>) -> impl IntoView {
    let status = ServerAction::<api::SetAccessKeyStatus>::new();
    let delete = ServerAction::<api::DeleteAccessKey>::new();
    let keys = page_resource(
        move || create.version().get() + status.version().get() + delete.version().get(),
        |_| api::list_access_keys(),
    );
    // A refused New AccessKey is answered in its own dialog (see `NewAccessKeyAnswer`).
    let error = move || {
        let status_error = status.value().get().and_then(Result::err);
        let delete_error = delete.value().get().and_then(Result::err);
        status_error.or(delete_error).map(|error| view! { <ErrorAlert error/> })
    };
    let title = if own { "Your AccessKey pairs" } else { "AccessKey pairs of RAM users" };
    let label = if own { "Your AccessKey pairs" } else { "RAM user AccessKey pairs" };
    view! {
        <div class="card form-card wide-card">
            <h2>{title}</h2>
            <p class="subtle">"Scripts and the official Alibaba Cloud SDKs sign OpenAPI calls with a pair; a call acts with its identity's policies. At most two pairs per identity."</p>
            {if own {
                view! { <NewAccessKeyButton create login_name=own_login.clone() class="button button-primary"/> }.into_any()
            } else {
                view! { <p class="subtle">"Make a pair with New AccessKey in the user's row below."</p> }.into_any()
            }}
            <NewAccessKeyAnswer create/>
            {error}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(list) => {
                            let shown: Vec<AccessKeyView> = list.into_iter().filter(|k| k.is_root() == own).collect();
                            let empty = shown.is_empty();
                            view! {
                                <table class="data-table compact" aria-label=label>
                                    <thead><tr><th scope="col">"AccessKey ID"</th><th scope="col">"Identity"</th><th scope="col">"Status"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Actions"</th></tr></thead>
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

/// The answer to New AccessKey, in a dialog over the page: on the RAM users page the button is in a
/// user's row, often scrolled far below the card, and an answer printed in the card went unseen. It
/// holds the new pair with its secret (shown this once) or the server's refusal, until Close.
#[component]
fn NewAccessKeyAnswer(create: ServerAction<api::CreateAccessKey>) -> impl IntoView {
    // The answer of this version was closed; a later answer opens the dialog again.
    let closed = RwSignal::new(0usize);
    // Whose pair was asked for last (the action forgets its input once answered).
    let asked_for = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(input) = create.input().get() {
            asked_for.set(input.login_name);
        }
    });
    move || {
        let version = create.version().get();
        if version == closed.get() {
            return None;
        }
        let (title, body) = match create.value().get()? {
            Ok(k) => ("AccessKey pair created", view! {
                <p>"AccessKey pair created for " <span class="mono">{k.login_name}</span>
                    ". Copy the secret now: it is shown only this once, and it can't be looked up later."</p>
                <dl class="key-pair">
                    <div><dt>"AccessKey ID"</dt><dd class="mono" data-testid="new-access-key-id">{k.access_key_id}</dd></div>
                    <div><dt>"AccessKey secret"</dt><dd class="mono" data-testid="new-access-key-secret">{k.access_key_secret}</dd></div>
                </dl>
            }.into_any()),
            Err(error) => ("AccessKey pair not created", view! { <ErrorAlert error/> }.into_any()),
        };
        // Focus goes back to the New AccessKey button pressed, found by whose pair it makes.
        let opener = format!("[data-new-access-key=\"{}\"]", css_string(&asked_for.get_untracked()));
        Some(view! {
            <DialogFrame labelled_by="new-access-key-title" on_close=move |_| closed.set(version) opener testid="new-access-key">
                <div class="modal-header"><h2 id="new-access-key-title">{title}</h2></div>
                <div class="modal-body">
                    {body}
                    <div class="modal-footer">
                        <button type="button" class="button button-primary" on:click=move |_| closed.set(version)>"Close"</button>
                    </div>
                </div>
            </DialogFrame>
        })
    }
}

#[component]
fn AccessKeyRow(
    key: AccessKeyView,
    status: ServerAction<api::SetAccessKeyStatus>,
    delete: ServerAction<api::DeleteAccessKey>,
) -> impl IntoView {
    let active = key.status == AccessKeyStatus::Active;
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
            <td class="actions">
                <PostButton action=status input=api::SetAccessKeyStatus { access_key_id: id_status, active: !active }
                    label=if active { "Disable" } else { "Enable" }/>
                <PostButton action=delete input=api::DeleteAccessKey { access_key_id: id_delete.clone() } label="Delete"
                    confirm=format!("Delete AccessKey {id_delete}? Calls signed with it are refused from now on.")/>
            </td>
        </tr>
    }
}

/// Makes a new pair for `login_name`; its secret shows in the [`AccessKeysCard`] that shares `create`.
/// The button is disabled while a request is out, and the form carries a request token made once for
/// each showing of it (again after each answer): a form submitted twice anyway makes one pair, the
/// server refusing the second as already created. (With JavaScript off the form still posts, with no
/// token, but the page it returns to can't show the secret: the secret exists only in that one answer.)
#[component]
pub fn NewAccessKeyButton(
    create: ServerAction<api::CreateAccessKey>,
    login_name: String,
    #[prop(default = "link-button")] class: &'static str,
) -> impl IntoView {
    let token = RwSignal::new(String::new());
    // In the browser only (effects don't run on the server), and after every answer.
    Effect::new(move |_| {
        create.version().track();
        token.set(new_request_token());
    });
    // Every button of the page waits while one request is out; the one pressed says what it is doing.
    let login_name_mark = login_name.clone();
    let pending_here = {
        let login_name = login_name.clone();
        move || {
            create.pending().get()
                && create.input().with(|input| input.as_ref().is_some_and(|i| i.login_name == login_name))
        }
    };
    view! {
        <ActionForm action=create attr:class="post-form">
            <input type="hidden" name="login_name" value=login_name/>
            <input type="hidden" name="request_token" prop:value=move || token.get()/>
            <button type="submit" class=class data-new-access-key=login_name_mark disabled=move || create.pending().get()>
                {move || if pending_here() { "Creating AccessKey…" } else { "New AccessKey" }}
            </button>
        </ActionForm>
    }
}

/// A fresh token for one showing of the New AccessKey form: it names a request, not a secret, so the
/// browser's ordinary random numbers serve.
fn new_request_token() -> String {
    #[cfg(feature = "hydrate")]
    {
        let part = || (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        format!("{:014x}{:014x}", part(), part())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}
