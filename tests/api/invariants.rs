//! Randomized racing: sixteen tasks send random share, invitation, leave, restore and conversion calls
//! at once (the OpenAPI and the console's server functions), the schedule runs between and during them,
//! and after every round the database's trigger-kept counts, derived tables and limits are recounted
//! from the tables they come from. The hand-written races in `concurrency.rs` each race one rule; this
//! looks for what a mix of them leaves behind.
//!
//! The seed is printed; `INVARIANT_SEED=<n>` runs that seed again (the same calls in each task, in an
//! order the scheduler picks).

use crate::helpers::*;
use crate::openapi::{acs3, create_key, owner_key, restore_params, Key, PD, RS};
use futures::future::join_all;
use http::StatusCode;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use time::Duration;

const TASKS: u64 = 16;
const ROUNDS: u64 = 12;
const CALLS_PER_TASK: u64 = 2;
const QUOTA: i64 = 4;
const PENDING_CAP: u32 = 5;

/// Every rule the tables must satisfy at a quiescent point, recounted in plain SQL; each broken one as
/// a sentence with the rows that break it.
/// With `members_move`, the 64-account limit is not checked: a folder that gains members may leave a
/// set over it, by the rules (`rules::check_principal_limit`).
pub(crate) async fn broken_invariants(app: &TestApp, members_move: bool) -> Vec<String> {
    let now = app.clock.now().format(&time::format_description::well_known::Rfc3339).unwrap();
    let mut broken = Vec::new();
    let mut rows = |name: &str, found: Vec<String>| {
        if !found.is_empty() {
            broken.push(format!("{name}: {found:?}"));
        }
    };
    // The cap the app runs with: the race's own, or a server's default.
    let pending_cap = i64::from(app.state.settings.max_pending_invitations);
    let list = |sql: &'static str| {
        let now = now.clone();
        async move {
            // Each query binds what it names: ?1 the test clock's time, ?2 the pending cap.
            let mut query = sqlx::query_scalar::<_, String>(sql);
            if sql.contains("?1") {
                query = query.bind(now);
            }
            if sql.contains("?2") {
                query = query.bind(pending_cap);
            }
            query.fetch_all(&app.pool).await.expect(sql)
        }
    };
    // shared_backup_set holds, per set, how many shares not yet deleted hold it (leaving_counts).
    rows(
        "shared_backup_set differs from a recount of the shares not deleted",
        list(
            "with counted as (select sr.backup_set_id, rs.owner_account_id, count(*) as shares from share_resource sr
                 join resource_share rs on rs.resource_share_id = sr.resource_share_id where rs.status <> 'Deleted' group by 1, 2)
             select coalesce(k.backup_set_id, c.backup_set_id) || ' kept ' || coalesce(k.shares, 0) || ' counted ' || coalesce(c.shares, 0)
             from counted c full join shared_backup_set k on k.backup_set_id = c.backup_set_id
             where k.shares is not c.shares or k.owner_account_id is not c.owner_account_id",
        )
        .await,
    );
    rows(
        "shared_backup_set_count differs from a recount of shared_backup_set",
        list(
            "with counted as (select owner_account_id, count(*) as sets from shared_backup_set group by 1)
             select coalesce(k.owner_account_id, c.owner_account_id) || ' kept ' || coalesce(k.sets, 0) || ' counted ' || coalesce(c.sets, 0)
             from counted c full join shared_backup_set_count k on k.owner_account_id = c.owner_account_id
             where coalesce(k.sets, 0) <> coalesce(c.sets, 0)",
        )
        .await,
    );
    rows(
        "pending_invitation_count differs from a recount of Pending invitations",
        list(
            "with counted as (select sender_account_id, count(*) as pending from invitation where status = 'Pending' group by 1)
             select coalesce(k.sender_account_id, c.sender_account_id) || ' kept ' || coalesce(k.pending, 0) || ' counted ' || coalesce(c.pending, 0)
             from counted c full join pending_invitation_count k on k.sender_account_id = c.sender_account_id
             where coalesce(k.pending, 0) <> coalesce(c.pending, 0)",
        )
        .await,
    );
    // The owner's quota: distinct sets in its shares not yet deleted.
    rows(
        "an owner shares more distinct sets than its quota",
        list(
            "select rs.owner_account_id || ' shares ' || count(distinct sr.backup_set_id) || ' of ' || a.share_quota
             from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id
             join account a on a.account_id = rs.owner_account_id
             where rs.status <> 'Deleted'
             group by rs.owner_account_id having count(distinct sr.backup_set_id) > a.share_quota",
        )
        .await,
    );
    // The pending cap counts invitations still pending and not past their expiry (the schedule marks
    // those Expired later).
    rows(
        "a sender has more unexpired pending invitations than the cap",
        list(
            "select sender_account_id || ' has ' || count(*) from invitation where status = 'Pending' and expires_at > ?1
             group by sender_account_id having count(*) > ?2",
        )
        .await,
    );
    // 64 accounts per set, counted as the rules count them: every account a principal of a share not
    // yet deleted reaches (a folder or directory: its members, sub-folders included), the owner left
    // out, while the principal and the set both still hold (associated, or revoked with the revocation
    // not run; no revoke_at yet: the removal waits for a restore), and not the pairs the late_* tables say were never shared.
    let limit_rows = if members_move {
        Vec::new()
    } else {
        list(
            "with recursive held as (
                 select sr.backup_set_id, sp.resource_share_id, sp.principal_id, sp.principal_type, rs.owner_account_id
                 from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id and rs.status <> 'Deleted'
                 join share_principal sp on sp.resource_share_id = sr.resource_share_id
                 where (sr.status = 'Associated' or coalesce(sr.revoke_at > ?1, true)) and (sp.status = 'Associated' or coalesce(sp.revoke_at > ?1, true))
                   and not exists (select 1 from late_resource l where l.resource_share_id = sp.resource_share_id
                                   and l.principal_id = sp.principal_id and l.via = 'principal' and l.backup_set_id = sr.backup_set_id)
                   and not exists (select 1 from late_principal l where l.resource_share_id = sp.resource_share_id
                                   and l.principal_id = sp.principal_id and l.backup_set_id = sr.backup_set_id)),
             place(backup_set_id, owner_account_id, folder_id) as (
                 select h.backup_set_id, h.owner_account_id, h.principal_id from held h where h.principal_type = 'Folder'
                 union select h.backup_set_id, h.owner_account_id, d.root_folder_id from held h
                     join resource_directory d on d.directory_id = h.principal_id where h.principal_type = 'ResourceDirectory'
                 union select p.backup_set_id, p.owner_account_id, f.folder_id from place p join rd_folder f on f.parent_folder_id = p.folder_id),
             reached(backup_set_id, owner_account_id, account_id) as (
                 select backup_set_id, owner_account_id, principal_id from held where principal_type = 'Account'
                 union select p.backup_set_id, p.owner_account_id, m.account_id from place p join rd_member m on m.folder_id = p.folder_id)
             select backup_set_id || ' reaches ' || count(*) from reached
             where account_id <> owner_account_id
             group by backup_set_id having count(*) > 64",
        ).await
    };
    rows("a backup set reaches more than 64 accounts", limit_rows);
    // No re-sharing: a share holds only its owner's own sets.
    rows(
        "a share holds a set its owner does not own",
        list(
            "select sr.resource_share_id || ' holds ' || sr.backup_set_id from share_resource sr
             join resource_share rs on rs.resource_share_id = sr.resource_share_id
             join backup_set b on b.backup_set_id = sr.backup_set_id
             where b.account_id <> rs.owner_account_id",
        )
        .await,
    );
    // An acceptance not ended leaves its receiver an associated principal of the live share.
    rows(
        "an accepted invitation whose receiver is no associated principal of its share",
        list(
            "select i.invitation_id || ' of ' || i.receiver_account_id || ' on ' || i.resource_share_id from invitation i
             join resource_share rs on rs.resource_share_id = i.resource_share_id and rs.status = 'Active'
             where i.status = 'Accepted' and i.access_ends_at is null
               and not exists (select 1 from share_principal sp where sp.resource_share_id = i.resource_share_id
                               and sp.principal_id = i.receiver_account_id and sp.status = 'Associated')",
        )
        .await,
    );
    // late_resource: a set added while a principal's revocation (or an account's moved-out one) runs.
    rows(
        "a late_resource row without its revocation or its set",
        list(
            "select l.resource_share_id || '/' || l.principal_id || '/' || l.via || '/' || l.backup_set_id from late_resource l
             where (
                 not exists (select 1 from share_resource sr where sr.resource_share_id = l.resource_share_id and sr.backup_set_id = l.backup_set_id)
                 or (l.via = 'principal' and not exists (select 1 from share_principal sp where sp.resource_share_id = l.resource_share_id
                                                         and sp.principal_id = l.principal_id and sp.status = 'Disassociating'))
                 or (l.via = 'moved_out' and not exists (select 1 from membership_revocation m where m.resource_share_id = l.resource_share_id
                                                         and m.account_id = l.principal_id)))",
        )
        .await,
    );
    // late_principal: a principal (or an acceptance) that came while the set's removal runs.
    rows(
        "a late_principal row without its principal or its leaving set",
        list(
            "select l.resource_share_id || '/' || l.principal_id || '/' || l.backup_set_id from late_principal l
             where (
                 not exists (select 1 from share_resource sr where sr.resource_share_id = l.resource_share_id
                             and sr.backup_set_id = l.backup_set_id and sr.status = 'Disassociating')
                 or not exists (select 1 from share_principal sp where sp.resource_share_id = l.resource_share_id and sp.principal_id = l.principal_id))",
        )
        .await,
    );
    // late_arrival: an account that arrived at a place while something of the share leaves through it.
    rows(
        "a late_arrival row whose principal and set both associated, or either gone",
        list(
            "select l.resource_share_id || '/' || l.principal_id || '/' || l.backup_set_id || '/' || l.account_id from late_arrival l
             left join share_principal sp on sp.resource_share_id = l.resource_share_id and sp.principal_id = l.principal_id
             left join share_resource sr on sr.resource_share_id = l.resource_share_id and sr.backup_set_id = l.backup_set_id
             where (sp.principal_id is null or sr.backup_set_id is null or (sp.status = 'Associated' and sr.status = 'Associated'))",
        )
        .await,
    );
    // Locks: a set is Restoring exactly while a restore from it runs, and converting exactly while its
    // conversion is due (but for the two sets the demo locks by hand, with neither).
    rows(
        "a restore lock without a running restore, or a running restore without its lock",
        list(
            "select b.backup_set_id || ' ' || b.lock_state from backup_set b
             where b.backup_set_id not in ('3200009003', '3200009004') and (b.lock_state = 'Restoring') <> exists (select 1 from restore_job j where j.backup_set_id = b.backup_set_id and j.status = 'Running')",
        )
        .await,
    );
    rows(
        "a conversion lock without its due time, or a due time without the lock",
        list(
            "select backup_set_id || ' ' || lock_state from backup_set
             where backup_set_id not in ('3200009003', '3200009004') and (lock_state = 'ConvertingLevel') <> (conversion_due_at is not null)",
        )
        .await,
    );
    // Pay-as-you-go runs exactly while its cluster does: billed from when it is Running (none while it is
    // Creating), ended when it is released (Recycled) and only then.
    rows(
        "a pay-as-you-go charge billed apart from its cluster's running",
        list(
            "select c.charge_id || ' ' || c.cluster_id || ' ' || k.status || ' ' || coalesce(c.billed_from, '-') || ' ' || coalesce(c.released_at, '-')
             from charge c join cluster k on k.cluster_id = c.cluster_id
             where c.pay_type = 'Postpaid'
               and ((c.billed_from is null) <> (k.status = 'Creating') or (c.released_at is null) <> (k.status <> 'Recycled'))",
        )
        .await,
    );
    broken
}

