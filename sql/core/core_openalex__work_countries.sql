-- core_openalex__work_countries: which countries each work's authorships name (work_countries.parquet),
-- from authorships[].countries, with the work's fractional share for each: a work's weight 1 is split
-- equally over its authorships (all of them), and an authorship's share equally over its distinct
-- countries; an authorship without a country assigns its share to none.
-- Grain: one row per (work_id, authorship, country_code). Inputs: core_openalex__work_records.
--   authorship     the authorship's 1-based position in authorships[]
--   country_code   ISO 3166-1 alpha-2, upper-case (values that are not two letters are dropped)
--   weight         1 / (n_authorships × distinct countries of the authorship)
with

authorships as (
    select
        work_id,
        units.n_authorships as n_authorships,
        unnest(generate_series(1, len(units.affiliations))) as authorship,
        unnest(units.affiliations) as affiliation
    from core_openalex__work_records
    where len(units.affiliations) > 0
),

listed as (
    select
        work_id,
        n_authorships,
        authorship,
        len(affiliation.countries) as n_countries,
        unnest(affiliation.countries) as country_code
    from authorships
),

final as (
    select
        work_id,
        authorship::integer as authorship,
        country_code,
        1.0 / (n_authorships * n_countries) as weight
    from listed
)

select * from final
