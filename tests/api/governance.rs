//! Tickets, quota and the audit trail.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_account_gets_the_beta_through_an_approved_ticket_and_can_then_share() {
    let app = TestApp::new().await;
    let nomad = app.sign_in("nobeta").await;
    let backup = app.backup_of("pc-bp1nomad000001").await;
    let r = app.share(&nomad, &backup, new_share("first", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (403, "OperationDenied.SharedBackupNotEnabled"));

    let t = app.form(Some(&nomad), "submit_ticket", "kind=EnableSharedBackup&message=please").await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.json);
    let again = app.form(Some(&nomad), "submit_ticket", "kind=EnableSharedBackup&message=again").await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "Ticket.AlreadyOpen"));
    let id = t.json["ticket_id"].as_str().unwrap().to_owned();

    // Only the operator decides.
    let r = app.form(Some(&nomad), "decide_ticket", &format!("ticket_id={id}&approve=true")).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "Forbidden.NotOperator"));
    let operator = app.sign_in("operator").await;
    let r = app.form(Some(&operator), "decide_ticket", &format!("ticket_id={id}&approve=true")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["status"], json!("Approved"));
    let twice = app.form(Some(&operator), "decide_ticket", &format!("ticket_id={id}&approve=false")).await;
    assert_eq!(twice.refusal(), (409, "Ticket.Closed"));
    // The decision is in the asker's trail, once, committed with it; the refused second try in the operator's.
    let decisions_in_trail_of = |login: &str, outcome: &str| {
        format!(
            "select count(*) from audit_event a join identity i on i.account_id = a.account_id
             where a.action = 'DecideTicket' and a.outcome = '{outcome}' and i.login_name = '{login}'"
        )
    };
    assert_eq!(app.count(&decisions_in_trail_of("nobeta", "Success")).await, 1);
    assert_eq!(app.count(&decisions_in_trail_of("operator", "Ticket.Closed")).await, 1);
    // The asker's trail says the provider's support decided it, not which operator from where: the
    // operator's login and address are the platform's, kept in its own trail under the same request.
    let trail = app.form(Some(&nomad), "audit_trail", "action=DecideTicket").await;
    assert_eq!(trail.status, StatusCode::OK, "{:?}", trail.json);
    assert_eq!(trail.json["items"][0]["identity"], json!("Platform support"), "{:?}", trail.json);
    assert_eq!(trail.json["items"][0]["source_ip"], json!("-"), "{:?}", trail.json);
    let identities: Vec<&str> =
        trail.json["items"].as_array().unwrap().iter().map(|e| e["identity"].as_str().unwrap()).collect();
    assert_eq!(identities, ["Platform support", "nobeta"], "the operator's login is not the asker's to see");
    assert_eq!(
        app.count(
            "select count(*) from audit_event p join audit_event c using (request_id)
             where p.action = 'DecideTicket' and p.outcome = 'Success' and p.identity = 'operator' and p.source_ip <> '-'
               and p.account_id = (select account_id from identity where login_name = 'operator')
               and c.identity = 'Platform support' and c.account_id = (select account_id from identity where login_name = 'nobeta')"
        )
        .await,
        1
    );

    let r = app.share(&nomad, &backup, new_share("first", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.status, StatusCode::OK, "effective at once: {:?}", r.json);
}

#[tokio::test]
async fn an_approved_quota_increase_applies_to_the_next_share() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let q = app.form(Some(&owner), "quota", "").await;
    assert_eq!((q.json["used"].clone(), q.json["limit"].clone()), (json!(0), json!(1000)));
    let t = app.form(Some(&owner), "submit_ticket", "kind=QuotaIncrease&message=").await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.json);
    let operator = app.sign_in("operator").await;
    let id = t.json["ticket_id"].as_str().unwrap();
    assert_eq!(
        app.form(Some(&operator), "decide_ticket", &format!("ticket_id={id}&approve=true")).await.status,
        StatusCode::OK
    );
    let q = app.form(Some(&owner), "quota", "").await;
    assert_eq!(q.json["limit"], json!(1024));
    let again = app.form(Some(&owner), "submit_ticket", "kind=QuotaIncrease&message=").await;
    assert_eq!(again.refusal(), (409, "Ticket.NotNeeded"));
    // Usage counts exactly.
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(app.share(&owner, &backup, new_share("one", "AllAccounts", &[PARTNER])).await.status, StatusCode::OK);
    assert_eq!(app.form(Some(&owner), "quota", "").await.json["used"], json!(1));
}

