//! Existence and state oracles: what another account's id is answered with must be what an id that
//! exists nowhere is answered with (the same status, code and sentence, the id aside), by console and
//! by API, so no caller learns from a refusal whether another account's cluster, backup set, share,
//! invitation, RAM user or AccessKey exists, nor what state it is in; and the refused call changes
//! nothing.

use crate::helpers::*;
use crate::openapi::{
    acs3, create_key, owner_key, restore_params, shared_with_partner_and_accepted, AcceptedByPartner, Key, PD, RS,
};

/// A refusal as a caller can tell it apart: status, code and sentence, with the id it named masked.
fn told(r: &Response, id: &str) -> (u16, String, String) {
    let field = |lower: &str, upper: &str| {
        r.json[lower].as_str().or_else(|| r.json[upper].as_str()).unwrap_or("").replace(id, "<id>")
    };
    (r.status.as_u16(), field("code", "Code"), field("message", "Message"))
}

/// The partner's demo backup set (of pc-bp1harbor00001, in its share rs-harbor01) and an id of the
/// same shape that names no set at all.
async fn partner_set_and_a_missing_one(app: &TestApp) -> (String, String) {
    let set: String = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = 'pc-bp1harbor00001' order by backup_set_id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut missing = set.clone();
    for n in 0..1_000 {
        missing = format!("{}{n:03}", &set[..set.len() - 3]);
        if app.count(&format!("select count(*) from backup_set where backup_set_id = '{missing}'")).await == 0 {
            break;
        }
    }
    assert_eq!(app.count(&format!("select count(*) from backup_set where backup_set_id = '{missing}'")).await, 0);
    (set, missing)
}

const PARTNER_CLUSTER: &str = "pc-bp1harbor00001";
const MISSING_CLUSTER: &str = "pc-bp1harbor00009";
const PARTNER_SHARE: &str = "rs-harbor01";
const MISSING_SHARE: &str = "rs-harbor09";
/// The partner's invitation to the outsider, expired: its state must not show either.
const PARTNER_INVITATION: &str = "i-harborexpired";
const MISSING_INVITATION: &str = "i-harbormissing";

/// Asks the same call with the foreign id and with the missing one (`ask` puts the id in) and checks
/// both are told the same, as not found.
async fn same_answer<F, Fut>(what: &str, foreign: &str, missing: &str, ask: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let (a, b) = (ask(foreign.to_owned()).await, ask(missing.to_owned()).await);
    let (told_foreign, told_missing) = (told(&a, foreign), told(&b, missing));
    assert_eq!(told_foreign, told_missing, "{what}: another account's id is told apart from a missing one");
    assert!(matches!(told_foreign.0, 404 | 409), "{what}: refused as not found: {told_foreign:?}");
}

