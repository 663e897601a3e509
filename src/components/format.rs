//! Formatting numbers and names for display.

/// Bytes in the units a backup table uses (KB, MB, GB, TB; powers of 1024).
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.2} {}", UNITS[unit]) }
}

/// An amount in yuan, from cents: "¥620.00". Every price in the console carries its currency.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}¥{}.{:02}", cents / 100, cents % 100)
}

pub fn edition(code: &str) -> &'static str {
    match code {
        "Limitless" => "Multi-master Cluster (Limitless) Edition",
        "SingleNode" => "Single Node Edition",
        _ => "Cluster Edition",
    }
}

pub fn ha_mode(code: &str) -> &'static str {
    match code {
        "ThreeZoneHotStandby" => "Three-zone (hot standby storage + logger node)",
        "SingleZone" => "Single-zone",
        _ => "Multi-zone",
    }
}

pub fn cluster_status(code: &str) -> &'static str {
    match code {
        "Recycled" => "In recycle bin",
        "Creating" => "Creating",
        _ => "Running",
    }
}

pub fn scope(code: &str) -> &'static str {
    match code {
        "ResourceDirectory" => "Objects Within Resource Directory",
        _ => "All Accounts",
    }
}

/// A share principal's state as the owner reads it: removed (waiting for a running restore, or being
/// revoked), or where its invitation stands (accounts outside the directory), or associated (directory
/// objects and members).
pub fn principal_state(p: &crate::api::types::PrincipalView) -> &'static str {
    match (p.status.as_str(), p.invitation_status.as_deref()) {
        ("Disassociating", _) if p.removal_pending_restore => "Removal pending until the restore ends",
        ("Disassociating", _) => "Being revoked",
        (_, Some("Pending")) => "Invited",
        (_, Some("Accepted")) => "Accepted",
        (_, Some("Rejected")) => "Rejected",
        (_, Some("Expired")) => "Expired",
        (_, Some("Cancelled")) => "Cancelled",
        _ => "Associated",
    }
}

pub fn lock(code: &str) -> &'static str {
    match code {
        "Restoring" => "Locked: restoring",
        "ConvertingLevel" => "Locked: converting to Level-2",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(super::size(512), "512 B");
        assert_eq!(super::size(1536), "1.50 KB");
        assert_eq!(super::size(32 * 1024 * 1024 * 1024), "32.00 GB");
    }

    #[test]
    fn money_carries_the_currency_and_two_decimals() {
        assert_eq!(super::money(62_000), "¥620.00");
        assert_eq!(super::money(5), "¥0.05");
        assert_eq!(super::money(-150), "-¥1.50");
    }
}
