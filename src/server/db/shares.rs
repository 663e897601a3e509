//! Resource shares, their resources and principals, and invitations.

use super::{accounts::AccountRow, clusters, group::ReadAhead, paging::Counted, sqlite_bool, Tx};
use crate::domain::{
    AssociationStatus, BackupLock, InvitationStatus, PrincipalScope, PrincipalType, ShareStatus, Site,
};
use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct ShareRow {
    pub resource_share_id: String,
    pub owner_account_id: String,
    pub resource_share_name: String,
    pub principal_scope: PrincipalScope,
    pub status: ShareStatus,
    pub created_at: String,
    pub updated_at: String,
}

pub(super) const SHARE_COLUMNS: &str =
    "resource_share_id, owner_account_id, resource_share_name, principal_scope, status, created_at, updated_at";

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct ShareResourceRow {
    pub resource_share_id: String,
    pub backup_set_id: String,
    pub cluster_id: String,
    pub region_id: String,
    pub lock_state: BackupLock,
    /// `Disassociating` while the set is being taken out of the share (its revocation not run yet).
    pub status: crate::domain::AssociationStatus,
    pub created_at: String,
}

/// Which of the owner's shares a page lists: the live (`Active`) ones unless `every_status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShareFilter<'a> {
    /// Also those being deleted and deleted (Shared By Me, which shows a share's whole life).
    pub every_status: bool,
    /// Only the shares holding this backup set (Manage Sharing Relationship).
    pub backup_set: Option<&'a str>,
    /// Only those with a principal still associated, or whose removal waits for a restore (My Shares).
    pub with_principal: bool,
    /// Only those whose name contains this, ignoring case (the Share dialog's search).
    pub name_contains: Option<&'a str>,
    /// Only this share (the Share dialog opened on one share from My Shares).
    pub share_id: Option<&'a str>,
}

