-- out_datarank__citers on a night: the considered citers just computed for the rescored works
-- (int_datarank__considered_citers holds only theirs; the columns of out_datarank__citers.sql), and
-- the previous version's rows of every other work.
-- Grain: one row per (cited work, considered citer). Parameters: $damping.
-- Inputs: int_datarank__considered_citers, previous_datarank__citers, core_openalex__rescored_works.
with

scored as (
    select
        cited_id,
        citing_id,
        citer_rank,
        citer_cited_by_count,
        citer_outdegree,
        citer_signal,
        is_self_citation,
        case when is_self_citation then 0.0 else $damping * citer_signal end as contribution
    from int_datarank__considered_citers
),

carried as (
    select previous.*
    from previous_datarank__citers as previous
    anti join core_openalex__rescored_works as rescored
        on rescored.work_id = previous.cited_id
),

final as (
    select * from scored
    union all by name
    select * from carried
)

select * from final
