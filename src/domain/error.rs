//! Why an action is refused: ONE enum, one variant per rule (sharing, resource directory, RAM,
//! AccessKeys, tickets, input), each with the error code of the real Resource Sharing / PolarDB /
//! Resource Directory / RAM API, a sentence a console user understands, and its HTTP status, matched
//! variant by variant so that a new refusal must say where it belongs.

use super::{IdError, NameField, PasswordError, Throttled};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How a refusal maps onto HTTP: the domain knows *what kind* of "no" it is, the server picks the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// 401: nobody is signed in.
    Unauthenticated,
    /// 403: signed in, but this identity may not do it.
    Forbidden,
    /// 404: the thing does not exist for this account (also used for other accounts' things, so ids don't leak).
    NotFound,
    /// 422: the input itself is malformed.
    Invalid,
    /// 409: the input is well-formed but the current state forbids it.
    Conflict,
    /// 429: too many attempts; try again later (the answer says when).
    TooManyRequests,
    /// 503: the server is too busy for this request right now; nothing was done.
    Unavailable,
    /// 500: never a rule's answer; the server's own failures, whose cause is logged and not shown.
    Internal,
    /// 400: the request could not be decoded into the call's arguments (bad JSON, wrong types, missing
    /// fields): nothing a rule looked at.
    BadRequest,
    /// 413: the request body is larger than any call needs.
    TooLarge,
    /// 415: the body is in a content type the call does not take.
    UnsupportedMediaType,
    /// 405: the address exists but does not take this HTTP method.
    MethodNotAllowed,
    /// 408: the request's body did not arrive in time.
    RequestTimeout,
}

