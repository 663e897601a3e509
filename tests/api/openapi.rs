//! The OpenAPI endpoint through the real router: calls signed here (ACS3-HMAC-SHA256 and HMAC-SHA1
//! v1.0, as the SDKs sign them; the signer's vectors are checked against the SDK's own in
//! `server::openapi::signature`), the AccessKeys behind them, and what reaches the console and the
//! audit trail.

use crate::helpers::*;
use axum::body::Body;
use http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use polarshare::server::openapi::signature::{
    acs3_signature, parse_form, percent_encode, rpc_v1_signature, SignedRequest,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use time::Duration;

pub(crate) const RS: &str = "2020-01-10";
pub(crate) const PD: &str = "2017-08-01";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) id: String,
    pub(crate) secret: String,
}

static NONCE: AtomicU32 = AtomicU32::new(0);

pub(crate) fn fresh_nonce() -> String {
    format!("nonce-{}", NONCE.fetch_add(1, Ordering::Relaxed))
}

pub(crate) fn query_string(params: &[(&str, &str)]) -> String {
    params.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// A call signed as the current SDKs sign it, at `date` with `nonce`.
pub(crate) fn acs3_at(
    key: &Key,
    action: &str,
    version: &str,
    params: &[(&str, &str)],
    date: &str,
    nonce: &str,
) -> Request<Body> {
    let raw = query_string(params);
    let mut headers = HeaderMap::new();
    for (k, v) in [
        ("host", "polarshare.test"),
        ("x-acs-action", action),
        ("x-acs-version", version),
        ("x-acs-date", date),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-content-sha256", EMPTY_SHA256),
        ("accept", "application/json"),
    ] {
        headers.insert(k, HeaderValue::from_str(v).unwrap());
    }
    let signed: Vec<String> = [
        "accept",
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ]
    .map(str::to_owned)
    .to_vec();
    let query = parse_form(&raw).unwrap();
    let form = BTreeMap::new();
    let request = SignedRequest { method: "POST", path: "/", headers: &headers, query: &query, form: &form, body: b"" };
    let signature = acs3_signature(&request, &signed, &key.secret);
    let auth =
        format!("ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}", key.id, signed.join(";"));
    let mut builder = Request::post(format!("/?{raw}"));
    for (k, v) in headers.iter() {
        builder = builder.header(k, v);
    }
    builder.header(header::AUTHORIZATION, auth).body(Body::empty()).unwrap()
}

pub(crate) fn now_text(app: &TestApp) -> String {
    app.clock.now().format(&time::format_description::well_known::Rfc3339).unwrap()
}

pub(crate) async fn acs3(app: &TestApp, key: &Key, action: &str, version: &str, params: &[(&str, &str)]) -> Response {
    app.send(acs3_at(key, action, version, params, &now_text(app), &fresh_nonce())).await
}

/// A call signed as `signature_algorithm='v2'` (HMAC-SHA1, signature version 1.0) signs it.
pub(crate) async fn rpc_v1(app: &TestApp, key: &Key, action: &str, version: &str, params: &[(&str, &str)]) -> Response {
    let now = now_text(app);
    let nonce = fresh_nonce();
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.extend([
        ("Action", action),
        ("Version", version),
        ("Format", "json"),
        ("Timestamp", now.as_str()),
        ("SignatureNonce", nonce.as_str()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", key.id.as_str()),
    ]);
    let raw = query_string(&all);
    let (query, form, headers) = (parse_form(&raw).unwrap(), BTreeMap::new(), HeaderMap::new());
    let signature = rpc_v1_signature(
        &SignedRequest { method: "POST", path: "/", headers: &headers, query: &query, form: &form, body: b"" },
        &key.secret,
    );
    app.send(Request::post(format!("/?{raw}&Signature={}", percent_encode(&signature))).body(Body::empty()).unwrap())
        .await
}

pub(crate) async fn create_key(app: &TestApp, cookie: &str, login: &str) -> Key {
    let r = app.form(Some(cookie), "create_access_key", &format!("login_name={}", percent_encode(login))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    Key {
        id: r.json["access_key_id"].as_str().unwrap().to_owned(),
        secret: r.json["access_key_secret"].as_str().unwrap().to_owned(),
    }
}

pub(crate) fn api_code(r: &Response) -> (u16, &str) {
    (r.status.as_u16(), r.json["Code"].as_str().unwrap_or(""))
}

pub(crate) async fn owner_key(app: &TestApp) -> (String, Key) {
    let cookie = app.sign_in("owner").await;
    let key = create_key(app, &cookie, "owner").await;
    (cookie, key)
}

/// The parameters of a restore by API (CreateDBCluster) of the owner's set `backup` of SHAREABLE_CLUSTER.
pub(crate) fn restore_params(backup: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("RegionId", "cn-hangzhou"),
        ("ZoneId", "cn-hangzhou-h"),
        ("DBType", "MySQL"),
        ("DBVersion", "8.0"),
        ("PayType", "Postpaid"),
        ("DBNodeClass", "polar.mysql.x4.medium"),
        ("CreationOption", "CloneFromPolarDB"),
        ("SourceResourceId", SHAREABLE_CLUSTER),
        ("CloneDataPoint", backup),
        ("SourceUid", OWNER),
    ]
}

/// What the restore and leave tests start from: a set of SHAREABLE_CLUSTER the owner shared by API with
/// the partner (outside its directory), and the partner's acceptance of the invitation.
pub(crate) struct AcceptedByPartner {
    pub(crate) partner_cookie: String,
    pub(crate) partner: Key,
    pub(crate) backup: String,
    pub(crate) share_id: String,
}

/// CreateResourceShare by `owner`'s key with `params`, which must succeed: the new share's id.
pub(crate) async fn created_share(app: &TestApp, owner: &Key, params: &[(&str, &str)]) -> String {
    let created = acs3(app, owner, "CreateResourceShare", RS, params).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned()
}

/// A share named `name` the owner made by API of one backup set of orders-prod, with `target` (inside
/// the owner's directory) as its one target: the set and the share's id.
pub(crate) async fn shared_by_api(app: &TestApp, owner: &Key, name: &str, target: &str) -> (String, String) {
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let share_id = created_share(
        app,
        owner,
        &[("ResourceShareName", name), ("Resources.1.ResourceId", &backup), ("Targets.1", target)],
    )
    .await;
    (backup, share_id)
}

/// A share the owner (`owner`'s key) made by API of one backup set of orders-prod, open to external
/// accounts, with PARTNER as its one target: the set and the share's id.
pub(crate) async fn shared_with_partner(app: &TestApp, owner: &Key, name: &str) -> (String, String) {
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let share_id = created_share(
        app,
        owner,
        &[
            ("ResourceShareName", name),
            ("Resources.1.ResourceId", &backup),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    (backup, share_id)
}

pub(crate) async fn shared_with_partner_and_accepted(app: &TestApp, owner: &Key, name: &str) -> AcceptedByPartner {
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(app, &partner_cookie, "partner").await;
    let (backup, share_id) = shared_with_partner(app, owner, name).await;
    let invitations =
        acs3(app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
    let invitation =
        invitations.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
    let accepted =
        acs3(app, &partner, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)]).await;
    assert_eq!(accepted.json["ResourceShareInvitation"]["Status"], "Accepted", "{:?}", accepted.json);
    AcceptedByPartner { partner_cookie, partner, backup, share_id }
}

#[tokio::test]
async fn a_share_created_by_api_is_in_the_console_at_once_and_audited_with_its_key() {
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = acs3(
        &app,
        &key,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "api share"),
            ("Resources.1.ResourceId", &backup),
            ("Resources.1.ResourceType", "PolarDBBackupSet"),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "True"),
        ],
    )
    .await;
    // A space is not allowed in a share name: the domain's rule refuses it, as the console does.
    assert_eq!(api_code(&r), (400, "InvalidParameter.ResourceShareName"), "{:?}", r.json);
    assert!(r.json["RequestId"].as_str().is_some_and(|id| !id.is_empty()));

    let r = acs3(
        &app,
        &key,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "api-share"),
            ("Resources.1.ResourceId", &backup),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = r.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    assert_eq!(r.json["ResourceShare"]["ResourceShareOwner"], OWNER);
    assert_eq!(r.json["ResourceShare"]["AllowExternalTargets"], true);

    let console = app.form(Some(&cookie), "list_my_shares", "").await;
    assert!(
        console.json["items"].as_array().unwrap().iter().any(|s| s["resource_share_id"] == share_id.as_str()),
        "{:?}",
        console.json
    );

    let (channel, identity, outcome): (String, String, String) =
        sqlx::query_as("select channel, identity, outcome from audit_event where action = 'ShareBackupSet' order by audit_event_id desc limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (channel.as_str(), identity.as_str(), outcome.as_str()),
        (format!("api:{}", key.id).as_str(), "owner", "Success")
    );
    let refused: String = sqlx::query_scalar(
        "select outcome from audit_event where action = 'ShareBackupSet' order by audit_event_id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, "InvalidParameter.ResourceShareName");
    let last_used: Option<String> =
        sqlx::query_scalar("select last_used_at from access_key_use where access_key_id = ?")
            .bind(&key.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(last_used.is_some());

    // The same share read back with the other signature version.
    let listed = rpc_v1(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    assert_eq!(listed.json["ResourceShares"][0]["ResourceShareId"], share_id.as_str());
}

#[tokio::test]
async fn an_unsigned_or_badly_signed_call_never_reaches_an_action() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let before = app.sharing_state().await;
    let params = [
        ("ResourceShareName", "sneaky"),
        ("Resources.1.ResourceId", backup.as_str()),
        ("Targets.1", PARTNER),
        ("AllowExternalTargets", "true"),
    ];

    let unsigned = app
        .send(
            Request::post(format!("/?Action=CreateResourceShare&Version={RS}&{}", query_string(&params)))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api_code(&unsigned), (400, "IncompleteSignature"), "{:?}", unsigned.json);

    let wrong = Key { id: key.id.clone(), secret: "x".repeat(30) };
    assert_eq!(api_code(&acs3(&app, &wrong, "CreateResourceShare", RS, &params).await), (400, "SignatureDoesNotMatch"));
    assert_eq!(
        api_code(&rpc_v1(&app, &wrong, "CreateResourceShare", RS, &params).await),
        (400, "SignatureDoesNotMatch")
    );
    let unknown = Key { id: "LTAInothere000000000000".into(), secret: key.secret.clone() };
    assert_eq!(
        api_code(&acs3(&app, &unknown, "CreateResourceShare", RS, &params).await),
        (404, "InvalidAccessKeyId.NotFound")
    );

    let stale =
        (app.clock.now() - Duration::minutes(16)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let r = app.send(acs3_at(&key, "CreateResourceShare", RS, &params, &stale, &fresh_nonce())).await;
    assert_eq!(api_code(&r), (400, "InvalidTimeStamp.Expired"));

    let nonce = fresh_nonce();
    let first =
        app.send(acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now_text(&app), &nonce)).await;
    assert_eq!(first.status, StatusCode::OK);
    let replay =
        app.send(acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now_text(&app), &nonce)).await;
    assert_eq!(api_code(&replay), (400, "SignatureNonceUsed"));

    assert_eq!(api_code(&acs3(&app, &key, "ShareEverything", RS, &[]).await), (404, "InvalidAction.NotFound"));
    assert_eq!(api_code(&acs3(&app, &key, "ListResourceShares", "2019-01-01", &[]).await), (400, "InvalidVersion"));
    assert_eq!(
        api_code(&acs3(&app, &key, "ListResourceShares", RS, &[]).await),
        (400, "MissingParameter.ResourceOwner")
    );
    assert_eq!(app.sharing_state().await, before, "nothing changed");
}

#[tokio::test]
async fn a_disabled_key_is_refused_until_enabled_and_a_deleted_one_is_unknown() {
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    // Used first, so that the server keeps the pair in memory (read_model::SigningKeys): disabling it
    // must end that at once.
    assert_eq!(acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await.status, StatusCode::OK);
    let off = app.form(Some(&cookie), "set_access_key_status", &format!("access_key_id={}&active=false", key.id)).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.json);
    let again =
        app.form(Some(&cookie), "set_access_key_status", &format!("access_key_id={}&active=false", key.id)).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "InvalidParameter.Status"));
    assert_eq!(
        api_code(&acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await),
        (400, "InvalidAccessKeyId.Inactive")
    );
    app.form(Some(&cookie), "set_access_key_status", &format!("access_key_id={}&active=true", key.id)).await;
    assert_eq!(acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await.status, StatusCode::OK);
    let deleted = app.form(Some(&cookie), "delete_access_key", &format!("access_key_id={}", key.id)).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        api_code(&acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await),
        (404, "InvalidAccessKeyId.NotFound")
    );
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_event where action like '%AccessKey' order by audit_event_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        actions,
        ["CreateAccessKey", "UpdateAccessKey", "UpdateAccessKey", "UpdateAccessKey", "DeleteAccessKey"]
    );
}

#[tokio::test]
async fn an_identity_holds_at_most_two_keys_and_the_list_never_shows_a_secret() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let first = create_key(&app, &cookie, "dba@lumen").await;
    create_key(&app, &cookie, "dba@lumen").await;
    let third = app.form(Some(&cookie), "create_access_key", "login_name=dba%40lumen").await;
    assert_eq!((third.status, third.code()), (StatusCode::CONFLICT, "LimitExceeded.User.AccessKey"));
    let unknown = app.form(Some(&cookie), "create_access_key", "login_name=partner").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "EntityNotExists.User"),
        "another account's identity"
    );
    let listed = app.form(Some(&cookie), "list_access_keys", "").await;
    let text = listed.json.to_string();
    assert!(text.contains(&first.id) && !text.contains(&first.secret), "{text}");
    assert_eq!(listed.json.as_array().unwrap().len(), 2);

    // Scripts make keys without a browser; the secret is in the answer only.
    let made = polarshare::server::services::access_keys::create_for_login(&app.state.writer, &app.clock, "member")
        .await
        .unwrap();
    assert!(made.access_key_id.starts_with("LTAI") && made.access_key_secret.len() == 30);
    let channel: String =
        sqlx::query_scalar("select channel from audit_event where account_id = ? and action = 'CreateAccessKey'")
            .bind(MEMBER)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(channel, "cli");
    let nobody = polarshare::server::services::access_keys::create_for_login(&app.state.writer, &app.clock, "operator")
        .await
        .unwrap_err();
    assert_eq!(
        (nobody.status(), nobody.code.as_str()),
        (404, "EntityNotExists.User"),
        "the platform operator has no keys"
    );
}

#[tokio::test]
async fn a_ram_user_calls_with_exactly_its_console_policies() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let developer = create_key(&app, &cookie, "developer@lumen").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let before = app.sharing_state().await;
    let r = acs3(
        &app,
        &developer,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "dev-share"),
            ("Resources.1.ResourceId", &backup),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(api_code(&r), (403, "Forbidden.RAM"), "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before);
    let clusters = rpc_v1(&app, &developer, "DescribeDBClusters", PD, &[("RegionId", "cn-hangzhou")]).await;
    assert_eq!(clusters.status, StatusCode::OK, "PolarDB full access reads clusters: {:?}", clusters.json);
    assert!(clusters.json["Items"]["DBCluster"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["DBClusterId"] == SHAREABLE_CLUSTER));
}

#[tokio::test]
async fn a_ram_user_reads_by_api_only_what_its_console_pages_show() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    // PolarDB full access but no Resource Sharing policy: Shared By Me and Shared With Me are closed to it.
    let developer = create_key(&app, &cookie, "developer@lumen").await;
    let dba = create_key(&app, &cookie, "dba@lumen").await;
    let reads: [(&str, &[(&str, &str)]); 8] = [
        ("ListResourceShares", &[("ResourceOwner", "Self")]),
        ("ListResourceShares", &[("ResourceOwner", "OtherAccounts")]),
        ("ListResourceShareAssociations", &[("AssociationType", "Target")]),
        ("ListResourceShareInvitations", &[]),
        ("ListSharedResources", &[("ResourceOwner", "Self")]),
        ("ListSharedTargets", &[("ResourceOwner", "Self")]),
        ("ListPermissions", &[]),
        ("CheckSharingWithResourceDirectoryStatus", &[]),
    ];
    for (action, params) in reads {
        let refused = acs3(&app, &developer, action, RS, params).await;
        assert_eq!(api_code(&refused), (403, "Forbidden.RAM"), "{action} {params:?}: {:?}", refused.json);
        let read = acs3(&app, &dba, action, RS, params).await;
        assert_eq!(read.status, StatusCode::OK, "{action} {params:?}: {:?}", read.json);
    }

    // Without a PolarDB policy, no backup set is listed, shared either way.
    let made = app.form(Some(&cookie), "create_ram_user", "login_name=nobody@lumen&password=Quiet-Reader-2026").await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let nobody = create_key(&app, &cookie, "nobody@lumen").await;
    for share_type in ["ShareOutgoing", "ShareIncoming"] {
        let params = [("ShareType", share_type), ("RegionId", "cn-hangzhou")];
        let refused = rpc_v1(&app, &nobody, "DescribeSharedBackups", PD, &params).await;
        assert_eq!(api_code(&refused), (403, "Forbidden.RAM"), "{share_type}: {:?}", refused.json);
        let read = rpc_v1(&app, &developer, "DescribeSharedBackups", PD, &params).await;
        assert_eq!(read.status, StatusCode::OK, "{share_type}: {:?}", read.json);
    }
}

