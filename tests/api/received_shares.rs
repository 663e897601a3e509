//! ListResourceShares with ResourceOwner=OtherAccounts lists every share of another account the caller
//! can use, whichever principal gives it (its account id, its resource directory, a folder above it),
//! each once, and no share it cannot use; leaving a share asks the same rule.

use crate::helpers::*;
use crate::openapi::{
    acs3, api_code, create_key, created_share, owner_key, shared_with_partner_and_accepted, AcceptedByPartner, Key, RS,
};
use http::StatusCode;
use std::collections::BTreeSet;

/// The share ids of a ListResourceShares answer, in its order, and its NextToken.
fn share_ids(r: &Response) -> (Vec<String>, Option<String>) {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let ids = r.json["ResourceShares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ResourceShareId"].as_str().unwrap().to_owned())
        .collect();
    (ids, r.json["NextToken"].as_str().map(str::to_owned))
}

async fn received(app: &TestApp, key: &Key, extra: &[(&str, &str)]) -> (Vec<String>, Option<String>) {
    let mut params = vec![("ResourceOwner", "OtherAccounts")];
    params.extend_from_slice(extra);
    share_ids(&acs3(app, key, "ListResourceShares", RS, &params).await)
}

/// The shares that ListSharedResources (ResourceOwner=OtherAccounts) names beside the sets it lists,
/// those it says give them for use (`Available`) and the others.
async fn shares_giving_sets(app: &TestApp, key: &Key) -> [BTreeSet<String>; 2] {
    let r = acs3(
        app,
        key,
        "ListSharedResources",
        RS,
        &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou"), ("MaxResults", "100")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let mut found = [BTreeSet::new(), BTreeSet::new()];
    for s in r.json["SharedResources"].as_array().unwrap() {
        found[usize::from(s["ResourceStatus"] != "Available")]
            .insert(s["ResourceShareId"].as_str().unwrap().to_owned());
    }
    found
}

#[tokio::test]
async fn a_member_is_listed_each_share_it_holds_by_folder_directory_or_account_once_and_no_other() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let share = |name: &'static str, targets: &'static [&'static str]| {
        let (app, owner, set) = (&app, &owner, set.clone());
        async move {
            let mut params = vec![("ResourceShareName", name), ("Resources.1.ResourceId", set.as_str())];
            let keys = ["Targets.1", "Targets.2"];
            params.extend(targets.iter().enumerate().map(|(i, t)| (keys[i], *t)));
            created_share(app, owner, &params).await
        }
    };
    let by_folder = share("by-folder", &[ANALYTICS_FOLDER]).await;
    let by_directory = share("by-directory", &[OWNER_DIRECTORY]).await;
    let by_account = share("by-account", &[MEMBER]).await;
    let twice = share("twice", &[MEMBER, OWNER_DIRECTORY]).await;
    let other_folder = share("other-folder", &[QA_FOLDER]).await;
    let being_removed = share("being-removed", &[OWNER_DIRECTORY]).await;
    let removed = acs3(
        &app,
        &owner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &being_removed), ("Targets.1", OWNER_DIRECTORY)],
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.json);
    let external = created_share(
        &app,
        &owner,
        &[
            ("ResourceShareName", "external"),
            ("Resources.1.ResourceId", &set),
            ("Targets.1", PARTNER),
            ("AllowExternalTargets", "true"),
        ],
    )
    .await;

    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let held: BTreeSet<String> = [&by_folder, &by_directory, &by_account, &twice].into_iter().cloned().collect();
    let (all, next) = received(&app, &member, &[]).await;
    assert_eq!(next, None);
    assert_eq!(all.len(), held.len(), "each share once: {all:?}");
    assert_eq!(
        all.iter().cloned().collect::<BTreeSet<_>>(),
        held,
        "not {other_folder} (another folder) nor {being_removed} (being revoked)"
    );

    // Page by page, the same shares in the same order, each once.
    let (mut paged, mut token) = (Vec::new(), None::<String>);
    loop {
        let mut params = vec![("MaxResults", "1")];
        if let Some(t) = token.as_deref() {
            params.push(("NextToken", t));
        }
        let (page, next) = received(&app, &member, &params).await;
        assert!(page.len() <= 1, "{page:?}");
        paged.extend(page);
        token = next;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(paged, all);

    // The filters narrow the same list.
    assert_eq!(received(&app, &member, &[("ResourceShareIds.1", &by_folder)]).await.0, vec![by_folder.clone()]);
    assert_eq!(received(&app, &member, &[("ResourceShareIds.1", &other_folder)]).await.0, Vec::<String>::new());
    assert_eq!(received(&app, &member, &[("ResourceShareName", "twice")]).await.0, vec![twice.clone()]);
    assert_eq!(received(&app, &member, &[("ResourceShareStatus", "Active")]).await.0, all);
    assert_eq!(received(&app, &member, &[("ResourceShareStatus", "Deleting")]).await.0, Vec::<String>::new());

    // The shares it is listed are those that give it the set for use; the one being revoked gives it
    // only until its revocation, unavailable.
    assert_eq!(shares_giving_sets(&app, &member).await, [held.clone(), BTreeSet::from([being_removed.clone()])]);

    // An invitation still pending gives its account nothing to list.
    let partner_cookie = app.sign_in("partner").await;
    let partner = create_key(&app, &partner_cookie, "partner").await;
    assert_eq!(received(&app, &partner, &[]).await.0, Vec::<String>::new(), "{external} is only offered");

    // Out of the directory, the member holds none of them: its own directory-scope row reaches it only
    // as a member.
    let left = app.form(Some(&member_cookie), "leave_directory", "").await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    assert_eq!(received(&app, &member, &[]).await.0, Vec::<String>::new());
}

