//! How a refusal is shown: the sentence, then the API error code, in an element screen readers announce.

use crate::error::AppError;
use leptos::prelude::*;

#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <span class="alert-message">{error.message}</span>
            " "
            <code class="alert-code">{error.code}</code>
        </div>
    }
}
