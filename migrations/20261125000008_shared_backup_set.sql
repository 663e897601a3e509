-- The owner's quota counts distinct backup sets in live shares. Counting them by joining every share
-- with its resources grew with the number of shares (~2 ms at 4,000) and ran inside the write lock of
-- every new share. This table keeps that set, with how many live shares hold each backup set, and
-- triggers keep it right whichever statement changes shares or their resources.
create table shared_backup_set (
    backup_set_id    text primary key references backup_set (backup_set_id),
    owner_account_id text not null references account (account_id),
    shares           integer not null check (shares > 0)
) without rowid;

create index shared_backup_set_owner on shared_backup_set (owner_account_id);

insert into shared_backup_set (backup_set_id, owner_account_id, shares)
select sr.backup_set_id, rs.owner_account_id, count(*)
from share_resource sr join resource_share rs on rs.resource_share_id = sr.resource_share_id
where rs.status = 'Active'
group by sr.backup_set_id, rs.owner_account_id;

create trigger shared_backup_set_on_resource_added after insert on share_resource
when (select status from resource_share where resource_share_id = new.resource_share_id) = 'Active'
begin
    insert into shared_backup_set (backup_set_id, owner_account_id, shares)
    select new.backup_set_id, owner_account_id, 1 from resource_share where resource_share_id = new.resource_share_id
    on conflict (backup_set_id) do update set shares = shares + 1;
end;

create trigger shared_backup_set_on_resource_removed after delete on share_resource
when (select status from resource_share where resource_share_id = old.resource_share_id) = 'Active'
begin
    delete from shared_backup_set where backup_set_id = old.backup_set_id and shares = 1;
    update shared_backup_set set shares = shares - 1 where backup_set_id = old.backup_set_id;
end;

create trigger shared_backup_set_on_share_ended after update of status on resource_share
when old.status = 'Active' and new.status <> 'Active'
begin
    delete from shared_backup_set where shares = 1
        and backup_set_id in (select backup_set_id from share_resource where resource_share_id = new.resource_share_id);
    update shared_backup_set set shares = shares - 1
        where backup_set_id in (select backup_set_id from share_resource where resource_share_id = new.resource_share_id);
end;

create trigger shared_backup_set_on_share_resumed after update of status on resource_share
when old.status <> 'Active' and new.status = 'Active'
begin
    insert into shared_backup_set (backup_set_id, owner_account_id, shares)
    select backup_set_id, new.owner_account_id, 1 from share_resource where resource_share_id = new.resource_share_id
    on conflict (backup_set_id) do update set shares = shares + 1;
end;