/// A restore by another account must be from a set the owner shared with some call that succeeded
/// (whether the restorer could reach it then is the access tests' matter; the share may have ended since).
async fn restores_of_sets_never_shared(
    app: &TestApp,
    ever_shared: &std::collections::BTreeSet<String>,
) -> Option<String> {
    let restored: Vec<(String, String)> =
        sqlx::query_as("select account_id, backup_set_id from restore_job where account_id <> owner_account_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let never: Vec<_> = restored.iter().filter(|(_, set)| !ever_shared.contains(set)).collect();
    (!never.is_empty()).then(|| format!("a restore by another account from a set never shared: {never:?}"))
}

/// The callers and what they may pick from.
struct World {
    app: TestApp,
    owner: Key,
    /// The owner's console session, signed in again when the clock passes its lifetime.
    owner_cookie: std::sync::Mutex<String>,
    /// Accounts outside the owner's directory that answer invitations, leave and restore.
    partners: Vec<(String, Key)>,
    member: Key,
    sets: Vec<String>,
    targets: Vec<String>,
    /// Directory members the owner moves between folders (none: membership stays as it is).
    movers: Vec<String>,
}

/// One of the ids `sql` finds for `bind`, chosen by `rng`.
async fn pick(app: &TestApp, rng: &mut StdRng, sql: &str, bind: &str) -> Option<String> {
    let mut found: Vec<String> = sqlx::query_scalar(sql).bind(bind).fetch_all(&app.pool).await.expect(sql);
    found.sort();
    found.choose(rng).cloned()
}

fn some<'a>(rng: &mut StdRng, from: &'a [String], most: usize) -> Vec<&'a String> {
    let n = rng.gen_range(1..=most);
    from.choose_multiple(rng, n).collect()
}

