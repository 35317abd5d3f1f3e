-- core_openalex__authorships: which authors wrote which work (authorships[].author.id).
-- Grain: one row per distinct (work_id, author_id): author ids were made distinct per work, and
-- authors without a valid id dropped (and counted), when the line was read.
with

final as (
    select
        works.work_id,
        unnest(works.author_ids) as author_id
    from core_openalex__works as works
)

select * from final
