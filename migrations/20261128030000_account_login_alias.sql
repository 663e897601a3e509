-- Each account's alias: its RAM users sign in as `name@alias` (Alibaba Cloud's name@alias.onaliyun.com),
-- so a RAM user's name is unique within its account by construction and creating one tells a root
-- nothing about other accounts. Unique across accounts; root and operator names have no '@'.
alter table account add column login_alias text;

-- Existing accounts: the account id, or the ending their RAM users already share when it is theirs
-- alone (no other account's user has it, and it is no account's id).
update account set login_alias = account_id;
update account set login_alias = s.ending
from (select account_id, min(ending) as ending
      from (select account_id, substr(login_name, instr(login_name, '@') + 1) as ending
            from identity where kind = 'ram_user' and instr(login_name, '@') > 0)
      group by account_id having count(distinct ending) = 1) s
where s.account_id = account.account_id and s.ending <> ''
  and not exists (select 1 from identity o where o.account_id <> s.account_id and instr(o.login_name, '@') > 0
                  and substr(o.login_name, instr(o.login_name, '@') + 1) = s.ending)
  and not exists (select 1 from account a where a.account_id = s.ending);

create unique index account_login_alias on account (login_alias);
