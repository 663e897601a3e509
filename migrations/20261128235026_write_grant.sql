-- A write's own check of what grants it: an identity's call is checked when it arrives (its session, or
-- its AccessKey, and its policies), but its write commits later. Inserting into this view, first in the
-- write's transaction (the share group's write carries it in its own round trip), aborts the write when
-- what the call was checked against has ended since: the AccessKey deleted (with its RAM user, or on its
-- own) or disabled, the session signed out, ended with its RAM user or expired, or a policy the identity
-- held then detached. Each case aborts with its own message, which the server turns into the refusal
-- the same change gives a call checked up front (`server::grant::Grant`). Nothing is ever stored here.
create view write_grant (identity_id, access_key_id, session_digest, policies, now) as
    select null, null, null, null, null where 0;

-- One index lookup per credential: this runs in every share's write (the benchmarked path).
create trigger write_grant_check instead of insert on write_grant begin
    select case (select status from access_key where access_key_id = new.access_key_id and identity_id = new.identity_id)
               when 'Active' then null
               when 'Inactive' then raise(abort, 'grant ended: access key inactive')
               else raise(abort, 'grant ended: access key not found')
           end
        where new.access_key_id is not null;
    select raise(abort, 'grant ended: session ended')
        where new.session_digest is not null
          and not exists (select 1 from session where session_digest = new.session_digest and identity_id = new.identity_id
                                                 and expires_at > new.now);
    -- A root identity holds every permission and no stored policy: its grant names none.
    select raise(abort, 'grant ended: policy detached')
        where new.policies <> '[]'
          and exists (select 1 from json_each(new.policies) held
                      where not exists (select 1 from identity_policy p
                                        where p.identity_id = new.identity_id and p.policy_name = held.value));
end;