#[tokio::test]
async fn a_principal_accepts_and_restores_by_api_with_a_client_token() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let created = rpc_v1(
        &app,
        &owner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "restore-me"),
            ("Resources.1.ResourceId", &backup),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "True"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let share_id = created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();

    let invitations =
        acs3(&app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
    let invitation =
        invitations.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
    let accepted =
        acs3(&app, &partner, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)]).await;
    assert_eq!(accepted.json["ResourceShareInvitation"]["Status"], "Accepted", "{:?}", accepted.json);
    let unknown =
        acs3(&app, &partner, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", "i-nothere00000")])
            .await;
    assert_eq!(api_code(&unknown), (409, "EntityNotExists.ResourceShareInvitation"));

    let incoming = acs3(
        &app,
        &partner,
        "DescribeSharedBackups",
        PD,
        &[("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")],
    )
    .await;
    assert!(
        incoming.json["Items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["BackupId"] == backup.as_str() && b["SharerUID"] == OWNER),
        "{:?}",
        incoming.json
    );

    let restore = [
        ("RegionId", "cn-hangzhou"),
        ("ZoneId", "cn-hangzhou-h"),
        ("DBType", "MySQL"),
        ("DBVersion", "8.0"),
        ("PayType", "Postpaid"),
        ("DBNodeClass", "polar.mysql.x4.medium"),
        ("CreationOption", "CloneFromPolarDB"),
        ("SourceResourceId", SHAREABLE_CLUSTER),
        ("CloneDataPoint", backup.as_str()),
        ("SourceUid", OWNER),
        ("ClientToken", "token-1"),
    ];
    let first = acs3(&app, &partner, "CreateDBCluster", PD, &restore).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);
    let second = rpc_v1(&app, &partner, "CreateDBCluster", PD, &restore).await;
    assert_eq!(second.json["DBClusterId"], first.json["DBClusterId"], "the same ClientToken answers the same cluster");
    assert_eq!(app.count("select count(*) from restore_job").await, 1);
    let wrong_owner: Vec<(&str, &str)> = restore
        .iter()
        .map(|&(k, v)| match k {
            "SourceUid" => (k, PARTNER),
            "ClientToken" => (k, "token-2"),
            _ => (k, v),
        })
        .collect();
    assert_eq!(
        api_code(&acs3(&app, &partner, "CreateDBCluster", PD, &wrong_owner).await),
        (400, "InvalidParameter.SourceUid")
    );
    // RegionId is where the cluster goes: a zone of another region is refused, and naming another
    // region does not skip the checks of SourceUid against the set.
    let other_region: Vec<(&str, &str)> = wrong_owner
        .iter()
        .map(|&(k, v)| match k {
            "RegionId" => (k, "cn-beijing"),
            "ClientToken" => (k, "token-3"),
            _ => (k, v),
        })
        .collect();
    assert_eq!(
        api_code(&acs3(&app, &partner, "CreateDBCluster", PD, &other_region).await),
        (400, "InvalidParameter.ZoneId")
    );
    assert_eq!(app.count("select count(*) from restore_job").await, 1);

    let cluster = first.json["DBClusterId"].as_str().unwrap().to_owned();
    let jobs = app.form(Some(&partner_cookie), "list_restore_jobs", "").await;
    assert!(
        jobs.json["items"].as_array().unwrap().iter().any(|j| j["cluster_id"] == cluster.as_str()),
        "the console shows the API's restore"
    );
    let status = acs3(&app, &partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
    assert_eq!(status.json["DBClusterStatus"], "Creating");
    app.clock.advance(Duration::minutes(5));
    app.tick().await;
    let status = acs3(&app, &partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
    assert_eq!(status.json["DBClusterStatus"], "Running");
}

#[tokio::test]
async fn associating_and_disassociating_targets_goes_through_the_share_rules() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (_, share_id) = shared_by_api(&app, &owner, "directory", MEMBER).await;

    let outside =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", OUTSIDER)])
            .await;
    assert_eq!(api_code(&outside), (409, "InvalidTarget"), "{:?}", outside.json);
    let both_empty = acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(api_code(&both_empty), (400, "ResourceAndTargetBothEmpty"));
    let added =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER)])
            .await;
    assert_eq!(added.json["ResourceShareAssociations"][0]["AssociationStatus"], "Associated", "{:?}", added.json);

    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let leave = acs3(
        &app,
        &member,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(api_code(&leave), (409, "LeavingFailed.Account"));

    let removed = rpc_v1(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER)],
    )
    .await;
    assert_eq!(
        removed.json["ResourceShareAssociations"][0]["AssociationStatus"], "Disassociating",
        "{:?}",
        removed.json
    );
    let twice = rpc_v1(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER)],
    )
    .await;
    assert_eq!(api_code(&twice), (400, "DisassociateInvalid"));
    let targets =
        acs3(&app, &owner, "ListSharedTargets", RS, &[("ResourceOwner", "Self"), ("ResourceShareIds.1", &share_id)])
            .await;
    let ids: Vec<&str> =
        targets.json["SharedTargets"].as_array().unwrap().iter().map(|t| t["TargetId"].as_str().unwrap()).collect();
    assert!(ids.contains(&MEMBER), "{:?}", targets.json);
    let other =
        acs3(&app, &member, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER)])
            .await;
    assert_eq!(api_code(&other), (404, "EntityNotExists.ResourceShare"), "another account's share is not found");
}

/// For the race tests: the owner's AccessKey, a share it made by API of one backup set with PARTNER
/// as its first target, and `accounts` made as external accounts to race over.
async fn share_to_race_on(app: &TestApp, name: &str, accounts: &[String]) -> (Key, String) {
    let (_, owner) = owner_key(app).await;
    let (_, share_id) = shared_with_partner(app, &owner, name).await;
    for id in accounts {
        app.exec(&format!("insert into account (account_id, display_name, site, created_at) values ('{id}', 'p', 'aliyun.com', '2026-01-01T00:00:00Z')")).await;
    }
    (owner, share_id)
}

/// Sends every (action, target) call on the share at once, each from its own task, and checks that each
/// answered 200.
async fn all_answer_ok(
    app: &std::sync::Arc<TestApp>,
    owner: &Key,
    share_id: &str,
    calls: impl Iterator<Item = (&'static str, String)>,
) {
    let calls = calls.map(|(action, target)| {
        let (app, owner, share_id) = (app.clone(), owner.clone(), share_id.to_owned());
        tokio::spawn(async move {
            acs3(&app, &owner, action, RS, &[("ResourceShareId", &share_id), ("Targets.1", &target)]).await
        })
    });
    for answer in futures::future::join_all(calls).await {
        let answer = answer.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.json);
    }
}

/// Each Associate adds its own target: none may undo another's, however they interleave (the share's
/// principals are read inside the write, not before it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_associates_on_one_share_each_add_their_target_and_revoke_none() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let accounts: Vec<String> = (0..24).map(|i| format!("31000000000{i:05}")).collect();
    let (owner, share_id) = share_to_race_on(&app, "raced", &accounts).await;
    let calls = accounts.iter().map(|account| ("AssociateResourceShare", account.clone()));
    all_answer_ok(&app, &owner, &share_id, calls).await;
    let associated: Vec<String> = sqlx::query_scalar(
        "select principal_id from share_principal where resource_share_id = ? and status = 'Associated'",
    )
    .bind(&share_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let missing: Vec<&String> = accounts.iter().filter(|a| !associated.contains(a)).collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert!(associated.iter().any(|p| p == PARTNER), "the share's first target stays");
    assert_eq!(
        app.count(&format!(
            "select count(*) from share_principal where resource_share_id = '{share_id}' and status <> 'Associated'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from invitation where resource_share_id = '{share_id}' and status = 'Cancelled'"
        ))
        .await,
        0
    );
}

/// Associates and Disassociates racing on one share each do their own change and nothing else: no
/// added target is revoked, no removed one comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_associates_and_disassociates_on_one_share_each_change_only_their_own_target() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let leaving: Vec<String> = (0..12).map(|i| format!("32000000000{i:05}")).collect();
    let joining: Vec<String> = (0..12).map(|i| format!("33000000000{i:05}")).collect();
    let everyone: Vec<String> = leaving.iter().chain(&joining).cloned().collect();
    let (owner, share_id) = share_to_race_on(&app, "churn", &everyone).await;
    for id in &leaving {
        let r = acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", id)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    let calls = leaving
        .iter()
        .zip(&joining)
        .flat_map(|(out, into)| [("DisassociateResourceShare", out.clone()), ("AssociateResourceShare", into.clone())]);
    all_answer_ok(&app, &owner, &share_id, calls).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("select principal_id, status from share_principal where resource_share_id = ?")
            .bind(&share_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let status = |id: &str| rows.iter().find(|(p, _)| p == id).map(|(_, s)| s.clone()).unwrap_or_default();
    assert_eq!(status(PARTNER), "Associated");
    assert!(joining.iter().all(|id| status(id) == "Associated"), "{rows:?}");
    assert!(leaving.iter().all(|id| status(id) == "Disassociating"), "{rows:?}");
}

/// Everything a call could write: shares, associations, invitations, audit events and nonces.
pub(crate) async fn everything_written(app: &TestApp) -> (Vec<(String, String, String)>, [i64; 3]) {
    let counts = [
        app.count("select count(*) from resource_share").await,
        app.count("select count(*) from audit_event").await,
        app.count("select count(*) from api_nonce").await,
    ];
    (associations(app).await, counts)
}

/// Create and Associate record their nonce in the share's own group transaction: the same signed
/// request sent twice is refused the second time, as a replay, and writes nothing.
#[tokio::test]
async fn a_replayed_create_or_associate_is_refused_as_a_replay_and_writes_nothing() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let date = now_text(&app);
    let send_twice = |action: &'static str, params: Vec<(&'static str, String)>| {
        let (app, owner, date, nonce) = (&app, owner.clone(), date.clone(), fresh_nonce());
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let first = app.send(acs3_at(&owner, action, RS, &params, &date, &nonce)).await;
            let written = everything_written(app).await;
            let replay = app.send(acs3_at(&owner, action, RS, &params, &date, &nonce)).await;
            assert_eq!(api_code(&replay), (400, "SignatureNonceUsed"), "{action}: {:?}", replay.json);
            assert_eq!(everything_written(app).await, written, "{action}: the replay wrote nothing");
            first
        }
    };
    let created = send_twice(
        "CreateResourceShare",
        vec![
            ("ResourceShareName", "once".into()),
            ("Resources.1.ResourceId", backup.clone()),
            ("Targets.1", MEMBER.into()),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    assert_eq!(app.count("select count(*) from resource_share where resource_share_name = 'once'").await, 1);
    let share_id = created.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    let associated = send_twice(
        "AssociateResourceShare",
        vec![("ResourceShareId", share_id.clone()), ("Targets.1", QA_MEMBER.into())],
    )
    .await;
    assert_eq!(associated.status, StatusCode::OK, "{:?}", associated.json);
    // A call refused by the rules, or before them for a malformed parameter, is refused as a replay
    // the second time too, and leaves one event, not two.
    let refused = send_twice(
        "AssociateResourceShare",
        vec![("ResourceShareId", share_id.clone()), ("Targets.1", OUTSIDER.into())],
    )
    .await;
    assert_eq!(api_code(&refused), (409, "InvalidTarget"), "{:?}", refused.json);
    let malformed = send_twice(
        "AssociateResourceShare",
        vec![("ResourceShareId", share_id.clone()), ("Targets.1", "nobody".into())],
    )
    .await;
    assert_eq!(malformed.status.as_u16(), 400, "{:?}", malformed.json);
    let no_name = send_twice("CreateResourceShare", vec![("Resources.1.ResourceId", backup.clone())]).await;
    assert_eq!(api_code(&no_name), (400, "MissingParameter.ResourceShareName"), "{:?}", no_name.json);
    assert_eq!(app.count("select count(*) from audit_event where outcome = 'InvalidTarget'").await, 1);
    // Every other action's nonce is recorded before it runs, as before.
    let listed = send_twice("ListResourceShares", vec![("ResourceOwner", "Self".into())]).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
}

#[tokio::test]
async fn a_signed_call_passes_the_same_origin_guard_and_an_unsigned_cross_origin_write_does_not() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let mut signed =
        acs3_at(&key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now_text(&app), &fresh_nonce());
    signed.headers_mut().insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
    signed.headers_mut().insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    assert_eq!(app.send(signed).await.status, StatusCode::OK);

    let cross = Request::post("/")
        .header(header::ORIGIN, "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let r = app.send(cross).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "Forbidden.CrossOrigin"), "{:?}", r.json);

    // The console's home page is still the console's.
    let (status, body) = app.get(None, "/").await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert!(!body.contains("\"Code\""), "{body}");
}

#[tokio::test]
async fn lists_page_with_a_next_token_that_stays_inside_the_callers_rows() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backups: Vec<String> = sqlx::query_scalar("select backup_set_id from backup_set where cluster_id = ? and status = 'Success' and lock_state = 'None' and backup_set_id not like 'rp-%' order by backup_set_id limit 3")
        .bind(SHAREABLE_CLUSTER)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for (n, b) in backups.iter().enumerate() {
        let name = format!("paged-{n}");
        let r = acs3(
            &app,
            &key,
            "CreateResourceShare",
            RS,
            &[("ResourceShareName", &name), ("Resources.1.ResourceId", b), ("Targets.1", MEMBER)],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    let first = acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("MaxResults", "2")]).await;
    let token = first.json["NextToken"].as_str().unwrap().to_owned();
    let second = acs3(
        &app,
        &key,
        "ListResourceShares",
        RS,
        &[("ResourceOwner", "Self"), ("MaxResults", "2"), ("NextToken", &token)],
    )
    .await;
    assert_eq!(
        (
            first.json["ResourceShares"].as_array().unwrap().len(),
            second.json["ResourceShares"].as_array().unwrap().len()
        ),
        (2, 1)
    );
    assert!(second.json["NextToken"].is_null());

    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let borrowed =
        acs3(&app, &partner, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("NextToken", &token)]).await;
    assert_eq!(borrowed.status, StatusCode::OK, "{:?}", borrowed.json);
    assert_eq!(
        borrowed.json["ResourceShares"].as_array().unwrap().len(),
        0,
        "another account's token reads the caller's own list only"
    );
    // A token forged to start before every row (a time far ahead, the largest id) still reads only the
    // caller's rows: the owner's three shares are not the partner's.
    let forged: String = "9999-12-31T00:00:00Z\nrs-zzzzzzzz".bytes().map(|b| format!("{b:02x}")).collect();
    let forged = acs3(
        &app,
        &partner,
        "ListResourceShares",
        RS,
        &[("ResourceOwner", "Self"), ("NextToken", &format!("nt1{forged}"))],
    )
    .await;
    assert_eq!(
        (forged.status, forged.json["ResourceShares"].as_array().unwrap().len()),
        (StatusCode::OK, 0),
        "{:?}",
        forged.json
    );
    let everything = acs3(
        &app,
        &key,
        "ListResourceShares",
        RS,
        &[
            ("ResourceOwner", "Self"),
            (
                "NextToken",
                &format!(
                    "nt1{}",
                    "9999-12-31T00:00:00Z\nrs-zzzzzzzz".bytes().map(|b| format!("{b:02x}")).collect::<String>()
                ),
            ),
        ],
    )
    .await;
    assert_eq!(
        everything.json["ResourceShares"].as_array().unwrap().len(),
        3,
        "the same token moves the owner to the start of its own list"
    );
    for bad in ["garbage", "nt-0", "nt1zz"] {
        let bad = acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("NextToken", bad)]).await;
        assert_eq!(api_code(&bad), (400, "InvalidParameter.NextToken"));
    }
    let too_many =
        acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("MaxResults", "101")]).await;
    assert_eq!(api_code(&too_many), (400, "InvalidParameter.MaxResults"));
}