/// Up to `most` targets; half the time one of them a partner, who can answer the invitation, leave and
/// restore (among some eighty targets it would seldom be drawn).
fn targets<'a>(w: &'a World, rng: &mut StdRng, most: usize) -> Vec<&'a String> {
    let mut chosen = some(rng, &w.targets, most);
    if rng.gen_bool(0.5) {
        chosen.pop();
        let partner = &w.partners.choose(rng).unwrap().0;
        if !chosen.contains(&partner) {
            chosen.push(partner);
        }
    }
    chosen
}

fn indexed(prefix: &str, items: &[&String]) -> Vec<(String, String)> {
    items.iter().enumerate().map(|(i, v)| (format!("{prefix}.{}", i + 1), (*v).clone())).collect()
}

/// What a call was and how it was answered; the sets it shared, if it shared any.
struct Answer {
    action: String,
    status: u16,
    code: String,
    shared: Vec<String>,
}

impl Answer {
    fn none() -> Answer {
        Answer { action: "none".into(), status: 0, code: String::new(), shared: Vec::new() }
    }
}

async fn call(w: &World, key: &Key, action: &str, version: &str, params: &[(String, String)]) -> Answer {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = acs3(&w.app, key, action, version, &pairs).await;
    let shared = if r.status == StatusCode::OK && action.ends_with("ResourceShare") {
        params.iter().filter(|(k, _)| k.ends_with(".ResourceId")).map(|(_, v)| v.clone()).collect()
    } else {
        Vec::new()
    };
    Answer {
        action: action.to_owned(),
        status: r.status.as_u16(),
        code: r.json["Code"].as_str().unwrap_or("").to_owned(),
        shared,
    }
}

