-- ListResourceShares (ResourceOwner=OtherAccounts) lists the shares that name an account (by its id, its
-- directory or a folder above it) newest share first, paged after the last share of the page before, as
-- an owner's list is (resource_share_owner_created). An account in a big directory may be named by
-- thousands of shares: for a page to read its own rows and not all of them, the rows naming one principal
-- must come over in the share's order, so each row carries its share's creation time (which never
-- changes once the share is written). The index replaces share_principal_principal, whose every use (by
-- principal_id) its first column serves.
alter table share_principal add column share_created_at text;

update share_principal set share_created_at =
    (select rs.created_at from resource_share rs where rs.resource_share_id = share_principal.resource_share_id);

drop index share_principal_principal;
create index share_principal_recipient on share_principal (principal_id, share_created_at desc, resource_share_id desc);

-- The share's write sets it with the row (db::shares::ASSOCIATE_PRINCIPALS); a row written without it
-- (the demo data, a test's own statement) takes it from its share.
create trigger share_principal_share_created after insert on share_principal when new.share_created_at is null begin
    update share_principal set share_created_at =
        (select rs.created_at from resource_share rs where rs.resource_share_id = new.resource_share_id)
    where rowid = new.rowid;
end;
