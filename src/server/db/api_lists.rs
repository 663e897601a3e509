//! The OpenAPI's lists (ListResourceShares, ListResourceShareAssociations, ListSharedResources,
//! ListSharedTargets, ListResourceShareInvitations), each one page read in SQL. Of the shares another
//! account gave the caller ([`received_share_page`]), the domain decides which the caller holds.
//!
//! A page continues after the last row of the one before (keyset paging on the list's order, newest
//! first): the cost of a page is the page's, not the list's, and every query names the caller's account
//! in its `where`, so no position a token can hold reaches another account's rows. Each query reads
//! `limit + 1` rows; the extra one only says that there is a next page.

use super::incoming::InvitationRow;
use crate::domain::{
    AssociationStatus, InvitationStatus, PrincipalScope, PrincipalType, Recipient, ShareEntry, ShareStatus,
};
use sqlx::{FromRow, SqliteExecutor};

/// Where a page starts: after the row with these sort keys (the list's own, in its order).
pub type After = Option<Vec<String>>;

/// Sorts after every stored key: the first page starts "after" it.
const AFTER_EVERYTHING: &str = "\u{10FFFF}";

/// The `i`th sort key a page starts after. The first page starts after [`AFTER_EVERYTHING`] rather than
/// after nothing, so that every page's query is the same range on its index: with `?2 is null or
/// (keys) < (?2, ..)` SQLite read the list from its start for every later page (the last pages of an
/// owner's ~2,800 shares took ~8x the first page's time).
fn key(after: &After, i: usize) -> &str {
    after.as_ref().and_then(|k| k.get(i)).map(String::as_str).unwrap_or(AFTER_EVERYTHING)
}

fn ids_json(ids: &[String]) -> Option<String> {
    (!ids.is_empty()).then(|| serde_json::Value::from(ids.to_vec()).to_string())
}

/// A share's own row: the read model's, without its sets and principals (the OpenAPI pages by it).
pub type OwnShareRow = crate::read_model::Share;

impl crate::read_model::Share {
    pub fn sort_key(&self) -> Vec<String> {
        vec![self.created_at.clone(), self.resource_share_id.clone()]
    }
}

/// Which of an owner's shares ListResourceShares asks for.
#[derive(Debug, Default)]
pub struct ShareQuery<'a> {
    pub ids: &'a [String],
    pub name: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// The statement of [`own_shares`]: its pages are kept in memory until the writer commits a change to
/// the tables it reads (`read_model::Tables::ResourceShares`, checked against SQLite's own plan of it).
pub const OWN_SHARES: &str =
    "select resource_share_id, resource_share_name, principal_scope, status, created_at, updated_at
         from resource_share
         where owner_account_id = ?1
           and (created_at, resource_share_id) < (?2, ?3)
           and (?4 is null or resource_share_id in (select value from json_each(?4)))
           and (?5 is null or resource_share_name = ?5)
           and (?6 is null or status = ?6)
         order by created_at desc, resource_share_id desc limit ?7";

/// One page of the owner's shares of every status, newest first (index `resource_share_owner_created`).
pub async fn own_shares(
    ex: impl SqliteExecutor<'_>,
    owner: &str,
    q: &ShareQuery<'_>,
    after: &After,
    limit: i64,
) -> sqlx::Result<Vec<OwnShareRow>> {
    sqlx::query_as(OWN_SHARES)
        .bind(owner)
        .bind(key(after, 0))
        .bind(key(after, 1))
        .bind(ids_json(q.ids))
        .bind(q.name)
        .bind(q.status)
        .bind(limit + 1)
        .fetch_all(ex)
        .await
}

/// Another account's share the caller holds, as ListResourceShares (ResourceOwner=OtherAccounts) lists it.
#[derive(Debug, Clone)]
pub struct ReceivedShareRow {
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub owner_account_id: String,
    pub status: ShareStatus,
    pub created_at: String,
    pub updated_at: String,
}

impl ReceivedShareRow {
    /// Newest share first, as the owner's own list.
    pub fn sort_key(&self) -> Vec<String> {
        vec![self.created_at.clone(), self.resource_share_id.clone()]
    }
}