#[tokio::test]
async fn the_owner_is_told_of_another_accounts_cluster_set_share_and_invitation_what_it_is_told_of_missing_ones() {
    let app = TestApp::new().await;
    let (cookie, key) = owner_key(&app).await;
    let (set, missing_set) = partner_set_and_a_missing_one(&app).await;
    let state = app.sharing_state().await;
    let clusters = app.count("select count(*) from cluster").await;
    let form = |name: &'static str, body: String| {
        let cookie = cookie.clone();
        let app = &app;
        async move { app.form(Some(&cookie), name, &body).await }
    };

    // Console.
    same_answer("list_backup_sets", PARTNER_CLUSTER, MISSING_CLUSTER, |id| {
        form("list_backup_sets", format!("cluster_id={id}&page=1"))
    })
    .await;
    same_answer("release_cluster", PARTNER_CLUSTER, MISSING_CLUSTER, |id| {
        form("release_cluster", format!("cluster_id={id}"))
    })
    .await;
    for name in ["delete_backup_set", "convert_backup_level", "sharing_relationship"] {
        same_answer(name, &set, &missing_set, |id| form(name, format!("backup_set_id={id}"))).await;
    }
    same_answer("update_resource_share", PARTNER_SHARE, MISSING_SHARE, |id| {
        form(
            "update_resource_share",
            format!("resource_share_id={id}&resource_share_name=probe&principal_scope=AllAccounts"),
        )
    })
    .await;
    same_answer("delete_resource_share", PARTNER_SHARE, MISSING_SHARE, |id| {
        form("delete_resource_share", format!("resource_share_id={id}"))
    })
    .await;
    for accept in [true, false] {
        same_answer("answer_invitation", PARTNER_INVITATION, MISSING_INVITATION, |id| {
            form("answer_invitation", format!("invitation_id={id}&accept={accept}"))
        })
        .await;
    }
    let own = app.backup_of(SHAREABLE_CLUSTER).await;
    same_answer("share_backup_set into another's share", PARTNER_SHARE, MISSING_SHARE, |id| {
        let (cookie, own) = (cookie.clone(), own.clone());
        let app = &app;
        async move {
            app.share(&cookie, &own, serde_json::json!({"Existing": {"resource_share_id": id, "principals": null}}))
                .await
        }
    })
    .await;
    same_answer("share_backup_set of another's set", &set, &missing_set, |id| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.share(
                &cookie,
                &id,
                serde_json::json!({"New": {"name": "probe", "scope": "AllAccounts", "principals": [OUTSIDER]}}),
            )
            .await
        }
    })
    .await;

    // OpenAPI.
    let api = |action: &'static str, version: &'static str, params: Vec<(&'static str, String)>| {
        let app = &app;
        let key: &Key = &key;
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            acs3(app, key, action, version, &params).await
        }
    };
    same_answer("DescribeDBClusterAttribute", PARTNER_CLUSTER, MISSING_CLUSTER, |id| {
        api("DescribeDBClusterAttribute", PD, vec![("DBClusterId", id)])
    })
    .await;
    same_answer("DescribeBackups", PARTNER_CLUSTER, MISSING_CLUSTER, |id| {
        api(
            "DescribeBackups",
            PD,
            vec![
                ("DBClusterId", id),
                ("StartTime", "2026-10-01T00:00Z".into()),
                ("EndTime", "2026-11-25T00:00Z".into()),
            ],
        )
    })
    .await;
    same_answer("DeleteBackup", &set, &missing_set, |id| {
        api("DeleteBackup", PD, vec![("DBClusterId", PARTNER_CLUSTER.into()), ("BackupId", id)])
    })
    .await;
    same_answer("CreateDBCluster", &set, &missing_set, |id| {
        api(
            "CreateDBCluster",
            PD,
            vec![
                ("RegionId", "cn-hangzhou".into()),
                ("ZoneId", "cn-hangzhou-h".into()),
                ("DBType", "MySQL".into()),
                ("DBVersion", "8.0".into()),
                ("PayType", "Postpaid".into()),
                ("DBNodeClass", "polar.mysql.x4.medium".into()),
                ("CreationOption", "CloneFromPolarDB".into()),
                ("SourceResourceId", PARTNER_CLUSTER.into()),
                ("CloneDataPoint", id),
                ("SourceUid", PARTNER.into()),
            ],
        )
    })
    .await;
    same_answer("UpdateResourceShare", PARTNER_SHARE, MISSING_SHARE, |id| {
        api("UpdateResourceShare", RS, vec![("ResourceShareId", id), ("ResourceShareName", "probe".into())])
    })
    .await;
    same_answer("DeleteResourceShare", PARTNER_SHARE, MISSING_SHARE, |id| {
        api("DeleteResourceShare", RS, vec![("ResourceShareId", id)])
    })
    .await;
    same_answer("AssociateResourceShare", PARTNER_SHARE, MISSING_SHARE, |id| {
        api("AssociateResourceShare", RS, vec![("ResourceShareId", id), ("Targets.1", OUTSIDER.into())])
    })
    .await;
    // The outsider is a target of the partner's share: taking it out must not tell that either.
    same_answer("DisassociateResourceShare", PARTNER_SHARE, MISSING_SHARE, |id| {
        api("DisassociateResourceShare", RS, vec![("ResourceShareId", id), ("Targets.1", OUTSIDER.into())])
    })
    .await;
    same_answer("DisassociateResourceShare (leave)", PARTNER_SHARE, MISSING_SHARE, |id| {
        api("DisassociateResourceShare", RS, vec![("ResourceShareId", id), ("ResourceOwner", "OtherAccounts".into())])
    })
    .await;
    for action in ["AcceptResourceShareInvitation", "RejectResourceShareInvitation"] {
        same_answer(action, PARTNER_INVITATION, MISSING_INVITATION, |id| {
            api(action, RS, vec![("ResourceShareInvitationId", id)])
        })
        .await;
    }

    assert_eq!(app.sharing_state().await, state, "a refused probe changed the sharing tables");
    assert_eq!(app.count("select count(*) from cluster").await, clusters, "a refused probe made a cluster");
}