/// One page of the owner's shares, newest first, as `filter` narrows them.
pub async fn shares_page(
    ex: impl SqliteExecutor<'_>,
    owner: &str,
    filter: ShareFilter<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Counted<ShareRow>>> {
    sqlx::query_as(&format!(
        "select {SHARE_COLUMNS}, count(*) over () as total_rows from resource_share rs
         where owner_account_id = ?1 and (?8 or status = 'Active')
           and (?2 is null or exists(select 1 from share_resource sr where sr.resource_share_id = rs.resource_share_id
                                      and sr.backup_set_id = ?2))
           and (not ?3 or exists(select 1 from share_principal sp where sp.resource_share_id = rs.resource_share_id
                                  and (sp.status = 'Associated' or (sp.status = 'Disassociating' and sp.revoke_at is null))))
           and (?4 is null or instr(lower(rs.resource_share_name), lower(?4)) > 0)
           and (?5 is null or rs.resource_share_id = ?5)
         order by created_at desc, resource_share_id limit ?6 offset ?7"
    ))
    .bind(owner)
    .bind(filter.backup_set)
    .bind(filter.with_principal)
    .bind(filter.name_contains)
    .bind(filter.share_id)
    .bind(limit)
    .bind(offset)
    .bind(filter.every_status)
    .fetch_all(ex)
    .await
}

fn ids_json(share_ids: &[&str]) -> String {
    serde_json::Value::from(share_ids.to_vec()).to_string()
}

/// The backup sets in the given shares.
pub async fn resources_of_shares(
    ex: impl SqliteExecutor<'_>,
    share_ids: &[&str],
) -> sqlx::Result<Vec<ListedResourceRow>> {
    sqlx::query_as(
        "select sr.resource_share_id, sr.backup_set_id, b.cluster_id, c.cluster_name, b.region_id
         from share_resource sr
         join backup_set b on b.backup_set_id = sr.backup_set_id
         join cluster c on c.cluster_id = b.cluster_id
         where sr.resource_share_id in (select value from json_each(?))
         order by sr.created_at, sr.backup_set_id",
    )
    .bind(ids_json(share_ids))
    .fetch_all(ex)
    .await
}

/// A backup set of one of the owner's shares as the owner's lists show it, with its cluster's name.
#[derive(Debug, Clone, FromRow)]
pub struct ListedResourceRow {
    pub resource_share_id: String,
    pub backup_set_id: String,
    pub cluster_id: String,
    pub cluster_name: String,
    pub region_id: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct PrincipalRow {
    pub resource_share_id: String,
    pub principal_id: String,
    pub principal_type: PrincipalType,
    pub status: AssociationStatus,
    pub created_at: String,
    pub revoke_at: Option<String>,
    /// For account principals: the latest invitation's status, if one was sent.
    pub invitation_status: Option<InvitationStatus>,
}

const PRINCIPAL_SELECT: &str =
    "select sp.resource_share_id, sp.principal_id, sp.principal_type, sp.status, sp.created_at,
        sp.revoke_at,
        (select i.status from invitation i where i.resource_share_id = sp.resource_share_id
           and i.receiver_account_id = sp.principal_id order by i.created_at desc, i.invitation_id desc limit 1)
          as invitation_status
     from share_principal sp";

/// The principals of the given shares.
pub async fn principals_of_shares(ex: impl SqliteExecutor<'_>, share_ids: &[&str]) -> sqlx::Result<Vec<PrincipalRow>> {
    sqlx::query_as(&format!(
        "{PRINCIPAL_SELECT} where sp.resource_share_id in (select value from json_each(?))
         order by sp.created_at, sp.principal_id"
    ))
    .bind(ids_json(share_ids))
    .fetch_all(ex)
    .await
}

/// How many distinct backup sets the owner's shares not yet deleted hold: what the quota counts (kept
/// by triggers, see the `shared_backup_set`, `shared_backup_set_count` and `leaving_counts` migrations).
pub async fn shared_resource_count(ex: impl SqliteExecutor<'_>, owner: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("select {SHARED_COUNT}")).bind(owner).fetch_one(ex).await
}

/// The owner (?1)'s count of shared backup sets, as an expression: read from the trigger-kept count,
/// not counted (a scan that grew with the sets the owner shares, inside every share's write lock).
const SHARED_COUNT: &str = "coalesce((select sets from shared_backup_set_count where owner_account_id = ?1), 0)";

/// The owner (?1)'s shared sets held only by what is leaving (taken out of a share, in a share being
/// deleted; none held by a live association), each with when it leaves (`leaves_at`): the last of its
/// holds to end, null while one waits for a restore. A hold in a share being deleted ends with the
/// share's last revocation (a principal's, or a moved-out member's; ?6, now, when none is left and the
/// schedule has only to mark it Deleted).
///
/// Read only for an owner at its quota (see `leaving_shared_sets` in [`CONTEXT_SQL`]), and from the
/// few sets whose revocation has not run, not from every set the owner shares: the sets taken out of
/// shares through the `share_resource_leaving` partial index (every owner's, but only those within
/// their revocation window; `cross join` keeps the planner from walking the owner's shares instead),
/// the sets of the owner's shares being deleted through `resource_share_owner_status`.
const LEAVING_SETS: &str = "select c.backup_set_id,
        (select case when count(h.ends) < count(*) then null else max(h.ends) end from (
             select x.revoke_at as ends from share_resource x
             join resource_share y on y.resource_share_id = x.resource_share_id and y.status = 'Active'
             where x.backup_set_id = c.backup_set_id and x.status = 'Disassociating'
             union all
             select (select case when count(p.revoke_at) < count(*) then null else coalesce(max(p.revoke_at), ?6) end
                     from (select revoke_at from share_principal where resource_share_id = y.resource_share_id
                           union all select revoke_at from membership_revocation where resource_share_id = y.resource_share_id) p)
             from share_resource x
             join resource_share y on y.resource_share_id = x.resource_share_id and y.status = 'Deleting'
             where x.backup_set_id = c.backup_set_id) h) as leaves_at
    from (select sr.backup_set_id from share_resource sr cross join resource_share rs
              where sr.status = 'Disassociating' and rs.resource_share_id = sr.resource_share_id
                and rs.owner_account_id = ?1 and rs.status = 'Active'
          union
          select sr.backup_set_id from resource_share rs cross join share_resource sr
              where rs.owner_account_id = ?1 and rs.status = 'Deleting' and sr.resource_share_id = rs.resource_share_id) c
    where not exists(select 1 from share_resource x
        join resource_share y on y.resource_share_id = x.resource_share_id and y.status = 'Active'
        where x.backup_set_id = c.backup_set_id and x.status = 'Associated')";

/// Everything the share rules read, for one request of the Share dialog.
#[derive(Debug, serde::Deserialize)]
pub struct ShareContext {
    pub owner: Option<AccountRow>,
    /// The backup set; its `principal_count` is not loaded (the rules count from `others`).
    pub backup: Option<crate::read_model::BackupSet>,
    /// The backup set's cluster.
    pub cluster: Option<crate::read_model::Cluster>,
    /// Whether the requested new name is already used by one of the owner's shares.
    #[serde(deserialize_with = "sqlite_bool")]
    pub name_taken: bool,
    /// The existing share asked for (whoever owns it: the caller checks).
    pub share: Option<ShareRow>,
    /// The backup sets already in that share.
    pub resources: Vec<ShareResourceRow>,
    /// Its principals currently associated.
    pub principals: Vec<String>,
    /// What each requested principal id points at (one entry per requested id).
    pub lookups: Vec<PrincipalLookup>,
    /// (backup set, principal) pairs through the owner's other live shares, for every backup set the
    /// share will hold; a pair may repeat. (No DISTINCT, UNION or ORDER BY in this query: each builds a
    /// temporary b-tree, which cost more than the rest of the query.)
    pub others: Vec<(String, String)>,
    /// (directory or folder, member account) pairs: the accounts each directory or folder principal
    /// reaches (requested, the share's, or from `others`), for the 64-account limit; a pair may repeat.
    /// A directory is walked from its root folder, a folder down through its sub-folders (the
    /// `rd_folder_parent` index). A requested place is walked only in the owner's directory (a request
    /// naming another's is refused, so its members are not read); one the owner's shares name already
    /// is walked wherever it is: an owner that left its directory has the directory and folders its
    /// shares named there still being revoked, and their members keep the sets until then.
    ///
    /// Read only when the owner is in a directory or a place is being revoked from these sets (an owner
    /// in none has no other: leaving revoked them all, and it can name none since), through a `case`,
    /// whose subquery SQLite runs only when taken; `others` is not materialized though named twice:
    /// measured with Python's `sqlite3` on the benchmark's database (owner in no directory), reading these pairs always cost a new share
    /// ~37 us more (CPU, median, ~190-250 us before); read so, 3-10 us (docs/performance.md, stop 22).
    pub place_members: Vec<(String, String)>,
    /// (backup set, principal, leaves at) for what is still being revoked from each backup set the share
    /// will hold, through any of the owner's shares not yet deleted (this one too): principals removed
    /// (every one of a share being deleted) and members moved out of a folder or the directory, less
    /// those the set joined their share after (`late_resource`). `leaves at` is their revocation's time
    /// (the set's, when it leaves the share first), none while a restore holds it. For the 64-account
    /// limit: what is being revoked keeps its access, and counts, until then. Read as `others` is, from
    /// the few shares holding the sets, and only what is leaving: a share's principals being revoked
    /// through the `share_principal_leaving` partial index, its moved-out members through
    /// `membership_revocation_share`; a pair may repeat. Those two (nearly always empty) are looked in
    /// before the share's own row (`cross join` fixes the order): a set in 19 shares cost the whole read
    /// 1.77 million instructions with the share looked up first, 1.43 million so (callgrind, SQLite
    /// 3.40, docs/performance.md stop 28); this part is walked twice, here and for `place_members`.
    pub revoking: Vec<(String, String, Option<String>)>,
    /// Whether the backup set is in a share not yet deleted already (then it costs no quota).
    #[serde(deserialize_with = "sqlite_bool")]
    pub already_shared: bool,
    /// How many distinct backup sets the owner's shares not yet deleted hold (the trigger-kept count,
    /// see [`shared_resource_count`]), those on their way out too.
    pub shared_count: i64,
    /// (backup set, leaves at) for each of the owner's sets held only by what is leaving
    /// ([`LEAVING_SETS`]); read only when the count is at the owner's quota: only then can it change the
    /// answer (a set past its time no longer counts, and one of them joining a share again is newly
    /// shared), and it says when the first one leaves.
    pub leaving_shared_sets: Vec<(String, Option<String>)>,
    /// Requested accounts that already hold a pending, unexpired invitation covering one of the backup
    /// sets the share will hold (from any of the owner's live shares) or to the share itself. Found
    /// from the invitations of those shares, the few that hold the sets: from the requested accounts'
    /// invitations instead, SQLite walked every pending invitation each account had received, 31 us
    /// against 13 us on the benchmark's database (`+` keeps it off the sender's index, which would
    /// walk every pending invitation of the owner).
    pub pending_invitees: Vec<String>,
    /// The owner's pending, unexpired invitations, for the pending-invitation cap: the trigger-kept
    /// count (see the `pending_invitation_count` migration) minus those past their expiry that the
    /// schedule has not marked yet.
    pub pending_count: i64,
}

/// Where a requested principal id points: whether it exists, the account's site, and the resource
/// directory it belongs to (an account's, a folder's, or the directory itself).
#[derive(Debug, serde::Deserialize)]
pub struct PrincipalLookup {
    pub id: String,
    #[serde(deserialize_with = "sqlite_bool")]
    pub found: bool,
    pub site: Option<Site>,
    pub directory_id: Option<String>,
}

pub struct ShareContextQuery<'a> {
    pub owner: &'a str,
    /// The backup set joining the share; none when only its principals change.
    pub backup_set_id: Option<&'a str>,
    /// For a new share: its name (to check it is free).
    pub new_name: Option<&'a str>,
    /// The existing share, or the id the new share will get.
    pub share_id: &'a str,
    /// The requested principals as (id, principal_type).
    pub principals: Vec<(&'a str, PrincipalType)>,
    /// The decision's time: invitations past their expiry no longer count as pending.
    pub now: &'a str,
}

/// Loads a [`ShareContext`] in one statement that answers with one JSON document.
///
/// Sharing is a write, so it runs with the write lock held, and every other writer waits for it. sqlx
/// runs each statement on the connection's worker thread and wakes the async side for each answer;
/// those hand-offs, not SQLite's work, were most of a share's time when each fact had its own query.
/// For the same reason the group may run it ahead, after the previous share's write ([`context_read`]).
pub async fn share_context(tx: &mut Tx, q: &ShareContextQuery<'_>) -> anyhow::Result<ShareContext> {
    parse_context(&context_read(q).run_alone(tx).await?)
}

/// The statement of [`share_context`] with its values, to run alone or after a write.
pub fn context_read(q: &ShareContextQuery<'_>) -> ReadAhead {
    let principals: Vec<serde_json::Value> =
        q.principals.iter().map(|(id, kind)| serde_json::json!({ "id": id, "type": kind })).collect();
    ReadAhead {
        sql: CONTEXT_SQL.as_str(),
        args: vec![
            Some(q.owner.to_owned()),
            q.backup_set_id.map(str::to_owned),
            q.new_name.map(str::to_owned),
            Some(q.share_id.to_owned()),
            Some(serde_json::Value::Array(principals).to_string()),
            Some(q.now.to_owned()),
        ],
    }
}

/// Reads the answer of [`context_read`]'s statement.
pub fn parse_context(json: &str) -> anyhow::Result<ShareContext> {
    Ok(serde_json::from_str(json)?)
}

/// [`share_context`]'s statement, its parameters numbered from `?2` as a [`ReadAhead`] has them: the
/// query reads `?1` as the owner, `?2` the backup set, `?3` the new name, `?4` the share, `?5` the
/// requested principals (JSON) and `?6` the decision's time, each moved up by one.
static CONTEXT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let sql = format!(
        "with share_sets as (
             select backup_set_id from share_resource where resource_share_id = ?4 union all select ?2),
         others as not materialized (
             select sr.backup_set_id, sp.principal_id, sp.principal_type from share_resource sr
             join resource_share rs on rs.resource_share_id = sr.resource_share_id and rs.status = 'Active'
             join share_principal sp on sp.resource_share_id = sr.resource_share_id and sp.status = 'Associated'
             where sr.backup_set_id in (select backup_set_id from share_sets) and sr.resource_share_id <> ?4),
         revoking as not materialized (
             select sr.backup_set_id, sp.principal_id, sp.principal_type,
                 case when sr.status = 'Disassociating' and sr.revoke_at < coalesce(sp.revoke_at, 'z') then sr.revoke_at
                      else sp.revoke_at end as leaves_at
             from share_resource sr
             cross join share_principal sp cross join resource_share rs
             where sp.resource_share_id = sr.resource_share_id and sp.status = 'Disassociating'
               and rs.resource_share_id = sr.resource_share_id and rs.status in ('Active', 'Deleting')
               and sr.backup_set_id in (select backup_set_id from share_sets)
               and not exists(select 1 from late_resource l where l.resource_share_id = sr.resource_share_id
                   and l.principal_id = sp.principal_id and l.via = 'principal' and l.backup_set_id = sr.backup_set_id)
             union all
             select sr.backup_set_id, mr.account_id, 'Account',
                 case when sr.status = 'Disassociating' and sr.revoke_at < coalesce(mr.revoke_at, 'z') then sr.revoke_at
                      else mr.revoke_at end
             from share_resource sr
             cross join membership_revocation mr cross join resource_share rs
             where mr.resource_share_id = sr.resource_share_id
               and rs.resource_share_id = sr.resource_share_id and rs.status in ('Active', 'Deleting')
               and sr.backup_set_id in (select backup_set_id from share_sets)
               and not exists(select 1 from late_resource l where l.resource_share_id = sr.resource_share_id
                   and l.principal_id = mr.account_id and l.via = 'moved_out' and l.backup_set_id = sr.backup_set_id)),
         requested as (
             select p.key, json_extract(p.value, '$.id') as id, json_extract(p.value, '$.type') as type
             from json_each(?5) p),
         stored_places(id) as (
             select principal_id from share_principal
                 where resource_share_id = ?4 and status = 'Associated' and principal_type <> 'Account'
             union all select principal_id from others where principal_type <> 'Account'
             union all select principal_id from revoking where principal_type <> 'Account'),
         places(id, requested) as (
             select id, 1 from requested where type <> 'Account' union all select id, 0 from stored_places),
         place_folders(place, folder_id) as (
             select p.id, f.folder_id from places p
             join rd_folder f on f.folder_id = coalesce((select root_folder_id from resource_directory where directory_id = p.id), p.id)
             where not p.requested or f.directory_id = (select directory_id from rd_member where account_id = ?1)
             union all
             select pf.place, f.folder_id from place_folders pf join rd_folder f on f.parent_folder_id = pf.folder_id)
         select json_object(
             'owner', json((select json_object('account_id', a.account_id, 'display_name', a.display_name,
                     'site', a.site, 'beta_enabled', a.beta_enabled, 'share_quota', a.share_quota,
                     'directory_id', m.directory_id)
                 from account a left join rd_member m on m.account_id = a.account_id where a.account_id = ?1)),
             'backup', json((select json_object({backup}, 'principal_count', 0)
                 from backup_set b where b.backup_set_id = ?2)),
             'cluster', json((select {cluster} from cluster c
                 where c.cluster_id = (select cluster_id from backup_set where backup_set_id = ?2))),
             'name_taken', ?3 is not null and exists(select 1 from resource_share
                 where owner_account_id = ?1 and resource_share_name = ?3 and status <> 'Deleted'),
             'share', json((select json_object('resource_share_id', resource_share_id,
                     'owner_account_id', owner_account_id, 'resource_share_name', resource_share_name,
                     'principal_scope', principal_scope, 'status', status, 'created_at', created_at,
                     'updated_at', updated_at)
                 from resource_share where resource_share_id = ?4)),
             'resources', json((select json_group_array(json_object('resource_share_id', sr.resource_share_id,
                     'backup_set_id', sr.backup_set_id, 'cluster_id', b.cluster_id, 'region_id', b.region_id,
                     'lock_state', b.lock_state, 'status', sr.status, 'created_at', sr.created_at))
                 from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
                 where sr.resource_share_id = ?4)),
             'principals', json((select json_group_array(principal_id) from share_principal
                 where resource_share_id = ?4 and status = 'Associated')),
             'lookups', json((select json_group_array(json_object('id', r.id,
                     'found', case r.type
                         when 'Account' then exists(select 1 from account where account_id = r.id)
                         when 'ResourceDirectory' then exists(select 1 from resource_directory where directory_id = r.id)
                         when 'Folder' then exists(select 1 from rd_folder where folder_id = r.id)
                         else 0 end,
                     'site', case r.type when 'Account' then (select site from account where account_id = r.id) end,
                     'directory_id', case r.type
                         when 'Account' then (select directory_id from rd_member where account_id = r.id)
                         when 'ResourceDirectory' then (select directory_id from resource_directory where directory_id = r.id)
                         when 'Folder' then (select directory_id from rd_folder where folder_id = r.id) end))
                 from requested r)),
             'others', json((select json_group_array(json_array(backup_set_id, principal_id)) from others)),
             'place_members', case when exists(select 1 from rd_member where account_id = ?1)
                     or exists(select 1 from revoking where principal_type <> 'Account')
                 then json((select json_group_array(json_array(pf.place, m.account_id))
                     from place_folders pf join rd_member m on m.folder_id = pf.folder_id))
                 else json_array() end,
             'revoking', json((select json_group_array(json_array(backup_set_id, principal_id, leaves_at)) from revoking)),
             'already_shared', exists(select 1 from shared_backup_set where backup_set_id = ?2),
             'shared_count', {shared_count},
             'leaving_shared_sets', case when ?2 is not null
                     and {shared_count} >= (select share_quota from account where account_id = ?1)
                 then json((select json_group_array(json_array(backup_set_id, leaves_at)) from ({leaving_sets})))
                 else json_array() end,
             'pending_invitees', json((select json_group_array(i.receiver_account_id) from invitation i
                 join resource_share rs on rs.resource_share_id = i.resource_share_id and rs.status = 'Active'
                 where i.resource_share_id in (select ?4 union all select sr.resource_share_id from share_resource sr
                        where sr.status = 'Associated' and sr.backup_set_id in (select backup_set_id from share_sets))
                   and i.receiver_account_id in (select id from requested)
                   and +i.sender_account_id = ?1 and i.status = 'Pending' and i.expires_at > ?6)),
             'pending_count', coalesce((select pending from pending_invitation_count where sender_account_id = ?1), 0)
                 - (select count(*) from invitation where sender_account_id = ?1 and status = 'Pending' and expires_at <= ?6))",
        backup = clusters::BACKUP_JSON_FIELDS,
        cluster = clusters::CLUSTER_JSON,
        shared_count = SHARED_COUNT,
        leaving_sets = LEAVING_SETS,
    );
    shift_parameters(&sql, 1)
});

