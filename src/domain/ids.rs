//! Parsed identifiers and names: once a value has one of these types it is known to be well-formed
//! ("parse, don't validate"), so the rules never re-check shapes.

use super::text::text_enum;
use super::PrincipalType;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_SHARE_NAME_CHARS: usize = 50;
/// Longest id we accept from a client; anything longer is rejected before it reaches a query.
const MAX_ID_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("Enter a resource share name.")]
    ShareNameMissing,
    #[error("The resource share name is {0} characters long; it can be at most 50.")]
    ShareNameTooLong(usize),
    #[error("The resource share name can contain only letters, digits, Chinese characters, periods (.), underscores (_) and hyphens (-).")]
    ShareNameCharacters,
    #[error("{0:?} is not an account ID, resource directory ID or folder ID: an account ID has 16 digits, a directory ID starts with rd- and a folder ID with fd-.")]
    Principal(String),
    #[error("{0:?} is not a valid backup set ID.")]
    BackupSet(String),
    #[error("{0:?} is not a valid cluster ID: cluster IDs start with pc- followed by letters and digits.")]
    Cluster(String),
    #[error("The cluster name must be 2-64 characters: letters, digits, Chinese characters, '.', '_' or '-', starting with a letter or Chinese character.")]
    ClusterName,
    #[error("Enter a folder name.")]
    FolderNameMissing,
    #[error("A folder name has at most {MAX_FOLDER_NAME_CHARS} characters; this one has {0}.")]
    FolderNameTooLong(usize),
    #[error("A folder name may contain only letters, digits, Chinese characters, '_', '.' and '-'.")]
    FolderName,
    #[error("A user name has 1-64 letters, digits, '.', '_', '-' or '@'.")]
    LoginName,
    #[error("{0}")]
    Name(super::NameError),
    #[error("The invitation ID is not valid.")]
    InvitationId,
    #[error("The invitation ID is not valid.")]
    HandshakeId,
    #[error("An account ID has 16 digits.")]
    AccountId,
    #[error("An account name has 1-64 characters and no control characters.")]
    AccountName,
    #[error("The site is aliyun.com (China) or alibabacloud.com (international).")]
    Site,
    #[error("A RAM user's sign-in name ends with @{alias}, your account's alias: enter the name alone, or with that ending.")]
    RamLoginOfAnotherAlias { alias: String },
    #[error("An account's own sign-in name has no '@': that ending names a RAM user of an account.")]
    RootLoginWithAt,
    #[error("The user name is {length} characters long; with @{alias} added to it, it can be at most {max}.")]
    RamNameTooLong { length: usize, max: usize, alias: String },
}

impl IdError {
    pub fn code(&self) -> &'static str {
        match self {
            IdError::ShareNameMissing => "MissingParameter.ResourceShareName",
            IdError::ShareNameTooLong(_) => "InvalidParameter.ResourceShareName.Length",
            IdError::ShareNameCharacters => "InvalidParameter.ResourceShareName",
            IdError::Principal(_) => "InvalidParameter.Targets",
            IdError::BackupSet(_) => "InvalidParameter.BackupSetId",
            IdError::Cluster(_) => "InvalidParameter.DBClusterId",
            IdError::ClusterName => "InvalidParameter.DBClusterDescription",
            IdError::FolderNameMissing => "MissingParameter.Folder.Name",
            IdError::FolderNameTooLong(_) => "InvalidParameter.Folder.Name.Length",
            IdError::FolderName => "InvalidParameter.Folder.Name",
            IdError::LoginName => "InvalidParameter.UserName",
            IdError::Name(e) => e.code(),
            IdError::InvitationId => "InvalidParameter.ResourceShareInvitationId",
            IdError::HandshakeId => "InvalidParameter.HandshakeId",
            IdError::AccountId => "InvalidParameter.AccountId",
            IdError::AccountName => "InvalidParameter.DisplayName",
            IdError::Site => "InvalidParameter.Site",
            IdError::RamLoginOfAnotherAlias { .. } | IdError::RootLoginWithAt => "InvalidParameter.UserName",
            IdError::RamNameTooLong { .. } => "InvalidParameter.UserName.Length",
        }
    }
}

