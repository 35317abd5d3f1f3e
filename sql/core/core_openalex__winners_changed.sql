-- core_openalex__winners_changed: on a night, the current copy of every work id whose copy changed
-- since the lake's base winners file was written (winners_changed.parquet beside the base): the
-- winners among tonight's contenders, and what changed on earlier nights since the base and not
-- again tonight. A night rewrites only these, not every id with its id lists (14 s of a 10M-work
-- night; datarank.ingest.core, WINNERS_COMPACT_SHARE).
-- Grain: one row per work id.
-- Inputs: core_openalex__winning_copies, previous_openalex__winners_changed (that build's table of
-- this name; no rows when it wrote a new base), core_openalex__new_copies.
with

carried as (
    select previous.*
    from previous_openalex__winners_changed as previous
    anti join core_openalex__new_copies as new_copies on new_copies.work_id = previous.work_id
),

final as (
    select * from core_openalex__winning_copies
    union all by name
    select * from carried
)

select * from final
