//! Server functions: the browser's door to the server. Each is a thin adapter: find who is signed in,
//! call one service, and turn its error into the right HTTP status.

#[cfg(feature = "ssr")]
pub mod decode;
pub mod types;
#[cfg(feature = "ssr")]
mod wire;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use types::*;

/// The paths of the server functions declared `input = Json`: their bodies must be `application/json`,
/// every other one's `application/x-www-form-urlencoded` (`server::guard::api_body` answers 415
/// otherwise). Add a JSON function's path here; `tests/api/matrix.rs` calls each function with its own
/// encoding, so a missing entry fails there.
#[cfg(feature = "ssr")]
pub const JSON_INPUT: &[&str] = {
    use leptos::server_fn::ServerFn;
    &[<ShareBackupSet as ServerFn>::PATH, <RestoreToNewCluster as ServerFn>::PATH]
};

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use crate::server::{auth, auth::Identity, state::AppState};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    pub fn state() -> AppState {
        expect_context::<AppState>()
    }

    pub fn headers() -> http::HeaderMap {
        use_context::<http::request::Parts>().map(|p| p.headers).unwrap_or_default()
    }

    /// Sets the response's HTTP status from the error, so clients (and tests) see 401/403/404/409/422
    /// rather than a blanket 500.
    pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result {
            set_status(e);
            if let (Some(secs), Some(options)) = (e.retry_after_secs, use_context::<ResponseOptions>()) {
                options.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
        }
        result
    }

    /// Makes the answer's HTTP status the error's (outside a request, e.g. in a unit test, nothing).
    /// A browser's own form post (JavaScript off) keeps its redirect instead: the refusal travels back
    /// to the page in the redirect's URL, where the page shows it.
    pub fn set_status(e: &AppError) {
        if is_plain_form_post() {
            return;
        }
        if let Some(options) = use_context::<ResponseOptions>() {
            options
                .set_status(http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
        }
    }

    /// Whether this is a server function called by a plain HTML form (the browser posts it and wants a
    /// page back), not by the console's script or an API client (which want the result as data).
    pub fn is_plain_form_post() -> bool {
        use_context::<http::request::Parts>().is_some_and(|p| {
            let accepts_html = p
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            p.method == http::Method::POST && p.uri.path().starts_with("/api/") && accepts_html
        })
    }

    /// The signed-in identity, or a 401.
    pub async fn signed_in() -> Result<(AppState, Identity), AppError> {
        let state = state();
        let who = respond(auth::require_identity(&state, &headers()).await)?;
        Ok((state, who))
    }

    /// Where a request came from, for the throttle and the audit trail: the client's address (the peer's,
    /// or the one a trusted proxy names, see `server::proxy`) and a request id the server makes, so no
    /// caller can give two events the same id.
    pub fn request_meta() -> (String, String) {
        let ip = match use_context::<http::request::Parts>() {
            Some(parts) => {
                let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
                let trusted = use_context::<AppState>().map(|s| s.settings.trusted_proxies).unwrap_or_default();
                crate::server::proxy::client_address(peer, &parts.headers, &trusted)
            }
            None => "unknown".to_owned(),
        };
        (ip, crate::server::ids::hex_id("req", 16))
    }

    /// The caller's own `x-request-id` when it is a short token of letters, digits and dashes: recorded
    /// beside the server's id for the caller's log correlation, never trusted as unique.
    pub fn caller_request_id() -> Option<String> {
        use_context::<http::request::Parts>()?
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .map(str::to_owned)
    }

    /// The request's source for the sign-in throttle and the audit trail.
    pub fn source() -> crate::server::auth::Source {
        let (ip, request_id) = request_meta();
        crate::server::auth::Source { ip, request_id, caller_request_id: caller_request_id() }
    }

    /// The audit event of an action a signed-in identity takes on its own account, for the service to
    /// commit with the action (see `server::audit`), and the grant its write checks again.
    pub fn event_by(state: &AppState, who: &Identity, action_name: &str, target: &str) -> crate::server::audit::Event {
        let (source_ip, request_id) = request_meta();
        crate::server::audit::Event::new(
            state.clock.clone(),
            crate::server::audit::EventFields {
                account_id: Some(who.account_id().to_string()),
                identity: who.login_name.clone(),
                source_ip,
                request_id,
                caller_request_id: caller_request_id(),
                action: action_name.to_owned(),
                target: target.to_owned(),
                channel: crate::server::auth::CONSOLE_CHANNEL.to_owned(),
            },
            Some(who.grant()),
        )
    }

    /// Carries out `action`, which was handed `event`, and answers with its result unchanged. A
    /// successful action committed its event in its own transaction; when it did not (a refusal, which
    /// changed nothing, or nothing to write), the event is recorded here with the outcome (the refusal's
    /// code). A failure to record that is logged, not shown.
    pub async fn audited<T>(
        state: &AppState,
        event: &crate::server::audit::Event,
        action: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let result = action.await;
        event.settle(&state.writer, &result).await;
        respond(result)
    }

    /// The page a list asks for (`page`, `page_size`), refused with 422 when out of bounds: judged only
    /// once `who` may read the list (`reads`, the console page showing it; the service checks it again),
    /// so an identity that may not is refused as such, whatever it sent.
    pub fn page(
        who: &Identity,
        reads: crate::domain::ConsolePage,
        page: Option<i64>,
        page_size: Option<i64>,
    ) -> Result<crate::domain::PageRequest, AppError> {
        respond(who.may_read(reads).map_err(AppError::from))?;
        respond(crate::domain::PageRequest::parse(page, page_size).map_err(AppError::from))
    }

    pub fn set_cookie(value: String) {
        if let (Some(options), Ok(value)) = (use_context::<ResponseOptions>(), http::HeaderValue::from_str(&value)) {
            options.append_header(http::header::SET_COOKIE, value);
        }
    }
}

