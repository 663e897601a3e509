-- polarshare schema. Lowercase SQL, singular table names, `<table>_id` keys.
-- Times are stored as RFC 3339 UTC text ("2026-11-25T08:00:00Z"): they sort lexically in time order,
-- which the expiry and revocation queries rely on.

-- An Alibaba Cloud account: the unit that owns resources and that shares are granted to.
create table account (
    account_id      text primary key check (length(account_id) = 16 and account_id not glob '*[^0-9]*'),
    display_name    text not null,
    -- Sharing across the China site and the international site is not supported, so the site is part of the account.
    site            text not null check (site in ('aliyun.com', 'alibabacloud.com')),
    -- The feature is in beta: an account must have it enabled (by ticket) before it can share.
    beta_enabled    integer not null default 0 check (beta_enabled in (0, 1)),
    -- Resource Sharing allows 1,000 shared resources per owner; PolarDB raises it to 1,024 backup sets on request.
    share_quota     integer not null default 1000 check (share_quota between 1 and 1024),
    created_at      text not null
);

-- Whoever signs in: the account itself (root), one of its RAM users, or the platform operator.
create table identity (
    identity_id     integer primary key,
    account_id      text not null references account (account_id),
    login_name      text not null unique,
    kind            text not null check (kind in ('root', 'ram_user', 'operator')),
    -- argon2id PHC string; the plain password is never stored.
    password_hash   text not null,
    created_at      text not null
);
create index identity_account on identity (account_id);

-- System policies attached to RAM users. Root identities implicitly hold every policy.
create table identity_policy (
    identity_id     integer not null references identity (identity_id) on delete cascade,
    policy_name     text not null check (policy_name in
                      ('AliyunPolardbFullAccess', 'AliyunPolardbReadOnlyAccess', 'AliyunResourceCenterFullAccess')),
    primary key (identity_id, policy_name)
);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 digest is stored, so a
-- leaked database does not leak live sessions.
create table session (
    session_digest  text primary key,
    identity_id     integer not null references identity (identity_id) on delete cascade,
    created_at      text not null,
    expires_at      text not null
);
create index session_identity on session (identity_id);

-- Resource directory: one management account, a folder tree, member accounts.
create table resource_directory (
    directory_id            text primary key,
    management_account_id   text not null unique references account (account_id),
    root_folder_id          text not null
);

create table rd_folder (
    folder_id           text primary key,
    directory_id        text not null references resource_directory (directory_id),
    parent_folder_id    text references rd_folder (folder_id),
    folder_name         text not null
);

-- An account belongs to at most one directory (as in Resource Directory); the management account is a member too.
create table rd_member (
    account_id      text primary key references account (account_id),
    directory_id    text not null references resource_directory (directory_id),
    folder_id       text not null references rd_folder (folder_id)
);
create index rd_member_folder on rd_member (folder_id);

create table region (
    region_id       text primary key,
    region_name     text not null
);

create table cluster (
    cluster_id              text primary key,
    account_id              text not null references account (account_id),
    region_id               text not null references region (region_id),
    cluster_name            text not null,
    db_type                 text not null,
    db_version              text not null,
    edition                 text not null check (edition in ('Cluster', 'Limitless', 'SingleNode')),
    ha_mode                 text not null check (ha_mode in ('SingleZone', 'MultiZone', 'ThreeZoneHotStandby')),
    tde_enabled             integer not null check (tde_enabled in (0, 1)),
    disk_encryption_enabled integer not null check (disk_encryption_enabled in (0, 1)),
    status                  text not null check (status in ('Running', 'Creating', 'Recycled')),
    created_at              text not null
);
create index cluster_account_region on cluster (account_id, region_id);

create table backup_set (
    -- Numeric ids for local sets; cross-region copies start with 'rp-' and can never be shared.
    backup_set_id   text primary key,
    cluster_id      text not null references cluster (cluster_id),
    -- The owner and region are the cluster's; kept here because every sharing check needs them.
    account_id      text not null references account (account_id),
    region_id       text not null references region (region_id),
    start_time      text not null,
    end_time        text not null,
    status          text not null check (status in ('Success', 'Failed', 'Creating')),
    size_bytes      integer not null,
    method          text not null default 'Snapshot',
    backup_mode     text not null check (backup_mode in ('Automated', 'Manual')),
    level           text not null check (level in ('Level-1', 'Level-2')),
    expires_at      text not null,
    lock_state      text not null default 'None' check (lock_state in ('None', 'Restoring', 'ConvertingLevel')),
    deleted_at      text
);
create index backup_set_cluster on backup_set (cluster_id, start_time);

-- A resource share owned by one account. Names are unique per owner among live shares.
create table resource_share (
    resource_share_id   text primary key,
    owner_account_id    text not null references account (account_id),
    resource_share_name text not null,
    principal_scope     text not null check (principal_scope in ('AllAccounts', 'ResourceDirectory')),
    status              text not null check (status in ('Active', 'Deleting', 'Deleted')),
    created_at          text not null,
    updated_at          text not null
);
create unique index resource_share_owner_name on resource_share (owner_account_id, resource_share_name)
    where status <> 'Deleted';

-- Backup sets associated with a share.
create table share_resource (
    resource_share_id   text not null references resource_share (resource_share_id),
    backup_set_id       text not null references backup_set (backup_set_id),
    created_at          text not null,
    primary key (resource_share_id, backup_set_id)
);
create index share_resource_backup on share_resource (backup_set_id);

-- Principals (targets) associated with a share: an account UID, or in RD scope the directory, a folder or a member.
-- A removed principal is not deleted at once: revocation runs on a schedule (`revoke_at`), and until then the
-- row stays with status 'Disassociating' so the principal can see, but not restore from, the set.
create table share_principal (
    resource_share_id   text not null references resource_share (resource_share_id),
    principal_id        text not null,
    principal_type      text not null check (principal_type in ('Account', 'ResourceDirectory', 'Folder')),
    status              text not null check (status in ('Associated', 'Disassociating')),
    created_at          text not null,
    revoke_at           text,
    primary key (resource_share_id, principal_id)
);
create index share_principal_principal on share_principal (principal_id);

-- An invitation to a principal account outside the owner's resource directory; valid for 7 days.
create table invitation (
    invitation_id       text primary key,
    resource_share_id   text not null references resource_share (resource_share_id),
    sender_account_id   text not null references account (account_id),
    receiver_account_id text not null references account (account_id),
    status              text not null check (status in ('Pending', 'Accepted', 'Rejected', 'Expired', 'Cancelled')),
    created_at          text not null,
    expires_at          text not null,
    updated_at          text not null
);
create index invitation_receiver on invitation (receiver_account_id, status);
create index invitation_share on invitation (resource_share_id);
