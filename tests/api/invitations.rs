//! Invitations are bounded and tell the truth: no second pending invitation of an account to a backup
//! set, a cap on an owner's pending invitations that holds under racing requests, a removed principal
//! added again gets a new invitation, and the Attribute column counts only invited or associated
//! principals.

use crate::helpers::*;
use futures::future::join_all;
use http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use time::Duration;

async fn invitations(app: &TestApp, cookie: &str) -> Vec<Value> {
    let r = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["invitations"].as_array().unwrap().clone()
}

async fn incoming(app: &TestApp, cookie: &str) -> Vec<Value> {
    let r = app.form(Some(cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["backups"].as_array().unwrap().clone()
}

async fn answer(app: &TestApp, cookie: &str, invitation: &Value, accept: bool) {
    let id = invitation["invitation_id"].as_str().unwrap();
    let r = app.form(Some(cookie), "answer_invitation", &format!("invitation_id={id}&accept={accept}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

/// The Attribute column's count for one backup set of the shareable cluster.
async fn principal_count(app: &TestApp, owner: &str, backup: &str) -> Value {
    let r = app.form(Some(owner), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
    let items = r.json["items"].as_array().unwrap();
    items.iter().find(|b| b["backup_set_id"] == json!(backup)).expect("the set is on the first page")["principal_count"]
        .clone()
}

/// Shareable sets of the demo owner's cluster, as many as asked.
async fn shareable_sets(app: &TestApp, n: usize) -> Vec<String> {
    let sets: Vec<String> = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None'
         and expires_at > '2026-12-05' and backup_set_id not like 'rp-%' order by start_time desc limit ?",
    )
    .bind(SHAREABLE_CLUSTER)
    .bind(n as i64)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(sets.len(), n);
    sets
}

#[tokio::test]
async fn a_second_invitation_of_an_account_to_a_set_is_refused_while_the_first_is_pending() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let first = app.share(&owner, &backup, new_share("first", "AllAccounts", &[PARTNER])).await;
    assert_eq!(first.status, StatusCode::OK);

    let before = app.sharing_state().await;
    let again = app.share(&owner, &backup, new_share("again", "AllAccounts", &[OUTSIDER, PARTNER])).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "EntityAlreadyExists.ResourceShareInvitation"),
        "{:?}",
        again.json
    );
    assert!(again.json["message"].as_str().unwrap().contains(PARTNER));
    assert_eq!(app.sharing_state().await, before, "nothing changed, OUTSIDER was not invited either");

    // The pending one stands; once it is answered, the account can be invited again.
    let partner = app.sign_in("partner").await;
    let pending = invitations(&app, &partner).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["status"], json!("Pending"));
    answer(&app, &partner, &pending[0], false).await;
    let after_reject = app.share(&owner, &backup, new_share("again", "AllAccounts", &[PARTNER])).await;
    assert_eq!(after_reject.status, StatusCode::OK, "{:?}", after_reject.json);
    assert_eq!(after_reject.json["invited"], json!([PARTNER]));
}

#[tokio::test]
async fn adding_a_set_to_a_share_whose_invitee_is_pending_for_that_set_elsewhere_is_refused() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 2).await;
    assert_eq!(app.share(&owner, &sets[0], new_share("one", "AllAccounts", &[PARTNER])).await.status, StatusCode::OK);
    let other = app.share(&owner, &sets[1], new_share("two", "AllAccounts", &[OUTSIDER])).await;
    let other_id = other.json["resource_share_id"].as_str().unwrap();
    // Share "two" gets sets[0] and PARTNER: PARTNER would hold a second pending invitation to sets[0].
    let before = app.sharing_state().await;
    let r = app.share(&owner, &sets[0], existing_share(other_id, Some(&[OUTSIDER, PARTNER]))).await;
    assert_eq!(r.refusal(), (409, "EntityAlreadyExists.ResourceShareInvitation"), "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pending_invitation_cap_holds_exactly_under_racing_requests() {
    let app = Arc::new(TestApp::with_settings(Settings { max_pending_invitations: 7, ..Settings::default() }).await);
    let accounts: Vec<String> = (0..30).map(|i| format!("40000000000{i:05}")).collect();
    for id in &accounts {
        app.exec(&format!("insert into account (account_id, display_name, site, created_at) values ('{id}', 'p', 'aliyun.com', '2026-01-01T00:00:00Z')")).await;
    }
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let cookie = app.sign_in("owner").await;
    let requests = accounts.iter().enumerate().map(|(i, p)| {
        let (app, cookie, backup, p) = (app.clone(), cookie.clone(), backup.clone(), p.clone());
        tokio::spawn(
            async move { app.share(&cookie, &backup, new_share(&format!("cap-{i}"), "AllAccounts", &[&p])).await },
        )
    });
    let results: Vec<Response> = join_all(requests).await.into_iter().map(Result::unwrap).collect();
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let capped = results.iter().filter(|r| r.refusal() == (409, "QuotaExceeded.PendingInvitations")).count();
    assert_eq!((ok, capped), (7, 23), "{:?}", results.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>());
    assert_eq!(
        app.count(&format!(
            "select count(*) from invitation where sender_account_id = '{OWNER}' and status = 'Pending'"
        ))
        .await,
        7
    );
    assert_eq!(app.count("select count(*) from resource_share").await, 7, "refused requests left no share behind");
    let refusal = results.iter().find(|r| r.status != StatusCode::OK).unwrap();
    assert_eq!(refusal.status, StatusCode::CONFLICT);
    assert!(refusal.json["message"].as_str().unwrap().contains("at most 7"), "{:?}", refusal.json);

    // An answered or expired invitation frees its place.
    app.exec(&format!(
        "update invitation set status = 'Rejected' where receiver_account_id = '{}'",
        pending_receivers(&app).await[0]
    ))
    .await;
    let r = app.share(&cookie, &backup, new_share("freed", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.share(&cookie, &backup, new_share("full", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.refusal(), (409, "QuotaExceeded.PendingInvitations"));
}

async fn pending_receivers(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "select receiver_account_id from invitation where status = 'Pending' order by receiver_account_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The owner shares a set with PARTNER, which accepts: (owner, partner, backup set, share id).
async fn accepted_share(app: &TestApp) -> (String, String, String, String) {
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, new_share("partnership", "AllAccounts", &[PARTNER])).await;
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    let partner = app.sign_in("partner").await;
    answer(app, &partner, &invitations(app, &partner).await[0], true).await;
    (owner, partner, backup, share_id)
}

#[tokio::test]
async fn a_principal_removed_after_accepting_and_added_again_gets_a_new_invitation() {
    let app = TestApp::new().await;
    let (owner, partner, backup, share_id) = accepted_share(&app).await;
    assert_eq!(invitations(&app, &partner).await[0]["status"], json!("Accepted"));

    // Removed: the invitation shows its true state and the set is being revoked.
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(r.json["revoking"], json!([PARTNER]));
    assert_eq!(invitations(&app, &partner).await[0]["status"], json!("Disassociating"));
    assert!(incoming(&app, &partner).await[0]["revoking_at"].is_string());

    // Added again (a minute later): a new invitation it must accept; the old acceptance no longer
    // gives access.
    app.clock.advance(Duration::minutes(1));
    let (owner, partner) = (app.sign_in("owner").await, app.sign_in("partner").await);
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[PARTNER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!((r.json["invited"].clone(), r.json["associated"].clone()), (json!([PARTNER]), json!([])));
    let list = invitations(&app, &partner).await;
    let states: Vec<&str> = list.iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(states, ["Pending", "Disassociated"], "{list:?}");
    assert!(incoming(&app, &partner).await.is_empty(), "no access until the new invitation is accepted");
    let restore = json!({ "request": { "backup_set_id": backup, "cluster_name": "copy-1", "node_spec": "polar.mysql.x4.medium",
                                        "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } });
    assert_eq!(
        app.json(Some(&partner), "restore_to_new_cluster", restore).await.refusal(),
        (404, "EntityNotExists.BackupSet")
    );
    // The owner's view says so too.
    let rel = app.form(Some(&owner), "sharing_relationship", &format!("backup_set_id={backup}")).await;
    assert_eq!(rel.json["items"][0]["principals"][0]["invitation_status"], json!("Pending"));

    answer(&app, &partner, &list[0], true).await;
    let usable = incoming(&app, &partner).await;
    assert_eq!(usable.len(), 1);
    assert!(usable[0]["revoking_at"].is_null() && usable[0]["restore_blocked"].is_null(), "{usable:?}");
}

#[tokio::test]
async fn a_principal_added_again_after_its_revocation_ran_also_gets_a_new_invitation() {
    let app = TestApp::new().await;
    let (owner, _, backup, share_id) = accepted_share(&app).await;
    app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let (owner, partner) = (app.sign_in("owner").await, app.sign_in("partner").await);
    assert_eq!(invitations(&app, &partner).await[0]["status"], json!("Disassociated"));
    assert!(incoming(&app, &partner).await.is_empty());

    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[PARTNER]))).await;
    assert_eq!(r.json["invited"], json!([PARTNER]), "{:?}", r.json);
    assert!(incoming(&app, &partner).await.is_empty());
    assert_eq!(invitations(&app, &partner).await[0]["status"], json!("Pending"));
}

#[tokio::test]
async fn inside_the_directory_a_principal_added_again_is_associated_again_and_the_answer_says_so() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, new_share("lab", "ResourceDirectory", &[MEMBER])).await;
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[MEMBER]))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!((r.json["associated"].clone(), r.json["invited"].clone()), (json!([MEMBER]), json!([])));
    let member = app.sign_in("member").await;
    let sets = incoming(&app, &member).await;
    assert!(sets[0]["revoking_at"].is_null(), "associated again, not being revoked: {sets:?}");
    assert_eq!(app.count("select count(*) from invitation").await, 0, "no invitation inside the directory");
}