/// Who is signed in; `None` for a signed-out visitor (not an error: pages use it to decide what to show).
#[server(prefix = "/api", endpoint = "current_viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::server::auth;
    let state = ssr::state();
    let who = ssr::respond(auth::identity(&state, &ssr::headers()).await)?;
    Ok(who.as_ref().map(wire::viewer))
}

/// Signs in and returns where to go next. `next` must be a path on this site, so the sign-in page can't
/// be used to bounce users to another one. Repeated failures are throttled (429 with `Retry-After`).
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(login: String, password: String, next: Option<String>) -> Result<String, AppError> {
    use crate::server::auth;
    let state = ssr::state();
    // The service files the attempt in the audit trail itself: failures are aggregated there.
    let signed_in = ssr::respond(auth::sign_in(&state, &login, &password, &ssr::source(), &ssr::headers()).await)?;
    // The platform operator has no clusters: its console starts at the tickets.
    let home = if signed_in.is_operator { "/tickets" } else { "/clusters" };
    ssr::set_cookie(auth::session_cookie(&signed_in.token, state.settings.secure_cookies));
    if let Some(device) = &signed_in.known_device {
        ssr::set_cookie(auth::known_device_cookie(device, state.settings.secure_cookies));
    }
    let target = next.as_deref().and_then(crate::domain::same_origin_path).unwrap_or(home).to_owned();
    // A form post gets a 302; the console's script follows the redirect header itself.
    leptos_axum::redirect(&target);
    Ok(target)
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::auth;
    let state = ssr::state();
    ssr::respond(auth::sign_out(&state, &ssr::headers(), &ssr::source()).await)?;
    ssr::set_cookie(auth::clear_session_cookie(state.settings.secure_cookies));
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "list_clusters")]
pub async fn list_clusters(region_id: Option<String>) -> Result<ClusterList, AppError> {
    use crate::server::services::console;
    let (state, who) = ssr::signed_in().await?;
    ssr::respond(console::list_clusters(&state, &who, region_id).await)
}

#[server(prefix = "/api", endpoint = "list_backup_sets")]
pub async fn list_backup_sets(cluster_id: String, page: i64) -> Result<BackupSetPage, AppError> {
    use crate::server::services::console;
    let (state, who) = ssr::signed_in().await?;
    ssr::respond(
        console::cluster_backups(&state, &who, &cluster_id, &Default::default(), page, console::BACKUP_PAGE_SIZE).await,
    )
}

#[server(prefix = "/api", endpoint = "load_share_dialog")]
pub async fn load_share_dialog(
    name: Option<String>,
    resource_share_id: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
) -> Result<ShareDialogData, AppError> {
    use crate::server::services::console;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Clusters, page, page_size)?;
    let search = console::ShareSearch { name, resource_share_id };
    ssr::respond(console::share_dialog(&state, &who, search, page).await)
}