/// An account principal of a directory-scope share that is outside the owner's directory (left over
/// from before the scope rules held): the directory did not add it, so it is not told LeavingFailed.
/// With an acceptance that still counts it holds the share and leaves it; without one it holds nothing
/// and is told the share exists nowhere, and nothing changes.
#[tokio::test]
async fn an_account_outside_the_directory_named_in_a_directory_share_leaves_it_or_is_told_it_holds_none() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let AcceptedByPartner { partner, share_id: accepted, .. } =
        shared_with_partner_and_accepted(&app, &owner, "was-open").await;
    app.exec(&format!(
        "update resource_share set principal_scope = 'ResourceDirectory' where resource_share_id = '{accepted}'"
    ))
    .await;
    let set = app.backup_of(SHAREABLE_CLUSTER).await;
    let never_invited = created_share(
        &app,
        &owner,
        &[("ResourceShareName", "closed"), ("Resources.1.ResourceId", &set), ("Targets.1", MEMBER)],
    )
    .await;
    app.exec(&format!(
        "insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at)
         values ('{never_invited}', '{PARTNER}', 'Account', 'Associated', '2026-11-25T08:00:00Z')"
    ))
    .await;

    assert_eq!(received(&app, &partner, &[]).await.0, vec![accepted.clone()]);
    let before = app.sharing_state().await;
    let refused = acs3(
        &app,
        &partner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &never_invited), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(api_code(&refused), (404, "EntityNotExists.ResourceShare"), "{:?}", refused.json);
    assert_eq!(app.sharing_state().await, before, "a refused leave changes nothing");

    let left = acs3(
        &app,
        &partner,
        "DisassociateResourceShare",
        RS,
        &[("ResourceShareId", &accepted), ("ResourceOwner", "OtherAccounts")],
    )
    .await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.json);
    let status: String =
        sqlx::query_scalar("select status from share_principal where resource_share_id = ? and principal_id = ?")
            .bind(&accepted)
            .bind(PARTNER)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "Disassociating");
    assert_eq!(received(&app, &partner, &[]).await.0, Vec::<String>::new());
}

/// A small deterministic generator (xorshift64*), so that a failing round can be run again by its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A folder below the member's, so that it sits three folders deep (its own, Analytics, Root).
const DEEP_FOLDER: &str = "fd-rnddeep";

/// The places a random share names: the member itself, its directory, each folder above it, and
/// ones that are not the member's (another folder, another account, another directory).
const PLACES: [(&str, &str); 8] = [
    (MEMBER, "Account"),
    (OWNER_DIRECTORY, "ResourceDirectory"),
    (DEEP_FOLDER, "Folder"),
    (ANALYTICS_FOLDER, "Folder"),
    (ROOT_FOLDER, "Folder"),
    (QA_FOLDER, "Folder"),
    (PARTNER, "Account"),
    ("rd-elsewhere", "ResourceDirectory"),
];

/// Creation times few enough that shares share them: the list's order then rests on the id too.
fn random_time(rng: &mut Rng) -> String {
    format!("2026-11-{:02}T08:00:0{}Z", 20 + rng.below(6), rng.below(3))
}

