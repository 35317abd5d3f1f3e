-- core_openalex__rescored_works: on an incremental build, the works whose DataRank inputs may
-- differ from the previous build's, so that scoring recomputes them and carries every other work's
-- network figures from the version published last.
-- Grain: one row per work id.
-- A work's network score depends on its own row (C, authors) and on its citers: who they are, their
-- C and outdegree, their authors. Every work whose row or outgoing citations changed is in
-- core_openalex__dirty_citers; so the works to rescore are those, and every work they cite now or
-- cited before.
-- Inputs: core_openalex__dirty_citers, core_openalex__citations, previous_openalex__citations.
with

final as (
    select work_id from core_openalex__dirty_citers
    union
    select citations.cited_id
    from core_openalex__citations as citations
    semi join core_openalex__dirty_citers as dirty on dirty.work_id = citations.citing_id
    union
    select citations.cited_id
    from previous_openalex__citations as citations
    semi join core_openalex__dirty_citers as dirty on dirty.work_id = citations.citing_id
)

select * from final
