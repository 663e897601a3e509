//! What an empty table says: one row across every column, so the headings stay and the reader is told
//! there is nothing yet rather than shown a blank.

use leptos::prelude::*;

#[component]
pub fn EmptyRow(
    /// How many columns the table has, for the row to span them all.
    columns: usize,
    #[prop(into)] text: String,
) -> impl IntoView {
    view! {
        <tr class="empty-row"><td colspan=columns.to_string()>{text}</td></tr>
    }
}
