//! The short notice a page shows after an action it started (what a share did), until dismissed.

use leptos::prelude::*;

/// Shows `notice` while it holds a text; Dismiss clears it.
#[component]
pub fn Toast(notice: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        notice.get().map(|text| {
            view! {
                <div class="toast" role="status">
                    <span>{text}</span>
                    <button class="button button-ghost" on:click=move |_| notice.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}
