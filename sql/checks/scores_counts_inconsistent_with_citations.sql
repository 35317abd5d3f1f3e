-- Check: per-work citer counts of the ranked table that disagree with the tables they come from:
-- citers_in_snapshot with the rows of the citations table citing the work, citers_considered and
-- self_citations_excluded with the rows of the considered-citers table. Also catches citations to
-- a work that has no row in the ranked table.
-- Grain: one row per inconsistent work. No parameters.
with

scores as (
    select work_number, citers_in_snapshot, citers_considered, self_citations_excluded
    from out_datarank__scores
),

cited as (
    select
        cited_id as work_number,
        citation_rows
    from checks_citations_by_cited
),

considered as (
    select
        cited_id as work_number,
        count(*) as considered_rows,
        count(*) filter (where is_self_citation) as self_citation_rows
    from out_datarank__citers
    group by cited_id
),

compared as (
    select
        coalesce(scores.work_number, cited.work_number, considered.work_number) as work_number,
        scores.work_number is not null as in_scores,
        scores.citers_in_snapshot,
        coalesce(cited.citation_rows, 0) as citation_rows,
        scores.citers_considered,
        coalesce(considered.considered_rows, 0) as considered_rows,
        scores.self_citations_excluded,
        coalesce(considered.self_citation_rows, 0) as self_citation_rows
    from scores
    full outer join cited
        on cited.work_number = scores.work_number
    full outer join considered
        on considered.work_number = coalesce(scores.work_number, cited.work_number)
),

final as (
    select
        'W' || cast(work_number as varchar) as work_id,
        * exclude (work_number)
    from compared
    where not in_scores
        or citers_in_snapshot <> citation_rows
        or citers_considered <> considered_rows
        or self_citations_excluded <> self_citation_rows
)

select * from final
