-- What is on its way out counts toward the limits until its revocation ends (docs/console.md, "What
-- counts toward the limits"): a set in a share being deleted still gives the share's principals access
-- until their revocation, as a set taken out of a share does, so it keeps counting toward the owner's
-- quota until the share is Deleted, not from the moment its deletion starts. shared_backup_set (and the
-- count kept from it) now holds the sets of every share not yet deleted: the triggers that followed
-- `Active` follow `Deleted` instead.
drop trigger shared_backup_set_on_resource_added;
drop trigger shared_backup_set_on_resource_removed;
drop trigger shared_backup_set_on_share_ended;
drop trigger shared_backup_set_on_share_resumed;

create trigger shared_backup_set_on_resource_added after insert on share_resource
when (select status from resource_share where resource_share_id = new.resource_share_id) <> 'Deleted'
begin
    insert into shared_backup_set (backup_set_id, owner_account_id, shares)
    select new.backup_set_id, owner_account_id, 1 from resource_share where resource_share_id = new.resource_share_id
    on conflict (backup_set_id) do update set shares = shares + 1;
end;

-- A set's revocation, run by the schedule, deletes its row: in a share being deleted too.
create trigger shared_backup_set_on_resource_removed after delete on share_resource
when (select status from resource_share where resource_share_id = old.resource_share_id) <> 'Deleted'
begin
    delete from shared_backup_set where backup_set_id = old.backup_set_id and shares = 1;
    update shared_backup_set set shares = shares - 1 where backup_set_id = old.backup_set_id;
end;

create trigger shared_backup_set_on_share_ended after update of status on resource_share
when old.status <> 'Deleted' and new.status = 'Deleted'
begin
    delete from shared_backup_set where shares = 1
        and backup_set_id in (select backup_set_id from share_resource where resource_share_id = new.resource_share_id);
    update shared_backup_set set shares = shares - 1
        where backup_set_id in (select backup_set_id from share_resource where resource_share_id = new.resource_share_id);
end;

create trigger shared_backup_set_on_share_resumed after update of status on resource_share
when old.status = 'Deleted' and new.status <> 'Deleted'
begin
    insert into shared_backup_set (backup_set_id, owner_account_id, shares)
    select backup_set_id, new.owner_account_id, 1 from share_resource where resource_share_id = new.resource_share_id
    on conflict (backup_set_id) do update set shares = shares + 1;
end;

-- Made again from the shares as they are (its count triggers keep shared_backup_set_count right).
delete from shared_backup_set;
insert into shared_backup_set (backup_set_id, owner_account_id, shares)
select sr.backup_set_id, rs.owner_account_id, count(*)
from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id
where rs.status <> 'Deleted'
group by sr.backup_set_id, rs.owner_account_id;

-- The sets being taken out of shares, for the owner at its quota (which of its sets only leaving holds
-- still count): found from these, the few whose revocation has not run (the schedule deletes each at its
-- time), not from the owner's every shared set.
create index share_resource_leaving on share_resource (resource_share_id) where status = 'Disassociating';

-- The principals being revoked from a share, for the 64-account limit of every share request that
-- touches its sets: read through this index, only they are read, not the share's every principal again
-- (the associated ones are read for the limit already).
create index share_principal_leaving on share_principal (resource_share_id) where status = 'Disassociating';
