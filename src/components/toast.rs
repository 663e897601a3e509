//! The short notice a page shows after an action it started (what a share did), until dismissed.

use leptos::prelude::*;

/// Shows `notice` while it holds a text; Dismiss clears it. The live region is on the page before the
/// notice is put in it, so screen readers announce the notice (a region added with its text is often
/// not read out).
#[component]
pub fn Toast(notice: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || notice.get().map(|text| view! {
                <div class="toast">
                    <span>{text}</span>
                    <button class="button button-ghost" on:click=move |_| notice.set(None)>"Dismiss"</button>
                </div>
            })}
        </div>
    }
}
