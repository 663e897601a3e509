//! The sign-in page.

use crate::api;
use crate::components::error_alert::ErrorAlert;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    // The server answers a successful sign-in with a redirect to the console (a 302 for the plain
    // form, a navigation once hydrated); a refusal comes back to this page and shows below.
    let sign_in = ServerAction::<api::SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || sign_in.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    view! {
        <Title text="Sign in"/>
        <main class="sign-in" id=crate::app::MAIN_CONTENT tabindex="-1">
            <div class="card narrow">
                <div class="brand brand-large"><span class="brand-mark">"P"</span>"PolarDB console"</div>
                <h1>"Sign in"</h1>
                <ActionForm action=sign_in>
                    <input type="hidden" name="next" value=next/>
                    <label class="field">
                        <span>"Sign-in name"</span>
                        <input type="text" name="login" autocomplete="username" maxlength="128" required/>
                    </label>
                    <label class="field">
                        <span>"Password"</span>
                        <input type="password" name="password" autocomplete="current-password" maxlength="256" required/>
                    </label>
                    {error}
                    <button type="submit" class="button button-primary button-wide" disabled=move || sign_in.pending().get()>
                        {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
