//! The console as the real one behaves (issue 9): level conversion's own rule, lock refusals that name
//! what they refuse, and the one rule every typed name follows. Each refusal is checked to change
//! nothing.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;

/// Form-encodes a value byte by byte, so control and bidi characters reach the server as typed.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// (level, lock_state) of a backup set: what a conversion would change.
async fn level_and_lock(app: &TestApp, backup: &str) -> (String, String) {
    sqlx::query_as("select level, lock_state from backup_set where backup_set_id = ?")
        .bind(backup)
        .fetch_one(&app.pool)
        .await
        .expect("backup set")
}

/// The `convert_blocked` code the Data Backups page carries for one row.
async fn page_reason(app: &TestApp, cookie: &str, cluster: &str, backup: &str) -> Option<String> {
    let r = app.form(Some(cookie), "list_backup_sets", &format!("cluster_id={cluster}&page=1")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let row = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["backup_set_id"] == json!(backup))
        .cloned()
        .expect("row on page 1");
    row["convert_blocked"]["code"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn converting_an_expired_set_an_rp_copy_or_a_set_of_a_recycled_cluster_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let recycled: String = sqlx::query_scalar(
        "select backup_set_id from backup_set where cluster_id = 'pc-bp1legacy00001' and level = 'Level-1' order by 1 limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let cases = [
        (SHAREABLE_CLUSTER, "3200009002".to_owned(), "OperationDenied.LevelConversion.BackupSetExpired", "expired"),
        (
            SHAREABLE_CLUSTER,
            "rp-hz2bj0009005".to_owned(),
            "OperationDenied.LevelConversion.CrossRegionBackupSet",
            "cross-region",
        ),
        ("pc-bp1legacy00001", recycled, "OperationDenied.LevelConversion.ClusterInRecycleBin", "recycle bin"),
        (
            SHAREABLE_CLUSTER,
            "3200009001".to_owned(),
            "OperationDenied.LevelConversion.BackupSetNotActive",
            "not active",
        ),
    ];
    for (cluster, backup, code, said) in cases {
        let before = level_and_lock(&app, &backup).await;
        let r = app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, code), "{backup}: {:?}", r.json);
        assert!(r.json["message"].as_str().unwrap().contains(said), "{backup}: {:?}", r.json);
        assert_eq!(level_and_lock(&app, &backup).await, before, "{backup}: a refusal changes nothing");
        // The page disables the action with the same decision the server made.
        assert_eq!(page_reason(&app, &owner, cluster, &backup).await.as_deref(), Some(code), "{backup}");
    }
}

#[tokio::test]
async fn a_healthy_level_1_set_offers_conversion_and_converts() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    assert_eq!(page_reason(&app, &owner, SHAREABLE_CLUSTER, &backup).await, None);
    let r = app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(level_and_lock(&app, &backup).await, ("Level-1".to_owned(), "ConvertingLevel".to_owned()));
    // While it converts, the page says why it can't be converted again.
    assert_eq!(
        page_reason(&app, &owner, SHAREABLE_CLUSTER, &backup).await.as_deref(),
        Some("OperationDenied.BackupSetLocked")
    );
}

#[tokio::test]
async fn each_lock_refusal_names_what_it_refuses() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    // 3200009003 is locked by a restore in the demo data.
    let locked = "3200009003";
    let message = |r: &Response| r.json["message"].as_str().unwrap_or_default().to_owned();

    let mut not_sharing = Vec::new();

    let r = app.form(Some(&owner), "delete_backup_set", &format!("backup_set_id={locked}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.BackupSetLocked"));
    assert!(message(&r).contains("data is being restored from it; it cannot be deleted"), "{}", message(&r));
    not_sharing.push(message(&r));
    assert_eq!(
        app.count(&format!("select count(*) from backup_set where backup_set_id = '{locked}' and deleted_at is null"))
            .await,
        1
    );

    let r = app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={locked}")).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.BackupSetLocked"));
    assert!(message(&r).contains("it cannot be converted to level-2"), "{}", message(&r));
    not_sharing.push(message(&r));

    let state = app.sharing_state().await;
    let r = app.share(&owner, locked, new_share("locked-share", "AllAccounts", &[PARTNER])).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.BackupSetLocked"));
    assert!(message(&r).contains("its sharing settings cannot be changed"), "{}", message(&r));
    assert_eq!(app.sharing_state().await, state);

    let r = app.form(Some(&owner), "release_cluster", &format!("cluster_id={SHAREABLE_CLUSTER}")).await;
    assert_eq!(r.refusal(), (409, "OperationDenied.BackupSetLocked"));
    assert!(message(&r).contains("its cluster cannot be released"), "{}", message(&r));
    not_sharing.push(message(&r));
    assert_eq!(
        app.count(&format!(
            "select count(*) from cluster where cluster_id = '{SHAREABLE_CLUSTER}' and status = 'Running'"
        ))
        .await,
        1
    );

    // Only the share change speaks of sharing settings.
    for said in not_sharing {
        assert!(!said.contains("sharing settings"), "{said}");
    }
}

