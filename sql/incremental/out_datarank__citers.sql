-- out_datarank__citers on an incremental run: the considered citers just computed for the
-- rescored works (rescored__citers), and the previous version's rows of every other work.
-- Grain: one row per (cited work, considered citer) (as sql/out/out_datarank__citers).
-- Inputs: rescored__citers, previous__citers, rescored_works.
with

carried as (
    select previous.*
    from previous__citers as previous
    anti join rescored_works as rescored
        on rescored.work_id = previous.cited_id
),

final as (
    select * from rescored__citers
    union all by name
    select * from carried
)

select * from final
