//! Naming the field: leptos decodes a server function's arguments with serde_qs (forms) or serde_json
//! and reports a wrong-typed value without saying which field it was ("invalid digit found in
//! string"). Before the call, the body is decoded here into the same argument type through
//! `serde_path_to_error`, with the same decoder settings, so a refusal can say `page` or
//! `request.backup_set_id`. Each server function's argument type is listed once, below; a test checks
//! that every registered server function is.

use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::OnceLock;

/// What is wrong with a body, naming the field when serde can: `None` when it decodes.
type Check = fn(&[u8]) -> Option<Undecodable>;

/// A body that does not decode into the call's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    /// The field's path (`page`, `request.method.New.principals[0]`), when the decoder got that far.
    pub field: Option<String>,
    pub detail: String,
}

fn form<T: DeserializeOwned>(body: &[u8]) -> Option<Undecodable> {
    // The settings leptos' PostUrl decoder uses (depth 5, not strict).
    let config = serde_qs::Config::new(5, false);
    let deserializer = match serde_qs::Deserializer::with_config(&config, body) {
        Ok(d) => d,
        Err(e) => return Some(Undecodable { field: None, detail: e.to_string() }),
    };
    serde_path_to_error::deserialize::<_, T>(deserializer).err().map(named)
}

fn json<T: DeserializeOwned>(body: &[u8]) -> Option<Undecodable> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize::<_, T>(&mut deserializer).err().map(named)
}

fn named<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Undecodable {
    let path = e.path().to_string();
    let detail = e.inner().to_string();
    // "." is the root: the body as a whole (empty, or not an object) rather than one field; and a body
    // cut short is wrong as a whole, wherever it happened to stop.
    let whole = path == "." || path.is_empty() || detail.contains("EOF while parsing");
    Undecodable { field: (!whole).then_some(path), detail }
}

macro_rules! checks {
    ($($name:ident),+ $(,)?) => {
        fn table() -> HashMap<&'static str, Check> {
            let mut checks: HashMap<&'static str, Check> = HashMap::new();
            $(
                let check: Check = if crate::api::JSON_INPUT.contains(&<crate::api::$name as ServerFn>::PATH) {
                    json::<crate::api::$name>
                } else {
                    form::<crate::api::$name>
                };
                checks.insert(<crate::api::$name as ServerFn>::PATH, check);
            )+
            checks
        }
    };
}

checks!(
    CurrentViewer,
    SignIn,
    SignOut,
    ListClusters,
    ListBackupSets,
    LoadShareDialog,
    ShareBackupSet,
    SubmitShare,
    ListInvitations,
    AnswerInvitation,
    ListMyShares,
    ListSharesByMe,
    UpdateResourceShare,
    DeleteResourceShare,
    ListSharedWithMe,
    RestoreToNewCluster,
    SubmitRestore,
    ListRestoreJobs,
    Billing,
    DeleteBackupSet,
    ConvertBackupLevel,
    ReleaseCluster,
    SharingRelationship,
    ListTickets,
    SubmitTicket,
    DecideTicket,
    Quota,
    AuditTrail,
    ListRamUsers,
    CreateRamUser,
    SetRamPassword,
    SetRamPolicy,
    DeleteRamUser,
    ResourceDirectory,
    CreateFolder,
    AddMember,
    MoveMember,
    RemoveMember,
    MyDirectory,
    DirectoryPage,
    AnswerDirectoryInvitation,
    CancelDirectoryInvitation,
    LeaveDirectory,
    ChangePassword,
    CreateAccount,
    ListAccessKeys,
    CreateAccessKey,
    SetAccessKeyStatus,
    DeleteAccessKey
);

fn checks() -> &'static HashMap<&'static str, Check> {
    static CHECKS: OnceLock<HashMap<&'static str, Check>> = OnceLock::new();
    CHECKS.get_or_init(table)
}

/// Whether `path` is a server function whose arguments are checked here.
pub fn knows(path: &str) -> bool {
    checks().contains_key(path)
}

/// Decodes `body` as `path`'s arguments; what is wrong with it, if anything.
pub fn check(path: &str, body: &[u8]) -> Option<Undecodable> {
    checks().get(path).and_then(|check| check(body))
}
