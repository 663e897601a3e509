//! Access ends when what granted it ends: each link of the chain (share, set, principal, invitation,
//! identity) ended, read through the surfaces that act on it.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, create_key, owner_key, shared_with_partner, RS};
use http::StatusCode;
use time::Duration;

/// An invitation that ended unanswered (rejected, or expired) never gave its account the share: the
/// account can not "leave" it (DisassociateResourceShare with ResourceOwner=OtherAccounts), which would
/// answer it the share's current name and move the owner's principal into a revocation of nothing. It
/// is told the share exists nowhere, as an account the share never named, and nothing changes.
#[tokio::test]
async fn an_account_whose_invitation_ended_unanswered_can_not_leave_the_share_nor_learn_its_name() {
    for ended in ["Rejected", "Expired"] {
        let app = TestApp::new().await;
        let (_, owner) = owner_key(&app).await;
        let partner_cookie = app.sign_in("partner").await;
        let partner = create_key(&app, &partner_cookie, "partner").await;
        let (_, share_id) = shared_with_partner(&app, &owner, "before-end").await;
        if ended == "Rejected" {
            let listed =
                acs3(&app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
            let invitation =
                listed.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
            let rejected = acs3(
                &app,
                &partner,
                "RejectResourceShareInvitation",
                RS,
                &[("ResourceShareInvitationId", &invitation)],
            )
            .await;
            assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.json);
        } else {
            app.clock.advance(Duration::days(8));
            app.tick().await;
        }
        let status: String = sqlx::query_scalar("select status from invitation where resource_share_id = ?")
            .bind(&share_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(status, ended);
        let renamed = acs3(
            &app,
            &owner,
            "UpdateResourceShare",
            RS,
            &[("ResourceShareId", &share_id), ("ResourceShareName", "after-end")],
        )
        .await;
        assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.json);
        let before = app.sharing_state().await;

        let left = acs3(
            &app,
            &partner,
            "DisassociateResourceShare",
            RS,
            &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
        )
        .await;
        assert_eq!(api_code(&left), (404, "EntityNotExists.ResourceShare"), "{ended}: {:?}", left.json);
        assert!(
            !left.json.to_string().contains("after-end"),
            "{ended}: the new name reached an account whose invitation ended: {:?}",
            left.json
        );
        let row: (String, Option<String>) = sqlx::query_as(
            "select status, revoke_at from share_principal where resource_share_id = ? and principal_id = ?",
        )
        .bind(&share_id)
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(row, ("Associated".to_owned(), None), "{ended}: the owner's principal is unchanged");
        assert_eq!(app.sharing_state().await, before, "{ended}");
        let invitation: String = sqlx::query_scalar("select status from invitation where resource_share_id = ?")
            .bind(&share_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(invitation, ended, "the invitation is as it was");
    }
}

/// What a removed principal's invitation says of its access, by API and in the console, at `when`.
async fn invitation_says(
    app: &TestApp,
    partner: &crate::openapi::Key,
    partner_cookie: &str,
    share_id: &str,
    when: &str,
) -> [String; 2] {
    let api = acs3(app, partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", share_id)]).await;
    assert_eq!(api.status, StatusCode::OK, "{when}: {:?}", api.json);
    let console = app.form(Some(partner_cookie), "list_invitations", "region_id=cn-hangzhou").await;
    assert_eq!(console.status, StatusCode::OK, "{when}: {:?}", console.json);
    let console_status = console.json["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["resource_share_id"] == share_id)
        .map(|i| i["status"].clone());
    [
        api.json["ResourceShareInvitations"][0]["Status"].to_string(),
        console_status.map(|s| s.to_string()).unwrap_or_default(),
    ]
}

/// How many of the owner's sets the partner is shown, by DescribeSharedBackups and ListSharedResources.
async fn sets_shown(app: &TestApp, partner: &crate::openapi::Key) -> [usize; 2] {
    let described = acs3(
        app,
        partner,
        "DescribeSharedBackups",
        crate::openapi::PD,
        &[("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")],
    )
    .await;
    let listed = acs3(
        app,
        partner,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")],
    )
    .await;
    [
        described.json["Items"].as_array().map_or(99, Vec::len),
        listed.json["SharedResources"].as_array().map_or(99, Vec::len),
    ]
}

/// A removed principal's accepted invitation says `Disassociating` while its access runs out and
/// `Disassociated` from the moment it ends: at the revocation time, as every other surface says, whether
/// or not the schedule has run yet (late, or failing). It said `Disassociating` until the schedule ran.
#[tokio::test]
async fn a_removed_principals_invitation_says_its_access_ended_at_the_revocation_time_not_at_the_schedules_next_run() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let crate::openapi::AcceptedByPartner { partner_cookie, partner, share_id, .. } =
        crate::openapi::shared_with_partner_and_accepted(&app, &owner, "ending").await;
    let removed =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    let (ending, ended) = ("\"Disassociating\"".to_owned(), "\"Disassociated\"".to_owned());

    app.clock.advance(Duration::minutes(10) - Duration::seconds(1));
    assert_eq!(sets_shown(&app, &partner).await, [1, 1], "one second before: still shown, being revoked");
    assert_eq!(
        invitation_says(&app, &partner, &partner_cookie, &share_id, "one second before").await,
        [ending.clone(), ending]
    );

    app.clock.advance(Duration::seconds(1));
    assert_eq!(sets_shown(&app, &partner).await, [0, 0], "at the revocation time: gone");
    assert_eq!(
        invitation_says(&app, &partner, &partner_cookie, &share_id, "at the revocation time").await,
        [ended.clone(), ended.clone()]
    );

    app.tick().await;
    assert_eq!(
        invitation_says(&app, &partner, &partner_cookie, &share_id, "after the schedule").await,
        [ended.clone(), ended]
    );
}
