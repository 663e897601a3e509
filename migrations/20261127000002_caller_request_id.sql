-- A caller's own `x-request-id`, kept beside the server-made `request_id` and never instead of it: the
-- server's id is unique per request and is what the trail is searched by; the caller's is only a hint
-- for correlating with its own logs (it can repeat or be forged). Null when the caller sent none, or
-- one that is not a short token of letters, digits and dashes.
alter table audit_event add column caller_request_id text;
