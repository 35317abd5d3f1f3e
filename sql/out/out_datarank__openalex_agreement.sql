-- out_datarank__openalex_agreement: where DataRank's field-normalised standing agrees with OpenAlex's
-- own: Spearman's rank correlation of subfield_year_percentile (DataRank within subfield × year) with
-- openalex_normalized_percentile (OpenAlex's citation percentile within subfield × year × type), per
-- field and over all fields (openalex_agreement.parquet; the run manifest and the report show it).
-- Grain: one row per field with at least one work in the cohort, and one row for all fields
-- (field_id NULL, field_name 'all fields') first.
--   cohort     works with a primary topic (a field) and an OpenAlex normalised percentile
--   works, spearman   cohort size; Pearson's correlation of the two mid-ranks (ties share the mean
--              of their ranks), NULL with fewer than 3 works or no spread in either
-- Inputs: out_datarank__scores. Plain SQL (windows, corr) so Spark runs it as is.
with

cohort as (
    select
        field_id,
        field_name,
        subfield_year_percentile as datarank_percentile,
        openalex_normalized_percentile as openalex_percentile
    from out_datarank__scores
    where field_id is not null
        and openalex_normalized_percentile is not null
),

members as (
    select field_id, field_name, datarank_percentile, openalex_percentile
    from cohort
    union all
    select cast(null as integer) as field_id, 'all fields' as field_name, datarank_percentile, openalex_percentile
    from cohort
),

-- mid-ranks within each field (the all-fields group is field_id NULL)
ranked as (
    select
        field_id,
        field_name,
        rank() over (partition by field_id order by datarank_percentile)
            + (cast(count(*) over (partition by field_id, datarank_percentile) as double) - 1) / 2 as datarank_rank,
        rank() over (partition by field_id order by openalex_percentile)
            + (cast(count(*) over (partition by field_id, openalex_percentile) as double) - 1) / 2 as openalex_rank
    from members
),

final as (
    select
        field_id,
        max(field_name) as field_name,
        count(*) as works,
        case
            when count(*) >= 3 and stddev_pop(datarank_rank) > 0 and stddev_pop(openalex_rank) > 0
                then corr(datarank_rank, openalex_rank)
        end as spearman
    from ranked
    group by field_id
    order by case when field_id is null then 0 else 1 end, field_id
)

select * from final
