//! The principal's side by API: ListSharedResources with ResourceOwner=OtherAccounts lists each backup
//! set with the share that gives it, narrowed by the shares and the owner asked for, and names no share
//! that no longer gives it.

use crate::helpers::*;
use crate::openapi::{acs3, owner_key, shared_with_partner_and_accepted, RS};
use http::StatusCode;
use serde_json::Value;
use time::Duration;

fn rows(r: &Response) -> Vec<(String, String)> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let mut rows: Vec<(String, String)> = r.json["SharedResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["ResourceShareId"].as_str().unwrap().to_owned(), x["ResourceId"].as_str().unwrap().to_owned()))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn shared_resources_of_other_accounts_are_listed_by_share_and_narrowed_by_share_and_owner() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let first = shared_with_partner_and_accepted(&app, &owner, "first").await;
    // A second share of another set, accepted too.
    let second_set = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    let created = acs3(
        &app,
        &owner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "second"),
            ("Resources.1.ResourceId", &second_set),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let second = created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    let invitations =
        acs3(&app, &first.partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &second)]).await;
    let invitation =
        invitations.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
    let accepted =
        acs3(&app, &first.partner, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)])
            .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.json);

    let list = |extra: Vec<(&'static str, String)>| {
        let partner = first.partner.clone();
        let app = &app;
        async move {
            let mut params: Vec<(&str, String)> =
                vec![("ResourceOwner", "OtherAccounts".into()), ("RegionId", "cn-hangzhou".into())];
            params.extend(extra);
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            rows(&acs3(app, &partner, "ListSharedResources", RS, &params).await)
        }
    };
    let mut both = vec![(first.share_id.clone(), first.backup.clone()), (second.clone(), second_set.clone())];
    both.sort();
    assert_eq!(list(vec![]).await, both, "each set with the share that gives it");
    assert_eq!(
        list(vec![("ResourceShareIds.1", first.share_id.clone())]).await,
        vec![(first.share_id.clone(), first.backup.clone())]
    );
    assert_eq!(list(vec![("ResourceShareIds.1", second.clone())]).await, vec![(second.clone(), second_set.clone())]);
    assert_eq!(list(vec![("Target", OWNER.into())]).await, both, "Target names the owner");
    assert_eq!(list(vec![("Target", OUTSIDER.into())]).await, vec![], "no set of another owner");
    let bad = acs3(
        &app,
        &first.partner,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("Target", "rd-x")],
    )
    .await;
    assert_eq!(crate::openapi::api_code(&bad), (400, "InvalidParameter.Target"), "{:?}", bad.json);

    // The first set joins the second share too; then the partner is removed from the first share: once
    // that removal's time has come, only the second share gives the set, even before the schedule runs.
    let joined = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &second), ("Resources.1.ResourceId", &first.backup)],
    )
    .await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.json);
    let removed = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &first.share_id), ("Targets.1", PARTNER)],
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    app.clock.advance(Duration::minutes(10));
    let mut now_listed = vec![(second.clone(), first.backup.clone()), (second.clone(), second_set.clone())];
    now_listed.sort();
    assert_eq!(list(vec![]).await, now_listed);
    assert_eq!(list(vec![("ResourceShareIds.1", first.share_id.clone())]).await, vec![]);
    let console = app.form(Some(&first.partner_cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    let names: Vec<Value> =
        console.json["backups"].as_array().unwrap().iter().map(|b| b["resource_share_names"].clone()).collect();
    assert_eq!(names, vec![Value::from("second"), Value::from("second")], "{:?}", console.json);
}

#[tokio::test]
async fn describe_shared_backups_is_narrowed_by_the_cluster_asked_for() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "by-cluster").await;
    let ids = |r: &Response| -> Vec<String> {
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        r.json["Items"].as_array().unwrap().iter().map(|b| b["BackupId"].as_str().unwrap().to_owned()).collect()
    };
    for (share_type, key) in [("ShareIncoming", &shared.partner), ("ShareOutgoing", &owner)] {
        let all = acs3(
            &app,
            key,
            "DescribeSharedBackups",
            crate::openapi::PD,
            &[("ShareType", share_type), ("RegionId", "cn-hangzhou")],
        )
        .await;
        assert_eq!(ids(&all), vec![shared.backup.clone()], "{share_type}");
        let its = acs3(
            &app,
            key,
            "DescribeSharedBackups",
            crate::openapi::PD,
            &[("ShareType", share_type), ("RegionId", "cn-hangzhou"), ("DBClusterId", SHAREABLE_CLUSTER)],
        )
        .await;
        assert_eq!(ids(&its), vec![shared.backup.clone()], "{share_type}");
        let other = acs3(
            &app,
            key,
            "DescribeSharedBackups",
            crate::openapi::PD,
            &[("ShareType", share_type), ("RegionId", "cn-hangzhou"), ("DBClusterId", "pc-bp1harbor00001")],
        )
        .await;
        assert_eq!(ids(&other), Vec::<String>::new(), "{share_type}: another cluster's sets only");
        assert_eq!(other.json["TotalRecordCount"], "0", "{share_type}");
    }
}

#[tokio::test]
async fn shared_resources_of_other_accounts_are_listed_past_a_hundred_sets() {
    let app = TestApp::new().await;
    let (partner, oldest) = crate::openapi::one_set_behind_a_hundred_newer(&app).await;
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..5 {
        let mut params = vec![
            ("ResourceOwner", "OtherAccounts".to_owned()),
            ("RegionId", "cn-hangzhou".to_owned()),
            ("MaxResults", "40".to_owned()),
        ];
        params.extend(token.clone().map(|t| ("NextToken", t)));
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = acs3(&app, &partner, "ListSharedResources", RS, &params).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        seen.extend(
            r.json["SharedResources"].as_array().unwrap().iter().map(|x| x["ResourceId"].as_str().unwrap().to_owned()),
        );
        token = r.json["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 101, "every set shared with the partner, once");
    assert!(seen.contains(&oldest), "the oldest set too");
}
