//! Resource directory: for its management account, the folders and member accounts, with ways to add
//! folders and members and to move or remove members.

use crate::api::{self, types::{DirectoryView, FolderView}};
use crate::components::error_alert::ErrorAlert;
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct DirectoryActions {
    folder: ServerAction<api::CreateFolder>,
    add: ServerAction<api::AddMember>,
    moved: ServerAction<api::MoveMember>,
    remove: ServerAction<api::RemoveMember>,
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
    let mut options: Vec<(String, String)> = folders.iter().map(|f| (f.folder_id.clone(), folder_path(folders, &f.folder_id))).collect();
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
    let actions = DirectoryActions { folder: ServerAction::new(), add: ServerAction::new(), moved: ServerAction::new(), remove: ServerAction::new() };
    let data = Resource::new(
        move || (actions.folder.version().get(), actions.add.version().get(), actions.moved.version().get(), actions.remove.version().get()),
        |_| api::resource_directory(),
    );
    let error = move || {
        [actions.folder.value().get(), actions.add.value().get(), actions.moved.value().get(), actions.remove.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|error| view! { <ErrorAlert error/> })
    };
    view! {
        <Title text="Resource directory"/>
        <div class="breadcrumb">"Resource Management"</div>
        <div class="page-header"><h1>"Resource directory"</h1></div>
        {error}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <DirectoryBody d actions/> }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DirectoryBody(d: DirectoryView, actions: DirectoryActions) -> impl IntoView {
    let folders = StoredValue::new(d.folders.clone());
    let parent_options = folder_options(&d.folders, &d.root_folder_id);
    let member_folder_options = folder_options(&d.folders, &d.root_folder_id);
    view! {
        <p class="subtle">"Directory " <span class="mono">{d.directory_id.clone()}</span>
            ". A share with the Objects Within Resource Directory scope can target the directory, a folder or a member; a folder covers whoever is in it."</p>
        <div class="two-columns">
            <div class="card form-card">
                <h2>"New folder"</h2>
                <ActionForm action=actions.folder>
                    <label class="field"><span>"Folder name"</span><input type="text" name="folder_name" maxlength="64" required/></label>
                    <label class="field"><span>"Parent folder"</span><select name="parent_folder_id">{parent_options}</select></label>
                    <button type="submit" class="button button-primary">"Create folder"</button>
                </ActionForm>
            </div>
            <div class="card form-card">
                <h2>"Add member"</h2>
                <ActionForm action=actions.add>
                    <label class="field"><span>"Account ID"</span><input type="text" name="account_id" maxlength="16" placeholder="16-digit account ID" required/></label>
                    <label class="field"><span>"Folder"</span><select name="folder_id">{member_folder_options}</select></label>
                    <button type="submit" class="button button-primary">"Add member"</button>
                </ActionForm>
            </div>
        </div>
        <table class="data-table" aria-label="Members">
            <thead><tr><th>"Account"</th><th>"Folder"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {d.members.into_iter().map(|m| {
                    let (id_move, id_remove) = (m.account_id.clone(), m.account_id.clone());
                    let options = folders.with_value(|f| folder_options(f, &m.folder_id));
                    view! {
                        <tr data-member=m.account_id.clone()>
                            <td>{m.display_name} <div class="subtle mono">{m.account_id.clone()}</div></td>
                            <td>
                                <select aria-label=format!("Folder of {}", m.account_id) on:change=move |ev| {
                                    actions.moved.dispatch(api::MoveMember { account_id: id_move.clone(), folder_id: event_target_value(&ev) });
                                }>{options}</select>
                            </td>
                            <td>
                                {if m.is_management {
                                    view! { <span class="subtle">"Management account"</span> }.into_any()
                                } else {
                                    view! { <button class="link-button" on:click=move |_| {
                                        actions.remove.dispatch(api::RemoveMember { account_id: id_remove.clone() });
                                    }>"Remove"</button> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
