-- Check: citation links whose citing or cited work is not in the works table, or that link a work
-- to itself; they would count citers that are not in the snapshot.
-- Grain: one row per bad (citing_id, cited_id) link. No parameters.
with

citations as (
    select citing_id, cited_id
    from core_openalex__citations
),

works as (
    select work_id
    from core_openalex__works
),

final as (
    select
        'W' || cast(citations.citing_id as varchar) as citing_work_id,
        'W' || cast(citations.cited_id as varchar) as cited_work_id,
        citing.work_id is not null as citing_in_works,
        cited.work_id is not null as cited_in_works
    from citations
    left join works as citing
        on citing.work_id = citations.citing_id
    left join works as cited
        on cited.work_id = citations.cited_id
    where citing.work_id is null
        or cited.work_id is null
        or citations.citing_id = citations.cited_id
)

select * from final
