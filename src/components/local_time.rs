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
    use wasm_bindgen::JsValue;
    thread_local! {
        // Made once per page: making an Intl.DateTimeFormat costs far more than using one, and a
        // table of backup sets shows dozens of times (measured: ~40 ms of the Data Backups page's
        // hydration when each time made its own two).
        static FORMATS: Option<(js_sys::Function, js_sys::Function)> = formatters();
    }
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    FORMATS.with(|formats| {
        let (day, clock) = formats.as_ref()?;
        let format = |f: &js_sys::Function| f.call1(&JsValue::UNDEFINED, &date).ok()?.as_string();
        Some((format(day)?, format(clock)?))
    })
}

#[cfg(feature = "hydrate")]
fn formatters() -> Option<(js_sys::Function, js_sys::Function)> {
    Some((formatter("dateStyle", "medium")?, formatter("timeStyle", "short")?))
}

/// `Intl.DateTimeFormat` with one option (`dateStyle` or `timeStyle`), as its bound `format` function.
#[cfg(feature = "hydrate")]
fn formatter(style: &str, value: &str) -> Option<js_sys::Function> {
    use wasm_bindgen::JsCast;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &style.into(), &value.into()).ok()?;
    js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format().dyn_into::<js_sys::Function>().ok()
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
