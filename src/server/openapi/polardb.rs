//! PolarDB 2017-08-01 over the console's services: the cluster list and backup pages, Shared Backups
//! (incoming and outgoing), deleting a backup set, and restoring a shared one into a new cluster
//! (`CreateDBCluster` with `CreationOption=CloneFromPolarDB`), which is then pollable with
//! `DescribeDBClusterAttribute` exactly as a restore started in the console.

use super::{iso, unknown_action, ApiError, Call, POLARDB_VERSION};
use crate::command::RestoreRequest;
use crate::domain::{BackupLevel, BackupStatus, Edition, HaMode, NamedSource, PageRequest};
use crate::error::AppError;
use crate::read_model::{BackupSet, Cluster, IncomingBackup, RestoreJob};
use crate::server::db::{self, access_keys};
use crate::server::services::{console, owner, principal};
use serde_json::{json, Value};

/// Every action this version answers: the one list [`dispatch`] answers from (see
/// `resource_sharing::ACTIONS`).
pub const ACTIONS: &[&str] = &[
    "DescribeDBClusters",
    "DescribeDBClusterAttribute",
    "DescribeBackups",
    "DescribeSharedBackups",
    "DeleteBackup",
    "CreateDBCluster",
];

pub async fn dispatch(call: &Call, action: &str) -> Result<Value, ApiError> {
    if !ACTIONS.contains(&action) {
        return Err(unknown_action(action, POLARDB_VERSION));
    }
    // Who may act first, as in the console: an identity that may not take the action is refused as
    // such before its parameters are judged.
    match action {
        "DescribeDBClusters" | "DescribeDBClusterAttribute" | "DescribeBackups" | "DescribeSharedBackups" => {
            call.who.actor.may_view_polardb().map_err(AppError::from)?
        }
        "DeleteBackup" => call.permitted("DeleteBackupSet", "BackupId", call.who.actor.may_change_polardb()).await?,
        "CreateDBCluster" => {
            call.permitted("RestoreToNewCluster", "CloneDataPoint", principal::may_restore(&call.who)).await?
        }
        _ => {}
    }
    match action {
        "DescribeDBClusters" => describe_clusters(call).await,
        "DescribeDBClusterAttribute" => describe_cluster(call).await,
        "DescribeBackups" => describe_backups(call).await,
        "DescribeSharedBackups" => describe_shared_backups(call).await,
        "DeleteBackup" => delete_backup(call).await,
        "CreateDBCluster" => create_cluster(call).await,
        _ => Err(unknown_action(action, POLARDB_VERSION)),
    }
}

/// A cluster as both DescribeDBClusters and DescribeDBClusterAttribute describe it, at `now`. What only a
/// restore records (billing method, zone, node spec) is sent for the clusters a restore made; the demo
/// data's clusters have none stored, and nothing is made up for them (docs/openapi.md).
fn cluster_json(c: &Cluster, now: time::OffsetDateTime) -> Value {
    // A subscription's term ends at ExpireTime, and it is Expired from then (what the service does to
    // such a cluster is not modelled). A cluster of no subscription has no term: an empty ExpireTime, as
    // PolarDB answers for pay-as-you-go.
    let ends = c.subscription_ends_at();
    let expire_time = ends.and_then(crate::domain::utc_seconds).map(|t| iso(&t)).unwrap_or_default();
    let expired = ends.is_some_and(|ends| now >= ends);
    let mut cluster = json!({
        "DBClusterId": c.cluster_id,
        "DBClusterDescription": c.cluster_name,
        "DBClusterStatus": c.status,
        "DBType": c.db_type,
        "DBVersion": c.db_version,
        "Engine": "POLARDB",
        "Category": category(c.edition),
        "RegionId": c.region_id,
        "CreateTime": iso(&c.created_at),
        "CreationTime": iso(&c.created_at),
        "HotStandbyCluster": if c.ha_mode == HaMode::ThreeZoneHotStandby { "ON" } else { "OFF" },
        "TDEStatus": if c.tde_enabled { "Enabled" } else { "Disabled" },
        "StorageEncryption": c.disk_encryption_enabled,
        // polarshare has no deletion protection and no cluster locks: every cluster is unlocked.
        "DeletionLock": 0,
        "LockMode": "Unlock",
        "ExpireTime": expire_time,
        "Expired": expired.to_string(),
    });
    if let Some(map) = cluster.as_object_mut() {
        for (key, value) in [("PayType", &c.pay_type), ("ZoneId", &c.zone_id), ("DBNodeClass", &c.node_spec)] {
            if let Some(value) = value {
                map.insert(key.into(), json!(value));
            }
        }
    }
    cluster
}

