-- core_openalex__winners_changed: the current copy of every work id whose copy changed since the
-- lake's base winners file was written; on a full build, of every work id (it is then the base).
-- Merged and deleted works included (core_openalex__works drops those; file accounting counts them).
-- Grain: one row per work id.
-- A work can sit in several partitions (an update moves it to a newer one): the copy with the
-- greatest updated_date wins; ties go to the later partition, then the later file, then the later
-- line.
-- The current winners (core_openalex__winners) are the base file's rows whose id this table does
-- not hold, plus this table: a night rewrites only what changed since the base, not every id with
-- its id lists (14.0 s of a 10M night; datarank/ingest.py `_winners_view`, WINNERS_COMPACT_SHARE).
-- Inputs: core_openalex__new_copies (the good lines this build reads),
-- core_openalex__previous_winners (the current winners the build it extends left; empty on a full
-- build) and core_openalex__previous_winners_changed (that build's table of this name; empty on a
-- full build, or when that build wrote a new base). The order is total, so a previous winner need
-- only meet the new copies of its own id: the result is the one a full build over every file gives.
with

contenders as (
    select * from core_openalex__new_copies
    union all by name
    select previous.*
    from core_openalex__previous_winners as previous
    semi join core_openalex__new_copies as new_copies on new_copies.work_id = previous.work_id
),

-- Most ids have one copy: only ids with several go through the window, so the wide rows (with
-- their id lists) of the others are not sorted. Measured on the 4x snapshot's 310,430 lines:
-- 0.50 -> 0.43 s for the table written (benchmarks/README.md).
repeated as (
    select work_id
    from contenders
    group by work_id
    having count(*) > 1
),

ranked as (
    select *
    from contenders
    semi join repeated on repeated.work_id = contenders.work_id
    qualify row_number() over (
        partition by work_id
        order by updated_date desc nulls last, partition desc, part desc, file_key desc, line_number desc
    ) = 1
),

single as (
    select *
    from contenders
    anti join repeated on repeated.work_id = contenders.work_id
),

-- what changed on earlier nights since the base, and not again tonight
carried as (
    select previous.*
    from core_openalex__previous_winners_changed as previous
    anti join core_openalex__new_copies as new_copies on new_copies.work_id = previous.work_id
),

final as (
    select * from single
    union all by name
    select * from ranked
    union all by name
    select * from carried
)

select * from final
