//! The HTTP application: Leptos pages, server functions and static files on one axum router.
//! `router(state)` is what `main` serves and what the integration tests drive.

use super::{auth, services::governance, state::AppState};
use crate::app::{shell, App};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{routing::get, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/audit/export.csv", get(export_audit_csv))
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
        Err(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(e)).into_response(),
    }
}
