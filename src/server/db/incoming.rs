//! The principal's side: invitations it received, and backup sets shared with it.

use super::{directory::FOLDER_ANCESTRY, Tx};
use crate::domain::{BackupLevel, BackupLock, BackupStatus, InvitationStatus, MovedOutGrantFacts, PrincipalGrantFacts};
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

/// Where grants come from: a kind of row that may give the account `?1` a share's backup sets, the
/// facts it is loaded with (from its row, `alias`, and the share, `rs`), and which of its rows are the
/// account's. Every grant is loaded alike, one row a backup set of the share (`sr`, `b`), with the set
/// and share it is of ([`GrantedSet`]); only the facts and how the domain reads them differ.
struct GrantSource {
    /// A `with` clause the rows' condition needs, if any.
    with: &'static str,
    table: &'static str,
    alias: &'static str,
    facts: &'static str,
    naming: &'static str,
}

/// Every principal entry whose id may name the account: the account itself, its directory, or a folder
/// it sits in at any depth (following [`super::directory::FOLDER_ANCESTRY`]). Whether an entry *grants*
/// access is the domain's decision ([`crate::domain::principal_grant`]), from the facts loaded beside it.
const PRINCIPAL_ENTRIES: GrantSource = GrantSource {
    with: FOLDER_ANCESTRY,
    table: "share_principal",
    alias: "sp",
    facts: "rs.principal_scope as scope, sp.principal_type, sp.principal_id, sp.status as principal_status,
                sp.revoke_at as principal_revoke_at, sr.status as resource_status, sr.revoke_at as resource_revoke_at,
                exists(select 1 from rd_member me join rd_member ow on ow.directory_id = me.directory_id
                       where me.account_id = ?1 and ow.account_id = rs.owner_account_id) as owner_in_recipients_directory,
                exists(select 1 from invitation i where i.resource_share_id = rs.resource_share_id and i.receiver_account_id = ?1
                       and i.status = 'Accepted' and i.access_ends_at is null) as invitation_standing,
                exists(select 1 from invitation i where i.resource_share_id = rs.resource_share_id and i.receiver_account_id = ?1
                       and i.status = 'Accepted' and i.access_ends_at is not null) as invitation_ended,
                exists(select 1 from late_resource l where l.resource_share_id = rs.resource_share_id and l.principal_id = sp.principal_id
                       and l.via = 'principal' and l.backup_set_id = sr.backup_set_id) as added_after_removal,
                exists(select 1 from late_principal lp where lp.resource_share_id = rs.resource_share_id
                       and lp.principal_id = sp.principal_id and lp.backup_set_id = sr.backup_set_id) as joined_after_set_removal,
                exists(select 1 from late_arrival la where la.resource_share_id = rs.resource_share_id and la.principal_id = sp.principal_id
                       and la.backup_set_id = sr.backup_set_id and la.account_id = ?1) as arrived_during_removal",
    naming: "(sp.principal_id = ?1
                or sp.principal_id in (select directory_id from rd_member where account_id = ?1)
                or sp.principal_id in (select folder_id from ancestor))",
};

/// What a folder or the directory gave the account before it moved out: its scheduled revocations.
const MOVED_OUT: GrantSource = GrantSource {
    with: "",
    table: "membership_revocation",
    alias: "mr",
    facts: "mr.revoke_at,
                exists(select 1 from late_resource l where l.resource_share_id = rs.resource_share_id and l.principal_id = mr.account_id
                       and l.via = 'moved_out' and l.backup_set_id = sr.backup_set_id) as added_after_removal,
                exists(select 1 from late_arrival la where la.resource_share_id = rs.resource_share_id and la.account_id = mr.account_id
                       and la.backup_set_id = sr.backup_set_id) as arrived_during_removal",
    naming: "mr.account_id = ?1",
};

