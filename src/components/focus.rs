//! Where keyboard focus goes when the page changes under it (in the browser only): into a dialog as it
//! opens and back to its button as it closes, and back to a button whose list was rendered anew.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{Element, HtmlElement, KeyboardEvent};
use std::time::Duration;

/// What can take focus with Tab, in document order.
const TABBABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=\"hidden\"]), \
                        select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex=\"-1\"])";

/// The attribute that marks, while a dialog is open, the element that had focus when it opened.
const OPENER_MARK: &str = "data-dialog-opener";

/// On opening: marks the focused element (the button pressed) and moves focus to the dialog's first
/// field, or to the dialog itself (its title is read out) when it has none yet (still loading). On
/// closing: focus goes back (see [`return_focus`]).
pub fn take_focus(dialog: NodeRef<leptos::html::Div>, opener: String) {
    let mut opened = false;
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else { return };
        if std::mem::replace(&mut opened, true) {
            return;
        }
        if let Some(active) =
            document().active_element().filter(|a| !dialog.contains(Some(&**a)) && a.tag_name() != "BODY")
        {
            let _ = active.set_attribute(OPENER_MARK, "");
        }
        // The first field; in a dialog with none, its main button (an answer's Close).
        let field = [
            ".modal-body input:not([type=\"hidden\"]):not([disabled]), .modal-body select, .modal-body textarea",
            ".modal-footer .button-primary",
        ]
        .into_iter()
        .find_map(|selector| dialog.query_selector(selector).ok().flatten().filter(visible));
        let target: HtmlElement = field.and_then(|f| f.dyn_into().ok()).unwrap_or_else(|| dialog.clone().into());
        let _ = target.focus();
    });
    let opener = std::sync::Arc::new(opener);
    on_cleanup(move || return_focus(&opener));
}

