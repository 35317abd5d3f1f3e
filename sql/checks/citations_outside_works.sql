-- Check: citation links whose citing or cited work is not in the works table, or that link a work
-- to itself; they would count citers that are not in the snapshot.
-- Grain: one row per bad (citing_id, cited_id) link. No parameters.
-- The links are read once, probing only the works table for the citing side; the cited side comes
-- from checks_citations_by_cited (one row per cited work), so only links to a suspect cited work
-- (not in works, or with a self-link) are looked at again.
with

citations as (
    select citing_id, cited_id
    from core_openalex__citations
),

works as (
    select work_id
    from core_openalex__works
),

suspect_cited as (
    select
        by_cited.cited_id,
        works.work_id is not null as cited_in_works
    from checks_citations_by_cited as by_cited
    left join works
        on works.work_id = by_cited.cited_id
    where works.work_id is null
        or by_cited.self_links > 0
),

final as (
    select
        'W' || cast(citations.citing_id as varchar) as citing_work_id,
        'W' || cast(citations.cited_id as varchar) as cited_work_id,
        citing.work_id is not null as citing_in_works,
        coalesce(suspect_cited.cited_in_works, true) as cited_in_works
    from citations
    left join works as citing
        on citing.work_id = citations.citing_id
    left join suspect_cited
        on suspect_cited.cited_id = citations.cited_id
    where citing.work_id is null
        or not suspect_cited.cited_in_works
        or (suspect_cited.cited_id is not null and citations.citing_id = citations.cited_id)
)

select * from final