#[tokio::test]
async fn a_restore_from_a_set_being_converted_names_the_restore() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let owner = app.sign_in("owner").await;
    assert_eq!(
        app.form(Some(&owner), "convert_backup_level", &format!("backup_set_id={backup}")).await.status,
        StatusCode::OK
    );
    let member = app.sign_in("member").await;
    let r = app.json(Some(&member), "restore_to_new_cluster", restore_request(&backup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "OperationDenied.BackupSetLocked"));
    let message = r.json["message"].as_str().unwrap();
    assert!(
        message.contains("being converted from a level-1 to a level-2 backup; no new restore can start from it"),
        "{message}"
    );
    assert!(!message.contains("sharing settings"), "{message}");
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
    assert_eq!(app.count(&format!("select count(*) from charge where account_id = '{MEMBER}'")).await, 0);
}

/// Values every name field must refuse, with what the refusal says.
const BAD_NAMES: [(&str, &str); 4] = [
    ("ab\u{0}cd", "control character (U+0000)"),
    ("report\u{202E}fdp.exe", "bidirectional text control (U+202E)"),
    ("iso\u{2066}late", "bidirectional text control (U+2066)"),
    ("\u{200B}", "only of invisible characters"),
];

#[tokio::test]
async fn share_names_refuse_control_bidi_and_invisible_only_values_and_change_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let state = app.sharing_state().await;
    for (name, said) in BAD_NAMES {
        let r = app.share(&owner, &backup, new_share(name, "AllAccounts", &[PARTNER])).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.Name"), "{name:?}");
        assert!(r.json["message"].as_str().unwrap().contains(said), "{name:?}: {:?}", r.json);
    }
    assert_eq!(app.sharing_state().await, state);
}

#[tokio::test]
async fn folder_names_refuse_control_bidi_invisible_only_and_duplicate_values() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let folders = || app.count("select count(*) from rd_folder");
    let before = folders().await;
    for (name, said) in BAD_NAMES {
        let r = app
            .form(Some(&owner), "create_folder", &format!("folder_name={}&parent_folder_id={ROOT_FOLDER}", enc(name)))
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.Name"),
            "{name:?}: {:?}",
            r.json
        );
        assert!(r.json["message"].as_str().unwrap().contains(said), "{name:?}");
        assert!(r.json["message"].as_str().unwrap().contains("folder name"), "{name:?}");
    }
    assert_eq!(folders().await, before);

    let create = |name: &'static str, parent: &'static str| {
        let owner = owner.clone();
        let app = &app;
        async move {
            app.form(Some(&owner), "create_folder", &format!("folder_name={}&parent_folder_id={parent}", enc(name)))
                .await
        }
    };
    assert_eq!(create("Partners", ROOT_FOLDER).await.status, StatusCode::OK);
    let r = create(" Partners ", ROOT_FOLDER).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "EntityAlreadyExists.Name"), "{:?}", r.json);
    assert!(r.json["message"].as_str().unwrap().contains("already exists in this parent folder"));
    // The seeded "Analytics" folder is under Root too.
    assert_eq!(create("Analytics", ROOT_FOLDER).await.refusal(), (409, "EntityAlreadyExists.Name"));
    assert_eq!(folders().await, before + 1);
    // Under another parent the same name is fine.
    assert_eq!(create("Partners", ANALYTICS_FOLDER).await.status, StatusCode::OK);
    assert_eq!(folders().await, before + 2);
}

/// Resource Directory's folder names: 1-24 letters, digits, Chinese characters, `_`, `.` or `-`.
#[tokio::test]
async fn folder_names_longer_than_24_characters_or_with_other_characters_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let folders = || app.count("select count(*) from rd_folder");
    let before = folders().await;
    let create = |name: String| {
        let owner = owner.clone();
        let app = &app;
        async move {
            app.form(
                Some(&owner),
                "create_folder",
                &format!("folder_name={}&parent_folder_id={ROOT_FOLDER}", enc(&name)),
            )
            .await
        }
    };
    let long = "f".repeat(25);
    for (name, code) in [
        (long.as_str(), "InvalidParameter.Folder.Name.Length"),
        ("Team folder", "InvalidParameter.Folder.Name"),
        ("a+b", "InvalidParameter.Folder.Name"),
        ("", "MissingParameter.Folder.Name"),
    ] {
        let r = create(name.to_owned()).await;
        assert!(r.status.is_client_error(), "{name:?}: {:?}", r.json);
        assert_eq!(r.code(), code, "{name:?}: {:?}", r.json);
    }
    assert_eq!(folders().await, before);
    for name in ["f".repeat(24), "数据团队_2026.eu-west".to_owned()] {
        assert_eq!(create(name.clone()).await.status, StatusCode::OK, "{name}");
    }
    assert_eq!(folders().await, before + 2);
}