#[tokio::test]
async fn the_owner_deletes_a_backup_set_and_reads_its_backups_and_permissions() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let listed = acs3(
        &app,
        &key,
        "DescribeBackups",
        PD,
        &[("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", "2026-10-01T00:00Z"), ("EndTime", "2026-11-25T00:00Z")],
    )
    .await;
    assert!(
        listed.json["Items"]["Backup"].as_array().unwrap().iter().any(|b| b["BackupId"] == backup.as_str()),
        "{:?}",
        listed.json
    );
    assert_eq!(listed.json["TotalRecordCount"].as_str().is_some(), true, "PolarDB's counts are strings");
    let deleted =
        rpc_v1(&app, &key, "DeleteBackup", PD, &[("DBClusterId", SHAREABLE_CLUSTER), ("BackupId", &backup)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    let gone: Option<String> = sqlx::query_scalar("select deleted_at from backup_set where backup_set_id = ?")
        .bind(&backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(gone.is_some());
    let permissions = acs3(&app, &key, "ListPermissions", RS, &[]).await;
    assert_eq!(permissions.json["Permissions"][0]["PermissionName"], "AliyunRSDefaultPermissionPolarDBBackupSet");
    let status = acs3(&app, &key, "CheckSharingWithResourceDirectoryStatus", RS, &[]).await;
    assert_eq!(status.json["EnableSharingWithRd"], true);
    let attribute: Value =
        acs3(&app, &key, "DescribeDBClusterAttribute", PD, &[("DBClusterId", SHAREABLE_CLUSTER)]).await.json;
    assert_eq!(attribute["DBClusterStatus"], "Running");
}

/// EnableSharingWithResourceDirectory changes the whole directory: Resource Sharing lets only the
/// management account (or a RAM user of it with the permission) call it. A member, or an account in no
/// directory, was answered 200 as if it had enabled it; now it is refused as ActionNotPermitted, the
/// management account finds it AlreadyEnabled (it is on from the directory's creation), every refusal
/// is audited, and nothing changes: the status every member reads stays enabled.
#[tokio::test]
async fn only_the_management_account_may_enable_sharing_with_its_directory_and_finds_it_enabled() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let dba = create_key(&app, &owner_cookie, "dba@lumen").await;
    let developer = create_key(&app, &owner_cookie, "developer@lumen").await;
    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    let directories_before = app.count("select count(*) from resource_directory").await;

    for (who, key, expected) in [
        ("owner", &owner, (409, "AlreadyEnabled")),
        ("dba@lumen", &dba, (409, "AlreadyEnabled")),
        ("developer@lumen", &developer, (403, "Forbidden.RAM")),
        ("member", &member, (409, "ActionNotPermitted")),
        ("outsider", &outsider, (409, "ActionNotPermitted")),
    ] {
        let r = acs3(&app, key, "EnableSharingWithResourceDirectory", RS, &[]).await;
        assert_eq!(api_code(&r), expected, "{who}: {:?}", r.json);
    }
    let outcomes: Vec<(String, String)> = sqlx::query_as(
        "select account_id, outcome from audit_event where action = 'EnableSharingWithResourceDirectory' order by audit_event_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let refused_member = (MEMBER.to_owned(), "ActionNotPermitted".to_owned());
    assert!(outcomes.contains(&refused_member), "{outcomes:?}");
    assert!(outcomes.iter().all(|(_, outcome)| outcome != "Success"), "{outcomes:?}");

    assert_eq!(app.count("select count(*) from resource_directory").await, directories_before);
    let status = acs3(&app, &member, "CheckSharingWithResourceDirectoryStatus", RS, &[]).await;
    assert_eq!((status.status, &status.json["EnableSharingWithRd"]), (StatusCode::OK, &Value::Bool(true)));
    let status = acs3(&app, &outsider, "CheckSharingWithResourceDirectoryStatus", RS, &[]).await;
    assert_eq!((status.status, &status.json["EnableSharingWithRd"]), (StatusCode::OK, &Value::Bool(false)));
}

#[tokio::test]
async fn a_share_is_renamed_by_api_with_the_name_rules_of_creation() {
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let (_, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let other = app.backup_of("pc-2zeanalytics01").await;
    let made = app.share(&cookie, &other, new_share("taken-name", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);

    let taken = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "taken-name")],
    )
    .await;
    assert_eq!(api_code(&taken), (409, "EntityAlreadyExists.ResourceShare"));
    let bad = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", &"n".repeat(51))],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.json);
    let bad_bool = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "x"), ("AllowExternalTargets", "maybe")],
    )
    .await;
    assert_eq!(api_code(&bad_bool), (400, "InvalidParameter.AllowExternalTargets"));
    let renamed = rpc_v1(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "renamed.share")],
    )
    .await;
    assert_eq!(renamed.json["ResourceShare"]["ResourceShareName"], "renamed.share", "{:?}", renamed.json);
    let stored: String =
        sqlx::query_scalar("select resource_share_name from resource_share where resource_share_id = ?")
            .bind(&share_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, "renamed.share");

    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let foreign = acs3(
        &app,
        &partner,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "mine-now")],
    )
    .await;
    assert_eq!(api_code(&foreign), (404, "EntityNotExists.ResourceShare"));
}

/// A call of the owner's signed 14 minutes ahead of the clock, to send again.
struct SignedAhead {
    key: Key,
    date: String,
    nonce: String,
}

impl SignedAhead {
    fn request(&self) -> Request<Body> {
        acs3_at(&self.key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &self.date, &self.nonce)
    }
}

/// A [`SignedAhead`] call, sent once and accepted.
async fn sent_signed_ahead(app: &TestApp) -> SignedAhead {
    let (_, key) = owner_key(app).await;
    let date =
        (app.clock.now() + Duration::minutes(14)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let signed = SignedAhead { key, date, nonce: fresh_nonce() };
    assert_eq!(app.send(signed.request()).await.status, StatusCode::OK);
    signed
}

#[tokio::test]
async fn a_nonce_signed_ahead_of_time_can_not_be_replayed_after_the_skew_window() {
    let app = TestApp::new().await;
    let signed = sent_signed_ahead(&app).await;
    let call = || signed.request();
    app.clock.advance(Duration::minutes(20));
    app.tick().await;
    assert_eq!(
        api_code(&app.send(call()).await),
        (400, "SignatureNonceUsed"),
        "still inside the timestamp window, still remembered"
    );
    // Once the call's timestamp is outside the window, the schedule forgets its nonce.
    app.clock.advance(Duration::minutes(11));
    assert_eq!(app.count("select count(*) from api_nonce").await, 1);
    app.tick().await;
    assert_eq!(app.count("select count(*) from api_nonce").await, 0, "the schedule sweeps nonces past the window");
    assert_eq!(
        api_code(&app.send(call()).await),
        (400, "InvalidTimeStamp.Expired"),
        "and the timestamp check refuses its replay"
    );
}

/// A nonce is forgotten 30 minutes after it is seen; a clock stepped back just after must not let the
/// call it belonged to (signed up to 15 minutes ahead, so still inside the window) through again, nor
/// may a restart forget where the schedule stopped remembering.
#[tokio::test]
async fn a_call_whose_nonce_was_forgotten_is_refused_after_the_clock_steps_back_and_after_a_restart() {
    let app = TestApp::new().await;
    let signed = sent_signed_ahead(&app).await;
    let call = || signed.request();
    app.clock.advance(Duration::minutes(31));
    app.tick().await;
    assert_eq!(app.count("select count(*) from api_nonce").await, 0, "forgotten");
    // Stepped back two minutes: the call's timestamp is 15 minutes from the clock again.
    app.clock.advance(Duration::minutes(-2));
    assert_eq!(
        api_code(&app.send(call()).await),
        (400, "InvalidTimeStamp.Expired"),
        "its nonce may have been forgotten"
    );
    let restarted = app.fork().await;
    assert_eq!(
        api_code(&restarted.send(call()).await),
        (400, "InvalidTimeStamp.Expired"),
        "the cut-off survives a restart"
    );
    // A call signed now is not one whose nonce could have been forgotten.
    let now = restarted.clock.now().format(&time::format_description::well_known::Rfc3339).unwrap();
    let fresh = restarted
        .send(acs3_at(&signed.key, "ListResourceShares", RS, &[("ResourceOwner", "Self")], &now, &fresh_nonce()))
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{:?}", fresh.json);
}

#[tokio::test]
async fn the_home_page_behind_a_proxys_basic_auth_is_still_the_consoles() {
    let app = TestApp::new().await;
    let request = Request::get("/").header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz").body(Body::empty()).unwrap();
    let r = app.send(request).await;
    assert!(r.json.get("Code").is_none(), "{:?}", r.json);
}

fn share_status(r: &Response) -> &str {
    r.json["ResourceShares"][0]["ResourceShareStatus"].as_str().unwrap_or("")
}

async fn share_row_status(app: &TestApp, share_id: &str) -> String {
    sqlx::query_scalar("select status from resource_share where resource_share_id = ?")
        .bind(share_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_a_share_revokes_every_principal_on_the_schedule_and_then_it_is_deleted() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "to-delete"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", MEMBER),
        ],
    )
    .await;
    let quota_before =
        app.count(&format!("select count(*) from shared_backup_set where owner_account_id = '{OWNER}'")).await;

    let deleted = rpc_v1(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    let listed =
        acs3(&app, &owner, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("ResourceShareIds.1", &share_id)])
            .await;
    assert_eq!(share_status(&listed), "Deleting", "{:?}", listed.json);
    // Its principals keep their access until the revocation: its sets count against the quota until then.
    assert_eq!(
        app.count(&format!("select count(*) from shared_backup_set where owner_account_id = '{OWNER}'")).await,
        quota_before,
        "a share being deleted counts until it is Deleted"
    );

    // The member still sees both sets, marked as being revoked, and can't restore from them.
    let member = app.sign_in("member").await;
    for backup in &backups {
        let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(backup)).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.SharingRevoking"), "{:?}", r.json);
    }
    // Nothing more can be done to it, with the real service's code.
    for (action, params) in [
        ("DeleteResourceShare", vec![("ResourceShareId", share_id.as_str())]),
        ("UpdateResourceShare", vec![("ResourceShareId", share_id.as_str()), ("ResourceShareName", "renamed")]),
        ("AssociateResourceShare", vec![("ResourceShareId", share_id.as_str()), ("Targets.1", QA_MEMBER)]),
        ("DisassociateResourceShare", vec![("ResourceShareId", share_id.as_str()), ("Targets.1", MEMBER)]),
    ] {
        let r = acs3(&app, &owner, action, RS, &params).await;
        assert_eq!(api_code(&r), (409, "ResourceShareStatusMismatchAction"), "{action}: {:?}", r.json);
    }
    let (outcome, channel): (String, String) = sqlx::query_as(
        "select outcome, channel from audit_event where action = 'DeleteResourceShare' order by audit_event_id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((outcome.as_str(), channel), ("Success", format!("api:{}", owner.id)));

    app.clock.advance(Duration::minutes(11));
    let tick = app.tick().await;
    assert_eq!(tick.deleted_shares, 1, "{tick:?}");
    assert_eq!(share_row_status(&app, &share_id).await, "Deleted");
    assert_eq!(
        app.count(&format!("select count(*) from shared_backup_set where owner_account_id = '{OWNER}'")).await,
        quota_before - 2,
        "a deleted share counts no more"
    );
    let listed =
        acs3(&app, &owner, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("ResourceShareStatus", "Deleted")])
            .await;
    assert_eq!(
        (share_status(&listed), listed.json["ResourceShares"][0]["ResourceShareId"].as_str()),
        ("Deleted", Some(share_id.as_str()))
    );
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backups[0])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.json);
    app.assert_shared_sets_consistent().await;
}

#[tokio::test]
async fn a_share_nobody_holds_is_deleted_at_once_and_another_accounts_share_is_not_found() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (backup, share_id) = shared_by_api(&app, &owner, "nobody", MEMBER).await;
    // Removed and revoked: the share holds no principal any more.
    acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", MEMBER)]).await;
    app.clock.advance(Duration::minutes(11));
    app.tick().await;

    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let foreign = acs3(&app, &partner, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(api_code(&foreign), (404, "EntityNotExists.ResourceShare"));
    assert_eq!(
        api_code(&acs3(&app, &owner, "DeleteResourceShare", RS, &[]).await),
        (400, "MissingParameter.ResourceShareId")
    );
    assert_eq!(
        api_code(&acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", "rs-nothere1")]).await),
        (404, "EntityNotExists.ResourceShare")
    );

    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    assert_eq!(share_row_status(&app, &share_id).await, "Deleted");
    // Its name is free again.
    let again = acs3(
        &app,
        &owner,
        "CreateResourceShare",
        RS,
        &[("ResourceShareName", "nobody"), ("Resources.1.ResourceId", &backup), ("Targets.1", MEMBER)],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.json);
}

#[tokio::test]
async fn a_share_deleted_while_a_restore_reads_its_set_is_revoked_when_the_restore_ends() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (backup, share_id) = shared_by_api(&app, &owner, "restoring", MEMBER).await;
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);

    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    let queued = app.count(&format!("select count(*) from share_principal where resource_share_id = '{share_id}' and status = 'Disassociating' and revoke_at is null")).await;
    assert_eq!(queued, 1, "the revocation waits for the restore");
    // The restore ends (5 minutes), the revocation starts then and runs its 10 minutes.
    app.clock.advance(Duration::minutes(6));
    let tick = app.tick().await;
    assert_eq!((tick.applied_queued_removals, tick.deleted_shares), (1, 0), "{tick:?}");
    assert_eq!(share_row_status(&app, &share_id).await, "Deleting");
    app.clock.advance(Duration::minutes(11));
    assert_eq!(app.tick().await.deleted_shares, 1);
    assert_eq!(share_row_status(&app, &share_id).await, "Deleted");
}

#[tokio::test]
async fn allow_external_targets_opens_a_share_and_closes_it_only_without_external_principals() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (backup, share_id) = shared_by_api(&app, &owner, "scoped", MEMBER).await;
    let outside =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(api_code(&outside), (409, "InvalidTarget"));

    let opened = acs3(
        &app,
        &owner,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "scoped"), ("AllowExternalTargets", "True")],
    )
    .await;
    assert_eq!(opened.json["ResourceShare"]["AllowExternalTargets"], true, "{:?}", opened.json);
    // The member the directory gave the share keeps it: the directory accepted for it.
    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let sees = acs3(
        &app,
        &member,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou"), ("ResourceIds.1", &backup)],
    )
    .await;
    assert_eq!(sees.json["SharedResources"][0]["ResourceStatus"], "Available", "{:?}", sees.json);
    let invited =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(invited.status, StatusCode::OK, "{:?}", invited.json);

    let closing = rpc_v1(
        &app,
        &owner,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "closed"), ("AllowExternalTargets", "false")],
    )
    .await;
    assert_eq!(api_code(&closing), (409, "OperationNotPermitted"), "{:?}", closing.json);
    let (name, scope): (String, String) =
        sqlx::query_as("select resource_share_name, principal_scope from resource_share where resource_share_id = ?")
            .bind(&share_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), scope.as_str()),
        ("scoped", "AllAccounts"),
        "a refused update changes neither the name nor the scope"
    );

    acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
        .await;
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let closed = rpc_v1(
        &app,
        &owner,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "closed"), ("AllowExternalTargets", "false")],
    )
    .await;
    assert_eq!(closed.json["ResourceShare"]["AllowExternalTargets"], false, "{:?}", closed.json);
    assert_eq!(closed.json["ResourceShare"]["ResourceShareName"], "closed");
}

#[tokio::test]
async fn a_backup_set_taken_out_of_a_share_goes_through_the_revocation() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "sets"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", MEMBER),
        ],
    )
    .await;
    let added = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[2])],
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    assert_eq!(
        app.count(&format!("select count(*) from share_resource where resource_share_id = '{share_id}'")).await,
        3
    );

    let not_in = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", "3299999999")],
    )
    .await;
    assert_eq!(api_code(&not_in), (400, "DisassociateInvalid"), "{:?}", not_in.json);
    let removed = rpc_v1(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[
            ("ResourceShareId", &share_id),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.1.ResourceType", "PolarDBBackupSet"),
        ],
    )
    .await;
    assert_eq!(
        removed.json["ResourceShareAssociations"][0]["AssociationStatus"], "Disassociating",
        "{:?}",
        removed.json
    );
    let twice = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(api_code(&twice), (400, "DisassociateInvalid"));
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backups[0])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.SharingRevoking"), "{:?}", r.json);

    let listed = acs3(
        &app,
        &owner,
        "ListResourceShareAssociations",
        RS,
        &[("AssociationType", "Resource"), ("ResourceShareIds.1", &share_id), ("AssociationStatus", "Disassociating")],
    )
    .await;
    assert_eq!(listed.json["ResourceShareAssociations"].as_array().unwrap().len(), 1, "{:?}", listed.json);
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    assert_eq!(
        app.count(&format!("select count(*) from share_resource where resource_share_id = '{share_id}'")).await,
        2
    );
    app.assert_shared_sets_consistent().await;
}

/// Every association's status, and every invitation's: what a refused call must leave as it was.
async fn associations(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "select resource_share_id, principal_id, status from share_principal
         union all select resource_share_id, backup_set_id, status from share_resource
         union all select resource_share_id, receiver_account_id, status from invitation order by 1, 2, 3",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn disassociating_targets_and_backup_sets_in_one_call_is_all_or_none() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "both"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", MEMBER),
            ("Targets.2", QA_MEMBER),
        ],
    )
    .await;
    let before = associations(&app).await;

    // A set not in the share refuses the call: its target stays too.
    let set_refused = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER), ("Resources.1.ResourceId", &backups[2])],
    )
    .await;
    assert_eq!(api_code(&set_refused), (400, "DisassociateInvalid"), "{:?}", set_refused.json);
    assert_eq!(associations(&app).await, before);
    // A target not associated refuses the call: its set stays too.
    let target_refused = rpc_v1(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", OUTSIDER), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(api_code(&target_refused), (400, "DisassociateInvalid"), "{:?}", target_refused.json);
    assert_eq!(associations(&app).await, before);
    // A set a level conversion holds can't leave: nothing of the call is done.
    app.exec(&format!("update backup_set set lock_state = 'ConvertingLevel' where backup_set_id = '{}'", backups[1]))
        .await;
    let locked = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER), ("Resources.1.ResourceId", &backups[1])],
    )
    .await;
    assert_eq!(api_code(&locked), (409, "OperationDenied.BackupSetLocked"), "{:?}", locked.json);
    assert_eq!(associations(&app).await, before);
    app.exec(&format!("update backup_set set lock_state = 'None' where backup_set_id = '{}'", backups[1])).await;
    assert_eq!(
        app.count(
            "select count(*) from audit_event where action = 'DisassociateResourceShare' and outcome = 'Success'"
        )
        .await,
        0
    );

    let done = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.json);
    let statuses: Vec<(&str, &str)> = done.json["ResourceShareAssociations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["EntityId"].as_str().unwrap(), a["AssociationStatus"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, vec![(QA_MEMBER, "Disassociating"), (backups[0].as_str(), "Disassociating")]);
    let principal: String =
        sqlx::query_scalar("select status from share_principal where resource_share_id = ? and principal_id = ?")
            .bind(&share_id)
            .bind(QA_MEMBER)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let set: String =
        sqlx::query_scalar("select status from share_resource where resource_share_id = ? and backup_set_id = ?")
            .bind(&share_id)
            .bind(&backups[0])
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((principal.as_str(), set.as_str()), ("Disassociating", "Disassociating"));
    assert_eq!(
        app.count(
            "select count(*) from audit_event where action = 'DisassociateResourceShare' and outcome = 'Success'"
        )
        .await,
        1,
        "one event for the call"
    );
}

