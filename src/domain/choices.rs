//! Values a user picks from what the console offers (a region, a zone, a node specification, a pay
//! type, a policy, a ticket kind, an audit action, a day) and the length limits of free text fields.
//! Both adapters (the console's forms and the OpenAPI endpoint) get the same refusal for a value that
//! was never on the list, so each rule lives here once.

use super::{check_visible_text, NameField, Policy, Refusal, TicketKind};

/// The node specifications a restore can choose, with their price per month in cents.
pub const NODE_SPECS: [(&str, i64); 3] =
    [("polar.mysql.x4.medium", 62_000), ("polar.mysql.x4.large", 124_000), ("polar.mysql.x8.xlarge", 310_000)];

/// Longest text the share dialog searches share names for (a share name has at most 50 characters).
pub const MAX_SHARE_SEARCH_CHARS: usize = 50;

/// Longest message a ticket carries.
pub const MAX_TICKET_MESSAGE_CHARS: usize = 1000;

/// The region a zone belongs to.
pub fn region_of_zone(zone: &str) -> Option<&'static str> {
    ["cn-hangzhou", "cn-beijing", "cn-shanghai", "ap-southeast-1"].into_iter().find(|r| zones(r).contains(&zone))
}

/// Zones of each region a restore can place its cluster in.
pub fn zones(region: &str) -> &'static [&'static str] {
    match region {
        "cn-hangzhou" => &["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"],
        "cn-beijing" => &["cn-beijing-k", "cn-beijing-l"],
        "cn-shanghai" => &["cn-shanghai-l", "cn-shanghai-m"],
        "ap-southeast-1" => &["ap-southeast-1a", "ap-southeast-1b"],
        _ => &[],
    }
}

/// The region a restore's chosen zone puts the new cluster in.
pub fn zone_region(zone: &str) -> Result<&'static str, Refusal> {
    region_of_zone(zone).ok_or(Refusal::UnknownZone)
}

/// The monthly price, in cents, of a node specification a restore chose.
pub fn node_spec_price(spec: &str) -> Result<i64, Refusal> {
    restore_node_spec(Some(spec)).map(|(_, cents)| cents)
}

/// Where a restore puts its new cluster: a region and one of its zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestorePlacement {
    pub region: &'static str,
    pub zone: &'static str,
}

/// The zone a restore's new cluster goes in, from the region and zone the caller named, if any.
/// CreateDBCluster's ZoneId is optional (its API reference says "Required: No"; so does
/// shared/reference/polardb-api.md) and neither names a default, so an absent zone is what the
/// console's Restore dialog preselects: the first zone of the region the cluster goes in, the one named
/// (the API's RegionId) or else the backup set's. Not the source cluster's zone: a principal is told the
/// owner's cluster by its id only (`IncomingBackup`), and its placement is no more the principal's to
/// learn than its name. A zone named must be a listed one, and of the region named.
pub fn restore_placement(
    region: Option<&str>,
    zone: Option<&str>,
    set_region: &str,
) -> Result<RestorePlacement, Refusal> {
    let region = match zone {
        Some(zone) => {
            let in_region = zone_region(zone)?;
            if let Some(named) = region.filter(|named| *named != in_region) {
                return Err(Refusal::ZoneNotInRegion { zone: zone.to_owned(), region: named.to_owned() });
            }
            let zone = zones(in_region).iter().copied().find(|z| *z == zone).ok_or(Refusal::UnknownZone)?;
            return Ok(RestorePlacement { region: in_region, zone });
        }
        None => region.unwrap_or(set_region),
    };
    let zone = zones(region).first().copied().ok_or(Refusal::UnknownRegion)?;
    Ok(RestorePlacement { region: zone_region(zone)?, zone })
}

/// The node specification a restore's new cluster gets, with its monthly price in cents. DBNodeClass
/// is optional in CreateDBCluster's reference too, which names no default: an absent one is the Restore
/// dialog's preselected, the first (smallest) listed, not the source cluster's (the owner's to know, as
/// its zone is; a clone gets nodes of its own).
pub fn restore_node_spec(asked: Option<&str>) -> Result<(&'static str, i64), Refusal> {
    match asked {
        Some(spec) => NODE_SPECS.iter().copied().find(|(s, _)| *s == spec).ok_or(Refusal::UnknownNodeSpec),
        None => Ok(NODE_SPECS[0]),
    }
}

/// A billing method as the console words it (the Restore dialog's choices), for the sentences users
/// read (a charge on Billing); the API's own word where there is none.
pub fn pay_type_name(pay_type: &str) -> &str {
    match pay_type {
        "Postpaid" => "pay-as-you-go",
        "Prepaid" => "subscription",
        other => other,
    }
}

