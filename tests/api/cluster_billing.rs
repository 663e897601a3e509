//! What a restored cluster costs over time, as a cloud bill charges it (domain::billing): a subscription
//! once, up front, not refunded by the cluster's release; pay-as-you-go by each hour begun from when the
//! cluster runs until it is released.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use time::Duration;

/// The member's restore of a set shared with it, with `pay_type`; the new cluster's id.
async fn restored(app: &TestApp, pay_type: &str, name: &str) -> String {
    let (backup, _) = shared_with(app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let mut request = restore_request(&backup);
    request["request"]["pay_type"] = json!(pay_type);
    if pay_type == "Prepaid" {
        request["request"]["period"] = json!("Month");
        request["request"]["used_time"] = json!("1");
    }
    request["request"]["cluster_name"] = json!(name);
    let r = app.json(Some(&member), "restore_to_new_cluster", request).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    r.json["cluster_id"].as_str().unwrap().to_owned()
}

/// The member's charge for `cluster` on its bill now (signed in afresh: hours pass between calls).
async fn charge_of(app: &TestApp, cluster: &str) -> Value {
    let member = app.sign_in("member").await;
    let bill = app.form(Some(&member), "billing", "page_size=100").await;
    assert_eq!(bill.status, StatusCode::OK, "{:?}", bill.json);
    let items = bill.json["charges"]["items"].as_array().unwrap();
    items
        .iter()
        .find(|c| c["cluster_id"] == json!(cluster))
        .unwrap_or_else(|| panic!("{cluster}: {:?}", bill.json))
        .clone()
}

/// The Billing page's total, as shown.
async fn shown_total(app: &TestApp) -> String {
    let member = app.sign_in("member").await;
    let (status, html) = app.get(Some(&member), "/billing").await;
    assert_eq!(status, StatusCode::OK);
    let at = html.find(r#"data-testid="charges-total""#).unwrap_or_else(|| panic!("no total: {html}"));
    let amount = &html[at..];
    amount[amount.find('>').unwrap() + 1..amount.find('<').unwrap()].to_owned()
}

async fn release(app: &TestApp, cluster: &str) {
    let member = app.sign_in("member").await;
    let r = app.form(Some(&member), "release_cluster", &format!("cluster_id={cluster}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

/// The defect: pay-as-you-go was billed a month's price once, at the order, and went on counting after
/// the cluster's release. Now each hour begun from Running costs the hourly price (¥620 / 730 → ¥0.85),
/// and the amount stops at the release.
#[tokio::test]
async fn pay_as_you_go_is_billed_by_the_hour_from_running_until_release() {
    let app = TestApp::new().await;
    let cluster = restored(&app, "Postpaid", "hourly-copy").await;
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(0), "nothing while it is being created");

    app.clock.advance(app.state.settings.restore_duration + Duration::minutes(5));
    app.tick().await;
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and status = 'Running'")).await,
        1
    );
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(0), "running from this tick's time: no hour yet");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(85), "the first hour begun");
    app.clock.advance(Duration::hours(2) + Duration::minutes(30));
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(3 * 85));
    assert_eq!(shown_total(&app).await, "¥2.55");

    release(&app, &cluster).await;
    app.clock.advance(Duration::days(10));
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(3 * 85), "final from its release");
    assert_eq!(shown_total(&app).await, "¥2.55", "a released cluster no longer adds to the total");
}

/// A subscription is paid at the order for its term (here a month), and its release refunds nothing.
#[tokio::test]
async fn a_subscription_is_charged_once_at_the_order_and_not_refunded_by_release() {
    let app = TestApp::new().await;
    let cluster = restored(&app, "Prepaid", "monthly-copy").await;
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(62_000));
    app.clock.advance(app.state.settings.restore_duration + Duration::minutes(5));
    app.tick().await;
    release(&app, &cluster).await;
    app.clock.advance(Duration::days(45));
    assert_eq!(charge_of(&app, &cluster).await["amount_cents"], json!(62_000));
    assert_eq!(shown_total(&app).await, "¥620.00");
}
