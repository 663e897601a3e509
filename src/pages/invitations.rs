//! Resource Management > Resource Sharing > Shared With Me: the invitations sent to this account, with
//! Accept and Reject.

use crate::api::{self, types::InvitationView};
use crate::components::{empty_row::EmptyRow, forms::AnswerButtons, error_alert::ErrorAlert, local_time::LocalTime, pager::{requested_page, Pager}, region_select::RegionSelect};
use crate::domain::ShownInvitationStatus;
use crate::components::page_data::page_resource;
use crate::components::status_badge::StatusBadge;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let query = use_query_map();
    let answer = ServerAction::<api::AnswerInvitation>::new();
    let page = requested_page("page");
    let invitations = page_resource(
        move || (query.read().get("region"), page(), answer.version().get()),
        |(region, page, _)| api::list_invitations(region, page, None),
    );
    let error = move || answer.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> });
    view! {
        <Title text="Shared With Me"/>
        <div class="breadcrumb">"Resource Management / Resource Sharing"</div>
        <div class="page-header"><h1>"Shared With Me"</h1></div>
        {error}
        <Transition fallback=|| view! { <p class="loading">"Loading invitations…"</p> }>
            {move || Suspend::new(async move {
                match invitations.await {
                    Ok(list) => {
                        let empty = list.invitations.is_empty();
                        view! {
                            <RegionSelect regions=list.regions selected=list.region_id path="/resource-sharing/invitations"/>
                            <table class="data-table" aria-label="Invitations">
                                <thead><tr>
                                    <th>"Resource Share"</th><th>"Owner UID"</th><th>"Resources"</th>
                                    <th>"Sent"</th><th>"Expires"</th><th>"Status"</th><th>"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {list.invitations.into_iter().map(|i| view! { <InvitationRow invitation=i answer/> }).collect_view()}
                                    {empty.then(|| view! { <EmptyRow columns=7 text="No invitations in this region."/> })}
                                </tbody>
                            </table>
                            <Pager page=list.page page_size=list.page_size total=list.total label="Invitations"/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn InvitationRow(invitation: InvitationView, answer: ServerAction<api::AnswerInvitation>) -> impl IntoView {
    let pending = invitation.status == ShownInvitationStatus::Pending;
    let shown_status = if invitation.status == ShownInvitationStatus::Accepted { "Enabled" } else { invitation.status.as_str() };
    let answer_with = |accept| api::AnswerInvitation { invitation_id: invitation.invitation_id.clone(), accept };
    let (accept, reject) = (answer_with(true), answer_with(false));
    view! {
        <tr data-invitation=invitation.invitation_id.clone()>
            <td><div class="free-text">{invitation.resource_share_name}</div> <div class="subtle mono">{invitation.resource_share_id}</div></td>
            <td class="mono">{invitation.sender_account_id}</td>
            <td><div class="mono free-text">{invitation.resources.join(", ")}</div></td>
            <td><LocalTime iso=invitation.created_at/></td>
            <td><LocalTime iso=invitation.expires_at/></td>
            <td><StatusBadge status=invitation.status.as_str() label=shown_status/></td>
            <td class="actions">
                {pending.then(|| view! { <AnswerButtons action=answer accept reject/> })}
            </td>
        </tr>
    }
}
