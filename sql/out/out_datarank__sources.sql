-- out_datarank__sources: the sources' leaderboard (journals, repositories, conferences: a work's
-- primary_location.source; docs/units.md), over the core corpus.
-- Grain: one row per source id of a core-corpus work (works without a source are left out); a work belongs wholly
-- to its one source, so each *_fractional figure equals its *_full one.
-- Every figure is made once for all four leaderboards by int_datarank__unit_totals (its header
-- says how); datarank_mean = datarank_sum / works_fractional. Inputs: int_datarank__unit_totals.
with

totals as (
    select *
    from int_datarank__unit_totals
    where kind = 'source'
),

final as (
    select
        -- identity
        'S' || cast(unit_number as varchar) as source_id,
        unit_name as source_name,
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