/// PolarDB's word for a cluster's edition: `Normal` (Cluster Edition), `Basic` (Single Node) and, for
/// the Multi-master Cluster (Limitless) Edition, `NormalMultimaster`, as the service answers them.
fn category(edition: Edition) -> &'static str {
    match edition {
        Edition::Cluster => "Normal",
        Edition::SingleNode => "Basic",
        Edition::Limitless => "NormalMultimaster",
    }
}

/// `PageNumber` (1-based) and `PageSize` (30, 50 or 100; 30 when absent), as PolarDB pages.
fn page(call: &Call) -> Result<(i64, i64), ApiError> {
    let number = call.params.int("PageNumber", 1..=100_000)?.unwrap_or(1);
    let size = match call.params.int("PageSize", 1..=100)? {
        None => 30,
        Some(n @ (30 | 50 | 100)) => n,
        Some(_) => return Err(ApiError::invalid("PageSize")),
    };
    Ok((number, size))
}

async fn describe_clusters(call: &Call) -> Result<Value, ApiError> {
    let region = call.params.req("RegionId")?.to_owned();
    let (number, size) = page(call)?;
    let wanted: Vec<&str> =
        call.params.opt("DBClusterIds").map(|ids| ids.split(',').map(str::trim).collect()).unwrap_or_default();
    let list = console::list_clusters(&call.state, &call.who, Some(region)).await?;
    let now = call.state.clock.now();
    let all: Vec<Value> = list
        .clusters
        .iter()
        .filter(|c| wanted.is_empty() || wanted.contains(&c.cluster_id.as_str()))
        .map(|c| cluster_json(c, now))
        .collect();
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(((number - 1) * size) as usize).take(size as usize).collect();
    Ok(json!({
        "PageNumber": number, "PageRecordCount": items.len(), "TotalRecordCount": total,
        "Items": { "DBCluster": items },
    }))
}

async fn describe_cluster(call: &Call) -> Result<Value, ApiError> {
    let id = call.params.req("DBClusterId")?;
    let cluster = console::cluster(&call.state, &call.who, id).await?;
    let level_1_size = console::backup_size(&call.state, &call.who, id, BackupLevel::Level1).await?;
    let mut body = cluster_json(&cluster, call.state.clock.now());
    let Some(map) = body.as_object_mut() else { return Ok(body) };
    map.insert("DBNodes".into(), json!([]));
    map.insert("DataLevel1BackupChainSize".into(), json!(level_1_size));
    if let Some(zone) = &cluster.zone_id {
        map.insert("ZoneIds".into(), json!(zone));
    }
    // A cluster a restore made says what it was restored from: the backup set, its cluster and region
    // (which never change), and whether the set was a level-1 (RestoreByBackupSet) or a level-2 one
    // (…Oss) when the restore started, as the cluster recorded it. The set's level now is the owner's
    // business: a principal whose access has ended must not watch it through its own cluster.
    if let Some(set_id) = &cluster.source_backup_set_id {
        let set = db::clusters::backup_set(&call.state.pool, set_id)
            .await
            .map_err(|e| ApiError::from(crate::server::internal(e)))?;
        if let Some(set) = set {
            let restore_type = if cluster.source_backup_level == Some(BackupLevel::Level2) {
                "RestoreByBackupSetOss"
            } else {
                "RestoreByBackupSet"
            };
            map.insert("RestoreType".into(), json!(restore_type));
            map.insert("RestoreDataPoint".into(), json!(set.backup_set_id));
            map.insert("SourceDBCluster".into(), json!(set.cluster_id));
            map.insert("SourceRegionId".into(), json!(set.region_id));
        }
    }
    Ok(body)
}

