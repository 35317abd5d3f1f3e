-- core_openalex__merge_map: where each merged work now lives, chains followed to their end.
-- Grain: one row per merged work id. merge_into_id is NULL when the chain ends nowhere usable
-- (OpenAlex merges some works into a "deleted" sentinel), so references to it are ignored.
-- A work merged more than once keeps its latest merge. Chains longer than 32 hops stop there.
-- Kept in the core (merge_map.parquet) so that the next ingest can tell which merges are new.
-- Inputs: raw_openalex__merged_ids.
with recursive

latest as (
    select
        work_id,
        arg_max(merge_into_id, coalesce(merge_date, date '1900-01-01')) as merge_into_id
    from raw_openalex__merged_ids
    where work_id is not null
    group by work_id
),

chain (work_id, target, hops) as (
    select work_id, merge_into_id, 1
    from latest
    union all
    select chain.work_id, latest.merge_into_id, chain.hops + 1
    from chain
    inner join latest on latest.work_id = chain.target
    where chain.hops < 32 and latest.work_id <> chain.work_id
),

final as (
    select
        work_id,
        arg_max(target, hops) as merge_into_id
    from chain
    group by work_id
    order by work_id
)

select * from final