/// Tab from the last element goes to the first, Shift+Tab from the first (or from the dialog
/// itself) to the last: the page behind the dialog is out of reach while it is open.
pub fn keep_inside(dialog: &HtmlElement, ev: &KeyboardEvent) {
    let Ok(found) = dialog.query_selector_all(TABBABLE) else {
        return;
    };
    let tabbable: Vec<HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .filter(|e| visible(e))
        .collect();
    let (Some(first), Some(last)) = (tabbable.first(), tabbable.last()) else {
        ev.prevent_default();
        return;
    };
    let active = document().active_element();
    let is = |e: &HtmlElement| active.as_ref().is_some_and(|a| a == e.unchecked_ref::<Element>());
    let on_dialog = active.as_ref().is_some_and(|a| a == dialog.unchecked_ref::<Element>());
    if ev.shift_key() && (is(first) || on_dialog) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && is(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

/// Laid out (not `hidden`, not inside something hidden).
fn visible(e: &Element) -> bool {
    e.get_client_rects().length() > 0
}

/// Focus goes back to the marked opener if it is still on the page, else to what `opener` finds (the
/// page rendered it anew meanwhile). If the page renders it anew later still, [`keep_focus`] follows.
fn return_focus(opener: &str) {
    let marked = document().query_selector(&format!("[{OPENER_MARK}]")).ok().flatten();
    if let Some(marked) = &marked {
        let _ = marked.remove_attribute(OPENER_MARK);
    }
    let found = || document().query_selector(opener).ok().flatten();
    if let Some(target) =
        marked.filter(|m| m.is_connected()).or_else(found).and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = target.focus();
    }
}

/// The element that last had focus, and how to find its like once the page has rendered it anew.
struct Focused {
    element: Element,
    /// The page it was on: after going to another page, focus is not brought back.
    page: String,
    in_dialog: bool,
    /// A selector for its table row (`tr[data-invitation="…"]`), when it is in one.
    row: Option<String>,
    tag: String,
    label: String,
    /// How many more checks look for its like once it is gone.
    tries: u8,
}

thread_local! {
    static LAST_FOCUSED: std::cell::RefCell<Option<Focused>> = const { std::cell::RefCell::new(None) };
}

/// An action's answer reloads its list, and the rows are rendered anew: the button pressed (or the
/// checkbox toggled) leaves the page with focus on it, and a keyboard user would start again from the
/// top. For the whole life of the page, focus that fell to the page body this way is put on the same
/// control of the same row (same tag, same name or text), when the new rows have one.
pub fn keep_focus() {
    let _ = window_event_listener(leptos::ev::focusin, |ev| {
        let Some(element) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let row = element
            .closest("tr")
            .ok()
            .flatten()
            .and_then(|tr| {
                let names = tr.get_attribute_names();
                (0..names.length())
                    .filter_map(|i| names.get(i).as_string())
                    .find(|n| n.starts_with("data-"))
                    .map(|n| (tr, n))
            })
            .and_then(|(tr, name)| {
                tr.get_attribute(&name)
                    .map(|value| format!("tr[{name}=\"{}\"]", crate::components::modal::css_string(&value)))
            });
        let (tag, label) = (element.tag_name(), label_of(&element));
        let page = current_page();
        let in_dialog = element.closest("[role=\"dialog\"]").ok().flatten().is_some();
        LAST_FOCUSED
            .with(|last| *last.borrow_mut() = Some(Focused { element, page, in_dialog, row, tag, label, tries: 15 }));
    });
    let _ = set_interval_with_handle(
        || {
            let lost = document().active_element().map_or(true, |a| a.tag_name() == "BODY");
            LAST_FOCUSED.with(|last| {
                let mut last = last.borrow_mut();
                let Some(focused) = last
                    .as_mut()
                    .filter(|f| lost && !f.element.is_connected() && f.tries > 0 && f.page == current_page())
                else {
                    return;
                };
                focused.tries -= 1;
                // In a dialog still open (a removed principal's Remove button), the dialog keeps focus, so
                // that Tab goes on inside it.
                let dialog = || {
                    document()
                        .query_selector("[role=\"dialog\"]")
                        .ok()
                        .flatten()
                        .and_then(|d| d.dyn_into::<HtmlElement>().ok())
                };
                if let Some(like) = like_of(focused).or_else(|| focused.in_dialog.then(dialog).flatten()) {
                    let _ = like.focus();
                }
            });
        },
        Duration::from_millis(200),
    );
}

fn current_page() -> String {
    window().location().pathname().unwrap_or_default()
}

/// After going to another page of the console (the router changes the page without loading one), focus
/// is put on the new page's `<main>`: a screen reader reads the new page from its start, and Tab goes on
/// from there rather than from the link that is gone. Tried for a second, while the page renders.
pub fn focus_main_after_navigation() {
    for tries in 0..10u64 {
        set_timeout(
            move || {
                let Some(main) = document().get_element_by_id(crate::app::MAIN_CONTENT) else {
                    return;
                };
                let inside = document().active_element().is_some_and(|a| main.contains(Some(&*a)) && a != main);
                let first_try_or_lost =
                    tries == 0 || document().active_element().map_or(true, |a| a.tag_name() == "BODY");
                if !inside && first_try_or_lost {
                    if let Ok(main) = main.dyn_into::<HtmlElement>() {
                        let _ = main.focus();
                    }
                }
            },
            Duration::from_millis(100 * tries),
        );
    }
}

/// What names a control among its row's: its `aria-label`, else its text.
fn label_of(element: &Element) -> String {
    element.get_attribute("aria-label").unwrap_or_else(|| element.text_content().unwrap_or_default().trim().to_owned())
}

fn like_of(focused: &Focused) -> Option<HtmlElement> {
    let scope: Element = match &focused.row {
        Some(row) => document().query_selector(row).ok().flatten()?,
        None => document().body()?.into(),
    };
    let found = scope.query_selector_all(&focused.tag).ok()?;
    (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .find(|e| label_of(e) == focused.label)
        .and_then(|e| e.dyn_into().ok())
}

/// An answer that takes its row's buttons away (an invitation accepted, rejected, or found answered
/// already) renders the list anew, and focus falls to the page body: a keyboard user would start again
/// from the top of the page. Once it has fallen (within five seconds of the answer), focus goes to the
/// first button of the next of `rows` that still offers one, else of the nearest one above, else to
/// `fallback` (the list's heading, read out with the status message that announced the answer), and is
/// put there again if a later rendering of the list takes it away. A row that still offers its buttons
/// is left to [`keep_focus`], which puts focus back on the same one.
pub fn focus_next_row_after_answer(rows: &'static str, answered: String, fallback: &'static str) {
    let page = current_page();
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let moved_to = std::rc::Rc::new(std::cell::RefCell::new(None::<Element>));
    for tries in 0..50u64 {
        let (done, moved_to, page, answered) = (done.clone(), moved_to.clone(), page.clone(), answered.clone());
        set_timeout(
            move || {
                if done.get() || current_page() != page {
                    return;
                }
                let row_button = |row: &Element| row.query_selector("button:not([disabled])").ok().flatten();
                let answered_row = document().query_selector(&answered).ok().flatten();
                // The list is rendered more than once before the answer shows (a refusal's row first, the
                // reloaded list later; for a moment the row may be missing), and `keep_focus` puts focus
                // back on the like of the pressed button each time. So focus in the answered row, or on
                // what this put it on (which a later rendering may take away again), is watched on; focus
                // anywhere else was moved by the user and is left there.
                if let Some(active) = document().active_element().filter(|a| a.tag_name() != "BODY") {
                    let ours = moved_to.borrow().as_ref() == Some(&active);
                    if !ours && !answered_row.as_ref().is_some_and(|row| row.contains(Some(&active))) {
                        done.set(true);
                    }
                    return;
                }
                let still_offered = answered_row.as_ref().and_then(row_button).is_some();
                let not_rendered_yet = answered_row.is_none() && tries < 10;
                if still_offered || not_rendered_yet {
                    return;
                }
                let found = document().query_selector_all(rows).ok();
                let listed: Vec<Element> = found
                    .map(|l| (0..l.length()).filter_map(|i| l.item(i)?.dyn_into::<Element>().ok()).collect())
                    .unwrap_or_default();
                let at = listed.iter().position(|r| r.matches(&answered).unwrap_or(false));
                let (above, below) = listed.split_at(at.map_or(0, |at| at + 1));
                let next = below.iter().chain(above.iter().rev()).find_map(row_button);
                let target = next.or_else(|| document().query_selector(fallback).ok().flatten());
                if let Some(target) = target.and_then(|t| t.dyn_into::<HtmlElement>().ok()) {
                    let _ = target.focus();
                    *moved_to.borrow_mut() = Some(target.into());
                }
            },
            Duration::from_millis(100 * tries),
        );
    }
}
