//! Previous / Next for a paged list. The page number lives in the URL (`?page=2`, or another
//! parameter where a page has two lists), so the links work before hydration and can be bookmarked;
//! the page's other query parameters (region, filters) are kept.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The page number a list's query parameter asks for (`None`: the first page).
pub fn requested_page(param: &'static str) -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get(param).and_then(|p| p.parse().ok())
}

/// `search` (the URL's query, with or without its `?`) with `param` set to `page` (the moment's own
/// parameters, an open dialog or a shown refusal, are not carried to another page).
fn with_page(search: &str, param: &str, page: u32) -> String {
    crate::components::forms::with_param(search, param, Some(&page.to_string()))
}

/// Shown only when the list has more than one page.
#[component]
pub fn Pager(
    page: u32,
    page_size: u32,
    total: i64,
    /// The query parameter holding this list's page number.
    #[prop(default = "page")]
    param: &'static str,
    /// What the list is, for screen readers ("Invitations pages").
    label: &'static str,
) -> impl IntoView {
    let location = use_location();
    let pages = u32::try_from(total.max(0)).unwrap_or(u32::MAX).div_ceil(page_size.max(1)).max(1);
    let href = move |n: u32| {
        format!("{}{}", location.pathname.get_untracked(), with_page(&location.search.get_untracked(), param, n))
    };
    (pages > 1 || page > 1).then(|| {
        view! {
            <nav class="pager" aria-label=format!("{label} pages")>
                {if page > 1 {
                    view! { <a class="button" rel="prev" href=href(page - 1)>"Previous"</a> }.into_any()
                } else {
                    view! { <span class="button" aria-disabled="true">"Previous"</span> }.into_any()
                }}
                <span class="pager-position">{format!("Page {page} of {pages} · {total} in all")}</span>
                {if page < pages {
                    view! { <a class="button" rel="next" href=href(page + 1)>"Next"</a> }.into_any()
                } else {
                    view! { <span class="button" aria-disabled="true">"Next"</span> }.into_any()
                }}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::with_page;

    #[test]
    fn the_page_parameter_is_replaced_and_the_others_kept() {
        assert_eq!(with_page("?region=cn-beijing&page=2", "page", 3), "?region=cn-beijing&page=3");
        assert_eq!(with_page("", "page", 2), "?page=2");
        assert_eq!(with_page("tab=incoming&jobs_page=4", "page", 2), "?tab=incoming&jobs_page=4&page=2");
    }
}