#[tokio::test]
async fn several_backup_sets_are_shared_in_one_call_all_or_none() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let before = app.sharing_state().await;
    // The third set does not exist: nothing of the call is kept, not even the share.
    let refused = acs3(
        &app,
        &owner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "many"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Resources.3.ResourceId", "3299999999"),
            ("Targets.1", MEMBER),
        ],
    )
    .await;
    assert_eq!(api_code(&refused), (404, "EntityNotExists.BackupSet"), "{:?}", refused.json);
    assert_eq!(app.sharing_state().await, before);
    let six: Vec<(String, String)> =
        (1..=6).map(|n| (format!("Resources.{n}.ResourceId"), format!("32000000{n:02}"))).collect();
    let mut params: Vec<(&str, &str)> = six.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    params.push(("ResourceShareName", "six"));
    assert_eq!(
        api_code(&acs3(&app, &owner, "CreateResourceShare", RS, &params).await),
        (400, "InvalidParameter.Resources.Length")
    );

    let made = acs3(
        &app,
        &owner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "many"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Resources.3.ResourceId", &backups[2]),
            ("Resources.1.ResourceType", "PolarDBBackupSet"),
            ("Resources.2.ResourceType", "PolarDBBackupSet"),
            ("Targets.1", MEMBER),
            ("Targets.2", QA_MEMBER),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let share_id = made.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    assert_eq!(
        app.count(&format!("select count(*) from share_resource where resource_share_id = '{share_id}'")).await,
        3
    );
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'ShareBackupSet' and outcome = 'Success'").await,
        3,
        "one event per set"
    );
    let shared = acs3(
        &app,
        &owner,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "Self"), ("ResourceShareIds.1", &share_id), ("MaxResults", "2")],
    )
    .await;
    assert_eq!(shared.json["SharedResources"].as_array().unwrap().len(), 2, "{:?}", shared.json);
    let token = shared.json["NextToken"].as_str().unwrap().to_owned();
    let rest = acs3(
        &app,
        &owner,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "Self"), ("ResourceShareIds.1", &share_id), ("MaxResults", "2"), ("NextToken", &token)],
    )
    .await;
    assert_eq!(
        (rest.json["SharedResources"].as_array().unwrap().len(), rest.json["NextToken"].is_null()),
        (1, true),
        "{:?}",
        rest.json
    );
    let targets = acs3(
        &app,
        &owner,
        "ListSharedTargets",
        RS,
        &[("ResourceOwner", "Self"), ("ResourceId", &backups[2]), ("MaxResults", "1")],
    )
    .await;
    assert_eq!(targets.json["SharedTargets"].as_array().unwrap().len(), 1, "{:?}", targets.json);
    assert!(targets.json["NextToken"].is_string());
    let associations = rpc_v1(
        &app,
        &owner,
        "ListResourceShareAssociations",
        RS,
        &[("AssociationType", "Target"), ("ResourceShareIds.1", &share_id)],
    )
    .await;
    let entities: Vec<&str> = associations.json["ResourceShareAssociations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["EntityId"].as_str().unwrap())
        .collect();
    assert_eq!(entities.len(), 2, "{:?}", associations.json);
    assert!(entities.contains(&MEMBER) && entities.contains(&QA_MEMBER));
    let outgoing = acs3(
        &app,
        &owner,
        "DescribeSharedBackups",
        PD,
        &[("ShareType", "ShareOutgoing"), ("PageSize", "30"), ("PageNumber", "1")],
    )
    .await;
    assert_eq!(outgoing.json["TotalRecordCount"], "3", "{:?}", outgoing.json);
    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let incoming = acs3(
        &app,
        &member,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou"), ("MaxResults", "1")],
    )
    .await;
    assert_eq!(incoming.json["SharedResources"].as_array().unwrap().len(), 1, "{:?}", incoming.json);
    let token = incoming.json["NextToken"].as_str().unwrap().to_owned();
    let next = acs3(
        &app,
        &member,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou"), ("MaxResults", "1"), ("NextToken", &token)],
    )
    .await;
    assert_eq!(next.json["SharedResources"].as_array().unwrap().len(), 1, "{:?}", next.json);
    assert_ne!(next.json["SharedResources"][0]["ResourceId"], incoming.json["SharedResources"][0]["ResourceId"]);
    app.assert_shared_sets_consistent().await;
}

#[tokio::test]
async fn an_invited_principal_leaves_a_share_and_a_directory_member_can_not() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, share_id, .. } = shared_with_partner_and_accepted(&app, &owner, "leavable").await;
    let theirs = acs3(&app, &partner, "ListResourceShares", RS, &[("ResourceOwner", "OtherAccounts")]).await;
    assert_eq!(theirs.json["ResourceShares"][0]["ResourceShareId"], share_id.as_str(), "{:?}", theirs.json);

    let left = rpc_v1(
        &app,
        &partner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let state: (String, Option<String>) = sqlx::query_as(
        "select status, revoke_at from share_principal where resource_share_id = ? and principal_id = ?",
    )
    .bind(&share_id)
    .bind(PARTNER)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(state.0, "Disassociating");
    assert!(state.1.is_some());
    let again = acs3(
        &app,
        &partner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(api_code(&again), (404, "EntityNotExists.ResourceShare"));
    let theirs = acs3(&app, &partner, "ListResourceShares", RS, &[("ResourceOwner", "OtherAccounts")]).await;
    assert_eq!(theirs.json["ResourceShares"].as_array().unwrap().len(), 0, "{:?}", theirs.json);
    let (outcome, identity): (String, String) = sqlx::query_as(
        "select outcome, identity from audit_event where action = 'LeaveResourceShare' order by audit_event_id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((outcome.as_str(), identity.as_str()), ("Success", "partner"));

    // The owner's own share can't be "left" by its owner.
    let own = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(api_code(&own), (404, "EntityNotExists.ResourceShare"));
}

/// A principal leaving a share is its own departure, not a change of the owner's sharing settings: the
/// owner's level conversion (which reads no principal's access) does not hold it back, as it holds back
/// no resource directory departure. The principal's access then ends through the scheduled revocation,
/// and no restore starts meanwhile.
#[tokio::test]
async fn a_principal_leaves_a_share_while_the_owner_converts_its_set_and_can_not_restore_during_the_window() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner_cookie, partner, backup, share_id } =
        shared_with_partner_and_accepted(&app, &owner, "converting-left").await;
    let converting = app.form(Some(&owner_cookie), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(converting.status, StatusCode::OK, "{:?}", converting.json);

    let left = acs3(
        &app,
        &partner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let (status, revoke_at): (String, Option<String>) = sqlx::query_as(
        "select status, revoke_at from share_principal where resource_share_id = ? and principal_id = ?",
    )
    .bind(&share_id)
    .bind(PARTNER)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), revoke_at.is_some()), ("Disassociating", true));

    let restore = app.json(Some(&partner_cookie), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(restore.refusal(), (409, "OperationDenied.SharingRevoking"), "{:?}", restore.json);
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    let seen = app.form(Some(&partner_cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(seen.json["backups"].as_array().map(Vec::len), Some(0), "{:?}", seen.json);
}

/// Issue 11: what one channel does to a share, the other reads at once (Shared By Me in the console,
/// ListResourceShares in the API), under the same audit action names.
#[tokio::test]
async fn a_share_changed_in_the_console_reads_the_same_by_api_and_the_other_way_round() {
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let mut ids = Vec::new();
    for (name, backup) in ["by-console", "by-api"].iter().zip(&backups) {
        let r = app.share(&cookie, backup, new_share(name, "ResourceDirectory", &[MEMBER])).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        ids.push(r.json["resource_share_id"].as_str().unwrap().to_owned());
    }
    let form = format!("resource_share_id={}&resource_share_name=console-renamed&principal_scope=AllAccounts", ids[0]);
    for (function, body) in
        [("update_resource_share", form), ("delete_resource_share", format!("resource_share_id={}", ids[0]))]
    {
        let r = app.form(Some(&cookie), function, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{function}: {:?}", r.json);
    }
    let listed =
        acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("ResourceShareIds.1", &ids[0])]).await;
    let share = &listed.json["ResourceShares"][0];
    assert_eq!(
        (share["ResourceShareName"].as_str(), share["AllowExternalTargets"].as_bool(), share_status(&listed)),
        (Some("console-renamed"), Some(true), "Deleting"),
        "{:?}",
        listed.json
    );

    let r = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &ids[1]), ("ResourceShareName", "api-renamed")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = acs3(&app, &key, "DeleteResourceShare", RS, &[("ResourceShareId", &ids[1])]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let console = app.form(Some(&cookie), "list_shares_by_me", "").await;
    let shown = console.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["resource_share_id"] == ids[1].as_str())
        .cloned()
        .expect("listed");
    assert_eq!(
        (shown["resource_share_name"].as_str(), shown["status"].as_str()),
        (Some("api-renamed"), Some("Deleting"))
    );

    let channels: Vec<(String, String)> =
        sqlx::query_as("select action, channel from audit_event where action in ('UpdateResourceShare', 'DeleteResourceShare') order by audit_event_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let api = format!("api:{}", key.id);
    let expected = [
        ("UpdateResourceShare", "console"),
        ("DeleteResourceShare", "console"),
        ("UpdateResourceShare", api.as_str()),
        ("DeleteResourceShare", api.as_str()),
    ];
    assert_eq!(channels.iter().map(|(a, c)| (a.as_str(), c.as_str())).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn a_client_token_replays_a_restore_only_to_an_identity_that_may_restore() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner_cookie, partner, backup, .. } =
        shared_with_partner_and_accepted(&app, &owner, "restore-me").await;
    let restore = [
        ("RegionId", "cn-hangzhou"),
        ("ZoneId", "cn-hangzhou-h"),
        ("PayType", "Postpaid"),
        ("DBNodeClass", "polar.mysql.x4.medium"),
        ("CreationOption", "CloneFromPolarDB"),
        ("SourceResourceId", SHAREABLE_CLUSTER),
        ("CloneDataPoint", backup.as_str()),
        ("ClientToken", "token-1"),
    ];
    let first = acs3(&app, &partner, "CreateDBCluster", PD, &restore).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);

    // A RAM user of the same account with no PolarDB policy (and one with read-only access) may not
    // restore: the token already used by the root answers them Forbidden.RAM, not the root's cluster.
    let made =
        app.form(Some(&partner_cookie), "create_ram_user", "login_name=nobody@harbor&password=Quiet-Reader-2026").await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let nobody = create_key(&app, &partner_cookie, "nobody@harbor").await;
    let replayed = acs3(&app, &nobody, "CreateDBCluster", PD, &restore).await;
    assert_eq!(api_code(&replayed), (403, "Forbidden.RAM"), "{:?}", replayed.json);
    let attached = app
        .form(
            Some(&partner_cookie),
            "set_ram_policy",
            "login_name=nobody@harbor&policy=AliyunPolardbReadOnlyAccess&attached=true",
        )
        .await;
    assert_eq!(attached.status, StatusCode::OK, "{:?}", attached.json);
    let replayed = acs3(&app, &nobody, "CreateDBCluster", PD, &restore).await;
    assert_eq!(api_code(&replayed), (403, "Forbidden.RAM"), "{:?}", replayed.json);
    assert_eq!(app.count("select count(*) from restore_job").await, 1);
    assert_eq!(
        app.count(
            "select count(*) from audit_event where action = 'RestoreToNewCluster' and outcome = 'Forbidden.RAM'"
        )
        .await,
        2,
        "both refusals audited"
    );
    // The root's own retry still answers its cluster.
    let again = acs3(&app, &partner, "CreateDBCluster", PD, &restore).await;
    assert_eq!(again.json["DBClusterId"], first.json["DBClusterId"]);
}

/// The partner's key, and the owner's shareable backup set shared with (and accepted by) the partner
/// with 100 newer sets in the same share: the set is no longer on the first page of Shared With Me.
pub(crate) async fn one_set_behind_a_hundred_newer(app: &TestApp) -> (Key, String) {
    let (_, owner) = owner_key(app).await;
    let AcceptedByPartner { partner, backup, share_id, .. } =
        shared_with_partner_and_accepted(app, &owner, "many").await;
    app.exec(&format!(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100)
         insert into backup_set (backup_set_id, cluster_id, account_id, region_id, start_time, end_time, status, size_bytes, backup_mode, level, expires_at)
         select '9' || printf('%09d', i), cluster_id, account_id, region_id, '2026-11-24T23:00:00Z', end_time, status, size_bytes, backup_mode, level, expires_at
         from backup_set, n where backup_set_id = '{backup}';
         insert into share_resource (resource_share_id, backup_set_id, created_at)
         select '{share_id}', backup_set_id, '2026-11-25T08:00:00Z' from backup_set where backup_set_id like '9%' and length(backup_set_id) = 10"
    ))
    .await;
    (partner, backup)
}

#[tokio::test]
async fn a_restore_by_api_checks_source_uid_against_the_set_however_many_sets_are_shared_with_the_caller() {
    let app = TestApp::new().await;
    let (partner, backup) = one_set_behind_a_hundred_newer(&app).await;
    let restore = |uid: &'static str| {
        [
            ("RegionId", "cn-hangzhou"),
            ("ZoneId", "cn-hangzhou-h"),
            ("PayType", "Postpaid"),
            ("DBNodeClass", "polar.mysql.x4.medium"),
            ("CreationOption", "CloneFromPolarDB"),
            ("SourceResourceId", SHAREABLE_CLUSTER),
            ("CloneDataPoint", backup.as_str()),
            ("SourceUid", uid),
        ]
    };
    let wrong = acs3(&app, &partner, "CreateDBCluster", PD, &restore(PARTNER)).await;
    assert_eq!(api_code(&wrong), (400, "InvalidParameter.SourceUid"), "{:?}", wrong.json);
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
    let right = acs3(&app, &partner, "CreateDBCluster", PD, &restore(OWNER)).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.json);
}

/// What a refused restore must not have written: a cluster, a job, a charge, a remembered ClientToken.
pub(crate) async fn restore_writes(app: &TestApp) -> [i64; 4] {
    [
        app.count("select count(*) from cluster").await,
        app.count("select count(*) from restore_job").await,
        app.count("select count(*) from charge").await,
        app.count("select count(*) from api_client_token").await,
    ]
}

