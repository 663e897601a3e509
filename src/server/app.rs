//! The HTTP application: Leptos pages, server functions and static files on one axum router.
//! `router(state)` is what `main` serves and what the integration tests drive.

use super::{auth, guard, services::governance, state::AppState};
use crate::app::{shell, App};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::{routing::get, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::{CompressionLayer, CompressionLevel};

pub fn router(state: AppState) -> Router {
    console(&state).layer(from_fn_with_state(state.clone(), guard::response_headers)).with_state(state)
}

/// The console's pages, server functions and files, behind the same-origin check (outermost, so a
/// cross-site request is refused before anything reads its body) and the server-function body check.
/// An endpoint with its own authentication (the OpenAPI's signed calls) is merged beside this, not
/// into it.
fn console(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    // Compressed per request at a fast setting (a 40 KB page in well under a millisecond). Only answers
    // made per request: the build's files (the fallback) are compressed once, at start. No secret of
    // the session is in a page's body (the cookie is a header; the script nonce changes every response),
    // so compression does not let another site read one out of the sizes (BREACH).
    let compression = CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(4));
    Router::new()
        .route("/audit/export.csv", get(export_audit_csv))
        .leptos_routes_with_context(state, routes, || (), move || shell(options.clone()))
        .layer(compression)
        .fallback(build_file_or_not_found)
        .layer(from_fn(guard::api_body))
        .layer(from_fn_with_state(state.clone(), guard::same_origin))
}

/// The build's files from memory (see `assets`); anything else gets Leptos' not-found page (which,
/// under `cargo leptos watch`, where the set is empty, also serves the files from disk).
async fn build_file_or_not_found(State(state): State<AppState>, request: Request) -> Response {
    if let Some(response) = state.assets.respond(request.method(), request.uri().path(), request.headers()) {
        return response;
    }
    let uri = request.uri().clone();
    leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, State(state), request).await
}

#[derive(serde::Deserialize)]
struct AuditFilter {
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The audit trail as a CSV download: the same filters and the same access rule as the audit page.
async fn export_audit_csv(State(state): State<AppState>, headers: HeaderMap, Query(f): Query<AuditFilter>) -> Response {
    let result = async {
        let who = auth::require_identity(&state, &headers).await?;
        governance::audit_trail(&state, &who, f.action, f.from, f.to, None).await
    }
    .await;
    match result {
        Ok(events) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"polarshare-audit.csv\""),
            ],
            governance::audit_csv(&events.items),
        )
            .into_response(),
        Err(e) => guard::error_response(e),
    }
}
