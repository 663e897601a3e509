//! Sign-in, sessions, and who may see what.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_signed_out_caller_is_refused_with_401() {
    let app = TestApp::new().await;
    let r = app.form(None, "list_clusters", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.refusal(), (401, "Unauthenticated"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_a_cookie() {
    let app = TestApp::new().await;
    let r = app.form(None, "sign_in", "login=owner&password=wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.refusal(), (401, "InvalidCredentials"));
    assert!(r.set_cookie.is_none());
    let r = app.form(None, "sign_in", "login=nobody-at-all&password=wrong").await;
    assert_eq!(r.refusal(), (401, "InvalidCredentials"), "unknown names get the same answer as wrong passwords");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::new().await;
    let r = app.form(None, "sign_in", &format!("login=owner&password={DEMO_PASSWORD}")).await;
    let cookie = r.set_cookie.unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(app.count("select count(*) from session").await, 1);
    // Only a digest of the token is stored.
    let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap().to_owned();
    let stored: String = sqlx::query_scalar("select session_digest from session").fetch_one(&app.pool).await.unwrap();
    assert_ne!(stored, token);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2_hashes() {
    let app = TestApp::new().await;
    let hash: String = sqlx::query_scalar("select password_hash from identity where login_name = 'owner'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::OK);
    let r = app.form(Some(&cookie), "sign_out", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_expires_after_twelve_hours() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    // Read once first, so the session's identity is also kept in memory (`db::read_model::Sessions`).
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::OK);
    app.clock.advance(time::Duration::hours(13));
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::UNAUTHORIZED);
}

/// A session ends at the end of its twelve hours even while its identity is kept in memory
/// (`db::read_model::Sessions`): no commit in between is needed for the next request to be signed out.
#[tokio::test]
async fn a_session_kept_in_memory_ends_at_the_end_of_its_lifetime() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    // Used every 50 minutes, its end moves on until it reaches the twelve hours after its sign-in.
    for _ in 0..14 {
        app.clock.advance(time::Duration::minutes(50));
        assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::OK);
    }
    // Read once more: kept in memory, with no renewal due (its end is its lifetime's), so nothing commits.
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::OK);
    app.clock.advance(time::Duration::minutes(21));
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::UNAUTHORIZED);
}

