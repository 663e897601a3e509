//! Random identifiers in the shapes the real services use (`rs-` + 8, `i-` + 12) and session tokens.

use rand::{rngs::OsRng, Rng, RngCore};

const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` letters and digits, each equally likely, from the operating system's generator. The bytes are
/// drawn in one call each round (drawing character by character made a system call per character:
/// ~30 per share made); a byte of 248 or more is dropped so that `% 62` favours no character.
fn random_alphanumeric(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        OsRng.fill_bytes(&mut bytes);
        out.extend(
            bytes
                .iter()
                .filter(|&&b| b < 248)
                .map(|&b| char::from(ALPHANUMERIC[usize::from(b % 62)]))
                .take(len - out.len()),
        );
    }
    out
}

pub fn resource_share_id() -> String {
    format!("rs-{}", random_alphanumeric(8))
}

pub fn invitation_id() -> String {
    format!("i-{}", random_alphanumeric(12))
}

/// A resource directory invitation: Resource Directory calls them handshakes (`h-` + 12).
pub fn handshake_id() -> String {
    format!("h-{}", random_alphanumeric(12))
}

/// `prefix-` followed by `len` random lower-case hex digits (restore jobs, clusters, folders, tickets).
pub fn hex_id(prefix: &str, len: usize) -> String {
    format!("{prefix}-{}", &session_token()[..len.min(64)])
}

/// 256 random bits, hex-encoded: the value of the session cookie.
pub fn session_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new account's UID: 16 digits, starting with 1 as the real ones do.
pub fn account_id() -> String {
    format!("1{:015}", OsRng.gen_range(0..1_000_000_000_000_000u64))
}

/// A generated password of 20 characters from letters, digits and a few symbols, without look-alikes
/// (0/O, 1/l/I); redrawn until it meets the password policy (mostly the first draw does).
pub fn password(login: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.!";
    loop {
        let candidate: String = (0..20).map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())])).collect();
        if crate::domain::check_password_policy(&candidate, login).is_ok() {
            return candidate;
        }
    }
}

/// An AccessKey id in the real ones' shape: `LTAI` and 20 letters and digits.
pub fn access_key_id() -> String {
    format!("LTAI{}", random_alphanumeric(20))
}

/// An AccessKey secret: 30 letters and digits (~178 bits), as the real ones.
pub fn access_key_secret() -> String {
    random_alphanumeric(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_real_services_shapes() {
        let share = resource_share_id();
        assert!(
            share.starts_with("rs-") && share.len() == 11 && share[3..].bytes().all(|b| b.is_ascii_alphanumeric()),
            "{share}"
        );
        let invitation = invitation_id();
        assert!(
            invitation.starts_with("i-")
                && invitation.len() == 14
                && invitation[2..].bytes().all(|b| b.is_ascii_alphanumeric()),
            "{invitation}"
        );
        let key = access_key_id();
        assert!(key.starts_with("LTAI") && key.len() == 24, "{key}");
        assert_eq!(access_key_secret().len(), 30);
        assert_eq!(random_alphanumeric(200).len(), 200, "longer than one round of bytes");
    }

    /// Over 62,000 characters each of the 62 is expected 1,000 times (standard deviation ~31): one
    /// favoured or never drawn would show far outside 700-1,300.
    #[test]
    fn every_letter_and_digit_is_drawn_about_equally_often() {
        let mut counts = std::collections::HashMap::new();
        for _ in 0..1_000 {
            for c in random_alphanumeric(62).chars() {
                *counts.entry(c).or_insert(0u32) += 1;
            }
        }
        assert_eq!(counts.len(), 62);
        assert!(counts.values().all(|&n| (700..=1_300).contains(&n)), "{counts:?}");
    }
}