/// `sql` with every numbered parameter `?N` renumbered `?N+by`.
fn shift_parameters(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('?') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let n: usize = rest[..digits].parse().expect("a parameter number");
            out.push_str(&(n + by).to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// What one Share dialog request writes: the share (when new), the backup set in it, principals added
/// (with invitations for those that must accept) and principals whose revocation starts.
pub struct ShareWrite<'a> {
    pub share_id: &'a str,
    pub owner: &'a str,
    /// For a new share: its name and principal scope.
    pub new_share: Option<(&'a str, PrincipalScope)>,
    /// The backup set joining the share; none when only its principals change.
    pub backup_set_id: Option<&'a str>,
    /// (principal id, principal_type) to associate, or re-associate when its revocation had not yet run.
    pub associate: &'a [(&'a str, PrincipalType)],
    /// (invitation id, receiver account) for each added account that must accept. An account that
    /// already has a pending invitation or one accepted and in force to this share gets no second one;
    /// one whose acceptance ended when it was removed gets a new invitation to accept.
    pub invite: &'a [(String, String)],
    /// (invitation id, receiver account) for each added account of the owner's directory in a share open
    /// to all accounts: recorded accepted at once (the directory accepts for it), under the same guard.
    pub accepted_by_directory: &'a [(String, String)],
    pub invitation_expires_at: &'a str,
    /// Principals that keep their access until `revoke_at`, and whose pending invitations are cancelled.
    pub revoke: &'a [&'a str],
    /// None while a restore reads one of the share's sets: the scheduler sets it when the restore ends.
    pub revoke_at: Option<String>,
    pub now: &'a str,
    /// The action's audit event (`audit::Event::as_json`), inserted in the same round trip.
    pub event: serde_json::Value,
    /// A signed call's nonce (AccessKey id, nonce, seen at), recorded first in the same round trip: a
    /// replay fails the write before it writes anything (`access_keys::is_replay`).
    pub nonce: Option<&'a super::access_keys::NonceSeen>,
    /// The acting identity's grant (`server::grant::Grant::json`), checked before anything else in the
    /// same round trip: one that has ended fails the write before it writes anything (`grant::ended`).
    pub grant: Option<serde_json::Value>,
}

