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

/// May the pair (in `current` status) be set to `wanted`? Setting the status it already has is refused,
/// so a script that disables a key learns when someone else already did.
pub fn check_set_access_key_status(is_root: bool, current: AccessKeyStatus, wanted: AccessKeyStatus) -> Result<(), Refusal> {
    if !is_root {
        return Err(Refusal::AccessKeyRootOnly);
    }
    if current == wanted {
        return Err(Refusal::AccessKeyAlreadyInStatus { status: if wanted == AccessKeyStatus::Active { "active" } else { "disabled" } });
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
    fn a_ram_user_may_not_manage_pairs() {
        assert_eq!(check_create_access_key(false, 0), Err(Refusal::AccessKeyRootOnly));
        assert_eq!(check_set_access_key_status(false, AccessKeyStatus::Active, AccessKeyStatus::Inactive), Err(Refusal::AccessKeyRootOnly));
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
