-- The Data Backups tab pages a cluster's live sets newest first: this index hands them over in that
-- order, so a page stops after its rows instead of sorting the whole cluster (measured ~3x faster).
create index backup_set_cluster_page on backup_set (cluster_id, start_time desc, backup_set_id desc)
    where deleted_at is null;
