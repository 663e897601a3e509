//! Formatting numbers and names for display.

use crate::api::types::PrincipalView;
use crate::domain::{
    AssociationStatus, BackupLock, ClusterStatus, Edition, HaMode, InvitationStatus, PrincipalScope, RestoreStatus,
};

/// Bytes in the units a backup table uses (KB, MB, GB, TB; powers of 1024), to two decimals and never
/// rounded up: storage is billed by whole GB, so 101 GB less a byte (not billed beyond the free 100)
/// must not read "101.00 GB". Worked in integers, so no float error moves a figure across a hundredth.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let bytes = bytes.max(0);
    let mut unit = 0;
    while unit < UNITS.len() - 1 && bytes >= 1i64 << (10 * (unit + 1)) {
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} B");
    }
    let hundredths = i128::from(bytes) * 100 / (1i128 << (10 * unit));
    format!("{}.{:02} {}", hundredths / 100, hundredths % 100, UNITS[unit])
}

/// An amount in yuan, from cents: "¥620.00", "¥1,860.00". Every price in the console carries its
/// currency, and its yuan are grouped by thousands as [`count`] writes numbers.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}¥{}.{:02}", count((cents / 100) as i64), cents % 100)
}

/// A count with thousands separators, as the console's sentences write numbers: "1,024".
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

pub fn edition(edition: Edition) -> &'static str {
    match edition {
        Edition::Cluster => "Cluster Edition",
        Edition::Limitless => "Multi-master Cluster (Limitless) Edition",
        Edition::SingleNode => "Single Node Edition",
    }
}

pub fn ha_mode(mode: HaMode) -> &'static str {
    match mode {
        HaMode::SingleZone => "Single-zone",
        HaMode::MultiZone => "Multi-zone",
        HaMode::ThreeZoneHotStandby => "Three-zone (hot standby storage + logger node)",
    }
}

pub fn cluster_status(status: ClusterStatus) -> &'static str {
    match status {
        ClusterStatus::Running => "Running",
        ClusterStatus::Creating => "Creating",
        ClusterStatus::Recycled => "In recycle bin",
    }
}

pub fn scope(scope: PrincipalScope) -> &'static str {
    match scope {
        PrincipalScope::AllAccounts => "All Accounts",
        PrincipalScope::ResourceDirectory => "Objects Within Resource Directory",
    }
}

/// A share principal's state as the owner reads it: removed (waiting for a running restore, or being
/// revoked), or where its invitation stands (accounts outside the directory), or associated (directory
/// objects and members). The one label for it, wherever the console lists principals.
pub fn principal_state(p: &PrincipalView) -> &'static str {
    match (p.status, p.invitation_status) {
        (AssociationStatus::Disassociating, _) if p.removal_pending_restore => "Removal pending until the restore ends",
        (AssociationStatus::Disassociating, _) => "Being revoked",
        (AssociationStatus::Associated, Some(InvitationStatus::Pending)) => "Invited",
        (AssociationStatus::Associated, Some(InvitationStatus::Accepted)) => "Accepted",
        (AssociationStatus::Associated, Some(InvitationStatus::Rejected)) => "Rejected",
        (AssociationStatus::Associated, Some(InvitationStatus::Expired)) => "Expired",
        (AssociationStatus::Associated, Some(InvitationStatus::Cancelled)) => "Cancelled",
        (AssociationStatus::Associated, None) => "Associated",
    }
}

pub fn lock(lock: BackupLock) -> &'static str {
    match lock {
        BackupLock::None => "",
        BackupLock::Restoring => "Locked: restoring",
        BackupLock::ConvertingLevel => "Locked: converting to Level-2",
    }
}

/// A principal's restore job as its cluster's state: the new cluster is being created while it runs.
pub fn restore_cluster_status(status: RestoreStatus) -> &'static str {
    match status {
        RestoreStatus::Running => "Creating",
        RestoreStatus::Succeeded => "Running",
        RestoreStatus::Failed => "Failed",
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
    fn a_size_is_never_shown_larger_than_it_is() {
        const GIB: i64 = 1024 * 1024 * 1024;
        assert_eq!(super::size(101 * GIB - 1), "100.99 GB");
        assert_eq!(super::size(1024 * 1024 - 1), "1023.99 KB");
        assert_eq!(super::size(1024 * GIB + GIB / 2), "1.00 TB");
        assert_eq!(super::size(i64::MAX), "8388607.99 TB");
        assert_eq!(super::size(-5), "0 B");
    }

    #[test]
    fn money_carries_the_currency_and_two_decimals() {
        assert_eq!(super::money(62_000), "¥620.00");
        assert_eq!(super::money(5), "¥0.05");
        assert_eq!(super::money(-150), "-¥1.50");
        assert_eq!(super::money(186_000), "¥1,860.00");
        assert_eq!(super::money(-123_456_789), "-¥1,234,567.89");
    }

    #[test]
    fn counts_group_thousands_with_commas() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1024), "1,024");
        assert_eq!(super::count(1_234_567), "1,234,567");
        assert_eq!(super::count(-1000), "-1,000");
    }
}