#[tokio::test]
async fn the_attribute_says_sharing_only_while_a_principal_is_invited_or_associated() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 4).await;
    let (rejected, expired, cancelled, directory) = (&sets[0], &sets[1], &sets[2], &sets[3]);
    for (set, name, principal) in [(rejected, "rej", PARTNER), (expired, "exp", OUTSIDER), (cancelled, "can", OUTSIDER)]
    {
        let r = app.share(&owner, set, new_share(name, "AllAccounts", &[principal])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        assert_eq!(principal_count(&app, &owner, set).await, json!(1), "invited: Sharing");
    }
    let r = app.share(&owner, directory, new_share("dir", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK);

    // Rejected.
    let partner = app.sign_in("partner").await;
    answer(&app, &partner, &invitations(&app, &partner).await[0], false).await;
    assert_eq!(principal_count(&app, &owner, rejected).await, json!(0));
    // Cancelled: the owner removes the principal before it answers (an account outside the directory:
    // a member named by id is accepted by the directory at once).
    let share = app.form(Some(&owner), "sharing_relationship", &format!("backup_set_id={cancelled}")).await;
    let share_id = share.json["items"][0]["resource_share_id"].as_str().unwrap().to_owned();
    app.share(&owner, cancelled, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from invitation where receiver_account_id = '{OUTSIDER}' and status = 'Cancelled'"
        ))
        .await,
        1
    );
    assert_eq!(principal_count(&app, &owner, cancelled).await, json!(0));
    // Expired: 7 days unanswered, applied by the schedule.
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    app.tick().await;
    let owner = app.sign_in("owner").await;
    assert_eq!(principal_count(&app, &owner, expired).await, json!(0));
    // A directory member is associated without an invitation, and stays Sharing.
    assert_eq!(principal_count(&app, &owner, directory).await, json!(1));
}