#[tokio::test]
async fn a_restore_by_api_naming_another_source_is_refused_in_the_restore_itself_whether_or_not_the_caller_sees_the_set(
) {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let (backup, share_id) = shared_with_partner(&app, &owner, "named-source").await;
    let restore = |cluster: &'static str, uid: &'static str| {
        [
            ("RegionId", "cn-hangzhou"),
            ("ZoneId", "cn-hangzhou-h"),
            ("PayType", "Postpaid"),
            ("DBNodeClass", "polar.mysql.x4.medium"),
            ("CreationOption", "CloneFromPolarDB"),
            ("SourceResourceId", cluster),
            ("CloneDataPoint", backup.as_str()),
            ("SourceUid", uid),
            ("ClientToken", "named-source"),
        ]
    };
    let before = restore_writes(&app).await;
    // Not accepted yet: the set is not the partner's to see, whatever source it names.
    for (cluster, uid) in [(SHAREABLE_CLUSTER, PARTNER), ("pc-notthesource0", OWNER)] {
        let unseen = acs3(&app, &partner, "CreateDBCluster", PD, &restore(cluster, uid)).await;
        assert_eq!(api_code(&unseen), (404, "EntityNotExists.BackupSet"), "{:?}", unseen.json);
    }
    assert_eq!(restore_writes(&app).await, before);

    let invitations =
        acs3(&app, &partner, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
    let invitation =
        invitations.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
    let accepted =
        acs3(&app, &partner, "AcceptResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)]).await;
    assert_eq!(accepted.json["ResourceShareInvitation"]["Status"], "Accepted", "{:?}", accepted.json);
    let wrong_uid = acs3(&app, &partner, "CreateDBCluster", PD, &restore(SHAREABLE_CLUSTER, PARTNER)).await;
    assert_eq!(api_code(&wrong_uid), (400, "InvalidParameter.SourceUid"), "{:?}", wrong_uid.json);
    assert_eq!(wrong_uid.json["Message"], format!("Backup set {backup} is not owned by account {PARTNER}."));
    let wrong_cluster = acs3(&app, &partner, "CreateDBCluster", PD, &restore("pc-notthesource0", OWNER)).await;
    assert_eq!(api_code(&wrong_cluster), (400, "InvalidParameter.SourceResourceId"), "{:?}", wrong_cluster.json);
    assert_eq!(
        wrong_cluster.json["Message"],
        format!("Backup set {backup} is not a backup of cluster pc-notthesource0.")
    );
    assert_eq!(restore_writes(&app).await, before, "a refused restore writes nothing, its ClientToken included");
    // Decided by the restore's own action (the transaction that would write it), so refused there and audited.
    let audited = app.count("select count(*) from audit_event where action = 'RestoreToNewCluster' and outcome in ('InvalidParameter.SourceUid', 'InvalidParameter.SourceResourceId')").await;
    assert_eq!(audited, 2);
    // The token was not spent on the refusals: the right source restores with it.
    let right = acs3(&app, &partner, "CreateDBCluster", PD, &restore(SHAREABLE_CLUSTER, OWNER)).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.json);
}

#[tokio::test]
async fn delete_backup_refuses_a_backup_id_that_is_not_of_the_db_cluster_id_and_changes_nothing() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let before = app.sharing_state().await;
    // Another cluster of the same owner, and a cluster id of nobody: neither holds the backup set.
    for cluster in ["pc-2zeanalytics01", "pc-nothere000001"] {
        let r = rpc_v1(&app, &key, "DeleteBackup", PD, &[("DBClusterId", cluster), ("BackupId", &backup)]).await;
        assert_eq!(api_code(&r), (404, "EntityNotExists.BackupSet"), "DBClusterId {cluster}: {:?}", r.json);
    }
    let gone: Option<String> = sqlx::query_scalar("select deleted_at from backup_set where backup_set_id = ?")
        .bind(&backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(gone, None, "a refused DeleteBackup deleted the set");
    assert_eq!(app.sharing_state().await, before);
}

#[tokio::test]
async fn a_share_can_not_be_deleted_while_a_level_conversion_holds_one_of_its_sets() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let (backup, share_id) = shared_by_api(&app, &owner, "converting", MEMBER).await;
    let converting = app.form(Some(&owner_cookie), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(converting.status, StatusCode::OK, "{:?}", converting.json);
    // Removing the principal is refused while the set converts; deleting the share removes it too.
    let removal =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", MEMBER)])
            .await;
    assert_eq!(api_code(&removal), (409, "OperationDenied.BackupSetLocked"), "{:?}", removal.json);
    let before = app.sharing_state().await;
    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(api_code(&deleted), (409, "OperationDenied.BackupSetLocked"), "{:?}", deleted.json);
    assert_eq!(share_row_status(&app, &share_id).await, "Active");
    assert_eq!(app.sharing_state().await, before, "a refused deletion changed the share");
    // Once the conversion is done, the share is deleted as any other.
    app.clock.advance(Duration::minutes(2));
    app.tick().await;
    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &share_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    assert_eq!(share_row_status(&app, &share_id).await, "Deleting");
}

/// The owner's API share `name` of two sets with the directory member, then the first set taken out
/// (its revocation scheduled, not run); returns the two sets and the share's id.
async fn two_sets_shared_then_first_taken_out(app: &TestApp, owner: &Key, name: &str) -> (Vec<String>, String) {
    let backups = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let share_id = created_share(
        app,
        owner,
        &[
            ("ResourceShareName", name),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", MEMBER),
        ],
    )
    .await;
    let out = acs3(
        app,
        owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.json);
    (backups, share_id)
}

#[tokio::test]
async fn a_backup_set_associated_again_during_its_revocation_stays_shared() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (backups, share_id) = two_sets_shared_then_first_taken_out(&app, &owner, "back-again").await;
    // The owner changes its mind within the revocation window: the call succeeds, so the set is shared.
    let back = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.json);
    let status: String =
        sqlx::query_scalar("select status from share_resource where resource_share_id = ? and backup_set_id = ?")
            .bind(&share_id)
            .bind(&backups[0])
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "Associated", "associated again, the set must leave its revocation");
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let member = app.sign_in("member").await;
    let seen = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    let ids: Vec<&str> =
        seen.json["backups"].as_array().unwrap().iter().filter_map(|b| b["backup_set_id"].as_str()).collect();
    assert!(ids.contains(&backups[0].as_str()), "the set associated again was revoked anyway: {ids:?}");
}

/// "When a backup set is locked, you cannot modify the sharing settings": a set taken out of a share
/// and then locked (here by a level conversion) is not put back during its revocation window, by either
/// route, as a set in no share at all is not shared while it converts.
#[tokio::test]
async fn a_set_taken_out_of_a_share_can_not_be_associated_again_while_a_level_conversion_holds_it() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let (backups, share_id) = two_sets_shared_then_first_taken_out(&app, &owner, "locked-return").await;
    let converting =
        app.form(Some(&owner_cookie), "convert_backup_level", &format!("backup_set_id={}", backups[0])).await;
    assert_eq!(converting.status, StatusCode::OK, "{:?}", converting.json);
    let before = app.sharing_state().await;

    let back = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(api_code(&back), (409, "OperationDenied.BackupSetLocked"), "{:?}", back.json);
    let console = app.share(&owner_cookie, &backups[0], existing_share(&share_id, None)).await;
    assert_eq!(console.refusal(), (409, "OperationDenied.BackupSetLocked"), "{:?}", console.json);
    assert_eq!(app.sharing_state().await, before, "a refused association changed the share");
    // The revocation runs as the owner asked: the member is never shown the set again.
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let status: Option<String> =
        sqlx::query_scalar("select status from share_resource where resource_share_id = ? and backup_set_id = ?")
            .bind(&share_id)
            .bind(&backups[0])
            .fetch_optional(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, None, "the set taken out was put back while it was locked");
}

#[tokio::test]
async fn a_principal_added_while_a_set_is_being_taken_out_is_never_shown_that_set() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "leaving-set"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", MEMBER),
        ],
    )
    .await;
    let out = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.json);
    // A directory member added now (associated at once) gets the share as it is: the set on its way out
    // was never shared with it.
    let added =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", QA_MEMBER)])
            .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    let seen_by = |login: &'static str| {
        let app = &app;
        async move {
            let cookie = app.sign_in(login).await;
            let r = app.form(Some(&cookie), "list_shared_with_me", "region_id=cn-hangzhou").await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
            r.json["backups"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|b| b["backup_set_id"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    let qa = seen_by("qa").await;
    assert!(qa.contains(&backups[1]) && !qa.contains(&backups[0]), "{qa:?}");
    // The member that held it still sees it, being revoked.
    assert!(seen_by("member").await.contains(&backups[0]));
}

/// The backup set ids the console's invitation list shows `login` for `share_id`.
async fn invited_sets(app: &TestApp, cookie: &str, share_id: &str) -> Vec<String> {
    let r = app.form(Some(cookie), "list_invitations", "region_id=cn-hangzhou").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let invitation = r.json["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["resource_share_id"] == share_id)
        .cloned()
        .expect("the share's invitation");
    invitation["resources"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_invitee_is_shown_only_the_backup_sets_it_would_get_on_accepting() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "invited-leaving"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    let out = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[0])],
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.json);
    // Invited now, while the set is on its way out: it would never get it.
    let added =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", OUTSIDER)])
            .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    let outsider = app.sign_in("outsider").await;
    assert_eq!(invited_sets(&app, &outsider, &share_id).await, [backups[1].clone()]);
    // Invited before, but not accepted: accepting now gives no set that is being taken out either.
    let partner = app.sign_in("partner").await;
    assert_eq!(invited_sets(&app, &partner, &share_id).await, [backups[1].clone()]);
    let partner_key = create_key(&app, &partner, "partner").await;
    let listed =
        acs3(&app, &partner_key, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)]).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    assert!(!listed.json.to_string().contains(&backups[0]), "{:?}", listed.json);
    let id = listed.json["ResourceShareInvitations"][0]["ResourceShareInvitationId"].as_str().unwrap().to_owned();
    let accepted = app.form(Some(&partner), "answer_invitation", &format!("invitation_id={id}&accept=true")).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.json);
    assert_eq!(accepted.json["resources"], serde_json::json!([backups[1]]), "the answer names what was accepted");
    let seen = app.form(Some(&partner), "list_shared_with_me", "region_id=cn-hangzhou").await;
    let seen: Vec<&str> =
        seen.json["backups"].as_array().unwrap().iter().map(|b| b["backup_set_id"].as_str().unwrap()).collect();
    assert_eq!(seen, [backups[1].as_str()], "accepted during the set's removal, it never held that set");
    assert_eq!(invited_sets(&app, &partner, &share_id).await, [backups[1].clone()]);

    // A rejected invitation gives nothing: a set the owner adds later is not shown to its receiver.
    let listed = app.form(Some(&outsider), "list_invitations", "region_id=cn-hangzhou").await;
    let id = listed.json["invitations"][0]["invitation_id"].as_str().unwrap().to_owned();
    let rejected = app.form(Some(&outsider), "answer_invitation", &format!("invitation_id={id}&accept=false")).await;
    assert_eq!(rejected.json["resources"], serde_json::json!([]), "{:?}", rejected.json);
    let more = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &backups[2])],
    )
    .await;
    assert_eq!(more.status, StatusCode::OK, "{:?}", more.json);
    assert_eq!(invited_sets(&app, &outsider, &share_id).await, Vec::<String>::new());
    // The partner, accepted, holds the set added since.
    let mut held = invited_sets(&app, &partner, &share_id).await;
    held.sort();
    let mut expected = vec![backups[1].clone(), backups[2].clone()];
    expected.sort();
    assert_eq!(held, expected);
}

#[tokio::test]
async fn opening_a_share_to_external_accounts_keeps_the_revocation_window_of_a_member_being_removed() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let removed =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", MEMBER)])
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    let member = app.sign_in("member").await;
    let listed = |r: &Response| {
        r.json["backups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["backup_set_id"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let before = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert!(listed(&before).contains(&backup), "{:?}", before.json);
    let opened = acs3(
        &app,
        &owner,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "partnership"), ("AllowExternalTargets", "true")],
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.json);
    // The member still has the rest of its window, the set marked as being revoked; then it is gone.
    let during = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert!(
        listed(&during).contains(&backup),
        "opening the share cut the member's revocation window short: {:?}",
        during.json
    );
    let restore = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(restore.refusal().1, "OperationDenied.SharingRevoking", "{:?}", restore.json);
    app.clock.advance(Duration::minutes(11));
    app.tick().await;
    let after = app.form(Some(&member), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert!(!listed(&after).contains(&backup), "{:?}", after.json);
}

#[tokio::test]
async fn associating_a_target_is_checked_against_the_64_principals_of_every_set_in_the_share() {
    let app = TestApp::new().await;
    let (cookie, owner) = owner_key(&app).await;
    let accounts = app.add_accounts("31000000000", 64).await;
    let backups = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    // The second set already has 63 principals through another share.
    let wide: Vec<&str> = accounts[..63].iter().map(String::as_str).collect();
    let r = app.share(&cookie, &backups[1], new_share("wide", "AllAccounts", &wide)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let share_id = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "narrow"),
            ("Resources.1.ResourceId", &backups[0]),
            ("Resources.2.ResourceId", &backups[1]),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    let before = app.sharing_state().await;
    let r = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", &accounts[63])],
    )
    .await;
    assert_eq!(api_code(&r), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before);
}

#[tokio::test]
async fn associating_a_folder_counts_every_account_it_reaches_toward_the_64() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    // Analytics reaches 64 accounts: its member and 63 more.
    app.add_members("31000000000", 63, ANALYTICS_FOLDER).await;
    let (backup, share_id) = shared_with_partner(&app, &owner, "partner").await;
    let before = app.sharing_state().await;
    let r = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", ANALYTICS_FOLDER)],
    )
    .await;
    assert_eq!(api_code(&r), (409, "QuotaExceeded.SharedTarget.Count"), "{:?}", r.json);
    assert!(
        r.json["Message"].as_str().unwrap_or_default().contains("would be shared with 65 accounts"),
        "{:?}",
        r.json
    );
    assert_eq!(app.sharing_state().await, before);
    assert_eq!(app.accounts_reached(&backup).await, 1);
}

#[tokio::test]
async fn a_principal_can_not_re_share_a_received_set_by_api_alone_or_beside_its_own() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let received = app.backup_of(SHAREABLE_CLUSTER).await;
    let shared = acs3(
        &app,
        &owner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "to-partner"),
            ("Resources.1.ResourceId", &received),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    app.exec("update invitation set status = 'Accepted'").await;
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let own = app.backup_of("pc-bp1harbor00001").await;
    let mine = acs3(
        &app,
        &partner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "partner-own"),
            ("Resources.1.ResourceId", &own),
            ("Targets.1", OUTSIDER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.json);
    let my_share = mine.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    let before = app.sharing_state().await;
    let alone = acs3(
        &app,
        &partner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "again"),
            ("Resources.1.ResourceId", &received),
            ("Targets.1", OUTSIDER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(api_code(&alone), (403, "OperationDenied.SecondarySharing"), "{:?}", alone.json);
    let beside = rpc_v1(
        &app,
        &partner,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "beside"),
            ("Resources.1.ResourceId", &own),
            ("Resources.2.ResourceId", &received),
            ("Targets.1", QA_MEMBER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(api_code(&beside), (403, "OperationDenied.SecondarySharing"), "{:?}", beside.json);
    let into_own = acs3(
        &app,
        &partner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &my_share), ("Resources.1.ResourceId", &received)],
    )
    .await;
    assert_eq!(api_code(&into_own), (403, "OperationDenied.SecondarySharing"), "{:?}", into_own.json);
    assert_eq!(app.sharing_state().await, before, "a refused re-share changed something");
}

#[tokio::test]
async fn every_set_that_can_not_be_shared_is_refused_by_api_create_and_associate_and_changes_nothing() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let good = app.backup_of(SHAREABLE_CLUSTER).await;
    let share_id = created_share(
        &app,
        &owner,
        &[("ResourceShareName", "good"), ("Resources.1.ResourceId", &good), ("Targets.1", MEMBER)],
    )
    .await;
    let one = |sql: &str| {
        let sql = sql.to_owned();
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, String>(&sql).fetch_one(&pool).await.expect(&sql) }
    };
    let cluster_set = |c: &str| {
        format!("select backup_set_id from backup_set where cluster_id = '{c}' and status = 'Success' and backup_set_id not like 'rp-%' limit 1")
    };
    let cases = [
        (one(&cluster_set("pc-bp1limitless01")).await, "OperationDenied.ClusterEdition"),
        (one(&cluster_set("pc-bp1payments3az")).await, "OperationDenied.ClusterHaMode"),
        (one(&cluster_set("pc-bp1crmtde0001")).await, "OperationDenied.TDEEnabled"),
        (one(&cluster_set("pc-bp1hrdiskenc01")).await, "OperationDenied.DiskEncryptionEnabled"),
        (one(&cluster_set("pc-bp1legacy00001")).await, "OperationDenied.ClusterInRecycleBin"),
        (one(&format!("select backup_set_id from backup_set where account_id = '{OWNER}' and backup_set_id like 'rp-%' limit 1")).await, "OperationDenied.CrossRegionBackupSet"),
        (one(&format!("select backup_set_id from backup_set where cluster_id = '{SHAREABLE_CLUSTER}' and status = 'Failed' limit 1")).await, "OperationDenied.BackupSetNotActive"),
        (one(&format!("select backup_set_id from backup_set where cluster_id = '{SHAREABLE_CLUSTER}' and status = 'Success' and expires_at <= '2026-11-25T08:00:00Z' limit 1")).await, "OperationDenied.BackupSetExpired"),
    ];
    let before = app.sharing_state().await;
    for (i, (set, code)) in cases.iter().enumerate() {
        let name = format!("cannot-{i}");
        let create = acs3(
            &app,
            &owner,
            "CreateResourceShare",
            RS,
            &[("ResourceShareName", &name), ("Resources.1.ResourceId", set), ("Targets.1", MEMBER)],
        )
        .await;
        assert_eq!(api_code(&create).1, *code, "Create {set}: {:?}", create.json);
        let beside = rpc_v1(
            &app,
            &owner,
            "CreateResourceShare",
            RS,
            &[
                ("ResourceShareName", &name),
                ("Resources.1.ResourceId", &good),
                ("Resources.2.ResourceId", set),
                ("Targets.1", MEMBER),
            ],
        )
        .await;
        assert_eq!(api_code(&beside).1, *code, "Create beside a good set {set}: {:?}", beside.json);
        let associate = acs3(
            &app,
            &owner,
            "AssociateResourceShare",
            RS,
            &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", set)],
        )
        .await;
        assert_eq!(api_code(&associate).1, *code, "Associate {set}: {:?}", associate.json);
        assert!(api_code(&associate).0 >= 400 && api_code(&associate).0 < 500);
        assert_eq!(app.sharing_state().await, before, "a refused share of {set} changed something");
    }
}

