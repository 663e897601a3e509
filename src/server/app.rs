//! The HTTP application: Leptos pages, server functions and static files on one axum router.
//! `router(state)` is what `main` serves and what the integration tests drive.

use super::state::AppState;
use crate::app::{shell, App};
use axum::{http::HeaderValue, response::Response, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .leptos_routes_with_context(&state, routes, || (), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers that cost nothing and close off clickjacking and MIME sniffing.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}
