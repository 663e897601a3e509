-- An invitee holds a share's backup sets from its acceptance, not from its invitation: before accepting
-- it had none of them. A set whose removal from the share began before the acceptance (taken out, its
-- revocation not run yet) was therefore never shared with it, exactly as for a principal added during
-- that removal (late_principal), and accepting must not hand it the set for the rest of the window.
-- The invitation list shows a pending invitee only what accepting would give (domain::invitation_shows_set).
create trigger late_principal_accepted after update of status on invitation
when new.status = 'Accepted' and old.status <> 'Accepted' begin
    insert or ignore into late_principal (resource_share_id, principal_id, backup_set_id)
    select new.resource_share_id, new.receiver_account_id, backup_set_id from share_resource
    where resource_share_id = new.resource_share_id and status = 'Disassociating';
end;
