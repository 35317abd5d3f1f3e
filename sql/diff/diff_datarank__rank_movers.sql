-- diff_datarank__rank_movers: the works in both versions whose rank changed the most, up or down.
-- Grain: one row per work, at most $rows, the largest rank change first (ties by id). Parameters:
-- $rows.
with

final as (
    select work_id, rank_from, rank_to, rank_gain, datarank_from, datarank_to, datarank_change, title
    from diff_datarank__works
    where rank_gain <> 0
    order by abs(rank_gain) desc, work_number
    limit $rows
)

select * from final
