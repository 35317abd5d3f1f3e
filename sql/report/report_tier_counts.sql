-- report_tier_counts: how the works of a version fall into tiers, for the report's summary.
-- Grain: one row per tier present (S1…S5, unranked), best first. No parameters.
with

scores as (
    select tier, datarank, percentile
    from scores
),

final as (
    select
        tier,
        count(*) as works,
        min(datarank) as min_datarank,
        max(datarank) as max_datarank,
        min(percentile) as min_percentile
    from scores
    group by tier
)

select * from final
