//! A dialog over the page, held open by a query parameter of the page's URL (`?share=…`, `?restore=…`,
//! `?edit=…`), so it opens and closes without JavaScript too.
//!
//! Every dialog behaves as a modal dialog does for keyboard and screen-reader users ([`DialogFrame`]):
//! focus moves into it when it opens, Tab and Shift+Tab stay inside it, Escape closes it, and focus goes
//! back to the button that opened it.

use crate::components::forms::QueryForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The dialog's frame: its title, and a close button that drops `param` from the URL (a GET form
/// without JavaScript, `on_close` with it). `key` names the title for screen readers and the close
/// form, `"{key}-close"`, which a Cancel button in the body submits with `form=`. Focus goes back to the
/// [`QueryButton`](crate::components::forms::QueryButton) that set `param` to the open value.
#[component]
pub fn Modal(
    param: &'static str,
    key: &'static str,
    #[prop(into)] title: String,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let close = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_close.run(());
    };
    let opened_for = use_query_map().with_untracked(|q| q.get(param)).unwrap_or_default();
    let opener = format!("button[name=\"{param}\"][value=\"{}\"]", css_string(&opened_for));
    view! {
        <DialogFrame labelled_by=format!("{key}-title") on_close opener>
            <div class="modal-header">
                <h2 id=format!("{key}-title")>{title}</h2>
                <QueryForm param id=format!("{key}-close") on_submit=close>
                    <button type="submit" class="button button-ghost" aria-label="Close">"×"</button>
                </QueryForm>
            </div>
            {children()}
        </DialogFrame>
    }
}

/// `value` escaped for a double-quoted CSS string (an attribute selector's value).
pub fn css_string(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A modal dialog's box over a dimmed page, and its keyboard behaviour. `opener` is a CSS selector for
/// the button that opens it: focus returns to the element that had it when the dialog opened, or, when
/// the page has rendered that element anew meanwhile (a list reloaded after the dialog's change), to
/// the element `opener` finds.
#[component]
pub fn DialogFrame(
    /// The id of the dialog's title.
    #[prop(into)]
    labelled_by: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] opener: String,
    /// For tests that pick the dialog out by its `data-testid`.
    #[prop(optional)]
    testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    crate::components::focus::take_focus(dialog, opener);
    #[cfg(not(feature = "hydrate"))]
    let _ = opener;
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_close.run(());
        }
        #[cfg(feature = "hydrate")]
        if ev.key() == "Tab" {
            if let Some(dialog) = dialog.get_untracked() {
                crate::components::focus::keep_inside(&dialog, &ev);
            }
        }
    };
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby=labelled_by tabindex="-1" data-testid=testid node_ref=dialog on:keydown=on_keydown>
                {children()}
            </div>
        </div>
    }
}
