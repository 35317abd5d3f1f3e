-- core_openalex__rebuilt_works on a night: the works whose citation and authorship rows are
-- computed again (the dirty ones); every other work's rows are carried from the previous build.
-- Grain: one row per work, the columns of core_openalex__work_records.
-- Inputs: core_openalex__work_records, core_openalex__dirty_citers.
with

final as (
    select works.*
    from core_openalex__work_records as works
    semi join core_openalex__dirty_citers as dirty
        on dirty.work_id = works.work_id
)

select * from final