#[tokio::test]
async fn restored_cluster_names_refuse_control_bidi_and_invisible_only_values_and_change_nothing() {
    let app = TestApp::new().await;
    let (backup, _) = shared_with(&app, MEMBER, "ResourceDirectory").await;
    let member = app.sign_in("member").await;
    for (name, said) in BAD_NAMES {
        let mut request = restore_request(&backup);
        request["request"]["cluster_name"] = json!(name);
        let r = app.json(Some(&member), "restore_to_new_cluster", request).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.Name"),
            "{name:?}: {:?}",
            r.json
        );
        assert!(r.json["message"].as_str().unwrap().contains(said), "{name:?}");
    }
    assert_eq!(app.count("select count(*) from restore_job").await, 0);
    assert_eq!(app.count("select count(*) from charge").await, 0);
    assert_eq!(
        app.count(&format!("select count(*) from backup_set where backup_set_id = '{backup}' and lock_state = 'None'"))
            .await,
        1
    );
}

#[tokio::test]
async fn ram_user_names_and_ticket_messages_refuse_control_bidi_and_invisible_only_values() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let identities = app.count("select count(*) from identity").await;
    for (name, said) in BAD_NAMES {
        let r = app
            .form(Some(&owner), "create_ram_user", &format!("login_name={}&password=Ops-Pass-2026", enc(name)))
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.Name"),
            "{name:?}: {:?}",
            r.json
        );
        assert!(r.json["message"].as_str().unwrap().contains(said), "{name:?}");
    }
    assert_eq!(app.count("select count(*) from identity").await, identities);

    let nomad = app.sign_in("nobeta").await;
    for (message, said) in BAD_NAMES {
        let r =
            app.form(Some(&nomad), "submit_ticket", &format!("kind=EnableSharedBackup&message={}", enc(message))).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter.Name"),
            "{message:?}: {:?}",
            r.json
        );
        assert!(r.json["message"].as_str().unwrap().contains(said), "{message:?}");
    }
    assert_eq!(app.count("select count(*) from ticket").await, 0);
    // A message may still break lines.
    let r = app
        .form(
            Some(&nomad),
            "submit_ticket",
            &format!("kind=EnableSharedBackup&message={}", enc("line one\r\nline two")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn an_identity_missing_both_sharing_policies_is_told_both_are_required() {
    let app = TestApp::new().await;
    let auditor = app.sign_in("auditor@lumen").await;
    let backup = app.backup_of(SHAREABLE_CLUSTER).await;
    let r = app.share(&auditor, &backup, new_share("audit-share", "AllAccounts", &[PARTNER])).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "Forbidden.RAM"));
    assert_eq!(
        r.json["message"],
        json!("You are not authorized to do this: both the AliyunPolardbFullAccess and AliyunResourceCenterFullAccess system policies are required.")
    );
}

/// The Data Backups page keeps what the rules said of each row until the next expiry on the page
/// (`services::console::rows_shown`): a set that expires with nothing written since is shown as
/// expired on the very next read, for sharing and for conversion alike.
#[tokio::test]
async fn a_set_that_expires_while_its_page_is_kept_in_memory_is_shown_expired_at_once() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let list = || async {
        let r = app.form(Some(&owner), "list_backup_sets", &format!("cluster_id={SHAREABLE_CLUSTER}&page=1")).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        r.json["items"].as_array().unwrap().clone()
    };
    // A set of page 1 the rules allow today, made to expire in an hour (sessions last 12).
    let backup = list().await.iter().find(|b| b["share_blocked"].is_null()).expect("a shareable set on page 1")
        ["backup_set_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_an_hour = polarshare::server::db::ts(app.clock.now() + time::Duration::hours(1));
    app.exec(&format!("update backup_set set expires_at = '{in_an_hour}' where backup_set_id = '{backup}'")).await;
    list().await;
    app.clock.advance(time::Duration::hours(1) - time::Duration::seconds(1));
    let row = |rows: &[serde_json::Value]| rows.iter().find(|b| b["backup_set_id"] == json!(backup)).cloned().unwrap();
    assert!(row(&list().await)["share_blocked"].is_null(), "a second before its expiry it can still be shared");
    app.clock.advance(time::Duration::seconds(1));
    let expired = row(&list().await);
    assert_eq!(expired["share_blocked"]["code"], json!("OperationDenied.BackupSetExpired"), "{expired:?}");
    assert_eq!(
        expired["convert_blocked"]["code"],
        json!("OperationDenied.LevelConversion.BackupSetExpired"),
        "{expired:?}"
    );
}
