//! Where the console's server functions turn what the services answer into the console's own types
//! (`types`), when the console shows more or other than the service's read model.

use super::types::Viewer;
use crate::domain::{home_region, ConsolePage, IdentityKind, Policy};
use crate::server::auth::Identity;

/// The signed-in identity as the console shows it: its pages and home from the same rules the server
/// refuses with.
pub fn viewer(who: &Identity) -> Viewer {
    let is_operator = who.kind == IdentityKind::Operator;
    // The platform operator has no account data of its own: it decides tickets.
    let (pages, home) = if is_operator {
        (vec![ConsolePage::Tickets], ConsolePage::Tickets)
    } else {
        (who.actor.pages(), who.actor.home())
    };
    Viewer {
        pages,
        home: home.path().to_owned(),
        home_region: home_region(who.site).to_owned(),
        login_name: who.login_name.clone(),
        account_id: who.account_id().to_string(),
        account_name: who.account_name.clone(),
        ram_login_alias: (!is_operator && who.actor.may_open(ConsolePage::RamUsers).is_ok())
            .then(|| who.login_alias.clone()),
        site: who.site,
        is_root: who.actor.is_root,
        is_operator,
        policies: if who.actor.is_root { Policy::ALL.to_vec() } else { who.actor.policies.clone() },
    }
}
