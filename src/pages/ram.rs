//! RAM users: the account (root) creates users, sets passwords, attaches or detaches the system
//! policies, and deletes users. Changes apply on the user's next request.

use crate::api::{
    self,
    types::{RamUserView, Viewer},
};
use crate::components::page_data::page_resource;
use crate::components::{
    access_keys::{AccessKeysCard, NewAccessKeyButton},
    empty_row::EmptyRow,
    error_alert::ErrorAlert,
    forms::{before_hydration, PostButton},
    local_time::LocalTime,
    pager::{requested_page, Pager},
};
use crate::domain::{ram_user_name_max, ConsolePage, Policy};
use leptos::prelude::*;
use leptos_meta::Title;

/// A column heading short enough to read; the full policy name is its hover text.
fn policy_label(policy: Policy) -> &'static str {
    match policy {
        Policy::PolardbFullAccess => "PolarDB full access",
        Policy::PolardbReadOnlyAccess => "PolarDB read-only",
        Policy::ResourceCenterFullAccess => "Resource Sharing full access",
        Policy::ActionTrailReadOnlyAccess => "ActionTrail read-only",
        Policy::BssReadOnlyAccess => "Billing read-only",
        Policy::SupportFullAccess => "Support (tickets)",
        Policy::QuotasReadOnlyAccess => "Quotas read-only",
    }
}

/// What a policy lets its holder do in this console: the pages it opens, and for the full-access
/// policies what they change.
fn policy_grants(policy: Policy) -> String {
    let pages: Vec<&str> = policy.grants().into_iter().map(ConsolePage::title).collect();
    let changes = match policy {
        Policy::PolardbFullAccess => "; delete, convert and restore backup sets, release clusters; with Resource Sharing full access, share",
        Policy::ResourceCenterFullAccess => "; accept or reject invitations to resource shares and to a resource directory, leave a directory; with PolarDB full access, share",
        _ => "",
    };
    format!("Opens {}{changes}", pages.join(", "))
}

/// Which page each system policy opens, beside the users they are attached to.
#[component]
fn PolicyGuide() -> impl IntoView {
    view! {
        <details class="card policy-guide">
            <summary>"What each system policy grants"</summary>
            <table class="data-table compact" aria-label="System policies">
                <thead><tr><th scope="col">"Policy"</th><th scope="col">"Grants"</th></tr></thead>
                <tbody>
                    {Policy::ALL.iter().map(|&p| view! {
                        <tr data-policy=p.as_str()><td class="mono">{p.as_str()}</td><td>{policy_grants(p)}</td></tr>
                    }).collect_view()}
                    <tr><td>"(no policy)"</td><td>"Only the user's own profile"</td></tr>
                </tbody>
            </table>
        </details>
    }
}

#[derive(Clone, Copy)]
struct RamActions {
    create: ServerAction<api::CreateRamUser>,
    password: ServerAction<api::SetRamPassword>,
    policy: ServerAction<api::SetRamPolicy>,
    delete: ServerAction<api::DeleteRamUser>,
    new_key: ServerAction<api::CreateAccessKey>,
}

impl RamActions {
    fn version(&self) -> usize {
        self.create.version().get()
            + self.password.version().get()
            + self.policy.version().get()
            + self.delete.version().get()
    }
}

