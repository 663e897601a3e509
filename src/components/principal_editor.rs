//! The Principals field of the Share dialog: a list of account IDs (or, in directory scope, the
//! directory, its folders and members) with Add and Remove.

use crate::api::types::DirectoryObjectView;
use leptos::prelude::*;

/// "Analytics (Folder fd-analytics)": how a directory object is named wherever a principal is listed.
pub fn directory_label(objects: &[DirectoryObjectView], id: &str) -> Option<String> {
    objects.iter().find(|o| o.object_id == id).map(|o| format!("{} ({} {})", o.name, o.object_type, o.object_id))
}

/// Inside the Share dialog's form it posts three fields of `ShareForm` named after `field`: the list
/// (`form[<field>]`, ids separated by commas), what is typed in the box (`form[<field>_added]`: without
/// JavaScript, Add can't run, so typing ids and pressing OK is how they are given) and the directory
/// pick (`form[<field>_picked]`).
#[component]
pub fn PrincipalEditor(
    field: &'static str,
    principals: RwSignal<Vec<String>>,
    /// What the directory scope can target (empty when the owner is in no directory).
    directory_objects: Vec<DirectoryObjectView>,
    /// Whether the share's scope is Objects Within Resource Directory.
    #[prop(into)]
    directory_scope: Signal<bool>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let add = move |value: String| {
        let value = value.trim().to_owned();
        if !value.is_empty() && !principals.read().contains(&value) {
            principals.update(|list| list.push(value));
        }
    };
    let add_draft = move || {
        add(draft.get_untracked());
        draft.set(String::new());
    };
    let objects = StoredValue::new(directory_objects);
    let label_of = move |id: &str| {
        objects.with_value(|list| {
            list.iter().find(|o| o.object_id == id).map(|o| format!("{} ({})", o.name, o.object_type))
        })
    };

    view! {
        <fieldset class="field principal-editor">
            <legend>"Principals"</legend>
            <input type="hidden" name=format!("form[{field}]") value=move || principals.get().join(",")/>
            <div class="principal-add">
                <input
                    type="text"
                    name=format!("form[{field}_added]")
                    aria-label="Principal account ID"
                    placeholder="16-digit account ID"
                    maxlength="64"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); add_draft(); }
                />
                <button type="button" class="button" on:click=move |_| add_draft()>"Add"</button>
            </div>
            <Show when=move || directory_scope.get() && objects.with_value(|o| !o.is_empty())>
                <label class="inline-field">
                    <span>"Add from resource directory"</span>
                    <select aria-label="Add from resource directory" name=format!("form[{field}_picked]") on:change=move |ev| {
                        let value = event_target_value(&ev);
                        add(value);
                    }>
                        <option value="">"Choose the directory, a folder or a member…"</option>
                        {objects.get_value().into_iter().map(|o| view! {
                            <option value=o.object_id.clone()>{o.name} " · " {o.object_type.as_str()} " · " {o.object_id.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <ul class="principal-list" aria-label="Selected principals" hidden=move || principals.read().is_empty()>
                <For each=move || principals.get() key=|p| p.clone() let:principal>
                    <li>
                        <span class="mono">{principal.clone()}</span>
                        {label_of(&principal).map(|l| view! { <span class="subtle">" " {l}</span> })}
                        <button type="button" class="link-button" aria-label=format!("Remove {principal}") on:click={
                            let principal = principal.clone();
                            move |_| principals.update(|list| list.retain(|p| *p != principal))
                        }>"Remove"</button>
                    </li>
                </For>
            </ul>
            <Show when=move || principals.read().is_empty()>
                <p class="subtle principal-none">"No principals yet."</p>
            </Show>
        </fieldset>
    }
}
