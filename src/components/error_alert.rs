//! How a refusal is shown: the sentence, then the API error code, in an element screen readers announce.
//! A time the sentence names ("Try again ... at 08:01:30 UTC") is shown in the viewer's own zone.

use crate::components::local_time::LocalTime;
use crate::error::AppError;
use leptos::prelude::*;

#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    let (before, time, after) = error.message_parts();
    let (before, time, after) = (before.to_owned(), time.map(str::to_owned), after.to_owned());
    view! {
        <div class="alert alert-error" role="alert">
            <span class="alert-message">{before}{time.map(|iso| view! { <LocalTime iso/> })}{after}</span>
            " "
            <code class="alert-code">{error.code}</code>
        </div>
    }
}
