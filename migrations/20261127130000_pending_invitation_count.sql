-- The pending-invitation cap (stop 13) counted the owner's pending invitations inside the write lock of
-- every share: a scan that grows with them (~8,000 in the benchmark). This table keeps how many of an
-- owner's invitations are `Pending`, and triggers keep it right whichever statement changes invitations.
-- A pending invitation past its expiry still counts here until the schedule marks it `Expired`; the
-- query subtracts those few (an index range), so the count stays exact.
create table pending_invitation_count (
    sender_account_id text primary key references account (account_id),
    pending           integer not null check (pending >= 0)
) without rowid;

insert into pending_invitation_count (sender_account_id, pending)
select sender_account_id, count(*) from invitation where status = 'Pending' group by sender_account_id;

create trigger pending_invitation_count_on_insert after insert on invitation
when new.status = 'Pending'
begin
    insert into pending_invitation_count (sender_account_id, pending) values (new.sender_account_id, 1)
    on conflict (sender_account_id) do update set pending = pending + 1;
end;

create trigger pending_invitation_count_on_answer after update of status on invitation
when old.status = 'Pending' and new.status <> 'Pending'
begin
    update pending_invitation_count set pending = pending - 1 where sender_account_id = old.sender_account_id;
end;

create trigger pending_invitation_count_on_reopen after update of status on invitation
when old.status <> 'Pending' and new.status = 'Pending'
begin
    insert into pending_invitation_count (sender_account_id, pending) values (new.sender_account_id, 1)
    on conflict (sender_account_id) do update set pending = pending + 1;
end;

create trigger pending_invitation_count_on_delete after delete on invitation
when old.status = 'Pending'
begin
    update pending_invitation_count set pending = pending - 1 where sender_account_id = old.sender_account_id;
end;
