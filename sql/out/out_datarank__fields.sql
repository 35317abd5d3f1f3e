-- out_datarank__fields: the fields' leaderboard (a work's primary_topic.field, one of OpenAlex's 26
-- fields; docs/units.md), over the core corpus.
-- Grain: one row per field of a core-corpus work (works without a primary topic are left out); a work belongs
-- wholly to its one field, so each *_fractional figure equals its *_full one.
-- Every figure is made once for all four leaderboards by int_datarank__unit_totals (its header
-- says how); datarank_mean = datarank_sum / works_fractional. Inputs: int_datarank__unit_totals.
with

totals as (
    select *
    from int_datarank__unit_totals
    where kind = 'field'
),

final as (
    select
        -- identity
        cast(unit_number as integer) as field_id,
        unit_name as field_name,
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
