-- core_openalex__work_institutions: which institutions each work's authorships name
-- (work_institutions.parquet), with the work's fractional share for each: a work's weight 1 is split
-- equally over its authorships (all of them, n_authorships), and an authorship's share equally over
-- its distinct institutions; an authorship without an institution assigns its share to none.
-- The reader listed each authorship's institutions with a valid id (sql/macros/openalex_units.sql).
-- Grain: one row per (work_id, authorship, institution_id). Inputs: core_openalex__work_records.
--   authorship        the authorship's 1-based position in authorships[]
--   institution_id    I4210166736 → 4210166736 (institutions without a valid id are not rows)
--   institution_name, ror, country_code   as the record names them (an authorship that lists one
--                     institution twice: the smallest value given)
--   weight            1 / (n_authorships × distinct institutions of the authorship)
with

listed as (
    select
        work_id,
        units.n_authorships as n_authorships,
        unnest(units.institutions) as institution
    from core_openalex__work_records
),

distinct_institutions as (
    select
        work_id,
        n_authorships,
        institution.authorship as authorship,
        institution.id as institution_id,
        min(institution.name) as institution_name,
        min(institution.ror) as ror,
        min(institution.country_code) as country_code
    from listed
    group by work_id, n_authorships, institution.authorship, institution.id
),

final as (
    select
        work_id,
        authorship,
        institution_id,
        institution_name,
        ror,
        country_code,
        1.0 / (n_authorships * count(*) over (partition by work_id, authorship)) as weight
    from distinct_institutions
)

select * from final
