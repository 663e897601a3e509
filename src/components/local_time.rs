//! Times in the viewer's own locale and time zone. The server renders UTC (it can't know the viewer's
//! zone); once the page is interactive the browser rewrites it with Intl.DateTimeFormat.

use leptos::prelude::*;

/// "2026-11-25T08:00:00Z" -> ("2026-11-25", "08:00 UTC"): what is shown before (and without) the
/// browser's help.
fn utc_text(iso: &str) -> (String, String) {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(date), Some(time)) => (date.to_owned(), format!("{time} UTC")),
        _ => (iso.to_owned(), String::new()),
    }
}

/// The date and the clock time in the browser's locale and zone (e.g. "Nov 25, 2026" and "4:00 PM").
#[cfg(feature = "hydrate")]
fn browser_local(iso: &str) -> Option<(String, String)> {
    use wasm_bindgen::{JsCast, JsValue};
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    let part = |style: &str, value: &str| -> Option<String> {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &style.into(), &value.into()).ok()?;
        let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format();
        format.dyn_into::<js_sys::Function>().ok()?.call1(&JsValue::UNDEFINED, &date).ok()?.as_string()
    };
    Some((part("dateStyle", "medium")?, part("timeStyle", "short")?))
}

/// A time, as its date and its clock time: narrow columns can break the line between the two and
/// nowhere else.
#[component]
pub fn LocalTime(#[prop(into)] iso: String) -> impl IntoView {
    let text = RwSignal::new(utc_text(&iso));
    #[cfg(feature = "hydrate")]
    {
        let iso = iso.clone();
        Effect::new(move |_| {
            if let Some(local) = browser_local(&iso) {
                text.set(local);
            }
        });
    }
    view! {
        <time datetime=iso.clone() title=iso>
            <span class="date">{move || text.get().0}</span>
            " "
            <span class="clock">{move || text.get().1}</span>
        </time>
    }
}
