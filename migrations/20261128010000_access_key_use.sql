-- An AccessKey pair's last use, in a table of its own. Every signed call writes it, while the pair's
-- own row (secret, status, identity) is kept in memory by the server until a commit changes its table
-- (`db::read_model::SigningKeys`): written there, the last use would end that at every call.
create table access_key_use (
    access_key_id   text primary key,
    last_used_at    text not null
);
insert into access_key_use (access_key_id, last_used_at)
    select access_key_id, last_used_at from access_key where last_used_at is not null;
alter table access_key drop column last_used_at;

-- Not a foreign key: a call verified just before its pair was deleted may still record its use, which
-- must not fail the call. The row goes with its pair.
create trigger access_key_use_of_deleted_key after delete on access_key
begin
    delete from access_key_use where access_key_id = old.access_key_id;
end;
