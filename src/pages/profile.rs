//! Profile: the signed-in identity itself, its policies and the pages they open, and its own password
//! (root, RAM user or operator: the server checks the current one and the password policy; the
//! identity's other sessions end). Every identity may open it; for a RAM user with no policy it is the
//! whole console. (It was two pages, Profile and Security, that both began by saying who you are.)

use crate::api::{self, types::Viewer};
use crate::components::{access_keys::AccessKeysCard, error_alert::ErrorAlert};
use crate::domain::ConsolePage;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let viewer = use_context::<Viewer>();
    // The root's own AccessKey pairs (a RAM user's are made by its root on the RAM users page).
    let own_keys = viewer.as_ref().filter(|v| v.is_root).map(|v| v.login_name.clone());
    view! {
        <Title text="Profile"/>
        <div class="page-header"><h1>"Profile"</h1></div>
        {viewer.map(|v| {
            let kind = if v.is_operator { "Platform operator" } else if v.is_root { "Account (root)" } else { "RAM user" };
            let policies = if v.is_root {
                "All (the account itself holds every permission)".to_owned()
            } else if v.policies.is_empty() {
                "None: ask the account's administrator to attach a system policy to see the account's data.".to_owned()
            } else {
                v.policies.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
            };
            let pages: Vec<&str> = v.pages.iter().copied().filter(|p| *p != ConsolePage::Profile).map(ConsolePage::title).collect();
            let pages = if pages.is_empty() { "None besides this profile".to_owned() } else { pages.join(", ") };
            view! {
                <dl class="facts" aria-label="Profile">
                    <div><dt>"Sign-in name"</dt><dd class="mono">{v.login_name}</dd></div>
                    <div><dt>"Identity"</dt><dd>{kind}</dd></div>
                    <div><dt>"Site"</dt><dd>{v.site.as_str()}</dd></div>
                    <div class="facts-wide"><dt>"Account"</dt><dd>{v.account_name} " · UID " <span class="mono">{v.account_id}</span></dd></div>
                    <div class="facts-wide"><dt>"Policies"</dt><dd data-testid="profile-policies">{policies}</dd></div>
                    <div class="facts-wide"><dt>"Pages you can open"</dt><dd data-testid="profile-pages">{pages}</dd></div>
                </dl>
            }
        })}
        <ChangePassword/>
        {own_keys.map(|own_login| view! { <AccessKeysCard own=true own_login create=ServerAction::new()/> })}
    }
}

/// Change password: the current one, the new one twice (the confirmation is checked here, never sent).
#[component]
fn ChangePassword() -> impl IntoView {
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
    view! {
        <div class="card form-card">
            <h2>"Change password"</h2>
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
    }
}
