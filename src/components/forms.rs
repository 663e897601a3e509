//! Buttons that are real forms, so every action works before hydration and with JavaScript off.
//!
//! - [`PostButton`]: a `<form method="post">` to a server function, its arguments in hidden fields.
//!   Without JavaScript the browser posts it and the server answers with a redirect back to the page
//!   (a refusal rides along in the URL, where the page's `ServerAction` finds it and shows it). With
//!   JavaScript the same form dispatches the action in place (no reload).
//! - [`QueryButton`]: a `<form method="get">` that sets one query parameter on the current page (open
//!   a dialog, ask for a confirmation); with JavaScript it navigates without a reload.
//!
//! An action that asks "are you sure?" does it with the browser's `confirm()` when the page is
//! hydrated; without JavaScript its first button reloads the page with `?confirm=<key>`, and the page
//! shows the question next to a real post button. The server drops the dialog and confirmation
//! parameters from the redirect after a successful post (see `server::app::form_redirect`).

use crate::components::confirm::confirmed;
use leptos::prelude::*;
use leptos::server_fn::{codec::PostUrl, Http, ServerFn};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;
use serde::Serialize;
use std::sync::Arc;

/// Query parameters that belong to one moment of a page (an open dialog, a pending confirmation, the
/// refusal of the last post) and are not carried on to the next.
pub const TRANSIENT_PARAMS: &[&str] = &["confirm", "share", "share_id", "restore", "edit", "__err", "__path"];

/// `search` (the URL's query, with or without its `?`) without `param` and without the transient
/// parameters, then with `param=value` when a value is given.
pub fn with_param(search: &str, param: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| {
            let key = kv.split('=').next().unwrap_or("");
            !kv.is_empty() && key != param && !TRANSIENT_PARAMS.contains(&key)
        })
        .map(str::to_owned)
        .collect();
    if let Some(value) = value {
        pairs.push(format!("{param}={}", encode(value)));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The current page with `param` set (or removed, with `None`), transient parameters dropped.
pub fn current_page_with(param: &str, value: Option<&str>) -> String {
    page_with(&use_location(), param, value)
}

fn page_with(location: &leptos_router::location::Location, param: &str, value: Option<&str>) -> String {
    format!("{}{}", location.pathname.get_untracked(), with_param(&location.search.get_untracked(), param, value))
}

/// A function that navigates (without a reload, keeping the scroll position) to the current page with
/// `param` set or removed: how a dialog closes itself once hydrated.
pub fn navigator(param: &'static str) -> impl Fn(Option<String>) + Clone + Send + Sync + 'static {
    let (location, navigate) = (use_location(), use_navigate());
    move |value| {
        navigate(
            &page_with(&location, param, value.as_deref()),
            NavigateOptions { scroll: false, ..Default::default() },
        )
    }
}

/// The current query's value of `param` (tracked).
pub fn query_value(param: &'static str) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move || query.read().get(param)
}

/// True until the page has hydrated (always, without JavaScript): for the buttons only a page without
/// script needs (a select or checkbox acts by itself once hydrated, but without script it needs a submit
/// button to post its form).
pub fn before_hydration() -> ReadSignal<bool> {
    let (before, set_before) = signal(true);
    Effect::new(move |_| set_before.set(false));
    before
}

/// A server function's arguments as hidden fields, named as the function decodes them.
fn hidden_fields<S: Serialize>(input: &S) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(input) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter_map(|(name, value)| match value {
            serde_json::Value::String(s) => Some((name, s)),
            serde_json::Value::Bool(b) => Some((name, b.to_string())),
            serde_json::Value::Number(n) => Some((name, n.to_string())),
            _ => None,
        })
        .collect()
}

/// A button that posts `input` to its server function (see the module documentation). With
/// `confirm`, the question is asked first.
#[component]
pub fn PostButton<S, O>(
    action: ServerAction<S>,
    input: S,
    #[prop(into)] label: String,
    /// The question to ask before posting.
    #[prop(optional, into)]
    confirm: Option<String>,
    #[prop(default = "link-button")] class: &'static str,
) -> impl IntoView
where
    S: ServerFn<Protocol = Http<PostUrl, O>> + Serialize + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    O: 'static,
{
    let fields = hidden_fields(&input);
    let function = S::PATH.rsplit('/').next().unwrap_or_default();
    post_form(
        S::url(),
        function,
        fields,
        label,
        confirm,
        class,
        Arc::new(move || {
            action.dispatch(input.clone());
        }),
    )
}

/// A [`PostButton`]'s form. Only the button is generic over its server function; this, most of its
/// code, exists once in the wasm rather than once per function (less to download, and less for the
/// browser to compile on a first visit).
fn post_form(
    url: &'static str,
    function: &str,
    fields: Vec<(String, String)>,
    label: String,
    confirm: Option<String>,
    class: &'static str,
    dispatch: Arc<dyn Fn() + Send + Sync>,
) -> AnyView {
    let key = format!("{function}:{}", fields.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(":"));
    let asked = query_value("confirm")().as_deref() == Some(key.as_str());
    let hidden =
        fields.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view();
    let post = {
        let dispatch = dispatch.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            dispatch();
        }
    };
    match confirm {
        // Without JavaScript, the first press asks on the page; with it, the browser asks.
        Some(question) if !asked => {
            let ask = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if confirmed(&question) {
                    dispatch();
                }
            };
            view! {
                <QueryForm param="confirm" on_submit=ask>
                    <button type="submit" class=class name="confirm" value=key>{label}</button>
                </QueryForm>
            }
            .into_any()
        }
        Some(question) => {
            let cancel = current_page_with("confirm", None);
            view! {
                <div class="confirm-inline" role="alert">
                    <p>{question}</p>
                    <form method="post" action=url class="post-form" on:submit=post>
                        {hidden}
                        <button type="submit" class="button button-danger">{label}</button>
                    </form>
                    " "
                    <a class="button button-ghost" href=cancel>"Cancel"</a>
                </div>
            }
            .into_any()
        }
        None => view! {
            <form method="post" action=url class="post-form" on:submit=post>
                {hidden}
                <button type="submit" class=class>{label}</button>
            </form>
        }
        .into_any(),
    }
}

