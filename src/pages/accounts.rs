//! Accounts (platform operator): creates a cloud account and its root sign-in, as `polarshare
//! create-account` does, and shows the generated password once.

use crate::api;
use crate::api::types::Viewer;
use crate::components::error_alert::ErrorAlert;
use crate::domain::check_creates_accounts;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountsPage() -> impl IntoView {
    let create = ServerAction::<api::CreateAccount>::new();
    let error = move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    let created = move || {
        create.value().get().and_then(Result::ok).map(|a| {
            view! {
                <div class="card form-card" role="status" data-testid="created-account">
                    <h2>"Account created"</h2>
                    <p>"UID " <code>{a.account_id}</code> " · root sign-in " <code>{a.login_name}</code></p>
                    <p>"Password: " <code data-testid="created-password">{a.password}</code></p>
                    <p class="subtle">"Shown only now. Hand it over securely; the root changes it on its Profile page."</p>
                </div>
            }
        })
    };
    // Anyone else is refused at once, as the server would refuse the form (not offered a form that can only fail).
    let refusal = check_creates_accounts(use_context::<Viewer>().is_some_and(|v| v.is_operator)).err();
    if let Some(refusal) = refusal {
        return view! {
            <Title text="Accounts"/>
            <div class="page-header"><h1>"Accounts"</h1></div>
            <ErrorAlert error=AppError::from(refusal)/>
        }
        .into_any();
    }
    view! {
        <Title text="Accounts"/>
        <div class="page-header"><h1>"Accounts"</h1></div>
        <div class="card form-card">
            <h2>"Create a cloud account"</h2>
            <ActionForm action=create>
                <label class="field"><span>"Account name"</span><input type="text" name="display_name" maxlength="64" required/></label>
                <label class="field"><span>"Root sign-in name"</span><input type="text" name="login_name" maxlength="64" required/></label>
                <label class="field">
                    <span>"Site"</span>
                    <select name="site">
                        <option value="aliyun.com">"China site (aliyun.com)"</option>
                        <option value="alibabacloud.com">"International site (alibabacloud.com)"</option>
                    </select>
                </label>
                <label class="checkbox"><input type="checkbox" name="beta" value="on"/>" Shared backup sets beta enabled"</label>
                {error}
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>"Create account"</button>
            </ActionForm>
        </div>
        {created}
    }
    .into_any()
}
