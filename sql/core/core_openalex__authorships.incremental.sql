-- core_openalex__authorships on a night: the authorships of the works read again
-- (core_openalex__rebuilt_authorships) and the previous build's of every other work
-- (core_openalex__carried_authorships).
-- Grain: one row per distinct (work_id, author_id).
-- Inputs: core_openalex__rebuilt_authorships, core_openalex__carried_authorships.
with

final as (
    select work_id, author_id from core_openalex__rebuilt_authorships
    union all
    select work_id, author_id from core_openalex__carried_authorships
)

select * from final
