//! A subscription is bought for a term, as CreateDBCluster's Period and UsedTime say (1 to 9 months, or
//! 1 to 3 years), through the API and the Restore dialog alike: charged for the whole term up front, and
//! answered with its end as the cluster's ExpireTime.
//!
//! The defect: both took `Prepaid` alone and billed one month, so a script buying a year (Period=Year,
//! UsedTime=1, required by the real service for a subscription) was charged a month's price and told
//! nothing of a term.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, owner_key, restore_params, restore_writes, shared_with_partner_and_accepted, PD};
use http::StatusCode;
use serde_json::{json, Value};
use time::Duration;

/// The parameters of a restore by API of `backup` with `billing` in place of the Postpaid ones.
fn restore_with<'a>(backup: &'a str, billing: &[(&'static str, &'a str)]) -> Vec<(&'static str, &'a str)> {
    let mut params: Vec<(&str, &str)> = restore_params(backup).into_iter().filter(|(k, _)| *k != "PayType").collect();
    params.extend_from_slice(billing);
    params
}

/// `cluster` as DescribeDBClusters answers it to the partner.
async fn described(app: &TestApp, partner: &crate::openapi::Key, cluster: &str) -> Value {
    let listed = acs3(app, partner, "DescribeDBClusters", PD, &[("RegionId", "cn-hangzhou")]).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    listed.json["Items"]["DBCluster"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["DBClusterId"] == cluster)
        .unwrap_or_else(|| panic!("{cluster}: {:?}", listed.json))
        .clone()
}

/// The charge for `cluster` on the Billing page's data of the account signed in as `login`.
async fn charge_of(app: &TestApp, login: &str, cluster: &str) -> Value {
    let cookie = app.sign_in(login).await;
    let bill = app.form(Some(&cookie), "billing", "page_size=100").await;
    assert_eq!(bill.status, StatusCode::OK, "{:?}", bill.json);
    bill.json["charges"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cluster_id"] == cluster)
        .unwrap_or_else(|| panic!("{cluster}: {:?}", bill.json))
        .clone()
}

#[tokio::test]
async fn a_subscription_by_api_without_a_valid_term_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "terms").await;
    let before = restore_writes(&app).await;
    let b = shared.backup.as_str();
    for (billing, refused) in [
        (vec![("PayType", "Prepaid")], (400, "MissingParameter.Period")),
        (vec![("PayType", "Prepaid"), ("UsedTime", "1")], (400, "MissingParameter.Period")),
        (vec![("PayType", "Prepaid"), ("Period", "Month")], (400, "MissingParameter.UsedTime")),
        (vec![("PayType", "Prepaid"), ("Period", "Week"), ("UsedTime", "1")], (400, "InvalidParameter.Period")),
        (vec![("PayType", "Prepaid"), ("Period", "month"), ("UsedTime", "1")], (400, "InvalidParameter.Period")),
        (vec![("PayType", "Prepaid"), ("Period", "Month"), ("UsedTime", "10")], (400, "InvalidParameter.UsedTime")),
        (vec![("PayType", "Prepaid"), ("Period", "Month"), ("UsedTime", "0")], (400, "InvalidParameter.UsedTime")),
        (vec![("PayType", "Prepaid"), ("Period", "Year"), ("UsedTime", "4")], (400, "InvalidParameter.UsedTime")),
        (
            vec![("PayType", "Prepaid"), ("Period", "Year"), ("UsedTime", "1; drop table charge")],
            (400, "InvalidParameter.UsedTime"),
        ),
        (vec![("PayType", "Prepaid"), ("Period", "Year"), ("UsedTime", "+1")], (400, "InvalidParameter.UsedTime")),
    ] {
        let r = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_with(b, &billing)).await;
        assert_eq!(api_code(&r), refused, "{billing:?}: {:?}", r.json);
        assert!(!r.json["Message"].as_str().unwrap_or("").is_empty(), "{:?}", r.json);
    }
    let months = acs3(
        &app,
        &shared.partner,
        "CreateDBCluster",
        PD,
        &restore_with(b, &[("PayType", "Prepaid"), ("Period", "Month"), ("UsedTime", "12")]),
    )
    .await;
    assert_eq!(months.json["Message"], "A monthly subscription is bought for 1 to 9 months. Nothing was restored.");
    assert_eq!(restore_writes(&app).await, before, "no cluster, job, charge or token was written");
}

