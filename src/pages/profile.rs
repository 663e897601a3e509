//! Profile: the signed-in identity itself, its policies and the pages they open. Every identity may
//! open it; for a RAM user with no policy it is the whole console.

use crate::api::types::Viewer;
use crate::domain::ConsolePage;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let viewer = use_context::<Viewer>();
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
                    <div><dt>"Account"</dt><dd>{v.account_name} " · UID " <span class="mono">{v.account_id}</span></dd></div>
                    <div><dt>"Site"</dt><dd>{v.site.as_str()}</dd></div>
                    <div><dt>"Policies"</dt><dd data-testid="profile-policies">{policies}</dd></div>
                    <div><dt>"Pages you can open"</dt><dd data-testid="profile-pages">{pages}</dd></div>
                </dl>
            }
        })}
    }
}
