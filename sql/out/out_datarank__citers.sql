-- out_datarank__citers: the considered citers behind each work's network score, for `explain` and
-- the report. A night computes the rescored works' rows and carries the others'
-- (out_datarank__citers.incremental.sql).
-- Grain: one row per (cited work, considered citer), ordered as the cap ordered them.
-- contribution is what the citer adds to the cited work's DataRank: d · its signal, 0 when it is
-- a self-citation. Parameters: $damping. Inputs: int_datarank__considered_citers.
with

considered as (
    select *
    from int_datarank__considered_citers
),

final as (
    select
        cited_id,
        citing_id,
        citer_rank,
        citer_cited_by_count,
        citer_outdegree,
        citer_signal,
        is_self_citation,
        case when is_self_citation then 0.0 else $damping * citer_signal end as contribution
    from considered
)

select * from final
