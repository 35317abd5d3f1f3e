-- sensitivity_datarank__pairs: each work's standing in the published version beside its standing
-- under one other setting of cap and damping (out_datarank__scores made with that $cap/$damping).
-- Grain: one row per work of the published version (both sides are scored from the same core tables).
-- Ties: two works tie where their percentile is equal, i.e. where their DataRank is equal in the
-- fixed point the score stage ranks by (units of 2^-32), not by floating-point equality.
-- x_twice, y_twice: twice the average rank (ascending DataRank; tied works share the mean of the
-- ranks they span), whole numbers, so Spearman's rho can be summed exactly.
-- x_key, y_key: dense ranks of the same order (integers; equal for tied works), for Kendall's tau-b.
-- rank_published, rank_setting: the published leaderboard order (ties by id), for the top-N overlaps.
-- Inputs: published_datarank__scores (the version's scores.parquet), out_datarank__scores (the setting's).
with

published as (
    select work_number, rank, percentile, tier
    from published_datarank__scores
),

setting as (
    select work_number, rank, percentile, tier
    from out_datarank__scores
),

joined as (
    select
        published.work_number,
        published.rank as rank_published,
        setting.rank as rank_setting,
        published.percentile as percentile_published,
        setting.percentile as percentile_setting,
        published.tier as tier_published,
        setting.tier as tier_setting
    from published
    inner join setting
        on setting.work_number = published.work_number
),

final as (
    select
        work_number,
        rank_published,
        rank_setting,
        tier_published,
        tier_setting,
        2 * rank() over (order by percentile_published)
        + count(*) over (partition by percentile_published) - 1 as x_twice,
        2 * rank() over (order by percentile_setting)
        + count(*) over (partition by percentile_setting) - 1 as y_twice,
        dense_rank() over (order by percentile_published) as x_key,
        dense_rank() over (order by percentile_setting) as y_key
    from joined
)

select * from final