/// A principal entry that may name the caller, with its share's own columns.
#[derive(Debug, Clone, FromRow)]
pub struct ReceivedShareEntry {
    #[sqlx(flatten)]
    pub entry: ShareEntry,
    pub resource_share_name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The principal ids that may name `recipient`, each with the type of entry that names it by that id:
/// its account, its directory, the folders it sits in (at any depth), as `ENTRIES_NAMING_RECIPIENT` reads.
fn naming_ids(recipient: &Recipient) -> Vec<(&str, PrincipalType)> {
    let account = std::iter::once((recipient.account_id.as_str(), PrincipalType::Account));
    let directory = recipient.directory_id.as_deref().map(|d| (d, PrincipalType::ResourceDirectory));
    let folders = recipient.folders.iter().map(|f| (f.as_str(), PrincipalType::Folder));
    account.chain(directory).chain(folders).collect()
}

/// The statement of [`received_share_page`] for a recipient named by `ids` principal ids (bound from
/// `?10` on, each with its type). Which shares the page holds is read, for each id, off its range of
/// index `share_principal_recipient` in the list's order, at most `?9` rows after the position `?7`,
/// `?8`; the union of those is cut to the `?9` newest shares, and every entry of them naming the
/// recipient is loaded for the domain to decide. Only a share with an associated entry of another
/// account's active share is a candidate: `domain::share_hold` gives nothing through any other entry
/// (a test holds the two to the same answer over random holdings).
fn received_share_page_sql(ids: usize) -> String {
    let ranges: Vec<String> = (0..ids)
        .map(|i| {
            let (id, kind) = (10 + 2 * i, 11 + 2 * i);
            format!(
                "select * from (select sp.share_created_at, sp.resource_share_id from share_principal sp
                   join resource_share rs on rs.resource_share_id = sp.resource_share_id
                   where sp.principal_id = ?{id} and sp.principal_type = ?{kind}
                     and (sp.share_created_at, sp.resource_share_id) < (?7, ?8)
                     and sp.status = 'Associated' and rs.status = 'Active' and rs.owner_account_id <> ?1
                     and (?2 is null or sp.resource_share_id in (select value from json_each(?2)))
                     and (?5 is null or rs.resource_share_name = ?5)
                     and (?6 is null or rs.status = ?6)
                   order by sp.share_created_at desc, sp.resource_share_id desc limit ?9)"
            )
        })
        .collect();
    format!(
        "with page(share_created_at, resource_share_id) as (
             {ranges} order by 1 desc, 2 desc limit ?9)
         select {columns}, rs.resource_share_name, rs.created_at, rs.updated_at {from}
           and sp.resource_share_id in (select resource_share_id from page)
         order by rs.created_at desc, rs.resource_share_id desc",
        ranges = ranges.join("\n             union\n             "),
        columns = super::directory::SHARE_ENTRY_COLUMNS,
        from = super::directory::ENTRIES_NAMING_RECIPIENT,
    )
}

/// The next `batch` other accounts' shares (within `q`) after `after` that may be held by `recipient`,
/// newest first, with every entry of each that names it (its id, its directory, a folder above it),
/// whatever the entry's status: which of them give the recipient its share is the domain's decision
/// (`domain::share_membership`). Fewer than `batch` shares: there are no more.
pub async fn received_share_page(
    ex: impl SqliteExecutor<'_>,
    recipient: &Recipient,
    q: &ShareQuery<'_>,
    after: &After,
    batch: i64,
) -> sqlx::Result<Vec<ReceivedShareEntry>> {
    let (directory, folders) = super::directory::recipient_place_params(recipient);
    let ids = naming_ids(recipient);
    let sql = received_share_page_sql(ids.len());
    let mut query = sqlx::query_as(&sql)
        .bind(recipient.account_id.as_str())
        .bind(ids_json(q.ids))
        .bind(directory)
        .bind(folders)
        .bind(q.name)
        .bind(q.status)
        .bind(key(after, 0))
        .bind(key(after, 1))
        .bind(batch);
    for (id, kind) in ids {
        query = query.bind(id).bind(kind.as_str());
    }
    query.fetch_all(ex).await
}