impl ErrorKind {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Invalid => 422,
            ErrorKind::Conflict => 409,
            ErrorKind::Internal => 500,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::BadRequest => 400,
            ErrorKind::TooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::RequestTimeout => 408,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Shared backup sets are in beta and not enabled for this account. Submit a ticket to enable the feature.")]
    BetaNotEnabled,
    #[error("You are not authorized to do this: the {missing} system policy is required.")]
    MissingPolicy { missing: String },
    #[error("Backup set {backup_set} does not exist.")]
    BackupSetNotFound { backup_set: String },
    #[error("Backup set {backup_set} is not a backup set of cluster {cluster}.")]
    BackupSetNotInCluster { backup_set: String, cluster: String },
    // What a restore by API names as the shared set's source (SourceResourceId, SourceUid) and is not.
    #[error("Backup set {backup_set} is not a backup of cluster {cluster}.")]
    NotBackupOfSourceCluster { backup_set: String, cluster: String },
    #[error("Backup set {backup_set} is not owned by account {account}.")]
    NotOwnedBySourceUid { backup_set: String, account: String },
    // The caller's own set asked for as a shared one: polarshare restores only what others share.
    #[error("Backup set {backup_set} belongs to your own account: restoring it is an ordinary PolarDB restore (CreateDBCluster with CreationOption=CloneFromPolarDB, your cluster as SourceResourceId, without SourceUid), which polarshare does not perform; it restores only backup sets other accounts share with you.")]
    RestoreOwnBackupSet { backup_set: String },
    // What a restore by API asks the new cluster's engine to be (DBType, DBVersion): a clone has its source's.
    #[error("Backup set {backup_set} is a backup of a {db_type} cluster: a cluster restored from it is {db_type}, so DBType must be {db_type}.")]
    NotSourceEngine { backup_set: String, db_type: String },
    #[error("Backup set {backup_set} is a backup of {db_type} {db_version}: a cluster restored from it is {db_type} {db_version}, so DBVersion must be {db_version}.")]
    NotSourceEngineVersion { backup_set: String, db_type: String, db_version: String },
    #[error("Backup set {backup_set} was shared with your account and cannot be shared again: secondary sharing is not supported.")]
    ReShare { backup_set: String },
    #[error("Backup sets of Multi-master Cluster (Limitless) Edition clusters cannot be shared.")]
    LimitlessEdition,
    #[error("Backup sets of clusters in three-zone high-availability mode with a hot standby storage cluster and logger node cannot be shared.")]
    ThreeZoneHotStandby,
    #[error("Backup sets of clusters in the recycle bin cannot be shared.")]
    ClusterInRecycleBin,
    #[error("The cluster has Transparent Data Encryption (TDE) enabled; disable it to share backup sets.")]
    TdeEnabled,
    #[error("The cluster has disk encryption enabled; disable it to share backup sets.")]
    DiskEncryptionEnabled,
    #[error("Backup set {backup_set} is not active: only successful, available backup sets can be shared.")]
    BackupSetNotActive { backup_set: String },
    #[error("Backup set {backup_set} has expired.")]
    BackupSetExpired { backup_set: String },
    #[error("Backup set {backup_set} is locked while {reason}; {refused} until that finishes.")]
    BackupSetLocked { backup_set: String, reason: &'static str, refused: &'static str },
    #[error(
        "Cross-region backup sets (ids starting with rp-) cannot be shared; share the backup set in its source region."
    )]
    CrossRegionBackupSet,
    #[error(
        "Principal {principal} is on the other site: sharing between aliyun.com and alibabacloud.com is not supported."
    )]
    SiteMismatch { principal: String },
    #[error("You cannot share resources with yourself.")]
    ShareWithYourself,
    #[error("Principal {principal} does not exist.")]
    UnknownPrincipal { principal: String },
    #[error("Principal {principal} is not in your resource directory; with the Objects Within Resource Directory scope you can share only with the directory, its folders and its members.")]
    OutsideResourceDirectory { principal: String },
    #[error(
        "Your account is not in a resource directory, so the Objects Within Resource Directory scope cannot be used."
    )]
    NotInResourceDirectory,
    /// `revoking`: how many of those accounts only a revocation not yet run still gives the set to.
    #[error("Backup set {backup_set} would be shared with {requested} accounts, counting the members of the resource directories and folders it is shared with{}; a backup set can be shared with at most {limit} accounts.", revoking_clause(.revoking))]
    PrincipalLimit { backup_set: String, requested: usize, limit: usize, revoking: Option<super::StillLeaving> },
    /// `leaving`: how many of the shared sets counted are on their way out of the owner's shares.
    #[error("Your account can share at most {limit} resources as owner and this would make {requested}{}. Apply for a quota increase to share more.", leaving_clause(.leaving))]
    QuotaExceeded { limit: u32, requested: u32, leaving: Option<super::StillLeaving> },
    #[error("Add at least one principal.")]
    NoPrincipals,
    #[error("Principal {principal} is listed more than once.")]
    DuplicatePrincipal { principal: String },
    #[error("{0}")]
    InvalidInput(crate::domain::IdError),
    #[error("A resource share named {name} already exists in your account.")]
    NameTaken { name: String },
    #[error("The resource share does not exist in the current account.")]
    ShareNotFound,
    #[error("The resource share is being deleted and cannot be changed.")]
    ShareNotActive,
    #[error("The share has {count} principal(s) outside your resource directory; remove them before turning off sharing with external accounts.")]
    ExternalPrincipalsRemain { count: usize },
    #[error("You can not disassociate unassociated resource or target.")]
    NotAssociated,
    #[error(
        "The account was added to the resource share automatically by resource directory, so it can not leave it."
    )]
    LeavingDirectoryShare,
    #[error("The invitation has expired: invitations are valid for 7 days. Ask the owner to share again.")]
    InvitationExpired,
    #[error("The invitation has already been accepted.")]
    InvitationAlreadyAccepted,
    #[error("The invitation has already been rejected.")]
    InvitationAlreadyRejected,
    #[error("The invitation was cancelled by the owner.")]
    InvitationCancelled,
    #[error("The invitation does not exist.")]
    InvitationNotFound,
    #[error("Access to backup set {backup_set} is being revoked by its owner; it can no longer be used to restore a cluster.")]
    AccessBeingRevoked { backup_set: String },
    #[error("The backup set is in {region}: a shared backup set can be restored only in its own region.")]
    CrossRegionRestore { region: String },
    #[error("Backup set {backup_set} was shared with your account: it is read-only, only its owner can change or delete it.")]
    SharedReadOnly { backup_set: String },
    #[error("The cluster is already in the recycle bin.")]
    ClusterAlreadyReleased,
    #[error("The cluster is still being created from a backup set; it can be released once it is running.")]
    ClusterBeingCreated,
    #[error("{what}")]
    TicketNotNeeded { what: &'static str },
    #[error("You already have an open ticket of this kind; wait for the platform to answer it.")]
    TicketAlreadyOpen,
    #[error("Only the platform operator can {action}.")]
    NotOperator { action: &'static str },
    #[error("The ticket has already been decided.")]
    TicketClosed,
    #[error("The ticket does not exist.")]
    TicketNotFound,
    #[error("You already have a restore from backup set {backup_set} running; wait for it to finish before starting another.")]
    RestoreAlreadyRunning { backup_set: String },
    /// An owner's removal of a principal waits for a running restore to end. The principal refused is
    /// told neither of the removal nor of the restore: both may be another account's, which it must not
    /// learn of (see `lock_shown_to_principal`).
    #[error("The owner is changing the sharing of backup set {backup_set}; no restore from it can start until that change takes effect. Try again later.")]
    RemovalWaitsForRestore { backup_set: String },
    #[error("{0}")]
    LevelConversion(crate::domain::ConversionError),
    #[error("You are not authorized to do this: {} system policies are required.", both(missing))]
    MissingPolicies { missing: Vec<&'static str> },
    /// A policy the identity held when its request was checked was detached before the request's write
    /// (see [`crate::domain::check_still_held`]).
    #[error("You are no longer authorized to do this: {} detached from you while this request was running. Nothing was changed.", were_detached(detached))]
    PoliciesDetached { detached: Vec<&'static str> },
    #[error("Only the account itself (root) can {action}.")]
    RootOnly { action: String },
    #[error("The cluster does not exist in your account.")]
    ClusterNotFound,
    #[error("The RAM user does not exist in your account.")]
    RamUserNotFound,
    #[error("That sign-in name is already taken.")]
    LoginTaken,
    #[error("The RAM user already has the {policy} policy attached.")]
    PolicyAlreadyAttached { policy: &'static str },
    #[error("The RAM user does not have the {policy} policy attached.")]
    PolicyNotAttached { policy: &'static str },
    #[error("Account {principal} already has a pending invitation to backup set {backup_set}; it stands until the account answers it or it expires.")]
    InvitationAlreadyExists { principal: String, backup_set: String },
    #[error("Your account can have at most {limit} pending invitations and this would make {requested}. Wait for invitees to answer, or cancel some.")]
    PendingInvitationLimit { limit: u32, requested: u32 },
    #[error("A page holds 1 to {max} items.")]
    InvalidPageSize { max: u32 },
    #[error("Page numbers start at 1.")]
    InvalidPageNumber,

    // Resource directory membership (codes of the Resource Directory API's handshakes).
    #[error("Only the management account of a resource directory can change it.")]
    NotManagementAccount,
    #[error("The account does not exist.")]
    AccountNotFound,
    #[error("A resource directory cannot span aliyun.com and alibabacloud.com accounts.")]
    DirectorySiteMismatch,
    #[error("The account is already a member of a resource directory.")]
    AlreadyInDirectory,
    #[error("Your account is already a member of a resource directory: leave it before joining another one.")]
    InviteeJoinedAnother,
    #[error(
        "The account already has a pending invitation to your resource directory; cancel it or wait for its answer."
    )]
    AlreadyInvitedToDirectory,
    #[error("The invitation does not exist.")]
    DirectoryInvitationNotFound,
    #[error("The invitation has expired: invitations to a resource directory are valid for 14 days. Ask the management account to invite you again.")]
    DirectoryInvitationExpired,
    #[error("The invitation has already been accepted.")]
    DirectoryInvitationAlreadyAccepted,
    #[error("The invitation has already been rejected.")]
    DirectoryInvitationAlreadyRejected,
    #[error("The invitation was cancelled by the management account.")]
    DirectoryInvitationCancelled,
    #[error("The management account cannot leave its own resource directory.")]
    ManagementAccountCannotLeave,
    #[error("Your account is not a member of a resource directory.")]
    NotADirectoryMember,
    #[error("A resource directory holds at most five levels of folders under its Root folder; this folder would be at level {level}.")]
    FolderTooDeep { level: usize },
    #[error("The caller must be the management account of the resource directory.")]
    NotDirectorySharingManager,
    #[error("Sharing with the resource directory is already enabled: it is on for every resource directory from its creation.")]
    SharingWithDirectoryAlreadyEnabled,
    #[error("The account is not a member of your resource directory.")]
    MemberNotFound,
    #[error("The folder does not exist in your resource directory.")]
    FolderNotFound,

    // AccessKey pairs (codes of RAM's CreateAccessKey, UpdateAccessKey, DeleteAccessKey).
    #[error("An identity can have at most {limit} AccessKey pairs. Delete one before creating another.")]
    AccessKeyLimit { limit: usize },
    #[error("Only the account itself (root) can manage AccessKey pairs.")]
    AccessKeyRootOnly,
    #[error("The AccessKey pair does not exist for this identity.")]
    AccessKeyNotFound,
    #[error("The AccessKey pair is already {status}.")]
    AccessKeyAlreadyInStatus { status: &'static str },
    #[error("This request already created AccessKey pair {access_key_id}; its secret was shown only in the answer to the first request. Delete the pair if that answer was lost.")]
    AccessKeyAlreadyCreated { access_key_id: String },
    #[error("The request token must be 1 to {max} letters, digits, '-' or '_'.")]
    InvalidRequestToken { max: usize },

    // Input that is well-formed but names something already taken, or a new password below policy.
    #[error("A {} named {name:?} already exists {scope}; choose another name.", field.label())]
    NameInUse { field: NameField, name: String, scope: &'static str },
    #[error("{0}")]
    InvalidPassword(PasswordError),

    // A value that was never among the console's choices, or longer than its field takes.
    #[error("The region does not exist.")]
    UnknownRegion,
    #[error("Choose one of the listed zones.")]
    UnknownZone,
    #[error("Zone {zone} is not in region {region}: choose one of its zones, or name none for its first.")]
    ZoneNotInRegion { zone: String, region: String },
    #[error("Choose one of the listed node specifications.")]
    UnknownNodeSpec,
    #[error("Choose pay-as-you-go or subscription.")]
    UnknownPayType,
    #[error("A subscription needs its term: Period (Month or Year) and UsedTime (how many). Nothing was restored.")]
    SubscriptionPeriodMissing,
    #[error("The subscription's Period is Month or Year. Nothing was restored.")]
    UnknownSubscriptionPeriod,
    #[error("A subscription needs UsedTime: how many months (1 to 9) or years (1 to 3). Nothing was restored.")]
    SubscriptionUsedTimeMissing,
    #[error("{}", if *period == "Month" { "A monthly subscription is bought for 1 to 9 months. Nothing was restored." } else { "A yearly subscription is bought for 1 to 3 years. Nothing was restored." })]
    SubscriptionUsedTimeOutOfRange { period: &'static str },
    #[error("Choose one of the system policies.")]
    UnknownPolicy,
    #[error("Choose what the ticket asks for.")]
    UnknownTicketKind,
    #[error("Choose an action from the list.")]
    UnknownAuditAction,
    #[error("The sharing method must be new (create a resource share) or existing (add to one). Nothing was shared.")]
    UnknownSharingMethod,
    #[error("Dates are written YYYY-MM-DD.")]
    InvalidDate,
    #[error("Search for at most {max} characters of a share's name.")]
    SearchTooLong { max: usize },
    #[error("The message can be at most 1,000 characters.")]
    TicketMessageTooLong { max: usize },

    // Signing in and changing one's password.
    #[error("Enter your sign-in name and password.")]
    MissingCredentials,
    #[error("Enter your current password and a new one.")]
    MissingPasswords,
    #[error("The sign-in name or password is incorrect.")]
    BadCredentials,
    #[error("Your current password is incorrect.")]
    WrongCurrentPassword,
    #[error("No root or RAM user signs in as {login:?}.")]
    NoSuchLogin { login: String },
    /// Every password-hashing slot is taken: the attempt was not checked (and not counted).
    #[error("The console is busy checking other passwords and did not check yours. Try again in a few seconds.")]
    SignInBusy,
    /// The sign-in throttle refused the attempt at `now`.
    #[error("{}", throttled_sentence(.wait, .now))]
    SignInThrottled { wait: Throttled, now: OffsetDateTime },

    // The transport: what the server refuses before any call runs.
    #[error("The console accepts changes only from its own pages, and this request came from another site. Nothing was changed.")]
    CrossOrigin,
    /// The request named a host the console is not served under (see `guard::check_host`): what a
    /// DNS-rebinding page sends. `public_host` is `--public-origin`'s host, when set.
    #[error("{}", unknown_host_sentence(.host, .public_host.as_deref()))]
    UnknownHost { host: String, public_host: Option<String> },
    #[error("There is no call {path}. Nothing was changed.")]
    UnknownCall { path: String },
    #[error("This call takes a body of type {expected}, not {sent}. Nothing was changed.")]
    WrongContentType { expected: &'static str, sent: String },
    #[error("The request body is larger than the {limit_kb} KB a call may send. Nothing was changed.")]
    BodyTooLarge { limit_kb: usize },
    /// `allowed` is what the address takes: POST for a call, GET for a page.
    #[error("This address takes {allowed} requests, not {method}. Nothing was changed.")]
    MethodNotAllowed { method: String, allowed: &'static str },
    #[error("The request body did not arrive within {limit_secs} seconds. Nothing was changed.")]
    BodyTooSlow { limit_secs: u64 },
    /// A body sent compressed (`Content-Encoding`): the server reads bodies only as they are sent.
    #[error(
        "This server takes request bodies uncompressed, not with Content-Encoding {encoding}. Nothing was changed."
    )]
    EncodedBody { encoding: String },
    /// The request named a host (`host:port`, how CONNECT asks a proxy for a tunnel) instead of a path.
    #[error("The console is not a proxy: a request names a path on it, not {target}. Nothing was changed.")]
    TargetNotAPath { target: String },
    /// One client holds the most connections the server keeps open for one address.
    #[error("Your address already has {limit} connections open to the console, the most it may hold at once. Close some and try again.")]
    TooManyConnections { limit: usize },
    /// The body did not decode into the call's arguments; the sentence names the field when it can.
    #[error("{sentence}")]
    UndecodableBody { sentence: String },
}

fn unknown_host_sentence(host: &str, public_host: Option<&str>) -> String {
    match public_host {
        Some(own) => format!(
            "The console is served as {own} (--public-origin), not as {host}. Open it at its own address. Nothing was changed."
        ),
        None => format!(
            "The console answers at an IP address or localhost, not at {host}. To serve it under a name, start it with --public-origin. Nothing was changed."
        ),
    }
}

/// A time a refusal's sentence names ([`Refusal::named_time`]): the instant, and its words there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTime {
    pub at: OffsetDateTime,
    pub words: String,
}

/// "08:10 UTC": when something being revoked stops counting.
fn utc_clock(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02} UTC", at.hour(), at.minute())
}

/// "until 08:10 UTC", or, while a restore holds the revocation back (no time yet), what it waits for.
fn until_words(until: Option<OffsetDateTime>, restore: &str) -> String {
    match until {
        Some(at) => format!("until {}", utc_clock(at)),
        None => format!("until their revocation, which waits for {restore} to end"),
    }
}

/// What a 64-account refusal adds when accounts being revoked are among those counted.
fn revoking_clause(revoking: &Option<super::StillLeaving>) -> String {
    let until = |r: &super::StillLeaving| until_words(r.until, "the restore reading the set");
    match revoking {
        Some(r) if r.count == 1 => {
            format!(", and 1 account still being revoked (it keeps access, and counts, {})", until(r))
        }
        Some(r) => {
            format!(", and {} accounts still being revoked (they keep access, and count, {})", r.count, until(r))
        }
        None => String::new(),
    }
}

/// What a quota refusal adds when sets on their way out are among those counted: how many, and when the
/// first of them stops counting (what the owner waits for to share one more).
fn leaving_clause(leaving: &Option<super::StillLeaving>) -> String {
    match leaving {
        Some(l) if l.count == 1 => format!(
            ", counting 1 backup set still being taken out of a share or in a share being deleted (it counts {})",
            until_words(l.until, "a restore reading it")
        ),
        Some(l) => format!(
            ", counting {} backup sets still being taken out of shares or in shares being deleted (each counts until its revocation; the first {})",
            l.count,
            match l.until {
                Some(at) => format!("stops counting at {}", utc_clock(at)),
                None => "waits for a restore reading it to end".to_owned(),
            }
        ),
        None => String::new(),
    }
}

fn throttled_sentence(wait: &Throttled, now: &OffsetDateTime) -> String {
    wait.message(*now)
}

/// How long a busy sign-in should wait before trying again.
const SIGN_IN_BUSY_RETRY_SECS: u64 = 2;

/// "both the A and B" (or "the A, B and C"): the policies a refusal names, in a sentence.
fn both(names: &[&str]) -> String {
    match names {
        [a, b] => format!("both the {a} and {b}"),
        [init @ .., last] => format!("the {} and {last}", init.join(", ")),
        [] => "the".to_owned(),
    }
}

/// "the A system policy was" (or "the A and B system policies were").
fn were_detached(names: &[&str]) -> String {
    match names {
        [one] => format!("the {one} system policy was"),
        _ => format!("{} system policies were", both(names).trim_start_matches("both ")),
    }
}

impl Refusal {
    /// The error code, in the style of the Resource Sharing API (`ShareWithYourself`, `QuotaExceeded.SharedResource.Count`).
    pub fn code(&self) -> &'static str {
        use Refusal::*;
        match self {
            BetaNotEnabled => "OperationDenied.SharedBackupNotEnabled",
            MissingPolicy { .. } => "Forbidden.RAM",
            BackupSetNotFound { .. } | BackupSetNotInCluster { .. } => "EntityNotExists.BackupSet",
            ReShare { .. } => "OperationDenied.SecondarySharing",
            LimitlessEdition => "OperationDenied.ClusterEdition",
            ThreeZoneHotStandby => "OperationDenied.ClusterHaMode",
            ClusterInRecycleBin => "OperationDenied.ClusterInRecycleBin",
            TdeEnabled => "OperationDenied.TDEEnabled",
            DiskEncryptionEnabled => "OperationDenied.DiskEncryptionEnabled",
            BackupSetNotActive { .. } => "OperationDenied.BackupSetNotActive",
            BackupSetExpired { .. } => "OperationDenied.BackupSetExpired",
            BackupSetLocked { .. } => "OperationDenied.BackupSetLocked",
            CrossRegionBackupSet => "OperationDenied.CrossRegionBackupSet",
            SiteMismatch { .. } => "InvalidTarget.SiteMismatch",
            ShareWithYourself => "ShareWithYourself",
            UnknownPrincipal { .. } => "EntityNotExists.Target",
            OutsideResourceDirectory { .. } => "InvalidTarget",
            NotInResourceDirectory => "AccountNotInResourceDirectory",
            PrincipalLimit { .. } => "QuotaExceeded.SharedTarget.Count",
            QuotaExceeded { .. } => "QuotaExceeded.SharedResource.Count",
            NoPrincipals => "MissingParameter.Targets",
            DuplicatePrincipal { .. } => "InvalidParameter.Targets.Duplicate",
            InvalidInput(e) => e.code(),
            NameTaken { .. } => "EntityAlreadyExists.ResourceShare",
            ShareNotFound => "EntityNotExists.ResourceShare",
            ShareNotActive => "ResourceShareStatusMismatchAction",
            ExternalPrincipalsRemain { .. } => "OperationNotPermitted",
            NotAssociated => "DisassociateInvalid",
            LeavingDirectoryShare => "LeavingFailed.Account",
            InvitationExpired => "InvitationStatus.Expired",
            InvitationAlreadyAccepted => "InvitationStatus.AlreadyAccepted",
            InvitationAlreadyRejected => "InvitationStatus.AlreadyRejected",
            InvitationCancelled => "InvitationStatus.Cancelled",
            InvitationNotFound => "EntityNotExists.ResourceShareInvitation",
            AccessBeingRevoked { .. } => "OperationDenied.SharingRevoking",
            CrossRegionRestore { .. } => "OperationDenied.CrossRegionRestore",
            SharedReadOnly { .. } => "OperationDenied.SharedBackupReadOnly",
            ClusterAlreadyReleased | ClusterBeingCreated => "OperationDenied.ClusterStatus",
            TicketNotNeeded { .. } => "Ticket.NotNeeded",
            TicketAlreadyOpen => "Ticket.AlreadyOpen",
            NotOperator { .. } => "Forbidden.NotOperator",
            TicketClosed => "Ticket.Closed",
            TicketNotFound => "EntityNotExists.Ticket",
            RestoreAlreadyRunning { .. } => "OperationDenied.RestoreAlreadyRunning",
            RemovalWaitsForRestore { .. } => "OperationDenied.SharingChanging",
            LevelConversion(e) => e.code(),
            MissingPolicies { .. } | PoliciesDetached { .. } => "Forbidden.RAM",
            RootOnly { .. } => "Forbidden.RAM",
            ClusterNotFound => "EntityNotExists.DBCluster",
            RamUserNotFound => "EntityNotExists.User",
            LoginTaken => "EntityAlreadyExists.User",
            PolicyAlreadyAttached { .. } => "EntityAlreadyExists.User.Policy",
            PolicyNotAttached { .. } => "EntityNotExist.User.Policy",
            InvitationAlreadyExists { .. } => "EntityAlreadyExists.ResourceShareInvitation",
            PendingInvitationLimit { .. } => "QuotaExceeded.PendingInvitations",
            InvalidPageSize { .. } => "InvalidParameter.MaxResults",
            InvalidPageNumber => "InvalidParameter.PageNumber",
            NotManagementAccount => "NotManagementAccount",
            AccountNotFound => "EntityNotExists.Account",
            DirectorySiteMismatch => "InvalidTarget.SiteMismatch",
            AlreadyInDirectory | InviteeJoinedAnother => "AccountAlreadyInResourceDirectory",
            AlreadyInvitedToDirectory => "EntityAlreadyExists.Handshake",
            DirectoryInvitationNotFound => "EntityNotExists.Handshake",
            DirectoryInvitationExpired => "HandshakeStatus.Expired",
            DirectoryInvitationAlreadyAccepted => "HandshakeStatus.AlreadyAccepted",
            DirectoryInvitationAlreadyRejected => "HandshakeStatus.AlreadyDeclined",
            DirectoryInvitationCancelled => "HandshakeStatus.Cancelled",
            ManagementAccountCannotLeave => "OperationDenied.ManagementAccount",
            NotADirectoryMember => "AccountNotInResourceDirectory",
            FolderTooDeep { .. } => "LimitExceeded.FolderDepth",
            NotDirectorySharingManager => "ActionNotPermitted",
            SharingWithDirectoryAlreadyEnabled => "AlreadyEnabled",
            MemberNotFound => "EntityNotExists.Member",
            FolderNotFound => "EntityNotExists.Folder",
            AccessKeyLimit { .. } => "LimitExceeded.User.AccessKey",
            AccessKeyRootOnly => "Forbidden.AccessKey",
            AccessKeyNotFound => "EntityNotExist.User.AccessKey",
            AccessKeyAlreadyInStatus { .. } => "InvalidParameter.Status",
            AccessKeyAlreadyCreated { .. } => "AccessKey.AlreadyCreated",
            InvalidRequestToken { .. } => "InvalidParameter.RequestToken",
            NameInUse { .. } => "EntityAlreadyExists.Name",
            InvalidPassword(e) => e.code(),
            UnknownRegion => "InvalidParameter.RegionId",
            UnknownZone | ZoneNotInRegion { .. } => "InvalidParameter.ZoneId",
            UnknownNodeSpec => "InvalidParameter.DBNodeClass",
            UnknownPayType => "InvalidParameter.PayType",
            SubscriptionPeriodMissing => "MissingParameter.Period",
            UnknownSubscriptionPeriod => "InvalidParameter.Period",
            SubscriptionUsedTimeMissing => "MissingParameter.UsedTime",
            SubscriptionUsedTimeOutOfRange { .. } => "InvalidParameter.UsedTime",
            NotBackupOfSourceCluster { .. } => "InvalidParameter.SourceResourceId",
            NotOwnedBySourceUid { .. } => "InvalidParameter.SourceUid",
            RestoreOwnBackupSet { .. } => "UnsupportedOperation.OwnBackupSet",
            NotSourceEngine { .. } => "InvalidParameter.DBType",
            NotSourceEngineVersion { .. } => "InvalidParameter.DBVersion",
            UnknownPolicy => "InvalidParameter.PolicyName",
            UnknownTicketKind => "InvalidParameter.TicketKind",
            UnknownAuditAction => "InvalidParameter.Action",
            UnknownSharingMethod => "InvalidParameter.SharingMethod",
            InvalidDate => "InvalidParameter.Date",
            SearchTooLong { .. } => "InvalidParameter.Name",
            TicketMessageTooLong { .. } => "InvalidParameter.Message.Length",
            MissingCredentials | MissingPasswords => "MissingParameter",
            BadCredentials => "InvalidCredentials",
            WrongCurrentPassword => "InvalidPassword.Current",
            NoSuchLogin { .. } => "EntityNotExists.User",
            SignInBusy => "ServiceUnavailable",
            SignInThrottled { .. } => "Throttling.SignIn",
            CrossOrigin => "Forbidden.CrossOrigin",
            UnknownHost { .. } => "Forbidden.Host",
            UnknownCall { .. } => "InvalidAction.NotFound",
            WrongContentType { .. } => "UnsupportedMediaType",
            BodyTooLarge { .. } => "RequestEntityTooLarge",
            MethodNotAllowed { .. } => "MethodNotAllowed",
            BodyTooSlow { .. } => "RequestTimeout",
            EncodedBody { .. } => "UnsupportedMediaType",
            TargetNotAPath { .. } => "InvalidParameter.RequestTarget",
            TooManyConnections { .. } => "Throttling.Connections",
            UndecodableBody { .. } => "InvalidParameter",
        }
    }

    /// The time the sentence names, if it names one, with the words it writes it in: the sentence
    /// stays whole (an API caller reads it as it is), and a console shows that time in its viewer's own
    /// zone in place of those words.
    pub fn named_time(&self) -> Option<NamedTime> {
        match self {
            Refusal::SignInThrottled { wait, .. } => {
                Some(NamedTime { at: wait.retry_at, words: super::throttle::retry_clock(wait.retry_at) })
            }
            Refusal::PrincipalLimit { revoking: Some(super::StillLeaving { until: Some(at), .. }), .. }
            | Refusal::QuotaExceeded { leaving: Some(super::StillLeaving { until: Some(at), .. }), .. } => {
                Some(NamedTime { at: *at, words: utc_clock(*at) })
            }
            _ => None,
        }
    }

    /// Seconds after which trying again may succeed, for the refusals that are about timing rather
    /// than the request (the `Retry-After` header).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Refusal::SignInBusy => Some(SIGN_IN_BUSY_RETRY_SECS),
            Refusal::TooManyConnections { .. } => Some(1),
            Refusal::SignInThrottled { wait, now } => Some(wait.retry_after_secs(*now)),
            _ => None,
        }
    }

    /// What kind of "no" each refusal is (and so its HTTP status), decided variant by variant: a new
    /// refusal must say where it belongs.
    pub fn kind(&self) -> ErrorKind {
        use Refusal::*;
        match self {
            BetaNotEnabled
            | MissingPolicy { .. }
            | MissingPolicies { .. }
            | PoliciesDetached { .. }
            | RootOnly { .. }
            | NotOperator { .. }
            | ReShare { .. }
            | SharedReadOnly { .. }
            | NotManagementAccount
            | AccessKeyRootOnly
            | WrongCurrentPassword
            | CrossOrigin
            | UnknownHost { .. } => ErrorKind::Forbidden,
            SignInBusy => ErrorKind::Unavailable,
            SignInThrottled { .. } => ErrorKind::TooManyRequests,
            WrongContentType { .. } => ErrorKind::UnsupportedMediaType,
            BodyTooLarge { .. } => ErrorKind::TooLarge,
            MethodNotAllowed { .. } => ErrorKind::MethodNotAllowed,
            BodyTooSlow { .. } => ErrorKind::RequestTimeout,
            EncodedBody { .. } => ErrorKind::UnsupportedMediaType,
            TargetNotAPath { .. } => ErrorKind::BadRequest,
            TooManyConnections { .. } => ErrorKind::Unavailable,
            UndecodableBody { .. } => ErrorKind::BadRequest,
            BadCredentials => ErrorKind::Unauthenticated,
            BackupSetNotFound { .. }
            | BackupSetNotInCluster { .. }
            | UnknownPrincipal { .. }
            | ShareNotFound
            | InvitationNotFound
            | TicketNotFound
            | ClusterNotFound
            | RamUserNotFound
            | PolicyNotAttached { .. }
            | AccountNotFound
            | DirectoryInvitationNotFound
            | MemberNotFound
            | FolderNotFound
            | AccessKeyNotFound
            | NoSuchLogin { .. }
            | UnknownCall { .. } => ErrorKind::NotFound,
            NoPrincipals
            | DuplicatePrincipal { .. }
            | InvalidInput(_)
            | NotAssociated
            | InvalidPageSize { .. }
            | InvalidPageNumber
            | InvalidPassword(_)
            | UnknownRegion
            | UnknownZone
            | ZoneNotInRegion { .. }
            | UnknownNodeSpec
            | UnknownPayType
            | SubscriptionPeriodMissing
            | UnknownSubscriptionPeriod
            | SubscriptionUsedTimeMissing
            | SubscriptionUsedTimeOutOfRange { .. }
            | NotBackupOfSourceCluster { .. }
            | NotOwnedBySourceUid { .. }
            | RestoreOwnBackupSet { .. }
            | NotSourceEngine { .. }
            | NotSourceEngineVersion { .. }
            | UnknownPolicy
            | UnknownTicketKind
            | UnknownAuditAction
            | UnknownSharingMethod
            | InvalidDate
            | SearchTooLong { .. }
            | TicketMessageTooLong { .. }
            | InvalidRequestToken { .. }
            | MissingCredentials
            | MissingPasswords => ErrorKind::Invalid,
            LimitlessEdition
            | ThreeZoneHotStandby
            | ClusterInRecycleBin
            | TdeEnabled
            | DiskEncryptionEnabled
            | BackupSetNotActive { .. }
            | BackupSetExpired { .. }
            | BackupSetLocked { .. }
            | CrossRegionBackupSet
            | SiteMismatch { .. }
            | ShareWithYourself
            | OutsideResourceDirectory { .. }
            | NotInResourceDirectory
            | PrincipalLimit { .. }
            | QuotaExceeded { .. }
            | NameTaken { .. }
            | ShareNotActive
            | ExternalPrincipalsRemain { .. }
            | LeavingDirectoryShare
            | InvitationExpired
            | InvitationAlreadyAccepted
            | InvitationAlreadyRejected
            | InvitationCancelled
            | AccessBeingRevoked { .. }
            | CrossRegionRestore { .. }
            | ClusterAlreadyReleased
            | ClusterBeingCreated
            | TicketNotNeeded { .. }
            | TicketAlreadyOpen
            | TicketClosed
            | RestoreAlreadyRunning { .. }
            | RemovalWaitsForRestore { .. }
            | LevelConversion(_)
            | InvitationAlreadyExists { .. }
            | PendingInvitationLimit { .. }
            | LoginTaken
            | PolicyAlreadyAttached { .. }
            | DirectorySiteMismatch
            | AlreadyInDirectory
            | InviteeJoinedAnother
            | AlreadyInvitedToDirectory
            | DirectoryInvitationExpired
            | DirectoryInvitationAlreadyAccepted
            | DirectoryInvitationAlreadyRejected
            | DirectoryInvitationCancelled
            | ManagementAccountCannotLeave
            | NotADirectoryMember
            | NotDirectorySharingManager
            | SharingWithDirectoryAlreadyEnabled
            | FolderTooDeep { .. }
            | AccessKeyLimit { .. }
            | AccessKeyAlreadyInStatus { .. }
            | AccessKeyAlreadyCreated { .. }
            | NameInUse { .. } => ErrorKind::Conflict,
        }
    }
}

impl From<IdError> for Refusal {
    fn from(e: IdError) -> Self {
        Refusal::InvalidInput(e)
    }
}

impl From<super::NameError> for Refusal {
    fn from(e: super::NameError) -> Self {
        Refusal::InvalidInput(IdError::Name(e))
    }
}

impl From<PasswordError> for Refusal {
    fn from(e: PasswordError) -> Self {
        Refusal::InvalidPassword(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_that_does_not_exist_is_not_found_not_a_conflict() {
        let err = Refusal::UnknownPrincipal { principal: "9999999999999999".into() };
        assert_eq!((err.kind().http_status(), err.code()), (404, "EntityNotExists.Target"));
    }

    #[test]
    fn an_invitation_that_does_not_exist_is_not_found() {
        assert_eq!(Refusal::InvitationNotFound.kind().http_status(), 404);
    }

    #[test]
    fn a_directory_refusal_and_a_share_refusal_are_the_same_type_with_their_own_statuses() {
        let refusals = [
            (Refusal::DirectoryInvitationNotFound, 404, "EntityNotExists.Handshake"),
            (Refusal::InvitationNotFound, 404, "EntityNotExists.ResourceShareInvitation"),
            (Refusal::NotManagementAccount, 403, "NotManagementAccount"),
            (Refusal::DirectoryInvitationAlreadyRejected, 409, "HandshakeStatus.AlreadyDeclined"),
        ];
        for (refusal, status, code) in refusals {
            assert_eq!((refusal.kind().http_status(), refusal.code()), (status, code), "{refusal:?}");
        }
    }

    #[test]
    fn an_accesskey_that_does_not_exist_is_not_found_with_rams_code() {
        let err = Refusal::AccessKeyNotFound;
        assert_eq!((err.kind().http_status(), err.code()), (404, "EntityNotExist.User.AccessKey"));
    }

    #[test]
    fn a_weak_password_is_invalid_input() {
        let err = Refusal::from(PasswordError::TooShort);
        assert_eq!((err.kind().http_status(), err.code()), (422, "InvalidPassword.Policy"));
    }

    fn status_code_retry(err: Refusal) -> (u16, &'static str, Option<u64>) {
        (err.kind().http_status(), err.code(), err.retry_after_secs())
    }

    #[test]
    fn a_sign_in_while_every_hashing_slot_is_taken_is_unavailable_for_two_seconds() {
        assert_eq!(status_code_retry(Refusal::SignInBusy), (503, "ServiceUnavailable", Some(2)));
    }

    #[test]
    fn a_throttled_sign_in_is_too_many_requests_and_says_when_to_try_again() {
        let now = time::macros::datetime!(2026-11-27 08:00:00 UTC);
        let wait = Throttled { retry_at: now + time::Duration::seconds(90), locked: true };
        let err = Refusal::SignInThrottled { wait, now };
        assert_eq!(status_code_retry(err.clone()), (429, "Throttling.SignIn", Some(90)));
        assert_eq!(
            err.to_string(),
            "Sign-in is locked after too many failed attempts. Try again in 2 minutes (at 08:01:30 UTC)."
        );
    }

    #[test]
    fn a_change_sent_from_another_site_is_forbidden() {
        assert_eq!(status_code_retry(Refusal::CrossOrigin), (403, "Forbidden.CrossOrigin", None));
    }

    #[test]
    fn a_call_no_server_function_answers_is_not_found_and_named() {
        let err = Refusal::UnknownCall { path: "/api/nope".into() };
        assert_eq!(status_code_retry(err.clone()), (404, "InvalidAction.NotFound", None));
        assert!(err.to_string().contains("/api/nope"));
    }

    #[test]
    fn a_body_of_another_content_type_is_an_unsupported_media_type() {
        let err = Refusal::WrongContentType { expected: "application/json", sent: "text/plain".into() };
        assert_eq!(status_code_retry(err), (415, "UnsupportedMediaType", None));
    }

    #[test]
    fn a_body_over_the_limit_is_too_large() {
        let err = Refusal::BodyTooLarge { limit_kb: 64 };
        assert_eq!(status_code_retry(err.clone()), (413, "RequestEntityTooLarge", None));
        assert!(err.to_string().contains("64 KB"));
    }

    #[test]
    fn a_method_the_address_does_not_take_is_not_allowed_and_says_which_it_takes() {
        let err = Refusal::MethodNotAllowed { method: "GET".into(), allowed: "POST" };
        assert_eq!(status_code_retry(err.clone()), (405, "MethodNotAllowed", None));
        assert_eq!(err.to_string(), "This address takes POST requests, not GET. Nothing was changed.");
    }

    #[test]
    fn a_body_that_stops_arriving_is_a_request_timeout() {
        let err = Refusal::BodyTooSlow { limit_secs: 30 };
        assert_eq!(status_code_retry(err.clone()), (408, "RequestTimeout", None));
        assert!(err.to_string().contains("30 seconds"));
    }

    #[test]
    fn a_body_that_does_not_decode_is_a_bad_request_with_its_sentence() {
        let err = Refusal::UndecodableBody { sentence: "The field `page` must be a whole number.".into() };
        assert_eq!(status_code_retry(err.clone()), (400, "InvalidParameter", None));
        assert_eq!(err.to_string(), "The field `page` must be a whole number.");
    }
}