const INSERT_SHARE: &str = "insert into resource_share (resource_share_id, owner_account_id, resource_share_name,
        principal_scope, status, created_at, updated_at)
    select json_extract(?1, '$.share_id'), json_extract(?1, '$.owner'), json_extract(?1, '$.name'),
        json_extract(?1, '$.scope'), 'Active', json_extract(?1, '$.now'), json_extract(?1, '$.now')
    where json_extract(?1, '$.name') is not null";

const TOUCH_SHARE: &str = "update resource_share set updated_at = json_extract(?1, '$.now')
    where resource_share_id = json_extract(?1, '$.share_id') and json_extract(?1, '$.name') is null";

/// A set joining a share it is already in stays as it is; one on its way out (taken out, its revocation
/// not run yet) is associated again, as a principal added back during its revocation is: the call that
/// shares it succeeds, so the set must not be revoked after all.
const INSERT_RESOURCE: &str = "insert into share_resource (resource_share_id, backup_set_id, created_at)
    select json_extract(?1, '$.share_id'), json_extract(?1, '$.backup_set_id'), json_extract(?1, '$.now')
    where json_extract(?1, '$.backup_set_id') is not null
    on conflict (resource_share_id, backup_set_id) do update set status = 'Associated', revoke_at = null
    where status <> 'Associated'";

