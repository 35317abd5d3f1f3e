-- report_share_histogram: where DataRank comes from, over the works with DataRank > 0: the share
-- of the citation network (network_share; base_share is 1 minus it) in $bins equal-width bins of
-- [0, 1].
-- Grain: one row per non-empty bin. Parameters: $bins.
with

ranked as (
    select network_share
    from scores
    where datarank > 0
),

binned as (
    select least(cast(floor(network_share * $bins) as bigint), $bins - 1) as bin
    from ranked
),

final as (
    select
        bin,
        1.0 * bin / $bins as bin_start,
        1.0 * (bin + 1) / $bins as bin_end,
        count(*) as works
    from binned
    group by bin
)

select * from final
