-- A restored cluster is billed as a cloud bill bills it (domain::billing): a subscription once, up front,
-- at its period's price, not refunded on release; pay-as-you-go by each hour begun from when the cluster
-- is running until it is released. Until now every charge was one month's price once, whatever the
-- billing method, and a released cluster's charge went on counting.
--
-- amount_cents held that month's price: it is the charge's price, for both methods (a subscription's
-- for its period, one month being the only one offered; pay-as-you-go's for a month, of which each hour
-- costs a 730th), so it keeps its values under the name that says so.
alter table charge rename column amount_cents to price_cents;

-- 'Prepaid' or 'Postpaid' as the cluster was restored with; null for a charge billed once at its price
-- (one from before this whose cluster or release time is unknown).
alter table charge add column pay_type text check (pay_type in ('Postpaid', 'Prepaid'));
-- From when it is billed: a subscription from its order, pay-as-you-go from when its cluster became
-- Running (null while it is being created).
alter table charge add column billed_from text;
-- When its cluster was released (null while it exists): pay-as-you-go stops there.
alter table charge add column released_at text;

-- A pay-as-you-go cluster's release time is in its account's audit trail (ReleaseCluster, committed with
-- the release; the first success, as a released cluster can't be released again).
create temporary table charge_release as
select k.cluster_id,
       (select min(e.occurred_at) from audit_event e
         where e.account_id = k.account_id and e.action = 'ReleaseCluster' and e.outcome = 'Success'
           and trim(e.target) = k.cluster_id) as released_at
from cluster k where k.status = 'Recycled';

-- Subscriptions: billed once, from the order, as they were.
update charge set pay_type = 'Prepaid', billed_from = created_at,
    released_at = (select r.released_at from charge_release r where r.cluster_id = charge.cluster_id)
where pay_type is null
  and exists (select 1 from cluster k where k.cluster_id = charge.cluster_id and k.pay_type = 'Prepaid');

-- Pay-as-you-go: billed from when the restore made its cluster Running (its job's end; the cluster's
-- creation for one no job made), until its release. One whose cluster was released at a time the trail
-- does not hold stays as it was billed (pay_type null: its price, once), rather than be given a made-up
-- end.
update charge set pay_type = 'Postpaid',
    billed_from = (select case k.status when 'Creating' then null
                       else coalesce((select max(j.finished_at) from restore_job j
                                      where j.cluster_id = k.cluster_id and j.status = 'Succeeded'), k.created_at) end
                   from cluster k where k.cluster_id = charge.cluster_id),
    released_at = (select r.released_at from charge_release r where r.cluster_id = charge.cluster_id)
where pay_type is null
  and exists (select 1 from cluster k where k.cluster_id = charge.cluster_id and k.pay_type = 'Postpaid'
              and (k.status <> 'Recycled'
                   or (select r.released_at from charge_release r where r.cluster_id = k.cluster_id) is not null));

-- The rest were billed once, at their order.
update charge set billed_from = created_at where pay_type is null;

drop table charge_release;