/// Which of an owner's share associations (targets or backup sets) a list asks for.
#[derive(Debug, Default)]
pub struct AssociationQuery<'a> {
    pub share_ids: &'a [String],
    /// Only this principal (targets) or backup set (resources).
    pub entity: Option<&'a str>,
    /// Only these principals (ListSharedTargets' `Targets.N`) or backup sets (`ResourceIds.N`).
    pub entities: &'a [String],
    /// Targets only of shares holding this backup set (ListSharedTargets' `ResourceId`).
    pub holding: Option<&'a str>,
    /// Resources only of shares that have this principal (ListSharedResources' `Target`).
    pub shared_with: Option<&'a str>,
}

#[derive(Debug, Clone, FromRow)]
pub struct TargetRow {
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub principal_scope: PrincipalScope,
    pub share_created_at: String,
    pub principal_id: String,
    pub principal_type: PrincipalType,
    pub status: AssociationStatus,
    pub created_at: String,
    /// An account principal's latest invitation, when it was sent one.
    pub invitation_status: Option<InvitationStatus>,
    /// An account outside the owner's resource directory (Resource Sharing's `External`).
    pub external: bool,
}

/// Whether `principal` (of type `principal_type`) is an account outside the resource directory of
/// `owner`, as a SQL expression over the columns or parameters named (Resource Sharing's `External`: a
/// directory, a folder and a member account are inside).
fn outside_directory(principal: &str, principal_type: &str, owner: &str) -> String {
    format!(
        "({principal_type} = 'Account' and not exists(select 1 from rd_member o join rd_member m on m.directory_id = o.directory_id
            where o.account_id = {owner} and m.account_id = {principal}))"
    )
}

/// Which of `accounts` are outside `owner`'s resource directory.
pub async fn outside_owners_directory(
    ex: impl SqliteExecutor<'_>,
    owner: &str,
    accounts: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&format!(
        "select a.value from json_each(?2) a where {}",
        outside_directory("a.value", "'Account'", "?1")
    ))
    .bind(owner)
    .bind(ids_json(accounts))
    .fetch_all(ex)
    .await
}

impl TargetRow {
    pub fn sort_key(&self) -> Vec<String> {
        vec![self.share_created_at.clone(), self.resource_share_id.clone(), self.principal_id.clone()]
    }
}

/// One side of a share's associations: its table, the alias the association queries give it, and the
/// column naming each of its rows.
struct AssociationSide {
    table: &'static str,
    alias: &'static str,
    entity: &'static str,
}

const PRINCIPALS: AssociationSide = AssociationSide { table: "share_principal", alias: "sp", entity: "principal_id" };
const RESOURCES: AssociationSide = AssociationSide { table: "share_resource", alias: "sr", entity: "backup_set_id" };

/// One page of `listed`'s rows in the owner's shares, newest share first, with `columns` (over `rs` and
/// the listed side's alias); `other` keeps only shares whose `other_side` has that id. Targets and
/// resources page and filter alike: only which side is listed differs.
async fn association_page<R>(
    ex: impl SqliteExecutor<'_>,
    listed: &AssociationSide,
    other_side: &AssociationSide,
    columns: &str,
    owner: &str,
    q: &AssociationQuery<'_>,
    other: Option<&str>,
    after: &After,
    limit: i64,
) -> sqlx::Result<Vec<R>>
where
    R: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let AssociationSide { table, alias, entity } = listed;
    let AssociationSide { table: other_table, alias: other_alias, entity: other_entity } = other_side;
    sqlx::query_as(&format!(
        "select rs.resource_share_id, rs.resource_share_name, rs.principal_scope, rs.created_at as share_created_at,
                {columns}
         from resource_share rs join {table} {alias} on {alias}.resource_share_id = rs.resource_share_id
         where rs.owner_account_id = ?1
           and (rs.created_at, rs.resource_share_id, {alias}.{entity}) < (?2, ?3, ?4)
           and (?5 is null or rs.resource_share_id in (select value from json_each(?5)))
           and (?6 is null or {alias}.{entity} = ?6)
           and (?7 is null or {alias}.{entity} in (select value from json_each(?7)))
           and (?8 is null or exists(select 1 from {other_table} {other_alias} where {other_alias}.resource_share_id = rs.resource_share_id
                                     and {other_alias}.{other_entity} = ?8))
         order by rs.created_at desc, rs.resource_share_id desc, {alias}.{entity} desc limit ?9",
    ))
    .bind(owner)
    .bind(key(after, 0))
    .bind(key(after, 1))
    .bind(key(after, 2))
    .bind(ids_json(q.share_ids))
    .bind(q.entity)
    .bind(ids_json(q.entities))
    .bind(other)
    .bind(limit + 1)
    .fetch_all(ex)
    .await
}

