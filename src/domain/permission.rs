//! Who may do what: RAM system policies and the identity that signed in.

use super::text::text_enum;
use super::{AccountId, Refusal};
use serde::{Deserialize, Serialize};

text_enum!(
    /// A RAM system policy, by its name in RAM as the real console lists it.
    pub enum Policy {
        PolardbFullAccess = "AliyunPolardbFullAccess",
        PolardbReadOnlyAccess = "AliyunPolardbReadOnlyAccess",
        ResourceCenterFullAccess = "AliyunResourceCenterFullAccess",
        /// ActionTrail read-only: the audit trail and its CSV export.
        ActionTrailReadOnlyAccess = "AliyunActionTrailReadOnlyAccess",
        /// Billing (BSS) read-only: the Billing page.
        BssReadOnlyAccess = "AliyunBSSReadOnlyAccess",
        /// Support (tickets): reading the account's tickets.
        SupportFullAccess = "AliyunSupportFullAccess",
        /// Quota Center read-only: the Quota page.
        QuotasReadOnlyAccess = "AliyunQuotasReadOnlyAccess",
    }
);

text_enum!(
    /// Who signed in: an account's root, one of its RAM users, or the platform operator.
    pub enum IdentityKind {
        Root = "root",
        RamUser = "ram_user",
        Operator = "operator",
    }
);

impl Policy {
    /// The console pages this policy opens to a RAM user (what the RAM users page shows beside it).
    pub fn grants(self) -> Vec<ConsolePage> {
        ConsolePage::ALL
            .into_iter()
            .filter(|page| matches!(page.access(), PageAccess::AnyOf(list) if list.contains(&self)))
            .collect()
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

    /// Actions only the account itself takes (`action` completes "Only the account itself (root) can …").
    pub fn may_act_as_root(&self, action: &str) -> Result<(), Refusal> {
        if self.is_root {
            Ok(())
        } else {
            Err(Refusal::RootOnly { action: action.to_owned() })
        }
    }

    /// Seeing clusters and backup sets needs PolarDB read access (full access includes it).
    pub fn may_view_polardb(&self) -> Result<(), Refusal> {
        self.may_open(ConsolePage::Clusters)
    }

    /// Whether this identity may read what `page` shows (the page, its server functions and exports).
    /// A refusal names the policy that would grant it.
    pub fn may_open(&self, page: ConsolePage) -> Result<(), Refusal> {
        match page.access() {
            PageAccess::Everyone => Ok(()),
            PageAccess::RootOnly if self.is_root => Ok(()),
            PageAccess::RootOnly => Err(Refusal::RootOnly { action: format!("use {}", page.title()) }),
            PageAccess::AnyOf(list) if list.iter().any(|p| self.holds(*p)) => Ok(()),
            PageAccess::AnyOf(list) => Err(Refusal::MissingPolicy { missing: list[0].as_str().to_owned() }),
        }
    }

    /// The pages this identity may open, in navigation order: what the console's navigation offers.
    pub fn pages(&self) -> Vec<ConsolePage> {
        ConsolePage::ALL.into_iter().filter(|p| self.may_open(*p).is_ok()).collect()
    }

    /// Where the console opens for this identity: its first page (a RAM user with no policy gets its profile).
    pub fn home(&self) -> ConsolePage {
        self.pages().into_iter().next().unwrap_or(ConsolePage::Profile)
    }

    /// Deleting backup sets, converting their level and releasing clusters need PolarDB full access.
    pub fn may_change_polardb(&self) -> Result<(), Refusal> {
        if self.holds(Policy::PolardbFullAccess) {
            Ok(())
        } else {
            Err(Refusal::MissingPolicy { missing: Policy::PolardbFullAccess.as_str().to_owned() })
        }
    }

    /// Sharing, modifying or cancelling a share needs administrator permissions on both PolarDB and
    /// Resource Sharing. The refusal names every policy that is missing.
    pub fn may_change_sharing(&self) -> Result<(), Refusal> {
        let missing: Vec<&'static str> = [Policy::PolardbFullAccess, Policy::ResourceCenterFullAccess]
            .into_iter()
            .filter(|p| !self.holds(*p))
            .map(Policy::as_str)
            .collect();
        match missing.as_slice() {
            [] => Ok(()),
            [one] => Err(Refusal::MissingPolicy { missing: (*one).to_owned() }),
            _ => Err(Refusal::MissingPolicies { missing }),
        }
    }
}

/// Whether an identity checked while it held `held` still holds every one of them (`attached`, as its
/// write reads them). Its request was judged on `held`, and which of them the judgement needed is not
/// known at the write: any one taken away since refuses the write, with the code of a missing policy.
/// The caller may try again and is judged on what it holds then.
pub fn check_still_held(held: &[Policy], attached: &[Policy]) -> Result<(), Refusal> {
    let detached: Vec<&'static str> = held.iter().filter(|p| !attached.contains(p)).map(|p| p.as_str()).collect();
    if detached.is_empty() {
        Ok(())
    } else {
        Err(Refusal::PoliciesDetached { detached })
    }
}

/// RAM's AttachPolicyToUser and DetachPolicyFromUser: attaching a policy the user already `held`, or
/// detaching one it doesn't hold, is refused (as RAM does) rather than answered as a change that wasn't made.
pub fn check_policy_change(held: &[Policy], policy: Policy, attach: bool) -> Result<(), Refusal> {
    match (attach, held.contains(&policy)) {
        (true, true) => Err(Refusal::PolicyAlreadyAttached { policy: policy.as_str() }),
        (false, false) => Err(Refusal::PolicyNotAttached { policy: policy.as_str() }),
        _ => Ok(()),
    }
}

/// The pages of the console that show account data, in navigation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ConsolePage {
    Clusters,
    SharedBackups,
    /// Resource Management > Resource Sharing > Shared With Me (invitations).
    Invitations,
    /// Resource Management > Resource Sharing > Shared By Me: the account's resource shares themselves.
    SharedByMe,
    ResourceDirectory,
    Quota,
    Tickets,
    RamUsers,
    AuditTrail,
    Billing,
    /// The signed-in identity itself: always open.
    Profile,
}

