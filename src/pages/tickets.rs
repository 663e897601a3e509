//! Tickets: an account asks the platform for the shared-backup beta or a higher sharing quota; the
//! platform operator sees every ticket and approves or rejects it.

use crate::api::types::Viewer;
use crate::api::{self, types::TicketView};
use crate::components::page_data::page_resource;
use crate::components::status_badge::StatusBadge;
use crate::components::{
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    forms::PostButton,
    local_time::LocalTime,
    pager::{requested_page, Pager},
};
use crate::domain::{TicketKind, TicketStatus};
use leptos::prelude::*;
use leptos_meta::Title;

fn kind_label(kind: TicketKind) -> &'static str {
    match kind {
        TicketKind::QuotaIncrease => "Sharing quota increase to 1,024",
        TicketKind::EnableSharedBackup => "Enable shared backup sets (beta)",
    }
}

#[component]
pub fn TicketsPage() -> impl IntoView {
    let viewer = use_context::<Viewer>();
    let operator = viewer.as_ref().is_some_and(|v| v.is_operator);
    // Only the account itself asks the platform for something (the server refuses RAM users).
    let may_submit = viewer.as_ref().is_some_and(|v| v.is_root && !v.is_operator);
    let submit = ServerAction::<api::SubmitTicket>::new();
    let decide = ServerAction::<api::DecideTicket>::new();
    let page = requested_page("page");
    let tickets = page_resource(
        move || (page(), submit.version().get(), decide.version().get()),
        |(page, _, _)| api::list_tickets(page, None),
    );
    let errors = move || {
        [submit.value().get(), decide.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|error| view! { <ErrorAlert error/> })
    };
    view! {
        <Title text="Tickets"/>
        <div class="page-header"><h1>{if operator { "Tickets (platform operator)" } else { "Tickets" }}</h1></div>
        {may_submit.then(|| view! {
            <div class="card form-card">
                <h2>"Submit a ticket"</h2>
                <ActionForm action=submit>
                    <label class="field">
                        <span>"Request"</span>
                        <select name="kind">
                            <option value="EnableSharedBackup">{kind_label(TicketKind::EnableSharedBackup)}</option>
                            <option value="QuotaIncrease">{kind_label(TicketKind::QuotaIncrease)}</option>
                        </select>
                    </label>
                    <label class="field">
                        <span>"Message"</span>
                        <textarea name="message" maxlength="1000" rows="3" placeholder="What you need it for (optional)"></textarea>
                    </label>
                    <button type="submit" class="button button-primary">"Submit ticket"</button>
                </ActionForm>
            </div>
        })}
        {errors}
        <Transition fallback=|| view! { <p class="loading">"Loading tickets…"</p> }>
            {move || Suspend::new(async move {
                match tickets.await {
                    Ok(list) => {
                        let empty = list.items.is_empty();
                        view! {
                            <table class="data-table" aria-label="Tickets">
                                <thead><tr><th scope="col">"Ticket"</th><th scope="col">"Account"</th><th scope="col">"Request"</th><th scope="col">"Message"</th><th scope="col">"Submitted"</th><th scope="col">"Status"</th>
                                    {operator.then(|| view! { <th scope="col">"Actions"</th> })}</tr></thead>
                                <tbody>
                                    {list.items.into_iter().map(|t| view! { <TicketRow ticket=t operator decide/> }).collect_view()}
                                    {empty.then(|| view! { <EmptyRow columns=if operator { 7 } else { 6 } text="No tickets yet."/> })}
                                </tbody>
                            </table>
                            <Pager page=list.page page_size=list.page_size total=list.total label="Tickets"/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TicketRow(ticket: TicketView, operator: bool, decide: ServerAction<api::DecideTicket>) -> impl IntoView {
    let open = ticket.status == TicketStatus::Open;
    let decide_with = |approve| api::DecideTicket { ticket_id: ticket.ticket_id.clone(), approve };
    let (approve, reject) = (decide_with(true), decide_with(false));
    view! {
        <tr data-ticket=ticket.ticket_id.clone()>
            <td class="mono">{ticket.ticket_id.clone()}</td>
            <td>{ticket.account_name} <div class="subtle mono">{ticket.account_id}</div></td>
            <td>{kind_label(ticket.kind)}</td>
            <td><div class="free-text">{ticket.message}</div></td>
            <td><LocalTime iso=ticket.created_at/></td>
            <td><StatusBadge status=ticket.status.as_str()/></td>
            {operator.then(|| view! {
                <td class="actions">
                    {open.then(|| view! {
                        <PostButton action=decide input=approve label="Approve"/>
                        " "
                        <PostButton action=decide input=reject label="Reject"/>
                    })}
                </td>
            })}
        </tr>
    }
}