#[tokio::test]
async fn a_subscription_by_api_is_charged_for_its_whole_term_and_answers_when_it_ends() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "terms").await;
    assert_eq!(app.clock.now(), time::macros::datetime!(2026-11-25 08:00 UTC), "the order's time");
    let r = acs3(
        &app,
        &shared.partner,
        "CreateDBCluster",
        PD,
        &restore_with(&shared.backup, &[("PayType", "Prepaid"), ("Period", "Month"), ("UsedTime", "3")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cluster = r.json["DBClusterId"].as_str().unwrap().to_owned();

    // polar.mysql.x4.medium is ¥620 a month: three of them, at the order.
    let charge = charge_of(&app, "partner", &cluster).await;
    assert_eq!((charge["amount_cents"].clone(), charge["price_cents"].clone()), (json!(186_000), json!(186_000)));
    assert_eq!(charge["subscription_term"], "3 months");
    // Three calendar months on, at the order's time of day.
    assert_eq!(charge["subscription_ends_at"], "2027-02-25T08:00:00Z");

    let answered = described(&app, &shared.partner, &cluster).await;
    assert_eq!(answered["PayType"], "Prepaid");
    assert_eq!(answered["ExpireTime"], "2027-02-25T08:00:00.000Z");
    assert_eq!(answered["Expired"], "false");
    let attribute = acs3(&app, &shared.partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
    assert_eq!(
        (attribute.json["ExpireTime"].clone(), attribute.json["Expired"].clone()),
        (answered["ExpireTime"].clone(), json!("false"))
    );

    // Past its end the term is over; the charge stays what was paid (renewal is not modelled).
    app.clock.advance(Duration::days(93));
    let answered = described(&app, &shared.partner, &cluster).await;
    assert_eq!(answered["Expired"], "true");
    assert_eq!(charge_of(&app, "partner", &cluster).await["amount_cents"], json!(186_000));
}

#[tokio::test]
async fn pay_as_you_go_ignores_a_term_sent_with_it_and_has_no_expire_time() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "terms").await;
    // The service reads Period and UsedTime only for a subscription, whatever they hold.
    let params = restore_with(&shared.backup, &[("PayType", "Postpaid"), ("Period", "Week"), ("UsedTime", "99")]);
    let r = acs3(&app, &shared.partner, "CreateDBCluster", PD, &params).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cluster = r.json["DBClusterId"].as_str().unwrap();
    let answered = described(&app, &shared.partner, cluster).await;
    assert_eq!((answered["PayType"].clone(), answered["ExpireTime"].clone()), (json!("Postpaid"), json!("")));
    assert_eq!(answered["Expired"], "false");
    let charge = charge_of(&app, "partner", cluster).await;
    assert_eq!(
        (charge["subscription_term"].clone(), charge["subscription_ends_at"].clone()),
        (Value::Null, Value::Null)
    );
}

/// The Restore dialog posts its Duration as one `Period:UsedTime` choice; a year is twelve months' price.
#[tokio::test]
async fn the_restore_dialog_buys_the_duration_chosen_and_refuses_one_not_offered() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let form = |term: &str| {
        format!(
            "backup_set_id={backup}&cluster_name=yearly&node_spec=polar.mysql.x4.medium&zone_id=cn-hangzhou-h&pay_type=Prepaid&subscription_term={term}"
        )
    };
    for (term, code) in [
        ("Year%3A4", "InvalidParameter.UsedTime"),
        ("Month", "MissingParameter.UsedTime"),
        ("Decade%3A1", "InvalidParameter.Period"),
    ] {
        let r = app.form(Some(&member), "submit_restore", &form(term)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{term}: {:?}", r.json);
        assert_eq!(r.json["code"], code, "{term}: {:?}", r.json);
    }
    assert_eq!(app.count("select count(*) from cluster where cluster_name = 'yearly'").await, 0);
    let none = app.form(Some(&member), "submit_restore", &form("").replace("&subscription_term=", "")).await;
    assert_eq!(none.json["code"], "MissingParameter.Period", "{:?}", none.json);

    let r = app.form(Some(&member), "submit_restore", &form("Year%3A1")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let cluster = r.json["cluster_id"].as_str().unwrap();
    let charge = charge_of(&app, "member", cluster).await;
    assert_eq!(
        (charge["amount_cents"].clone(), charge["subscription_term"].clone()),
        (json!(12 * 62_000), json!("1 year"))
    );
    assert!(charge["item"].as_str().unwrap().contains("subscription, 1 year"), "{charge:?}");
    let (status, html) = app.get(Some(&member), "/billing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Subscription · 1 year, paid up front"), "{html}");
    assert!(html.contains("Term ends"), "{html}");
}