/// Who may read a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    Everyone,
    /// The account itself (root); no policy opens it to a RAM user.
    RootOnly,
    /// Root, or a RAM user holding any one of these; the first is the one a refusal names.
    AnyOf(&'static [Policy]),
}

impl ConsolePage {
    pub const ALL: [ConsolePage; 11] = [
        ConsolePage::Clusters,
        ConsolePage::SharedBackups,
        ConsolePage::Invitations,
        ConsolePage::SharedByMe,
        ConsolePage::ResourceDirectory,
        ConsolePage::Quota,
        ConsolePage::Tickets,
        ConsolePage::RamUsers,
        ConsolePage::AuditTrail,
        ConsolePage::Billing,
        ConsolePage::Profile,
    ];

    /// The read permission of each page, modelled on Alibaba Cloud's system policies: a service's
    /// read-only policy opens its page (its full-access policy too, where the console has one).
    pub fn access(self) -> PageAccess {
        use ConsolePage::*;
        match self {
            // Clusters, backup sets, restores and shares of backup sets are PolarDB data.
            Clusters | SharedBackups => PageAccess::AnyOf(&[Policy::PolardbReadOnlyAccess, Policy::PolardbFullAccess]),
            // Resource shares are Resource Sharing's own objects, as the OpenAPI lists them.
            Invitations | SharedByMe => PageAccess::AnyOf(&[Policy::ResourceCenterFullAccess]),
            // An account's own place in a directory and the directory invitations it received: read by
            // whoever may answer them or leave ([`crate::domain::check_may_act_for_account`] is this rule),
            // so no identity may answer an invitation it can't list. Managing the directory stays the
            // management account's root's (`check_manager`).
            ResourceDirectory => PageAccess::AnyOf(&[Policy::ResourceCenterFullAccess]),
            Quota => PageAccess::AnyOf(&[Policy::QuotasReadOnlyAccess]),
            Tickets => PageAccess::AnyOf(&[Policy::SupportFullAccess]),
            AuditTrail => PageAccess::AnyOf(&[Policy::ActionTrailReadOnlyAccess]),
            Billing => PageAccess::AnyOf(&[Policy::BssReadOnlyAccess]),
            // Managing users is the account's own business.
            RamUsers => PageAccess::RootOnly,
            Profile => PageAccess::Everyone,
        }
    }

