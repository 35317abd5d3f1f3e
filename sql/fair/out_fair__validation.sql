-- out_fair__validation: is fair_v1 measuring something citations reward? The Spearman correlation of
-- the FAIR score with DataRank's year × type percentile on recent research papers, checked on every
-- run (fair_validation.parquet; the run manifest and the report show it).
-- Grain: one row per cohort × variant (15 rows, fewer when a cohort is empty).
--   cohort     works published in the last five years of the snapshot (publication_year from the
--              snapshot's year − 4 to its year, the snapshot's year being that of its newest
--              updated_date), of type article or review, scored (not paratext): 'all', and within
--              it 'open access' (the checklist's is_oa) and 'closed' (the rest)
--   left_out   'none' (fair_v1 as published), or the dimension left out (ablation: the other three
--              summed) — 'findable', 'accessible', 'interoperable', 'reusable'
--   works, spearman   cohort size; the rank correlation (mid-ranks for ties) of the variant's
--              points with year_type_percentile, NULL with fewer than 3 works or no spread
--   year_from, year_to   the cohort's publication years
-- The calibrated fair_score is an increasing function of fair_raw, so it has fair_raw's ranks:
-- the correlation of the points is the correlation of the score.
-- Inputs: out_datarank__scores, int_fair__dimensions, core_openalex__works. Plain SQL (windows,
-- corr) so Spark runs it as is.
with

snapshot_year as (
    -- cast: year() is a BIGINT in DuckDB, an INT in Spark
    select cast(coalesce(max(year(updated_date)), max(publication_year)) as integer) as year_to
    from core_openalex__works
),

cohort as (
    select
        scores.work_number,
        scores.year_type_percentile as percentile,
        scores.is_oa,
        scores.fair_findable as findable,
        scores.fair_accessible as accessible,
        scores.fair_interoperable as interoperable,
        scores.fair_reusable as reusable,
        snapshot_year.year_to
    from out_datarank__scores as scores
    inner join int_fair__dimensions as dimensions
        on dimensions.work_id = scores.work_number
    cross join snapshot_year
    where dimensions.research_article
        and scores.fair_raw is not null
        and scores.publication_year between snapshot_year.year_to - 4 and snapshot_year.year_to
),

members as (
    select *, 'all' as cohort from cohort
    union all
    select *, case when is_oa then 'open access' else 'closed' end as cohort from cohort
),

-- the percentile's mid-rank within each cohort (shared by every variant)
percentile_ranked as (
    select
        *,
        rank() over (partition by cohort order by percentile)
            + (cast(count(*) over (partition by cohort, percentile) as double) - 1) / 2 as percentile_rank
    from members
),

variants as (
    select left_out
    from (values ('none'), ('findable'), ('accessible'), ('interoperable'), ('reusable')) as listed(left_out)
),

points as (
    select
        ranked.cohort,
        variants.left_out,
        ranked.year_to,
        ranked.percentile_rank,
        findable + accessible + interoperable + reusable
            - case variants.left_out
                when 'findable' then findable
                when 'accessible' then accessible
                when 'interoperable' then interoperable
                when 'reusable' then reusable
                else 0
            end as points
    from percentile_ranked as ranked
    cross join variants
),

-- points take few values: their mid-ranks come from a running count over the distinct values
point_counts as (
    select cohort, left_out, points, count(*) as works
    from points
    group by cohort, left_out, points
),

point_ranks as (
    select
        cohort,
        left_out,
        points,
        cast(sum(works) over (
            partition by cohort, left_out order by points rows between unbounded preceding and current row
        ) - works as double) + (cast(works as double) + 1) / 2 as points_rank
    from point_counts
),

final as (
    select
        points.cohort,
        points.left_out,
        count(*) as works,
        case
            when count(*) >= 3 and stddev_pop(point_ranks.points_rank) > 0 and stddev_pop(points.percentile_rank) > 0
                then corr(point_ranks.points_rank, points.percentile_rank)
        end as spearman,
        cast(min(points.year_to) - 4 as integer) as year_from,
        cast(min(points.year_to) as integer) as year_to
    from points
    inner join point_ranks
        on point_ranks.cohort = points.cohort
        and point_ranks.left_out = points.left_out
        and point_ranks.points = points.points
    group by points.cohort, points.left_out
    order by
        case points.cohort when 'all' then 0 when 'open access' then 1 else 2 end,
        case points.left_out when 'none' then 0 when 'findable' then 1 when 'accessible' then 2
            when 'interoperable' then 3 else 4 end
)

select * from final