#[tokio::test]
async fn describe_shared_backups_finds_the_backup_id_asked_for_whatever_page_of_shared_with_me_it_is_on() {
    let app = TestApp::new().await;
    let (partner, backup) = one_set_behind_a_hundred_newer(&app).await;
    let found = acs3(
        &app,
        &partner,
        "DescribeSharedBackups",
        PD,
        &[("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou"), ("BackupId", &backup)],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.json);
    let items = found.json["Items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the set asked for was not found: {:?}", found.json);
    assert_eq!(items[0]["BackupId"], backup.as_str());
    assert_eq!(found.json["TotalRecordCount"], "1");
    // The same through Resource Sharing: the set is listed when asked for by id.
    let listed = acs3(
        &app,
        &partner,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou"), ("ResourceIds.1", &backup)],
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    let resources = listed.json["SharedResources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "the set asked for was not listed: {:?}", listed.json);
    assert_eq!(resources[0]["ResourceId"], backup.as_str());
}

#[tokio::test]
async fn hostile_parameters_of_a_restore_by_api_are_refused_with_a_code_and_charge_nothing() {
    let app = TestApp::new().await;
    let (partner, backup) = one_set_behind_a_hundred_newer(&app).await;
    let valid = [
        ("RegionId", "cn-hangzhou"),
        ("ZoneId", "cn-hangzhou-h"),
        ("PayType", "Postpaid"),
        ("DBNodeClass", "polar.mysql.x4.medium"),
        ("CreationOption", "CloneFromPolarDB"),
        ("SourceResourceId", SHAREABLE_CLUSTER),
        ("CloneDataPoint", backup.as_str()),
        ("SourceUid", OWNER),
        ("DBClusterDescription", "restored"),
        ("ClientToken", "hostile-base"),
    ];
    let mut calls = 0;
    for (i, (name, _)) in valid.iter().enumerate() {
        for value in crate::hostile::hostile_strings() {
            let mut with: Vec<(&str, &str)> = valid.to_vec();
            with[i] = (name, value.as_str());
            let before = restore_state(&app).await;
            let r = if calls % 2 == 0 {
                acs3(&app, &partner, "CreateDBCluster", PD, &with).await
            } else {
                rpc_v1(&app, &partner, "CreateDBCluster", PD, &with).await
            };
            calls += 1;
            let shown: String = value.chars().take(20).collect();
            assert_ne!(r.status.as_u16(), 500, "{name}={shown:?}: {:?}", r.json);
            if r.status.as_u16() >= 400 {
                assert!(r.json["Code"].as_str().is_some_and(|c| !c.is_empty()), "{name}={shown:?}: {:?}", r.json);
                assert_eq!(
                    restore_state(&app).await,
                    before,
                    "{name}={shown:?} was refused but restored, charged or remembered something"
                );
            } else {
                // A value the API accepts (an absent optional one, a token of any printable ASCII): the
                // restore runs; it is let finish so that the next call is not refused for it.
                app.clock.advance(Duration::hours(1));
                app.tick().await;
            }
        }
    }
    assert!(calls > 100, "{calls} calls");
}

async fn restore_state(app: &TestApp) -> [i64; 3] {
    [
        app.count("select count(*) from restore_job").await,
        app.count("select count(*) from charge").await,
        app.count("select count(*) from api_client_token").await,
    ]
}

#[tokio::test]
async fn an_account_without_the_beta_can_not_share_by_api_either() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("nobeta").await;
    let key = create_key(&app, &cookie, "nobeta").await;
    let backup = app.backup_of("pc-bp1nomad000001").await;
    let before = app.sharing_state().await;
    let r = acs3(
        &app,
        &key,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "first"),
            ("Resources.1.ResourceId", &backup),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(api_code(&r), (403, "OperationDenied.SharedBackupNotEnabled"), "{:?}", r.json);
    assert_eq!(app.sharing_state().await, before);
    assert_eq!(app.count("select count(*) from audit_event where action = 'ShareBackupSet' and outcome = 'OperationDenied.SharedBackupNotEnabled'").await, 1);
}

#[tokio::test]
async fn an_account_without_the_beta_can_not_share_by_any_other_path_nor_through_a_ram_user_with_both_policies() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let (_, owners_share) = shared_with_partner(&app, &owner, "lumens").await;
    let cookie = app.sign_in("nobeta").await;
    let key = create_key(&app, &cookie, "nobeta").await;
    let backup = app.backup_of("pc-bp1nomad000001").await;
    let before = app.sharing_state().await;
    // Every change to shares is refused for the beta before the share it names is looked up.
    let attempts: [(&str, Vec<(&str, &str)>); 4] = [
        ("AssociateResourceShare", vec![("ResourceShareId", &owners_share), ("Resources.1.ResourceId", &backup)]),
        ("AssociateResourceShare", vec![("ResourceShareId", &owners_share), ("Targets.1", OUTSIDER)]),
        ("UpdateResourceShare", vec![("ResourceShareId", &owners_share), ("ResourceShareName", "mine-now")]),
        ("DeleteResourceShare", vec![("ResourceShareId", &owners_share)]),
    ];
    for (action, params) in &attempts {
        let r = acs3(&app, &key, action, RS, params).await;
        assert_eq!(api_code(&r), (403, "OperationDenied.SharedBackupNotEnabled"), "{action}: {:?}", r.json);
    }
    // A RAM user of the account holding both full-access policies is refused the same way in the console.
    let made = app.form(Some(&cookie), "create_ram_user", "login_name=both@nomad&password=Secret-Pass-1").await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    for policy in ["AliyunPolardbFullAccess", "AliyunResourceCenterFullAccess"] {
        let attached = app
            .form(Some(&cookie), "set_ram_policy", &format!("login_name=both@nomad&policy={policy}&attached=true"))
            .await;
        assert_eq!(attached.status, StatusCode::OK, "{:?}", attached.json);
    }
    let signed_in = app.form(None, "sign_in", "login=both@nomad&password=Secret-Pass-1").await;
    let ram = signed_in.set_cookie.expect("session cookie").split(';').next().unwrap().to_owned();
    let shared = app
        .share(
            &ram,
            &backup,
            serde_json::json!({"New": {"name": "by-ram", "scope": "AllAccounts", "principals": [PARTNER]}}),
        )
        .await;
    assert_eq!(shared.refusal(), (403, "OperationDenied.SharedBackupNotEnabled"), "{:?}", shared.json);
    assert_eq!(app.sharing_state().await, before, "nothing changed");
}

#[tokio::test]
async fn an_identity_that_may_not_take_an_action_is_refused_as_such_before_its_parameters_are_judged() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let made = app.form(Some(&cookie), "create_ram_user", "login_name=nobody@lumen&password=Quiet-Reader-2026").await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let nobody = create_key(&app, &cookie, "nobody@lumen").await;
    let auditor = create_key(&app, &cookie, "auditor@lumen").await;
    let developer = create_key(&app, &cookie, "developer@lumen").await;
    // Resource Sharing's full access alone: the other half of what sharing takes, and no PolarDB policy.
    let made = app.form(Some(&cookie), "create_ram_user", "login_name=sharer@lumen&password=Quiet-Writer-2026").await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let attached = app
        .form(
            Some(&cookie),
            "set_ram_policy",
            "login_name=sharer@lumen&policy=AliyunResourceCenterFullAccess&attached=true",
        )
        .await;
    assert_eq!(attached.status, StatusCode::OK, "{:?}", attached.json);
    let sharer = create_key(&app, &cookie, "sharer@lumen").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let long_name = "x".repeat(60);
    // Each call is wrong in some way (missing, malformed or mismatched parameters, an unknown set or
    // share): the caller may not take the action at all, so that is all it is told.
    let calls: Vec<(&Key, &str, &str, Vec<(&str, &str)>, bool)> = vec![
        (&nobody, "DescribeDBClusters", PD, vec![], false),
        (&nobody, "DescribeDBClusterAttribute", PD, vec![], false),
        (&nobody, "DescribeBackups", PD, vec![("PageNumber", "0")], false),
        (&nobody, "DescribeSharedBackups", PD, vec![("ShareType", "Sideways")], false),
        (&auditor, "DeleteBackup", PD, vec![("DBClusterId", SHAREABLE_CLUSTER), ("BackupId", "1,2")], true),
        (&auditor, "CreateDBCluster", PD, vec![("CreationOption", "Normal")], true),
        (
            &auditor,
            "CreateDBCluster",
            PD,
            vec![
                ("CreationOption", "CloneFromPolarDB"),
                ("RegionId", "cn-hangzhou"),
                ("ZoneId", "cn-beijing-k"),
                ("CloneDataPoint", &backup),
                ("SourceResourceId", SHAREABLE_CLUSTER),
                ("DBNodeClass", "polar.mysql.x4.medium"),
                ("PayType", "Postpaid"),
            ],
            true,
        ),
        (&sharer, "DescribeSharedBackups", PD, vec![("ShareType", "Sideways")], false),
        (&sharer, "DeleteBackup", PD, vec![("DBClusterId", SHAREABLE_CLUSTER), ("BackupId", "1,2")], true),
        (
            &sharer,
            "CreateDBCluster",
            PD,
            vec![("CreationOption", "CloneFromPolarDB"), ("CloneDataPoint", &backup)],
            true,
        ),
        (&sharer, "CreateResourceShare", RS, vec![], true),
        (&sharer, "UpdateResourceShare", RS, vec![("ResourceShareName", long_name.as_str())], true),
        (&sharer, "DeleteResourceShare", RS, vec![], true),
        (&sharer, "AssociateResourceShare", RS, vec![("ResourceShareId", "rs-nothere1")], true),
        (&sharer, "DisassociateResourceShare", RS, vec![("ResourceShareId", "rs-nothere1")], true),
        (&developer, "CreateResourceShare", RS, vec![], true),
        (&developer, "UpdateResourceShare", RS, vec![("ResourceShareName", long_name.as_str())], true),
        (&developer, "DeleteResourceShare", RS, vec![], true),
        (&developer, "AssociateResourceShare", RS, vec![("ResourceShareId", "rs-nothere1")], true),
        (
            &developer,
            "DisassociateResourceShare",
            RS,
            vec![("ResourceShareId", "rs-nothere1"), ("ResourceOwner", "Nobody")],
            true,
        ),
        (
            &developer,
            "DisassociateResourceShare",
            RS,
            vec![("ResourceShareId", "rs-nothere1"), ("ResourceOwner", "OtherAccounts")],
            true,
        ),
        (&developer, "AcceptResourceShareInvitation", RS, vec![], true),
        (&developer, "RejectResourceShareInvitation", RS, vec![("ResourceShareInvitationId", "not an id")], true),
    ];
    let before = app.sharing_state().await;
    let audited = "select count(*) from audit_event where outcome = 'Forbidden.RAM'";
    let events_before = app.count(audited).await;
    let mut writes = 0;
    for (key, action, version, params, write) in &calls {
        let r = if *version == PD {
            rpc_v1(&app, key, action, version, params).await
        } else {
            acs3(&app, key, action, version, params).await
        };
        assert_eq!(api_code(&r), (403, "Forbidden.RAM"), "{action} {params:?}: {:?}", r.json);
        writes += usize::from(*write);
    }
    assert_eq!(app.sharing_state().await, before);
    assert_eq!(app.count(audited).await - events_before, writes as i64, "every refused change is audited");
}

#[tokio::test]
async fn a_ram_users_access_key_loses_at_once_what_a_detached_policy_or_its_deletion_takes_away() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let dba = create_key(&app, &cookie, "dba@lumen").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let share = |name: &'static str| {
        [
            ("ResourceShareName", name),
            ("Resources.1.ResourceId", backup.as_str()),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ]
    };
    // Used first, so that the server keeps the pair and its policies in memory (read_model::SigningKeys).
    let listed = acs3(&app, &dba, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    let before = app.sharing_state().await;
    let detached = app
        .form(Some(&cookie), "set_ram_policy", "login_name=dba%40lumen&policy=AliyunPolardbFullAccess&attached=false")
        .await;
    assert_eq!(detached.status, StatusCode::OK, "{:?}", detached.json);
    let refused = acs3(&app, &dba, "CreateResourceShare", RS, &share("after-detach")).await;
    assert_eq!(api_code(&refused), (403, "Forbidden.RAM"), "{:?}", refused.json);
    assert_eq!(app.sharing_state().await, before);
    // Attached again, the key shares; deleted, the user's key is gone with it.
    app.form(Some(&cookie), "set_ram_policy", "login_name=dba%40lumen&policy=AliyunPolardbFullAccess&attached=true")
        .await;
    let shared = acs3(&app, &dba, "CreateResourceShare", RS, &share("attached-again")).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    let deleted = app.form(Some(&cookie), "delete_ram_user", "login_name=dba%40lumen").await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    let after = app.sharing_state().await;
    let gone = acs3(&app, &dba, "CreateResourceShare", RS, &share("after-delete")).await;
    assert_eq!(api_code(&gone), (404, "InvalidAccessKeyId.NotFound"), "{:?}", gone.json);
    assert_eq!(app.sharing_state().await, after);
    assert_eq!(app.count(&format!("select count(*) from access_key where access_key_id = '{}'", dba.id)).await, 0);
}

/// A pair is managed only by the root of its own account: another account's root acting on it by id is
/// told it does not exist, a RAM user (even one that may share) can't list, make, disable or delete any
/// pair, its own or its root's; each refusal changes nothing and the pair still signs.
#[tokio::test]
async fn only_the_root_of_its_own_account_manages_a_pair_whatever_id_is_named() {
    let app = TestApp::new().await;
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let keys_before: Vec<(String, String)> =
        sqlx::query_as("select access_key_id, status from access_key order by 1").fetch_all(&app.pool).await.unwrap();

    for (name, body) in [
        ("set_access_key_status", format!("access_key_id={}&active=false", partner.id)),
        ("set_access_key_status", format!("access_key_id={}&active=true", partner.id)),
        ("delete_access_key", format!("access_key_id={}", partner.id)),
    ] {
        let r = app.form(Some(&owner_cookie), name, &body).await;
        assert_eq!(r.refusal(), (404, "EntityNotExist.User.AccessKey"), "{name} {body}: {:?}", r.json);
    }
    let dba = app.sign_in("dba@lumen").await;
    for (name, body) in [
        ("list_access_keys", String::new()),
        ("create_access_key", "login_name=dba%40lumen".to_owned()),
        ("create_access_key", "login_name=owner".to_owned()),
        ("set_access_key_status", format!("access_key_id={}&active=false", owner.id)),
        ("delete_access_key", format!("access_key_id={}", owner.id)),
        ("delete_access_key", format!("access_key_id={}", partner.id)),
    ] {
        let r = app.form(Some(&dba), name, &body).await;
        assert_eq!(r.refusal(), (403, "Forbidden.AccessKey"), "{name} {body}: {:?}", r.json);
    }

    let keys_after: Vec<(String, String)> =
        sqlx::query_as("select access_key_id, status from access_key order by 1").fetch_all(&app.pool).await.unwrap();
    assert_eq!(keys_after, keys_before, "nothing changed");
    for key in [&partner, &owner] {
        assert_eq!(
            acs3(&app, key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await.status,
            StatusCode::OK
        );
    }
    let in_partners_trail = app.count(&format!("select count(*) from audit_event where account_id = '{PARTNER}' and action like '%AccessKey' and outcome <> 'Success'")).await;
    assert_eq!(in_partners_trail, 0, "another account's attempts are in its own trail, not the key owner's");
    let refused = app.count(&format!("select count(*) from audit_event where account_id = '{OWNER}' and action like '%AccessKey' and outcome <> 'Success'")).await;
    assert_eq!(refused, 8, "every refused change is audited in the caller's account");
}

/// DescribeBackups reads the Data Backups tab's pages, which are kept in memory by cluster and page: a
/// BackupId or a PageSize must shape the answer before it is paged, not filter one kept page of 30.
#[tokio::test]
async fn describe_backups_finds_the_backup_id_asked_for_on_any_page_and_pages_by_the_size_asked_for() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let oldest = app.backup_of(SHAREABLE_CLUSTER).await;
    // 40 newer sets put every demo set of the cluster past the first page.
    app.exec(&format!(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 40)
         insert into backup_set (backup_set_id, cluster_id, account_id, region_id, start_time, end_time, status, size_bytes,
                                 method, backup_mode, level, expires_at, lock_state)
         select 5000000000 + i, '{SHAREABLE_CLUSTER}', '{OWNER}', 'cn-hangzhou', '2026-11-25T07:' || printf('%02d', i) || ':00Z',
                '2026-11-25T07:' || printf('%02d', i) || ':30Z', 'Success', 1000, 'Snapshot', 'Automated', 'Level-1',
                '2026-12-25T00:00:00Z', 'None' from n"
    ))
    .await;
    let total = app
        .count(&format!(
            "select count(*) from backup_set where cluster_id = '{SHAREABLE_CLUSTER}' and deleted_at is null"
        ))
        .await;
    let base =
        [("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", "2026-10-01T00:00Z"), ("EndTime", "2026-11-26T00:00Z")];
    let ids = |r: &Response| -> Vec<String> {
        r.json["Items"]["Backup"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|b| b["BackupId"].as_str().unwrap().to_owned())
            .collect()
    };
    // The first page is read (and kept) before the set is asked for by id.
    assert_eq!(ids(&acs3(&app, &key, "DescribeBackups", PD, &base).await).len(), 30);
    let one = acs3(&app, &key, "DescribeBackups", PD, &[base[0], base[1], base[2], ("BackupId", &oldest)]).await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.json);
    assert_eq!(ids(&one), [oldest.clone()], "{:?}", one.json);
    assert_eq!((one.json["TotalRecordCount"].as_str(), one.json["PageRecordCount"].as_str()), (Some("1"), Some("1")));
    // Another account's set, or one of another cluster of the owner's, is not found in this cluster.
    let other_cluster: String = sqlx::query_scalar(&format!("select backup_set_id from backup_set where account_id = '{OWNER}' and cluster_id <> '{SHAREABLE_CLUSTER}' limit 1"))
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let partners: String =
        sqlx::query_scalar(&format!("select backup_set_id from backup_set where account_id = '{PARTNER}' limit 1"))
            .fetch_one(&app.pool)
            .await
            .unwrap();
    for id in [&other_cluster, &partners, &"9999999999".to_owned()] {
        let r = acs3(&app, &key, "DescribeBackups", PD, &[base[0], base[1], base[2], ("BackupId", id)]).await;
        assert_eq!(
            (r.status, ids(&r).len(), r.json["TotalRecordCount"].as_str()),
            (StatusCode::OK, 0, Some("0")),
            "{id}: {:?}",
            r.json
        );
    }

    let fifty = acs3(&app, &key, "DescribeBackups", PD, &[base[0], base[1], base[2], ("PageSize", "50")]).await;
    assert_eq!(ids(&fifty).len(), 50, "{:?}", fifty.json["PageRecordCount"]);
    assert_eq!(fifty.json["TotalRecordCount"].as_str(), Some(total.to_string().as_str()));
    let second =
        acs3(&app, &key, "DescribeBackups", PD, &[base[0], base[1], base[2], ("PageSize", "50"), ("PageNumber", "2")])
            .await;
    assert_eq!(ids(&second).len() as i64, total - 50, "{:?}", second.json);
    assert!(ids(&second).iter().all(|id| !ids(&fifty).contains(id)), "the second page of 50 follows the first");
}