/// The Share dialog's OK: create a share or add to an existing one, all in one transaction.
#[server(prefix = "/api", endpoint = "share_backup_set", input = Json)]
pub async fn share_backup_set(request: ShareRequest) -> Result<ShareOutcome, AppError> {
    use crate::server::services::sharing;
    let (state, who) = ssr::signed_in().await?;
    let target = request.backup_set_id.clone();
    let event = ssr::event_by(&state, &who, "ShareBackupSet", &target);
    let share = async {
        // Who may act first: an identity that may not share is told nothing of what it sent.
        crate::domain::check_may_manage_shares(&who.actor, &who.account)?;
        sharing::share_backup_set(&state, &who, request, &event).await
    };
    ssr::audited(&state, &event, share).await
}

/// The Share dialog's OK as a plain form (what the dialog posts, with or without JavaScript): the same
/// share as [`share_backup_set`], its principals as lists of account or directory object ids (see
/// [`ShareForm`]).
#[server(prefix = "/api", endpoint = "submit_share")]
pub async fn submit_share(form: ShareForm) -> Result<ShareOutcome, AppError> {
    let request = ssr::respond(form.request())?;
    share_backup_set(request).await
}

/// Resource Management > Resource Sharing > Shared With Me: invitations received, in one region.
#[server(prefix = "/api", endpoint = "list_invitations")]
pub async fn list_invitations(
    region_id: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
) -> Result<InvitationList, AppError> {
    use crate::server::services::principal;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Invitations, page, page_size)?;
    ssr::respond(principal::invitations(&state, &who, region_id, page).await)
}

#[server(prefix = "/api", endpoint = "answer_invitation")]
pub async fn answer_invitation(invitation_id: String, accept: bool) -> Result<InvitationView, AppError> {
    use crate::server::services::principal;
    let (state, who) = ssr::signed_in().await?;
    let action = if accept { "AcceptInvitation" } else { "RejectInvitation" };
    let event = ssr::event_by(&state, &who, action, &invitation_id);
    ssr::audited(&state, &event, principal::answer(&state, &who, &invitation_id, accept, &event)).await
}

/// Shared Backups > My Shares: the owner's shares with at least one principal.
#[server(prefix = "/api", endpoint = "list_my_shares")]
pub async fn list_my_shares(page: Option<i64>, page_size: Option<i64>) -> Result<Paged<ShareView>, AppError> {
    use crate::server::services::console;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Clusters, page, page_size)?;
    ssr::respond(console::my_shares(&state, &who, page).await)
}

/// Resource Management > Resource Sharing > Shared By Me: the account's resource shares of every status.
#[server(prefix = "/api", endpoint = "list_shares_by_me")]
pub async fn list_shares_by_me(page: Option<i64>, page_size: Option<i64>) -> Result<Paged<ShareView>, AppError> {
    use crate::server::services::console;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::SharedByMe, page, page_size)?;
    ssr::respond(console::shares_by_me(&state, &who, page).await)
}

/// Shared By Me's Edit: renames a share and opens it to accounts outside the resource directory
/// (`principal_scope` AllAccounts) or closes it to the directory (ResourceDirectory), as the OpenAPI's
/// UpdateResourceShare does, through the same service and under the same audit action.
#[server(prefix = "/api", endpoint = "update_resource_share")]
pub async fn update_resource_share(
    resource_share_id: String,
    resource_share_name: String,
    principal_scope: String,
) -> Result<(), AppError> {
    use crate::server::services::share_settings;
    let (state, who) = ssr::signed_in().await?;
    let target = format!("{resource_share_id} -> {resource_share_name}");
    let event = ssr::event_by(&state, &who, "UpdateResourceShare", &target);
    // Who may act first: the scope is judged only for an identity that may change the share (whose
    // refusal is audited, as the service's are). A scope that is no scope is refused before any action
    // is taken, as a malformed form is.
    if let Err(refused) = crate::domain::check_may_manage_shares(&who.actor, &who.account) {
        return ssr::audited(&state, &event, async { Err::<(), _>(refused.into()) }).await;
    }
    let Some(scope) = crate::domain::PrincipalScope::parse(&principal_scope) else {
        return ssr::respond(Err(AppError::invalid(
            "InvalidParameter.PrincipalScope",
            "Choose All Accounts or Objects Within Resource Directory.",
        )));
    };
    let allow_external = scope == crate::domain::PrincipalScope::AllAccounts;
    let update = share_settings::update_share(
        &state,
        &who,
        &resource_share_id,
        &resource_share_name,
        Some(allow_external),
        &event,
    );
    ssr::audited(&state, &event, async { update.await.map(|_| ()) }).await
}

