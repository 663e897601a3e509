use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text="Page not found"/>
        <main class="signed-out" id=crate::app::MAIN_CONTENT tabindex="-1">
            <div class="card narrow">
                <h1>"Page not found"</h1>
                <p>"There is no console page at this address."</p>
                <a class="button button-primary" href="/clusters">"Go to Clusters"</a>
            </div>
        </main>
    }
}
