-- int_datarank__network on a night: the figures just computed for the rescored works
-- (int_datarank__scored_network), and the previous version's for every other work still cited.
-- Grain: one row per work with at least one citer in the snapshot.
-- Inputs: int_datarank__scored_network, previous_datarank__network, core_openalex__rescored_works.
with

carried as (
    select previous.*
    from previous_datarank__network as previous
    anti join core_openalex__rescored_works as rescored
        on rescored.work_id = previous.cited_id
),

final as (
    select * from int_datarank__scored_network
    union all by name
    select * from carried
)

select * from final