/// Every read of the API, by another account's key: none of its answers names what the owner holds and
/// did not share with that account (the owner's other sets, clusters, shares, principals, keys).
#[tokio::test]
async fn another_accounts_key_reads_nothing_of_the_owner_but_what_was_shared_with_it() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 3).await;
    for (set, name, target, external) in
        [(&sets[0], "offered-to-partner", PARTNER, "true"), (&sets[1], "inside-the-directory", MEMBER, "false")]
    {
        let r = acs3(
            &app,
            &owner,
            "CreateResourceShare",
            RS,
            &[
                ("ResourceShareName", name),
                ("Resources.1.ResourceId", set),
                ("Targets.1", target),
                ("AllowExternalTargets", external),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    let internal_id: String = sqlx::query_scalar(
        "select resource_share_id from resource_share where resource_share_name = 'inside-the-directory'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let dba = create_key(&app, &owner_cookie, "dba@lumen").await;
    let mut secret: Vec<String> = vec![
        sets[1].clone(),
        sets[2].clone(),
        internal_id,
        "inside-the-directory".into(),
        "dba@lumen".into(),
        dba.id,
        owner.id.clone(),
        MEMBER.into(),
        OWNER_DIRECTORY.into(),
    ];
    secret.extend(
        sqlx::query_scalar::<_, String>(&format!("select cluster_id from cluster where account_id = '{OWNER}'"))
            .fetch_all(&app.pool)
            .await
            .unwrap(),
    );

    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    let invitations = acs3(&app, &partner, "ListResourceShareInvitations", RS, &[]).await;
    assert!(invitations.json.to_string().contains("offered-to-partner"), "{:?}", invitations.json);
    let reads: Vec<(&str, &str, Vec<(&str, &str)>)> = vec![
        ("ListResourceShares", RS, vec![("ResourceOwner", "Self")]),
        ("ListResourceShares", RS, vec![("ResourceOwner", "OtherAccounts")]),
        ("ListResourceShareAssociations", RS, vec![("AssociationType", "Resource")]),
        ("ListResourceShareAssociations", RS, vec![("AssociationType", "Target")]),
        ("ListResourceShareInvitations", RS, vec![]),
        ("ListSharedResources", RS, vec![("ResourceOwner", "Self")]),
        ("ListSharedResources", RS, vec![("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")]),
        ("ListSharedTargets", RS, vec![("ResourceOwner", "Self")]),
        ("CheckSharingWithResourceDirectoryStatus", RS, vec![]),
        ("DescribeDBClusters", PD, vec![("RegionId", "cn-hangzhou")]),
        ("DescribeSharedBackups", PD, vec![("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")]),
        ("DescribeSharedBackups", PD, vec![("ShareType", "ShareOutgoing"), ("RegionId", "cn-hangzhou")]),
        (
            "DescribeBackups",
            PD,
            vec![
                ("DBClusterId", SHAREABLE_CLUSTER),
                ("StartTime", "2026-10-01T00:00Z"),
                ("EndTime", "2026-11-26T00:00Z"),
            ],
        ),
        (
            "DescribeBackups",
            PD,
            vec![
                ("DBClusterId", SHAREABLE_CLUSTER),
                ("BackupId", &sets[2]),
                ("StartTime", "2026-10-01T00:00Z"),
                ("EndTime", "2026-11-26T00:00Z"),
            ],
        ),
        ("DescribeDBClusterAttribute", PD, vec![("DBClusterId", SHAREABLE_CLUSTER)]),
    ];
    for (action, version, params) in &reads {
        let r = acs3(&app, &partner, action, version, params).await;
        assert!(r.status.is_success() || r.status == StatusCode::NOT_FOUND, "{action}: {:?}", r.json);
        let text = r.json.to_string();
        for s in &secret {
            // The id asked for is echoed in a 404's sentence; nothing else of the owner's may be.
            if text.contains(s.as_str()) && !(r.status == StatusCode::NOT_FOUND && params.iter().any(|(_, v)| v == s)) {
                panic!("{action} {params:?} answered the partner {s:?}: {text}");
            }
        }
    }
}

/// `polarshare access-key create` runs as another process on the same database file: the server's
/// answers kept in memory never hear of its commit, and need not, since a pair not found is never kept
/// (read_model::SigningKeys). A key made there signs the very next call, and one the console then
/// disables is refused at once.
#[tokio::test]
async fn a_key_made_by_the_command_line_in_another_process_signs_at_once_and_stops_when_disabled() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    // Read once, so the owner's session and the cluster's page are kept in memory.
    assert_eq!(
        app.form(Some(&cookie), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await.status,
        StatusCode::OK
    );
    let other = polarshare::server::db::connect(app.database_path().to_str().unwrap()).await.unwrap();
    let made =
        polarshare::server::services::access_keys::create_for_login(&other.writer, &app.clock, "owner").await.unwrap();
    other.writer.close().await;
    other.pool.close().await;
    let key = Key { id: made.access_key_id.clone(), secret: made.access_key_secret };
    let listed = acs3(
        &app,
        &key,
        "DescribeBackups",
        PD,
        &[("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", "2026-10-01T00:00Z"), ("EndTime", "2026-11-26T00:00Z")],
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    let off = app.form(Some(&cookie), "set_access_key_status", &format!("access_key_id={}&active=false", key.id)).await;
    assert_eq!(off.status, StatusCode::OK, "the console sees the other process's key: {:?}", off.json);
    assert_eq!(
        api_code(&acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await),
        (400, "InvalidAccessKeyId.Inactive")
    );
}

/// By API too: once a principal's access ended (it rejected the invitation, or it accepted, was removed
/// and its revocation ran), what the owner adds to the share for others reaches none of its reads.
#[tokio::test]
async fn a_former_principals_key_reads_nothing_the_owner_shares_after_its_access_ended() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, share_id, .. } =
        shared_with_partner_and_accepted(&app, &owner, "grown-later").await;
    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    let associated =
        acs3(&app, &owner, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", OUTSIDER)])
            .await;
    assert_eq!(associated.status, StatusCode::OK, "{:?}", associated.json);
    let invitation = acs3(&app, &outsider, "ListResourceShareInvitations", RS, &[("ResourceShareIds.1", &share_id)])
        .await
        .json["ResourceShareInvitations"][0]["ResourceShareInvitationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let rejected =
        acs3(&app, &outsider, "RejectResourceShareInvitation", RS, &[("ResourceShareInvitationId", &invitation)]).await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.json);
    let removed = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", PARTNER), ("Targets.2", OUTSIDER)],
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    app.clock.advance(Duration::minutes(11));
    app.tick().await;

    let later = app.backups_of(SHAREABLE_CLUSTER, 3).await.pop().unwrap();
    let grown = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Resources.1.ResourceId", &later), ("Targets.1", QA_MEMBER)],
    )
    .await;
    assert_eq!(grown.status, StatusCode::OK, "{:?}", grown.json);
    for (who, key) in [("partner", &partner), ("outsider", &outsider)] {
        for (action, version, params) in [
            ("ListResourceShares", RS, vec![("ResourceOwner", "OtherAccounts")]),
            ("ListResourceShareInvitations", RS, vec![]),
            ("ListSharedResources", RS, vec![("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")]),
            ("DescribeSharedBackups", PD, vec![("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")]),
        ] {
            let r = acs3(&app, key, action, version, &params).await;
            assert_eq!(r.status, StatusCode::OK, "{who} {action}: {:?}", r.json);
            let text = r.json.to_string();
            assert!(
                !text.contains(&later) && !text.contains(QA_MEMBER),
                "{who} read what was shared after through {action}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_kept_pair_outlives_commits_of_other_tables_and_ends_with_a_commit_of_its_own() {
    use polarshare::server::db::read_model::Tables;
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let list = || async { acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await.status };
    // The key's creation is a commit of its tables, which moves their count again at the writer's next
    // commit (it may not have been visible at the first move): a first call's nonce commits after it.
    assert_eq!(list().await, StatusCode::OK);
    let keys = &app.state.writer.signing_keys;
    let kept = keys.get(&app.pool, &key.id).await.unwrap().unwrap();
    assert_eq!(kept.identity.policies, None, "the root has no policies");
    // Changed past the writer (and so past what it tells the cache): not seen while nothing it reads is
    // committed by the writer, which is what lets signed calls, each committing a nonce, share it.
    sqlx::query("insert into identity_policy (identity_id, policy_name) values (?, 'AliyunPolardbReadOnlyAccess')")
        .bind(kept.identity.identity_id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(list().await, StatusCode::OK, "a nonce committed");
    assert_eq!(
        keys.get(&app.pool, &key.id).await.unwrap().unwrap().identity.policies,
        None,
        "kept across the nonce's commit"
    );
    // A commit of the writer that changes a table the pair is read from, even by a trigger or a
    // foreign key's cascade, ends it: SQLite reports every row changed.
    let mut tx = app.state.writer.begin_unaudited().await.unwrap();
    sqlx::query("update account set display_name = display_name where account_id = ?")
        .bind(OWNER)
        .execute(&mut *tx)
        .await
        .unwrap();
    app.state.writer.commit(tx).await.unwrap();
    let reloaded = keys.get(&app.pool, &key.id).await.unwrap().unwrap();
    assert_eq!(
        reloaded.identity.policies.as_deref(),
        Some("AliyunPolardbReadOnlyAccess"),
        "loaded again after the account's commit"
    );

    // Every table of a group is one whose changes SQLite's update hook reports (a rowid table).
    for group in [Tables::Credentials, Tables::ResourceShares] {
        for table in group.tables() {
            let sql: String = sqlx::query_scalar("select sql from sqlite_master where type = 'table' and name = ?")
                .bind(table)
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert!(
                !sql.to_lowercase().contains("without rowid"),
                "{table} is WITHOUT ROWID: its changes would not be seen"
            );
        }
    }
}

#[tokio::test]
async fn a_kept_page_of_list_resource_shares_shows_a_share_made_or_renamed_by_the_console_at_once() {
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let list = || async { acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await };
    let before = list().await;
    assert_eq!(before.status, StatusCode::OK, "{:?}", before.json);
    assert_eq!(list().await.json["ResourceShares"], before.json["ResourceShares"], "the same page again");
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let made = acs3(
        &app,
        &key,
        "CreateResourceShare",
        RS,
        &[
            ("ResourceShareName", "kept-page"),
            ("Resources.1.ResourceId", &backup),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.json);
    let share_id = made.json["ResourceShare"]["ResourceShareId"].as_str().unwrap().to_owned();
    let after = list().await;
    assert_eq!(after.json["ResourceShares"][0]["ResourceShareId"], share_id.as_str(), "{:?}", after.json);
    let renamed = app
        .form(
            Some(&cookie),
            "update_resource_share",
            &format!("resource_share_id={share_id}&resource_share_name=renamed-page&principal_scope=AllAccounts"),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.json);
    assert_eq!(list().await.json["ResourceShares"][0]["ResourceShareName"], "renamed-page");
    let updated = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "updated-page")],
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.json);
    assert_eq!(list().await.json["ResourceShares"][0]["ResourceShareName"], "updated-page");
}

/// An owner's page of ListResourceShares is kept by account: what a caller may read is checked before
/// the kept page is looked at, so the account's RAM user without the Resource Sharing policy is
/// refused though the root's page is in memory, and another account asking the same page gets its own.
#[tokio::test]
async fn a_kept_page_of_list_resource_shares_is_given_to_no_one_who_may_not_read_it() {
    let app = TestApp::new().await;
    let (cookie, owner) = owner_key(&app).await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(
        app.share(&cookie, &backup, new_share("kept-for-the-owner", "AllAccounts", &[PARTNER])).await.status,
        StatusCode::OK
    );
    let developer = create_key(&app, &cookie, "developer@lumen").await;
    let partner = create_key(&app, &app.sign_in("partner").await, "partner").await;
    let own = [("ResourceOwner", "Self")];
    let first = acs3(&app, &owner, "ListResourceShares", RS, &own).await;
    assert_eq!(first.json["ResourceShares"][0]["ResourceShareName"], "kept-for-the-owner", "{:?}", first.json);
    // Kept now: another call of the owner's gets the same page without a commit of its shares.
    assert_eq!(
        acs3(&app, &owner, "ListResourceShares", RS, &own).await.json["ResourceShares"],
        first.json["ResourceShares"]
    );
    let refused = acs3(&app, &developer, "ListResourceShares", RS, &own).await;
    assert_eq!(api_code(&refused), (403, "Forbidden.RAM"), "{:?}", refused.json);
    let others = acs3(&app, &partner, "ListResourceShares", RS, &own).await;
    assert_eq!(others.status, StatusCode::OK, "{:?}", others.json);
    assert_eq!(others.json["ResourceShares"], serde_json::json!([]), "the partner owns no share");
}

#[tokio::test]
async fn a_kept_pair_ends_when_its_account_leaves_the_directory_by_a_delete_without_where() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    assert_eq!(acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await.status, StatusCode::OK);
    let keys = &app.state.writer.signing_keys;
    assert!(
        keys.get(&app.pool, &key.id).await.unwrap().unwrap().identity.directory_id.is_some(),
        "the owner is in a directory"
    );
    // SQLite's truncate optimisation deletes every row of a table without reporting them to the update
    // hook, unless the table has a delete trigger or a foreign key (as child or parent) that the
    // connection enforces: both tables are foreign keys' children, so their deletes are reported.
    for table in ["rd_member", "identity_policy"] {
        let mut tx = app.state.writer.begin_unaudited().await.unwrap();
        sqlx::query(&format!("delete from {table}")).execute(&mut *tx).await.unwrap();
        app.state.writer.commit(tx).await.unwrap();
    }
    assert_eq!(
        keys.get(&app.pool, &key.id).await.unwrap().unwrap().identity.directory_id,
        None,
        "loaded again after rd_member's commit"
    );
}

/// DescribeBackups' StartTime and EndTime, required as in the real API: the sets started in that range
/// (both ends included), counted and paged after the range, a BackupId outside it not found, and a
/// missing, malformed or backward range refused with its code.
#[tokio::test]
async fn describe_backups_lists_only_the_sets_started_between_start_time_and_end_time() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    app.exec(&format!(
        "insert into backup_set (backup_set_id, cluster_id, account_id, region_id, start_time, end_time, status, size_bytes,
                                 method, backup_mode, level, expires_at, lock_state)
         select 6000000000 + value, '{SHAREABLE_CLUSTER}', '{OWNER}', 'cn-hangzhou', '2030-01-0' || value || 'T10:00:00Z',
                '2030-01-0' || value || 'T10:30:00Z', 'Success', 1000, 'Snapshot', 'Automated', 'Level-1', '2031-01-01T00:00:00Z', 'None'
         from json_each('[1, 2, 3]')"
    ))
    .await;
    let ids = |r: &Response| -> Vec<String> {
        r.json["Items"]["Backup"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|b| b["BackupId"].as_str().unwrap().to_owned())
            .collect()
    };
    let call = |from: &'static str, to: &'static str, more: Option<(&'static str, &'static str)>| {
        let app = &app;
        let key = &key;
        async move {
            let mut params = vec![("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", from), ("EndTime", to)];
            params.extend(more);
            acs3(app, key, "DescribeBackups", PD, &params).await
        }
    };
    // A wide range first, so its page is kept: the narrow one must not be answered from it.
    let all = call("2030-01-01T00:00Z", "2030-01-04T00:00Z", None).await;
    assert_eq!(
        (all.status, ids(&all)),
        (StatusCode::OK, vec!["6000000003".to_owned(), "6000000002".to_owned(), "6000000001".to_owned()]),
        "{:?}",
        all.json
    );
    let two = call("2030-01-02T10:00Z", "2030-01-03T10:00Z", None).await;
    assert_eq!(ids(&two), ["6000000003", "6000000002"], "both ends included: {:?}", two.json);
    assert_eq!((two.json["TotalRecordCount"].as_str(), two.json["PageRecordCount"].as_str()), (Some("2"), Some("2")));
    let later = call("2030-01-02T10:01Z", "2030-01-03T09:59Z", None).await;
    assert_eq!((ids(&later).len(), later.json["TotalRecordCount"].as_str()), (0, Some("0")), "{:?}", later.json);
    let by_id = call("2030-01-02T00:00Z", "2030-01-04T00:00Z", Some(("BackupId", "6000000001"))).await;
    assert_eq!(
        (by_id.status, ids(&by_id).len(), by_id.json["TotalRecordCount"].as_str()),
        (StatusCode::OK, 0, Some("0")),
        "a set started before StartTime"
    );
    let by_id = call("2030-01-01T00:00Z", "2030-01-04T00:00Z", Some(("BackupId", "6000000001"))).await;
    assert_eq!(ids(&by_id), ["6000000001"]);

    for (from, to, code) in [
        ("2030-01-01", "2030-01-04T00:00Z", "InvalidParameter.StartTime"),
        ("2030-01-01T00:00:00Z", "2030-01-04T00:00Z", "InvalidParameter.StartTime"),
        ("2030-13-01T00:00Z", "2030-01-04T00:00Z", "InvalidParameter.StartTime"),
        ("2030-01-01T00:00Z", "2030-01-04T24:00Z", "InvalidParameter.EndTime"),
        ("2030-01-01T00:00Z", "1767225600", "InvalidParameter.EndTime"),
        ("2030-01-04T00:00Z", "2030-01-01T00:00Z", "InvalidParameter.EndTime"),
        ("2030-01-04T00:00Z", "2030-01-04T00:00Z", "InvalidParameter.EndTime"),
    ] {
        let r = call(from, to, None).await;
        assert_eq!(
            (r.status, r.json["Code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{from} {to}: {:?}",
            r.json
        );
        assert!(
            r.json["Message"].as_str().is_some_and(|m| m.contains(&code["InvalidParameter.".len()..])),
            "{:?}",
            r.json
        );
    }
    for missing in ["StartTime", "EndTime"] {
        let params: Vec<(&str, &str)> =
            [("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", "2030-01-01T00:00Z"), ("EndTime", "2030-01-04T00:00Z")]
                .into_iter()
                .filter(|(n, _)| *n != missing)
                .collect();
        let r = acs3(&app, &key, "DescribeBackups", PD, &params).await;
        assert_eq!(
            (r.status, r.json["Code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(format!("MissingParameter.{missing}").as_str())),
            "{:?}",
            r.json
        );
    }
}

#[tokio::test]
async fn a_share_holding_a_set_being_restored_from_is_not_opened_to_other_accounts_until_the_restore_ends() {
    // "When a backup set is locked (during a restoration from it, or its conversion to level-2), you
    // cannot modify the sharing settings": UpdateResourceShare's AllowExternalTargets is one of them.
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let (backup, share_id) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    let restored = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.json);
    let scope = || async {
        sqlx::query_scalar::<_, String>("select principal_scope from resource_share where resource_share_id = ?")
            .bind(&share_id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };

    let open = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "partnership"), ("AllowExternalTargets", "true")],
    )
    .await;
    assert_eq!(api_code(&open), (409, "OperationDenied.BackupSetLocked"), "{:?}", open.json);
    assert_eq!(scope().await, "ResourceDirectory", "nothing changed");
    // A rename alone changes no one's access and is not a setting of the set: it stands.
    let renamed = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "renamed")],
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.json);

    // Once the restore has finished, the share opens.
    app.clock.advance(Duration::hours(1));
    app.tick().await;
    let open = acs3(
        &app,
        &key,
        "UpdateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("ResourceShareName", "renamed"), ("AllowExternalTargets", "true")],
    )
    .await;
    assert_eq!(open.status, StatusCode::OK, "{:?}", open.json);
    assert_eq!(scope().await, "AllAccounts");
}