#[tokio::test]
async fn another_account_is_told_of_the_owners_ram_users_and_access_keys_what_it_is_told_of_missing_ones() {
    let app = TestApp::new().await;
    let (_, owner_key) = owner_key(&app).await;
    let partner = app.sign_in("partner").await;
    let _ = create_key(&app, &partner, "partner").await;
    let keys = app.count("select count(*) from access_key").await;
    let form = |name: &'static str, body: String| {
        let partner = partner.clone();
        let app = &app;
        async move { app.form(Some(&partner), name, &body).await }
    };
    for (name, body) in [
        ("set_ram_password", "password=Another-Pass-2026&login_name="),
        ("set_ram_policy", "policy=AliyunPolardbFullAccess&attached=true&login_name="),
        ("delete_ram_user", "login_name="),
        ("create_access_key", "login_name="),
    ] {
        same_answer(name, "dba@lumen", "nobody@lumen", |login| form(name, format!("{body}{login}"))).await;
    }
    let missing_key = format!("{}X", &owner_key.id[..owner_key.id.len() - 1]);
    same_answer("set_access_key_status", &owner_key.id, &missing_key, |id| {
        form("set_access_key_status", format!("access_key_id={id}&active=false"))
    })
    .await;
    same_answer("delete_access_key", &owner_key.id, &missing_key, |id| {
        form("delete_access_key", format!("access_key_id={id}"))
    })
    .await;
    assert_eq!(app.count("select count(*) from access_key").await, keys, "a refused probe changed the keys");
    assert_eq!(
        app.count("select count(*) from identity where login_name = 'dba@lumen'").await,
        1,
        "the owner's RAM user is still there"
    );
}

/// Access ends when what granted it ends: once its revocation has run, a former principal is told of
/// the set and the share what it is told of ids that exist nowhere.
#[tokio::test]
async fn a_former_principal_is_told_of_the_set_and_share_it_lost_what_it_is_told_of_missing_ones() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner_cookie, partner, backup, share_id } =
        shared_with_partner_and_accepted(&app, &owner, "lost-later").await;
    let removed =
        acs3(&app, &owner, "DisassociateResourceShare", RS, &[("ResourceShareId", &share_id), ("Targets.1", PARTNER)])
            .await;
    assert_eq!(removed.status.as_u16(), 200, "{:?}", removed.json);
    app.clock.advance(time::Duration::minutes(11));
    app.tick().await;
    let state = app.sharing_state().await;
    let missing_set = app.backups_of("pc-2zeanalytics01", 1).await.remove(0);
    sqlx::query("delete from backup_set where backup_set_id = ?").bind(&missing_set).execute(&app.pool).await.unwrap();

    for name in ["delete_backup_set", "convert_backup_level"] {
        same_answer(name, &backup, &missing_set, |id| {
            let (app, cookie) = (&app, partner_cookie.clone());
            async move { app.form(Some(&cookie), name, &format!("backup_set_id={id}")).await }
        })
        .await;
    }
    same_answer("CreateDBCluster", &backup, &missing_set, |id| {
        let (app, key) = (&app, &partner);
        async move {
            let params: Vec<(&str, &str)> = restore_params(&id)
                .into_iter()
                .map(|(k, v)| if k == "CloneDataPoint" { (k, id.as_str()) } else { (k, v) })
                .collect();
            acs3(app, key, "CreateDBCluster", PD, &params).await
        }
    })
    .await;
    same_answer("DisassociateResourceShare (leave)", &share_id, "rs-lostlater9", |id| {
        let (app, key) = (&app, &partner);
        async move {
            acs3(
                app,
                key,
                "DisassociateResourceShare",
                RS,
                &[("ResourceShareId", &id), ("ResourceOwner", "OtherAccounts")],
            )
            .await
        }
    })
    .await;
    assert_eq!(app.sharing_state().await, state, "a refused probe changed the sharing tables");
}

/// Another directory's handshake, of any state, and one addressed to another account.
const ORBIT_PENDING: &str = "h-orbitpartner1";
const ORBIT_CANCELLED: &str = "h-orbitcancel01";
const MISSING_HANDSHAKE: &str = "h-nothere00000";

