-- Joining a resource directory takes the invited account's consent, as with Resource Directory's
-- handshakes: the management account invites an account, which accepts or rejects in its own console.
-- Until it accepts it is no member (no rd_member row), so no directory-scope share reaches it. An
-- invitation is valid for 14 days (the scheduler marks it Expired); the management account sees its
-- state and can cancel it while it is pending. Rows are kept after the answer, as history.
create table rd_invitation (
    rd_invitation_id    text primary key,
    directory_id        text not null references resource_directory (directory_id),
    account_id          text not null references account (account_id),
    -- Where the account is placed when it accepts.
    folder_id           text not null references rd_folder (folder_id),
    status              text not null check (status in ('Pending', 'Accepted', 'Rejected', 'Expired', 'Cancelled')),
    created_at          text not null,
    expires_at          text not null,
    updated_at          text not null
);
-- At most one pending invitation per account and directory, whatever the requests race to do (a pending
-- one past its expiry is marked Expired before a new one is written).
create unique index rd_invitation_one_pending on rd_invitation (directory_id, account_id) where status = 'Pending';
create index rd_invitation_directory on rd_invitation (directory_id, created_at);
create index rd_invitation_account on rd_invitation (account_id, created_at);
create index rd_invitation_due on rd_invitation (status, expires_at);

-- A principal removed while a restore reads one of its share's backup sets: its share_principal row is
-- 'Disassociating' with no revoke_at yet. The principal is already marked as being revoked (it can't
-- restore), the owner sees "removal pending until the restore ends", and the scheduler gives the row its
-- revoke_at (now + the revocation delay) in the transaction that ends the last running restore of the
-- share's sets. This index finds those rows for the scheduler and the restore check.
create index share_principal_queued_removal on share_principal (resource_share_id)
    where status = 'Disassociating' and revoke_at is null;
-- The restore check asks whether this principal already restores from this set.
create index restore_job_running on restore_job (backup_set_id, account_id) where status = 'Running';