#[component]
pub fn RamUsersPage() -> impl IntoView {
    let actions = RamActions {
        create: ServerAction::new(),
        password: ServerAction::new(),
        policy: ServerAction::new(),
        delete: ServerAction::new(),
        new_key: ServerAction::new(),
    };
    let page = requested_page("page");
    let users = page_resource(move || (page(), actions.version()), |(page, _)| api::list_ram_users(page, None));
    // Managing users is the account's own (root); anyone else only sees the server's refusal.
    let viewer = use_context::<Viewer>();
    let may_manage = viewer.as_ref().is_some_and(|v| v.may_open(ConsolePage::RamUsers));
    // The account's alias, the ending of every user's name, and the longest name it leaves room for:
    // the server refuses a longer one (`ram_user_login`) and the box stops at the same length.
    let alias = viewer.and_then(|v| v.ram_login_alias).unwrap_or_default();
    let name_max = ram_user_name_max(&alias);
    // Stored: the form's children are rendered again each time the Show turns on.
    let hint = StoredValue::new(format!("Users sign in as name@{alias}: enter the name (at most {name_max} characters), and your account's alias is added."));
    let suffix = StoredValue::new(format!("@{alias}"));
    let error = move || {
        [
            actions.create.value().get(),
            actions.password.value().get(),
            actions.policy.value().get(),
            actions.delete.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .map(|error| view! { <ErrorAlert error/> })
    };
    let notice =
        move || {
            actions.password.value().get().and_then(Result::ok).map(
                |_| view! { <p class="notice" role="status">"Password changed; the user's sessions were ended."</p> },
            )
        };
    view! {
        <Title text="RAM users"/>
        <div class="page-header"><h1>"RAM users"</h1></div>
        <Show when=move || may_manage>
        <div class="card form-card">
            <h2>"Create RAM user"</h2>
            <p class="subtle login-alias-hint">{hint.get_value()}</p>
            <ActionForm action=actions.create>
                <div class="inline-form">
                    <label class="field"><span>"Sign-in name"</span>
                        <span class="input-with-suffix">
                            <input type="text" name="login_name" maxlength=name_max required/>
                            <span class="input-suffix mono login-alias">{suffix.get_value()}</span>
                        </span>
                    </label>
                    <label class="field"><span>"Password"</span><input type="password" name="password" maxlength="128" autocomplete="new-password" required/></label>
                    <button type="submit" class="button button-primary">"Create"</button>
                </div>
            </ActionForm>
        </div>
        <PolicyGuide/>
        <AccessKeysCard own=false own_login=String::new() create=actions.new_key/>
        </Show>
        {error}
        {notice}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => {
                        let list = list.users;
                        let empty = list.items.is_empty();
                        view! {
                        <h2 class="section-title">"Users"</h2>
                        <table class="data-table" aria-label="RAM users">
                            <thead><tr><th scope="col">"User"</th><th scope="col">"Created"</th>
                                {Policy::ALL.iter().map(|&p| view! {
                                    <th scope="col" class="policy-col" title=format!("{}: {}", p.as_str(), policy_grants(p))>{policy_label(p)}</th>
                                }).collect_view()}
                                <th scope="col">"Password"</th><th scope="col">"Actions"</th></tr></thead>
                            <tbody>
                                {list.items.into_iter().map(|u| view! { <RamUserRow user=u actions/> }).collect_view()}
                                {empty.then(|| view! { <EmptyRow columns=Policy::ALL.len() + 4 text="No RAM users yet."/> })}
                            </tbody>
                        </table>
                        <Pager page=list.page page_size=list.page_size total=list.total label="RAM users"/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RamUserRow(user: RamUserView, actions: RamActions) -> impl IntoView {
    let login = user.login_name.clone();
    let before = before_hydration();
    let policy_cells = Policy::ALL
        .iter()
        .map(|&policy| {
            let p = policy.as_str();
            let attached = user.policies.contains(&policy);
            let login = login.clone();
            // Once hydrated the checkbox acts by itself; without JavaScript its form posts the toggle.
            let label = format!("{p} for {login}");
            view! {
                <td class="policy-col">
                    <form method="post" action={<api::SetRamPolicy as leptos::server_fn::ServerFn>::url()} class="post-form">
                        <input type="hidden" name="login_name" value=login.clone()/>
                        <input type="hidden" name="policy" value=p/>
                        <input type="hidden" name="attached" value=(!attached).to_string()/>
                        <input type="checkbox" aria-label=label checked=attached on:change=move |ev| {
                            actions.policy.dispatch(api::SetRamPolicy { login_name: login.clone(), policy: p.to_owned(), attached: event_target_checked(&ev) });
                        }/>
                        <button type="submit" class="link-button" hidden=move || !before.get()>{if attached { "Detach" } else { "Attach" }}</button>
                    </form>
                </td>
            }
        })
        .collect_view();
    let delete = api::DeleteRamUser { login_name: login.clone() };
    let delete_question = format!("Delete RAM user {login}? Its sessions end and it can no longer sign in.");
    let password_label = format!("New password for {login}");
    let login_field = login.clone();
    view! {
        <tr data-user=login.clone()>
            <td><div class="mono free-text sign-in-name">{login.clone()}</div></td>
            <td><LocalTime iso=user.created_at/></td>
            {policy_cells}
            <td>
                <ActionForm action=actions.password>
                    <div class="inline-form">
                        <input type="hidden" name="login_name" value=login_field/>
                        <input type="password" name="password" aria-label=password_label maxlength="128" autocomplete="new-password"/>
                        <button type="submit" class="button">"Set"</button>
                    </div>
                </ActionForm>
            </td>
            <td class="actions stacked">
                <NewAccessKeyButton create=actions.new_key login_name=login.clone()/>
                <PostButton action=actions.delete input=delete label="Delete" confirm=delete_question/>
            </td>
        </tr>
    }
}
