-- Sign-in locks outlive a restart: otherwise restarting the server (or crashing it) would hand an
-- attacker a fresh set of attempts. Only running locks are kept (slow-downs are over in seconds);
-- rows that have run out are pruned whenever a new lock is written.
create table sign_in_lock (
    scope text not null check (scope in ('login', 'address')),
    lock_key text not null,
    failures integer not null check (failures > 0),
    first_failure text not null,
    locked_until text not null,
    primary key (scope, lock_key)
);