/// Directory handshakes: the management account cancelling another directory's, and an account
/// accepting or declining one sent to another account, are told what they are told of an id that exists
/// nowhere, whatever state it is in, and the probes change no directory.
#[tokio::test]
async fn a_directory_handshake_of_another_directory_or_account_is_told_as_a_missing_one() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let r = app.form(Some(&owner), "add_member", &format!("account_id={PARTNER}&folder_id={ROOT_FOLDER}")).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.json);
    let owners = r.json["invitation_id"].as_str().unwrap().to_owned();
    // A second directory, managed by the outsider, with its own handshakes to the partner.
    app.exec(&format!(
        "insert into resource_directory (directory_id, management_account_id, root_folder_id) values ('rd-orbit0001', '{OUTSIDER}', 'fd-orbitroot');
         insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values ('fd-orbitroot', 'rd-orbit0001', null, 'Root');
         insert into rd_member (account_id, directory_id, folder_id) values ('{OUTSIDER}', 'rd-orbit0001', 'fd-orbitroot');
         insert into rd_invitation (rd_invitation_id, directory_id, account_id, folder_id, status, created_at, expires_at, updated_at)
             values ('{ORBIT_PENDING}', 'rd-orbit0001', '{PARTNER}', 'fd-orbitroot', 'Pending', '2026-11-25T08:00:00Z', '2026-12-09T08:00:00Z', '2026-11-25T08:00:00Z'),
                    ('{ORBIT_CANCELLED}', 'rd-orbit0001', '{PARTNER}', 'fd-orbitroot', 'Cancelled', '2026-11-25T08:00:00Z', '2026-12-09T08:00:00Z', '2026-11-25T08:00:00Z');"
    ))
    .await;
    let before = crate::directory::directory_rows(&app).await;
    let (member, outsider) = (app.sign_in("member").await, app.sign_in("outsider").await);
    let form = |cookie: &str, name: &'static str, body: String| {
        let (app, cookie) = (&app, cookie.to_owned());
        async move { app.form(Some(&cookie), name, &body).await }
    };

    // Cancelling: the owner's directory and the outsider's each probe the other's handshakes.
    for foreign in [ORBIT_PENDING, ORBIT_CANCELLED] {
        same_answer("cancel_directory_invitation (owner)", foreign, MISSING_HANDSHAKE, |id| {
            form(&owner, "cancel_directory_invitation", format!("invitation_id={id}"))
        })
        .await;
    }
    same_answer("cancel_directory_invitation (outsider)", &owners, MISSING_HANDSHAKE, |id| {
        form(&outsider, "cancel_directory_invitation", format!("invitation_id={id}"))
    })
    .await;
    // Accepting or declining a handshake sent to the partner, by an account it was not sent to.
    for accept in [true, false] {
        for (caller, who) in [(&member, "member"), (&outsider, "outsider")] {
            for foreign in [owners.as_str(), ORBIT_PENDING, ORBIT_CANCELLED] {
                same_answer(
                    &format!("answer_directory_invitation ({who}, accept={accept})"),
                    foreign,
                    MISSING_HANDSHAKE,
                    |id| form(caller, "answer_directory_invitation", format!("invitation_id={id}&accept={accept}")),
                )
                .await;
            }
        }
    }
    assert_eq!(crate::directory::directory_rows(&app).await, before, "a refused probe changed a directory");
}

/// An owner restoring its own set through CreateDBCluster (CloneFromPolarDB, SourceUid its own) or the
/// console is told the set is its own and how that restore is made, not that the set does not exist;
/// and another account asking for that same set, not shared with it, is still told what it is told of
/// a set that exists nowhere. Nothing is restored either way.
#[tokio::test]
async fn an_owner_restoring_its_own_set_is_told_it_is_its_own_and_another_account_is_told_it_is_missing() {
    let app = TestApp::new().await;
    let (cookie, owner) = owner_key(&app).await;
    let own = app.backup_of(SHAREABLE_CLUSTER).await;
    let (_, missing) = partner_set_and_a_missing_one(&app).await;
    let clusters = app.count("select count(*) from cluster").await;

    let by_api = acs3(&app, &owner, "CreateDBCluster", PD, &restore_params(&own)).await;
    let (status, code, message) = told(&by_api, &own);
    assert_eq!((status, code.as_str()), (400, "UnsupportedOperation.OwnBackupSet"), "{:?}", by_api.json);
    assert!(message.contains("<id> belongs to your own account") && message.contains("without SourceUid"), "{message}");
    let by_console = app.json(Some(&cookie), "restore_to_new_cluster", serde_json::json!({ "request": {
        "backup_set_id": own, "cluster_name": "copy-1", "node_spec": "polar.mysql.x4.medium", "zone_id": "cn-hangzhou-h", "pay_type": "Postpaid" } }))
    .await;
    assert_eq!(by_console.refusal(), (422, "UnsupportedOperation.OwnBackupSet"), "{:?}", by_console.json);

    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    same_answer("CreateDBCluster of another account's set", &own, &missing, |id| {
        let (app, partner) = (&app, &partner);
        async move { acs3(app, partner, "CreateDBCluster", PD, &restore_params(&id)).await }
    })
    .await;
    assert_eq!(app.count("select count(*) from cluster").await, clusters, "a refused restore made a cluster");
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
}