/// DescribeBackups' StartTime and EndTime (both required, as in the real API): the sets started in that
/// time range, both ends included.
fn started_within(call: &Call) -> Result<db::clusters::StartedWithin, ApiError> {
    let from = api_minute(call, "StartTime")?;
    let to = api_minute(call, "EndTime")?;
    if to <= from {
        return Err(ApiError::new(
            400,
            "InvalidParameter.EndTime",
            "The parameter EndTime must be later than StartTime.",
        ));
    }
    Ok(db::clusters::StartedWithin { from: Some(db::ts(from)), to: Some(db::ts(to)) })
}

/// A required time parameter in the real API's format, a UTC minute: `YYYY-MM-DDThh:mmZ`.
fn api_minute(call: &Call, name: &str) -> Result<time::OffsetDateTime, ApiError> {
    parse_api_minute(call.params.req(name)?).ok_or_else(|| {
        ApiError::new(
            400,
            &format!("InvalidParameter.{name}"),
            format!("The parameter {name} must be a UTC time written YYYY-MM-DDThh:mmZ, such as 2026-11-25T07:30Z."),
        )
    })
}

fn parse_api_minute(s: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]Z");
    time::PrimitiveDateTime::parse(s, &format).ok().map(time::PrimitiveDateTime::assume_utc)
}

fn backup_json(b: &BackupSet, cluster: &str) -> Value {
    json!({
        "BackupId": b.backup_set_id,
        "DBClusterId": cluster,
        "BackupStatus": b.status,
        "BackupMethod": b.method,
        "BackupType": "FullBackup",
        "BackupMode": b.backup_mode,
        "BackupSetSize": b.size_bytes.to_string(),
        "BackupStartTime": iso(&b.start_time),
        "BackupEndTime": iso(&b.end_time),
        "ConsistentTime": consistent_time(&b.end_time),
        "BackupsLevel": b.level,
        "ExpectExpireTime": iso(&b.expires_at),
        "ExpectExpireType": "EXPIRED",
        "IsAvail": if b.status == BackupStatus::Success { "1" } else { "0" },
        "Comment": "",
    })
}

fn consistent_time(stored: &str) -> String {
    time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp().to_string())
        .unwrap_or_default()
}

async fn describe_backups(call: &Call) -> Result<Value, ApiError> {
    let id = call.params.req("DBClusterId")?;
    let started = started_within(call)?;
    let (number, size) = page(call)?;
    let level_2_size = console::backup_size(&call.state, &call.who, id, BackupLevel::Level2).await?;
    // A BackupId is looked up on its own: the tab's pages are kept in memory by cluster and page, and
    // filtering one of them answered a set on any other page as not there.
    let (items, total, number) = match call.params.opt("BackupId") {
        Some(backup_id) => {
            let found = console::cluster_backup(&call.state, &call.who, id, backup_id, &started).await?;
            let items: Vec<Value> = found.iter().map(|b| backup_json(b, id)).collect();
            let total = items.len() as i64;
            (items, total, 1)
        }
        None => {
            let page = console::cluster_backups(&call.state, &call.who, id, &started, number, size).await?;
            (page.items.iter().map(|b| backup_json(b, id)).collect(), page.total, page.page)
        }
    };
    Ok(json!({
        "PageNumber": number.to_string(), "PageRecordCount": items.len().to_string(), "TotalRecordCount": total.to_string(),
        "TotalLevel2BackupSize": level_2_size.to_string(),
        "Items": { "Backup": items },
    }))
}