/// One random call; its action, status and code.
async fn random_call(w: &World, rng: &mut StdRng, name: String) -> Answer {
    let live = "select resource_share_id from resource_share where owner_account_id = ? and status <> 'Deleted'";
    match rng.gen_range(0..100) {
        0..=7 => {
            // The console's share dialog: a new share or an existing one, with up to 24 principals at once.
            let set = w.sets.choose(rng).unwrap().clone();
            let scope = if rng.gen_bool(0.5) { "AllAccounts" } else { "ResourceDirectory" };
            let principals: Vec<&str> = targets(w, rng, 24).into_iter().map(String::as_str).collect();
            let method = match pick(&w.app, rng, live, OWNER).await {
                Some(share) if rng.gen_bool(0.5) => existing_share(&share, Some(&principals)),
                _ => new_share(&name, scope, &principals),
            };
            let cookie = w.owner_cookie.lock().unwrap().clone();
            let r = w.app.share(&cookie, &set, method).await;
            let shared = if r.status == StatusCode::OK { vec![set] } else { Vec::new() };
            Answer { action: "share_backup_set".into(), status: r.status.as_u16(), code: r.code().to_owned(), shared }
        }
        8..=17 => {
            let scope = if rng.gen_bool(0.5) { "true" } else { "false" };
            let mut params =
                vec![("ResourceShareName".to_owned(), name), ("AllowExternalTargets".to_owned(), scope.to_owned())];
            params.extend(
                indexed("Resources", &some(rng, &w.sets, 2)).into_iter().map(|(k, v)| (format!("{k}.ResourceId"), v)),
            );
            params.extend(indexed("Targets", &targets(w, rng, 5)));
            call(w, &w.owner, "CreateResourceShare", RS, &params).await
        }
        18..=35 => {
            let Some(share) = pick(&w.app, rng, live, OWNER).await else { return Answer::none() };
            let mut params = vec![("ResourceShareId".to_owned(), share)];
            if rng.gen_bool(0.3) {
                params.extend(
                    indexed("Resources", &some(rng, &w.sets, 2))
                        .into_iter()
                        .map(|(k, v)| (format!("{k}.ResourceId"), v)),
                );
            } else {
                params.extend(indexed("Targets", &targets(w, rng, 5)));
            }
            call(w, &w.owner, "AssociateResourceShare", RS, &params).await
        }
        36..=49 => {
            let Some(share) = pick(&w.app, rng, live, OWNER).await else { return Answer::none() };
            let (what, sql) = if rng.gen_bool(0.4) {
                ("Resources", "select backup_set_id from share_resource where resource_share_id = ?")
            } else {
                ("Targets", "select principal_id from share_principal where resource_share_id = ?")
            };
            let mut held: Vec<String> = sqlx::query_scalar(sql).bind(&share).fetch_all(&w.app.pool).await.unwrap();
            held.sort();
            let Some(one) = held.choose(rng).cloned() else { return Answer::none() };
            let key = if what == "Resources" { "Resources.1.ResourceId" } else { "Targets.1" };
            call(w, &w.owner, "DisassociateResourceShare", RS, &[("ResourceShareId".into(), share), (key.into(), one)])
                .await
        }
        50..=55 => {
            let Some(share) = pick(&w.app, rng, live, OWNER).await else { return Answer::none() };
            call(w, &w.owner, "DeleteResourceShare", RS, &[("ResourceShareId".into(), share)]).await
        }
        56..=69 => {
            let (account, key) = w.partners.choose(rng).unwrap();
            let pending = "select invitation_id from invitation where receiver_account_id = ? and status = 'Pending'";
            let Some(invitation) = pick(&w.app, rng, pending, account).await else { return Answer::none() };
            let action =
                if rng.gen_bool(0.75) { "AcceptResourceShareInvitation" } else { "RejectResourceShareInvitation" };
            call(w, key, action, RS, &[("ResourceShareInvitationId".into(), invitation)]).await
        }
        70..=76 => {
            let (account, key) = w.partners.choose(rng).unwrap();
            let held = "select resource_share_id from invitation where receiver_account_id = ? and status = 'Accepted' and access_ends_at is null";
            let Some(share) = pick(&w.app, rng, held, account).await else { return Answer::none() };
            let leave = [("ResourceShareId".into(), share), ("ResourceOwner".into(), "OtherAccounts".into())];
            Answer {
                action: "leave (DisassociateResourceShare)".into(),
                ..call(w, key, "DisassociateResourceShare", RS, &leave).await
            }
        }
        77..=86 => {
            let (account, key) = if rng.gen_bool(0.3) {
                (MEMBER, &w.member)
            } else {
                w.partners.choose(rng).map(|(a, k)| (a.as_str(), k)).unwrap()
            };
            // Mostly a set shared with the restorer by name, else any (which it may not reach).
            let named = "select sr.backup_set_id from share_resource sr join share_principal sp using (resource_share_id) where sp.principal_id = ?";
            let set = match pick(&w.app, rng, named, account).await {
                Some(set) if rng.gen_bool(0.7) => set,
                _ => w.sets.choose(rng).unwrap().clone(),
            };
            let params: Vec<(String, String)> =
                restore_params(&set).into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
            call(w, key, "CreateDBCluster", PD, &params).await
        }
        87..=89 if !w.movers.is_empty() => {
            // A member moves between folders (and so into or out of what a folder principal reaches).
            let account = w.movers.choose(rng).unwrap();
            let folder = [ROOT_FOLDER, ANALYTICS_FOLDER, QA_FOLDER].choose(rng).unwrap();
            let cookie = w.owner_cookie.lock().unwrap().clone();
            let r = w.app.form(Some(&cookie), "move_member", &format!("account_id={account}&folder_id={folder}")).await;
            Answer {
                action: "move_member".into(),
                status: r.status.as_u16(),
                code: r.code().to_owned(),
                shared: Vec::new(),
            }
        }
        87..=92 => {
            let set = w.sets.choose(rng).unwrap();
            let cookie = w.owner_cookie.lock().unwrap().clone();
            let r = w.app.form(Some(&cookie), "convert_backup_level", &format!("backup_set_id={set}")).await;
            Answer {
                action: "convert_backup_level".into(),
                status: r.status.as_u16(),
                code: r.code().to_owned(),
                shared: Vec::new(),
            }
        }
        93..=96 => {
            // Re-sharing: a partner names the owner's set in a share of its own.
            let (_, key) = w.partners.choose(rng).unwrap();
            let set = w.sets.choose(rng).unwrap().clone();
            let params = [
                ("ResourceShareName".into(), name),
                ("Resources.1.ResourceId".into(), set),
                ("Targets.1".into(), OUTSIDER.into()),
            ];
            let answer = call(w, key, "CreateResourceShare", RS, &params).await;
            assert_ne!(answer.status, 200, "a partner re-shared the owner's set");
            answer
        }
        _ => {
            // The schedule runs while requests do.
            w.app.tick().await;
            Answer { action: "tick".into(), status: 200, code: String::new(), shared: Vec::new() }
        }
    }
}

