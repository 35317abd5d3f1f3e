-- int_datarank__unit_totals: every unit's figures (docs/units.md), for the four leaderboards
-- (out_datarank__institutions, _sources, _countries, _fields), from int_datarank__unit_links.
-- Grain: one row per (kind, unit_number, unit_code).
--   works_full          distinct works linked to the unit (full counting)
--   works_fractional    Σ of its weights: a work's 1 split equally over its authorships, an
--                       authorship's share equally over its institutions (or countries); a unit on
--                       two authorships of a work gets both shares (fractional counting); for
--                       sources and fields, whose works belong wholly to one, the same as works_full
--   datarank_sum        Σ weight × DataRank
--   pp_top10_full       share of works_full in the top 10% of their publication_year × type
--   pp_top10_fractional the same share by weight; pp_top1_* for the top 1%
--   top10_mean          the mean DataRank of its ten best works (by scores.rank; all when fewer)
--   unit_name           the name most of its works give (ties: the smallest), null when none does
--   rank                within its kind, by datarank_sum desc, ties by the id (number, or code) asc;
--                       the sum is compared in fixed point (Σ key_part, integers), so equal sums
--                       tie in any engine
-- Plain SQL (window functions, no QUALIFY) so Spark runs it as transpiled.
-- Inputs: int_datarank__unit_links, int_datarank__unit_works.
with

links as (
    select
        links.*,
        works.datarank,
        works.rank,
        works.is_top10,
        works.is_top1
    from int_datarank__unit_links as links
    inner join int_datarank__unit_works as works
        on works.work_id = links.work_id
),

per_work as (
    select
        kind,
        unit_number,
        unit_code,
        work_id,
        sum(weight) as weight,
        sum(key_part) as key_part,
        max(datarank) as datarank,
        max(rank) as rank,
        max(is_top10) as is_top10,
        max(is_top1) as is_top1
    from links
    group by kind, unit_number, unit_code, work_id
),

names as (
    select
        kind,
        unit_number,
        unit_code,
        unit_name,
        row_number() over (
            partition by kind, unit_number, unit_code
            order by count(distinct work_id) desc, unit_name asc
        ) as position
    from links
    where unit_name is not null
    group by kind, unit_number, unit_code, unit_name
),

positioned as (
    select
        kind,
        unit_number,
        unit_code,
        datarank,
        row_number() over (partition by kind, unit_number, unit_code order by rank asc) as position
    from per_work
),

best as (
    select
        kind,
        unit_number,
        unit_code,
        avg(datarank) as top10_mean
    from positioned
    where position <= 10
    group by kind, unit_number, unit_code
),

totals as (
    select
        kind,
        unit_number,
        unit_code,
        count(*) as works_full,
        sum(weight) as works_fractional,
        sum(weight * datarank) as datarank_sum,
        cast(sum(is_top10) as double) / count(*) as pp_top10_full,
        sum(weight * is_top10) / sum(weight) as pp_top10_fractional,
        cast(sum(is_top1) as double) / count(*) as pp_top1_full,
        sum(weight * is_top1) / sum(weight) as pp_top1_fractional,
        sum(key_part) as sum_key
    from per_work
    group by kind, unit_number, unit_code
),

final as (
    select
        totals.*,
        best.top10_mean,
        names.unit_name,
        -- cast: Spark's row_number() is an INT, DuckDB's a BIGINT
        cast(row_number() over (
            partition by totals.kind
            order by totals.sum_key desc, totals.unit_number asc, totals.unit_code asc
        ) as bigint) as rank
    from totals
    inner join best
        on
            best.kind = totals.kind
            and best.unit_number is not distinct from totals.unit_number
            and best.unit_code is not distinct from totals.unit_code
    left join names
        on
            names.kind = totals.kind
            and names.unit_number is not distinct from totals.unit_number
            and names.unit_code is not distinct from totals.unit_code
            and names.position = 1
)

select * from final
