//! The region selector at the top left of a regional page: changing it reloads the page for that region.

use crate::api::types::RegionView;
use crate::components::forms::before_hydration;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn RegionSelect(
    regions: Vec<RegionView>,
    selected: String,
    /// The page's path, e.g. "/clusters".
    path: &'static str,
) -> impl IntoView {
    let navigate = use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        navigate(&format!("{path}?region={}", event_target_value(&ev)), Default::default());
    };
    // Without JavaScript the select is a GET form with a button.
    let before = before_hydration();
    view! {
        <form class="toolbar" method="get" action=path>
            <label class="inline-field">
                <span>"Region"</span>
                <select name="region" on:change=on_change>
                    {regions.into_iter().map(|r| {
                        let is_selected = r.region_id == selected;
                        view! { <option value=r.region_id.clone() selected=is_selected>{r.region_name} " (" {r.region_id.clone()} ")"</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button" hidden=move || !before.get()>"Show"</button>
        </form>
    }
}