async fn world(members_move: bool) -> World {
    let settings = Settings { max_pending_invitations: PENDING_CAP, ..Settings::default() };
    let app = TestApp::with_settings(settings).await;
    app.exec(&format!("update account set share_quota = {QUOTA} where account_id = '{OWNER}'")).await;
    let members = app.add_members("35000000000", 70, ANALYTICS_FOLDER).await;
    let outside = app.add_accounts("36000000000", 6).await;
    let (owner_cookie, owner) = owner_key(&app).await;
    let mut partners = Vec::new();
    for (account, login) in [(PARTNER, "partner"), (OUTSIDER, "outsider")] {
        let cookie = app.sign_in(login).await;
        partners.push((account.to_owned(), create_key(&app, &cookie, login).await));
    }
    let member_cookie = app.sign_in("member").await;
    let member = create_key(&app, &member_cookie, "member").await;
    // Six healthy sets, and the two the demo holds locked (a restore running, a conversion under way).
    let mut sets = app.backups_of(SHAREABLE_CLUSTER, 6).await;
    sets.extend(["3200009003", "3200009004"].map(str::to_owned));
    let targets: Vec<String> = members
        .into_iter()
        .chain(outside)
        .chain([PARTNER, OUTSIDER, MEMBER, QA_MEMBER, ANALYTICS_FOLDER, QA_FOLDER, OWNER_DIRECTORY].map(str::to_owned))
        .collect();
    let movers = if members_move { vec![MEMBER.to_owned(), QA_MEMBER.to_owned()] } else { Vec::new() };
    World { app, owner, owner_cookie: std::sync::Mutex::new(owner_cookie), movers, partners, member, sets, targets }
}

