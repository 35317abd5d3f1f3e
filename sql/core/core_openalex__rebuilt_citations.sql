-- core_openalex__rebuilt_citations: who the works this build reads again cite inside the snapshot
-- (core_openalex__rebuilt_works: every work on a full build).
-- Grain: one row per distinct (citing_id, cited_id).
-- References to merged works are redirected to where they were merged; references to works not in
-- the snapshot (deleted, merged into nothing, never exported) and self-references are dropped.
-- Inputs: core_openalex__rebuilt_works, core_openalex__work_records, core_openalex__merge_map.
with

references_ as (
    select
        works.work_id as citing_id,
        unnest(works.referenced_ids) as referenced_id
    from core_openalex__rebuilt_works as works
),

-- A work's referenced_ids are distinct (kept_ids, when the line was read), so only references
-- redirected through a merge can repeat a pair: they alone are deduplicated, against each other and
-- against the direct ones, instead of a DISTINCT over every pair (at 300k works 0.38 s against
-- 0.55 s; benchmarks/README.md).
resolved as (
    select
        references_.citing_id,
        references_.referenced_id,
        merge_map.work_id is not null as is_redirected,
        merge_map.merge_into_id
    from references_
    left join core_openalex__merge_map as merge_map
        on merge_map.work_id = references_.referenced_id
),

direct as (
    select
        resolved.citing_id,
        resolved.referenced_id as cited_id
    from resolved
    semi join core_openalex__work_records as works
        on works.work_id = resolved.referenced_id
    where not resolved.is_redirected
        and resolved.citing_id <> resolved.referenced_id
),

redirected as (
    select distinct
        resolved.citing_id,
        resolved.merge_into_id as cited_id
    from resolved
    semi join core_openalex__work_records as works
        on works.work_id = resolved.merge_into_id
    where resolved.is_redirected
        and resolved.citing_id <> resolved.merge_into_id
),

final as (
    select citing_id, cited_id from direct
    union all
    select redirected.citing_id, redirected.cited_id
    from redirected
    anti join direct
        on direct.citing_id = redirected.citing_id
        and direct.cited_id = redirected.cited_id
)

select * from final