/// Shortens untrusted input before it is echoed back in a message.
fn echo(s: &str) -> String {
    s.chars().take(MAX_ID_CHARS).collect()
}

/// A 16-digit Alibaba Cloud account UID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())).then(|| AccountId(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A backup set id: digits for a local backup, `rp-` + alphanumerics for a cross-region copy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BackupSetId(String);

impl BackupSetId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let alnum = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric());
        let ok = s.len() <= MAX_ID_CHARS && (digits(s) || s.strip_prefix("rp-").is_some_and(alnum));
        if ok {
            Ok(BackupSetId(s.to_owned()))
        } else {
            Err(IdError::BackupSet(echo(s)))
        }
    }
    /// Cross-region copies live in another region than their cluster and can't be shared.
    pub fn is_cross_region_copy(&self) -> bool {
        self.0.starts_with("rp-")
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BackupSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A PolarDB cluster id: `pc-` followed by letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClusterId(String);

impl ClusterId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let ok = s.len() <= MAX_ID_CHARS
            && s.strip_prefix("pc-").is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()));
        if ok {
            Ok(ClusterId(s.to_owned()))
        } else {
            Err(IdError::Cluster(echo(s)))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A principal a share can target: an account, or (inside a resource directory) the directory or a folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PrincipalId {
    Account(AccountId),
    ResourceDirectory(String),
    Folder(String),
}

impl PrincipalId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let tail_ok = |t: &str| !t.is_empty() && t.len() <= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric());
        if let Some(a) = AccountId::parse(s) {
            Ok(PrincipalId::Account(a))
        } else if s.strip_prefix("rd-").is_some_and(tail_ok) {
            Ok(PrincipalId::ResourceDirectory(s.to_owned()))
        } else if s.strip_prefix("fd-").is_some_and(tail_ok) {
            Ok(PrincipalId::Folder(s.to_owned()))
        } else {
            Err(IdError::Principal(echo(s)))
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            PrincipalId::Account(a) => a.as_str(),
            PrincipalId::ResourceDirectory(s) | PrincipalId::Folder(s) => s,
        }
    }
    /// What the principal is (its stored `principal_type`).
    pub fn principal_type(&self) -> PrincipalType {
        match self {
            PrincipalId::Account(_) => PrincipalType::Account,
            PrincipalId::ResourceDirectory(_) => PrincipalType::ResourceDirectory,
            PrincipalId::Folder(_) => PrincipalType::Folder,
        }
    }
}

impl fmt::Display for PrincipalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of a resource share: 1-50 letters, digits, Chinese characters, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceShareName(String);