/// Each row carries its share's creation time, the order the principal's list of shares is read in
/// (index `share_principal_recipient`).
const ASSOCIATE_PRINCIPALS: &str =
    "insert into share_principal (resource_share_id, principal_id, principal_type, status, created_at,
        share_created_at)
    select json_extract(?1, '$.share_id'), json_extract(p.value, '$.id'), json_extract(p.value, '$.type'),
        'Associated', json_extract(?1, '$.now'),
        (select rs.created_at from resource_share rs where rs.resource_share_id = json_extract(?1, '$.share_id'))
    from json_each(?1, '$.associate') p where true
    on conflict (resource_share_id, principal_id) do update set status = 'Associated', revoke_at = null";

const INVITE: &str = "insert into invitation (invitation_id, resource_share_id, sender_account_id, receiver_account_id,
        status, created_at, expires_at, updated_at)
    select json_extract(j.value, '$.id'), json_extract(?1, '$.share_id'), json_extract(?1, '$.owner'),
        json_extract(j.value, '$.receiver'), json_extract(j.value, '$.status'), json_extract(?1, '$.now'),
        case json_extract(j.value, '$.status') when 'Accepted' then json_extract(?1, '$.now') else json_extract(?1, '$.expires_at') end,
        json_extract(?1, '$.now')
    from json_each(?1, '$.invite') j
    where not exists (select 1 from invitation i where i.resource_share_id = json_extract(?1, '$.share_id')
        and i.receiver_account_id = json_extract(j.value, '$.receiver')
        and ((i.status = 'Accepted' and i.access_ends_at is null)
             or (i.status = 'Pending' and i.expires_at > json_extract(?1, '$.now'))))";

