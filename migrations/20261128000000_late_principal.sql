-- The mirror of late_resource: a principal added to a share while one of its backup sets is being taken
-- out (its revocation not run yet) never held that set, so its grant must leave the set out, or it would
-- be shown, for the rest of the window, a set that was never shared with it. Kept by triggers, so every
-- way of adding a principal or ending a set's revocation keeps it right.
create table late_principal (
    resource_share_id   text not null,
    principal_id        text not null,
    backup_set_id       text not null,
    primary key (resource_share_id, principal_id, backup_set_id)
) without rowid;

-- Only a new row: a principal associated again during its own revocation held the share's sets before.
create trigger late_principal_added after insert on share_principal when new.status = 'Associated' begin
    insert or ignore into late_principal (resource_share_id, principal_id, backup_set_id)
    select new.resource_share_id, new.principal_id, backup_set_id from share_resource
    where resource_share_id = new.resource_share_id and status = 'Disassociating';
end;

-- Associated again, the set is shared with every principal of the share.
create trigger late_principal_set_back after update of status on share_resource when new.status = 'Associated' begin
    delete from late_principal where resource_share_id = new.resource_share_id and backup_set_id = new.backup_set_id;
end;

create trigger late_principal_set_gone after delete on share_resource begin
    delete from late_principal where resource_share_id = old.resource_share_id and backup_set_id = old.backup_set_id;
end;

create trigger late_principal_gone after delete on share_principal begin
    delete from late_principal where resource_share_id = old.resource_share_id and principal_id = old.principal_id;
end;
