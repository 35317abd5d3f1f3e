-- diff_datarank__score_changes: the works in both versions whose DataRank changed the most, up or
-- down (by more than 1e-9).
-- Grain: one row per work, at most $rows, the largest change first (ties by id). Parameters: $rows.
with

final as (
    select work_id, rank_from, rank_to, rank_gain, datarank_from, datarank_to, datarank_change, title
    from diff_datarank__works
    where abs(datarank_change) > 1e-9
    order by abs(datarank_change) desc, work_number
    limit $rows
)

select * from final