/// Removed principals keep their access until `revoke_at`; what they had not accepted yet is cancelled,
/// and what they had accepted is marked ended (`access_ends_at`: the revocation time, or the removal's
/// when a restore holds it and that time is not known yet), so a later re-add needs a new invitation.
const REVOKE_PRINCIPALS: &str =
    "update share_principal set status = 'Disassociating', revoke_at = json_extract(?1, '$.revoke_at')
    where resource_share_id = json_extract(?1, '$.share_id') and status = 'Associated'
      and principal_id in (select value from json_each(?1, '$.revoke'))
      and json_array_length(?1, '$.revoke') > 0;
    update invitation set access_ends_at = coalesce(json_extract(?1, '$.revoke_at'), json_extract(?1, '$.now')),
        updated_at = json_extract(?1, '$.now')
    where resource_share_id = json_extract(?1, '$.share_id') and status = 'Accepted' and access_ends_at is null
      and receiver_account_id in (select value from json_each(?1, '$.revoke'))
      and json_array_length(?1, '$.revoke') > 0;
    update invitation set status = 'Cancelled', updated_at = json_extract(?1, '$.now')
    where resource_share_id = json_extract(?1, '$.share_id') and status = 'Pending'
      and receiver_account_id in (select value from json_each(?1, '$.revoke'))
      and json_array_length(?1, '$.revoke') > 0";

