//! The HTTP application: Leptos pages, server functions and static files on one axum router.
//! `router(state)` is what `main` serves and what the integration tests drive.

use super::{
    auth, guard, openapi,
    services::governance,
    state::{AppState, Settings},
};
use crate::app::{shell, App};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::{CompressionLayer, CompressionLevel};

pub fn router(state: AppState) -> Router {
    // The OpenAPI endpoint wraps the console: a signed call on `/` is answered there and never meets
    // the console's same-origin guard; every other request passes through to the console unchanged.
    let app = console(&state).layer(from_fn_with_state(state.clone(), openapi::endpoint)).with_state(state.clone());
    // The edge, in one place, around the whole app rather than as a layer of its routes: axum applies a
    // router's layers inside each route's method router, which then adds its own `Allow` to whatever
    // the route's fallback answered (the OpenAPI's answers to POST on `/` said `Allow: GET,HEAD`), past
    // any such layer.
    Router::new()
        .fallback_service(app)
        .layer(axum::middleware::from_fn(guard::request_target))
        .layer(from_fn_with_state(state, guard::response_headers))
}

/// The console's pages, server functions and files, behind the host check (outermost: a DNS-rebinding
/// page's request is refused first), the same-origin check (so a cross-site request is refused before
/// anything reads its body) and the server-function body check.
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
    let router = plain_routes(&state.settings)
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route));
    router
        .leptos_routes_with_context(state, routes, || (), move || shell(options.clone()))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(compression)
        .fallback(build_file_or_not_found)
        .layer(from_fn_with_state(state.clone(), form_redirect))
        .layer(from_fn_with_state(state.clone(), guard::api_body))
        .layer(from_fn_with_state(state.clone(), guard::same_origin))
        .layer(from_fn_with_state(state.clone(), guard::own_host))
}

/// The console's addresses besides its pages, server functions and build files.
fn plain_routes(settings: &Settings) -> Vec<(&'static str, MethodRouter<AppState>)> {
    let mut routes = vec![
        ("/audit/export.csv", get(export_audit_csv)),
        // Security was merged into Profile: old links and bookmarks still arrive.
        ("/security", get(|| async { axum::response::Redirect::permanent("/profile") })),
    ];
    if settings.demo_data {
        routes.push(("/demo/fresh-backup-sets", axum::routing::post(fresh_backup_sets)));
    }
    routes
}

/// The paths of [`plain_routes`]: the hostile-input tests call each, so an address added there is
/// called with hostile input without anyone listing it again.
pub fn plain_paths(settings: &Settings) -> Vec<&'static str> {
    plain_routes(settings).into_iter().map(|(path, _)| path).collect()
}

/// A method an existing address does not take (axum adds the `Allow` header): a server function is
/// called with POST, a page read with GET. Said with a code, as every refusal is, instead of axum's
/// empty 405.
async fn method_not_allowed(request: Request) -> Response {
    let allowed = if request.uri().path().starts_with("/api/") { "POST" } else { "GET" };
    let method: String = request.method().as_str().chars().take(16).collect();
    guard::error_response(crate::domain::Refusal::MethodNotAllowed { method, allowed }.into())
}

/// After a plain form post (JavaScript off), the server function answers with a redirect back to the
/// page it came from (leptos does that from the `Referer`, adding the refusal as `__path`/`__err`).
/// This tidies that address: after a success the page's open dialog or pending confirmation is
/// closed (its query parameter dropped); after a refusal it stays open and shows only this refusal.
async fn form_redirect(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_form_post = request.method() == axum::http::Method::POST && request.uri().path().starts_with("/api/");
    if !is_form_post {
        return next.run(request).await;
    }
    // Only a form post's answer is looked at: the origin is worked out for those alone, not for
    // every request the console answers.
    let own = guard::console_origin(
        state.settings.public_origin.as_deref(),
        state.settings.secure_cookies,
        request.headers(),
    );
    let mut response = next.run(request).await;
    if !response.status().is_redirection() {
        return response;
    }
    let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return response;
    };
    if let Ok(value) = axum::http::HeaderValue::from_str(&on_own_site(&tidy_redirect(location), own.as_deref())) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `location` if it is on the console's own origin `own`, otherwise its path and query on the console.