/// A backup set in DescribeSharedBackups, from either side: the set's own fields and its cluster's.
struct SharedBackup<'a> {
    backup_set_id: &'a str,
    cluster_id: &'a str,
    region_id: &'a str,
    status: BackupStatus,
    method: &'a str,
    backup_mode: &'a str,
    level: BackupLevel,
    size_bytes: i64,
    start_time: &'a str,
    end_time: &'a str,
    db_type: &'a str,
    db_version: &'a str,
    /// The cluster's billing method, stored only for a cluster a restore made.
    pay_type: Option<&'a str>,
    share_type: &'static str,
    sharer: &'a str,
}

impl SharedBackup<'_> {
    fn json(&self) -> Value {
        let mut backup = json!({
            "BackupId": self.backup_set_id,
            "DBClusterId": self.cluster_id,
            "RegionId": self.region_id,
            "BackupStatus": if self.status == BackupStatus::Success { "Success" } else { "Failed" },
            "BackupMethod": self.method,
            "BackupType": "FullBackup",
            "BackupMode": self.backup_mode,
            "BackupsLevel": self.level,
            "BackupSetSize": self.size_bytes.to_string(),
            "BackupStartTime": iso(self.start_time),
            "BackupEndTime": iso(self.end_time),
            "ConsistentTime": consistent_time(self.end_time),
            "DBType": self.db_type,
            "DBVersion": self.db_version,
            "ServerlessType": "",
            "ShareType": self.share_type,
            "SharerUID": self.sharer,
        });
        if let (Some(map), Some(pay_type)) = (backup.as_object_mut(), self.pay_type) {
            map.insert("PayType".into(), json!(pay_type));
        }
        backup
    }
}

fn incoming_json(b: &IncomingBackup) -> Value {
    SharedBackup {
        backup_set_id: &b.backup_set_id,
        cluster_id: &b.source_cluster_id,
        region_id: &b.region_id,
        status: b.status,
        method: &b.method,
        backup_mode: &b.backup_mode,
        level: b.level,
        size_bytes: b.size_bytes,
        start_time: &b.start_time,
        end_time: &b.end_time,
        db_type: &b.db_type,
        db_version: &b.db_version,
        pay_type: b.pay_type.as_deref(),
        share_type: "ShareIncoming",
        sharer: &b.owner_account_id,
    }
    .json()
}

fn outgoing_json(r: &crate::server::db::api_lists::OutgoingRow, owner: &str) -> Value {
    SharedBackup {
        backup_set_id: &r.backup_set_id,
        cluster_id: &r.cluster_id,
        region_id: &r.region_id,
        status: r.status,
        method: &r.method,
        backup_mode: &r.backup_mode,
        level: r.level,
        size_bytes: r.size_bytes,
        start_time: &r.start_time,
        end_time: &r.end_time,
        db_type: &r.db_type,
        db_version: &r.db_version,
        pay_type: r.pay_type.as_deref(),
        share_type: "ShareOutgoing",
        sharer: owner,
    }
    .json()
}

