-- core_openalex__citations: who cites whom inside the snapshot.
-- Grain: one row per distinct (citing_id, cited_id).
-- References to merged works are redirected to where they were merged; references to works not in
-- the snapshot (deleted, merged into nothing, never exported) and self-references are dropped.
with

references_ as (
    select
        works.work_id as citing_id,
        unnest(works.referenced_ids) as referenced_id
    from core_openalex__works as works
),

redirected as (
    select
        references_.citing_id,
        case
            when merge_map.work_id is null then references_.referenced_id
            else merge_map.merge_into_id
        end as cited_id
    from references_
    left join core_openalex__merge_map as merge_map
        on merge_map.work_id = references_.referenced_id
),

final as (
    select distinct
        redirected.citing_id,
        redirected.cited_id
    from redirected
    semi join core_openalex__works as works
        on works.work_id = redirected.cited_id
    where redirected.citing_id <> redirected.cited_id
)

select * from final