#[tokio::test]
async fn external_says_whether_a_target_is_an_account_outside_the_owners_resource_directory() {
    // Resource Sharing's `External`: an account outside the owner's resource directory. A share open to
    // every account holds members of the directory too, and they are not external.
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let (_, share_id) = shared_with_partner(&app, &key, "mixed").await;
    let added =
        acs3(&app, &key, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", MEMBER)]).await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    let answered: Vec<(String, bool)> = added.json["ResourceShareAssociations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["EntityId"].as_str().unwrap().to_owned(), a["External"].as_bool().unwrap()))
        .collect();
    assert_eq!(answered, vec![(MEMBER.to_owned(), false)], "{:?}", added.json);

    let external_of = |json: &Value, list: &str, id: &str| -> Vec<(String, bool)> {
        json[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t[id].as_str().unwrap().to_owned(), t["External"].as_bool().unwrap()))
            .collect()
    };
    let targets =
        acs3(&app, &key, "ListSharedTargets", RS, &[("ResourceOwner", "Self"), ("ResourceShareIds.1", &share_id)])
            .await;
    let mut seen = external_of(&targets.json, "SharedTargets", "TargetId");
    seen.sort();
    let mut expected = vec![(MEMBER.to_owned(), false), (PARTNER.to_owned(), true)];
    expected.sort();
    assert_eq!(seen, expected, "{:?}", targets.json);
    let associations = acs3(
        &app,
        &key,
        "ListResourceShareAssociations",
        RS,
        &[("AssociationType", "Target"), ("ResourceShareIds.1", &share_id)],
    )
    .await;
    let mut seen = external_of(&associations.json, "ResourceShareAssociations", "EntityId");
    seen.sort();
    assert_eq!(seen, expected, "{:?}", associations.json);

    // The partner leaves by removal: still external in the answer.
    let removed =
        acs3(&app, &key, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    assert_eq!(external_of(&removed.json, "ResourceShareAssociations", "EntityId"), vec![(PARTNER.to_owned(), true)]);
}

#[tokio::test]
async fn the_owners_shared_resources_are_narrowed_to_the_shares_of_a_target() {
    // ListSharedResources with ResourceOwner=Self: `Target` is a principal, and only the sets of the
    // owner's shares that have it are listed.
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let (with_member, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let other = app.backup_of("pc-2zeanalytics01").await;
    let r = app.share(&cookie, &other, new_share("for-partner", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let listed = |json: &Value| -> Vec<String> {
        json["SharedResources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ResourceId"].as_str().unwrap().to_owned())
            .collect()
    };

    let all = acs3(&app, &key, "ListSharedResources", RS, &[("ResourceOwner", "Self")]).await;
    assert!(listed(&all.json).contains(&with_member) && listed(&all.json).contains(&other), "{:?}", all.json);
    let member = acs3(&app, &key, "ListSharedResources", RS, &[("ResourceOwner", "Self"), ("Target", MEMBER)]).await;
    assert_eq!(listed(&member.json), vec![with_member.clone()], "{:?}", member.json);
    let partner = acs3(&app, &key, "ListSharedResources", RS, &[("ResourceOwner", "Self"), ("Target", PARTNER)]).await;
    assert_eq!(listed(&partner.json), vec![other.clone()], "{:?}", partner.json);
    let nobody =
        acs3(&app, &key, "ListSharedResources", RS, &[("ResourceOwner", "Self"), ("Target", "1999999999999999")]).await;
    assert_eq!(listed(&nobody.json), Vec::<String>::new(), "{:?}", nobody.json);
    let bad =
        acs3(&app, &key, "ListSharedResources", RS, &[("ResourceOwner", "Self"), ("Target", "x' or 1=1 --")]).await;
    assert_eq!(api_code(&bad), (400, "InvalidParameter.Target"), "{:?}", bad.json);
}

#[tokio::test]
async fn a_removed_principals_key_reads_the_set_as_unavailable_and_can_not_restore_it_during_the_window_and_reads_nothing_of_it_after(
) {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, backup, share_id, .. } =
        shared_with_partner_and_accepted(&app, &owner, "ending").await;
    let removed =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    let incoming = [("ShareType", "ShareIncoming"), ("RegionId", "cn-hangzhou")];
    let resources = [("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")];

    // During the window: listed, as unavailable, and not restored from.
    let described = acs3(&app, &partner, "DescribeSharedBackups", PD, &incoming).await;
    assert_eq!(described.json["Items"][0]["BackupId"].as_str(), Some(backup.as_str()), "{:?}", described.json);
    let listed = acs3(&app, &partner, "ListSharedResources", RS, &resources).await;
    assert_eq!(listed.json["SharedResources"][0]["ResourceStatus"], "Unavailable", "{:?}", listed.json);
    let restore = acs3(&app, &partner, "CreateDBCluster", PD, &restore_params(&backup)).await;
    assert_eq!(api_code(&restore), (409, "OperationDenied.SharingRevoking"), "{:?}", restore.json);

    app.clock.advance(Duration::minutes(10));
    app.tick().await;
    for (action, version, params) in [
        ("DescribeSharedBackups", PD, &incoming[..]),
        ("ListSharedResources", RS, &resources[..]),
        ("ListResourceShares", RS, &[("ResourceOwner", "OtherAccounts")][..]),
    ] {
        let r = acs3(&app, &partner, action, version, params).await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {:?}", r.json);
        let text = r.json.to_string();
        assert!(!text.contains(&backup) && !text.contains(&share_id), "{action} after the window: {text}");
    }
    let restore = acs3(&app, &partner, "CreateDBCluster", PD, &restore_params(&backup)).await;
    assert_eq!(api_code(&restore), (404, "EntityNotExists.BackupSet"), "{:?}", restore.json);
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
}

#[tokio::test]
async fn a_restore_asking_for_another_engine_or_version_than_the_sets_is_refused_and_restores_nothing() {
    // DBType and DBVersion say what the caller means to get. A clone has its source's engine, so one
    // asking for PostgreSQL (or MySQL 5.7) from a MySQL 8.0 set is refused, not handed a MySQL 8.0
    // cluster it did not ask for (and charged for it).
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "engine").await;
    let with = |name: &'static str, value: &'static str| {
        let mut params = restore_params(&shared.backup);
        params.retain(|(k, _)| *k != name);
        params.push((name, value));
        params
    };
    let before = restore_writes(&app).await;
    for (params, code) in [
        (with("DBType", "PostgreSQL"), "InvalidParameter.DBType"),
        (with("DBVersion", "5.7"), "InvalidParameter.DBVersion"),
    ] {
        let refused = acs3(&app, &shared.partner, "CreateDBCluster", PD, &params).await;
        assert_eq!(api_code(&refused), (400, code), "{:?}", refused.json);
        assert!(
            refused.json["Message"].as_str().unwrap().contains("8.0") || code.ends_with("DBType"),
            "{:?}",
            refused.json
        );
    }
    assert_eq!(restore_writes(&app).await, before, "nothing restored, charged or remembered");
    let trail = app.count(&format!("select count(*) from audit_event where account_id = '{PARTNER}' and action = 'RestoreToNewCluster' and outcome like 'InvalidParameter.DB%'")).await;
    assert_eq!(trail, 2, "each refusal is in the partner's trail");
    // The set's own engine, in any case the SDKs write it, restores.
    let right = acs3(&app, &shared.partner, "CreateDBCluster", PD, &with("DBType", "mysql")).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.json);
}

/// CreateDBCluster by `partner` of `backup` with [`restore_params`] less those `omitted`, which must
/// succeed: the new cluster's id and DescribeDBClusterAttribute's answer for it.
async fn restored_without(app: &TestApp, partner: &Key, backup: &str, omitted: &[&str]) -> (String, Value) {
    let mut params = restore_params(backup);
    params.retain(|(k, _)| !omitted.contains(k));
    let restored = acs3(app, partner, "CreateDBCluster", PD, &params).await;
    assert_eq!(restored.status, StatusCode::OK, "without {omitted:?}: {:?}", restored.json);
    let cluster = restored.json["DBClusterId"].as_str().unwrap().to_owned();
    let attribute = acs3(app, partner, "DescribeDBClusterAttribute", PD, &[("DBClusterId", &cluster)]).await;
    assert_eq!(attribute.status, StatusCode::OK, "{:?}", attribute.json);
    (cluster, attribute.json)
}

/// The real CreateDBCluster marks DBType and DBVersion required for every CreationOption (its API
/// reference; shared/reference/polardb-api.md). polarshare asks for them only to check them: a clone
/// has its source's engine, so a restore naming neither (or one of them) takes the set's and is not
/// refused for it, while one naming another is (above).
#[tokio::test]
async fn a_restore_naming_no_engine_or_version_gets_the_sets_own() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "engine-of-source").await;
    let source: (String, String) = sqlx::query_as("select c.db_type, c.db_version from backup_set b join cluster c on c.cluster_id = b.cluster_id where b.backup_set_id = ?")
        .bind(&shared.backup)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for omitted in [&["DBType", "DBVersion"][..], &["DBType"], &["DBVersion"]] {
        let (_, attribute) = restored_without(&app, &shared.partner, &shared.backup, omitted).await;
        assert_eq!(
            (attribute["DBType"].as_str().unwrap(), attribute["DBVersion"].as_str().unwrap()),
            (source.0.as_str(), source.1.as_str()),
            "without {omitted:?}"
        );
        // The set is locked while it restores; the next restore waits for this one to finish.
        app.clock.advance(Duration::minutes(5));
        app.tick().await;
    }
}

/// Associate and Disassociate have committed their write by the time they answer: the answer, whether
/// each target is `External` included, comes from what the write's own transaction decided, so no read
/// after the commit can turn a done change into a failure. Here the read connections are closed once the
/// share is set up, leaving only the writer's: the calls still answer in full.
#[tokio::test]
async fn associate_and_disassociate_answer_without_reading_after_their_write() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let (_, share_id) = shared_with_partner(&app, &key, "no-late-read").await;
    // A call that changes no credentials, so that the key is kept in memory (`read_model::SigningKeys`).
    assert_eq!(acs3(&app, &key, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await.status, StatusCode::OK);
    app.pool.close().await;
    let external_of = |json: &Value| -> Vec<(String, bool)> {
        let mut seen: Vec<(String, bool)> = json["ResourceShareAssociations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["EntityId"].as_str().unwrap().to_owned(), a["External"].as_bool().unwrap()))
            .collect();
        seen.sort();
        seen
    };
    let added =
        acs3(&app, &key, "AssociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", MEMBER)]).await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.json);
    assert_eq!(external_of(&added.json), vec![(MEMBER.to_owned(), false)]);
    let removed = acs3(
        &app,
        &key,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &share_id), ("Targets.1", PARTNER), ("Targets.2", MEMBER)],
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    let mut expected = vec![(MEMBER.to_owned(), false), (PARTNER.to_owned(), true)];
    expected.sort();
    assert_eq!(external_of(&removed.json), expected);
}

/// CreateDBCluster's ZoneId and DBNodeClass are optional in its API reference ("Required: No";
/// shared/reference/polardb-api.md marks neither required), which names no default for either: a restore
/// naming neither (or one of them) is not refused for it but gets what the console's Restore dialog
/// preselects, through the same service: the first zone of RegionId and the first node specification.
#[tokio::test]
async fn a_restore_naming_no_zone_or_node_class_gets_the_restore_dialogs_defaults() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "placement-defaults").await;
    // RegionId (restore_params') is cn-hangzhou: its first zone; the first node class listed.
    let (zone, node_class) = ("cn-hangzhou-h", "polar.mysql.x4.medium");
    for omitted in [&["ZoneId", "DBNodeClass"][..], &["ZoneId"], &["DBNodeClass"]] {
        let (cluster, attribute) = restored_without(&app, &shared.partner, &shared.backup, omitted).await;
        assert_eq!(
            (&attribute["ZoneIds"], &attribute["ZoneId"], &attribute["DBNodeClass"], &attribute["RegionId"]),
            (&json!(zone), &json!(zone), &json!(node_class), &json!("cn-hangzhou")),
            "without {omitted:?}: {attribute:?}"
        );
        // The charge is the default specification's, as the console bills it.
        let charged: String = sqlx::query_scalar("select item from charge where cluster_id = ?")
            .bind(&cluster)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert!(charged.starts_with(&format!("New cluster ({node_class}, pay-as-you-go)")), "{charged}");
        // The set is locked while it restores; the next restore waits for this one to finish.
        app.clock.advance(Duration::minutes(5));
        app.tick().await;
    }
    // The console's restore names none either (its JSON server function): the set's region's first zone.
    let console = app
        .json(
            Some(&shared.partner_cookie),
            "restore_to_new_cluster",
            json!({ "request": { "backup_set_id": shared.backup, "cluster_name": "console-defaults", "pay_type": "Postpaid" } }),
        )
        .await;
    assert_eq!(console.status, StatusCode::OK, "{:?}", console.json);
    let placed: (Option<String>, Option<String>) =
        sqlx::query_as("select zone_id, node_spec from cluster where cluster_id = ?")
            .bind(console.json["cluster_id"].as_str().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(placed, (Some("cn-hangzhou-h".to_owned()), Some("polar.mysql.x4.medium".to_owned())));
}

/// What a restore names is still judged when it names it: an unlisted zone or node class, a zone of
/// another region than RegionId, and an unknown RegionId with no zone are refused with their codes; a
/// RegionId other than the set's, with no zone, is refused by the region rule, not placed elsewhere.
/// Nothing is restored, charged or remembered.
#[tokio::test]
async fn a_restore_naming_an_invalid_zone_node_class_or_region_is_still_refused_with_its_code() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "placement-refused").await;
    let with = |changes: &[(&'static str, Option<&'static str>)]| {
        let mut params = restore_params(&shared.backup);
        for (name, value) in changes {
            params.retain(|(k, _)| k != name);
            if let Some(value) = value {
                params.push((name, value));
            }
        }
        params
    };
    let before = restore_writes(&app).await;
    for (params, expected) in [
        (with(&[("ZoneId", Some("cn-hangzhou-z"))]), (400, "InvalidParameter.ZoneId")),
        (with(&[("ZoneId", Some("cn-beijing-k"))]), (400, "InvalidParameter.ZoneId")),
        (with(&[("DBNodeClass", Some("polar.mysql.x99"))]), (400, "InvalidParameter.DBNodeClass")),
        (with(&[("DBNodeClass", Some("polar.mysql.x99")), ("ZoneId", None)]), (400, "InvalidParameter.DBNodeClass")),
        (with(&[("RegionId", Some("mars-1")), ("ZoneId", None)]), (400, "InvalidParameter.RegionId")),
        (with(&[("RegionId", Some("cn-beijing")), ("ZoneId", None)]), (409, "OperationDenied.CrossRegionRestore")),
    ] {
        let refused = acs3(&app, &shared.partner, "CreateDBCluster", PD, &params).await;
        assert_eq!(api_code(&refused), expected, "{params:?}: {:?}", refused.json);
    }
    assert_eq!(restore_writes(&app).await, before, "nothing restored, charged or remembered");
}
