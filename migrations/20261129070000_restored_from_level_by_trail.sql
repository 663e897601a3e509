-- The restored-from-level migration (20261129030000) gave each cluster restored before it the level its
-- source set had when that migration ran, "the best record there is". It is not: a conversion to
-- level-2 is in the owner's audit trail (ConvertBackupLevel, committed with the conversion), and a set
-- is level-1 until its conversion, which starts no earlier than the trail's event and never while a
-- restore from the set runs. So a cluster whose set's conversion started after the cluster was created
-- was restored from a level-1 set, and says so again (DescribeDBClusterAttribute's RestoreType
-- RestoreByBackupSet, not ...Oss). A cluster restored since that migration recorded the level itself,
-- and for it this finds exactly what it recorded. Conversions from before the trail existed are not
-- known, and those clusters keep what they have.
update cluster set source_backup_level = 'Level-1'
where source_backup_level = 'Level-2'
  and exists (select 1 from backup_set b join audit_event e on e.account_id = b.account_id
              where b.backup_set_id = cluster.source_backup_set_id
                and e.occurred_at > cluster.created_at and e.action = 'ConvertBackupLevel' and e.outcome = 'Success'
                and trim(e.target) = b.backup_set_id);
