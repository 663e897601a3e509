//! Resource directory: for its management account, the folders, member accounts and the invitations it
//! sent, with ways to add folders, invite accounts (they join only when they accept), move or remove
//! members and cancel invitations. For any other account: the directory invitations it received, with
//! Accept and Reject, and once a member its directory and a Leave button.

use crate::api::{
    self,
    types::{DirectoryInvitationView, DirectoryPageView, DirectoryView, FolderView, MembershipView, MyDirectoryView},
};
use crate::components::page_data::page_resource;
use crate::components::status_badge::StatusBadge;
use crate::components::{
    confirm::confirmed,
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    forms::{before_hydration, navigator, query_value, AnswerButtons, PostButton, QueryButton, QueryForm},
    local_time::LocalTime,
};
use crate::domain::InvitationStatus;
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct DirectoryActions {
    folder: ServerAction<api::CreateFolder>,
    add: ServerAction<api::AddMember>,
    moved: ServerAction<api::MoveMember>,
    remove: ServerAction<api::RemoveMember>,
    cancel: ServerAction<api::CancelDirectoryInvitation>,
    /// What the last confirmed move asked for ("Moved Lumen QA to Root / Partners."), said once it succeeds.
    moved_note: RwSignal<Option<String>>,
}

/// "Root / Analytics": a folder's path, for pickers.
fn folder_path(folders: &[FolderView], id: &str) -> String {
    let mut names = Vec::new();
    let mut current = folders.iter().find(|f| f.folder_id == id);
    while let Some(f) = current {
        names.push(f.folder_name.clone());
        current = f.parent_folder_id.as_deref().and_then(|p| folders.iter().find(|x| x.folder_id == p));
        if names.len() > 32 {
            break;
        }
    }
    names.reverse();
    names.join(" / ")
}

