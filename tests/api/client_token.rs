//! CreateDBCluster's ClientToken: one token names one restore of one account. A retry with the same
//! parameters is answered what the first call was; the same token with other parameters is refused
//! (400 IdempotentParameterMismatch), restores and charges nothing, and is audited; another account's
//! token of the same text is its own.

use crate::helpers::*;
use crate::openapi::{acs3, api_code, create_key, owner_key, shared_with_partner_and_accepted, PD, RS};
use http::StatusCode;

/// A restore by API of `backup` with `token`.
fn restore_params<'a>(backup: &'a str, token: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut params = crate::openapi::restore_params(backup);
    params.push(("ClientToken", token));
    params
}

#[tokio::test]
async fn a_client_token_reused_with_other_parameters_is_refused_and_restores_nothing() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "token-reuse").await;
    // A second set of the same cluster, in the same share.
    let second = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    let joined = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &shared.share_id), ("Resources.1.ResourceId", &second)],
    )
    .await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.json);

    let first = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "nightly-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);
    let (jobs, charges) =
        (app.count("select count(*) from restore_job").await, app.count("select count(*) from charge").await);

    // The same token naming another backup set: not the restore the token made.
    let other_set = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&second, "nightly-1")).await;
    assert_eq!(api_code(&other_set), (400, "IdempotentParameterMismatch"), "{:?}", other_set.json);
    assert!(other_set.json.get("DBClusterId").is_none(), "no cluster is named: {:?}", other_set.json);
    // Nor another node class, or another cluster name.
    let mut bigger = restore_params(&shared.backup, "nightly-1");
    bigger.retain(|(k, _)| *k != "DBNodeClass");
    bigger.push(("DBNodeClass", "polar.mysql.x8.large"));
    assert_eq!(
        api_code(&acs3(&app, &shared.partner, "CreateDBCluster", PD, &bigger).await),
        (400, "IdempotentParameterMismatch")
    );
    let mut named = restore_params(&shared.backup, "nightly-1");
    named.push(("DBClusterDescription", "another-name"));
    assert_eq!(
        api_code(&acs3(&app, &shared.partner, "CreateDBCluster", PD, &named).await),
        (400, "IdempotentParameterMismatch")
    );
    assert_eq!(app.count("select count(*) from restore_job").await, jobs, "nothing restored");
    assert_eq!(app.count("select count(*) from charge").await, charges, "nothing charged");
    assert_eq!(
        app.count(&format!("select count(*) from audit_event where account_id = '{PARTNER}' and action = 'RestoreToNewCluster' and outcome = 'IdempotentParameterMismatch'")).await,
        3,
        "each refusal is in the partner's trail"
    );

    // The same parameters (whatever their order) still answer the first call's cluster.
    let mut again = restore_params(&shared.backup, "nightly-1");
    again.reverse();
    let retried = acs3(&app, &shared.partner, "CreateDBCluster", PD, &again).await;
    assert_eq!(retried.status, StatusCode::OK, "{:?}", retried.json);
    assert_eq!(retried.json["DBClusterId"], first.json["DBClusterId"]);

    // A new token restores the second set.
    let fresh = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&second, "nightly-2")).await;
    assert_eq!(fresh.status, StatusCode::OK, "{:?}", fresh.json);
    assert_ne!(fresh.json["DBClusterId"], first.json["DBClusterId"]);
}

#[tokio::test]
async fn another_accounts_token_of_the_same_text_is_its_own() {
    let app = TestApp::new().await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "token-text").await;
    // The member gets the same set through the directory.
    let r = app.share(&owner_cookie, &shared.backup, new_share("lab", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let first = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "same-text")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);

    // The member restores with the same token text: its own restore, never the partner's answer.
    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let theirs = acs3(&app, &member, "CreateDBCluster", PD, &restore_params(&shared.backup, "same-text")).await;
    assert_eq!(theirs.status, StatusCode::OK, "{:?}", theirs.json);
    assert_ne!(theirs.json["DBClusterId"], first.json["DBClusterId"]);
    let cluster = theirs.json["DBClusterId"].as_str().unwrap();
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and account_id = '{MEMBER}'"))
            .await,
        1
    );

    // The outsider, who is shared nothing, reusing the text gets nothing of either.
    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    let refused = acs3(&app, &outsider, "CreateDBCluster", PD, &restore_params(&shared.backup, "same-text")).await;
    assert_eq!(api_code(&refused), (404, "EntityNotExists.BackupSet"), "{:?}", refused.json);
}

