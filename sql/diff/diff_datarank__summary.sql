-- diff_datarank__summary: what changed between two published versions, in counts.
-- Grain: one row. A score "changed" when it moved by more than 1e-9 (DuckDB may sum floats in a
-- different order from one run to the next). Parameters: $top (the size of the leaderboard).
with

works as (
    select *
    from diff_datarank__works
),

final as (
    select
        count(rank_from) as works_from,
        count(rank_to) as works_to,
        count(*) filter (where rank_from is null) as new_works,
        count(*) filter (where rank_to is null) as removed_works,
        count(*) filter (where rank_from is not null and rank_to is not null) as works_in_both,
        count(*) filter (where rank_gain <> 0) as rank_changed,
        count(*) filter (where abs(datarank_change) > 1e-9) as score_changed,
        count(*) filter (where rank_to <= $top and (rank_from is null or rank_from > $top)) as entered_top,
        count(*) filter (where rank_from <= $top and (rank_to is null or rank_to > $top)) as left_top
    from works
)

select * from final
