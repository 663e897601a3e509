-- Browsers that have signed an identity in (their "device cookie", OWASP's defence against online
-- guessing). A sign-in that carries the cookie of a browser that signed the same identity in before is
-- counted against that browser alone, not against the name or the source address, and its password is
-- checked on a hashing lane of its own: someone failing on purpose to lock a name out, or flooding the
-- sign-in from many addresses, then can't keep the owner out of a browser the owner has used. The
-- cookie grants nothing else (the password is still checked). Only the SHA-256 digest of its random
-- token is stored. A browser's own lock (ten failures through its cookie) deletes its row.
create table known_device (
    device_digest   text primary key,
    identity_id     integer not null references identity (identity_id) on delete cascade,
    created_at      text not null,
    expires_at      text not null
);
create index known_device_identity on known_device (identity_id, created_at);