impl GrantSource {
    /// The query of this source's grants; `filter` narrows the backup sets.
    fn sql(&self, filter: &str) -> String {
        let GrantSource { with, table, alias, facts, naming } = self;
        format!(
            "{with}
         select sr.backup_set_id, b.cluster_id, b.start_time, b.expires_at, rs.resource_share_id, rs.resource_share_name,
                rs.owner_account_id, rs.status as share_status, {facts}
         from {table} {alias}
         join resource_share rs on rs.resource_share_id = {alias}.resource_share_id
         join share_resource sr on sr.resource_share_id = rs.resource_share_id
         join backup_set b on b.backup_set_id = sr.backup_set_id
         where {naming} {filter}"
        )
    }
}

/// Which backup sets the grants are loaded for.
#[derive(Debug, Clone, Copy)]
pub enum GrantFilter<'a> {
    /// The backup sets in a region.
    Region(&'a str),
    /// One backup set.
    BackupSet(&'a str),
}

impl GrantFilter<'_> {
    fn sql(self) -> &'static str {
        match self {
            GrantFilter::Region(_) => "and b.region_id = ?2",
            GrantFilter::BackupSet(_) => "and b.backup_set_id = ?2",
        }
    }

    fn value(&self) -> &str {
        match self {
            GrantFilter::Region(v) | GrantFilter::BackupSet(v) => v,
        }
    }
}

/// The backup set a grant is of, and the share that gives it: what the principal's lists show beside it.
#[derive(Debug, Clone, FromRow)]
pub struct GrantedSet {
    pub backup_set_id: String,
    pub cluster_id: String,
    pub start_time: String,
    /// The backup set's expiry, from which its grants end (`domain::grant_at_expiry`).
    pub expires_at: String,
    pub resource_share_id: String,
    pub resource_share_name: String,
    pub owner_account_id: String,
}

/// A grant as loaded, with the facts the domain decides it from: a principal entry's
/// ([`PrincipalGrantFacts`]) or a moved-out revocation's ([`MovedOutGrantFacts`]), times as stored.
#[derive(Debug, Clone, FromRow)]
pub struct GrantRow<Facts> {
    #[sqlx(flatten)]
    pub set: GrantedSet,
    #[sqlx(flatten)]
    pub facts: Facts,
}

async fn grants<Facts>(
    conn: &mut SqliteConnection,
    source: &GrantSource,
    account: &str,
    filter: GrantFilter<'_>,
) -> sqlx::Result<Vec<GrantRow<Facts>>>
where
    Facts: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
{
    sqlx::query_as(&source.sql(filter.sql())).bind(account).bind(filter.value()).fetch_all(conn).await
}

/// The principal entries that may name the account, one row a backup set of their shares.
pub async fn principal_grants(
    conn: &mut SqliteConnection,
    account: &str,
    filter: GrantFilter<'_>,
) -> sqlx::Result<Vec<GrantRow<PrincipalGrantFacts<String>>>> {
    grants(conn, &PRINCIPAL_ENTRIES, account, filter).await
}

/// The revocations scheduled for the account after it moved out of a folder or left the directory.
pub async fn moved_out_grants(
    conn: &mut SqliteConnection,
    account: &str,
    filter: GrantFilter<'_>,
) -> sqlx::Result<Vec<GrantRow<MovedOutGrantFacts<String>>>> {
    grants(conn, &MOVED_OUT, account, filter).await
}

/// The account's directory, if it is a member of one, and the folder it sits in with every folder above it.
pub async fn recipient_place(
    conn: &mut SqliteConnection,
    account: &str,
) -> sqlx::Result<(Option<String>, Vec<String>)> {
    let directory: Option<String> = sqlx::query_scalar("select directory_id from rd_member where account_id = ?1")
        .bind(account)
        .fetch_optional(&mut *conn)
        .await?;
    let folders =
        sqlx::query_scalar(&format!("{FOLDER_ANCESTRY} select folder_id from ancestor where folder_id is not null"))
            .bind(account)
            .fetch_all(conn)
            .await?;
    Ok((directory, folders))
}

