//! The password policy every new password meets, whoever sets it (the identity itself, root for a RAM
//! user, the command line for the operator and new accounts).

/// Fewer characters than this are guessable offline from a leaked hash in hours.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Argon2 hashes any length, but a cap keeps a request's work (and memory) bounded.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Of lowercase letters, uppercase letters, digits and other characters, at least this many kinds.
pub const MIN_CHARACTER_CLASSES: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("The password is too short: use at least {MIN_PASSWORD_CHARS} characters.")]
    TooShort,
    #[error("The password is too long: use at most {MAX_PASSWORD_CHARS} characters.")]
    TooLong,
    #[error("The password needs at least {MIN_CHARACTER_CLASSES} of these: lowercase letters, uppercase letters, digits, other characters.")]
    TooFewClasses,
    #[error("The password must not contain the sign-in name.")]
    ContainsLogin,
    #[error("The password must not contain control characters (tabs, line breaks and the like).")]
    ControlCharacter,
}

impl PasswordError {
    pub fn code(&self) -> &'static str {
        "InvalidPassword.Policy"
    }
}

/// Checks a new password for the identity signing in as `login`.
pub fn check_password_policy(password: &str, login: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    if password.chars().any(char::is_control) {
        return Err(PasswordError::ControlCharacter);
    }
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|&&present| present).count() < MIN_CHARACTER_CLASSES {
        return Err(PasswordError::TooFewClasses);
    }
    let lowered = password.to_lowercase();
    // The whole name, and for `user@account` names a user part of 4 or more characters too: both are
    // the first guesses. (Shorter parts, like `ops`, are too common inside ordinary words to forbid.)
    let login = login.trim().to_lowercase();
    let user_part = login.split('@').next().unwrap_or("");
    let whole = login.chars().count() >= 3 && lowered.contains(&login);
    if whole || (user_part.chars().count() >= 4 && lowered.contains(user_part)) {
        return Err(PasswordError::ContainsLogin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_password_with_three_kinds_of_characters_is_accepted() {
        assert_eq!(check_password_policy("Demo-Pass-2026", "owner"), Ok(()));
        assert_eq!(check_password_policy("correct horse 7 battery", "owner"), Ok(()));
    }

    #[test]
    fn a_password_shorter_than_ten_characters_is_refused() {
        assert_eq!(check_password_policy("Ab1-Ab1-a", "owner"), Err(PasswordError::TooShort));
    }

    #[test]
    fn a_password_of_exactly_ten_and_of_128_characters_is_accepted() {
        assert_eq!(check_password_policy("Abcdefg-12", "owner"), Ok(()));
        let long = format!("Aa1{}", "x".repeat(125));
        assert_eq!(check_password_policy(&long, "owner"), Ok(()));
    }

    #[test]
    fn a_password_longer_than_128_characters_is_refused() {
        let long = format!("Aa1{}", "x".repeat(126));
        assert_eq!(check_password_policy(&long, "owner"), Err(PasswordError::TooLong));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Ten characters, more than ten bytes.
        assert_eq!(check_password_policy("Pässwörd-1", "owner"), Ok(()));
    }

    #[test]
    fn a_password_of_only_two_kinds_of_characters_is_refused() {
        assert_eq!(check_password_policy("abcdefgh1234", "owner"), Err(PasswordError::TooFewClasses));
        assert_eq!(check_password_policy("ABCDEFGHIJKL", "owner"), Err(PasswordError::TooFewClasses));
        assert_eq!(check_password_policy("abcdef-ghijk", "owner"), Err(PasswordError::TooFewClasses));
    }

    #[test]
    fn a_password_containing_the_sign_in_name_is_refused_whatever_its_case() {
        assert_eq!(check_password_policy("Owner-2026-x", "owner"), Err(PasswordError::ContainsLogin));
        assert_eq!(check_password_policy("xx-OWNER-2026", "owner"), Err(PasswordError::ContainsLogin));
    }

    #[test]
    fn a_password_containing_the_user_part_of_a_ram_name_is_refused() {
        assert_eq!(check_password_policy("Analyst-2026!", "analyst@lumen"), Err(PasswordError::ContainsLogin));
        assert_eq!(check_password_policy("Lumen-Pass-2026", "analyst@lumen"), Ok(()));
        assert_eq!(
            check_password_policy("Ops-Pass-2026", "ops@lumen"),
            Ok(()),
            "a three-letter user part is not checked"
        );
        assert_eq!(check_password_policy("my-ops@lumen-1", "ops@lumen"), Err(PasswordError::ContainsLogin));
    }

    #[test]
    fn very_short_names_do_not_forbid_every_password_that_contains_them() {
        assert_eq!(check_password_policy("Abcdefg-12", "ab"), Ok(()));
    }

    #[test]
    fn a_password_with_a_control_character_is_refused() {
        assert_eq!(check_password_policy("Demo-Pass\t2026", "owner"), Err(PasswordError::ControlCharacter));
        assert_eq!(check_password_policy("Demo-Pass\u{0}2026", "owner"), Err(PasswordError::ControlCharacter));
    }

    #[test]
    fn every_refusal_carries_the_policy_code_and_a_sentence() {
        for e in [
            PasswordError::TooShort,
            PasswordError::TooLong,
            PasswordError::TooFewClasses,
            PasswordError::ContainsLogin,
            PasswordError::ControlCharacter,
        ] {
            assert_eq!(e.code(), "InvalidPassword.Policy");
            assert!(e.to_string().ends_with('.'), "{e}");
        }
    }
}
