-- lookup_datarank__resolved: the work each input of a lookup names (`datarank explain ID`, `datarank
-- explain --from-file`, `datarank.open().explain`): an OpenAlex work id (W…, any case, or its
-- https://openalex.org/ URL) or a DOI in any of its forms (10.…, https://doi.org/…,
-- http://dx.doi.org/…, doi:…; any case), found in the `dois` table by doi_key.
-- Grain: one row per input (lookup_inputs.line). A DOI several works share resolves to the
-- best-ranked of them (lowest rank, then lowest id); same_doi lists the others, best first.
-- An input that names no work of the version has a null work_number and says why in `error`.
-- Inputs: lookup_inputs (line, input), dois, scores. No parameters.
with

inputs as (
    select
        line,
        input,
        trim(input) as input_text
    from lookup_inputs
),

parsed as (
    select
        line,
        input,
        case
            when regexp_full_match(input_text, '(?i)(https?://openalex\.org/)?w[0-9]{1,18}')
                then cast(regexp_extract(input_text, '([0-9]+)$', 1) as bigint)
        end as work_number,
        doi_key(input_text) as doi
    from inputs
),

wanted_dois as (
    select distinct doi
    from parsed
    where work_number is null and doi is not null
),

doi_matches as (
    select
        dois.doi,
        dois.work_id
    from dois
    semi join wanted_dois on dois.doi = wanted_dois.doi
),

candidates as (
    select work_number as work_id
    from parsed
    where work_number is not null
    union
    select work_id
    from doi_matches
),

ranked as (
    select
        scores.work_number as work_id,
        scores.rank
    from scores
    semi join candidates on scores.work_number = candidates.work_id
),

by_doi as (
    select
        doi_matches.doi,
        list(doi_matches.work_id order by ranked.rank, doi_matches.work_id) as work_ids
    from doi_matches
    inner join ranked on doi_matches.work_id = ranked.work_id
    group by doi_matches.doi
),

final as (
    select
        parsed.line,
        parsed.input,
        case
            when parsed.work_number is not null then 'work_id'
            when parsed.doi is not null then 'doi'
        end as kind,
        coalesce(ranked.work_id, by_doi.work_ids[1]) as work_number,
        coalesce(list_transform(by_doi.work_ids[2:], lambda other: 'W' || other), []) as same_doi,
        case
            when parsed.work_number is null and parsed.doi is null then 'not an OpenAlex work id or DOI'
            when parsed.work_number is not null and ranked.work_id is null then 'no such work in this version'
            when parsed.work_number is null and by_doi.doi is null then 'no work with this DOI in this version'
        end as error
    from parsed
    left join ranked on parsed.work_number = ranked.work_id
    left join by_doi on parsed.work_number is null and parsed.doi = by_doi.doi
)

select * from final
