-- core_openalex__carried_citations: on an incremental build, the previous build's citations of
-- works that are not dirty (core_openalex__dirty_citers): they are the same now.
-- Grain: one row per (citing_id, cited_id). Inputs: previous_openalex__citations, core_openalex__dirty_citers.
with

final as (
    select previous.citing_id, previous.cited_id
    from previous_openalex__citations as previous
    anti join core_openalex__dirty_citers as dirty
        on dirty.work_id = previous.citing_id
)

select * from final
