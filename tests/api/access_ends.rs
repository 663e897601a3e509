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
            let listed = acs3(&app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
            let invitation = listed.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
            let rejected = acs3(&app, &partner, "RejectResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)]).await;
            assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.json);
        } else {
            app.clock.advance(Duration::days(8));
            app.tick().await;
        }
        let status: String = sqlx::query_scalar("select status from invitation where resource_share_id = ?").bind(&share_id).fetch_one(&app.pool).await.unwrap();
        assert_eq!(status, ended);
        let renamed = acs3(&app, &owner, "UpdateResourceShare", RS, &[("ResourceShareId", &share_id), ("ResourceShareName", "after-end")]).await;
        assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.json);
        let before = app.sharing_state().await;

        let left = acs3(&app, &partner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")]).await;
        assert_eq!(api_code(&left), (404, "EntityNotExists.ResourceShare"), "{ended}: {:?}", left.json);
        assert!(!left.json.to_string().contains("after-end"), "{ended}: the new name reached an account whose invitation ended: {:?}", left.json);
        let row: (String, Option<String>) = sqlx::query_as("select status, revoke_at from share_principal where resource_share_id = ? and principal_id = ?")
            .bind(&share_id)
            .bind(PARTNER)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(row, ("Associated".to_owned(), None), "{ended}: the owner's principal is unchanged");
        assert_eq!(app.sharing_state().await, before, "{ended}");
        let invitation: String = sqlx::query_scalar("select status from invitation where resource_share_id = ?").bind(&share_id).fetch_one(&app.pool).await.unwrap();
        assert_eq!(invitation, ended, "the invitation is as it was");
    }
}