/// The region the viewer picked must be one the console lists.
pub fn check_region_choice<'a>(offered: impl IntoIterator<Item = &'a str>, chosen: &str) -> Result<(), Refusal> {
    if offered.into_iter().any(|r| r == chosen) {
        Ok(())
    } else {
        Err(Refusal::UnknownRegion)
    }
}

/// The name the share dialog searches for (already trimmed) is no longer than a share name can be.
pub fn check_share_search(name: &str) -> Result<(), Refusal> {
    if name.chars().count() > MAX_SHARE_SEARCH_CHARS {
        Err(Refusal::SearchTooLong { max: MAX_SHARE_SEARCH_CHARS })
    } else {
        Ok(())
    }
}

/// The system policy root attaches to or detaches from a RAM user, by its name.
pub fn parse_policy_name(name: &str) -> Result<Policy, Refusal> {
    Policy::parse(name).ok_or(Refusal::UnknownPolicy)
}

/// What a ticket asks the platform for.
pub fn parse_ticket_kind(kind: &str) -> Result<TicketKind, Refusal> {
    TicketKind::parse(kind).ok_or(Refusal::UnknownTicketKind)
}

/// A ticket's message: visible text (line breaks allowed), at most [`MAX_TICKET_MESSAGE_CHARS`].
pub fn check_ticket_message(message: &str) -> Result<&str, Refusal> {
    let message = check_visible_text(NameField::TicketMessage, message)?;
    if message.chars().count() > MAX_TICKET_MESSAGE_CHARS {
        return Err(Refusal::TicketMessageTooLong { max: MAX_TICKET_MESSAGE_CHARS });
    }
    Ok(message)
}

/// An audit trail filter on the action: an action's name (`CreateResourceShare`), letters and digits.
pub fn check_audit_action_filter(action: &str) -> Result<(), Refusal> {
    if action.len() <= 64 && action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Refusal::UnknownAuditAction)
    }
}

