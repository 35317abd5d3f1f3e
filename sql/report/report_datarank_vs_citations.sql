-- report_datarank_vs_citations: a 2-D histogram of DataRank against cited_by_count over all
-- works, for a heat map that stays the same size whatever the snapshot. cited_by_count is binned
-- on log10(1 + C) from 0 to its largest value, DataRank from 0 to its largest value, each in
-- $bins equal-width bins; max_x and max_y give the edges back.
-- Grain: one row per non-empty (x_bin, y_bin). Parameters: $bins.
with

scores as (
    select log10(1 + cited_by_count) as x, datarank as y
    from scores
),

bounds as (
    select max(x) as max_x, max(y) as max_y
    from scores
),

binned as (
    select
        case
            when bounds.max_x > 0 then least(cast(floor(scores.x / bounds.max_x * $bins) as bigint), $bins - 1)
            else 0
        end as x_bin,
        case
            when bounds.max_y > 0 then least(cast(floor(scores.y / bounds.max_y * $bins) as bigint), $bins - 1)
            else 0
        end as y_bin
    from scores
    cross join bounds
),

final as (
    select
        binned.x_bin,
        binned.y_bin,
        count(*) as works,
        any_value(bounds.max_x) as max_x,
        any_value(bounds.max_y) as max_y
    from binned
    cross join bounds
    group by binned.x_bin, binned.y_bin
)

select * from final