#[tokio::test]
async fn a_restore_is_never_committed_without_its_client_token() {
    // The token is remembered in the restore's own transaction. Remembered in one of its own after
    // the restore had committed, a crash between the two left a restore no retry knew of, and the
    // retry started a second one (and charged for it). Here the remembering fails instead of a crash:
    // then nothing of the restore may stay.
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "token-atomic").await;
    let (jobs, charges) =
        (app.count("select count(*) from restore_job").await, app.count("select count(*) from charge").await);
    app.exec("create trigger fail_token before insert on api_client_token begin select raise(abort, 'no room for the token'); end").await;
    let failed = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "atomic-1")).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR, "{:?}", failed.json);
    assert_eq!(app.count("select count(*) from restore_job").await, jobs, "no restore without its token");
    assert_eq!(app.count("select count(*) from charge").await, charges, "no charge without its token");

    // Once the token can be remembered, the retry starts the one restore, and a second retry gets it.
    app.exec("drop trigger fail_token").await;
    let first = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "atomic-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);
    let again = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "atomic-1")).await;
    assert_eq!(again.json["DBClusterId"], first.json["DBClusterId"]);
    assert_eq!(app.count("select count(*) from restore_job").await, jobs + 1, "one restore");
    assert_eq!(app.count("select count(*) from charge").await, charges + 1, "one charge");
}

#[tokio::test]
async fn a_retry_after_access_ended_starts_nothing_and_answers_only_the_callers_own_cluster() {
    // The partner restores with a token, then the owner deletes the share and its revocation runs. A
    // retry of the same call gets the first answer (the partner's own new cluster), starts and charges
    // nothing, and names nothing of the owner's (its account, cluster or set).
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "token-after-access").await;
    let first = acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "late-retry")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);
    app.clock.advance(time::Duration::seconds(31));
    app.tick().await;
    let deleted = acs3(&app, &owner, "DeleteResourceShare", RS, &[("ResourceShareId", &shared.share_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.json);
    app.clock.advance(time::Duration::minutes(10));
    app.tick().await;
    let fresh =
        acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "after-access")).await;
    assert_eq!(api_code(&fresh), (404, "EntityNotExists.BackupSet"), "access has ended: {:?}", fresh.json);
    let (jobs, charges) =
        (app.count("select count(*) from restore_job").await, app.count("select count(*) from charge").await);

    let retried =
        acs3(&app, &shared.partner, "CreateDBCluster", PD, &restore_params(&shared.backup, "late-retry")).await;
    assert_eq!(retried.status, StatusCode::OK, "{:?}", retried.json);
    let without_request_id = |v: &serde_json::Value| {
        v.as_object().map(|o| {
            o.iter().filter(|(k, _)| *k != "RequestId").map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>()
        })
    };
    assert_eq!(
        without_request_id(&retried.json),
        without_request_id(&first.json),
        "the first answer (with this call's RequestId)"
    );
    let text = retried.json.to_string();
    for owners in [OWNER, SHAREABLE_CLUSTER, shared.backup.as_str()] {
        assert!(!text.contains(owners), "{owners} in {text}");
    }
    assert_eq!(app.count("select count(*) from restore_job").await, jobs, "no second restore");
    assert_eq!(app.count("select count(*) from charge").await, charges, "no second charge");
    let cluster = retried.json["DBClusterId"].as_str().unwrap();
    assert_eq!(
        app.count(&format!("select count(*) from cluster where cluster_id = '{cluster}' and account_id = '{PARTNER}'"))
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_with_one_token_start_one_restore_and_all_get_its_answer_or_a_mismatch() {
    // A client retrying before its first call has answered: the calls race. Those asking for the same
    // restore all get the one cluster; one asking for another set with the token is refused; nothing
    // is refused for the restore already running (the token's own restore is not a second one).
    let app = std::sync::Arc::new(TestApp::new().await);
    let (_, owner) = owner_key(&app).await;
    let shared = shared_with_partner_and_accepted(&app, &owner, "token-race").await;
    let second = app.backups_of(SHAREABLE_CLUSTER, 2).await.remove(1);
    let joined = acs3(
        &app,
        &owner,
        "AssociateResourceShare",
        RS,
        &[("ResourceShareId", &shared.share_id), ("Resources.1.ResourceId", &second)],
    )
    .await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.json);
    let calls = (0..8).map(|i| {
        let (app, key) = (app.clone(), shared.partner.clone());
        let backup = if i == 7 { second.clone() } else { shared.backup.clone() };
        tokio::spawn(async move {
            (backup.clone(), acs3(&app, &key, "CreateDBCluster", PD, &restore_params(&backup, "raced")).await)
        })
    });
    let results: Vec<(String, Response)> =
        futures::future::join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let codes: Vec<(u16, String)> =
        results.iter().map(|(_, r)| (r.status.as_u16(), api_code(r).1.to_owned())).collect();
    let clusters: std::collections::BTreeSet<String> = results
        .iter()
        .filter(|(_, r)| r.status == StatusCode::OK)
        .map(|(_, r)| r.json["DBClusterId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(clusters.len(), 1, "one cluster for the token: {codes:?}");
    let ok = results.iter().filter(|(_, r)| r.status == StatusCode::OK).count();
    let mismatched = results.iter().filter(|(_, r)| api_code(r) == (400, "IdempotentParameterMismatch")).count();
    // Whichever set's call came first made the token's restore; the calls for the other set are refused.
    assert!((ok, mismatched) == (7, 1) || (ok, mismatched) == (1, 7), "{codes:?}");
    assert_eq!(app.count("select count(*) from restore_job").await, 1, "{codes:?}");
    assert_eq!(app.count(&format!("select count(*) from charge where account_id = '{PARTNER}'")).await, 1, "{codes:?}");
}
