-- The quota count and the My Shares tab read an owner's live shares; without this they scan every share.
create index resource_share_owner_status on resource_share (owner_account_id, status);
