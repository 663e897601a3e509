//! Security: the signed-in identity (root, RAM user or operator) changes its own password. The server
//! checks the current one and the password policy; the identity's other sessions end.

use crate::api::{self, types::Viewer};
use crate::components::{access_keys::AccessKeysCard, error_alert::ErrorAlert};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let viewer = use_context::<Viewer>();
    let change = ServerAction::<api::ChangePassword>::new();
    let (new_password, set_new_password) = signal(String::new());
    let (confirmation, set_confirmation) = signal(String::new());
    let mismatch = move || !confirmation.get().is_empty() && confirmation.get() != new_password.get();
    let error = move || change.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    let notice = move || {
        change.value().get().and_then(Result::ok).map(|_| {
            view! { <p class="notice" role="status">"Password changed. Your other sessions have been signed out."</p> }
        })
    };
    let own_keys = viewer.as_ref().filter(|v| v.is_root).map(|v| v.login_name.clone());
    let who = viewer.map(|v| {
        let kind = if v.is_operator { "platform operator" } else if v.is_root { "root account" } else { "RAM user" };
        format!("{} · {kind} of {} (UID {})", v.login_name, v.account_name, v.account_id)
    });
    view! {
        <Title text="Security"/>
        <div class="page-header"><h1>"Security"</h1></div>
        <div class="card form-card">
            <h2>"Change password"</h2>
            <p class="subtle" data-testid="security-identity">{who}</p>
            <ActionForm action=change>
                <label class="field">
                    <span>"Current password"</span>
                    <input type="password" name="current_password" autocomplete="current-password" maxlength="256" required/>
                </label>
                <label class="field">
                    <span>"New password"</span>
                    <input type="password" name="new_password" autocomplete="new-password" maxlength="128" required
                        on:input=move |ev| set_new_password.set(event_target_value(&ev))/>
                </label>
                // No `name`: the confirmation is checked here and never sent.
                <label class="field">
                    <span>"Confirm new password"</span>
                    <input type="password" autocomplete="new-password" maxlength="128" required
                        on:input=move |ev| set_confirmation.set(event_target_value(&ev))/>
                </label>
                <p class="subtle">
                    "At least 10 characters, with at least 3 of: lowercase letters, uppercase letters, digits, other characters; not containing your sign-in name."
                </p>
                {move || mismatch().then(|| view! { <p class="alert alert-error" role="alert">"The two new passwords differ."</p> })}
                {error}
                {notice}
                <button type="submit" class="button button-primary" disabled=move || change.pending().get() || mismatch()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </ActionForm>
        </div>
        {own_keys.map(|own_login| view! { <AccessKeysCard own=true own_login/> })}
    }
}
