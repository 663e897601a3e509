-- A ClientToken names one request: the parameters of the CreateDBCluster call that made the remembered
-- answer, as a JSON object of the restore's parameters. A later call with the same token and other
-- parameters is refused (IdempotentParameterMismatch) instead of being answered a cluster it did not ask
-- for. Null for tokens remembered before this column: they answer any retry, as they did.
alter table api_client_token add column request text;
