-- The level of the backup set a restore created a cluster from, as it was when the restore started
-- (DescribeDBClusterAttribute's RestoreType). It is a fact of the cluster's creation, kept with the
-- cluster: read from the set instead, it followed the owner's later level conversion, and showed a
-- principal whose access had ended what the owner did to the set after.
alter table cluster add column source_backup_level text check (source_backup_level in ('Level-1', 'Level-2'));

-- Clusters restored before this column existed: the set's level now is the best record there is.
update cluster set source_backup_level = (select level from backup_set b where b.backup_set_id = cluster.source_backup_set_id)
where source_backup_set_id is not null;
