-- int_datarank__scored_citations on a night: the citations of the works scored again (the core's
-- rescored works); every other work's network figures and considered citers are carried from the
-- version published last (int_datarank__network, out_datarank__citers).
-- Grain: one row per (citing_id, cited_id).
-- Inputs: core_openalex__citations, core_openalex__rescored_works.
with

final as (
    select citations.citing_id, citations.cited_id
    from core_openalex__citations as citations
    semi join core_openalex__rescored_works as rescored
        on rescored.work_id = citations.cited_id
)

select * from final
