-- core_openalex__citations: who cites whom inside the snapshot.
-- Grain: one row per distinct (citing_id, cited_id).
-- References to merged works are redirected to where they were merged; references to works not in
-- the snapshot (deleted, merged into nothing, never exported) and self-references are dropped.
-- Inputs: core_openalex__rebuilt_works (the works whose rows this build computes: every work on a
--   full build, core_openalex__rebuilt_works.sql on an incremental one), core_openalex__works,
--   core_openalex__merge_map, and core_openalex__carried_citations (the previous build's rows of
--   the other works; empty on a full build).
with

references_ as (
    select
        works.work_id as citing_id,
        unnest(works.referenced_ids) as referenced_id
    from core_openalex__rebuilt_works as works
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

rebuilt as (
    select distinct
        redirected.citing_id,
        redirected.cited_id
    from redirected
    semi join core_openalex__works as works
        on works.work_id = redirected.cited_id
    where redirected.citing_id <> redirected.cited_id
),

final as (
    select citing_id, cited_id from rebuilt
    union all
    select citing_id, cited_id from core_openalex__carried_citations
)

select * from final
