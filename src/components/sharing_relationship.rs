//! One resource share as its owner manages it: the share, its scope, and each principal with its state
//! (invited, accepted, rejected, expired, cancelled, revoking, or removal pending until a restore ends).

use crate::api::types::ShareView;
use crate::components::{empty_row::EmptyRow, format};
use leptos::prelude::*;

/// The resource share and each principal with its state, for one backup set.
#[component]
pub fn SharingRelationship(share: ShareView) -> impl IntoView {
    let empty = share.principals.is_empty();
    view! {
        <div class="relationship">
            <h2 class="relationship-title"><span class="free-text">{share.resource_share_name.clone()}</span> " "
                <span class="subtle mono">{share.resource_share_id.clone()}</span></h2>
            <p class="subtle">"Scope: " {format::scope(share.principal_scope)}</p>
            <table class="data-table compact" aria-label="Principals">
                <thead><tr><th scope="col">"Principal"</th><th scope="col">"Type"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>
                    {share.principals.into_iter().map(|p| {
                        let state = format::principal_state(&p);
                        view! { <tr><td class="mono">{p.principal_id}</td><td>{p.principal_type.as_str()}</td><td>{state}</td></tr> }
                    }).collect_view()}
                    {empty.then(|| view! { <EmptyRow columns=3 text="No principals: this share gives no account access."/> })}
                </tbody>
            </table>
        </div>
    }
}
