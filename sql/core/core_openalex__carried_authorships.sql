-- core_openalex__carried_authorships: on an incremental build, the previous build's authorships of
-- works that are not dirty (core_openalex__dirty_citers): a work that was not read again kept its
-- authors.
-- Grain: one row per (work_id, author_id). Inputs: previous_openalex__authorships, core_openalex__dirty_citers.
with

final as (
    select previous.work_id, previous.author_id
    from previous_openalex__authorships as previous
    anti join core_openalex__dirty_citers as dirty
        on dirty.work_id = previous.work_id
)

select * from final
