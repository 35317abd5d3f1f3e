-- int_datarank__network on an incremental run: the figures just computed for the rescored works
-- (rescored__network), and the previous version's for every other work still cited.
-- Grain: one row per work with at least one citer in the snapshot (as sql/int/int_datarank__network).
-- Inputs: rescored__network, previous__network, rescored_works.
with

carried as (
    select previous.*
    from previous__network as previous
    anti join rescored_works as rescored
        on rescored.work_id = previous.cited_id
),

final as (
    select * from rescored__network
    union all by name
    select * from carried
)

select * from final
