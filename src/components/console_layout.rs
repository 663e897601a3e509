//! The console frame: top bar (product, account, sign out), left navigation, and the page in between.
//! A signed-out visitor who opens any console link gets a clear page with a way to sign in and come back.

use crate::api::{self, types::Viewer};
use crate::components::error_alert::ErrorAlert;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::use_location,
};

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let viewer = Resource::new(|| (), |_| api::current_viewer());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        provide_context(viewer.clone());
                        EitherOf3::A(view! {
                            <TopBar viewer=viewer.clone()/>
                            <div class="console-body">
                                {if viewer.is_operator { view! { <OperatorNav/> }.into_any() } else { view! { <SideNav/> }.into_any() }}
                                <main class="console-main">
                                    <Outlet/>
                                </main>
                            </div>
                        })
                    }
                    Ok(None) => EitherOf3::B(view! { <SignedOutNotice/> }),
                    Err(error) => EitherOf3::C(view! { <main class="console-main"><ErrorAlert error/></main> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TopBar(viewer: Viewer) -> impl IntoView {
    let sign_out = ServerAction::<api::SignOut>::new();
    // After signing out, a full page load drops every piece of the old identity's state.
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = leptos::prelude::window().location().set_href("/login");
        }
    });
    let who = if viewer.is_operator {
        format!("{} · platform operator", viewer.account_name)
    } else if viewer.is_root {
        format!("{} (root account)", viewer.account_name)
    } else {
        format!("{} · RAM user {}", viewer.account_name, viewer.login_name)
    };
    view! {
        <header class="top-bar">
            <a class="brand" href="/clusters">
                <span class="brand-mark">"P"</span>
                "PolarDB console"
            </a>
            <div class="top-bar-right">
                <span class="account" data-testid="account-badge">
                    <span class="account-name">{who}</span>
                    <span class="account-meta">"UID " {viewer.account_id.clone()} " · " {viewer.site.clone()}</span>
                </span>
                <a class="button button-ghost" href="/security">"Security"</a>
                <ActionForm action=sign_out>
                    <button type="submit" class="button button-ghost">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}

#[component]
fn SideNav() -> impl IntoView {
    view! {
        <nav class="side-nav" aria-label="PolarDB">
            <p class="side-nav-title">"PolarDB"</p>
            <A href="/clusters">"Clusters"</A>
            <A href="/shared-backups">"Shared Backups"</A>
            <p class="side-nav-title">"Resource Management"</p>
            <A href="/resource-sharing/invitations">"Shared With Me"</A>
            <A href="/resource-directory">"Resource directory"</A>
            <p class="side-nav-title">"Account"</p>
            <A href="/quota">"Quota"</A>
            <A href="/tickets">"Tickets"</A>
            <A href="/ram">"RAM users"</A>
            <A href="/audit">"Audit trail"</A>
            <A href="/billing">"Billing"</A>
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
        format!("/login?next={}", encode(&target))
    };
    view! {
        <main class="signed-out">
            <div class="card narrow">
                <h1>"You are signed out"</h1>
                <p>"This page of the PolarDB console needs you to sign in. After signing in you will come back here."</p>
                <a class="button button-primary" href=next>"Sign in"</a>
            </div>
        </main>
    }
}

/// Percent-encodes a path for use as a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
