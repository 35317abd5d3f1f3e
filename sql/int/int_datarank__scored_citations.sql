-- int_datarank__scored_citations: the citations of the works this run scores. A full run scores
-- every work, so these are all of them (a view: nothing is copied); a night has its own
-- definition (int_datarank__scored_citations.incremental.sql).
-- Grain: one row per (citing_id, cited_id). Inputs: core_openalex__citations.
with

final as (
    select citing_id, cited_id
    from core_openalex__citations
)

select * from final
