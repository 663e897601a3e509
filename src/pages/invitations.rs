//! Resource Management > Resource Sharing > Shared With Me: the invitations sent to this account, with
//! Accept and Reject.

use crate::api::{self, types::InvitationView};
use crate::components::page_data::page_resource;
use crate::components::status_badge::StatusBadge;
use crate::components::toast::Toast;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    forms::AnswerButtons,
    local_time::LocalTime,
    pager::{requested_page, Pager},
    region_select::RegionSelect,
};
use crate::domain::ShownInvitationStatus;
use crate::error::AppError;
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
    // A refused answer is shown under the row of the invitation answered, where the user is looking.
    // Which one that was is known once the page runs (the action's input); a refusal of a form posted
    // without JavaScript, or of an invitation no longer listed, is shown above the list.
    let answered = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = answer.input().get() {
            answered.set(Some(input.invitation_id));
        }
    });
    let refusal = Memo::new(move |_| answer.value().get().and_then(Result::err));
    let listed = Memo::new(move |_| {
        let id = answered.get()?;
        invitations.get().and_then(Result::ok)?.invitations.iter().any(|i| i.invitation_id == id).then_some(id)
    });
    let error = move || refusal.get().filter(|_| listed.get().is_none()).map(|error| view! { <ErrorAlert error/> });
    // An answer is announced (a polite live region), and since it takes the row's buttons away, focus
    // goes on to the next invitation still to answer, else to the list's heading, rather than to the
    // page body (`focus_next_row_after_answer`).
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(result) = answer.value().get() else { return };
        notice.set(result.as_ref().ok().map(answer_notice));
        let Some(id) = result.ok().map(|i| i.invitation_id).or_else(|| answered.get_untracked()) else { return };
        #[cfg(feature = "hydrate")]
        crate::components::focus::focus_next_row_after_answer(
            "tr[data-invitation]",
            format!("tr[data-invitation=\"{}\"]", crate::components::modal::css_string(&id)),
            "#invitations-heading",
        );
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    });
    view! {
        <Title text="Shared With Me"/>
        <div class="breadcrumb">"Resource Management / Resource Sharing"</div>
        <div class="page-header"><h1 id="invitations-heading" tabindex="-1">"Shared With Me"</h1></div>
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
                                    <th scope="col">"Resource Share"</th><th scope="col">"Owner UID"</th><th scope="col">"Resources"</th>
                                    <th scope="col">"Sent"</th><th scope="col">"Expires"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {list.invitations.into_iter().map(|i| {
                                        let id = i.invitation_id.clone();
                                        let refused = Signal::derive(move || refusal.get().filter(|_| listed.get().as_deref() == Some(id.as_str())));
                                        view! { <InvitationRow invitation=i answer refused/> }
                                    }).collect_view()}
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
        <Toast notice/>
    }
}

/// What the status message says of an answer.
fn answer_notice(invitation: &InvitationView) -> String {
    let share = &invitation.resource_share_name;
    match invitation.status {
        ShownInvitationStatus::Accepted => {
            format!("Accepted the invitation to {share}: its backup sets are in Shared Backups, Shared With Me.")
        }
        ShownInvitationStatus::Rejected => format!("Rejected the invitation to {share}."),
        other => format!("The invitation to {share} is {}.", other.as_str()),
    }
}

#[component]
fn InvitationRow(
    invitation: InvitationView,
    answer: ServerAction<api::AnswerInvitation>,
    /// The refusal of this row's last Accept or Reject, shown in a row of its own right below.
    refused: Signal<Option<AppError>>,
) -> impl IntoView {
    let pending = invitation.status == ShownInvitationStatus::Pending;
    let shown_status =
        if invitation.status == ShownInvitationStatus::Accepted { "Enabled" } else { invitation.status.as_str() };
    let answer_with = |accept| api::AnswerInvitation { invitation_id: invitation.invitation_id.clone(), accept };
    let (accept, reject) = (answer_with(true), answer_with(false));
    let refusal_of = invitation.invitation_id.clone();
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
        {move || refused.get().map(|error| view! {
            <tr class="row-refusal" data-refusal-of=refusal_of.clone()><td colspan="7"><ErrorAlert error/></td></tr>
        })}
    }
}