/// A GET form to the current page that keeps its lasting query parameters (region, page) and lets its
/// submit button set `param` (or, without a button value, drops it: how a dialog closes);
/// `on_submit` replaces the reload when JavaScript runs.
#[component]
pub fn QueryForm(
    param: &'static str,
    on_submit: impl FnMut(leptos::ev::SubmitEvent) + 'static,
    /// For buttons elsewhere on the page that belong to this form (`form="<id>"`).
    #[prop(optional, into)]
    id: Option<String>,
    children: Children,
) -> impl IntoView {
    let location = use_location();
    let kept: Vec<(String, String)> = location
        .query
        .get_untracked()
        .into_iter()
        .filter(|(k, _)| k.as_ref() != param && !TRANSIENT_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    view! {
        <form method="get" action=location.pathname.get_untracked() class="post-form" id=id on:submit=on_submit>
            {kept.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
            {children()}
        </form>
    }
}

/// A button that opens something on the current page by setting `param=value` in its URL (a dialog):
/// a GET form without JavaScript, a navigation without reload with it.
#[component]
pub fn QueryButton(
    param: &'static str,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
    #[prop(default = "link-button")] class: &'static str,
    /// Further parameters the opened thing needs (e.g. which share a dialog edits).
    #[prop(optional)]
    extra: Vec<(&'static str, String)>,
) -> impl IntoView {
    let (location, navigate) = (use_location(), use_navigate());
    let target = {
        let (value, extra) = (value.clone(), extra.clone());
        move || {
            let mut url = page_with(&location, param, Some(&value));
            for (name, v) in &extra {
                url.push_str(&format!("&{name}={}", encode(v)));
            }
            url
        }
    };
    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(&target(), NavigateOptions { scroll: false, ..Default::default() });
    };
    view! {
        <QueryForm param on_submit=open>
            {extra.into_iter().map(|(name, v)| view! { <input type="hidden" name=name value=v/> }).collect_view()}
            <button type="submit" class=class name=param value=value>{label}</button>
        </QueryForm>
    }
}

#[cfg(test)]
mod tests {
    use super::with_param;

    #[test]
    fn a_parameter_is_set_and_the_transient_ones_dropped() {
        assert_eq!(
            with_param("?region=cn-beijing&confirm=x&__err=e&__path=p", "share", Some("bs 1")),
            "?region=cn-beijing&share=bs%201"
        );
        assert_eq!(with_param("?share=bs-1&page=2", "share", None), "?page=2");
        assert_eq!(with_param("", "confirm", None), "");
    }
}

/// Accept and Reject of an invitation, as two post buttons.
#[component]
pub fn AnswerButtons<S, O>(action: ServerAction<S>, accept: S, reject: S) -> impl IntoView
where
    S: ServerFn<Protocol = Http<PostUrl, O>> + Serialize + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    O: 'static,
{
    view! {
        <PostButton action input=accept label="Accept"/>
        " "
        <PostButton action input=reject label="Reject"/>
    }
}
