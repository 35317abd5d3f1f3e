-- core_openalex__authorships: which authors wrote which work (authorships.parquet). A full build
-- computes every work's (core_openalex__rebuilt_authorships); a night carries those of the works it
-- did not read again (core_openalex__authorships.incremental.sql).
-- Grain: one row per distinct (work_id, author_id). Inputs: core_openalex__rebuilt_authorships.
with

final as (
    select work_id, author_id from core_openalex__rebuilt_authorships
)

select * from final
