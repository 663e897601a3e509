-- A charge names the cluster it is for, so the console shows the cluster's name beside its id (the
-- item's words named only the id). A charge made before said it in its item, "Cluster <id> (<node
-- specification>, <billing method>) restored from shared backup set <set>": the id moves to the column
-- and the item keeps the rest, as new charges are worded.
alter table charge add column cluster_id text references cluster (cluster_id);

update charge set cluster_id = substr(item, 9, instr(substr(item, 9), ' ') - 1)
 where cluster_id is null and item like 'Cluster pc-% (%'
   and exists (select 1 from cluster k where k.cluster_id = substr(charge.item, 9, instr(substr(charge.item, 9), ' ') - 1));

update charge set item = 'New cluster ' || substr(item, length(cluster_id) + 10)
 where cluster_id is not null and substr(item, 1, length(cluster_id) + 10) = 'Cluster ' || cluster_id || ' (';
