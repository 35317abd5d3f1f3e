-- diff_datarank__left_top: works in the top $top of the `from` version that are not in the top $top
-- of the `to` version (removed works included).
-- Grain: one row per work, at most $rows, best old rank first. Parameters: $top, $rows.
with

final as (
    select work_id, rank_from, rank_to, rank_gain, datarank_from, datarank_to, datarank_change, title
    from diff_datarank__works
    where rank_from <= $top and (rank_to is null or rank_to > $top)
    order by rank_from, work_number
    limit $rows
)

select * from final
