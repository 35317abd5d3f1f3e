-- rescored_authorships: on an incremental run, the authorships of the works the self-citation test
-- meets (the cited and citing works of rescored_citations): int_datarank__considered_citers
-- gathers each work's author list, and need not gather every work's.
-- Grain: one row per (work_id, author_id). Inputs: all__authorships, core_openalex__citations (the
-- rescored citations by then).
with

involved as (
    select cited_id as work_id from core_openalex__citations
    union
    select citing_id as work_id from core_openalex__citations
),

final as (
    select authorships.work_id, authorships.author_id
    from all__authorships as authorships
    semi join involved
        on involved.work_id = authorships.work_id
)

select * from final