/// A filter date as the console's date fields write it: `YYYY-MM-DD`.
pub fn parse_day(day: &str) -> Result<time::Date, Refusal> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day, &format).map_err(|_| Refusal::InvalidDate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::BillingChoice;

    fn status_and_code(r: Refusal) -> (u16, &'static str) {
        (r.kind().http_status(), r.code())
    }

    #[test]
    fn a_zone_belongs_to_its_region_and_an_unlisted_zone_is_refused() {
        assert_eq!(zone_region("cn-beijing-k"), Ok("cn-beijing"));
        assert_eq!(status_and_code(zone_region("cn-beijing-z").unwrap_err()), (422, "InvalidParameter.ZoneId"));
    }

    #[test]
    fn a_listed_node_spec_has_its_price_and_an_unlisted_one_is_refused() {
        assert_eq!(node_spec_price("polar.mysql.x4.large"), Ok(124_000));
        assert_eq!(
            status_and_code(node_spec_price("polar.mysql.x99").unwrap_err()),
            (422, "InvalidParameter.DBNodeClass")
        );
    }

    #[test]
    fn a_restore_naming_no_zone_gets_the_first_zone_of_the_region_named_else_of_the_sets() {
        let placed = |region, zone, set| restore_placement(region, zone, set).map(|p| (p.region, p.zone));
        assert_eq!(placed(Some("cn-beijing"), None, "cn-hangzhou"), Ok(("cn-beijing", "cn-beijing-k")));
        assert_eq!(placed(None, None, "cn-hangzhou"), Ok(("cn-hangzhou", "cn-hangzhou-h")));
        assert_eq!(
            placed(Some("cn-hangzhou"), Some("cn-hangzhou-j"), "cn-hangzhou"),
            Ok(("cn-hangzhou", "cn-hangzhou-j"))
        );
        // Without a region named, the zone says where the cluster goes (the region rule then judges it).
        assert_eq!(placed(None, Some("cn-beijing-l"), "cn-hangzhou"), Ok(("cn-beijing", "cn-beijing-l")));
    }

    #[test]
    fn a_zone_not_listed_or_not_of_the_region_named_and_a_region_without_zones_are_refused() {
        let refused = |region, zone| status_and_code(restore_placement(region, zone, "cn-hangzhou").unwrap_err());
        assert_eq!(refused(Some("cn-hangzhou"), Some("cn-hangzhou-z")), (422, "InvalidParameter.ZoneId"));
        assert_eq!(refused(Some("cn-hangzhou"), Some("cn-beijing-k")), (422, "InvalidParameter.ZoneId"));
        assert_eq!(refused(Some("mars-1"), Some("cn-hangzhou-h")), (422, "InvalidParameter.ZoneId"));
        assert_eq!(refused(Some("mars-1"), None), (422, "InvalidParameter.RegionId"));
        assert_eq!(
            restore_placement(Some("cn-hangzhou"), Some("cn-beijing-k"), "cn-hangzhou").unwrap_err().to_string(),
            "Zone cn-beijing-k is not in region cn-hangzhou: choose one of its zones, or name none for its first."
        );
    }

    #[test]
    fn a_restore_naming_no_node_spec_gets_the_first_listed_and_an_unlisted_one_is_refused() {
        assert_eq!(restore_node_spec(None), Ok(("polar.mysql.x4.medium", 62_000)));
        assert_eq!(restore_node_spec(Some("polar.mysql.x8.xlarge")), Ok(("polar.mysql.x8.xlarge", 310_000)));
        assert_eq!(
            status_and_code(restore_node_spec(Some("polar.mysql.x99")).unwrap_err()),
            (422, "InvalidParameter.DBNodeClass")
        );
    }

    #[test]
    fn a_pay_type_is_named_as_the_restore_dialog_offers_it() {
        assert_eq!(pay_type_name("Postpaid"), "pay-as-you-go");
        assert_eq!(pay_type_name("Prepaid"), "subscription");
    }

    #[test]
    fn a_pay_type_is_postpaid_or_prepaid() {
        let month = (Some("Month"), Some("1"));
        assert!(BillingChoice::parse("Postpaid", None, None).is_ok());
        assert!(BillingChoice::parse("Prepaid", month.0, month.1).is_ok());
        let refused = BillingChoice::parse("Free", month.0, month.1).unwrap_err();
        assert_eq!(status_and_code(refused), (422, "InvalidParameter.PayType"));
    }

    #[test]
    fn a_region_not_offered_is_refused() {
        assert!(check_region_choice(["cn-hangzhou", "cn-beijing"], "cn-beijing").is_ok());
        assert_eq!(
            status_and_code(check_region_choice(["cn-hangzhou"], "mars-1").unwrap_err()),
            (422, "InvalidParameter.RegionId")
        );
    }

    #[test]
    fn a_share_search_longer_than_a_share_name_is_refused() {
        assert!(check_share_search(&"n".repeat(MAX_SHARE_SEARCH_CHARS)).is_ok());
        assert_eq!(status_and_code(check_share_search(&"n".repeat(51)).unwrap_err()), (422, "InvalidParameter.Name"));
    }

    #[test]
    fn a_policy_is_named_exactly_as_the_system_policy() {
        assert_eq!(parse_policy_name("AliyunPolardbFullAccess"), Ok(Policy::PolardbFullAccess));
        assert_eq!(
            status_and_code(parse_policy_name("aliyunpolardbfullaccess").unwrap_err()),
            (422, "InvalidParameter.PolicyName")
        );
    }

    #[test]
    fn a_ticket_asks_for_a_known_kind() {
        assert_eq!(parse_ticket_kind("QuotaIncrease"), Ok(TicketKind::QuotaIncrease));
        assert_eq!(status_and_code(parse_ticket_kind("Refund").unwrap_err()), (422, "InvalidParameter.TicketKind"));
    }

    #[test]
    fn a_ticket_message_of_more_than_a_thousand_characters_is_refused() {
        assert_eq!(check_ticket_message(" Please raise it.\n "), Ok("Please raise it."));
        assert!(check_ticket_message(&"m".repeat(1000)).is_ok());
        assert_eq!(
            status_and_code(check_ticket_message(&"m".repeat(1001)).unwrap_err()),
            (422, "InvalidParameter.Message.Length")
        );
    }

    #[test]
    fn an_audit_action_filter_is_an_action_name() {
        assert!(check_audit_action_filter("CreateResourceShare").is_ok());
        assert_eq!(
            status_and_code(check_audit_action_filter("x' or 1=1").unwrap_err()),
            (422, "InvalidParameter.Action")
        );
        assert!(check_audit_action_filter(&"A".repeat(65)).is_err());
    }

    #[test]
    fn a_day_is_written_year_month_day() {
        assert_eq!(parse_day("2026-11-27").map(|d| d.to_string()), Ok("2026-11-27".to_owned()));
        assert_eq!(status_and_code(parse_day("27/11/2026").unwrap_err()), (422, "InvalidParameter.Date"));
        assert!(parse_day("2026-02-30").is_err());
    }
}
