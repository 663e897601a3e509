//! Turning stored rows into the facts the domain rules decide on.

use crate::domain::{
    AccountId, BackupLevel, BackupLock, BackupSetFacts, BackupSetId, BackupStatus, ClusterFacts, ClusterStatus, Edition, HaMode,
    OwnerFacts, Site,
};
use crate::server::db::{self, accounts::AccountRow, clusters::BackupSetRow, clusters::ClusterRow};
use anyhow::{anyhow, Context};

fn stored<T>(value: Option<T>, what: &str, raw: &str) -> anyhow::Result<T> {
    value.ok_or_else(|| anyhow!("unknown stored {what} {raw:?}"))
}

pub fn owner(row: &AccountRow) -> anyhow::Result<OwnerFacts> {
    Ok(OwnerFacts {
        account_id: stored(AccountId::parse(&row.account_id), "account id", &row.account_id)?,
        site: stored(Site::parse(&row.site), "site", &row.site)?,
        beta_enabled: row.beta_enabled,
        share_quota: u32::try_from(row.share_quota).context("stored quota")?,
        directory_id: row.directory_id.clone(),
    })
}

pub fn cluster(row: &ClusterRow) -> anyhow::Result<ClusterFacts> {
    Ok(ClusterFacts {
        edition: stored(Edition::parse(&row.edition), "edition", &row.edition)?,
        ha_mode: stored(HaMode::parse(&row.ha_mode), "HA mode", &row.ha_mode)?,
        tde_enabled: row.tde_enabled,
        disk_encryption_enabled: row.disk_encryption_enabled,
        status: stored(ClusterStatus::parse(&row.status), "cluster status", &row.status)?,
    })
}

pub fn backup_set(row: &BackupSetRow) -> anyhow::Result<BackupSetFacts> {
    backup_set_from(&row.backup_set_id, &row.status, &row.expires_at, &row.lock_state, row.deleted_at.is_some())
}

/// The same facts from the stored columns of any row that carries them (an owner's or a principal's view).
pub fn backup_set_from(id: &str, status: &str, expires_at: &str, lock_state: &str, deleted: bool) -> anyhow::Result<BackupSetFacts> {
    Ok(BackupSetFacts {
        id: BackupSetId::parse(id).context("stored backup set id")?,
        status: stored(BackupStatus::parse(status), "backup status", status)?,
        expires_at: db::parse_ts(expires_at)?,
        lock: lock(lock_state)?,
        deleted,
    })
}

pub fn lock(raw: &str) -> anyhow::Result<BackupLock> {
    stored(BackupLock::parse(raw), "lock state", raw)
}

pub fn level(raw: &str) -> anyhow::Result<BackupLevel> {
    stored(BackupLevel::parse(raw), "backup level", raw)
}
