//! A share's own settings (its name), apart from what it shares and with whom.

use super::Tx;

/// Whether another live share of the owner has the name (the unique index's rule, asked first so the
/// refusal has its own code).
pub async fn name_taken(tx: &mut Tx, owner: &str, name: &str, except_share: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists(select 1 from resource_share where owner_account_id = ? and resource_share_name = ? and status <> 'Deleted'
                       and resource_share_id <> ?)",
    )
    .bind(owner)
    .bind(name)
    .bind(except_share)
    .fetch_one(&mut **tx)
    .await
}

pub async fn rename(tx: &mut Tx, share_id: &str, name: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("update resource_share set resource_share_name = ?, updated_at = ? where resource_share_id = ?")
        .bind(name)
        .bind(now)
        .bind(share_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