/// Shared By Me's Delete (the OpenAPI's DeleteResourceShare): the share is `Deleting` while every
/// principal's access goes through the scheduled revocation, then `Deleted`. Answers the status it has.
#[server(prefix = "/api", endpoint = "delete_resource_share")]
pub async fn delete_resource_share(resource_share_id: String) -> Result<crate::domain::ShareStatus, AppError> {
    use crate::server::services::share_settings;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "DeleteResourceShare", &resource_share_id);
    ssr::audited(&state, &event, share_settings::delete_share(&state, &who, &resource_share_id, &event)).await
}

/// Shared Backups > Shared With Me: backup sets shared with and accepted by this account.
#[server(prefix = "/api", endpoint = "list_shared_with_me")]
pub async fn list_shared_with_me(
    region_id: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
) -> Result<IncomingList, AppError> {
    use crate::server::services::principal;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Clusters, page, page_size)?;
    ssr::respond(principal::shared_with_me(&state, &who, region_id, Default::default(), page).await)
}

#[server(prefix = "/api", endpoint = "restore_to_new_cluster", input = Json)]
pub async fn restore_to_new_cluster(request: RestoreRequest) -> Result<RestoreJobView, AppError> {
    use crate::server::services::principal;
    let (state, who) = ssr::signed_in().await?;
    let target = request.backup_set_id.clone();
    let event = ssr::event_by(&state, &who, "RestoreToNewCluster", &target);
    ssr::audited(&state, &event, principal::restore(&state, &who, request, None, &event, None)).await
}

/// Restore Data to New Cluster as a plain form (what the dialog posts, with or without JavaScript).
#[server(prefix = "/api", endpoint = "submit_restore")]
pub async fn submit_restore(
    backup_set_id: String,
    cluster_name: String,
    node_spec: String,
    zone_id: String,
    pay_type: String,
    // The dialog's one Duration choice, as `Period:UsedTime` (`Month:3`, `Year:1`); read only for a
    // subscription, as CreateDBCluster reads its two parameters.
    subscription_term: Option<String>,
) -> Result<RestoreJobView, AppError> {
    let (period, used_time) = match subscription_term.as_deref().map(|t| t.split_once(':').unwrap_or((t, ""))) {
        Some((period, "")) => (Some(period.to_owned()), None),
        Some((period, used_time)) => (Some(period.to_owned()), Some(used_time.to_owned())),
        None => (None, None),
    };
    restore_to_new_cluster(RestoreRequest {
        backup_set_id,
        cluster_name,
        node_spec: Some(node_spec),
        zone_id: Some(zone_id),
        region_id: None,
        pay_type,
        period,
        used_time,
    })
    .await
}

#[server(prefix = "/api", endpoint = "list_restore_jobs")]
pub async fn list_restore_jobs(page: Option<i64>, page_size: Option<i64>) -> Result<Paged<RestoreJobView>, AppError> {
    use crate::server::services::principal;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Clusters, page, page_size)?;
    ssr::respond(principal::restore_jobs(&state, &who, page).await)
}

#[server(prefix = "/api", endpoint = "billing")]
pub async fn billing(page: Option<i64>, page_size: Option<i64>) -> Result<BillingView, AppError> {
    use crate::server::services::principal;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Billing, page, page_size)?;
    ssr::respond(principal::billing(&state, &who, page).await)
}

/// Deletes one of the owner's backup sets; principals lose it through the scheduled revocation.
#[server(prefix = "/api", endpoint = "delete_backup_set")]
pub async fn delete_backup_set(backup_set_id: String) -> Result<(), AppError> {
    use crate::server::services::owner;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "DeleteBackupSet", &backup_set_id);
    ssr::audited(&state, &event, owner::delete_backup_set(&state, &who, &backup_set_id, None, &event)).await
}

/// Starts converting a level-1 backup set to level-2; the set is locked until it finishes.
#[server(prefix = "/api", endpoint = "convert_backup_level")]
pub async fn convert_backup_level(backup_set_id: String) -> Result<(), AppError> {
    use crate::server::services::owner;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "ConvertBackupLevel", &backup_set_id);
    ssr::audited(&state, &event, owner::convert_level(&state, &who, &backup_set_id, &event)).await
}

