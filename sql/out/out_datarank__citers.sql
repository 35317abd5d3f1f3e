-- out_datarank__citers: the considered citers behind each work's network score, for `explain` and
-- the report: their rank at the cap, C, outdegree, signal, the self-citation flag, and what each
-- adds to the cited work's DataRank (int_datarank__considered_citers). A night computes the
-- rescored works' rows and carries the others' (out_datarank__citers.incremental.sql).
-- Grain: one row per (cited work, considered citer). Inputs: int_datarank__considered_citers.
with

final as (
    select * from int_datarank__considered_citers
)

select * from final
