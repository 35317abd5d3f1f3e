-- out_datarank__countries: the countries' leaderboard (docs/units.md), over the core corpus
-- (int_datarank__unit_works).
-- Grain: one row per country code named by an authorship of a core-corpus work
-- (core_openalex__work_countries: one row per work × authorship × country, from
-- authorships[].countries).
--   works_full          distinct works linked to the country (full counting)
--   works_fractional    Σ of its weights: a work's 1 is split equally over its authorships, an
--                       authorship's share equally over its countries; a country on two
--                       authorships of a work gets both shares (fractional counting)
--   datarank_sum        Σ weight × DataRank (fractional); datarank_mean = datarank_sum / works_fractional
--   pp_top10_full       share of works_full in the top 10% of their publication_year × type
--   pp_top10_fractional the same share by weight; pp_top1_* for the top 1%
--   top10_mean          the mean DataRank of its ten best works (by scores.rank; all when fewer)
--   country_name        the code itself: the snapshot carries no country names
--   rank                by datarank_sum desc, ties by the code asc; the sum is compared in fixed
--                       point (Σ over rows of round(rank_key × weight), integers), so equal sums
--                       tie in any engine
-- Plain SQL (window functions, no QUALIFY) so Spark runs it as transpiled.
with

works as (
    select *
    from int_datarank__unit_works
),

links as (
    select
        countries.country_code,
        countries.work_id,
        countries.weight,
        works.datarank,
        works.rank,
        works.is_top10,
        works.is_top1,
        cast(round(works.rank_key * countries.weight) as bigint) as key_part
    from core_openalex__work_countries as countries
    inner join works
        on works.work_id = countries.work_id
),

per_work as (
    select
        country_code,
        work_id,
        sum(weight) as weight,
        sum(key_part) as key_part,
        max(datarank) as datarank,
        max(rank) as rank,
        max(is_top10) as is_top10,
        max(is_top1) as is_top1
    from links
    group by country_code, work_id
),

positioned as (
    select
        country_code,
        datarank,
        row_number() over (partition by country_code order by rank asc) as position
    from per_work
),

best as (
    select
        country_code,
        avg(datarank) as top10_mean
    from positioned
    where position <= 10
    group by country_code
),

totals as (
    select
        country_code,
        count(*) as works_full,
        sum(weight) as works_fractional,
        sum(weight * datarank) as datarank_sum,
        cast(sum(is_top10) as double) / count(*) as pp_top10_full,
        sum(weight * is_top10) / sum(weight) as pp_top10_fractional,
        cast(sum(is_top1) as double) / count(*) as pp_top1_full,
        sum(weight * is_top1) / sum(weight) as pp_top1_fractional,
        sum(key_part) as sum_key
    from per_work
    group by country_code
),

ranked as (
    select
        totals.*,
        best.top10_mean,
        -- cast: Spark's row_number() is an INT, DuckDB's a BIGINT
        cast(row_number() over (order by totals.sum_key desc, totals.country_code asc) as bigint) as rank
    from totals
    inner join best
        on best.country_code = totals.country_code
),

final as (
    select
        -- identity
        country_code,
        country_code as country_name,
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
    from ranked
)

select * from final
