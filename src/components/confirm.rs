//! Asking before an action that can't be undone from the same screen (delete, release, move).

/// Asks the browser for confirmation; on the server (no JS) there is nothing to ask, so nothing runs.
pub fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    return leptos::prelude::window().confirm_with_message(question).unwrap_or(false);
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}