/// One page of the principals of the owner's shares, newest share first.
pub async fn targets(
    ex: impl SqliteExecutor<'_>,
    owner: &str,
    q: &AssociationQuery<'_>,
    after: &After,
    limit: i64,
) -> sqlx::Result<Vec<TargetRow>> {
    let columns = format!(
        "sp.principal_id, sp.principal_type, sp.status, sp.created_at,
                (select i.status from invitation i where i.resource_share_id = sp.resource_share_id
                   and i.receiver_account_id = sp.principal_id order by i.created_at desc, i.invitation_id desc limit 1)
                  as invitation_status,
                {external} as external",
        external = outside_directory("sp.principal_id", "sp.principal_type", "rs.owner_account_id"),
    );
    association_page(ex, &PRINCIPALS, &RESOURCES, &columns, owner, q, q.holding, after, limit).await
}

#[derive(Debug, Clone, FromRow)]
pub struct ResourceRow {
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub principal_scope: PrincipalScope,
    pub share_created_at: String,
    pub backup_set_id: String,
    pub status: AssociationStatus,
    pub created_at: String,
}

impl ResourceRow {
    pub fn sort_key(&self) -> Vec<String> {
        vec![self.share_created_at.clone(), self.resource_share_id.clone(), self.backup_set_id.clone()]
    }
}

/// One page of the backup sets in the owner's shares, newest share first.
pub async fn resources(
    ex: impl SqliteExecutor<'_>,
    owner: &str,
    q: &AssociationQuery<'_>,
    after: &After,
    limit: i64,
) -> sqlx::Result<Vec<ResourceRow>> {
    association_page(
        ex,
        &RESOURCES,
        &PRINCIPALS,
        "sr.backup_set_id, sr.status, sr.created_at",
        owner,
        q,
        q.shared_with,
        after,
        limit,
    )
    .await
}

/// Where an invitation stands in its list's order.
pub fn invitation_sort_key(row: &InvitationRow) -> Vec<String> {
    vec![row.created_at.clone(), row.invitation_id.clone()]
}

/// One page of the invitations the account received, newest first.
pub async fn invitations(
    ex: impl SqliteExecutor<'_>,
    account: &str,
    share_ids: &[String],
    invitation_ids: &[String],
    after: &After,
    limit: i64,
) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(&format!(
        "select i.invitation_id, i.resource_share_id, coalesce(i.ended_share_name, rs.resource_share_name) as resource_share_name,
                i.sender_account_id, i.receiver_account_id,
                i.status, i.created_at, i.expires_at, i.updated_at, i.access_ends_at,
                -- The API's invitation names no backup sets: none are loaded.
                null as resources, {PRINCIPAL_REMOVAL_COLUMNS}
         {INVITATION_FROM}
         where i.receiver_account_id = ?1
           and (i.created_at, i.invitation_id) < (?2, ?3)
           and (?4 is null or i.resource_share_id in (select value from json_each(?4)))
           and (?5 is null or i.invitation_id in (select value from json_each(?5)))
         order by i.created_at desc, i.invitation_id desc limit ?6",
        PRINCIPAL_REMOVAL_COLUMNS = super::incoming::PRINCIPAL_REMOVAL_COLUMNS,
        INVITATION_FROM = super::incoming::INVITATION_FROM,
    ))
    .bind(account)
    .bind(key(after, 0))
    .bind(key(after, 1))
    .bind(ids_json(share_ids))
    .bind(ids_json(invitation_ids))
    .bind(limit + 1)
    .fetch_all(ex)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct OutgoingRow {
    pub backup_set_id: String,
    pub cluster_id: String,
    pub region_id: String,
    pub size_bytes: i64,
    pub level: crate::domain::BackupLevel,
    pub start_time: String,
    pub end_time: String,
    pub status: crate::domain::BackupStatus,
    pub method: String,
    pub backup_mode: String,
    /// The cluster's engine, its version and (when a restore made it) its billing method.
    pub db_type: String,
    pub db_version: String,
    pub pay_type: Option<String>,
}

