//! Times in the viewer's own locale and time zone. The server renders UTC (it can't know the viewer's
//! zone); once the page is interactive the browser rewrites it with Intl.DateTimeFormat.

use leptos::prelude::*;

/// "2026-11-25T08:00:00Z" -> "2026-11-25 08:00 UTC": what is shown before (and without) the browser's help.
fn utc_text(iso: &str) -> String {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => iso.to_owned(),
    }
}

#[cfg(feature = "hydrate")]
fn browser_local(iso: &str) -> Option<String> {
    use wasm_bindgen::{JsCast, JsValue};
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format();
    format.dyn_into::<js_sys::Function>().ok()?.call1(&JsValue::UNDEFINED, &date).ok()?.as_string()
}

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
    view! { <time datetime=iso.clone() title=iso>{move || text.get()}</time> }
}