/// A share's write as one statement: an insert into this view runs [`WRITE_SHARE_TRIGGER`]'s statements.
/// The JSON goes in as SQLite's binary JSON (`jsonb`), parsed once here: the trigger's statements read
/// it some thirty times (`json_extract`, `json_each`), and from text each would parse it again when it
/// falls out of SQLite's small cache of parsed documents (~40,000 instructions a share, callgrind,
/// docs/performance.md stop 29). They read the same values from either form.
const WRITE_SHARE: &str = "insert into share_write (params) values (jsonb(?1))";

/// The view and trigger behind [`WRITE_SHARE`], made on the writer's connection when it opens (temporary
/// objects, the connection's own, made from the statements above rather than kept in a migration).
/// sqlx sends the result of each statement of a query from its worker thread to the task awaiting it,
/// waking that task once a statement: with the write's eight statements that was ~11 sleeps and wake-ups
/// of the share groups' task per share. As one statement it is one. Each statement runs only when the
/// write has its part (a new share, a set, principals, invitations, revocations, a nonce); a failure in
/// any of them undoes the whole statement, so an ended grant or a replayed nonce still writes nothing.
pub static WRITE_SHARE_TRIGGER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let body = [
        // The grant first, as a call's key is judged before its nonce when it arrives. With no grant
        // (none is given) every one of its checks is skipped.
        super::grant::CHECK_FROM_JSON,
        super::access_keys::RECORD_USE_FROM_JSON,
        INSERT_SHARE,
        TOUCH_SHARE,
        // Revocations before the set joins: a principal this request takes out never held the set (the
        // limit judged it so), and late_resource's trigger records that only for a principal already
        // Disassociating when the set's row is written.
        REVOKE_PRINCIPALS,
        INSERT_RESOURCE,
        ASSOCIATE_PRINCIPALS,
        INVITE,
        super::audit::RECORD_FROM_JSON,
    ]
    .join(";\n")
    .replace("?1", "new.params");
    format!(
        "create temp view if not exists share_write (params) as select null;
         create temp trigger if not exists share_write_statements instead of insert on share_write begin
         {body};
         end"
    )
});

