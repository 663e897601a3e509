//! Times in the viewer's own locale and time zone. The server renders UTC (it can't know the viewer's
//! zone); the browser rewrites them with Intl.DateTimeFormat: the times in the server's page in one
//! pass once it has hydrated ([`show_local_times`]), a time rendered in the browser after that directly.

use leptos::prelude::*;

/// "2026-11-25T08:00:00Z" -> ("2026-11-25", "08:00 UTC"): what is shown before (and without) the
/// browser's help.
fn utc_text(iso: &str) -> (String, String) {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(date), Some(time)) => (date.to_owned(), format!("{time} UTC")),
        _ => (iso.to_owned(), String::new()),
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// Set once the page has hydrated: a time rendered after that is rendered in the browser only, so
    /// it can show the local time straight away.
    static HYDRATED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
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

/// Once the page has hydrated: every `<time>` the server wrote, in the viewer's zone. One pass over the
/// page instead of a signal and an effect per time (a table of backup sets shows 90 of them), in a task
/// of its own after the page has become interactive: the first Intl.DateTimeFormat starts the browser's
/// ICU, ~20 ms on a fresh start.
#[cfg(feature = "hydrate")]
pub fn show_local_times() {
    HYDRATED.set(true);
    set_timeout(rewrite_server_times, std::time::Duration::ZERO);
}

#[cfg(feature = "hydrate")]
fn rewrite_server_times() {
    let times = document().get_elements_by_tag_name("time");
    for i in 0..times.length() {
        let Some(time) = times.item(i) else { continue };
        let (Some(iso), Some(date), Some(clock)) =
            (time.get_attribute("datetime"), time.first_element_child(), time.last_element_child())
        else {
            continue;
        };
        if let Some((local_date, local_clock)) = browser_local(&iso) {
            set_text(&date, &local_date);
            set_text(&clock, &local_clock);
        }
    }
}

/// Changes the text node Leptos hydrated rather than replacing it, so a later render of the same view
/// (the table reloading in place) still reaches the page.
#[cfg(feature = "hydrate")]
fn set_text(element: &leptos::web_sys::Element, text: &str) {
    match element.first_child() {
        Some(node) => node.set_node_value(Some(text)),
        None => element.set_text_content(Some(text)),
    }
}

/// What a time says when rendered: UTC on the server and while hydrating (the browser's first render
/// must match the server's page), the local time once the page has hydrated.
fn shown(iso: &str) -> (String, String) {
    #[cfg(feature = "hydrate")]
    if HYDRATED.get() {
        if let Some(local) = browser_local(iso) {
            return local;
        }
    }
    utc_text(iso)
}

/// A time, as its date and its clock time: narrow columns can break the line between the two and
/// nowhere else.
#[component]
pub fn LocalTime(#[prop(into)] iso: String) -> impl IntoView {
    let (date, clock) = shown(&iso);
    view! {
        <time datetime=iso.clone() title=iso>
            <span class="date">{date}</span>
            " "
            <span class="clock">{clock}</span>
        </time>
    }
}
