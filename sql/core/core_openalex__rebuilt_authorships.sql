-- core_openalex__rebuilt_authorships: which authors wrote the works this build reads again
-- (core_openalex__rebuilt_works: every work on a full build), from authorships[].author.id.
-- Grain: one row per distinct (work_id, author_id): author ids were made distinct per work, and
-- authors without a valid id dropped (and counted), when the line was read.
-- Inputs: core_openalex__rebuilt_works.
with

final as (
    select
        works.work_id,
        unnest(works.author_ids) as author_id
    from core_openalex__rebuilt_works as works
)

select * from final
