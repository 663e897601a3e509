-- A member moved out of a targeted folder (or out of the directory) loses what that folder gave it
-- through the same scheduled revocation as a removed principal: until `revoke_at` it still sees the
-- shared sets, marked, and cannot restore from them.
create table membership_revocation (
    account_id          text not null references account (account_id),
    resource_share_id   text not null references resource_share (resource_share_id),
    revoke_at           text not null,
    primary key (account_id, resource_share_id)
);
create index membership_revocation_due on membership_revocation (revoke_at);