/// leptos sends a form post back to its `Referer`, which a browser whose `Origin` was stripped (an
/// extension) or a client can set to another site: the console's answer must not send anyone there.
fn on_own_site(location: &str, own: Option<&str>) -> String {
    let Some(after_scheme) = location
        .split_once("//")
        .filter(|(scheme, _)| scheme.is_empty() || scheme.ends_with(':'))
        .map(|(_, rest)| rest)
    else {
        return location.to_owned();
    };
    let origin_len =
        location.len() - after_scheme.len() + after_scheme.find(['/', '?', '#']).unwrap_or(after_scheme.len());
    let (origin, rest) = location.split_at(origin_len);
    if own.is_some_and(|own| origin.eq_ignore_ascii_case(own)) {
        return location.to_owned();
    }
    match rest.strip_prefix('/') {
        // A path that itself starts with `//` would name another host again.
        Some(path) => format!("/{}", path.trim_start_matches('/')),
        None => format!("/{rest}"),
    }
}

/// `location` without the transient query parameters of the page (see `components::forms`), except the
/// refusal it carries, if any, and then that page's dialog parameters too.
fn tidy_redirect(location: &str) -> String {
    use crate::components::forms::TRANSIENT_PARAMS;
    let (base, query) = location.split_once('?').unwrap_or((location, ""));
    let pairs: Vec<&str> = query.split('&').filter(|kv| !kv.is_empty()).collect();
    let key = |kv: &str| kv.split('=').next().unwrap_or("").to_owned();
    let refused = pairs.iter().any(|kv| key(kv) == "__err");
    let last_of = |name: &str| pairs.iter().rposition(|kv| key(kv) == name);
    let (err, path) = (last_of("__err"), last_of("__path"));
    let kept: Vec<&str> = pairs
        .iter()
        .enumerate()
        .filter(|(i, kv)| match key(kv).as_str() {
            "__err" => Some(*i) == err,
            "__path" => Some(*i) == path,
            k => refused && k != "confirm" || !TRANSIENT_PARAMS.contains(&k),
        })
        .map(|(_, kv)| *kv)
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::tidy_redirect;

    #[test]
    fn a_success_closes_the_dialog_and_keeps_the_lasting_parameters() {
        // (leptos has already dropped an earlier refusal's `__path`/`__err` from a success's redirect.)
        assert_eq!(
            tidy_redirect("http://h/clusters/pc-1?page=2&share=bs-1&share_id=rs-1"),
            "http://h/clusters/pc-1?page=2"
        );
        assert_eq!(tidy_redirect("/resource-directory?confirm=remove_member:1"), "/resource-directory");
    }

    #[test]
    fn a_redirect_stays_on_the_consoles_own_origin() {
        use super::on_own_site;
        let own = Some("http://127.0.0.1:3000");
        assert_eq!(on_own_site("http://127.0.0.1:3000/clusters?a=1", own), "http://127.0.0.1:3000/clusters?a=1");
        assert_eq!(on_own_site("/clusters?a=1", own), "/clusters?a=1");
        assert_eq!(on_own_site("http://evil.example/x?y=1", own), "/x?y=1");
        assert_eq!(on_own_site("https://127.0.0.1:3000/c", own), "/c");
        assert_eq!(on_own_site("//evil.example//x", own), "/x");
        assert_eq!(on_own_site("http://127.0.0.1:3000.evil.example?q", own), "/?q");
        assert_eq!(on_own_site("http://evil.example", own), "/");
        assert_eq!(on_own_site("http://127.0.0.1:3000/c", None), "/c");
    }

    #[test]
    fn a_refusal_keeps_the_dialog_open_with_only_the_latest_refusal() {
        assert_eq!(
            tidy_redirect("http://h/c?share=bs-1&confirm=k&__path=/api/a&__err=old&__path=/api/b&__err=new"),
            "http://h/c?share=bs-1&__path=/api/b&__err=new"
        );
    }
}

