//! The console frame: top bar (product, account, sign out), left navigation, and the page in between.
//! A signed-out visitor who opens any console link gets a clear page with a way to sign in and come back.

use crate::api::{self, types::Viewer};
use crate::components::error_alert::ErrorAlert;
use crate::components::page_data::page_resource;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Outlet, A},
    hooks::use_location,
};

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let viewer = page_resource(|| (), |_| api::current_viewer());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        provide_context(viewer.clone());
                        EitherOf3::A(view! {
                            <TopBar viewer=viewer.clone()/>
                            <div class="console-body">
                                {if viewer.is_operator { view! { <OperatorNav/> }.into_any() } else { view! { <SideNav viewer=viewer.clone()/> }.into_any() }}
                                <main class="console-main" id=crate::app::MAIN_CONTENT tabindex="-1">
                                    <Outlet/>
                                </main>
                            </div>
                        })
                    }
                    Ok(None) => EitherOf3::B(view! { <SignedOutNotice/> }),
                    Err(error) => EitherOf3::C(view! { <main class="console-main" id=crate::app::MAIN_CONTENT tabindex="-1"><ErrorAlert error/></main> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TopBar(viewer: Viewer) -> impl IntoView {
    // The server redirects to the sign-in page; the console frame, and with it every piece of the old
    // identity's state, is left behind.
    let sign_out = ServerAction::<api::SignOut>::new();
    let location = use_location();
    let who = if viewer.is_operator {
        format!("{} · platform operator", viewer.account_name)
    } else if viewer.is_root {
        format!("{} (root account)", viewer.account_name)
    } else {
        format!("{} · RAM user {}", viewer.account_name, viewer.login_name)
    };
    view! {
        <header class="top-bar">
            <a class="brand" href=viewer.home.clone()>
                <span class="brand-mark">"P"</span>
                "PolarDB console"
            </a>
            <div class="top-bar-right">
                <span class="account" data-testid="account-badge">
                    <span class="account-name">{who}</span>
                    <span class="account-meta">"UID " {viewer.account_id.clone()} " · " {viewer.site.as_str()}</span>
                </span>
                <a class="button button-ghost" href="/profile" aria-current=move || (location.pathname.get() == "/profile").then_some("page")>"Profile"</a>
                <ActionForm action=sign_out>
                    <button type="submit" class="button button-ghost">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}

/// The navigation offers only the pages the identity may open (`Viewer::pages`, decided by the same
/// rule the server refuses with), so no entry leads only to a refusal.
#[component]
fn SideNav(viewer: Viewer) -> impl IntoView {
    use crate::domain::ConsolePage::{self, *};
    let sections: [(&str, &[ConsolePage]); 3] = [
        ("PolarDB", &[Clusters, SharedBackups]),
        ("Resource Management", &[Invitations, SharedByMe, ResourceDirectory]),
        ("Account", &[Quota, Tickets, RamUsers, AuditTrail, Billing, Profile]),
    ];
    view! {
        <nav class="side-nav" aria-label="PolarDB">
            {sections
                .into_iter()
                .map(|(title, pages)| {
                    let shown: Vec<ConsolePage> = pages.iter().copied().filter(|p| viewer.may_open(*p)).collect();
                    (!shown.is_empty()).then(|| view! {
                        <p class="side-nav-title">{title}</p>
                        {shown.into_iter().map(|p| view! { <A href=p.path()>{p.title()}</A> }).collect_view()}
                    })
                })
                .collect_view()}
        </nav>
    }
}

/// The platform operator has no clusters; it decides tickets.
#[component]
fn OperatorNav() -> impl IntoView {
    view! {
        <nav class="side-nav" aria-label="Platform">
            <p class="side-nav-title">"Platform"</p>
            <A href="/tickets">"Tickets"</A>
            <A href="/accounts">"Accounts"</A>
            <A href="/audit">"Audit trail"</A>
        </nav>
    }
}

#[component]
fn SignedOutNotice() -> impl IntoView {
    let location = use_location();
    let next = move || {
        let path = location.pathname.get();
        let query = location.search.get();
        let target = if query.is_empty() { path } else { format!("{path}?{query}") };
        format!("/login?next={}", crate::components::forms::encode(&target))
    };
    view! {
        <Title text="Signed out"/>
        <main class="signed-out" id=crate::app::MAIN_CONTENT tabindex="-1">
            <div class="card narrow">
                <h1>"You are signed out"</h1>
                <p>"This page of the PolarDB console needs you to sign in. After signing in you will come back here."</p>
                <a class="button button-primary" href=next>"Sign in"</a>
            </div>
        </main>
    }
}