#[tokio::test]
async fn a_ram_user_cannot_submit_tickets_for_the_account() {
    let app = TestApp::new().await;
    let dba = app.sign_in("dba@lumen").await;
    let r = app.form(Some(&dba), "submit_ticket", "kind=QuotaIncrease&message=").await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "Forbidden.RAM"));
}

#[tokio::test]
async fn the_audit_trail_records_actions_and_refusals_for_the_account_only() {
    let app = TestApp::new().await;
    let _ = app.form(None, "sign_in", "login=owner&password=wrong").await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(
        app.share(&owner, &backup, new_share("audited", "AllAccounts", &[PARTNER])).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.share(&owner, &backup, new_share("mine", "AllAccounts", &[OWNER])).await.refusal(),
        (409, "ShareWithYourself")
    );

    let trail = app.form(Some(&owner), "audit_trail", "").await;
    let events = trail.json["items"].as_array().unwrap();
    let outcomes: Vec<(&str, &str)> =
        events.iter().map(|e| (e["action"].as_str().unwrap(), e["outcome"].as_str().unwrap())).collect();
    assert!(outcomes.contains(&("SignIn", "InvalidCredentials")), "{outcomes:?}");
    assert!(outcomes.contains(&("SignIn", "Success")));
    assert!(outcomes.contains(&("ShareBackupSet", "Success")));
    assert!(outcomes.contains(&("ShareBackupSet", "ShareWithYourself")));
    assert!(events.iter().all(|e| !e["request_id"].as_str().unwrap().is_empty()));

    let filtered = app.form(Some(&owner), "audit_trail", "action=ShareBackupSet").await;
    assert_eq!(filtered.json["items"].as_array().unwrap().len(), 2);

    // Another account sees none of it.
    let partner = app.sign_in("partner").await;
    let theirs = app.form(Some(&partner), "audit_trail", "action=ShareBackupSet").await;
    assert!(theirs.json["items"].as_array().unwrap().is_empty());

    // The CSV export carries the same rows.
    let (status, csv) = app.get(Some(&owner), "/audit/export.csv?action=ShareBackupSet").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("time,identity,account,source_ip,request_id,action,target,outcome,detail"));
    assert_eq!(csv.lines().count(), 3);
    let (status, _) = app.get(None, "/audit/export.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn audit_events_cannot_be_changed_or_deleted() {
    let app = TestApp::new().await;
    app.sign_in("owner").await;
    assert!(sqlx::query("update audit_event set outcome = 'x'").execute(&app.pool).await.is_err());
    assert!(sqlx::query("delete from audit_event").execute(&app.pool).await.is_err());
    assert!(app.count("select count(*) from audit_event").await >= 1);
}

#[tokio::test]
async fn scheduled_revocations_are_in_the_owners_trail() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&owner, &backup, new_share("short", "AllAccounts", &[PARTNER])).await;
    let share_id = r.json["resource_share_id"].as_str().unwrap().to_owned();
    assert_eq!(app.share(&owner, &backup, existing_share(&share_id, Some(&[]))).await.status, StatusCode::OK);
    app.clock.advance(time::Duration::minutes(10));
    app.tick().await;
    let owner = app.sign_in("owner").await;
    let trail = app.form(Some(&owner), "audit_trail", "action=RevokeAccess").await;
    assert_eq!(trail.json["items"].as_array().unwrap().len(), 1, "{:?}", trail.json);
}

