-- core_openalex__work_institutions: which institutions each work's authorships name
-- (work_institutions.parquet), with the work's fractional share for each: a work's weight 1 is split
-- equally over its authorships (all of them, n_authorships), and an authorship's share equally over
-- its distinct institutions; an authorship without an institution assigns its share to none.
-- Grain: one row per (work_id, authorship, institution_id). Inputs: core_openalex__work_records.
--   authorship        the authorship's 1-based position in authorships[]
--   institution_id    I4210166736 → 4210166736 (institutions without a valid id are not rows)
--   institution_name, ror, country_code   as the record names them (the first listing in the
--                     authorship when it lists one institution twice)
--   weight            1 / (n_authorships × distinct institutions of the authorship)
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
        unnest(affiliation.institutions) as institution
    from authorships
),

distinct_institutions as (
    select
        work_id,
        n_authorships,
        authorship,
        institution.id as institution_id,
        first(institution.name order by institution.name nulls last) as institution_name,
        first(institution.ror order by institution.ror nulls last) as ror,
        first(institution.country_code order by institution.country_code nulls last) as country_code
    from listed
    group by work_id, n_authorships, authorship, institution.id
),

final as (
    select
        work_id,
        authorship::integer as authorship,
        institution_id,
        institution_name,
        ror,
        country_code,
        1.0 / (n_authorships * count(*) over (partition by work_id, authorship)) as weight
    from distinct_institutions
)

select * from final
