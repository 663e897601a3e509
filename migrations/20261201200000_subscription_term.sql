-- A subscription is bought for a term, as CreateDBCluster's Period and UsedTime say (domain::billing::
-- SubscriptionTerm): 1 to 9 months, or 1 to 3 years (kept as their 12, 24 or 36 months). Until now the
-- only term was a month, whatever the request asked; every subscription cluster restored so far had it.
-- Null for a cluster that is not a subscription (pay-as-you-go, or one no restore made).
alter table cluster add column subscription_months integer
    check (subscription_months is null or subscription_months between 1 and 9 or subscription_months in (12, 24, 36));

update cluster set subscription_months = 1 where pay_type = 'Prepaid';
