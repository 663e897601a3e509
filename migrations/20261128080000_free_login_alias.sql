-- An account's alias that a sign-in name of another account ends with (a name made before the alias
-- rule, e.g. another account's `ghost@harbor`) let the account's root probe that name: creating
-- `ghost` answered 409, so `ghost@harbor` existed somewhere. Such an account gets a free alias: its id,
-- else `<id>-<n>` for the smallest free n, free meaning no account has it and no sign-in name ends with
-- it. Every existing name, the account's own under the old alias included, signs in as before: sign-in
-- reads the stored name, never the alias. (New accounts get a free id: `accounts::alias_free`. New
-- names end with their own account's alias, so none can make an alias unfree again.)
update account set login_alias = coalesce((
    with recursive n(i) as (select 0 union all select i + 1 from n where i < 999),
    candidate(alias, i) as (select account.account_id || iif(i = 0, '', '-' || i), i from n)
    select alias from candidate
    where not exists (select 1 from account b where b.login_alias = candidate.alias)
      and not exists (select 1 from identity o where instr(o.login_name, '@') > 0
                      and substr(o.login_name, instr(o.login_name, '@') + 1) = candidate.alias)
    order by i limit 1), login_alias)
where exists (select 1 from identity o where o.account_id <> account.account_id and instr(o.login_name, '@') > 0
              and substr(o.login_name, instr(o.login_name, '@') + 1) = account.login_alias);
