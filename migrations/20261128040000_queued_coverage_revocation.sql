-- A member that loses what a folder or the directory gave it (moved out, or out of the directory) while
-- a restore reads one of the share's sets keeps it until the restores end, as a removed principal does
-- (share_principal.revoke_at): `revoke_at` is null until then, and the scheduler sets it in the
-- transaction that ends the last restore reading the share. SQLite can't drop a NOT NULL in place: the
-- table is rebuilt, and its triggers (dropped first, so that nothing fires or refers to a missing table
-- meanwhile) and indexes made again as they were.
drop trigger late_resource_added;
drop trigger late_resource_moved_out_gone;

create table membership_revocation_new (
    account_id          text not null references account (account_id),
    resource_share_id   text not null references resource_share (resource_share_id),
    revoke_at           text,
    primary key (account_id, resource_share_id)
);
insert into membership_revocation_new (account_id, resource_share_id, revoke_at)
select account_id, resource_share_id, revoke_at from membership_revocation;
drop table membership_revocation;
alter table membership_revocation_new rename to membership_revocation;

create index membership_revocation_due on membership_revocation (revoke_at);
create index membership_revocation_share on membership_revocation (resource_share_id);

create trigger late_resource_added after insert on share_resource begin
    insert or ignore into late_resource (resource_share_id, principal_id, via, backup_set_id)
    select new.resource_share_id, principal_id, 'principal', new.backup_set_id from share_principal
    where resource_share_id = new.resource_share_id and status = 'Disassociating'
    union all
    select new.resource_share_id, account_id, 'moved_out', new.backup_set_id from membership_revocation
    where resource_share_id = new.resource_share_id;
end;

create trigger late_resource_moved_out_gone after delete on membership_revocation begin
    delete from late_resource where resource_share_id = old.resource_share_id and principal_id = old.account_id and via = 'moved_out';
end;
