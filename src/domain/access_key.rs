//! AccessKey pairs: the rules for creating and changing them. An identity (a root or a RAM user) holds
//! at most two, as in the real RAM console, so a key can be rotated (make the second, move the scripts,
//! disable and delete the first) without a moment with no key.

use super::text::text_enum;
use super::Refusal;

/// At most this many pairs per identity, active or not.
pub const MAX_ACCESS_KEYS_PER_IDENTITY: usize = 2;

text_enum!(
    /// Whether calls signed with a pair are accepted.
    pub enum AccessKeyStatus {
        Active = "Active",
        Inactive = "Inactive",
    }
);

/// May `is_root` create another pair for an identity that holds `existing` already?
pub fn check_create_access_key(is_root: bool, existing: usize) -> Result<(), Refusal> {
    if !is_root {
        return Err(Refusal::AccessKeyRootOnly);
    }
    if existing >= MAX_ACCESS_KEYS_PER_IDENTITY {
        return Err(Refusal::AccessKeyLimit { limit: MAX_ACCESS_KEYS_PER_IDENTITY });
    }
    Ok(())
}

/// The longest request token a New AccessKey form may send.
pub const MAX_REQUEST_TOKEN_CHARS: usize = 64;

/// How long a request token is remembered: a double-submitted form arrives within seconds; a token
/// kept longer would only hold rows for no one.
pub const REQUEST_TOKEN_MEMORY: time::Duration = time::Duration::hours(1);

/// The token a New AccessKey form sends, made once for each time the form is shown: the same token
/// again is the same request (a double click, a resent form), not a new one.
pub fn check_request_token(token: &str) -> Result<(), Refusal> {
    let fits = (1..=MAX_REQUEST_TOKEN_CHARS).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if !fits {
        return Err(Refusal::InvalidRequestToken { max: MAX_REQUEST_TOKEN_CHARS });
    }
    Ok(())
}

/// A request whose token already created `created` (within [`REQUEST_TOKEN_MEMORY`]) makes no second
/// pair, and its answer never holds a secret: that was sent once, to the first.
pub fn check_not_created_already(created: Option<String>) -> Result<(), Refusal> {
    match created {
        Some(access_key_id) => Err(Refusal::AccessKeyAlreadyCreated { access_key_id }),
        None => Ok(()),
    }
}

/// May the pair (in `current` status) be set to `wanted`? Setting the status it already has is refused,
/// so a script that disables a key learns when someone else already did.
pub fn check_set_access_key_status(
    is_root: bool,
    current: AccessKeyStatus,
    wanted: AccessKeyStatus,
) -> Result<(), Refusal> {
    if !is_root {
        return Err(Refusal::AccessKeyRootOnly);
    }
    if current == wanted {
        return Err(Refusal::AccessKeyAlreadyInStatus {
            status: if wanted == AccessKeyStatus::Active { "active" } else { "disabled" },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorKind;

    #[test]
    fn a_root_may_create_a_first_and_a_second_pair() {
        assert_eq!(check_create_access_key(true, 0), Ok(()));
        assert_eq!(check_create_access_key(true, 1), Ok(()));
    }

    #[test]
    fn a_third_pair_is_refused_with_rams_code() {
        let e = check_create_access_key(true, 2).unwrap_err();
        assert_eq!((e.code(), e.kind()), ("LimitExceeded.User.AccessKey", ErrorKind::Conflict));
    }

    #[test]
    fn a_request_token_already_used_is_answered_as_already_created() {
        assert_eq!(check_not_created_already(None), Ok(()));
        let e = check_not_created_already(Some("LTAI1".into())).unwrap_err();
        assert_eq!((e.code(), e.kind()), ("AccessKey.AlreadyCreated", ErrorKind::Conflict));
        assert!(e.to_string().contains("LTAI1"));
    }

    #[test]
    fn a_request_token_is_short_and_plain() {
        assert!(check_request_token("f3a9-0b21_Z").is_ok());
        for bad in ["", "a b", "ü", &"x".repeat(MAX_REQUEST_TOKEN_CHARS + 1)] {
            assert_eq!(check_request_token(bad).unwrap_err().code(), "InvalidParameter.RequestToken", "{bad:?}");
        }
    }

    #[test]
    fn a_ram_user_may_not_manage_pairs() {
        assert_eq!(check_create_access_key(false, 0), Err(Refusal::AccessKeyRootOnly));
        assert_eq!(
            check_set_access_key_status(false, AccessKeyStatus::Active, AccessKeyStatus::Inactive),
            Err(Refusal::AccessKeyRootOnly)
        );
    }

    #[test]
    fn disabling_a_disabled_pair_is_refused() {
        let e = check_set_access_key_status(true, AccessKeyStatus::Inactive, AccessKeyStatus::Inactive).unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.Status");
        assert!(check_set_access_key_status(true, AccessKeyStatus::Active, AccessKeyStatus::Inactive).is_ok());
        assert!(check_set_access_key_status(true, AccessKeyStatus::Inactive, AccessKeyStatus::Active).is_ok());
    }

    #[test]
    fn a_status_reads_back_as_written() {
        for s in [AccessKeyStatus::Active, AccessKeyStatus::Inactive] {
            assert_eq!(AccessKeyStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AccessKeyStatus::parse("active"), None);
    }
}