/// Signing in always makes a new session id (nothing the browser brings becomes the session), and the
/// session the browser held until then ends: on a shared browser, the next person's sign-in leaves the
/// last one's session nowhere to be used. A refused sign-in changes nothing, that session included.
#[tokio::test]
async fn signing_in_again_makes_a_fresh_session_and_ends_the_one_the_browser_held() {
    let app = TestApp::new().await;
    let first = app.sign_in("owner").await;
    assert_eq!(app.form(Some(&first), "list_clusters", "").await.status, StatusCode::OK);
    let refused = app.form(Some(&first), "sign_in", "login=dba@lumen&password=Wrong-Pass-0000").await;
    assert_eq!(refused.refusal(), (401, "InvalidCredentials"));
    assert_eq!(
        app.form(Some(&first), "list_clusters", "").await.status,
        StatusCode::OK,
        "a refused sign-in ended nothing"
    );

    let r = app.form(Some(&first), "sign_in", &format!("login=dba@lumen&password={DEMO_PASSWORD}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let second = r.set_cookie.expect("a session cookie").split(';').next().unwrap().to_owned();
    assert_ne!(second, first, "a fresh session id");
    assert_eq!(
        app.form(Some(&first), "list_clusters", "").await.status,
        StatusCode::UNAUTHORIZED,
        "the session it replaced ended"
    );
    assert_eq!(app.form(Some(&second), "current_viewer", "").await.json["login_name"], "dba@lumen");
    assert_eq!(app.count("select count(*) from session").await, 1);
}

/// A session nobody uses for an hour ends (a browser left open and signed in stops being a way in),
/// however long it had left of its twelve hours.
#[tokio::test]
async fn a_session_left_idle_for_an_hour_ends() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.status, StatusCode::OK);
    app.clock.advance(time::Duration::minutes(61));
    assert_eq!(app.form(Some(&cookie), "list_clusters", "").await.refusal(), (401, "Unauthenticated"));
    let fresh = app.sign_in("owner").await;
    app.clock.advance(time::Duration::minutes(61));
    assert_eq!(
        app.form(Some(&fresh), "create_folder", &format!("folder_name=Idle&parent_folder_id={ROOT_FOLDER}"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.count("select count(*) from rd_folder where folder_name = 'Idle'").await,
        0,
        "an idle session's write changed nothing"
    );
}

/// A session in use lasts (its reads and its writes alike) until its twelve hours are up, and not a
/// minute longer, however busy.
#[tokio::test]
async fn a_session_in_use_lasts_until_its_twelve_hours_and_no_longer() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    for half_hour in 1..24 {
        app.clock.advance(time::Duration::minutes(30));
        assert_eq!(
            app.form(Some(&cookie), "list_clusters", "").await.status,
            StatusCode::OK,
            "after {half_hour} half hours"
        );
    }
    app.clock.advance(time::Duration::minutes(25));
    let r = app.form(Some(&cookie), "create_folder", &format!("folder_name=Busy&parent_folder_id={ROOT_FOLDER}")).await;
    assert_eq!(r.status, StatusCode::OK, "a write 11 h 55 min in: {:?}", r.json);
    app.clock.advance(time::Duration::minutes(6));
    assert_eq!(
        app.form(Some(&cookie), "list_clusters", "").await.status,
        StatusCode::UNAUTHORIZED,
        "12 h 1 min after signing in"
    );
}

#[tokio::test]
async fn the_owner_sees_its_clusters_in_the_chosen_region() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let r = app.form(Some(&cookie), "list_clusters", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<&str> =
        r.json["clusters"].as_array().unwrap().iter().map(|c| c["cluster_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&SHAREABLE_CLUSTER));
    assert!(!ids.contains(&"pc-2zeanalytics01"), "a Beijing cluster is not listed in Hangzhou");
    assert!(!ids.contains(&"pc-bp1harbor00001"), "another account's cluster is never listed");
}

#[tokio::test]
async fn another_account_cannot_read_the_owners_backup_sets() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("partner").await;
    let r = app.form(Some(&cookie), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.refusal(), (404, "EntityNotExists.DBCluster"));
}

#[tokio::test]
async fn another_account_cannot_open_the_owners_cluster_page() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("partner").await;
    let (status, html) = app.get(Some(&cookie), &format!("/clusters/{SHAREABLE_CLUSTER}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    assert!(html.contains("The cluster does not exist in your account."));
    assert!(!html.contains("orders-prod"));
}

#[tokio::test]
async fn another_account_cannot_share_the_owners_backup_set() {
    let app = TestApp::new().await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let cookie = app.sign_in("partner").await;
    let before = app.sharing_state().await;
    let r = app.share(&cookie, &backup, new_share("steal", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.refusal(), (404, "EntityNotExists.BackupSet"));
    assert_eq!(app.sharing_state().await, before);
}

#[tokio::test]
async fn a_malformed_cluster_id_gets_a_clear_error() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let r = app.form(Some(&cookie), "list_backup_sets", "cluster_id=pc-x%27%20or%201%3D1--&page=1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.refusal(), (422, "InvalidParameter.DBClusterId"));
}

#[tokio::test]
async fn a_signed_out_visitor_opening_a_deep_link_is_told_to_sign_in() {
    let app = TestApp::new().await;
    let (status, html) = app.get(None, &format!("/clusters/{SHAREABLE_CLUSTER}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You are signed out"), "{html}");
    assert!(html.contains(&format!("/login?next=/clusters/{SHAREABLE_CLUSTER}")));
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::new().await;
    let r = app.form(None, "sign_in", &format!("login=owner&password={DEMO_PASSWORD}&next=//evil.example")).await;
    assert_eq!(r.json, serde_json::json!("/clusters"));
}

#[tokio::test]
async fn an_identity_that_may_not_act_is_refused_as_such_before_the_console_judges_what_it_sent() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let (shared_backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    assert_eq!(shared_backup, backup);
    let made =
        app.form(Some(&owner), "create_ram_user", &format!("login_name=nobody@lumen&password={DEMO_PASSWORD}")).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let nobody = app.sign_in("nobody@lumen").await;
    let developer = app.sign_in("developer@lumen").await;
    let before = app.sharing_state().await;
    // A set that does not exist and one that does answer alike: whether it exists is none of its business.
    for set in ["1999999999", backup.as_str()] {
        let r = app.json(Some(&nobody), "restore_to_new_cluster", restore_request(set)).await;
        assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "restore {set}: {:?}", r.json);
        let r = app.share(&developer, set, new_share("probe", "AllAccounts", &[PARTNER])).await;
        assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "share {set}: {:?}", r.json);
    }
    let r = app.json(Some(&nobody), "restore_to_new_cluster", json!({ "request": { "backup_set_id": "not a set", "cluster_name": "", "node_spec": "huge", "zone_id": "moon-1", "pay_type": "Free" } })).await;
    assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "{:?}", r.json);
    let long = "x".repeat(60);
    let r = app
        .form(
            Some(&developer),
            "update_resource_share",
            &format!("resource_share_id={share_id}&resource_share_name={long}&principal_scope=Everywhere"),
        )
        .await;
    assert_eq!(r.refusal(), (403, "Forbidden.RAM"), "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before);
}

#[tokio::test]
async fn a_page_out_of_bounds_is_judged_only_for_an_identity_that_may_read_the_list() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let made =
        app.form(Some(&owner), "create_ram_user", &format!("login_name=nobody@lumen&password={DEMO_PASSWORD}")).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let nobody = app.sign_in("nobody@lumen").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let lists = [
        ("load_share_dialog", String::new()),
        ("list_invitations", "region_id=cn-hangzhou&".into()),
        ("list_my_shares", String::new()),
        ("list_shares_by_me", String::new()),
        ("list_shared_with_me", "region_id=cn-hangzhou&".into()),
        ("list_restore_jobs", String::new()),
        ("billing", String::new()),
        ("sharing_relationship", format!("backup_set_id={backup}&")),
        ("list_tickets", String::new()),
        ("audit_trail", String::new()),
        ("list_ram_users", String::new()),
    ];
    for (function, args) in lists {
        let refused = app.form(Some(&nobody), function, &format!("{args}page=1")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{function}: {:?}", refused.json);
        // A page out of bounds tells it nothing more: the same refusal.
        let out_of_bounds = app.form(Some(&nobody), function, &format!("{args}page=0&page_size=100000")).await;
        assert_eq!(out_of_bounds.refusal(), refused.refusal(), "{function}: {:?}", out_of_bounds.json);
        // The owner is told what is wrong with the page.
        let judged = app.form(Some(&owner), function, &format!("{args}page=0&page_size=100000")).await;
        assert_eq!(judged.status.as_u16(), 422, "{function}: {:?}", judged.json);
    }
}