#[tokio::test]
async fn a_principal_being_revoked_is_not_shown_a_backup_set_added_to_the_share_after_its_removal() {
    let app = TestApp::new().await;
    let (owner, partner, backup, share_id) = accepted_share(&app).await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(r.json["revoking"], json!([PARTNER]), "{:?}", r.json);
    // A minute later the owner adds another set to the share, which now has no principal holding it.
    app.clock.advance(Duration::minutes(1));
    let later = shareable_sets(&app, 2).await.into_iter().find(|s| *s != backup).unwrap();
    let r = app.share(&owner, &later, existing_share(&share_id, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let seen: Vec<Value> = incoming(&app, &partner).await;
    let ids: Vec<&str> = seen.iter().map(|b| b["backup_set_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [backup.as_str()], "only the set it held, while its revocation runs: {seen:?}");
    let restore = json!({ "request": { "backup_set_id": later, "cluster_name": "copy-1", "node_spec": "polar.mysql.x4.medium",
                                        "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } });
    assert_eq!(
        app.json(Some(&partner), "restore_to_new_cluster", restore).await.refusal(),
        (404, "EntityNotExists.BackupSet")
    );

    // Added back and accepting again, it holds every set of the share.
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[PARTNER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    answer(&app, &partner, &invitations(&app, &partner).await[0], true).await;
    let seen = incoming(&app, &partner).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|b| b["revoking_at"].is_null() && b["restore_blocked"].is_null()), "{seen:?}");
    assert_eq!(app.count("select count(*) from late_resource").await, 0, "nothing left to hide");
}

/// An invitation shows its share's backup sets while it offers them (pending) or gives them (accepted
/// and in force). Once it was rejected, expired, or its access ended, what the owner puts in the share
/// afterwards, for other principals, is none of its receiver's business: the old invitation must not
/// keep showing the share's sets.
#[tokio::test]
async fn an_invitation_that_no_longer_gives_access_shows_none_of_the_sets_shared_after() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 4).await;
    let outsider = app.sign_in("outsider").await;
    let partner = app.sign_in("partner").await;

    // Rejected: the outsider said no to the share, which the owner then uses for more sets.
    let first = app.share(&owner, &sets[0], new_share("rejected-then-grown", "AllAccounts", &[OUTSIDER])).await;
    let rejected_share = first.json["resource_share_id"].as_str().unwrap().to_owned();
    let invitation = invitations(&app, &outsider).await.remove(0);
    assert_eq!(invitation["resources"], json!([sets[0]]), "a pending invitation shows what it offers");
    answer(&app, &outsider, &invitation, false).await;
    let r = app.share(&owner, &sets[1], existing_share(&rejected_share, Some(&[PARTNER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    // Access ended: the partner accepted a share, was removed, and the owner then added a set to it.
    let second = app.share(&owner, &sets[2], new_share("removed-then-grown", "AllAccounts", &[PARTNER])).await;
    let removed_share = second.json["resource_share_id"].as_str().unwrap().to_owned();
    let accepted =
        invitations(&app, &partner).await.into_iter().find(|i| i["resource_share_id"] == json!(removed_share)).unwrap();
    answer(&app, &partner, &accepted, true).await;
    let r = app.share(&owner, &sets[2], existing_share(&removed_share, Some(&[]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let r = app.share(&owner, &sets[3], existing_share(&removed_share, Some(&[OUTSIDER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let outsiders = invitations(&app, &outsider).await;
    let old = outsiders.iter().find(|i| i["resource_share_id"] == json!(rejected_share)).unwrap();
    assert_eq!(old["status"], json!("Rejected"));
    assert_eq!(old["resources"], json!([]), "a rejected invitation shows nothing of the share: {old}");
    let partners = invitations(&app, &partner).await;
    let ended = partners.iter().find(|i| i["resource_share_id"] == json!(removed_share)).unwrap();
    assert_eq!(ended["status"], json!("Disassociated"));
    assert_eq!(ended["resources"], json!([]), "an invitation whose access ended shows nothing of the share: {ended}");
    // The invitations that do give access still show what they give.
    let standing = partners.iter().find(|i| i["resource_share_id"] == json!(rejected_share)).unwrap();
    let mut offered: Vec<String> = serde_json::from_value(standing["resources"].clone()).unwrap();
    offered.sort();
    let mut expected = vec![sets[0].clone(), sets[1].clone()];
    expected.sort();
    assert_eq!(offered, expected, "{standing}");
}

/// A set being taken out of a share (here deleted by its owner, its revocation still running) is
/// being revoked from the principals that had it; an account invited to the share after that never
/// had it, and its invitation does not offer it.
#[tokio::test]
async fn an_invitation_sent_while_a_set_is_being_taken_out_does_not_offer_that_set() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 2).await;
    let created = app.share(&owner, &sets[0], new_share("shrinking", "AllAccounts", &[PARTNER])).await;
    let share = created.json["resource_share_id"].as_str().unwrap().to_owned();
    let r = app.share(&owner, &sets[1], existing_share(&share, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.form(Some(&owner), "delete_backup_set", &format!("backup_set_id={}", sets[1])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.share(&owner, &sets[0], existing_share(&share, Some(&[PARTNER, OUTSIDER]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let outsider = app.sign_in("outsider").await;
    let invitation = invitations(&app, &outsider).await.remove(0);
    assert_eq!(invitation["status"], json!("Pending"));
    assert_eq!(invitation["resources"], json!([sets[0]]), "{invitation}");
    answer(&app, &outsider, &invitation, true).await;
    let seen: Vec<Value> = incoming(&app, &outsider).await;
    assert_eq!(seen.iter().map(|b| b["backup_set_id"].clone()).collect::<Vec<_>>(), [json!(sets[0])]);
}

/// The invitations page lists an invitation in the regions of the sets it offered: a rejected one must
/// not appear in a region the owner adds sets in afterwards (a yes/no per region about what the owner
/// shares with others, told to a former invitee), while a pending one offers the new sets there too.
#[tokio::test]
async fn a_rejected_invitation_is_not_listed_in_a_region_the_owner_adds_sets_in_afterwards() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let made = app.share(&owner, &backup, new_share("regions", "AllAccounts", &[PARTNER, OUTSIDER])).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let share_id = made.json["resource_share_id"].as_str().expect("the new share's id").to_owned();
    let partner = app.sign_in("partner").await;
    let outsider = app.sign_in("outsider").await;
    let share = share_id.as_str();
    let app = &app;
    let listed = move |cookie: String, region: &'static str| async move {
        let r = app.form(Some(&cookie), "list_invitations", &format!("region_id={region}")).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        r.json["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["resource_share_id"] == json!(share))
            .cloned()
            .collect::<Vec<Value>>()
    };
    let pending = listed(partner.clone(), "cn-hangzhou").await;
    assert_eq!(pending.len(), 1);
    answer(&app, &partner, &pending[0], false).await;
    assert!(listed(partner.clone(), "cn-beijing").await.is_empty(), "nothing in Beijing yet");
    app.clock.advance(time::Duration::minutes(1));

    let beijing = app.backup_of("pc-2zeanalytics01").await;
    let added = app.share(&owner, &beijing, existing_share(&share_id, None)).await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    assert!(
        listed(partner.clone(), "cn-beijing").await.is_empty(),
        "the rejected invitation never offered a Beijing set"
    );
    assert_eq!(listed(partner.clone(), "cn-hangzhou").await.len(), 1, "still listed where it offered sets");
    let offered = listed(outsider.clone(), "cn-beijing").await;
    assert_eq!(offered.len(), 1, "a pending invitation offers the sets added to its share");
    assert_eq!(offered[0]["resources"], json!([beijing]));
}

/// The share's name on each invitation of `login`'s, by status.
async fn invitation_names(app: &TestApp, login: &str) -> Vec<(String, String)> {
    let cookie = app.sign_in(login).await;
    invitations(app, &cookie)
        .await
        .iter()
        .map(|i| (i["status"].as_str().unwrap().to_owned(), i["resource_share_name"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_share_renamed_after_an_invitation_ended_keeps_the_name_it_had_for_that_invitee() {
    let app = TestApp::new().await;
    let (_, share_id) = shared_with(&app, PARTNER, "AllAccounts").await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[PARTNER, OUTSIDER, NO_BETA]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let partner = app.sign_in("partner").await;
    answer(&app, &partner, &invitations(&app, &partner).await[0], true).await;
    let outsider = app.sign_in("outsider").await;
    answer(&app, &outsider, &invitations(&app, &outsider).await[0], false).await;
    // The owner removes the partner (its acceptance ends), then renames the share.
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[OUTSIDER, NO_BETA]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let body = format!("resource_share_id={share_id}&resource_share_name=acquire-orbit&principal_scope=AllAccounts");
    assert_eq!(app.form(Some(&owner), "update_resource_share", &body).await.status, StatusCode::OK);

    // The pending invitation offers the share as it is now; those that ended show the name they knew.
    assert_eq!(invitation_names(&app, "nobeta").await, vec![("Pending".to_owned(), "acquire-orbit".to_owned())]);
    assert_eq!(invitation_names(&app, "outsider").await, vec![("Rejected".to_owned(), "partnership".to_owned())]);
    let outsider_key = crate::openapi::create_key(&app, &outsider, "outsider").await;
    let listed =
        crate::openapi::acs3(&app, &outsider_key, "ListResourceShareInvitations", crate::openapi::RS, &[]).await;
    assert_eq!(
        listed.json["ResourceShareInvitations"][0]["ResourceShareName"],
        json!("partnership"),
        "{:?}",
        listed.json
    );
    // The removed partner still holds the share for the rest of its revocation window: the current name.
    let partner_names = invitation_names(&app, "partner").await;
    assert_eq!(partner_names, vec![("Disassociating".to_owned(), "acquire-orbit".to_owned())]);
    // Once the revocation ran, the name it last saw; and an invitation that expires unanswered keeps the
    // name of when it expired.
    app.clock.advance(Duration::days(8));
    app.tick().await;
    let body = format!("resource_share_id={share_id}&resource_share_name=after-expiry&principal_scope=AllAccounts");
    let owner = app.sign_in("owner").await;
    assert_eq!(app.form(Some(&owner), "update_resource_share", &body).await.status, StatusCode::OK);
    assert_eq!(invitation_names(&app, "nobeta").await, vec![("Expired".to_owned(), "acquire-orbit".to_owned())]);
    assert_eq!(invitation_names(&app, "partner").await[0].1, "acquire-orbit");
}

/// During its revocation window a removed account still holds the share, listed under the share's
/// current name (docs/console.md): its invitation shows that name too, on the page and by API, not the
/// one of before a rename made meanwhile. Once the revocation has run, a rename no longer reaches it.
#[tokio::test]
async fn a_removed_account_sees_the_current_name_on_its_invitation_as_on_the_set_during_its_window() {
    let app = TestApp::new().await;
    let (backup, share_id) = shared_with(&app, PARTNER, "AllAccounts").await;
    let owner = app.sign_in("owner").await;
    let partner = app.sign_in("partner").await;
    answer(&app, &partner, &invitations(&app, &partner).await[0], true).await;
    let r = app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let rename =
        |name: &str| format!("resource_share_id={share_id}&resource_share_name={name}&principal_scope=AllAccounts");
    assert_eq!(
        app.form(Some(&owner), "update_resource_share", &rename("renamed-in-window")).await.status,
        StatusCode::OK
    );

    let set = incoming(&app, &partner)
        .await
        .into_iter()
        .find(|b| b["backup_set_id"] == json!(backup))
        .expect("still shared in the window");
    assert_eq!(set["resource_share_names"], json!("renamed-in-window"));
    assert_eq!(
        invitation_names(&app, "partner").await,
        vec![("Disassociating".to_owned(), "renamed-in-window".to_owned())]
    );
    let key = crate::openapi::create_key(&app, &partner, "partner").await;
    let listed = crate::openapi::acs3(&app, &key, "ListResourceShareInvitations", crate::openapi::RS, &[]).await;
    assert_eq!(
        listed.json["ResourceShareInvitations"][0]["ResourceShareName"],
        json!("renamed-in-window"),
        "{:?}",
        listed.json
    );

    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let owner = app.sign_in("owner").await;
    assert_eq!(
        app.form(Some(&owner), "update_resource_share", &rename("after-the-window")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        invitation_names(&app, "partner").await,
        vec![("Disassociated".to_owned(), "renamed-in-window".to_owned())]
    );
}

#[tokio::test]
async fn an_invitation_whose_share_was_deleted_or_whose_invitee_was_removed_can_not_be_accepted_and_gives_nothing() {
    // Two pending invitations of the partner: the owner deletes one share and takes the partner out of
    // the other. Neither can be accepted afterwards, before or after the revocation runs.
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let sets = shareable_sets(&app, 2).await;
    let mut shares = Vec::new();
    for (set, name) in sets.iter().zip(["to-delete", "to-leave"]) {
        let r = app.share(&owner, set, new_share(name, "AllAccounts", &[PARTNER])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        shares.push(r.json["resource_share_id"].as_str().unwrap().to_owned());
    }
    let deleted = app.form(Some(&owner), "delete_resource_share", &format!("resource_share_id={}", shares[0])).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    let removed = app.share(&owner, &sets[1], existing_share(&shares[1], Some(&[]))).await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);

    let partner = app.sign_in("partner").await;
    for tick in [false, true] {
        if tick {
            app.clock.advance(Duration::minutes(10));
            app.tick().await;
        }
        let list = invitations(&app, &partner).await;
        assert_eq!(list.len(), 2, "{list:?}");
        for invitation in &list {
            assert_eq!(invitation["status"], json!("Cancelled"), "{invitation}");
            assert_eq!(invitation["resources"], json!([]), "a cancelled invitation offers nothing: {invitation}");
            let id = invitation["invitation_id"].as_str().unwrap();
            let r = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
            assert_eq!(r.refusal(), (409, "InvitationStatus.Cancelled"), "after the revocation ran: {tick}");
        }
        assert!(incoming(&app, &partner).await.is_empty());
    }
}

#[tokio::test]
async fn an_invitation_offers_no_set_past_its_expiry_whether_or_not_the_schedule_ran() {
    // An expired set is revoked from its expiry (domain::grant_at_expiry), not from whenever the schedule
    // next notices it: an invitation offers it to no one from then, as a deleted set.
    let app = TestApp::new().await;
    let (_, owner) = crate::openapi::owner_key(&app).await;
    let sets = shareable_sets(&app, 2).await;
    let (expiring, kept) = (&sets[0], &sets[1]);
    let share_id = crate::openapi::created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "expiring"),
            ("Resources.1.ResourceId", expiring),
            ("Resources.2.ResourceId", kept),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    app.exec(&format!("update backup_set set expires_at = '2026-11-25T09:00:00Z' where backup_set_id = '{expiring}'"))
        .await;
    let partner = app.sign_in("partner").await;
    let offered = invitations(&app, &partner).await;
    assert_eq!(offered[0]["resources"].as_array().unwrap().len(), 2, "{offered:?}");

    // Five minutes past the expiry, with no tick since.
    app.clock.advance(Duration::minutes(65));
    let partner = app.sign_in("partner").await;
    let offered = invitations(&app, &partner).await;
    assert_eq!(offered[0]["resources"], json!([kept]), "the invitation already sent: {offered:?}");
    // An account invited after the expiry is offered only the set it can have.
    let added = crate::openapi::acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        crate::openapi::RS,
        &[("ResourceShareId", &share_id), ("Targets.1", OUTSIDER)],
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    let outsider = app.sign_in("outsider").await;
    let offered = invitations(&app, &outsider).await;
    assert_eq!(offered[0]["resources"], json!([kept]), "a new invitee: {offered:?}");
}

/// An account holds a share open to all accounts through its own acceptance only: another invited
/// account's acceptance of the same share gives it nothing while its own invitation is pending.
#[tokio::test]
async fn another_accounts_acceptance_of_a_share_gives_an_account_that_has_not_accepted_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, new_share("both", "AllAccounts", &[PARTNER, OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let partner = app.sign_in("partner").await;
    answer(&app, &partner, &invitations(&app, &partner).await[0], true).await;
    assert_eq!(incoming(&app, &partner).await.len(), 1, "the partner accepted");

    let outsider = app.sign_in("outsider").await;
    assert_eq!(invitations(&app, &outsider).await[0]["status"], json!("Pending"));
    assert!(incoming(&app, &outsider).await.is_empty(), "nothing before its own acceptance");
    let r = app.json(Some(&outsider), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(r.code(), "EntityNotExists.BackupSet", "{:?}", r.json);
}

/// An invitation past its expiry frees its place under the owner's cap at once, before the schedule
/// marks it expired.
#[tokio::test]
async fn an_invitation_past_its_expiry_frees_its_place_under_the_cap_before_the_schedule_runs() {
    let app = TestApp::with_settings(Settings { max_pending_invitations: 1, ..Settings::default() }).await;
    let sets = shareable_sets(&app, 2).await;
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &sets[0], new_share("first", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.share(&owner, &sets[1], new_share("second", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.refusal(), (409, "QuotaExceeded.PendingInvitations"), "{:?}", r.json);

    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let owner = app.sign_in("owner").await;
    let r = app.share(&owner, &sets[1], new_share("second", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(
        app.count("select count(*) from invitation where status = 'Pending'").await,
        2,
        "the schedule has not run: the first is still stored as pending"
    );
}
