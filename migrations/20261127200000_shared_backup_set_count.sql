-- The quota check of every share counted the owner's rows of shared_backup_set inside the write lock:
-- an index scan that grows with the sets the owner shares (~40 us of a share's ~165 us facts query at
-- 1,000 shared sets, timed on a copy of the benchmark's database). This table keeps that count per
-- owner; triggers on shared_backup_set keep it right (a row there appears when a set becomes shared
-- and goes when it stops being shared: a set joining a second share updates `shares` and fires neither).
create table shared_backup_set_count (
    owner_account_id text primary key references account (account_id),
    sets             integer not null check (sets >= 0)
) without rowid;

insert into shared_backup_set_count (owner_account_id, sets)
select owner_account_id, count(*) from shared_backup_set group by owner_account_id;

create trigger shared_backup_set_count_on_insert after insert on shared_backup_set
begin
    insert into shared_backup_set_count (owner_account_id, sets) values (new.owner_account_id, 1)
    on conflict (owner_account_id) do update set sets = sets + 1;
end;

create trigger shared_backup_set_count_on_delete after delete on shared_backup_set
begin
    update shared_backup_set_count set sets = sets - 1 where owner_account_id = old.owner_account_id;
end;
