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
