-- The place-side mirror of late_principal: an account that arrives at a place a share names (it joins
-- the directory, or is moved into a folder) while that share is already revoking something through
-- that place (the directory or folder principal being removed, or the share being deleted, or one of
-- its backup sets being taken out) never held what is on its way out, so its grant through that place
-- must leave it out, or it would be shown, for the rest of the window, sets never shared with it.
-- Written by the membership change (`services::directory`, which knows what the account held before),
-- for the shares the account did not already hold by its place; ended by triggers, so every way of
-- associating again or ending a revocation keeps it right.
create table late_arrival (
    resource_share_id   text not null,
    principal_id        text not null,
    backup_set_id       text not null,
    account_id          text not null,
    primary key (resource_share_id, principal_id, backup_set_id, account_id)
) without rowid;

-- The place's principal associated again: it shares with everyone there every set still in the share.
create trigger late_arrival_principal_back after update of status on share_principal when new.status = 'Associated' begin
    delete from late_arrival where resource_share_id = new.resource_share_id and principal_id = new.principal_id
        and backup_set_id in (select backup_set_id from share_resource
                              where resource_share_id = new.resource_share_id and status = 'Associated');
end;

-- A set associated again is shared with everyone its associated principals reach.
create trigger late_arrival_set_back after update of status on share_resource when new.status = 'Associated' begin
    delete from late_arrival where resource_share_id = new.resource_share_id and backup_set_id = new.backup_set_id
        and principal_id in (select principal_id from share_principal
                             where resource_share_id = new.resource_share_id and status = 'Associated');
end;

create trigger late_arrival_principal_gone after delete on share_principal begin
    delete from late_arrival where resource_share_id = old.resource_share_id and principal_id = old.principal_id;
end;

create trigger late_arrival_set_gone after delete on share_resource begin
    delete from late_arrival where resource_share_id = old.resource_share_id and backup_set_id = old.backup_set_id;
end;