impl ResourceShareName {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        // Invisible, control and bidi characters get the refusal every name gives them.
        let s = super::check_visible_text(super::NameField::ResourceShareName, s).map_err(IdError::Name)?;
        let chars = s.chars().count();
        if chars == 0 {
            return Err(IdError::ShareNameMissing);
        }
        if chars > MAX_SHARE_NAME_CHARS {
            return Err(IdError::ShareNameTooLong(chars));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') || is_chinese(c);
        if !s.chars().all(allowed) {
            return Err(IdError::ShareNameCharacters);
        }
        Ok(ResourceShareName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a new cluster (a restore's): 2-64 letters, digits, Chinese characters, `.`, `_` or `-`,
/// starting with a letter or Chinese character. Trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterName(String);

impl ClusterName {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = super::check_visible_text(super::NameField::ClusterName, s).map_err(IdError::Name)?;
        let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || is_chinese(c));
        let rest_ok = s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') || is_chinese(c));
        if (2..=64).contains(&s.chars().count()) && first_ok && rest_ok {
            Ok(ClusterName(s.to_owned()))
        } else {
            Err(IdError::ClusterName)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Resource Directory's limit on a folder's name (CreateFolder's FolderName).
pub const MAX_FOLDER_NAME_CHARS: usize = 24;

/// A character Resource Directory allows in a folder name: an English letter, a digit, a Chinese
/// character (CJK unified ideographs and extension A), `_`, `.` or `-`.
fn is_folder_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The name of a folder of a resource directory, as Resource Directory's CreateFolder takes it: 1-24
/// characters (a Chinese character is one), each a letter, digit, Chinese character, `_`, `.` or `-`.
/// Trimmed. Control, bidi and invisible characters are refused first, with the message every name gives.
pub fn parse_folder_name(s: &str) -> Result<&str, IdError> {
    let s = super::check_visible_text(super::NameField::FolderName, s).map_err(IdError::Name)?;
    let length = s.chars().count();
    if length == 0 {
        Err(IdError::FolderNameMissing)
    } else if length > MAX_FOLDER_NAME_CHARS {
        Err(IdError::FolderNameTooLong(length))
    } else if !s.chars().all(is_folder_name_char) {
        Err(IdError::FolderName)
    } else {
        Ok(s)
    }
}

/// The longest sign-in name, a RAM user's `name@alias` included.
pub const MAX_LOGIN_CHARS: usize = 64;

/// A sign-in name (a RAM user's, a root's, the operator's): 1-64 letters, digits, `.`, `_`, `-` or `@`.
pub fn parse_login_name(s: &str) -> Result<&str, IdError> {
    let s = super::check_visible_text(super::NameField::RamUserName, s).map_err(IdError::Name)?;
    if (1..=MAX_LOGIN_CHARS).contains(&s.chars().count())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        Ok(s)
    } else {
        Err(IdError::LoginName)
    }
}

/// A new RAM user's sign-in name: `name@alias`, where `alias` is its account's own (as Alibaba Cloud's
/// `name@alias.onaliyun.com`), so names are unique per account by construction and a root probing a
/// name learns nothing of another account's users. `requested` is the name alone (the ending is added)
/// or already ends with the account's alias; any other ending is refused, whatever exists.
/// The name is at most [`ram_user_name_max`] characters, so that with its ending it is a sign-in name.
pub fn ram_user_login(requested: &str, alias: &str) -> Result<String, IdError> {
    let requested = super::check_visible_text(super::NameField::RamUserName, requested).map_err(IdError::Name)?;
    let name = match requested.split_once('@') {
        None => requested,
        Some((name, ending)) if ending == alias && !name.is_empty() => name,
        Some(_) => return Err(IdError::RamLoginOfAnotherAlias { alias: alias.to_owned() }),
    };
    let (length, max) = (name.chars().count(), ram_user_name_max(alias));
    if length > max {
        return Err(IdError::RamNameTooLong { length, max, alias: alias.to_owned() });
    }
    parse_login_name(requested)?;
    let login = format!("{name}@{alias}");
    parse_login_name(&login)?;
    Ok(login)
}

/// The longest name a RAM user of the account with `alias` can have: the sign-in name `name@alias` is
/// at most [`MAX_LOGIN_CHARS`] (what the create form's name box allows, beside the ending it shows).
pub fn ram_user_name_max(alias: &str) -> usize {
    MAX_LOGIN_CHARS.saturating_sub(alias.chars().count() + 1)
}

/// An account's own (root) or the operator's sign-in name: no '@', which only RAM users' names have,
/// so that no root name can take a name of an account's RAM user namespace.
pub fn parse_root_login(s: &str) -> Result<&str, IdError> {
    let s = parse_login_name(s)?;
    if s.contains('@') {
        Err(IdError::RootLoginWithAt)
    } else {
        Ok(s)
    }
}

/// `prefix` followed by letters and digits, at most 64 characters in all: the form of the ids this
/// server makes (`i-…` resource share invitations, `h-…` directory handshakes).
fn is_prefixed_id(s: &str, prefix: &str) -> bool {
    s.len() <= MAX_ID_CHARS
        && s.strip_prefix(prefix).is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The id of a resource share invitation (`i-…`).
pub fn parse_invitation_id(s: &str) -> Result<&str, IdError> {
    if is_prefixed_id(s, "i-") {
        Ok(s)
    } else {
        Err(IdError::InvitationId)
    }
}

/// The id of an invitation to join a resource directory (a handshake, `h-…`).
pub fn parse_handshake_id(s: &str) -> Result<&str, IdError> {
    if is_prefixed_id(s, "h-") {
        Ok(s)
    } else {
        Err(IdError::HandshakeId)
    }
}

/// An account id typed into a form (trimmed): 16 digits.
pub fn parse_account_id(s: &str) -> Result<AccountId, IdError> {
    AccountId::parse(s.trim()).ok_or(IdError::AccountId)
}

/// The display name of a new cloud account: 1-64 characters, none of them control characters. Trimmed.
pub fn parse_account_name(s: &str) -> Result<&str, IdError> {
    let s = s.trim();
    if (1..=64).contains(&s.chars().count()) && !s.chars().any(char::is_control) {
        Ok(s)
    } else {
        Err(IdError::AccountName)
    }
}

/// A site by its domain (`aliyun.com`, `alibabacloud.com`).
pub fn parse_site(s: &str) -> Result<Site, IdError> {
    Site::parse(s).ok_or(IdError::Site)
}

/// CJK Unified Ideographs and Extension A: what the Chinese API documentation means by "中文".
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

text_enum!(
    /// The two Alibaba Cloud websites, by their domain. Accounts on different sites cannot share with each other.
    pub enum Site {
        /// aliyun.com, the China site.
        China = "aliyun.com",
        /// alibabacloud.com, the international site.
        International = "alibabacloud.com",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cluster_name_may_start_with_a_chinese_character_of_either_block() {
        assert!(ClusterName::parse("订单-restore").is_ok());
        assert!(ClusterName::parse("\u{3400}x").is_ok(), "Extension A counts as Chinese, as in share names");
    }

    #[test]
    fn a_cluster_name_must_start_with_a_letter_and_have_two_to_sixty_four_characters() {
        assert_eq!(ClusterName::parse("1abc").unwrap_err().code(), "InvalidParameter.DBClusterDescription");
        assert!(ClusterName::parse("a").is_err());
        assert!(ClusterName::parse(&"a".repeat(65)).is_err());
        assert_eq!(ClusterName::parse("  ok-name  ").unwrap().as_str(), "ok-name");
    }

    #[test]
    fn a_folder_name_has_no_markup_or_path_characters() {
        assert_eq!(parse_folder_name(" Analytics "), Ok("Analytics"));
        for name in ["a/b", "a<b", "a>b", "a\\b"] {
            assert_eq!(parse_folder_name(name).unwrap_err().code(), "InvalidParameter.Folder.Name", "{name}");
        }
    }

    #[test]
    fn a_folder_name_has_at_most_24_characters() {
        assert_eq!(parse_folder_name(&"f".repeat(24)), Ok("f".repeat(24).as_str()));
        assert_eq!(parse_folder_name(&"f".repeat(25)).unwrap_err().code(), "InvalidParameter.Folder.Name.Length");
        // Characters, not bytes: 24 Chinese characters are a name.
        assert!(parse_folder_name(&"数".repeat(24)).is_ok());
        assert_eq!(parse_folder_name(&"数".repeat(25)).unwrap_err().code(), "InvalidParameter.Folder.Name.Length");
    }

    #[test]
    fn an_empty_folder_name_is_missing() {
        for name in ["", "   "] {
            assert_eq!(parse_folder_name(name).unwrap_err().code(), "MissingParameter.Folder.Name", "{name:?}");
        }
    }

    #[test]
    fn a_folder_name_is_letters_digits_chinese_characters_underscores_periods_and_hyphens() {
        for name in ["rdFolder", "Team_2.eu-west", "数据团队", "财务-2026"] {
            assert_eq!(parse_folder_name(name), Ok(name));
        }
        for name in ["My folder", "a+b", "café", "a,b", "(x)", "a@b", "ａ"] {
            assert_eq!(parse_folder_name(name).unwrap_err().code(), "InvalidParameter.Folder.Name", "{name}");
        }
    }

    #[test]
    fn the_demo_directorys_folder_names_stay_valid() {
        for name in ["Root", "Analytics", "QA"] {
            assert_eq!(parse_folder_name(name), Ok(name));
        }
    }

    #[test]
    fn a_sign_in_name_is_letters_digits_and_a_little_punctuation() {
        assert_eq!(parse_login_name("dba@lumen"), Ok("dba@lumen"));
        assert_eq!(parse_root_login("owner"), Ok("owner"));
        assert_eq!(parse_root_login("dba@lumen"), Err(IdError::RootLoginWithAt));
        assert_eq!(parse_login_name("dba lumen").unwrap_err().code(), "InvalidParameter.UserName");
        assert!(parse_login_name("").is_err());
    }

    #[test]
    fn an_invitation_id_starts_with_i_and_a_handshake_id_with_h() {
        assert_eq!(parse_invitation_id("i-abc123"), Ok("i-abc123"));
        assert_eq!(parse_invitation_id("h-abc123").unwrap_err().code(), "InvalidParameter.ResourceShareInvitationId");
        assert_eq!(parse_handshake_id("h-abc123"), Ok("h-abc123"));
        assert_eq!(parse_handshake_id("i-abc123").unwrap_err().code(), "InvalidParameter.HandshakeId");
    }

    #[test]
    fn an_id_with_punctuation_after_its_prefix_or_longer_than_sixty_four_is_refused() {
        assert!(parse_invitation_id("i-").is_err());
        assert!(parse_invitation_id("i-a'b").is_err());
        assert!(parse_invitation_id(&format!("i-{}", "a".repeat(63))).is_err());
    }

    #[test]
    fn an_account_id_typed_with_spaces_around_it_is_read_and_a_short_one_refused() {
        assert_eq!(parse_account_id(" 1234567890123456 ").map(|a| a.to_string()), Ok("1234567890123456".to_owned()));
        assert_eq!(parse_account_id("12345").unwrap_err().code(), "InvalidParameter.AccountId");
    }

    #[test]
    fn an_account_name_has_one_to_sixty_four_characters_and_no_control_character() {
        assert_eq!(parse_account_name(" Lumen Retail "), Ok("Lumen Retail"));
        assert_eq!(parse_account_name("").unwrap_err().code(), "InvalidParameter.DisplayName");
        assert!(parse_account_name("a\u{7}b").is_err());
        assert!(parse_account_name(&"n".repeat(65)).is_err());
    }

    #[test]
    fn a_site_is_one_of_the_two_domains() {
        assert_eq!(parse_site("alibabacloud.com"), Ok(Site::International));
        assert_eq!(parse_site("example.com").unwrap_err().code(), "InvalidParameter.Site");
    }

    #[test]
    fn a_sixteen_digit_string_is_an_account_principal() {
        let p = PrincipalId::parse("1234567890123456").unwrap();
        assert_eq!(p, PrincipalId::Account(AccountId::parse("1234567890123456").unwrap()));
    }

    #[test]
    fn a_fifteen_digit_string_is_not_a_principal() {
        assert_eq!(PrincipalId::parse("123456789012345").unwrap_err().code(), "InvalidParameter.Targets");
    }

    #[test]
    fn directory_and_folder_ids_are_principals() {
        assert!(matches!(PrincipalId::parse("rd-abc123"), Ok(PrincipalId::ResourceDirectory(_))));
        assert!(matches!(PrincipalId::parse("fd-Xy9"), Ok(PrincipalId::Folder(_))));
    }

    #[test]
    fn an_injection_string_is_not_a_principal() {
        assert!(PrincipalId::parse("1' or '1'='1").is_err());
        assert!(PrincipalId::parse("fd-1;drop table account").is_err());
    }

    #[test]
    fn a_name_of_fifty_characters_is_accepted() {
        assert!(ResourceShareName::parse(&"a".repeat(50)).is_ok());
    }

    #[test]
    fn a_name_longer_than_50_characters_is_rejected() {
        let err = ResourceShareName::parse(&"a".repeat(51)).unwrap_err();
        assert_eq!(err, IdError::ShareNameTooLong(51));
        assert_eq!(err.code(), "InvalidParameter.ResourceShareName.Length");
    }

    #[test]
    fn an_empty_name_is_missing() {
        assert_eq!(ResourceShareName::parse("   ").unwrap_err().code(), "MissingParameter.ResourceShareName");
    }

    #[test]
    fn chinese_characters_and_punctuation_are_allowed_in_a_name() {
        assert!(ResourceShareName::parse("分析团队_share-1.v2").is_ok());
    }

    #[test]
    fn spaces_slashes_and_quotes_are_rejected_in_a_name() {
        for bad in ["my share", "a/b", "x'; drop table", "<script>"] {
            assert_eq!(ResourceShareName::parse(bad).unwrap_err(), IdError::ShareNameCharacters, "{bad}");
        }
    }

    #[test]
    fn control_bidi_and_invisible_only_share_names_get_the_common_name_refusal() {
        for bad in ["a\0b", "report\u{202E}gpj", "\u{200B}"] {
            assert!(matches!(ResourceShareName::parse(bad), Err(IdError::Name(_))), "{bad:?}");
            assert_eq!(ResourceShareName::parse(bad).unwrap_err().code(), "InvalidParameter.Name");
        }
    }

    #[test]
    fn chinese_characters_count_as_one_character_each() {
        assert!(ResourceShareName::parse(&"中".repeat(50)).is_ok());
        assert!(ResourceShareName::parse(&"中".repeat(51)).is_err());
    }

    #[test]
    fn cross_region_backup_ids_are_recognised() {
        assert!(BackupSetId::parse("rp-abc123").unwrap().is_cross_region_copy());
        assert!(!BackupSetId::parse("1234567").unwrap().is_cross_region_copy());
        assert!(BackupSetId::parse("12a").is_err());
    }

    proptest! {
        #[test]
        fn every_accepted_name_is_short_and_clean(s in "\\PC{0,80}") {
            if let Ok(name) = ResourceShareName::parse(&s) {
                let n = name.as_str().chars().count();
                prop_assert!((1..=50).contains(&n));
                prop_assert!(!name.as_str().contains(['\'', '"', '<', ' ', ';']));
            }
        }

        #[test]
        fn principal_parsing_round_trips(s in "[0-9]{16}|rd-[a-z0-9]{1,10}|fd-[a-z0-9]{1,10}") {
            let p = PrincipalId::parse(&s).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
        }
    }

    #[test]
    fn a_ram_users_name_gets_its_accounts_alias_and_no_other() {
        assert_eq!(ram_user_login("ops", "lumen").as_deref(), Ok("ops@lumen"));
        assert_eq!(ram_user_login("ops@lumen", "lumen").as_deref(), Ok("ops@lumen"), "already with its own ending");
        for other in ["ops@harbor", "ops@lumen@lumen", "@lumen", "ops@"] {
            let err = ram_user_login(other, "lumen").unwrap_err();
            assert_eq!(err, IdError::RamLoginOfAnotherAlias { alias: "lumen".into() }, "{other}");
            assert_eq!(err.code(), "InvalidParameter.UserName");
        }
    }

    #[test]
    fn a_ram_users_name_longer_than_what_its_alias_leaves_of_64_characters_is_refused_with_both_lengths() {
        assert_eq!(ram_user_name_max("lumen"), 58);
        assert_eq!(ram_user_name_max("1000000000000001"), 47);
        let longest = "a".repeat(58);
        assert_eq!(ram_user_login(&longest, "lumen").map(|l| l.chars().count()), Ok(64));
        assert_eq!(
            ram_user_login(&format!("{longest}@lumen"), "lumen").map(|l| l.chars().count()),
            Ok(64),
            "typed with its ending"
        );
        for too_long in ["a".repeat(59), format!("{}@lumen", "a".repeat(59)), "a".repeat(1000)] {
            let err = ram_user_login(&too_long, "lumen").unwrap_err();
            let length = too_long.trim_end_matches("@lumen").len();
            assert_eq!(err, IdError::RamNameTooLong { length, max: 58, alias: "lumen".into() });
            assert_eq!(err.code(), "InvalidParameter.UserName.Length");
            assert_eq!(
                err.to_string(),
                format!("The user name is {length} characters long; with @lumen added to it, it can be at most 58.")
            );
        }
        assert_eq!(ram_user_login("", "lumen"), Err(IdError::LoginName), "an empty name is no name");
        assert_eq!(ram_user_login("a b", "lumen"), Err(IdError::LoginName));
    }
}
