-- core_openalex__authorships: which authors wrote which work (authorships[].author.id).
-- Grain: one row per distinct (work_id, author_id): author ids were made distinct per work, and
-- authors without a valid id dropped (and counted), when the line was read.
-- Inputs: core_openalex__rebuilt_works and core_openalex__carried_authorships (as for citations).
with

rebuilt as (
    select
        works.work_id,
        unnest(works.author_ids) as author_id
    from core_openalex__rebuilt_works as works
),

final as (
    select work_id, author_id from rebuilt
    union all
    select work_id, author_id from core_openalex__carried_authorships
)

select * from final