async fn describe_shared_backups(call: &Call) -> Result<Value, ApiError> {
    let (number, size) = page(call)?;
    let backup_id = call.params.opt("BackupId");
    // The cluster the sets are backups of: the owner's (ShareIncoming) or the caller's own (ShareOutgoing).
    let cluster = call.params.opt("DBClusterId");
    let (items, total): (Vec<Value>, i64) = match call.params.req("ShareType")? {
        "ShareIncoming" => {
            let request = PageRequest::parse(Some(number), Some(size)).map_err(AppError::from)?;
            let only: Vec<String> = backup_id.map(str::to_owned).into_iter().collect();
            let filter = principal::IncomingFilter { backup_sets: &only, cluster, ..Default::default() };
            let list = principal::shared_with_me(
                &call.state,
                &call.who,
                call.params.opt("RegionId").map(str::to_owned),
                filter,
                request,
            )
            .await?;
            (list.backups.iter().map(incoming_json).collect(), list.total)
        }
        "ShareOutgoing" => {
            // The owner's side of My Shares: what the Shared Backups page may show.
            call.who.actor.may_view_polardb().map_err(AppError::from)?;
            let request = PageRequest::parse(Some(number), Some(size)).map_err(AppError::from)?;
            let me = call.who.account_id().as_str();
            let (rows, total) = crate::server::db::paging::load_page(request, |limit, offset| {
                crate::server::db::api_lists::outgoing_backups(&call.state.pool, me, backup_id, cluster, limit, offset)
            })
            .await
            .map_err(|e| ApiError::from(crate::server::internal(e)))?;
            let items = rows.iter().map(|r| outgoing_json(r, me)).collect();
            (items, total)
        }
        _ => return Err(ApiError::invalid("ShareType")),
    };
    let items: Vec<Value> = items.into_iter().filter(|b| backup_id.is_none_or(|w| b["BackupId"] == w)).collect();
    Ok(json!({
        "PageNumber": number.to_string(), "PageRecordCount": items.len().to_string(), "TotalRecordCount": total.to_string(),
        "Items": items,
    }))
}

async fn delete_backup(call: &Call) -> Result<Value, ApiError> {
    let cluster = call.params.req("DBClusterId")?.to_owned();
    let ids = call.params.req("BackupId")?.to_owned();
    if ids.contains(',') {
        return Err(ApiError::new(
            400,
            "InvalidParameter.BackupId",
            "polarshare deletes one backup set per call (each is its own transaction).",
        ));
    }
    let event = call.event("DeleteBackupSet", &ids);
    call.audited(&event, owner::delete_backup_set(&call.state, &call.who, &ids, Some(&cluster), &event)).await?;
    Ok(json!({}))
}

/// A restore of a shared backup set into a new cluster of the caller's own account.
async fn create_cluster(call: &Call) -> Result<Value, ApiError> {
    let option = call.params.opt("CreationOption").unwrap_or("Normal");
    if option != "CloneFromPolarDB" {
        return Err(ApiError::new(
            400,
            "InvalidParameter.CreationOption",
            "polarshare creates clusters only by restoring a shared backup set: CreationOption=CloneFromPolarDB with CloneDataPoint set to the backup set id.",
        ));
    }
    call.params.req("RegionId")?;
    // A remembered answer goes only to an identity that may restore (the token is the account's): any
    // other was refused, and audited, by `dispatch` before this.
    let Some(token) = call.params.opt("ClientToken").map(str::to_owned) else { return restore(call, None).await };
    if token.len() > 64 || !token.is_ascii() {
        return Err(ApiError::invalid("ClientToken"));
    }
    // Calls with a token take turns, so a retry racing its original can't start a second restore
    // between the lookup and the remembering (one process writes the database).
    static TOKENS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = TOKENS.lock().await;
    let account = call.who.account_id().to_string();
    let internal = |e: sqlx::Error| ApiError::from(crate::server::internal(e));
    let request = restore_request_text(call);
    if let Some((answer, asked)) =
        access_keys::client_token_answer(&call.state.pool, &account, "CreateDBCluster", &token)
            .await
            .map_err(internal)?
    {
        // The token names the restore it made: the same token with other parameters asks for another
        // restore, which it is not the answer to (and which is not started either).
        if asked.is_some_and(|asked| asked != request) {
            let event = call.event("RestoreToNewCluster", call.params.opt("CloneDataPoint").unwrap_or("-"));
            let mismatch = AppError::invalid(
                "IdempotentParameterMismatch",
                "This ClientToken was used by an earlier CreateDBCluster with other parameters. Use a new ClientToken for another restore.",
            );
            return call.audited(&event, async { Err::<Value, _>(mismatch) }).await;
        }
        return serde_json::from_str(&answer).map_err(|e| ApiError::from(crate::server::internal(e)));
    }
    // Remembered in the restore's own transaction: a restore is never committed without its token.
    restore(call, Some(principal::RestoreToken { token: &token, request: &request, answer: restore_answer_text })).await
}

