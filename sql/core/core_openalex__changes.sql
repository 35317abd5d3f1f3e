-- core_openalex__changes: what this ingest changed against the last committed one (the nightly report).
-- Grain: one row.
-- Inputs: current__works, current__merge_map, current__deleted_ids (this ingest: works.parquet,
--   merge_map.parquet, deleted_ids.parquet) and previous__works, previous__merge_map,
--   previous__deleted_ids (the last ingest's; empty tables on the first run). No parameters.
--   A work is "updated" when any kept field of its current copy changed (a newer copy won).
with

added as (
    select current__works.work_id
    from current__works
    anti join previous__works on previous__works.work_id = current__works.work_id
),

removed as (
    select previous__works.work_id
    from previous__works
    anti join current__works on current__works.work_id = previous__works.work_id
),

updated as (
    select current__works.work_id
    from current__works
    inner join previous__works on previous__works.work_id = current__works.work_id
    where hash(current__works) <> hash(previous__works)
),

new_merges as (
    select current__merge_map.work_id
    from current__merge_map
    anti join previous__merge_map
        on previous__merge_map.work_id = current__merge_map.work_id
        and previous__merge_map.merge_into_id is not distinct from current__merge_map.merge_into_id
),

new_deletions as (
    select distinct current__deleted_ids.work_id
    from current__deleted_ids
    anti join previous__deleted_ids on previous__deleted_ids.work_id = current__deleted_ids.work_id
),

final as (
    select
        (select count(*) from added) as works_added,
        (select count(*) from updated) as works_updated,
        (select count(*) from removed) as works_removed,
        (select count(*) from new_merges) as merges_new,
        (select count(*) from new_deletions) as deletions_new,
        (select count(*) from removed semi join new_merges on new_merges.work_id = removed.work_id)
            as works_removed_by_new_merges,
        (select count(*) from removed semi join new_deletions on new_deletions.work_id = removed.work_id)
            as works_removed_by_new_deletions
)

select * from final
