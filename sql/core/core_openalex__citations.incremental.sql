-- core_openalex__citations on a night: the links of the works read again
-- (core_openalex__rebuilt_citations) and the previous build's links of every other work
-- (core_openalex__carried_citations).
-- Grain: one row per distinct (citing_id, cited_id).
-- Inputs: core_openalex__rebuilt_citations, core_openalex__carried_citations.
with

final as (
    select citing_id, cited_id from core_openalex__rebuilt_citations
    union all
    select citing_id, cited_id from core_openalex__carried_citations
)

select * from final
