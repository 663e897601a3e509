//! The sharing rules of shared backup sets, as pure decisions.
//!
//! Nothing here touches Leptos, SQL, the network or the clock: callers load the facts a decision needs,
//! pass `now` in, and write the outcome. That keeps every rule unit-testable without a database and lets
//! the same code compile for the browser (where reading the system clock would panic).

mod access;
mod access_key;
mod billing;
mod bounds;
mod choices;
mod conversion;
mod directory;
mod error;
mod governance;
mod ids;
mod invitations;
mod lifecycle;
mod names;
mod password;
mod permission;
mod redirect;
mod rules;
mod session;
mod share_changes;
mod share_plan;
mod text;
mod throttle;

pub use access::{
    access_to_set, grant_at_expiry, leaves_shares_by_expiry, moved_out_grant, places_arrived_at, principal_grant,
    reaches_by_place, share_membership, shares_reached_by_place, AcceptedInvitations, Grant, MovedOutGrantFacts,
    PrincipalGrantFacts, Recipient, ShareEntry, SharedSetAccess,
};
pub use access_key::{
    check_create_access_key, check_not_created_already, check_request_token, check_set_access_key_status,
    AccessKeyStatus, MAX_ACCESS_KEYS_PER_IDENTITY, REQUEST_TOKEN_MEMORY,
};
pub use billing::{
    backup_storage_bill, charges_total_at, hourly_price_cents, hours_begun, subscription_price_cents, BillingChoice,
    ChargeTerms, ClusterCharge, StorageBill, StoredBackup, SubscriptionTerm, BACKUP_STORAGE_CENTS_PER_GIB_MONTH,
    FREE_BACKUP_STORAGE_BYTES, HOURS_PER_BILLING_MONTH,
};
pub use bounds::{home_region, PageRequest, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use choices::{
    check_audit_action_filter, check_region_choice, check_share_search, check_ticket_message, node_spec_price,
    parse_day, parse_policy_name, parse_ticket_kind, pay_type_name, region_of_zone, restore_node_spec,
    restore_placement, zone_region, zones, RestorePlacement, MAX_SHARE_SEARCH_CHARS, MAX_TICKET_MESSAGE_CHARS,
    NODE_SPECS,
};
pub use conversion::{check_level_conversion, BackupLevel, ConversionError};
pub use directory::{
    answer_directory_invitation, cancel_directory_invitation, check_folder_level, check_invite, check_leave,
    check_manager, check_may_act_for_account, check_remove_member, enable_sharing_with_directory, Invitee,
    ManagedDirectory, Membership, DIRECTORY_INVITATION_VALIDITY,
};
pub use error::{ErrorKind, NamedTime, Refusal};
pub use governance::{
    check_creates_accounts, check_ticket_decision, check_ticket_submission, ticket_outcome, TicketGrant, TicketKind,
    TicketStatus, RAISED_SHARE_QUOTA,
};
pub use ids::{
    parse_account_id, parse_account_name, parse_folder_name, parse_handshake_id, parse_invitation_id, parse_login_name,
    parse_root_login, parse_site, ram_user_login, ram_user_name_max, AccountId, BackupSetId, ClusterId, ClusterName,
    IdError, PrincipalId, ResourceShareName, Site, MAX_FOLDER_NAME_CHARS, MAX_SHARE_NAME_CHARS,
};
pub use invitations::{
    check_no_pending_invitation, check_pending_invitation_limit, invitation_listed_in_region, offered_until,
    principal_is_sharing, rename_shows_on_invitation, shown_invitation_status, ShownInvitationStatus,
    DEFAULT_MAX_PENDING_INVITATIONS,
};
pub use lifecycle::{
    answer_invitation, check_delete_backup, check_invitation_receiver, check_may_answer_invitations, check_may_restore,
    check_release_cluster, check_restore, restore_progress, Answer, InvitationStatus, PrincipalAccess, RestoreStatus,
};
pub use lifecycle::{
    check_named_source, departure_timing, lock_shown_to_principal, principal_change_timing, restore_source_not_shared,
    FoundSource, NamedSource, RemovalTiming, RestoreHolds,
};
pub use names::{check_name_unused, check_visible_text, visible_escapes, NameError, NameField};
pub use password::{check_password_policy, PasswordError, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
pub use permission::{check_policy_change, check_still_held, Actor, ConsolePage, IdentityKind, PageAccess, Policy};
pub use redirect::same_origin_path;
pub use rules::{
    check_may_manage_shares, check_principal_limit, check_principals, check_quota, check_share_quota, check_sharer,
    check_unlocked, check_unlocked_for, cluster_shareability, must_accept_invitation, rules_hold_until, shareability,
    shareability_in_share, still_holds, AssociationStatus, BackupLock, BackupSetAccess, BackupSetFacts, BackupStatus,
    ClusterFacts, ClusterStatus, Edition, HaMode, LeavesAt, LockedOperation, OwnerFacts, PlaceMembers, PrincipalFacts,
    PrincipalScope, PrincipalTargetKind, PrincipalType, Reach, ShareStatus, StillLeaving, MAX_ACCOUNTS_PER_BACKUP_SET,
};
pub use session::{
    renewed_session_end, session_end_at_sign_in, KNOWN_DEVICE_LIFETIME, SESSION_IDLE, SESSION_LIFETIME,
    SESSION_RENEWAL_STEP,
};
pub use share_changes::{
    check_leave_share, check_resource_removal, check_scope_change_unlocked, check_share_active, plan_scope_change,
    plan_share_deletion, ShareMembership,
};
pub use share_plan::{plan_share, ExistingShare, PrincipalChange, ShareFacts, SharePlan, ShareTarget};
pub use text::{utc_seconds, Redacted, UnknownText};
pub use throttle::{
    address_key, duration_words, Admission, Attempt, LockScope, SignInThrottle, StoredLock, ThrottleRule,
    ThrottleTable, Throttled,
};
