-- core_openalex__rebuilt_works: the works whose citation and authorship rows this build computes.
-- A full build computes every work's; a night only the dirty ones
-- (core_openalex__rebuilt_works.incremental.sql).
-- Grain: one row per work, the columns of core_openalex__work_records.
-- Inputs: core_openalex__work_records.
with

final as (
    select * from core_openalex__work_records
)

select * from final
