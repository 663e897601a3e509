-- A directory departure revoked a share's account principals without ending the acceptances the
-- directory had made for them (when the share was opened to every account): such an invitation stood
-- after the access was gone, showing its receiver the share's name and sets, and ListResourceShares the
-- share. Departures now end them (db::directory::end_acceptances_of_revoked); this ends those left
-- standing before: an accepted invitation whose receiver is no associated principal of its share. It
-- ends when the receiver's revocation does (its revoke_at while one runs), or, long revoked, when it
-- was last written: the time it really ended was not recorded.
update invitation set access_ends_at = coalesce(
        (select sp.revoke_at from share_principal sp
         where sp.resource_share_id = invitation.resource_share_id and sp.principal_id = invitation.receiver_account_id),
        updated_at)
where status = 'Accepted' and access_ends_at is null
  and not exists (select 1 from share_principal sp
                  where sp.resource_share_id = invitation.resource_share_id and sp.principal_id = invitation.receiver_account_id
                    and sp.status = 'Associated');
