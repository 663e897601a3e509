-- The request token of each New AccessKey form that made a pair, for an hour: the same form submitted
-- twice (a double click) makes one pair, and the secret is sent once. Kept apart from the pair, so that
-- a repeat is still known after the pair is deleted. Rows older than the hour are dropped by the next
-- creation for the same identity.
create table access_key_request (
    identity_id     integer not null references identity (identity_id) on delete cascade,
    request_token   text not null,
    access_key_id   text not null,
    created_at      text not null,
    primary key (identity_id, request_token)
);
