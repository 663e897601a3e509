-- The share's name as an invitation's receiver last knew it, kept once the invitation stopped offering or
-- giving the share (rejected, expired, cancelled, or its accepted principal removed): a rename after
-- that is for the share's other principals, and the receiver's list keeps showing the old name. Written
-- when the owner renames the share (services::share_settings::update_share), for the invitations that
-- had ended by then (domain::offered_until); null while the invitation shows the share's current name.
alter table invitation add column ended_share_name text;

-- Invitations that ended before this column keep the name the share has now: the name they knew is
-- not recorded anywhere.
update invitation set ended_share_name = (select rs.resource_share_name from resource_share rs where rs.resource_share_id = invitation.resource_share_id)
where status in ('Rejected', 'Expired', 'Cancelled') or access_ends_at is not null;
