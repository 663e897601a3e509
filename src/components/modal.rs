//! A dialog over the page, held open by a query parameter of the page's URL (`?share=…`, `?restore=…`,
//! `?edit=…`), so it opens and closes without JavaScript too.

use crate::components::forms::QueryForm;
use leptos::prelude::*;

/// The dialog's frame: its title, and a close button that drops `param` from the URL (a GET form
/// without JavaScript, `on_close` with it). `key` names the title for screen readers and the close
/// form, `"{key}-close"`, which a Cancel button in the body submits with `form=`.
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
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby=format!("{key}-title")>
                <div class="modal-header">
                    <h2 id=format!("{key}-title")>{title}</h2>
                    <QueryForm param id=format!("{key}-close") on_submit=close>
                        <button type="submit" class="button button-ghost" aria-label="Close">"×"</button>
                    </QueryForm>
                </div>
                {children()}
            </div>
        </div>
    }
}
