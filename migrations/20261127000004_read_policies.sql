-- Least privilege for reading: pages that show account data need a policy that grants reading it, so
-- RAM users can be given the read-only system policies of ActionTrail (audit trail), BSS (billing),
-- Support (tickets) and Quota Center (quota). SQLite can't alter a CHECK, so the table is rebuilt with
-- the wider list (nothing references it; its rows are copied as they are).
create table identity_policy_new (
    identity_id     integer not null references identity (identity_id) on delete cascade,
    policy_name     text not null check (policy_name in
                      ('AliyunPolardbFullAccess', 'AliyunPolardbReadOnlyAccess', 'AliyunResourceCenterFullAccess',
                       'AliyunActionTrailReadOnlyAccess', 'AliyunBSSReadOnlyAccess', 'AliyunSupportFullAccess',
                       'AliyunQuotasReadOnlyAccess')),
    primary key (identity_id, policy_name)
);
insert into identity_policy_new (identity_id, policy_name) select identity_id, policy_name from identity_policy;
drop table identity_policy;
alter table identity_policy_new rename to identity_policy;

-- An accepted invitation stops counting when the owner removes its principal: `access_ends_at` is when
-- the scheduled revocation takes that access away (or the removal's time, when a running restore holds
-- it). Null while the invitation is in force; a principal added again needs a new invitation.
alter table invitation add column access_ends_at text;

-- The pending-invitation cap counts an owner's pending invitations inside every share's transaction.
create index invitation_sender_status on invitation (sender_account_id, status, expires_at);

-- Accepted invitations whose principal had already been removed before this column existed: their
-- access ends with the scheduled revocation (or ended when the principal left the share).
update invitation set access_ends_at = coalesce(
        (select sp.revoke_at from share_principal sp where sp.resource_share_id = invitation.resource_share_id
           and sp.principal_id = invitation.receiver_account_id and sp.status = 'Disassociating'),
        updated_at)
where status = 'Accepted' and not exists(select 1 from share_principal sp
    where sp.resource_share_id = invitation.resource_share_id and sp.principal_id = invitation.receiver_account_id
      and sp.status = 'Associated');