/// A backup set shared with the account, as the principal's pages and the restore rules see it.
#[derive(Debug, Clone, FromRow)]
pub struct IncomingRow {
    pub backup_set_id: String,
    pub cluster_id: String,
    pub region_id: String,
    pub size_bytes: i64,
    pub level: BackupLevel,
    pub start_time: String,
    pub end_time: String,
    pub status: BackupStatus,
    pub method: String,
    pub backup_mode: String,
    pub expires_at: String,
    pub lock_state: BackupLock,
    pub deleted_at: Option<String>,
    /// The source cluster's engine, its version and (when a restore made it) its billing method.
    pub db_type: String,
    pub db_version: String,
    pub pay_type: Option<String>,
    /// This account already restores from the set.
    pub own_restore_running: bool,
    /// An owner's removal in a share holding the set waits for the restores from it to end.
    pub removal_queued: bool,
}

impl IncomingRow {
    /// What the rules know of the shared backup set.
    pub fn facts(&self) -> anyhow::Result<crate::domain::BackupSetFacts> {
        super::clusters::backup_set_facts(
            &self.backup_set_id,
            self.status,
            &self.expires_at,
            self.lock_state,
            self.deleted_at.is_some(),
        )
    }
}

/// The backup sets `ids` (a page the domain found shared with `account`), in no particular order.
pub async fn backup_sets(conn: &mut SqliteConnection, account: &str, ids: &[&str]) -> sqlx::Result<Vec<IncomingRow>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
    sqlx::query_as(
        "select b.backup_set_id, b.cluster_id, b.region_id, b.size_bytes, b.level, b.start_time, b.end_time, b.status,
                b.method, b.backup_mode, b.expires_at, b.lock_state, b.deleted_at, c.db_type, c.db_version, c.pay_type,
                exists(select 1 from restore_job j where j.backup_set_id = b.backup_set_id and j.account_id = ?1
                       and j.status = 'Running') as own_restore_running,
                exists(select 1 from share_resource qr
                       join resource_share qs on qs.resource_share_id = qr.resource_share_id and qs.status <> 'Deleted'
                       where qr.backup_set_id = b.backup_set_id
                         and (exists(select 1 from share_principal qp where qp.resource_share_id = qr.resource_share_id
                                     and qp.status = 'Disassociating' and qp.revoke_at is null)
                              or exists(select 1 from membership_revocation qm where qm.resource_share_id = qr.resource_share_id
                                        and qm.revoke_at is null))) as removal_queued
         from backup_set b join cluster c on c.cluster_id = b.cluster_id
         where b.backup_set_id in (select value from json_each(?2))",
    )
    .bind(account)
    .bind(ids)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub invitation_id: String,
    pub resource_share_id: String,
    /// The share's name as the receiver knows it: its current one, or the one it had when the invitation
    /// ended, if it was renamed since (`invitation.ended_share_name`).
    pub resource_share_name: String,
    pub sender_account_id: String,
    pub receiver_account_id: String,
    pub status: InvitationStatus,
    pub created_at: String,
    pub expires_at: String,
    /// When it was last written: its answer, cancellation or its receiver's removal, once it has one.
    pub updated_at: String,
    /// The backup sets of the share in the requested region (in every region when none is) that it still
    /// holds, as a JSON array of [`OfferedSet`]: a set being taken out (disassociated, deleted, its
    /// cluster released) is being revoked from whoever had it, and is offered to no one. One past its
    /// expiry is too, before the schedule takes it out: each comes with its expiry for the domain to say.
    pub resources: String,
    /// Set once the owner removed the principal after it accepted (the acceptance no longer counts).
    pub access_ends_at: Option<String>,
    /// Whether the receiver, as a principal of the share, is being removed from it (whatever the time).
    pub principal_disassociating: bool,
    /// When that removal ends its access (none while it waits for a restore): see [`InvitationRow::removal_running`].
    pub principal_revoke_at: Option<String>,
}

