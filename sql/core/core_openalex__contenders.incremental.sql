-- core_openalex__contenders on a night: the copies in the new part files, and the current copies
-- the build it extends left (previous_openalex__winners) of the same ids. The order that picks a
-- winner is total, so a previous winner need only meet the new copies of its own id: the winner is
-- the one a full build over every file picks.
-- Grain: one row per copy. Inputs: core_openalex__new_copies, previous_openalex__winners.
with

final as (
    select * from core_openalex__new_copies
    union all by name
    select previous.*
    from previous_openalex__winners as previous
    semi join core_openalex__new_copies as new_copies on new_copies.work_id = previous.work_id
)

select * from final