#[tokio::test]
async fn root_manages_ram_users_and_their_policies_take_effect_on_the_next_request() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "create_ram_user", "login_name=ops@lumen&password=short").await;
    assert_eq!(r.refusal(), (422, "InvalidPassword.Policy"));
    let r = app.form(Some(&owner), "create_ram_user", "login_name=ops@lumen&password=Ops-Pass-2026").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = app.form(Some(&owner), "create_ram_user", "login_name=ops@lumen&password=Ops-Pass-2026").await;
    assert_eq!(r.refusal(), (409, "EntityAlreadyExists.User"));

    let signin = app.form(None, "sign_in", "login=ops@lumen&password=Ops-Pass-2026").await;
    let ops = signin.set_cookie.unwrap().split(';').next().unwrap().to_owned();
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&ops, &backup, new_share("by-ops", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (403, "Forbidden.RAM"));
    assert!(r.json["message"].as_str().unwrap().contains("AliyunPolardbFullAccess and AliyunResourceCenterFullAccess"));

    for policy in ["AliyunPolardbFullAccess", "AliyunResourceCenterFullAccess"] {
        let r = app
            .form(Some(&owner), "set_ram_policy", &format!("login_name=ops@lumen&policy={policy}&attached=true"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    assert_eq!(app.share(&ops, &backup, new_share("by-ops", "AllAccounts", &[PARTNER])).await.status, StatusCode::OK);

    // Detaching takes effect at once too.
    app.form(
        Some(&owner),
        "set_ram_policy",
        "login_name=ops@lumen&policy=AliyunResourceCenterFullAccess&attached=false",
    )
    .await;
    let r = app.share(&ops, &backup, new_share("again", "AllAccounts", &[OUTSIDER])).await;
    assert_eq!(r.refusal(), (403, "Forbidden.RAM"));

    // A new password ends the user's sessions; deleting the user removes it.
    assert_eq!(
        app.form(Some(&owner), "set_ram_password", "login_name=ops@lumen&password=New-Pass-2027").await.status,
        StatusCode::OK
    );
    assert_eq!(app.form(Some(&ops), "list_clusters", "").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.form(Some(&owner), "delete_ram_user", "login_name=ops@lumen").await.status, StatusCode::OK);
    assert_eq!(
        app.form(None, "sign_in", "login=ops@lumen&password=New-Pass-2027").await.refusal(),
        (401, "InvalidCredentials")
    );
}

#[tokio::test]
async fn only_root_manages_ram_users_and_only_its_own() {
    let app = TestApp::new().await;
    let dba = app.sign_in("dba@lumen").await;
    assert_eq!(app.form(Some(&dba), "list_ram_users", "").await.refusal(), (403, "Forbidden.RAM"));
    assert_eq!(
        app.form(Some(&dba), "delete_ram_user", "login_name=auditor@lumen").await.refusal(),
        (403, "Forbidden.RAM")
    );
    let partner = app.sign_in("partner").await;
    let r = app.form(Some(&partner), "delete_ram_user", "login_name=auditor@lumen").await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "EntityNotExists.User"));
    assert_eq!(app.count("select count(*) from identity where login_name = 'auditor@lumen'").await, 1);
}

/// Identity x action -> allowed, or refused with this code.
#[tokio::test]
async fn permission_matrix() {
    let app = TestApp::new().await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let cases: [(&str, &str, Option<&str>); 8] = [
        ("owner", "list_backup_sets", None),
        ("owner", "share", None),
        ("dba@lumen", "list_backup_sets", None),
        ("dba@lumen", "share", None),
        ("developer@lumen", "list_backup_sets", None),
        ("developer@lumen", "share", Some("Forbidden.RAM")),
        ("auditor@lumen", "list_backup_sets", None),
        ("auditor@lumen", "share", Some("Forbidden.RAM")),
    ];
    for (i, (login, action, refusal)) in cases.iter().enumerate() {
        let cookie = app.sign_in(login).await;
        let r = match *action {
            "list_backup_sets" => {
                app.form(Some(&cookie), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await
            }
            // Each allowed share invites another account: a second pending invitation of one account
            // to the same set is refused whoever asks.
            _ => {
                app.share(
                    &cookie,
                    &backup,
                    new_share(&format!("m{i}"), "AllAccounts", &[[PARTNER, OUTSIDER][i / 2 % 2]]),
                )
                .await
            }
        };
        match refusal {
            None => assert_eq!(r.status, StatusCode::OK, "{login} {action}: {:?}", r.json),
            Some(code) => assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, *code), "{login} {action}"),
        }
    }
    // Deleting a backup set needs PolarDB full access.
    let auditor = app.sign_in("auditor@lumen").await;
    let r = app.form(Some(&auditor), "delete_backup_set", &format!("backup_set_id={backup}")).await;
    assert!(r.json["message"].as_str().unwrap().contains("AliyunPolardbFullAccess"));
}

