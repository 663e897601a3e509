//! The HTML shell, the router and the console frame around every signed-in page.

use crate::components::console_layout::ConsoleLayout;
use crate::pages::accounts::AccountsPage;
use crate::pages::{
    audit::AuditPage, billing::BillingPage, cluster::ClusterPage, clusters::ClustersPage, directory::DirectoryPage,
    invitations::InvitationsPage, not_found::NotFoundPage, profile::ProfilePage, quota::QuotaPage, ram::RamUsersPage,
    shared_backups::SharedBackupsPage, shared_by_me::SharedByMePage, sharing_relationship::SharingRelationshipPage,
    sign_in::SignInPage, tickets::TicketsPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::guard::set_page_policy(&options);
    let files = BuildFiles::of_this_server(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=files.stylesheet/>
                <link rel="icon" href=files.icon/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=files.hydration/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// What the page names the build's files by: their content-hashed names, which browsers keep without
/// asking again (see `server::assets`); the plain names where the server has no such file.
struct BuildFiles {
    stylesheet: String,
    icon: String,
    /// The options `HydrationScripts` names the JavaScript glue and the WebAssembly from.
    hydration: LeptosOptions,
}

impl BuildFiles {
    fn of_this_server(options: &LeptosOptions) -> Self {
        let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
        #[cfg(feature = "ssr")]
        if let Some(state) = use_context::<crate::server::state::AppState>() {
            let assets = &state.assets;
            return BuildFiles {
                stylesheet: assets.url(&stylesheet),
                icon: assets.url("/favicon.ico"),
                hydration: assets.hydration_options(options),
            };
        }
        BuildFiles { stylesheet, icon: "/favicon.ico".to_owned(), hydration: options.clone() }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, so this marks the moment the page became interactive; end-to-end
    // tests wait for it because a click before hydration is lost.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::components::focus::keep_focus();
        set_hydrated.set(true)
    });

    view! {
        <Title formatter=|title: String| if title.is_empty() { "PolarDB console".to_owned() } else { format!("{title} · PolarDB console") }/>
        <div id="app" data-hydrated=move || hydrated.get().to_string()>
            <SkipLink/>
            <Router>
                <FocusOnNavigation/>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/login") view=SignInPage/>
                    <ParentRoute path=path!("") view=ConsoleLayout>
                        <Route path=path!("") view=HomeRedirect/>
                        // Async rendering waits for the data before sending headers, so a refusal
                        // (another account's cluster) reaches the browser with its real status code.
                        <Route path=path!("clusters") view=ClustersPage ssr=SsrMode::Async/>
                        <Route path=path!("clusters/:cluster_id") view=ClusterPage ssr=SsrMode::Async/>
                        <Route path=path!("shared-backups") view=SharedBackupsPage ssr=SsrMode::Async/>
                        <Route path=path!("resource-sharing/invitations") view=InvitationsPage ssr=SsrMode::Async/>
                        <Route path=path!("resource-sharing/shares") view=SharedByMePage ssr=SsrMode::Async/>
                        <Route path=path!("resource-sharing/relationships/:backup_set_id") view=SharingRelationshipPage ssr=SsrMode::Async/>
                        <Route path=path!("billing") view=BillingPage ssr=SsrMode::Async/>
                        <Route path=path!("tickets") view=TicketsPage ssr=SsrMode::Async/>
                        <Route path=path!("quota") view=QuotaPage ssr=SsrMode::Async/>
                        <Route path=path!("audit") view=AuditPage ssr=SsrMode::Async/>
                        <Route path=path!("ram") view=RamUsersPage ssr=SsrMode::Async/>
                        <Route path=path!("resource-directory") view=DirectoryPage ssr=SsrMode::Async/>
                        <Route path=path!("accounts") view=AccountsPage/>
                        <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
                    </ParentRoute>
                </Routes>
            </Router>
        </div>
    }
}

/// The id of every page's `<main>`, where [`SkipLink`] takes keyboard users.
pub const MAIN_CONTENT: &str = "main-content";

/// The first thing Tab reaches on every page: past the top bar and the navigation to the page itself.
/// Without JavaScript the browser follows the fragment (and focuses the `<main>`, which takes focus
/// with `tabindex="-1"`); once hydrated the router would only scroll, so focus is moved here.
#[component]
fn SkipLink() -> impl IntoView {
    let skip = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            if let Some(main) = document()
                .get_element_by_id(MAIN_CONTENT)
                .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok())
            {
                ev.prevent_default();
                let _ = main.focus();
                main.scroll_into_view();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! { <a class="skip-link" href=format!("#{MAIN_CONTENT}") on:click=skip>"Skip to main content"</a> }
}

/// Moves focus to the new page's main content whenever the router goes to another page (not when only
/// the query changes: a dialog, a region, a page of a list).
#[component]
fn FocusOnNavigation() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        Effect::new(move |before: Option<String>| {
            let path = location.pathname.get();
            if before.is_some_and(|before| before != path) {
                crate::components::focus::focus_main_after_navigation();
            }
            path
        });
    }
}

/// The console's front door: the first page this identity may open.
#[component]
fn HomeRedirect() -> impl IntoView {
    let home = use_context::<crate::api::types::Viewer>().map_or_else(|| "/clusters".to_owned(), |v| v.home);
    view! { <Redirect path=home/> }
}