#[derive(serde::Deserialize)]
struct FreshSets {
    cluster_id: String,
    count: Option<u32>,
}

/// Demo servers only (`--demo-data true`, whose passwords are public anyway): new backup sets in a
/// cluster of the signed-in account, so each end-to-end flow shares sets nobody else touched and runs
/// alone or in any order. Answers the new ids, newest first.
async fn fresh_backup_sets(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    use crate::error::AppError;
    let result = async {
        let who = auth::require_identity(&state, &headers).await?;
        let f: FreshSets = query(&uri)?;
        // New sets in a cluster are a change to PolarDB data, as a deletion or a conversion is.
        who.actor.may_change_polardb()?;
        let count = f.count.unwrap_or(1).clamp(1, 10);
        let account = who.account_id();
        let inserted = super::db::seed::insert_fresh_backup_sets(
            &state.pool,
            account.as_str(),
            &f.cluster_id,
            count,
            state.clock.now(),
        )
        .await;
        state.writer.note_outside_change();
        match inserted {
            Ok(Some(ids)) => Ok(ids),
            Ok(None) => Err(AppError::from(crate::domain::Refusal::ClusterNotFound)),
            Err(e) => {
                tracing::error!(error = ?e, "could not insert fresh backup sets");
                Err(AppError::internal())
            }
        }
    }
    .await;
    match result {
        Ok(ids) => axum::Json(ids).into_response(),
        Err(e) => guard::error_response(e),
    }
}

/// A route's query string as `T`, or a refusal with a code naming what did not decode (a field
/// missing, given twice or of the wrong form): axum's `Query` extractor answers those with a bare
/// plain-text 400.
fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, crate::error::AppError> {
    Query::<T>::try_from_uri(uri).map(|Query(q)| q).map_err(|rejection| {
        let text = rejection.body_text();
        let detail = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
        let named = detail
            .split_once(": ")
            .filter(|(field, _)| !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let sentence = match named {
            Some((field, rest)) => crate::error::undecodable_field_sentence(field, rest),
            None => crate::error::undecodable_sentence(detail),
        };
        crate::domain::Refusal::UndecodableBody { sentence }.into()
    })
}

/// The build's files from memory (see `assets`); anything else gets Leptos' not-found page (which,
/// under `cargo leptos watch`, where the set is empty, also serves the files from disk). Only a read
/// gets that far: Leptos looks a file up as a GET whatever the method was (a DELETE of the stylesheet
/// was answered with the stylesheet), so another method is a 405 on a file and a 404 elsewhere (a
/// file on disk, only under `cargo leptos watch`, is one of those).
async fn build_file_or_not_found(State(state): State<AppState>, request: Request) -> Response {
    let (method, path) = (request.method(), request.uri().path());
    if let Some(response) = state.assets.respond(method, path, request.headers()) {
        return response;
    }
    if !matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD) {
        if state.assets.contains(path) {
            return files_are_only_read(method);
        }
        let shown: String = path.chars().filter(|c| !c.is_control()).take(80).collect();
        return guard::error_response(crate::domain::Refusal::UnknownCall { path: shown }.into());
    }
    let uri = request.uri().clone();
    leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, State(state), request).await
}

/// The 405 of a method other than GET or HEAD on a file.
fn files_are_only_read(method: &axum::http::Method) -> Response {
    let method: String = method.as_str().chars().take(16).collect();
    let mut refused = guard::error_response(crate::domain::Refusal::MethodNotAllowed { method, allowed: "GET" }.into());
    refused.headers_mut().insert(header::ALLOW, axum::http::HeaderValue::from_static("GET,HEAD"));
    refused
}

#[derive(serde::Deserialize)]
struct AuditFilter {
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The audit trail as a CSV download: the same filters and the same access rule as the audit page.
async fn export_audit_csv(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let result = async {
        let who = auth::require_identity(&state, &headers).await?;
        let f: AuditFilter = query(&uri)?;
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