/// One page (PageSize / PageNumber, as PolarDB pages) of the owner's backup sets that an active share
/// gives to at least one principal (DescribeSharedBackups ShareOutgoing), newest set first, with the
/// list's size; narrowed to one set and/or one cluster when asked.
pub async fn outgoing_backups(
    ex: impl SqliteExecutor<'_>,
    owner: &str,
    backup_set_id: Option<&str>,
    cluster_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<super::paging::Counted<OutgoingRow>>> {
    sqlx::query_as(
        "select b.backup_set_id, b.cluster_id, b.region_id, b.size_bytes, b.level, b.start_time, b.end_time, b.status,
                b.method, b.backup_mode, c.db_type, c.db_version, c.pay_type, count(*) over () as total_rows
         from shared_backup_set s join backup_set b on b.backup_set_id = s.backup_set_id
         join cluster c on c.cluster_id = b.cluster_id
         where s.owner_account_id = ?1 and (?2 is null or b.backup_set_id = ?2) and (?5 is null or b.cluster_id = ?5)
           and exists(select 1 from share_resource sr
                      join resource_share rs on rs.resource_share_id = sr.resource_share_id and rs.status = 'Active'
                      join share_principal sp on sp.resource_share_id = sr.resource_share_id
                      where sr.backup_set_id = b.backup_set_id and sr.status = 'Associated')
         order by b.start_time desc, b.backup_set_id desc limit ?3 offset ?4",
    )
    .bind(owner)
    .bind(backup_set_id)
    .bind(limit)
    .bind(offset)
    .bind(cluster_id)
    .fetch_all(ex)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    /// The shares a recipient may hold are read, for each id naming it, as a range of the index in the
    /// list's order from the page's position: never the whole of the rows naming it, nor all shares.
    #[tokio::test]
    async fn each_id_naming_the_recipient_is_read_as_a_range_of_its_index_in_the_lists_order() {
        let (_dir, db) = super::super::temporary("received.db").await;
        let ids = 4;
        // (id, parent, detail) of each step.
        let plan: Vec<(i64, i64, String)> =
            sqlx::query(&format!("explain query plan {}", received_share_page_sql(ids)))
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .iter()
                .map(|row| (row.get("id"), row.get("parent"), row.get("detail")))
                .collect();
        let range = "SEARCH sp USING INDEX share_principal_recipient (principal_id=? AND (share_created_at,resource_share_id)<(?,?))";
        let arms: Vec<i64> = plan.iter().filter(|(_, _, d)| d == range).map(|(_, parent, _)| *parent).collect();
        assert_eq!(arms.len(), ids, "one range for each id: {plan:#?}");
        // Each range is read in its order and stops at the page's size: none of them is sorted.
        let sorted_arm = plan.iter().find(|(_, parent, d)| arms.contains(parent) && d.starts_with("USE TEMP B-TREE"));
        assert_eq!(sorted_arm, None, "{plan:#?}");
        assert!(
            !plan.iter().any(|(_, _, d)| d.starts_with("SCAN sp") || d.starts_with("SCAN rs")),
            "no scan of every entry or share: {plan:#?}"
        );
    }
}