/// Writes a [`ShareWrite`] in one round trip and one statement ([`WRITE_SHARE`]), its audit event last,
/// within the caller's transaction. With `ahead`, the next request's read runs after it in the same
/// round trip: its answer is returned.
///
/// Every value of the write travels in one JSON parameter, `?1` (the trigger's `new.params`); sqlx binds
/// numbered parameters by their number in every statement of the query, so the read's start at `?2`.
pub async fn write_share(tx: &mut Tx, w: &ShareWrite<'_>, ahead: Option<&ReadAhead>) -> sqlx::Result<Option<String>> {
    let invitations: Vec<serde_json::Value> = [(w.invite, "Pending"), (w.accepted_by_directory, "Accepted")]
        .iter()
        .flat_map(|(list, status)| {
            list.iter()
                .map(move |(id, receiver)| serde_json::json!({ "id": id, "receiver": receiver, "status": status }))
        })
        .collect();
    let params = serde_json::json!({
        "share_id": w.share_id,
        "owner": w.owner,
        "name": w.new_share.map(|(name, _)| name),
        "scope": w.new_share.map(|(_, scope)| scope),
        "backup_set_id": w.backup_set_id,
        "associate": w.associate.iter().map(|(id, kind)| serde_json::json!({ "id": id, "type": kind })).collect::<Vec<_>>(),
        "invite": invitations,
        "expires_at": w.invitation_expires_at,
        "revoke": w.revoke,
        "revoke_at": w.revoke_at,
        "now": w.now,
        "event": w.event,
        "nonce": w.nonce.map(super::access_keys::NonceSeen::json),
        "grant": w.grant,
    });
    let Some(read) = ahead else {
        sqlx::query(WRITE_SHARE).bind(params.to_string()).execute(&mut **tx).await?;
        return Ok(None);
    };
    // The write answers no rows: the one row is the read's, which runs last.
    let sql = format!("{WRITE_SHARE};\n{}", read.sql);
    read.bind(sqlx::query_scalar::<_, String>(&sql).bind(params.to_string())).fetch_optional(&mut **tx).await
}

#[cfg(test)]
mod tests {
    use super::{shift_parameters, WRITE_SHARE_TRIGGER};

    /// Every statement of the trigger reads the insert's row: a `?N` left in it (a `?10` the
    /// replacement of `?1` would have cut) would be a parameter no one binds.
    #[test]
    fn the_share_write_trigger_reads_only_its_row() {
        assert!(!WRITE_SHARE_TRIGGER.contains('?'), "{}", *WRITE_SHARE_TRIGGER);
        assert!(WRITE_SHARE_TRIGGER.contains("new.params"));
    }

    #[test]
    fn shifting_parameters_renumbers_each_numbered_one_and_leaves_the_rest() {
        assert_eq!(shift_parameters("a = ?1 and b in (?2, ?10) and c = ?", 1), "a = ?2 and b in (?3, ?11) and c = ?");
        assert_eq!(shift_parameters("select 1", 3), "select 1");
    }
}
