-- The share's facts (db::shares::CONTEXT_SQL) walk every share holding a backup set three times a share
-- (the other shares' principals, what is being revoked, the pending invitations), reading of each
-- `share_resource` row only its share, status and revocation time. With those in the index the walk
-- reads no table row: the read of a set in 19 shares fell from 1.43 to 1.29 million instructions
-- (callgrind, docs/performance.md stop 28). Every query that used the index by `backup_set_id` still can.
drop index share_resource_backup;
create index share_resource_backup on share_resource (backup_set_id, status, resource_share_id, revoke_at);
