//! What a browser with JavaScript off gets from a form post: the server function runs, and the answer
//! is a redirect back to the page (302, `Location`), closing the page's dialog after a success and
//! carrying the refusal (`__path`, `__err`) after a failure, never a JSON error page.

use crate::helpers::*;
use axum::body::Body;
use http::{header, Request, StatusCode};
use tower::ServiceExt;

const HOST: &str = "console.localhost";

/// A post as Chromium sends it from a page of the console: same origin, a `Referer`, and HTML wanted.
async fn browser_post(
    app: &TestApp,
    cookie: Option<&str>,
    name: &str,
    body: &str,
    page: &str,
) -> (StatusCode, String, Option<String>) {
    let mut request = Request::post(format!("/api/{name}"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header(header::REFERER, format!("http://{HOST}{page}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let response = app.router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let cookie = response.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    (response.status(), location, cookie)
}

#[tokio::test]
async fn signing_in_with_a_plain_form_redirects_to_the_requested_page_with_a_session() {
    let app = TestApp::new().await;
    let body = format!("login=owner&password={DEMO_PASSWORD}&next=%2Fshared-backups");
    let (status, location, cookie) = browser_post(&app, None, "sign_in", &body, "/login?next=%2Fshared-backups").await;
    assert_eq!((status, location.as_str()), (StatusCode::FOUND, "/shared-backups"));
    let cookie = cookie.expect("session cookie");
    let (status, _) = app.get(Some(cookie.split(';').next().unwrap()), "/shared-backups").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_refused_sign_in_comes_back_to_the_sign_in_page_with_its_error() {
    let app = TestApp::new().await;
    let (status, location, cookie) = browser_post(&app, None, "sign_in", "login=owner&password=wrong", "/login").await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location.starts_with(&format!("http://{HOST}/login?__path=%2Fapi%2Fsign_in&__err=")), "{location}");
    assert!(cookie.is_none());
    // The page shows the refusal the URL carries.
    let (status, html) = app.get(None, location.trim_start_matches(&format!("http://{HOST}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("role=\"alert\"") && html.contains("alert-code"), "the sign-in page shows the refusal");
}

#[tokio::test]
async fn sharing_with_a_plain_form_closes_the_dialog_and_a_refusal_keeps_it_open() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let page = format!("/clusters/{SHAREABLE_CLUSTER}?share={backup}");

    let refused = format!("form%5Bbackup_set_id%5D={backup}&form%5Bmethod%5D=new&form%5Bresource_share_name%5D=bad%20name%21&form%5Bnew_principals_added%5D={PARTNER}");
    let (status, location, _) = browser_post(&app, Some(&owner), "submit_share", &refused, &page).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location.contains(&format!("?share={backup}&__path=%2Fapi%2Fsubmit_share&__err=")), "{location}");
    let shares: i64 = sqlx::query_scalar("select count(*) from share_resource where backup_set_id = ?")
        .bind(&backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(shares, 0, "a refused share changes nothing");

    let body = format!("form%5Bbackup_set_id%5D={backup}&form%5Bmethod%5D=new&form%5Bresource_share_name%5D=nojs&form%5Bscope%5D=AllAccounts&form%5Bnew_principals%5D=&form%5Bnew_principals_added%5D={PARTNER}");
    let (status, location, _) = browser_post(
        &app,
        Some(&owner),
        "submit_share",
        &body,
        &format!("{page}&__path=%2Fapi%2Fsubmit_share&__err=old"),
    )
    .await;
    assert_eq!((status, location), (StatusCode::FOUND, format!("http://{HOST}/clusters/{SHAREABLE_CLUSTER}")));
    let invited: i64 =
        sqlx::query_scalar("select count(*) from invitation where receiver_account_id = ? and status = 'Pending'")
            .bind(PARTNER)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(invited, 1);
}

#[tokio::test]
async fn a_row_action_posted_by_a_plain_form_redirects_back_and_a_refusal_is_not_a_json_page() {
    let app = TestApp::new().await;
    let (_, _) = shared_with(&app, PARTNER, "AllAccounts").await;
    let partner = app.sign_in("partner").await;
    let invitation: String =
        sqlx::query_scalar("select invitation_id from invitation where receiver_account_id = ? and status = 'Pending'")
            .bind(PARTNER)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = "/resource-sharing/invitations";
    let body = format!("invitation_id={invitation}&accept=true");
    let (status, location, _) = browser_post(&app, Some(&partner), "answer_invitation", &body, page).await;
    assert_eq!((status, location), (StatusCode::FOUND, format!("http://{HOST}{page}")));
    // Answering it again is refused: the refusal travels back to the page, with a 302, not a 409.
    let (status, location, _) = browser_post(&app, Some(&partner), "answer_invitation", &body, page).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        location.starts_with(&format!("http://{HOST}{page}?__path=%2Fapi%2Fanswer_invitation&__err=")),
        "{location}"
    );
    let (status, html) = app.get(Some(&partner), location.trim_start_matches(&format!("http://{HOST}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("alert-code"), "the invitations page shows the refusal");
}

#[tokio::test]
async fn shared_by_me_edits_and_deletes_by_plain_forms_and_shows_a_refusal_in_the_open_dialog() {
    let app = TestApp::new().await;
    let (_, share_id) = shared_with(&app, PARTNER, "AllAccounts").await;
    let owner = app.sign_in("owner").await;
    let page = format!("/resource-sharing/shares?page=1&edit={share_id}");
    let scope = |id: &str| {
        sqlx::query_scalar::<_, String>("select principal_scope from resource_share where resource_share_id = ?")
            .bind(id.to_owned())
    };

    // Closing to the directory while an external account is a principal: the dialog stays open with the refusal.
    let refused =
        format!("resource_share_id={share_id}&resource_share_name=nojs-renamed&principal_scope=ResourceDirectory");
    let (status, location, _) = browser_post(&app, Some(&owner), "update_resource_share", &refused, &page).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location.contains(&format!("edit={share_id}&__path=%2Fapi%2Fupdate_resource_share&__err=")), "{location}");
    assert_eq!(scope(&share_id).fetch_one(&app.pool).await.unwrap(), "AllAccounts");
    let (status, html) = app.get(Some(&owner), location.trim_start_matches(&format!("http://{HOST}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("role=\"dialog\"") && html.contains("OperationNotPermitted"),
        "the open dialog shows the refusal"
    );

    // A rename: the dialog closes, the page's lasting parameters stay.
    let body = format!("resource_share_id={share_id}&resource_share_name=nojs-renamed&principal_scope=AllAccounts");
    let (status, location, _) = browser_post(&app, Some(&owner), "update_resource_share", &body, &page).await;
    assert_eq!((status, location), (StatusCode::FOUND, format!("http://{HOST}/resource-sharing/shares?page=1")));

    // Delete, confirmed on the page: back to the list, where the share is Deleting.
    let confirm = format!("/resource-sharing/shares?confirm=delete_resource_share:{share_id}");
    let (status, location, _) =
        browser_post(&app, Some(&owner), "delete_resource_share", &format!("resource_share_id={share_id}"), &confirm)
            .await;
    assert_eq!((status, location), (StatusCode::FOUND, format!("http://{HOST}/resource-sharing/shares")));
    let (name, status): (String, String) =
        sqlx::query_as("select resource_share_name, status from resource_share where resource_share_id = ?")
            .bind(&share_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), status.as_str()), ("nojs-renamed", "Deleting"));
}

/// A policy box posted without JavaScript after the policy changed elsewhere (a stale page): refused,
/// the answer goes back to the RAM users page, which shows the refusal's code, and nothing changed.
#[tokio::test]
async fn a_stale_policy_toggle_posted_by_a_plain_form_shows_its_refusal_on_the_ram_users_page() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let policies = "select count(*) from identity_policy p join identity i on i.identity_id = p.identity_id where i.login_name = 'auditor@lumen'";
    let before = app.count(policies).await;
    let page = "/ram";
    let body = "login_name=auditor@lumen&policy=AliyunPolardbReadOnlyAccess&attached=true";
    let (status, location, _) = browser_post(&app, Some(&owner), "set_ram_policy", body, page).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location.starts_with(&format!("http://{HOST}{page}?__path=%2Fapi%2Fset_ram_policy&__err=")), "{location}");
    let (status, html) = app.get(Some(&owner), location.trim_start_matches(&format!("http://{HOST}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("alert-code") && html.contains("EntityAlreadyExists.User.Policy"),
        "the page shows the refusal"
    );
    assert_eq!(app.count(policies).await, before, "nothing changed");
}
