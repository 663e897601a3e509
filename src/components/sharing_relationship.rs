//! One resource share as its owner manages it: the share, its scope, and each principal with its state
//! (invited, accepted, rejected, expired, cancelled, revoking, or removal pending until a restore ends).

use crate::api::types::ShareView;
use crate::components::format;
use leptos::prelude::*;

/// The resource share and each principal with its state, for one backup set.
#[component]
pub fn SharingRelationship(share: ShareView) -> impl IntoView {
    view! {
        <div class="relationship">
            <p class="subtle">"Resource share " {share.resource_share_name.clone()} " (" {share.resource_share_id.clone()} "), scope: "
                {format::scope(&share.principal_scope)}</p>
            <table class="data-table compact" aria-label="Principals">
                <thead><tr><th>"Principal"</th><th>"Type"</th><th>"Status"</th></tr></thead>
                <tbody>
                    {share.principals.into_iter().map(|p| {
                        let state = match (p.status.as_str(), p.invitation_status.as_deref()) {
                            ("Disassociating", _) if p.removal_pending_restore => "Removal pending until the restore ends",
                            ("Disassociating", _) => "Revoking",
                            (_, Some("Pending")) => "Invited",
                            (_, Some("Accepted")) => "Accepted",
                            (_, Some("Rejected")) => "Rejected",
                            (_, Some("Expired")) => "Expired",
                            (_, Some("Cancelled")) => "Cancelled",
                            _ => "Associated",
                        };
                        view! { <tr><td class="mono">{p.principal_id}</td><td>{p.principal_type}</td><td>{state}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

