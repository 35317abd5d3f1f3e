-- out_datarank__institutions: the institutions' leaderboard (docs/units.md), over the core corpus.
-- Grain: one row per institution id named by an authorship of a core-corpus work.
-- Every figure is made once for all four leaderboards by int_datarank__unit_totals (its header
-- says how); datarank_mean = datarank_sum / works_fractional. Inputs: int_datarank__unit_totals.
with

totals as (
    select *
    from int_datarank__unit_totals
    where kind = 'institution'
),

final as (
    select
        -- identity
        'I' || cast(unit_number as varchar) as institution_id,
        unit_name as institution_name,
        -- output
        works_full,
        works_fractional,
        -- impact
        datarank_sum,
        datarank_sum / works_fractional as datarank_mean,
        pp_top10_full,
        pp_top10_fractional,
        pp_top1_full,
        pp_top1_fractional,
        top10_mean,
        -- standing
        rank
    from totals
)

select * from final
