-- core_openalex__works: the works of the snapshot as every later stage reads them (works.parquet):
-- core_openalex__work_records without the id lists.
-- Grain: one row per work id. Inputs: core_openalex__work_records.
with

final as (
    select * exclude (referenced_ids, author_ids)
    from core_openalex__work_records
)

select * from final
