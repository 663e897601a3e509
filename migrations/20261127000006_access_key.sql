-- AccessKey pairs: how scripts and the official SDKs sign OpenAPI calls as an identity (a root or a
-- RAM user), with exactly that identity's policies.
--
-- The secret is kept as it was issued, not hashed: both signature algorithms (ACS3-HMAC-SHA256 and
-- HMAC-SHA1) are HMACs keyed by the secret itself, so the server must hold it to recompute a signature.
-- It is shown to its creator once and never sent back again; protect the database file as you would a
-- key store. At most two pairs per identity (decided in `domain::access_key`, as the real console).
create table access_key (
    access_key_id   text primary key,
    identity_id     integer not null references identity (identity_id) on delete cascade,
    secret          text not null,
    status          text not null check (status in ('Active', 'Inactive')),
    created_at      text not null,
    last_used_at    text
);
create index access_key_identity on access_key (identity_id);

-- A signature nonce seen in the last 30 minutes is a replay: a call may be signed up to 15 minutes
-- ahead of the server's clock and is accepted until 15 minutes after its timestamp, so twice the skew
-- covers every replay the timestamp check lets through. Older rows are swept when a new one is written.
create table api_nonce (
    access_key_id   text not null,
    nonce           text not null,
    seen_at         text not null,
    primary key (access_key_id, nonce)
);
create index api_nonce_seen on api_nonce (seen_at);

-- Which door an audited action came through: 'console' (a signed-in browser) or 'api:<AccessKeyId>'
-- (a signed OpenAPI call). Older events were all the console's.
alter table audit_event add column channel text not null default 'console';

-- A ClientToken an account sent with a call that creates something (CreateDBCluster), and what the call
-- answered: the same token again answers the same, without creating a second one.
create table api_client_token (
    account_id      text not null references account (account_id),
    action          text not null,
    client_token    text not null,
    answer          text not null,
    created_at      text not null,
    primary key (account_id, action, client_token)
);