/// A share of a random owner (inside the member's directory, outside it, or the member itself), in a
/// random state, naming one to three random places in random states, with or without an invitation
/// of the member in any state: every combination the rule of whom an entry reaches reads.
async fn random_share(app: &TestApp, rng: &mut Rng, id: &str, created_at: &str) {
    let owner = *rng.pick(&[OWNER, OWNER, QA_MEMBER, PARTNER, OUTSIDER, MEMBER]);
    let status = *rng.pick(&["Active", "Active", "Active", "Active", "Deleting", "Deleted"]);
    let scope = *rng.pick(&["AllAccounts", "ResourceDirectory"]);
    app.exec(&format!(
        "insert into resource_share (resource_share_id, owner_account_id, resource_share_name, principal_scope, status, created_at, updated_at)
         values ('{id}', '{owner}', 'n-{id}', '{scope}', '{status}', '{created_at}', '{created_at}')"
    ))
    .await;
    let mut places = PLACES.to_vec();
    for _ in 0..1 + rng.below(3) {
        let (principal, kind) = places.remove(rng.below(places.len()));
        let (status, revoke_at) = *rng.pick(&[
            ("Associated", "null"),
            ("Associated", "null"),
            ("Associated", "null"),
            ("Disassociating", "'2026-11-30T08:00:00Z'"),
        ]);
        app.exec(&format!(
            "insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at, revoke_at)
             values ('{id}', '{principal}', '{kind}', '{status}', '{created_at}', {revoke_at})"
        ))
        .await;
    }
    let invitation = *rng.pick(&[
        None,
        None,
        Some(("Accepted", "null")),
        Some(("Accepted", "'2026-11-29T08:00:00Z'")),
        Some(("Pending", "null")),
        Some(("Rejected", "null")),
    ]);
    if let Some((status, access_ends_at)) = invitation {
        app.exec(&format!(
            "insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id, status, created_at, expires_at, updated_at, access_ends_at)
             values ('i-{id}', '{id}', '{owner}', '{MEMBER}', '{status}', '{created_at}', '2026-12-31T00:00:00Z', '{created_at}', {access_ends_at})"
        ))
        .await;
    }
}

/// The list as it was built before it was paged in SQL: every entry naming the member, the shares
/// the domain says it holds by them (`share_membership`), newest first, narrowed by `name`, `status`
/// and `ids` as the query narrows it.
async fn whole_list_in_memory(app: &TestApp, name: Option<&str>, status: Option<&str>, ids: &[String]) -> Vec<String> {
    use polarshare::domain::{share_membership, AccountId, Recipient, ShareMembership};
    use polarshare::server::db::{directory, incoming};
    let mut tx = app.pool.begin().await.unwrap();
    let (directory_id, folders) = incoming::recipient_place(&mut tx, MEMBER).await.unwrap();
    let recipient = Recipient { account_id: AccountId::parse(MEMBER).unwrap(), directory_id, folders };
    let entries = directory::share_entries(&mut tx, &recipient, None).await.unwrap();
    let mut by_share: std::collections::BTreeMap<String, Vec<_>> = std::collections::BTreeMap::new();
    for e in entries {
        by_share.entry(e.resource_share_id.clone()).or_default().push(e);
    }
    let shares: Vec<(String, String, String, String)> =
        sqlx::query_as("select created_at, resource_share_id, resource_share_name, status from resource_share")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    let mut held: Vec<(String, String)> = shares
        .into_iter()
        .filter(|(_, id, n, s)| {
            name.is_none_or(|name| name == n)
                && status.is_none_or(|status| status == s)
                && (ids.is_empty() || ids.contains(id))
        })
        .filter(|(_, id, _, _)| {
            by_share.get(id).is_some_and(|entries| share_membership(&recipient, entries) != ShareMembership::None)
        })
        .map(|(created_at, id, _, _)| (created_at, id))
        .collect();
    held.sort();
    held.into_iter().rev().map(|(_, id)| id).collect()
}

/// ListResourceShares (OtherAccounts) with `params`, `max` a page, from the page `token` names (the
/// first without one) to the end: the pages one after the other.
async fn pages_from(
    app: &TestApp,
    key: &Key,
    params: &[(&str, &str)],
    max: usize,
    mut token: Option<String>,
) -> Vec<Vec<String>> {
    let max_text = max.to_string();
    let mut pages = Vec::new();
    loop {
        let mut with = params.to_vec();
        with.push(("MaxResults", &max_text));
        if let Some(t) = token.as_deref() {
            with.push(("NextToken", t));
        }
        let (page, next) = received(app, key, &with).await;
        assert!(page.len() <= max, "{page:?}");
        assert!(next.is_none() || page.len() == max, "a next page only after a full one: {page:?}");
        pages.push(page);
        token = next;
        if token.is_none() {
            return pages;
        }
    }
}

