-- diff_datarank__removed_works: works of the `from` version that the `to` version no longer has
-- (deleted, merged).
-- Grain: one row per work, at most $rows, best old rank first. Parameters: $rows.
with

picked as (
    select *
    from diff_datarank__works
    where rank_to is null
    order by rank_from, work_number
    limit $rows
),

labelled as (
    select
        'W' || cast(picked.work_number as varchar) as work_id,
        picked.rank_from,
        picked.rank_to,
        picked.rank_gain,
        picked.datarank_from,
        picked.datarank_to,
        picked.datarank_change,
        coalesce(to_scores.title, from_scores.title) as title,
        picked.work_number
    from picked
    left join diff_to__scores as to_scores
        on to_scores.work_number = picked.work_number
    left join diff_from__scores as from_scores
        on from_scores.work_number = picked.work_number
),

final as (
    select * exclude (work_number)
    from labelled
    order by rank_from, work_number
)

select * from final
