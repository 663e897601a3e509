-- Tickets: how an account asks the platform for the shared-backup beta or a higher sharing quota.
create table ticket (
    ticket_id       text primary key,
    account_id      text not null references account (account_id),
    kind            text not null check (kind in ('EnableSharedBackup', 'QuotaIncrease')),
    status          text not null check (status in ('Open', 'Approved', 'Rejected')),
    message         text not null,
    created_at      text not null,
    decided_at      text,
    decided_by      text
);
create index ticket_status on ticket (status, created_at);
create index ticket_account on ticket (account_id, created_at);

-- The audit trail: every action that changes sharing state, and every refused attempt, with who, from
-- where and what came of it. Append-only: the triggers below refuse any change or deletion, so not even
-- a bug in the console can rewrite history.
create table audit_event (
    audit_event_id  integer primary key,
    occurred_at     text not null,
    account_id      text,
    identity        text not null,
    source_ip       text not null,
    request_id      text not null,
    action          text not null,
    target          text not null,
    outcome         text not null,
    detail          text not null default ''
);
create index audit_event_account on audit_event (account_id, occurred_at);

create trigger audit_event_append_only_update before update on audit_event
begin
    select raise(abort, 'audit events cannot be changed');
end;

create trigger audit_event_append_only_delete before delete on audit_event
begin
    select raise(abort, 'audit events cannot be deleted');
end;
