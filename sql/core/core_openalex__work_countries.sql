-- core_openalex__work_countries: which countries each work's authorships name (work_countries.parquet),
-- from authorships[].countries, with the work's fractional share for each: a work's weight 1 is split
-- equally over its authorships (all of them), and an authorship's share equally over its distinct
-- countries; an authorship without a country assigns its share to none.
-- The reader made the list (sql/macros/openalex_country_shares.sql); this unnests it.
-- Grain: one row per (work_id, authorship, country_code). Inputs: core_openalex__work_records.
--   authorship     the authorship's 1-based position in authorships[]
--   country_code   ISO 3166-1 alpha-2, upper-case (values that are not two letters are dropped)
--   weight         1 / (n_authorships × distinct countries of the authorship)
with

listed as (
    select
        work_id,
        unnest(units.countries) as country
    from core_openalex__work_records
),

final as (
    select
        work_id,
        country.authorship,
        country.country_code,
        country.weight
    from listed
)

select * from final
