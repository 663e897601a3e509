-- A backup set added to a share while one of its principals is being revoked (or while an account's
-- revocation after moving out of a targeted folder runs) was never shared with that principal: its
-- grant must leave the set out, or the principal would be shown, for the rest of the window, sets it
-- never held. Kept by triggers, so every way of adding a set or ending a revocation keeps it right.
-- `via` says which revocation it belongs to: a share principal's ('principal', principal_id the
-- principal's id) or an account's moved-out revocation ('moved_out', principal_id the account).
create table late_resource (
    resource_share_id   text not null,
    principal_id        text not null,
    via                 text not null check (via in ('principal', 'moved_out')),
    backup_set_id       text not null,
    primary key (resource_share_id, principal_id, via, backup_set_id)
);

create index membership_revocation_share on membership_revocation (resource_share_id);

create trigger late_resource_added after insert on share_resource begin
    insert or ignore into late_resource (resource_share_id, principal_id, via, backup_set_id)
    select new.resource_share_id, principal_id, 'principal', new.backup_set_id from share_principal
    where resource_share_id = new.resource_share_id and status = 'Disassociating'
    union all
    select new.resource_share_id, account_id, 'moved_out', new.backup_set_id from membership_revocation
    where resource_share_id = new.resource_share_id;
end;

-- The set leaves the share: nothing is left to hide.
create trigger late_resource_set_gone after delete on share_resource begin
    delete from late_resource where resource_share_id = old.resource_share_id and backup_set_id = old.backup_set_id;
end;

-- Associated again (added back during its revocation), the principal holds every set of the share.
create trigger late_resource_principal_back after update of status on share_principal when new.status = 'Associated' begin
    delete from late_resource where resource_share_id = new.resource_share_id and principal_id = new.principal_id and via = 'principal';
end;

create trigger late_resource_principal_gone after delete on share_principal begin
    delete from late_resource where resource_share_id = old.resource_share_id and principal_id = old.principal_id and via = 'principal';
end;

create trigger late_resource_moved_out_gone after delete on membership_revocation begin
    delete from late_resource where resource_share_id = old.resource_share_id and principal_id = old.account_id and via = 'moved_out';
end;
