-- int_fair__scores: fair_v1 for every work (SPEC §7): the four dimensions, fair_raw, the calibrated
-- scores and the checklist, as `scores` publishes them.
-- Grain: one row per work. Inputs: int_fair__dimensions.
--   fair_raw              (F + A + I + R) / 4; NULL for a work not scored (paratext)
--   fair_score            the mid-rank percentile of fair_raw among every scored work:
--                         100 · (lower + equal / 2) / n, lower = scored works with a strictly lower
--                         fair_raw, equal = those with the same (itself included), n = scored works
--   fair_year_type_score  the same within the work's publication_year × type (a null year or type
--                         is a group of its own, as for DataRank's year × type standing)
-- Ties are found on fair_points (an integer), never on a float. Plain window functions, so Spark
-- runs it as is.
with

dimensions as (
    select
        dimensions.*,
        works.publication_year,
        works.type
    from int_fair__dimensions as dimensions
    inner join core_openalex__works as works
        on works.work_id = dimensions.work_id
),

scored as (
    select
        work_id,
        fair_points,
        -- lower = rank − 1; equal = the works sharing fair_points
        rank() over (order by fair_points) - 1 as lower_all,
        count(*) over (partition by fair_points) as equal_all,
        count(*) over () as n_all,
        rank() over (partition by publication_year, type order by fair_points) - 1 as lower_group,
        count(*) over (partition by publication_year, type, fair_points) as equal_group,
        count(*) over (partition by publication_year, type) as n_group
    from dimensions
    where fair_points is not null
),

final as (
    select
        dimensions.work_id,
        dimensions.fair_findable,
        dimensions.fair_accessible,
        dimensions.fair_interoperable,
        dimensions.fair_reusable,
        -- doubles throughout (a decimal literal would make Spark's result DECIMAL)
        cast(dimensions.fair_points as double) / 4 as fair_raw,
        100 * (cast(scored.lower_all as double) + cast(scored.equal_all as double) / 2) / scored.n_all as fair_score,
        100 * (cast(scored.lower_group as double) + cast(scored.equal_group as double) / 2) / scored.n_group
            as fair_year_type_score,
        dimensions.has_doi,
        dimensions.in_repository,
        dimensions.is_oa,
        dimensions.datacite_registered,
        dimensions.linked_datasets,
        dimensions.open_licence,
        dimensions.version_history
    from dimensions
    left join scored
        on scored.work_id = dimensions.work_id
)

select * from final
