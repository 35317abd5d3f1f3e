-- diff_datarank__works: every work of two published versions, with its rank and DataRank in each.
-- Grain: one row per work found in the `from` version, the `to` version or both (by work_number).
-- rank_from / datarank_from are null for a new work, rank_to / datarank_to for a removed one.
-- rank_gain > 0 means the work moved up (rank_from - rank_to); title is the `to` version's, else
-- the `from` one's. The sections (diff_datarank__entered_top, …) each pick rows of this table.
-- No parameters.
with

from_scores as (
    select work_number, rank, datarank, title
    from diff_from__scores
),

to_scores as (
    select work_number, rank, datarank, title
    from diff_to__scores
),

final as (
    select
        coalesce(to_scores.work_number, from_scores.work_number) as work_number,
        'W' || cast(coalesce(to_scores.work_number, from_scores.work_number) as varchar) as work_id,
        from_scores.rank as rank_from,
        to_scores.rank as rank_to,
        from_scores.rank - to_scores.rank as rank_gain,
        from_scores.datarank as datarank_from,
        to_scores.datarank as datarank_to,
        to_scores.datarank - from_scores.datarank as datarank_change,
        coalesce(to_scores.title, from_scores.title) as title
    from from_scores
    full outer join to_scores
        on to_scores.work_number = from_scores.work_number
)

select * from final
