-- out_datarank__citers on a night: the considered citers just computed for the rescored works
-- (int_datarank__considered_citers holds only theirs), and the previous version's rows of every
-- other work.
-- Grain: one row per (cited work, considered citer).
-- Inputs: int_datarank__considered_citers, previous_datarank__citers, core_openalex__rescored_works.
with

carried as (
    select previous.*
    from previous_datarank__citers as previous
    anti join core_openalex__rescored_works as rescored
        on rescored.work_id = previous.cited_id
),

final as (
    select * from int_datarank__considered_citers
    union all by name
    select * from carried
)

select * from final