/// The randomized check of ListResourceShares (ResourceOwner=OtherAccounts) paged in SQL against the
/// list the domain decides over every entry naming the caller at once (as it was built before): over
/// rounds of random holdings (through its account id, its directory, each folder above it, in every
/// state of share, entry and invitation), every page size, and the query's filters, all pages end to
/// end are that list: the same shares in the same order, none twice, none missing. A share added
/// between two pages is listed once if it falls after the page read and not at all before it, and
/// every other share is listed as before.
#[tokio::test]
async fn paged_in_sql_the_received_shares_are_the_list_the_domain_decides_over_all_entries_at_once() {
    let app = TestApp::new().await;
    app.exec(&format!("insert into rd_folder (folder_id, directory_id, parent_folder_id, folder_name) values ('{DEEP_FOLDER}', '{OWNER_DIRECTORY}', '{ANALYTICS_FOLDER}', 'Deep')")).await;
    app.exec(&format!("update rd_member set folder_id = '{DEEP_FOLDER}' where account_id = '{MEMBER}'")).await;
    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut made = 0;
    let mut checked = 0;
    for round in 0..6 {
        for _ in 0..30 {
            made += 1;
            let created_at = random_time(&mut rng);
            random_share(&app, &mut rng, &format!("rs-rnd{made:05}"), &created_at).await;
        }
        let whole = whole_list_in_memory(&app, None, None, &[]).await;
        assert!(whole.len() >= 5, "round {round}: the random holdings give the member shares to list: {whole:?}");
        for max in [1, 2, 3, 7, 20, 100] {
            let listed: Vec<String> = pages_from(&app, &member, &[], max, None).await.concat();
            assert_eq!(listed, whole, "round {round}, {max} a page");
            checked += 1;
        }
        // The filters narrow the same list, paged alike.
        let some: Vec<String> = (0..3).map(|_| rng.pick(&whole).clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let name = format!("n-{}", rng.pick(&whole));
        let id_params: Vec<(String, String)> =
            some.iter().enumerate().map(|(i, id)| (format!("ResourceShareIds.{}", i + 1), id.clone())).collect();
        let id_params: Vec<(&str, &str)> = id_params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for (params, expected) in [
            (id_params.clone(), whole_list_in_memory(&app, None, None, &some).await),
            (vec![("ResourceShareName", name.as_str())], whole_list_in_memory(&app, Some(&name), None, &[]).await),
            (vec![("ResourceShareStatus", "Active")], whole_list_in_memory(&app, None, Some("Active"), &[]).await),
            (vec![("ResourceShareStatus", "Deleting")], Vec::new()),
        ] {
            assert_eq!(
                pages_from(&app, &member, &params, 2, None).await.concat(),
                expected,
                "round {round}, {params:?}"
            );
            checked += 1;
        }

        // A share the member holds (the owner's, to its folder) added between two pages, at a random
        // place in the list: listed once if its place is after the page read, not at all if before.
        let max = 1 + rng.below(4);
        let (first, token) = received(&app, &member, &[("MaxResults", &max.to_string())]).await;
        let token = token.expect("more than one page");
        made += 1;
        let added = format!("rs-rnd{made:05}");
        let created_at = random_time(&mut rng);
        app.exec(&format!(
            "insert into resource_share (resource_share_id, owner_account_id, resource_share_name, principal_scope, status, created_at, updated_at)
             values ('{added}', '{OWNER}', 'n-{added}', 'ResourceDirectory', 'Active', '{created_at}', '{created_at}')"
        ))
        .await;
        app.exec(&format!(
            "insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at)
             values ('{added}', '{ANALYTICS_FOLDER}', 'Folder', 'Associated', '{created_at}')"
        ))
        .await;
        let after = whole_list_in_memory(&app, None, None, &[]).await;
        let place = |id: &String| after.iter().position(|s| s == id).unwrap();
        let cursor = first.last().unwrap();
        let rest = pages_from(&app, &member, &[], max, Some(token)).await.concat();
        let listed: Vec<String> = first.iter().chain(&rest).cloned().collect();
        let expected: Vec<String> =
            after.iter().filter(|s| **s != added || place(&added) > place(cursor)).cloned().collect();
        assert_eq!(listed, expected, "round {round}: {added} added at {created_at} between pages of {max}");
        let unique: BTreeSet<&String> = listed.iter().collect();
        assert_eq!(unique.len(), listed.len(), "none twice");
        checked += 1;
    }
    assert!(checked >= 60, "{checked} lists compared");
}