impl InvitationRow {
    /// Whether the receiver's removal from the share still leaves it access at `now`: until its revocation
    /// time, whether or not the schedule has deleted its row yet (late, or failing), as for every grant.
    pub fn removal_running(&self, now: time::OffsetDateTime) -> anyhow::Result<bool> {
        let revoke_at = self.principal_revoke_at.as_deref().map(super::parse_ts).transpose()?;
        let grant = crate::domain::Grant { status: crate::domain::AssociationStatus::Disassociating, revoke_at };
        Ok(self.principal_disassociating && grant.in_force_at(now))
    }
}

/// The columns of [`InvitationRow::principal_disassociating`] and [`InvitationRow::principal_revoke_at`],
/// from the receiver's own principal row being removed, `rp`, joined by [`INVITATION_FROM`].
pub const PRINCIPAL_REMOVAL_COLUMNS: &str =
    "rp.principal_id is not null as principal_disassociating, rp.revoke_at as principal_revoke_at";

/// One of the sets an invitation's share holds ([`InvitationRow::resources`]).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct OfferedSet {
    pub backup_set_id: String,
    pub expires_at: String,
}

const INVITATION_COLUMNS: &str = "i.invitation_id, i.resource_share_id,
        coalesce(i.ended_share_name, rs.resource_share_name) as resource_share_name, i.sender_account_id,
        i.receiver_account_id, i.status, i.created_at, i.expires_at, i.updated_at, i.access_ends_at,
        (select json_group_array(json_object('backup_set_id', sr.backup_set_id, 'expires_at', b.expires_at))
          from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
          where sr.resource_share_id = i.resource_share_id and sr.status = 'Associated'
            and (?2 is null or b.region_id = ?2)) as resources";
/// An invitation `i`, its share `rs`, and its receiver's principal row `rp` while that row is being
/// removed (at most one: a share names a principal once), read once for both of
/// [`PRINCIPAL_REMOVAL_COLUMNS`].
pub const INVITATION_FROM: &str =
    "from invitation i join resource_share rs on rs.resource_share_id = i.resource_share_id
         left join share_principal rp on rp.resource_share_id = i.resource_share_id
           and rp.principal_id = i.receiver_account_id and rp.status = 'Disassociating'";

#[derive(Debug, Clone, FromRow)]
pub struct RegionInvitationRow {
    #[sqlx(flatten)]
    pub row: InvitationRow,
    /// When the first of the share's sets in the region was put in it (none: it holds none there).
    pub first_added_in_region: Option<String>,
}

/// The invitations received by `account` for shares that hold a backup set in `region`, newest first,
/// with when the share got its first set there: which of them the page lists is the domain's decision
/// (`invitation_listed_in_region`), so they are paged after it. An account receives few invitations.
pub async fn invitations_for(
    ex: impl SqliteExecutor<'_>,
    account: &str,
    region: &str,
) -> sqlx::Result<Vec<RegionInvitationRow>> {
    sqlx::query_as(&format!(
        "select {INVITATION_COLUMNS}, {PRINCIPAL_REMOVAL_COLUMNS},
                (select min(sr.created_at) from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
                 where sr.resource_share_id = i.resource_share_id and b.region_id = ?2) as first_added_in_region
         {INVITATION_FROM} where i.receiver_account_id = ?1
           and exists(select 1 from share_resource sr join backup_set b on b.backup_set_id = sr.backup_set_id
                      where sr.resource_share_id = i.resource_share_id and b.region_id = ?2)
         order by i.created_at desc, i.invitation_id"
    ))
    .bind(account)
    .bind(region)
    .fetch_all(ex)
    .await
}

pub async fn invitation(tx: &mut Tx, invitation_id: &str) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!(
        "select {INVITATION_COLUMNS}, {PRINCIPAL_REMOVAL_COLUMNS} {INVITATION_FROM} where i.invitation_id = ?1"
    ))
    .bind(invitation_id)
    .bind(None::<&str>)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn set_invitation_status(tx: &mut Tx, invitation_id: &str, status: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update invitation set status = ?, updated_at = ? where invitation_id = ?")
        .bind(status)
        .bind(now)
        .bind(invitation_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
