-- diff_datarank__removed_works: works of the `from` version that the `to` version no longer has
-- (deleted, merged).
-- Grain: one row per work, at most $rows, best old rank first. Parameters: $rows.
with

final as (
    select work_id, rank_from, rank_to, rank_gain, datarank_from, datarank_to, datarank_change, title
    from diff_datarank__works
    where rank_to is null
    order by rank_from, work_number
    limit $rows
)

select * from final
