-- core_openalex__winners: the current copy of every work id the snapshot's part files hold,
-- merged and deleted works included (core_openalex__works drops those; file accounting counts them).
-- Grain: one row per work id.
-- A work can sit in several partitions (an update moves it to a newer one): the copy with the
-- greatest updated_date wins; ties go to the later partition, then the later file, then the later
-- line.
-- Inputs: core_openalex__new_copies (the good lines this build reads) and
-- core_openalex__previous_winners (this table as the build it extends left it; empty on a full
-- build). The order is total, so a previous winner need only meet the new copies of its own id:
-- the result is the one a full build over every file gives.
with

contenders as (
    select * from core_openalex__new_copies
    union all by name
    select previous.*
    from core_openalex__previous_winners as previous
    semi join core_openalex__new_copies as new_copies on new_copies.work_id = previous.work_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by work_id
            order by updated_date desc nulls last, partition desc, part desc, file_key desc, line_number desc
        ) as copy_rank
    from contenders
),

carried as (
    select previous.*
    from core_openalex__previous_winners as previous
    anti join core_openalex__new_copies as new_copies on new_copies.work_id = previous.work_id
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all by name
    select * from carried
)

select * from final
