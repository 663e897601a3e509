-- How far back the schedule has forgotten signature nonces, kept across restarts. A nonce is deleted
-- 30 minutes after it was seen; if the clock is then stepped back, a call signed up to 15 minutes ahead
-- would be inside the timestamp window again with its nonce gone. So every call that may have been
-- seen before `forgotten_before` (one signed before `signed_before`, 15 minutes later) is refused by its
-- timestamp, whatever the clock says. One row, written by the schedule; none until its first sweep.
create table api_nonce_cutoff (
    only_row            integer primary key check (only_row = 1),
    forgotten_before    text not null,
    signed_before       text not null
);

-- The time a call was signed at, so that the insert of its nonce can be refused below.
alter table api_nonce add column signed_at text;

-- The server checks a call against its in-memory copy of the cut-off, then records the nonce in a later
-- write: a call checked just before a sweep could record its nonce just after the sweep deleted a
-- replayed call's. Refused here, in the same statement, against the cut-off committed with the sweep.
create trigger api_nonce_not_forgotten before insert on api_nonce
when new.signed_at < (select signed_before from api_nonce_cutoff)
begin
    select raise(abort, 'api_nonce_cutoff: the call was signed before the forgotten nonces');
end;
