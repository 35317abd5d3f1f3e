-- rescored_citations: on an incremental run, the citations of the works scoring computes again
-- (the core's rescored_works); every other work's network figures and considered citers are
-- carried from the version published last. Scoring's steps read this in place of
-- core_openalex__citations, so they compute only the works rescored.
-- Grain: one row per (citing_id, cited_id). Inputs: all__citations, rescored_works.
with

final as (
    select citations.citing_id, citations.cited_id
    from all__citations as citations
    semi join rescored_works as rescored
        on rescored.work_id = citations.cited_id
)

select * from final
