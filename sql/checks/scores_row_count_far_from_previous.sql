-- Check: the new version has fewer works than the version published before it by more than
-- $max_row_drop (a fraction: 0.05 = 5%). A snapshot rarely shrinks; a large drop usually means
-- missing or truncated partitions. Passes when nothing was published before.
-- Grain: one row when the check fails, none otherwise. Parameters: $max_row_drop.
-- Override: If the drop is deliberate, rerun with --max-row-drop (flow parameter max_row_drop)
-- Override: above it; 1 turns this check off.
with

previous as (
    select count(*) as previous_works
    from previous_datarank__scores
),

staged as (
    select count(*) as works
    from out_datarank__scores
),

final as (
    select
        previous.previous_works,
        staged.works,
        previous.previous_works - staged.works as works_lost,
        round(1 - staged.works / previous.previous_works, 4) as drop_fraction,
        $max_row_drop as max_row_drop
    from previous
    cross join staged
    where previous.previous_works > 0
        and staged.works < previous.previous_works * (1 - $max_row_drop)
)

select * from final
