-- int_datarank__unit_links: every link of a core-corpus work to a unit it counts for, with the work's
-- share of it: the one list the four leaderboards are aggregated from (int_datarank__unit_totals).
-- Grain: one row per (kind, unit, work, authorship) for institutions and countries (a unit named by
-- two authorships of a work has two rows), one row per (kind, unit, work) for sources and fields.
--   kind          'institution', 'country', 'source' or 'field'
--   unit_number   the unit's id as a number (institutions, sources, fields); null for countries
--   unit_code     the country code (countries); null for the others
--   unit_name     the name this link gives the unit (institutions, sources, fields), else null
--   weight        the work's fractional share (core_openalex__work_institutions / _countries);
--                 1 for a work's one source and one field
--   key_part      round(rank_key × weight): the link's part of the unit's fixed-point sum
-- Inputs: int_datarank__unit_works, core_openalex__work_institutions, core_openalex__work_countries.
with

works as (
    select *
    from int_datarank__unit_works
),

institutions as (
    select
        'institution' as kind,
        institutions.institution_id as unit_number,
        cast(null as varchar) as unit_code,
        institutions.institution_name as unit_name,
        institutions.work_id,
        institutions.weight,
        cast(round(works.rank_key * institutions.weight) as bigint) as key_part
    from core_openalex__work_institutions as institutions
    inner join works
        on works.work_id = institutions.work_id
),

countries as (
    select
        'country' as kind,
        cast(null as bigint) as unit_number,
        countries.country_code as unit_code,
        cast(null as varchar) as unit_name,
        countries.work_id,
        countries.weight,
        cast(round(works.rank_key * countries.weight) as bigint) as key_part
    from core_openalex__work_countries as countries
    inner join works
        on works.work_id = countries.work_id
),

sources as (
    select
        'source' as kind,
        source_id as unit_number,
        cast(null as varchar) as unit_code,
        source_name as unit_name,
        work_id,
        cast(1.0 as double) as weight,
        rank_key as key_part
    from works
    where source_id is not null
),

fields as (
    select
        'field' as kind,
        cast(field_id as bigint) as unit_number,
        cast(null as varchar) as unit_code,
        field_name as unit_name,
        work_id,
        cast(1.0 as double) as weight,
        rank_key as key_part
    from works
    where field_id is not null
),

final as (
    select * from institutions
    union all
    select * from countries
    union all
    select * from sources
    union all
    select * from fields
)

select * from final