/// Releases a cluster to the recycle bin; shares of its backup sets are revoked on schedule.
#[server(prefix = "/api", endpoint = "release_cluster")]
pub async fn release_cluster(cluster_id: String) -> Result<(), AppError> {
    use crate::server::services::owner;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "ReleaseCluster", &cluster_id);
    ssr::audited(&state, &event, owner::release_cluster(&state, &who, &cluster_id, &event)).await
}

/// Manage Sharing Relationship: the resource shares of one of the owner's backup sets, with principals.
/// A page of the Resource Management console: read with Resource Sharing's policy, as Shared By Me.
#[server(prefix = "/api", endpoint = "sharing_relationship")]
pub async fn sharing_relationship(
    backup_set_id: String,
    page: Option<i64>,
    page_size: Option<i64>,
) -> Result<Paged<ShareView>, AppError> {
    use crate::server::services::console;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::SharedByMe, page, page_size)?;
    ssr::respond(console::sharing_relationship(&state, &who, &backup_set_id, page).await)
}

#[server(prefix = "/api", endpoint = "list_tickets")]
pub async fn list_tickets(page: Option<i64>, page_size: Option<i64>) -> Result<Paged<TicketView>, AppError> {
    use crate::server::services::governance;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::Tickets, page, page_size)?;
    ssr::respond(governance::tickets(&state, &who, page).await)
}

/// Submits a ticket: the shared-backup beta, or a sharing quota increase to 1,024.
#[server(prefix = "/api", endpoint = "submit_ticket")]
pub async fn submit_ticket(kind: String, message: String) -> Result<TicketView, AppError> {
    use crate::server::services::governance;
    let (state, who) = ssr::signed_in().await?;
    let action = if kind == "QuotaIncrease" { "ApplyQuotaIncrease" } else { "SubmitTicket" };
    let event = ssr::event_by(&state, &who, action, &kind);
    ssr::audited(&state, &event, governance::submit_ticket(&state, &who, &kind, &message, &event)).await
}

/// The platform operator approves or rejects a ticket; approval takes effect at once.
#[server(prefix = "/api", endpoint = "decide_ticket")]
pub async fn decide_ticket(ticket_id: String, approve: bool) -> Result<TicketView, AppError> {
    use crate::server::services::governance;
    let (state, who) = ssr::signed_in().await?;
    let target = format!("{ticket_id} ({})", if approve { "approve" } else { "reject" });
    // The operator's event stays in the platform's trail (with its login and address); the service adds
    // the decision to the asking account's trail as its support's, once the ticket is loaded.
    let event = ssr::event_by(&state, &who, "DecideTicket", &target);
    ssr::audited(&state, &event, governance::decide_ticket(&state, &who, &ticket_id, approve, &event)).await
}

#[server(prefix = "/api", endpoint = "quota")]
pub async fn quota() -> Result<QuotaView, AppError> {
    use crate::server::services::governance;
    let (state, who) = ssr::signed_in().await?;
    ssr::respond(governance::quota(&state, &who).await)
}

/// The signed-in account's audit trail, optionally one action and a date range (YYYY-MM-DD, inclusive).
#[server(prefix = "/api", endpoint = "audit_trail")]
pub async fn audit_trail(
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
) -> Result<Paged<AuditEventView>, AppError> {
    use crate::server::services::governance;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::AuditTrail, page, page_size)?;
    ssr::respond(governance::audit_trail(&state, &who, action, from, to, Some(page)).await)
}

#[server(prefix = "/api", endpoint = "list_ram_users")]
pub async fn list_ram_users(page: Option<i64>, page_size: Option<i64>) -> Result<RamUsersView, AppError> {
    use crate::server::services::ram;
    let (state, who) = ssr::signed_in().await?;
    let page = ssr::page(&who, crate::domain::ConsolePage::RamUsers, page, page_size)?;
    ssr::respond(ram::list(&state, &who, page).await)
}

#[server(prefix = "/api", endpoint = "create_ram_user")]
pub async fn create_ram_user(login_name: String, password: String) -> Result<(), AppError> {
    use crate::server::services::ram;
    let (state, who) = ssr::signed_in().await?;
    let login = login_name.trim().to_owned();
    let event = ssr::event_by(&state, &who, "CreateRamUser", &login);
    ssr::audited(&state, &event, ram::create(&state, &who, &login, &password, &event)).await
}

