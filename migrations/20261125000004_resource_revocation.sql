-- A backup set leaves its shares the same way a principal does: through the scheduled revocation.
-- Deleting the set, releasing its cluster or the set expiring marks its share_resource rows
-- 'Disassociating' with the time the scheduler removes them; until then principals see it, marked.
alter table share_resource add column status text not null default 'Associated'
    check (status in ('Associated', 'Disassociating'));
alter table share_resource add column revoke_at text;

-- A level-1 to level-2 conversion holds the set's lock until this time.
alter table backup_set add column conversion_due_at text;
