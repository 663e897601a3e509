//! Who may do what: RAM system policies and the identity that signed in.

use super::{AccountId, ShareError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Policy {
    PolardbFullAccess,
    PolardbReadOnlyAccess,
    ResourceCenterFullAccess,
}

impl Policy {
    pub const ALL: [Policy; 3] =
        [Policy::PolardbFullAccess, Policy::PolardbReadOnlyAccess, Policy::ResourceCenterFullAccess];

    pub fn name(self) -> &'static str {
        match self {
            Policy::PolardbFullAccess => "AliyunPolardbFullAccess",
            Policy::PolardbReadOnlyAccess => "AliyunPolardbReadOnlyAccess",
            Policy::ResourceCenterFullAccess => "AliyunResourceCenterFullAccess",
        }
    }

    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// The signed-in identity, as far as the rules care: its account, and what it may do there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub account_id: AccountId,
    /// The account itself (root) holds every permission; RAM users only their attached policies.
    pub is_root: bool,
    pub policies: Vec<Policy>,
}

impl Actor {
    pub fn holds(&self, policy: Policy) -> bool {
        self.is_root || self.policies.contains(&policy)
    }

    /// Seeing clusters and backup sets needs PolarDB read access (full access includes it).
    pub fn may_view_polardb(&self) -> Result<(), ShareError> {
        if self.holds(Policy::PolardbFullAccess) || self.holds(Policy::PolardbReadOnlyAccess) {
            Ok(())
        } else {
            Err(ShareError::MissingPolicy { missing: Policy::PolardbReadOnlyAccess.name().to_owned() })
        }
    }

    /// Deleting backup sets, converting their level and releasing clusters need PolarDB full access.
    pub fn may_change_polardb(&self) -> Result<(), ShareError> {
        if self.holds(Policy::PolardbFullAccess) {
            Ok(())
        } else {
            Err(ShareError::MissingPolicy { missing: Policy::PolardbFullAccess.name().to_owned() })
        }
    }

    /// Sharing, modifying or cancelling a share needs administrator permissions on both PolarDB and
    /// Resource Sharing. The refusal names every policy that is missing.
    pub fn may_change_sharing(&self) -> Result<(), ShareError> {
        let missing: Vec<&'static str> = [Policy::PolardbFullAccess, Policy::ResourceCenterFullAccess]
            .into_iter()
            .filter(|p| !self.holds(*p))
            .map(Policy::name)
            .collect();
        match missing.as_slice() {
            [] => Ok(()),
            [one] => Err(ShareError::MissingPolicy { missing: (*one).to_owned() }),
            _ => Err(ShareError::MissingPolicies { missing }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ram_user(policies: &[Policy]) -> Actor {
        Actor {
            account_id: AccountId::parse("1000000000000001").unwrap(),
            is_root: false,
            policies: policies.to_vec(),
        }
    }

    #[test]
    fn the_root_identity_may_change_sharing() {
        let root = Actor { is_root: true, ..ram_user(&[]) };
        assert!(root.may_change_sharing().is_ok());
    }

    #[test]
    fn a_ram_user_with_both_full_access_policies_may_change_sharing() {
        assert!(ram_user(&[Policy::PolardbFullAccess, Policy::ResourceCenterFullAccess]).may_change_sharing().is_ok());
    }

    #[test]
    fn a_ram_user_with_only_polardb_access_is_told_the_resource_center_policy_is_missing() {
        let err = ram_user(&[Policy::PolardbFullAccess]).may_change_sharing().unwrap_err();
        assert_eq!(err.code(), "Forbidden.RAM");
        assert!(err.to_string().contains("AliyunResourceCenterFullAccess"));
        assert!(!err.to_string().contains("AliyunPolardbFullAccess"));
    }

    #[test]
    fn a_read_only_ram_user_may_view_but_not_share() {
        let user = ram_user(&[Policy::PolardbReadOnlyAccess]);
        assert!(user.may_view_polardb().is_ok());
        let err = user.may_change_sharing().unwrap_err();
        assert_eq!(err.code(), "Forbidden.RAM");
        assert_eq!(
            err.to_string(),
            "You are not authorized to do this: both the AliyunPolardbFullAccess and AliyunResourceCenterFullAccess system policies are required."
        );
    }

    #[test]
    fn a_ram_user_without_policies_may_not_view_polardb() {
        assert_eq!(ram_user(&[]).may_view_polardb().unwrap_err().code(), "Forbidden.RAM");
    }

    #[test]
    fn policy_names_round_trip() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.name()), Some(p));
        }
    }
}
