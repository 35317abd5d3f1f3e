-- out_datarank__institutions: the institutions' leaderboard (docs/units.md), over the core corpus
-- (int_datarank__unit_works).
-- Grain: one row per institution id named by an authorship of a core-corpus work
-- (core_openalex__work_institutions: one row per work × authorship × institution).
--   works_full          distinct works linked to the institution (full counting)
--   works_fractional    Σ of its weights: a work's 1 is split equally over its authorships, an
--                       authorship's share equally over its institutions; an institution on two
--                       authorships of a work gets both shares (fractional counting)
--   datarank_sum        Σ weight × DataRank (fractional); datarank_mean = datarank_sum / works_fractional
--   pp_top10_full       share of works_full in the top 10% of their publication_year × type
--   pp_top10_fractional the same share by weight; pp_top1_* for the top 1%
--   top10_mean          the mean DataRank of its ten best works (by scores.rank; all when fewer)
--   institution_name    the name most of its works give (ties: the smallest), null when none does
--   rank                by datarank_sum desc, ties by the id's number asc; the sum is compared in
--                       fixed point (Σ over rows of round(rank_key × weight), integers), so equal
--                       sums tie in any engine
-- Plain SQL (window functions, no QUALIFY) so Spark runs it as transpiled.
with

works as (
    select *
    from int_datarank__unit_works
),

links as (
    select
        institutions.institution_id,
        institutions.institution_name,
        institutions.work_id,
        institutions.weight,
        works.datarank,
        works.rank,
        works.is_top10,
        works.is_top1,
        cast(round(works.rank_key * institutions.weight) as bigint) as key_part
    from core_openalex__work_institutions as institutions
    inner join works
        on works.work_id = institutions.work_id
),

per_work as (
    select
        institution_id,
        work_id,
        sum(weight) as weight,
        sum(key_part) as key_part,
        max(datarank) as datarank,
        max(rank) as rank,
        max(is_top10) as is_top10,
        max(is_top1) as is_top1
    from links
    group by institution_id, work_id
),

names as (
    select
        institution_id,
        institution_name,
        row_number() over (
            partition by institution_id
            order by count(distinct work_id) desc, institution_name asc
        ) as position
    from links
    where institution_name is not null
    group by institution_id, institution_name
),

positioned as (
    select
        institution_id,
        datarank,
        row_number() over (partition by institution_id order by rank asc) as position
    from per_work
),

best as (
    select
        institution_id,
        avg(datarank) as top10_mean
    from positioned
    where position <= 10
    group by institution_id
),

totals as (
    select
        institution_id,
        count(*) as works_full,
        sum(weight) as works_fractional,
        sum(weight * datarank) as datarank_sum,
        cast(sum(is_top10) as double) / count(*) as pp_top10_full,
        sum(weight * is_top10) / sum(weight) as pp_top10_fractional,
        cast(sum(is_top1) as double) / count(*) as pp_top1_full,
        sum(weight * is_top1) / sum(weight) as pp_top1_fractional,
        sum(key_part) as sum_key
    from per_work
    group by institution_id
),

ranked as (
    select
        totals.*,
        best.top10_mean,
        names.institution_name,
        -- cast: Spark's row_number() is an INT, DuckDB's a BIGINT
        cast(row_number() over (order by totals.sum_key desc, totals.institution_id asc) as bigint) as rank
    from totals
    inner join best
        on best.institution_id = totals.institution_id
    left join names
        on names.institution_id = totals.institution_id and names.position = 1
),

final as (
    select
        -- identity
        'I' || cast(institution_id as varchar) as institution_id,
        institution_name,
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