/// Runs `ROUNDS` rounds of `TASKS` racing tasks from `seed`; the broken invariants after the first
/// round that breaks one, with the calls made so far.
async fn run(seed: u64, members_move: bool) -> Result<usize, String> {
    let w = Arc::new(world(members_move).await);
    let mut made = 0;
    let mut ever_shared = std::collections::BTreeSet::new();
    let mut log = Vec::new();
    for round in 0..ROUNDS {
        let tasks = (0..TASKS).map(|task| {
            let w = w.clone();
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed ^ (round << 32) ^ task);
                let mut answers = Vec::new();
                for i in 0..CALLS_PER_TASK {
                    answers.push(random_call(&w, &mut rng, format!("r{round}t{task}c{i}")).await);
                }
                answers
            })
        });
        for answers in join_all(tasks).await {
            for answer in answers.expect("task") {
                assert!(
                    answer.status < 500,
                    "seed {seed} round {round}: an internal error of {} {}",
                    answer.action,
                    answer.code
                );
                made += usize::from(answer.action != "none");
                ever_shared.extend(answer.shared);
                log.push(format!("r{round} {} {} {}", answer.action, answer.status, answer.code));
            }
        }
        let mut broken = broken_invariants(&w.app, members_move).await;
        broken.extend(restores_of_sets_never_shared(&w.app, &ever_shared).await);
        if !broken.is_empty() {
            return Err(format!(
                "seed {seed}, after round {round}:\n{}\ncalls:\n{}",
                broken.join("\n"),
                log.join("\n")
            ));
        }
        // Time moves between rounds: revocations and conversions fall due, now and then invitations expire.
        let step = match StdRng::seed_from_u64(seed ^ round).gen_range(0..10) {
            0..=3 => Duration::ZERO,
            4..=6 => Duration::minutes(4),
            7..=8 => Duration::minutes(11),
            _ => Duration::days(7),
        };
        w.app.clock.advance(step);
        w.app.tick().await;
        if step >= Duration::hours(12) {
            *w.owner_cookie.lock().unwrap() = w.app.sign_in("owner").await;
        }
        let broken = broken_invariants(&w.app, members_move).await;
        if !broken.is_empty() {
            return Err(format!(
                "seed {seed}, after round {round}'s schedule:\n{}\ncalls:\n{}",
                broken.join("\n"),
                log.join("\n")
            ));
        }
    }
    let answers: std::collections::BTreeMap<String, usize> =
        log.iter().filter(|l| !l.contains(" none ")).fold(Default::default(), |mut m, l| {
            *m.entry(l.split_once(' ').unwrap().1.to_owned()).or_default() += 1;
            m
        });
    println!("seed {seed}: {made} calls; answers {answers:#?}");
    Ok(made)
}

