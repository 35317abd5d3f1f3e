-- diff_datarank__entered_top: works in the top $top of the `to` version that were not in the top
-- $top of the `from` version (new works included).
-- Grain: one row per work, at most $rows, best new rank first. Parameters: $top, $rows.
with

final as (
    select work_id, rank_from, rank_to, rank_gain, datarank_from, datarank_to, datarank_change, title
    from diff_datarank__works
    where rank_to <= $top and (rank_from is null or rank_from > $top)
    order by rank_to, work_number
    limit $rows
)

select * from final