#[tokio::test]
async fn a_folder_target_covers_whoever_is_in_the_folder() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let r =
        app.form(Some(&owner), "create_folder", &format!("folder_name=Partners&parent_folder_id={ROOT_FOLDER}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let folder: String = sqlx::query_scalar("select folder_id from rd_folder where folder_name = 'Partners'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(
        app.share(&owner, &backup, new_share("to-folder", "ResourceDirectory", &[&folder])).await.status,
        StatusCode::OK
    );

    let qa = app.sign_in("qa").await;
    let seen = |v: &serde_json::Value| v["backups"].as_array().unwrap().len();
    let before = app.form(Some(&qa), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(seen(&before.json), 0);
    let r = app.form(Some(&owner), "move_member", &format!("account_id={QA_MEMBER}&folder_id={folder}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let after = app.form(Some(&qa), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(seen(&after.json), 1, "moved in: covered");
    app.form(Some(&owner), "move_member", &format!("account_id={QA_MEMBER}&folder_id={QA_FOLDER}")).await;
    let out = app.form(Some(&qa), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(seen(&out.json), 1, "moved out: still visible during the revocation window");
    assert!(out.json["backups"][0]["revoking_at"].is_string());
    let restore = json!({ "request": { "backup_set_id": backup, "cluster_name": "qa-copy", "node_spec": "polar.mysql.x4.medium",
                                       "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } });
    assert_eq!(
        app.json(Some(&qa), "restore_to_new_cluster", restore).await.refusal(),
        (409, "OperationDenied.SharingRevoking")
    );
    app.clock.advance(time::Duration::minutes(10));
    app.tick().await;
    let qa = app.sign_in("qa").await;
    let gone = app.form(Some(&qa), "list_shared_with_me", "region_id=cn-hangzhou").await;
    assert_eq!(seen(&gone.json), 0, "then gone");
    // Moving back in covers it again at once.
    let owner = app.sign_in("owner").await;
    app.form(Some(&owner), "move_member", &format!("account_id={QA_MEMBER}&folder_id={folder}")).await;
    assert_eq!(seen(&app.form(Some(&qa), "list_shared_with_me", "region_id=cn-hangzhou").await.json), 1);
}

#[tokio::test]
async fn only_the_management_account_changes_the_directory_and_within_its_rules() {
    let app = TestApp::new().await;
    let member = app.sign_in("member").await;
    let r = app.form(Some(&member), "create_folder", &format!("folder_name=Mine&parent_folder_id={ROOT_FOLDER}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "NotManagementAccount"));
    let owner = app.sign_in("owner").await;
    let add = |account: &str| format!("account_id={account}&folder_id={ROOT_FOLDER}");
    assert_eq!(
        app.form(Some(&owner), "add_member", &add(INTERNATIONAL)).await.refusal(),
        (409, "InvalidTarget.SiteMismatch")
    );
    assert_eq!(
        app.form(Some(&owner), "add_member", &add(MEMBER)).await.refusal(),
        (409, "AccountAlreadyInResourceDirectory")
    );
    // Adding invites; the account is a member (and can be removed) once it accepts.
    let invitation = app.form(Some(&owner), "add_member", &add(OUTSIDER)).await;
    assert_eq!(invitation.status, StatusCode::OK);
    assert_eq!(
        app.form(Some(&owner), "remove_member", &format!("account_id={OUTSIDER}")).await.refusal(),
        (404, "EntityNotExists.Member")
    );
    let outsider = app.sign_in("outsider").await;
    let id = invitation.json["invitation_id"].as_str().unwrap();
    assert_eq!(
        app.form(Some(&outsider), "answer_directory_invitation", &format!("invitation_id={id}&accept=true"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.form(Some(&owner), "remove_member", &format!("account_id={OWNER}")).await.refusal(),
        (409, "OperationDenied.ManagementAccount")
    );
    assert_eq!(app.form(Some(&owner), "remove_member", &format!("account_id={OUTSIDER}")).await.status, StatusCode::OK);
    let r = app.form(Some(&owner), "move_member", "account_id=1000000000000003&folder_id=fd-elsewhere").await;
    assert_eq!(r.refusal(), (404, "EntityNotExists.Folder"));
}

/// Every action of the platform operator's, as the trails show it: the platform's trail keeps the
/// operator's own event, with its login and source address; an account whose data the action changed
/// has the same action under the same request id as the provider's support's, without the operator's
/// login, address or request header; and no other account's trail has it. The operator's own sign-in
/// and password change change no customer's data and are the platform's alone (signing out is not
/// audited for anyone).
#[tokio::test]
async fn every_operator_action_is_the_platforms_in_full_and_the_changed_accounts_as_platform_support() {
    let app = TestApp::new().await;
    let ticket = |who: String, kind: &'static str| {
        let app = &app;
        async move {
            let t = app.form(Some(&who), "submit_ticket", &format!("kind={kind}&message=please")).await;
            assert_eq!(t.status, StatusCode::OK, "{:?}", t.json);
            t.json["ticket_id"].as_str().unwrap().to_owned()
        }
    };
    let beta = ticket(app.sign_in("nobeta").await, "EnableSharedBackup").await;
    let quota = ticket(app.sign_in("owner").await, "QuotaIncrease").await;

    let from: std::net::SocketAddr = "198.51.100.7:40000".parse().unwrap();
    let signed_in = app.form_from(from, None, "sign_in", &format!("login=operator&password={DEMO_PASSWORD}")).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.json);
    let operator = signed_in.set_cookie.unwrap().split(';').next().unwrap().to_owned();
    let act = |name: &'static str, body: String| {
        let (app, operator) = (&app, operator.clone());
        async move {
            let r = app.form_from(from, Some(&operator), name, &body).await;
            assert_eq!(r.status, StatusCode::OK, "{name}: {:?}", r.json);
            r.json
        }
    };
    act("decide_ticket", format!("ticket_id={beta}&approve=true")).await;
    act("decide_ticket", format!("ticket_id={quota}&approve=false")).await;
    let created = act("create_account", "login_name=newco&display_name=New+Co&site=aliyun.com&beta=on".into()).await;
    let new_account = created["account_id"].as_str().unwrap().to_owned();
    act("change_password", format!("current_password={DEMO_PASSWORD}&new_password=Platform-Pass-2027")).await;

    // In the platform's trail, in order: each action and the account whose data it changed, if any.
    let expected = [
        ("SignIn", None),
        ("DecideTicket", Some(NO_BETA)),
        ("DecideTicket", Some(OWNER)),
        ("CreateAccount", Some(new_account.as_str())),
        ("ChangePassword", None),
    ];
    let platform: Vec<(String, String, String, String)> = sqlx::query_as(
        "select action, request_id, source_ip, outcome from audit_event
         where account_id = ? and identity = 'operator' order by audit_event_id",
    )
    .bind(PLATFORM)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(platform.iter().map(|(a, ..)| a.as_str()).collect::<Vec<_>>(), expected.map(|(a, _)| a), "{platform:?}");
    for ((action, request_id, source_ip, outcome), (_, customer)) in platform.iter().zip(expected) {
        assert_eq!(
            (source_ip.as_str(), outcome.as_str()),
            ("198.51.100.7", "Success"),
            "{action}: the platform's event is the operator's in full"
        );
        let elsewhere: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
            "select account_id, identity, source_ip, channel, caller_request_id from audit_event
             where request_id = ? and coalesce(account_id, '') <> ?",
        )
        .bind(request_id)
        .bind(PLATFORM)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let as_support =
            customer.map(|c| (c.to_owned(), "Platform support".to_owned(), "-".to_owned(), "support".to_owned(), None));
        assert_eq!(elsewhere, as_support.into_iter().collect::<Vec<_>>(), "{action}: outside the platform's trail");
    }

    // And as the new account's root reads its own trail: its creation, by the provider's support.
    let password = created["password"].as_str().unwrap();
    let newco = app.form(None, "sign_in", &format!("login=newco&password={password}")).await;
    let newco = newco.set_cookie.expect("signed in").split(';').next().unwrap().to_owned();
    let trail = app.form(Some(&newco), "audit_trail", "action=CreateAccount").await;
    assert_eq!(trail.status, StatusCode::OK, "{:?}", trail.json);
    let items = trail.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:?}", trail.json);
    assert_eq!(
        (&items[0]["identity"], &items[0]["source_ip"], &items[0]["target"]),
        (&json!("Platform support"), &json!("-"), &json!("newco"))
    );
}
