-- core_openalex__citations: who cites whom inside the snapshot (citations.parquet). A full build
-- computes every work's links (core_openalex__rebuilt_citations); a night carries the links of the
-- works it did not read again (core_openalex__citations.incremental.sql).
-- Grain: one row per distinct (citing_id, cited_id). Inputs: core_openalex__rebuilt_citations.
with

final as (
    select citing_id, cited_id from core_openalex__rebuilt_citations
)

select * from final