async fn run_seeded(members_move: bool) {
    let seed = std::env::var("INVARIANT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random::<u64>);
    println!("INVARIANT_SEED={seed}");
    let made = run(seed, members_move).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(made as u64 > TASKS * ROUNDS * CALLS_PER_TASK / 2, "most calls found something to act on: {made}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_racing_calls_keep_every_count_derived_table_and_limit_right() {
    run_seeded(false).await;
}

/// The same with directory members moving between folders (late_arrival, moved-out revocations).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_racing_calls_with_members_moving_keep_every_count_and_derived_table_right() {
    run_seeded(true).await;
}

/// The checker itself: each break written past the rules (and their triggers) is found and named.
#[tokio::test]
async fn the_invariant_checker_finds_each_kind_of_break() {
    let w = world(false).await;
    let app = &w.app;
    assert_eq!(broken_invariants(app, false).await, Vec::<String>::new(), "the demo breaks nothing");
    let sets = &w.sets;
    let cookie = w.owner_cookie.lock().unwrap().clone();
    let shared = app.share(&cookie, &sets[0], new_share("checked", "AllAccounts", &[PARTNER, MEMBER])).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.json);
    let share_id = shared.json["resource_share_id"].as_str().unwrap().to_owned();
    assert_eq!(broken_invariants(app, false).await, Vec::<String>::new(), "a share made by the rules breaks nothing");
    let breaks = [
        ("update shared_backup_set set shares = 2".to_owned(), "shared_backup_set differs"),
        ("update shared_backup_set_count set sets = 3".to_owned(), "shared_backup_set_count differs"),
        ("update pending_invitation_count set pending = 0".to_owned(), "pending_invitation_count differs"),
        (format!("update account set share_quota = 1; insert into share_resource (resource_share_id, backup_set_id, created_at) values ('{share_id}', '{}', '2026-11-25T08:00:00Z')", sets[1]), "more distinct sets than its quota"),
        (format!("with recursive n(value) as (select 1 union all select value + 1 from n where value < 5)
                  insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id, status, created_at, expires_at, updated_at)
                  select 'inv-x' || value, '{share_id}', '{OWNER}', '{OUTSIDER}', 'Pending', '2026-11-25T08:00:00Z', '2026-12-02T08:00:00Z', '2026-11-25T08:00:00Z'
                  from n"), "more unexpired pending invitations"),
        (format!("insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at) values ('{share_id}', '{ANALYTICS_FOLDER}', 'Folder', 'Associated', '2026-11-25T08:00:00Z')"), "reaches more than 64"),
        (format!("insert into share_resource (resource_share_id, backup_set_id, created_at) select '{share_id}', backup_set_id, '2026-11-25T08:00:00Z' from backup_set where account_id = '{PARTNER}' limit 1"), "a set its owner does not own"),
        (format!("update invitation set status = 'Accepted' where resource_share_id = '{share_id}'; delete from share_principal where principal_id = '{PARTNER}'"), "accepted invitation whose receiver"),
        (format!("insert into late_resource values ('{share_id}', '{MEMBER}', 'principal', '{}')", sets[0]), "late_resource row"),
        (format!("insert into late_principal values ('{share_id}', '{MEMBER}', '{}')", sets[0]), "late_principal row"),
        (format!("insert into late_arrival values ('{share_id}', '{MEMBER}', '{}', '{QA_MEMBER}')", sets[0]), "late_arrival row"),
        (format!("update backup_set set lock_state = 'Restoring' where backup_set_id = '{}'", sets[2]), "a restore lock"),
        (format!("update backup_set set conversion_due_at = '2026-11-26T08:00:00Z' where backup_set_id = '{}'", sets[3]), "a conversion lock"),
    ];
    for (sql, named) in breaks {
        let broken_app = app.fork().await;
        for statement in sql.split("; ") {
            broken_app.exec(statement).await;
        }
        let broken = broken_invariants(&broken_app, false).await;
        assert!(broken.iter().any(|b| b.contains(named)), "{sql}: {broken:?}");
    }
}

/// Found by the random race (seeds 13240463020346742361 and 8932176417235723464, a set reaching 73 and
/// 76 accounts): a console share that adds a set to a share and, in the same request, takes a principal
/// out of it. The limit judges the joining set without the principal leaving (it never held the set), so
/// the principal must not be handed the set for its revocation's window either, as for a set added
/// while a revocation already runs (late_resource). A directory of 70 members taken out as the set joins
/// would otherwise reach more than 64 accounts for ten minutes.
#[tokio::test]
async fn a_set_added_by_the_request_that_removes_a_principal_is_never_shared_with_it() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("owner").await;
    let sets = app.backups_of(SHAREABLE_CLUSTER, 2).await;
    let created = app.share(&cookie, &sets[0], new_share("swap", "ResourceDirectory", &[MEMBER])).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.json);
    let share_id = created.json["resource_share_id"].as_str().unwrap().to_owned();
    let member = app.sign_in("member").await;
    let shown = |cookie: String| {
        let app = &app;
        async move { app.form(Some(&cookie), "list_shared_with_me", "region_id=cn-hangzhou").await.json.to_string() }
    };
    assert!(shown(member.clone()).await.contains(&sets[0]));

    // The second set joins with QA as the share's one principal: the member is taken out as it joins.
    let swapped = app.share(&cookie, &sets[1], existing_share(&share_id, Some(&[QA_MEMBER]))).await;
    assert_eq!(swapped.status, StatusCode::OK, "{:?}", swapped.json);
    let seen = shown(member).await;
    assert!(seen.contains(&sets[0]), "the member keeps the set it held until its revocation: {seen}");
    assert!(!seen.contains(&sets[1]), "the member is shown a set never shared with it: {seen}");
    assert!(shown(app.sign_in("qa").await).await.contains(&sets[1]));
    assert_eq!(broken_invariants(&app, false).await, Vec::<String>::new());
}
