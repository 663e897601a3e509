//! A status as a coloured badge, the same on every page.

use leptos::prelude::*;

/// The stored word picks the colour (`status-<word>` in the style sheet); the badge says the word, or
/// `label` where the console words that status differently (an accepted invitation is "Enabled").
#[component]
pub fn StatusBadge(#[prop(into)] status: String, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let class = format!("status status-{}", status.to_lowercase());
    view! { <span class=class>{label.unwrap_or(status)}</span> }
}