    pub fn title(self) -> &'static str {
        use ConsolePage::*;
        match self {
            Clusters => "Clusters",
            SharedBackups => "Shared Backups",
            Invitations => "Shared With Me",
            SharedByMe => "Shared By Me",
            ResourceDirectory => "Resource directory",
            Quota => "Quota",
            Tickets => "Tickets",
            RamUsers => "RAM users",
            AuditTrail => "Audit trail",
            Billing => "Billing",
            Profile => "Profile",
        }
    }

    pub fn path(self) -> &'static str {
        use ConsolePage::*;
        match self {
            Clusters => "/clusters",
            SharedBackups => "/shared-backups",
            Invitations => "/resource-sharing/invitations",
            SharedByMe => "/resource-sharing/shares",
            ResourceDirectory => "/resource-directory",
            Quota => "/quota",
            Tickets => "/tickets",
            RamUsers => "/ram",
            AuditTrail => "/audit",
            Billing => "/billing",
            Profile => "/profile",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ram_user(policies: &[Policy]) -> Actor {
        Actor { account_id: AccountId::parse("1000000000000001").unwrap(), is_root: false, policies: policies.to_vec() }
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
    fn a_write_is_refused_for_each_policy_detached_since_its_check_and_only_for_those() {
        use Policy::*;
        assert_eq!(
            check_still_held(
                &[PolardbFullAccess, ResourceCenterFullAccess],
                &[ResourceCenterFullAccess, PolardbFullAccess, BssReadOnlyAccess]
            ),
            Ok(())
        );
        assert_eq!(check_still_held(&[], &[]), Ok(()), "the root holds no stored policy and loses none");
        let one =
            check_still_held(&[PolardbFullAccess, ResourceCenterFullAccess], &[ResourceCenterFullAccess]).unwrap_err();
        assert_eq!((one.code(), one.kind()), ("Forbidden.RAM", crate::domain::ErrorKind::Forbidden));
        assert_eq!(
            one.to_string(),
            "You are no longer authorized to do this: the AliyunPolardbFullAccess system policy was detached from you while this request was running. Nothing was changed."
        );
        let two =
            check_still_held(&[PolardbFullAccess, ResourceCenterFullAccess, SupportFullAccess], &[SupportFullAccess])
                .unwrap_err();
        assert_eq!(
            two.to_string(),
            "You are no longer authorized to do this: the AliyunPolardbFullAccess and AliyunResourceCenterFullAccess system policies were detached from you while this request was running. Nothing was changed."
        );
    }

    #[test]
    fn a_ram_user_without_policies_may_not_view_polardb() {
        assert_eq!(ram_user(&[]).may_view_polardb().unwrap_err().code(), "Forbidden.RAM");
    }

    #[test]
    fn a_ram_user_without_policies_may_open_only_its_profile() {
        let user = ram_user(&[]);
        assert_eq!(user.pages(), vec![ConsolePage::Profile]);
        assert_eq!(user.home(), ConsolePage::Profile);
    }

    #[test]
    fn the_root_identity_may_open_every_page() {
        let root = Actor { is_root: true, ..ram_user(&[]) };
        assert_eq!(root.pages(), ConsolePage::ALL.to_vec());
        assert_eq!(root.home(), ConsolePage::Clusters);
    }

    #[test]
    fn reading_the_audit_trail_needs_actiontrail_read_only_access() {
        let err = ram_user(&[Policy::PolardbFullAccess]).may_open(ConsolePage::AuditTrail).unwrap_err();
        assert_eq!(err.code(), "Forbidden.RAM");
        assert!(err.to_string().contains("AliyunActionTrailReadOnlyAccess"));
        assert!(ram_user(&[Policy::ActionTrailReadOnlyAccess]).may_open(ConsolePage::AuditTrail).is_ok());
    }

    #[test]
    fn billing_tickets_and_quota_each_need_their_own_policy() {
        for (page, policy) in [
            (ConsolePage::Billing, Policy::BssReadOnlyAccess),
            (ConsolePage::Tickets, Policy::SupportFullAccess),
            (ConsolePage::Quota, Policy::QuotasReadOnlyAccess),
        ] {
            let err =
                ram_user(&[Policy::PolardbFullAccess, Policy::ResourceCenterFullAccess]).may_open(page).unwrap_err();
            assert!(err.to_string().contains(policy.as_str()), "{page:?}: {err}");
            assert!(ram_user(&[policy]).may_open(page).is_ok(), "{page:?}");
        }
    }

    #[test]
    fn either_polardb_policy_opens_clusters_and_shared_backups() {
        for policy in [Policy::PolardbReadOnlyAccess, Policy::PolardbFullAccess] {
            assert_eq!(
                ram_user(&[policy]).pages(),
                vec![ConsolePage::Clusters, ConsolePage::SharedBackups, ConsolePage::Profile]
            );
        }
    }

    #[test]
    fn no_policy_opens_the_ram_users_page() {
        let everything = ram_user(Policy::ALL);
        assert_eq!(everything.may_open(ConsolePage::RamUsers).unwrap_err().code(), "Forbidden.RAM");
        assert!(Policy::ALL.iter().all(|p| !p.grants().contains(&ConsolePage::RamUsers)));
    }

    #[test]
    fn every_policy_grants_at_least_one_page_and_says_which() {
        assert_eq!(Policy::ActionTrailReadOnlyAccess.grants(), vec![ConsolePage::AuditTrail]);
        assert_eq!(
            Policy::ResourceCenterFullAccess.grants(),
            vec![ConsolePage::Invitations, ConsolePage::SharedByMe, ConsolePage::ResourceDirectory]
        );
        assert!(Policy::ALL.iter().all(|p| !p.grants().is_empty()));
    }

    #[test]
    fn a_ram_user_may_not_take_the_roots_own_actions() {
        let err = ram_user(Policy::ALL).may_act_as_root("submit tickets").unwrap_err();
        assert_eq!((err.kind(), err.code()), (crate::domain::ErrorKind::Forbidden, "Forbidden.RAM"));
        assert_eq!(err.to_string(), "Only the account itself (root) can submit tickets.");
    }

    #[test]
    fn attaching_a_policy_the_user_already_has_is_refused_as_already_existing() {
        let err = check_policy_change(&[Policy::PolardbFullAccess], Policy::PolardbFullAccess, true).unwrap_err();
        assert_eq!((err.kind(), err.code()), (crate::domain::ErrorKind::Conflict, "EntityAlreadyExists.User.Policy"));
        assert_eq!(err.to_string(), "The RAM user already has the AliyunPolardbFullAccess policy attached.");
    }

    #[test]
    fn detaching_a_policy_the_user_does_not_have_is_refused_as_not_existing() {
        let err = check_policy_change(&[Policy::PolardbFullAccess], Policy::BssReadOnlyAccess, false).unwrap_err();
        assert_eq!((err.kind(), err.code()), (crate::domain::ErrorKind::NotFound, "EntityNotExist.User.Policy"));
        assert_eq!(err.to_string(), "The RAM user does not have the AliyunBSSReadOnlyAccess policy attached.");
    }

    #[test]
    fn attaching_a_missing_policy_and_detaching_a_held_one_are_allowed() {
        assert!(check_policy_change(&[], Policy::QuotasReadOnlyAccess, true).is_ok());
        assert!(check_policy_change(&[Policy::QuotasReadOnlyAccess], Policy::QuotasReadOnlyAccess, false).is_ok());
    }

    #[test]
    fn policy_names_round_trip() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.as_str()), Some(*p));
        }
    }
}
