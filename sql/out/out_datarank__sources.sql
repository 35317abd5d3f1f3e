-- out_datarank__sources: the sources' leaderboard (journals, repositories, conferences: a work's
-- primary_location.source; docs/units.md), over the core corpus (int_datarank__unit_works).
-- Grain: one row per source id of a core-corpus work (works without a source are left out).
-- A work belongs wholly to its one source: its weight is 1, so works_fractional = works_full and
-- each *_fractional figure equals its *_full one (both are published, as for the other units).
--   works_full          the source's works
--   datarank_sum        Σ DataRank; datarank_mean = datarank_sum / works_full
--   pp_top10_*          share of its works in the top 10% of their publication_year × type;
--                       pp_top1_* for the top 1%
--   top10_mean          the mean DataRank of its ten best works (by scores.rank; all when fewer)
--   source_name         the name most of its works give (ties: the smallest), null when none does
--   rank                by datarank_sum desc, ties by the id's number asc; the sum is compared in
--                       fixed point (Σ rank_key, integers), so equal sums tie in any engine
-- Plain SQL (window functions, no QUALIFY) so Spark runs it as transpiled.
with

works as (
    select *
    from int_datarank__unit_works
    where source_id is not null
),

names as (
    select
        source_id,
        source_name,
        row_number() over (partition by source_id order by count(*) desc, source_name asc) as position
    from works
    where source_name is not null
    group by source_id, source_name
),

positioned as (
    select
        source_id,
        datarank,
        row_number() over (partition by source_id order by rank asc) as position
    from works
),

best as (
    select
        source_id,
        avg(datarank) as top10_mean
    from positioned
    where position <= 10
    group by source_id
),

totals as (
    select
        source_id,
        count(*) as works_full,
        sum(datarank) as datarank_sum,
        cast(sum(is_top10) as double) / count(*) as pp_top10,
        cast(sum(is_top1) as double) / count(*) as pp_top1,
        sum(rank_key) as sum_key
    from works
    group by source_id
),

ranked as (
    select
        totals.*,
        best.top10_mean,
        names.source_name,
        -- cast: Spark's row_number() is an INT, DuckDB's a BIGINT
        cast(row_number() over (order by totals.sum_key desc, totals.source_id asc) as bigint) as rank
    from totals
    inner join best
        on best.source_id = totals.source_id
    left join names
        on names.source_id = totals.source_id and names.position = 1
),

final as (
    select
        -- identity
        'S' || cast(source_id as varchar) as source_id,
        source_name,
        -- output
        works_full,
        cast(works_full as double) as works_fractional,
        -- impact
        datarank_sum,
        datarank_sum / works_full as datarank_mean,
        pp_top10 as pp_top10_full,
        pp_top10 as pp_top10_fractional,
        pp_top1 as pp_top1_full,
        pp_top1 as pp_top1_fractional,
        top10_mean,
        -- standing
        rank
    from ranked
)

select * from final
