-- core_openalex__works: the works of the snapshot as every later stage reads them (works.parquet):
-- core_openalex__work_records without the id lists, fair_v1's inputs (core_openalex__fair_signals) and the
-- units' (core_openalex__work_context, …).
-- Grain: one row per work id. Inputs: core_openalex__work_records.
with

final as (
    select * exclude (referenced_ids, author_ids, fair, units)
    from core_openalex__work_records
)

select * from final
