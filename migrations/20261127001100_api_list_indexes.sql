-- The OpenAPI's lists page by position in the list's own order (keyset paging, newest first): these
-- indexes hand an account's rows over in that order, so a page reads its own rows and not the
-- account's whole list (ListResourceShares with 6,000 shares stored read them all per call).
create index resource_share_owner_created on resource_share (owner_account_id, created_at desc, resource_share_id desc);
create index invitation_receiver_created on invitation (receiver_account_id, created_at desc, invitation_id desc);