/// The parameters that say which restore a CreateDBCluster asks for, as one text (a JSON object of
/// those given, keys in order): what a ClientToken is remembered with. The signature's own parameters
/// (timestamp, nonce, key) differ on every retry and are not among them.
fn restore_request_text(call: &Call) -> String {
    const RESTORE_PARAMETERS: [&str; 13] = [
        "CloneDataPoint",
        "CreationOption",
        "DBClusterDescription",
        "DBNodeClass",
        "DBType",
        "DBVersion",
        "PayType",
        "Period",
        "RegionId",
        "SourceResourceId",
        "SourceUid",
        "UsedTime",
        "ZoneId",
    ];
    let given: serde_json::Map<String, Value> = RESTORE_PARAMETERS
        .iter()
        .filter_map(|name| call.params.opt(name).map(|v| ((*name).to_owned(), Value::from(v))))
        .collect();
    Value::Object(given).to_string()
}

/// CreateDBCluster's answer for a restore started.
fn restore_answer(job: &RestoreJob) -> Value {
    // No ResourceGroupId: polarshare has no resource groups, and a made-up one would name none (docs/openapi.md).
    json!({ "DBClusterId": job.cluster_id, "OrderId": job.restore_job_id })
}

fn restore_answer_text(job: &RestoreJob) -> String {
    restore_answer(job).to_string()
}

async fn restore(call: &Call, token: Option<principal::RestoreToken<'_>>) -> Result<Value, ApiError> {
    let backup = call.params.req("CloneDataPoint")?.to_owned();
    // The cluster and owner named must be the set's own: checked in the restore's transaction.
    // So must the engine asked for (DBType, DBVersion): a clone has its source's.
    let named = NamedSource {
        cluster_id: call.params.req("SourceResourceId")?.to_owned(),
        owner_account_id: call.params.opt("SourceUid").map(str::to_owned),
        db_type: call.params.opt("DBType").map(str::to_owned),
        db_version: call.params.opt("DBVersion").map(str::to_owned),
    };
    // ZoneId and DBNodeClass are optional, as in the API reference: the service places the cluster in
    // RegionId (a zone named must be of it, else the call would restore elsewhere than it asked) and
    // gives it the defaults the console's Restore dialog preselects (`domain::restore_placement`).
    let request = RestoreRequest {
        backup_set_id: backup.clone(),
        cluster_name: call
            .params
            .opt("DBClusterDescription")
            .map(str::to_owned)
            .unwrap_or_else(|| format!("restored-{backup}")),
        node_spec: call.params.opt("DBNodeClass").map(str::to_owned),
        zone_id: call.params.opt("ZoneId").map(str::to_owned),
        region_id: Some(call.params.req("RegionId")?.to_owned()),
        pay_type: call.params.req("PayType")?.to_owned(),
        period: call.params.opt("Period").map(str::to_owned),
        used_time: call.params.opt("UsedTime").map(str::to_owned),
    };
    let event = call.event("RestoreToNewCluster", &backup);
    let job =
        call.audited(&event, principal::restore(&call.state, &call.who, request, Some(&named), &event, token)).await?;
    Ok(restore_answer(&job))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_edition_has_the_category_polardb_answers_for_it() {
        let categories = [Edition::Cluster, Edition::SingleNode, Edition::Limitless].map(category);
        assert_eq!(categories, ["Normal", "Basic", "NormalMultimaster"]);
    }
}