#[server(prefix = "/api", endpoint = "set_ram_password")]
pub async fn set_ram_password(login_name: String, password: String) -> Result<(), AppError> {
    use crate::server::services::ram;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "SetRamPassword", &login_name);
    ssr::audited(&state, &event, ram::set_password(&state, &who, &login_name, &password, &event)).await
}

/// Attaches (`attached = true`) or detaches a system policy.
#[server(prefix = "/api", endpoint = "set_ram_policy")]
pub async fn set_ram_policy(login_name: String, policy: String, attached: bool) -> Result<(), AppError> {
    use crate::server::services::ram;
    let (state, who) = ssr::signed_in().await?;
    let action = if attached { "AttachPolicy" } else { "DetachPolicy" };
    let target = format!("{login_name}: {policy}");
    let event = ssr::event_by(&state, &who, action, &target);
    ssr::audited(&state, &event, ram::set_policy(&state, &who, &login_name, &policy, attached, &event)).await
}

#[server(prefix = "/api", endpoint = "delete_ram_user")]
pub async fn delete_ram_user(login_name: String) -> Result<(), AppError> {
    use crate::server::services::ram;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "DeleteRamUser", &login_name);
    ssr::audited(&state, &event, ram::delete(&state, &who, &login_name, &event)).await
}

#[server(prefix = "/api", endpoint = "resource_directory")]
pub async fn resource_directory() -> Result<DirectoryView, AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    ssr::respond(directory::view(&state, &who).await)
}

#[server(prefix = "/api", endpoint = "create_folder")]
pub async fn create_folder(folder_name: String, parent_folder_id: String) -> Result<(), AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "CreateFolder", &folder_name);
    ssr::audited(&state, &event, directory::create_folder(&state, &who, &folder_name, &parent_folder_id, &event)).await
}

/// "Add member": invites the account; it joins only when it accepts in its own console.
#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(account_id: String, folder_id: String) -> Result<DirectoryInvitationView, AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "AddMember", &account_id);
    ssr::audited(&state, &event, directory::invite(&state, &who, &account_id, &folder_id, &event)).await
}

#[server(prefix = "/api", endpoint = "move_member")]
pub async fn move_member(account_id: String, folder_id: String) -> Result<(), AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let target = format!("{account_id} -> {folder_id}");
    let event = ssr::event_by(&state, &who, "MoveMember", &target);
    ssr::audited(&state, &event, directory::move_member(&state, &who, &account_id, &folder_id, &event)).await
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(account_id: String) -> Result<(), AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "RemoveMember", &account_id);
    ssr::audited(&state, &event, directory::remove_member(&state, &who, &account_id, &event)).await
}

/// The Resource directory page of any account: its membership and the directory invitations it received.
#[server(prefix = "/api", endpoint = "my_directory")]
pub async fn my_directory() -> Result<MyDirectoryView, AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    ssr::respond(directory::my_directory(&state, &who).await)
}

/// The Resource directory page in one call: the management account's directory to its root, or the
/// account's membership and invitations (to a RAM user of the management account too: managing the
/// directory is the root's, reading its account's place in it is not).
#[server(prefix = "/api", endpoint = "directory_page")]
pub async fn directory_page() -> Result<DirectoryPageView, AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let page = async {
        let mine = directory::my_directory(&state, &who).await?;
        match &mine.membership {
            Some(m) if m.is_management && who.actor.is_root => {
                Ok(DirectoryPageView::Managed(directory::view(&state, &who).await?))
            }
            _ => Ok(DirectoryPageView::Member(mine)),
        }
    };
    ssr::respond(page.await)
}

/// The invited account accepts (joins the directory) or rejects an invitation.
#[server(prefix = "/api", endpoint = "answer_directory_invitation")]
pub async fn answer_directory_invitation(
    invitation_id: String,
    accept: bool,
) -> Result<DirectoryInvitationView, AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let action = if accept { "AcceptDirectoryInvitation" } else { "RejectDirectoryInvitation" };
    let event = ssr::event_by(&state, &who, action, &invitation_id);
    ssr::audited(&state, &event, directory::answer_invitation(&state, &who, &invitation_id, accept, &event)).await
}

