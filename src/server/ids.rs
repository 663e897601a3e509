//! Random identifiers in the shapes the real services use (`rs-` + 8, `i-` + 12) and session tokens.

use rand::{distributions::Alphanumeric, rngs::OsRng, Rng, RngCore};

fn random_alphanumeric(len: usize) -> String {
    OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
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
