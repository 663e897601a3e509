//! ListResourceShares with ResourceOwner=OtherAccounts lists every share of another account the caller
//! can use, whichever principal gives it (its account id, its resource directory, a folder above it),
//! each once, and no share it cannot use; leaving a share asks the same rule.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, create_key, created_share, owner_key, shared_with_partner_and_accepted, AcceptedByPartner, Key, RS};
use http::StatusCode;
use std::collections::BTreeSet;

/// The share ids of a ListResourceShares answer, in its order, and its NextToken.
fn share_ids(r: &Response) -> (Vec<String>, Option<String>) {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let ids = r.json["ResourceShares"].as_array().unwrap().iter().map(|s| s["ResourceShareId"].as_str().unwrap().to_owned()).collect();
    (ids, r.json["NextToken"].as_str().map(str::to_owned))
}

async fn received(app: &TestApp, key: &Key, extra: &[(&str, &str)]) -> (Vec<String>, Option<String>) {
    let mut params = vec![("ResourceOwner", "OtherAccounts")];
    params.extend_from_slice(extra);
    share_ids(&acs3(app, key, "ListResourceShares", RS, &params).await)
}

/// The shares that ListSharedResources (ResourceOwner=OtherAccounts) names beside the sets it lists,
/// those it says give them for use (`Available`) and the others.
async fn shares_giving_sets(app: &TestApp, key: &Key) -> [BTreeSet<String>; 2] {
    let r = acs3(app, key, "ListSharedResources", RS, &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou"), ("MaxResults", "100")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let mut found = [BTreeSet::new(), BTreeSet::new()];
    for s in r.json["SharedResources"].as_array().unwrap() {
        found[usize::from(s["ResourceStatus"] != "Available")].insert(s["ResourceShareId"].as_str().unwrap().to_owned());
    }
    found
}

#[tokio::test]
async fn a_member_is_listed_each_share_it_holds_by_folder_directory_or_account_once_and_no_other() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let share = |name: &'static str, targets: &'static [&'static str]| {
        let (app, owner, set) = (&app, &owner, set.clone());
        async move {
            let mut params = vec![("ResourceShareName", name), ("Resources.1.ResourceId", set.as_str())];
            let keys = ["Targets.1", "Targets.2"];
            params.extend(targets.iter().enumerate().map(|(i, t)| (keys[i], *t)));
            created_share(app, owner, &params).await
        }
    };
    let by_folder = share("by-folder", &[ANALYTICS_FOLDER]).await;
    let by_directory = share("by-directory", &[OWNER_DIRECTORY]).await;
    let by_account = share("by-account", &[MEMBER]).await;
    let twice = share("twice", &[MEMBER, OWNER_DIRECTORY]).await;
    let other_folder = share("other-folder", &[QA_FOLDER]).await;
    let being_removed = share("being-removed", &[OWNER_DIRECTORY]).await;
    let removed = acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &being_removed), ("Targets.1", OWNER_DIRECTORY)]).await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    let external = created_share(&app, &owner, &[
        ("ResourceShareName", "external"), ("Resources.1.ResourceId", &set), ("Targets.1", PARTNER), ("AllowExternalTargets", "true"),
    ])
    .await;

    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let held: BTreeSet<String> = [&by_folder, &by_directory, &by_account, &twice].into_iter().cloned().collect();
    let (all, next) = received(&app, &member, &[]).await;
    assert_eq!(next, None);
    assert_eq!(all.len(), held.len(), "each share once: {all:?}");
    assert_eq!(all.iter().cloned().collect::<BTreeSet<_>>(), held, "not {other_folder} (another folder) nor {being_removed} (being revoked)");

    // Page by page, the same shares in the same order, each once.
    let (mut paged, mut token) = (Vec::new(), None::<String>);
    loop {
        let mut params = vec![("MaxResults", "1")];
        if let Some(t) = token.as_deref() {
            params.push(("NextToken", t));
        }
        let (page, next) = received(&app, &member, &params).await;
        assert!(page.len() <= 1, "{page:?}");
        paged.extend(page);
        token = next;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(paged, all);

    // The filters narrow the same list.
    assert_eq!(received(&app, &member, &[("ResourceShareIds.1", &by_folder)]).await.0, vec![by_folder.clone()]);
    assert_eq!(received(&app, &member, &[("ResourceShareIds.1", &other_folder)]).await.0, Vec::<String>::new());
    assert_eq!(received(&app, &member, &[("ResourceShareName", "twice")]).await.0, vec![twice.clone()]);
    assert_eq!(received(&app, &member, &[("ResourceShareStatus", "Active")]).await.0, all);
    assert_eq!(received(&app, &member, &[("ResourceShareStatus", "Deleting")]).await.0, Vec::<String>::new());

    // The shares it is listed are those that give it the set for use; the one being revoked gives it
    // only until its revocation, unavailable.
    assert_eq!(shares_giving_sets(&app, &member).await, [held.clone(), BTreeSet::from([being_removed.clone()])]);

    // An invitation still pending gives its account nothing to list.
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    assert_eq!(received(&app, &partner, &[]).await.0, Vec::<String>::new(), "{external} is only offered");

    // Out of the directory, the member holds none of them: its own directory-scope row reaches it only
    // as a member.
    let left = app.form(Some(&member_cookie), "leave_directory", "").await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    assert_eq!(received(&app, &member, &[]).await.0, Vec::<String>::new());
}

/// An account principal of a directory-scope share that is outside the owner's directory (left over
/// from before the scope rules held): the directory did not add it, so it is not told LeavingFailed.
/// With an acceptance that still counts it holds the share and leaves it; without one it holds nothing
/// and is told the share exists nowhere, and nothing changes.
#[tokio::test]
async fn an_account_outside_the_directory_named_in_a_directory_share_leaves_it_or_is_told_it_holds_none() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, share_id: accepted, .. } = shared_with_partner_and_accepted(&app, &owner, "was-open").await;
    app.exec(&format!("update resource_share set principal_scope = 'ResourceDirectory' where resource_share_id = '{accepted}'")).await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let never_invited = created_share(&app, &owner, &[("ResourceShareName", "closed"), ("Resources.1.ResourceId", &set), ("Targets.1", MEMBER)]).await;
    app.exec(&format!(
        "insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at)
         values ('{never_invited}', '{PARTNER}', 'Account', 'Associated', '2026-11-25T08:00:00Z')"
    ))
    .await;

    assert_eq!(received(&app, &partner, &[]).await.0, vec![accepted.clone()]);
    let before = app.sharing_state().await;
    let refused = acs3(&app, &partner, "DisassociateResourceShare", RS, &[("ResourceShareId", &never_invited), ("ResourceOwner", "OtherAccounts")]).await;
    assert_eq!(api_code(&refused), (404, "EntityNotExists.ResourceShare"), "{:?}", refused.json);
    assert_eq!(app.sharing_state().await, before, "a refused leave changes nothing");

    let left = acs3(&app, &partner, "DisassociateResourceShare", RS, &[("ResourceShareId", &accepted), ("ResourceOwner", "OtherAccounts")]).await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let status: String = sqlx::query_scalar("select status from share_principal where resource_share_id = ? and principal_id = ?")
        .bind(&accepted)
        .bind(PARTNER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "Disassociating");
    assert_eq!(received(&app, &partner, &[]).await.0, Vec::<String>::new());
}