/// The management account cancels a pending invitation.
#[server(prefix = "/api", endpoint = "cancel_directory_invitation")]
pub async fn cancel_directory_invitation(invitation_id: String) -> Result<(), AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "CancelDirectoryInvitation", &invitation_id);
    ssr::audited(&state, &event, directory::cancel_invitation(&state, &who, &invitation_id, &event)).await
}

/// A member leaves its resource directory; what the directory gave it is revoked on schedule.
#[server(prefix = "/api", endpoint = "leave_directory")]
pub async fn leave_directory() -> Result<(), AppError> {
    use crate::server::services::directory;
    let (state, who) = ssr::signed_in().await?;
    let target = who.account_id().to_string();
    let event = ssr::event_by(&state, &who, "LeaveDirectory", &target);
    ssr::audited(&state, &event, directory::leave(&state, &who, &event)).await
}

/// The signed-in identity (root, RAM user or operator) changes its own password; its other sessions end.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, who) = ssr::signed_in().await?;
    let (headers, source) = (ssr::headers(), ssr::source());
    let event = ssr::event_by(&state, &who, "ChangePassword", &who.login_name);
    ssr::audited(
        &state,
        &event,
        auth::change_own_password(&state, &who, &headers, &current_password, &new_password, &source, &event),
    )
    .await
}

/// The platform operator creates a cloud account and its root sign-in (the console's `create-account`).
#[server(prefix = "/api", endpoint = "create_account")]
pub async fn create_account(
    login_name: String,
    display_name: String,
    site: String,
    beta: Option<String>,
) -> Result<CreatedAccountView, AppError> {
    use crate::server::services::setup;
    let (state, who) = ssr::signed_in().await?;
    // A checkbox sends its value only when ticked.
    let account =
        setup::NewAccount { display_name, login: login_name.trim().to_owned(), site, beta_enabled: beta.is_some() };
    let target = account.login.clone();
    let event = ssr::event_by(&state, &who, "CreateAccount", &target);
    ssr::audited(&state, &event, setup::create_account_as_operator(&state, &who, &account, &event)).await
}

/// The account's AccessKey pairs (root's and its RAM users'), without secrets.
#[server(prefix = "/api", endpoint = "list_access_keys")]
pub async fn list_access_keys() -> Result<Vec<AccessKeyView>, AppError> {
    use crate::server::services::access_keys;
    let (state, who) = ssr::signed_in().await?;
    ssr::respond(access_keys::list(&state, &who).await)
}

/// Creates a pair for the root itself or one of its RAM users; the answer is the only one with the secret.
/// `request_token`: the form's token (one each time it is shown); the same token again makes no second
/// pair. None or empty (a form posted without JavaScript, a script) is a new request each time.
#[server(prefix = "/api", endpoint = "create_access_key")]
pub async fn create_access_key(
    login_name: String,
    request_token: Option<String>,
) -> Result<NewAccessKeyView, AppError> {
    use crate::server::services::access_keys;
    let (state, who) = ssr::signed_in().await?;
    let login = login_name.trim().to_owned();
    let event = ssr::event_by(&state, &who, "CreateAccessKey", &login);
    let token = request_token.as_deref().filter(|t| !t.is_empty());
    ssr::audited(&state, &event, access_keys::create(&state, &who, &login, token, &event)).await
}

/// Disables (`active = false`) or enables a pair.
#[server(prefix = "/api", endpoint = "set_access_key_status")]
pub async fn set_access_key_status(access_key_id: String, active: bool) -> Result<(), AppError> {
    use crate::server::services::access_keys;
    let (state, who) = ssr::signed_in().await?;
    let target = format!("{access_key_id} ({})", if active { "enable" } else { "disable" });
    let event = ssr::event_by(&state, &who, "UpdateAccessKey", &target);
    ssr::audited(&state, &event, access_keys::set_status(&state, &who, &access_key_id, active, &event)).await
}

#[server(prefix = "/api", endpoint = "delete_access_key")]
pub async fn delete_access_key(access_key_id: String) -> Result<(), AppError> {
    use crate::server::services::access_keys;
    let (state, who) = ssr::signed_in().await?;
    let event = ssr::event_by(&state, &who, "DeleteAccessKey", &access_key_id);
    ssr::audited(&state, &event, access_keys::delete(&state, &who, &access_key_id, &event)).await
}
