-- Restoring a shared backup set into a new cluster of the principal's own, and what that costs.

-- The cluster a restore created remembers where its data came from.
alter table cluster add column source_backup_set_id text references backup_set (backup_set_id);
alter table cluster add column node_spec text;
alter table cluster add column zone_id text;
alter table cluster add column pay_type text check (pay_type in ('Postpaid', 'Prepaid'));

-- A restore runs in the background. Its whole end (cluster Running, backup set unlocked, job finished) is
-- written in one transaction by the scheduler, so a restart never leaves it half done: a job that was due
-- while the server was down is finished on the next tick.
create table restore_job (
    restore_job_id      text primary key,
    backup_set_id       text not null references backup_set (backup_set_id),
    owner_account_id    text not null references account (account_id),
    account_id          text not null references account (account_id),
    cluster_id          text not null references cluster (cluster_id),
    status              text not null check (status in ('Running', 'Succeeded', 'Failed')),
    started_at          text not null,
    finishes_at         text not null,
    finished_at         text
);
create index restore_job_account on restore_job (account_id, started_at);
create index restore_job_due on restore_job (status, finishes_at);

-- Charges. Sharing itself is free; the principal pays for the cluster it restores into; the owner pays
-- only for backup storage (computed from its backup sets, not stored here).
create table charge (
    charge_id       integer primary key,
    account_id      text not null references account (account_id),
    item            text not null,
    amount_cents    integer not null check (amount_cents >= 0),
    created_at      text not null
);
create index charge_account on charge (account_id, created_at);
