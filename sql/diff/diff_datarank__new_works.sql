-- diff_datarank__new_works: works in the `to` version that the `from` version did not have.
-- Grain: one row per work, at most $rows, best rank first. Parameters: $rows.
with

final as (
    select work_id, rank_from, rank_to, rank_gain, datarank_from, datarank_to, datarank_change, title
    from diff_datarank__works
    where rank_from is null
    order by rank_to, work_number
    limit $rows
)

select * from final