fn folder_options(folders: &[FolderView], selected: &str) -> impl IntoView {
    let mut options: Vec<(String, String)> =
        folders.iter().map(|f| (f.folder_id.clone(), folder_path(folders, &f.folder_id))).collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    options
        .into_iter()
        .map(|(id, path)| {
            let is_selected = id == selected;
            view! { <option value=id selected=is_selected>{path}</option> }
        })
        .collect_view()
}

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let answer = ServerAction::<api::AnswerDirectoryInvitation>::new();
    let leave = ServerAction::<api::LeaveDirectory>::new();
    let actions = DirectoryActions {
        folder: ServerAction::new(),
        add: ServerAction::new(),
        moved: ServerAction::new(),
        remove: ServerAction::new(),
        cancel: ServerAction::new(),
        moved_note: RwSignal::new(None),
    };
    // One resource, one call, for the whole page. (A second resource created inside the first one's
    // Suspend made the server's HTML and the browser's hydration disagree about half the time, and
    // the page stayed dead.)
    let data = page_resource(
        move || {
            (
                answer.version().get(),
                leave.version().get(),
                actions.folder.version().get(),
                actions.add.version().get(),
                actions.moved.version().get(),
                actions.remove.version().get(),
                actions.cancel.version().get(),
            )
        },
        |_| api::directory_page(),
    );
    view! {
        <Title text="Resource directory"/>
        <div class="breadcrumb">"Resource Management"</div>
        <div class="page-header"><h1>"Resource directory"</h1></div>
        <ActionOutcome answer leave actions/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(DirectoryPageView::Managed(d)) => view! { <DirectoryBody d actions/> }.into_any(),
                    Ok(DirectoryPageView::Member(d)) => view! { <MemberDirectory d answer leave/> }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The last action's refusal, or what it did.
#[component]
fn ActionOutcome(
    answer: ServerAction<api::AnswerDirectoryInvitation>,
    leave: ServerAction<api::LeaveDirectory>,
    actions: DirectoryActions,
) -> impl IntoView {
    // Each action's last answer, reduced to its refusal if it was refused: the first one found is shown.
    fn refused<T>(value: Option<Result<T, crate::error::AppError>>) -> Option<crate::error::AppError> {
        value.and_then(Result::err)
    }
    let error = move || {
        refused(actions.add.value().get())
            .or_else(|| refused(actions.folder.value().get()))
            .or_else(|| refused(actions.moved.value().get()))
            .or_else(|| refused(actions.remove.value().get()))
            .or_else(|| refused(actions.cancel.value().get()))
            .or_else(|| refused(answer.value().get()))
            .or_else(|| refused(leave.value().get()))
            .map(|error| view! { <ErrorAlert error/> })
    };
    let invited = move || {
        actions.add.value().get().and_then(Result::ok).map(|i| view! {
            <p class="alert alert-info" role="status">"Invitation sent to " {i.account_name} " (" <span class="mono">{i.account_id}</span>
                "). It joins the directory when it accepts in its own console."</p>
        })
    };
    let moved = move || {
        matches!(actions.moved.value().get(), Some(Ok(())))
            .then(|| actions.moved_note.get())
            .flatten()
            .map(|text| view! { <p class="notice" role="status">{text}</p> })
    };
    view! { {error} {invited} {moved} }
}

/// A non-management account: its directory (with Leave) and the invitations it received.
#[component]
fn MemberDirectory(
    d: MyDirectoryView,
    answer: ServerAction<api::AnswerDirectoryInvitation>,
    leave: ServerAction<api::LeaveDirectory>,
) -> impl IntoView {
    let empty = d.invitations.is_empty();
    view! {
        {match d.membership {
            Some(m) => view! { <Membership m leave/> }.into_any(),
            None => view! { <p class="subtle" data-testid="no-directory">"Your account is not a member of a resource directory. A management account can invite it; the invitation appears below, and your account joins only if you accept it."</p> }.into_any(),
        }}
        <h2 class="section-title">"Invitations to join a resource directory"</h2>
        <table class="data-table" aria-label="Directory invitations">
            <thead><tr>
                <th scope="col">"Resource directory"</th><th scope="col">"Management account"</th><th scope="col">"Folder"</th><th scope="col">"Sent"</th><th scope="col">"Expires"</th>
                <th scope="col">"Status"</th><th scope="col">"Actions"</th>
            </tr></thead>
            <tbody>
                {d.invitations.into_iter().map(|i| {
                    let pending = i.status == InvitationStatus::Pending;
                    let answer_with = |accept| api::AnswerDirectoryInvitation { invitation_id: i.invitation_id.clone(), accept };
                    let (accept, reject) = (answer_with(true), answer_with(false));
                    view! {
                        <tr data-directory-invitation=i.invitation_id.clone()>
                            <td class="mono">{i.directory_id.clone()}</td>
                            <td>{i.management_account_name.clone()} <div class="subtle mono">{i.management_account_id.clone()}</div></td>
                            <td>{i.folder_name.clone()}</td>
                            <InvitationStateCells invitation=i.clone()/>
                            <td class="actions">
                                {pending.then(|| view! { <AnswerButtons action=answer accept reject/> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
                {empty.then(|| view! { <EmptyRow columns=7 text="No invitations to join a resource directory."/> })}
            </tbody>
        </table>
    }
}

#[component]
fn Membership(m: MembershipView, leave: ServerAction<api::LeaveDirectory>) -> impl IntoView {
    // Leave asks first, on the page (`?confirm=leave`), so it asks without JavaScript too.
    let confirm = query_value("confirm");
    let keep = move |ev: leptos::ev::SubmitEvent| ev.prevent_default();
    let close = navigator("confirm");
    // The management account never leaves (its RAM users see this view of it): no button that only refuses.
    let may_leave = !m.is_management;
    view! {
        <div class="card form-card" data-testid="membership">
            <h2>"Your resource directory"</h2>
            <p>"Your account is a member of resource directory " <span class="mono">{m.directory_id}</span>
                ", managed by " {m.management_account_name} " (" <span class="mono">{m.management_account_id}</span> "), in folder "
                <strong>{m.folder_name}</strong> "."</p>
            <p class="subtle">"Backup sets shared with the directory, your folder or your account within the directory reach you while you are a member. If you leave, they are revoked on the usual schedule: you still see them, marked, until then, but cannot restore from them."</p>
            {move || if !may_leave {
                ().into_any()
            } else if confirm().as_deref() == Some("leave") {
                let close = close.clone();
                view! {
                    <p role="alert" class="alert alert-warn">"Leave the resource directory? Access given through it will be revoked."</p>
                    <PostButton action=leave input=api::LeaveDirectory {} label="Leave directory" class="button button-danger"/>
                    " "
                    <QueryForm param="confirm" on_submit=move |ev: leptos::ev::SubmitEvent| { keep(ev); close(None); }>
                        <button type="submit" class="button button-ghost">"Cancel"</button>
                    </QueryForm>
                }.into_any()
            } else {
                view! { <QueryButton param="confirm" value="leave" label="Leave" class="button"/> }.into_any()
            }}
        </div>
    }
}

/// An invitation's Sent, Expires and Status cells, the same on both sides of it.
#[component]
fn InvitationStateCells(invitation: DirectoryInvitationView) -> impl IntoView {
    view! {
        <td><LocalTime iso=invitation.created_at/></td>
        <td><LocalTime iso=invitation.expires_at/></td>
        <td><StatusBadge status=invitation.status.as_str()/></td>
    }
}

#[component]
fn DirectoryBody(d: DirectoryView, actions: DirectoryActions) -> impl IntoView {
    let folders = StoredValue::new(d.folders.clone());
    let parent_options = folder_options(&d.folders, &d.root_folder_id);
    let member_folder_options = folder_options(&d.folders, &d.root_folder_id);
    let before = before_hydration();
    view! {
        <p class="subtle">"Directory " <span class="mono">{d.directory_id.clone()}</span>
            ". A share with the Objects Within Resource Directory scope can target the directory, a folder or a member; a folder covers whoever is in it."</p>
        <div class="two-columns">
            <div class="card form-card">
                <h2>"New folder"</h2>
                <ActionForm action=actions.folder>
                    <label class="field"><span>"Folder name"</span><input type="text" name="folder_name" maxlength=crate::domain::MAX_FOLDER_NAME_CHARS placeholder=format!("1-{} letters, digits, Chinese characters, _ . -", crate::domain::MAX_FOLDER_NAME_CHARS) required/></label>
                    <label class="field"><span>"Parent folder"</span><select name="parent_folder_id">{parent_options}</select></label>
                    <button type="submit" class="button button-primary">"Create folder"</button>
                </ActionForm>
            </div>
            <div class="card form-card">
                <h2>"Add member"</h2>
                <p class="subtle">"The account is sent an invitation; it becomes a member only when it accepts it in its own console (within 14 days)."</p>
                <ActionForm action=actions.add>
                    <label class="field"><span>"Account ID"</span><input type="text" name="account_id" maxlength="16" placeholder="16-digit account ID" required/></label>
                    <label class="field"><span>"Folder"</span><select name="folder_id">{member_folder_options}</select></label>
                    <button type="submit" class="button button-primary">"Invite"</button>
                </ActionForm>
            </div>
        </div>
        <h2 class="section-title">"Members"</h2>
        <table class="data-table" aria-label="Members">
            <thead><tr><th scope="col">"Account"</th><th scope="col">"Folder"</th><th scope="col">"Actions"</th></tr></thead>
            <tbody>
                {d.members.into_iter().map(|m| {
                    let id_move = m.account_id.clone();
                    let remove = api::RemoveMember { account_id: m.account_id.clone() };
                    let options = folders.with_value(|f| folder_options(f, &m.folder_id));
                    let (current, name) = (m.folder_id.clone(), m.display_name.clone());
                    let select = NodeRef::<leptos::html::Select>::new();
                    // A move changes what the member can use (a share to a folder follows whoever is in it),
                    // so once hydrated it is asked for, and a cancelled one puts the picker back.
                    let on_change = move |ev| {
                        let folder = event_target_value(&ev);
                        let path = folders.with_value(|f| folder_path(f, &folder));
                        let question = format!(
                            "Move {name} ({id_move}) to {path}? It gains the shares that target that folder at once, and loses those of its current folder after the scheduled revocation."
                        );
                        if confirmed(&question) {
                            actions.moved_note.set(Some(format!("Moved {name} ({id_move}) to {path}.")));
                            actions.moved.dispatch(api::MoveMember { account_id: id_move.clone(), folder_id: folder });
                        } else if let Some(select) = select.get_untracked() {
                            select.set_value(&current);
                        }
                    };
                    // Without JavaScript the picker is a form: choose the folder and press Move (the press is
                    // the confirmation; the server answers with the page again).
                    let move_label = format!("Move {}", m.account_id);
                    view! {
                        <tr data-member=m.account_id.clone()>
                            <td>{m.display_name.clone()} <div class="subtle mono">{m.account_id.clone()}</div></td>
                            <td>
                                <form method="post" action={<api::MoveMember as leptos::server_fn::ServerFn>::url()} class="post-form"
                                    on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                                    <input type="hidden" name="account_id" value=m.account_id.clone()/>
                                    <select name="folder_id" node_ref=select aria-label=format!("Folder of {}", m.account_id) on:change=on_change>{options}</select>
                                    " "
                                    <button type="submit" class="link-button" aria-label=move_label hidden=move || !before.get()>"Move"</button>
                                </form>
                            </td>
                            <td>
                                {if m.is_management {
                                    view! { <span class="subtle">"Management account"</span> }.into_any()
                                } else {
                                    view! { <PostButton action=actions.remove input=remove label="Remove"/> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <SentInvitations invitations=d.invitations cancel=actions.cancel/>
    }
}

#[component]
fn SentInvitations(
    invitations: Vec<DirectoryInvitationView>,
    cancel: ServerAction<api::CancelDirectoryInvitation>,
) -> impl IntoView {
    let empty = invitations.is_empty();
    view! {
        <h2 class="section-title">"Invitations"</h2>
        <table class="data-table" aria-label="Sent invitations">
            <thead><tr><th scope="col">"Account"</th><th scope="col">"Folder"</th><th scope="col">"Sent"</th><th scope="col">"Expires"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
            <tbody>
                {invitations.into_iter().map(|i| {
                    let pending = i.status == InvitationStatus::Pending;
                    let input = api::CancelDirectoryInvitation { invitation_id: i.invitation_id.clone() };
                    view! {
                        <tr data-directory-invitation=i.invitation_id.clone() data-account=i.account_id.clone()>
                            <td>{i.account_name.clone()} <div class="subtle mono">{i.account_id.clone()}</div></td>
                            <td>{i.folder_name.clone()}</td>
                            <InvitationStateCells invitation=i.clone()/>
                            <td class="actions">
                                {pending.then(|| view! { <PostButton action=cancel input label="Cancel invitation"/> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
                {empty.then(|| view! { <EmptyRow columns=6 text="No invitations sent."/> })}
            </tbody>
        </table>
    }
}
