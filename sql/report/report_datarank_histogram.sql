-- report_datarank_histogram: the distribution of DataRank over the works with DataRank > 0, in
-- $bins equal-width bins from 0 to the largest DataRank (works at 0 are counted apart, in
-- report_tier_counts as 'unranked').
-- Grain: one row per non-empty bin. Parameters: $bins.
with

ranked as (
    select datarank
    from scores
    where datarank > 0
),

bounds as (
    select max(datarank) as max_datarank
    from ranked
),

binned as (
    select
        least(cast(floor(ranked.datarank / bounds.max_datarank * $bins) as bigint), $bins - 1) as bin
    from ranked
    cross join bounds
),

final as (
    select
        binned.bin,
        bounds.max_datarank * binned.bin / $bins as bin_start,
        bounds.max_datarank * (binned.bin + 1) / $bins as bin_end,
        count(*) as works
    from binned
    cross join bounds
    group by binned.bin, bounds.max_datarank
)

select * from final
