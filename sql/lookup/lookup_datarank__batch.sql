-- lookup_datarank__batch: `datarank explain --from-file`: for each input, the work it names and that
-- work's figures as `datarank explain --json` gives them (its row of `scores`, then the DOI as
-- OpenAlex gives it, OA status, retraction, venue and paratext flag), without the top citers and
-- the abstract.
-- Grain: one row per input, in input order (its line in the file); an input that names no work has
-- null figures and says why in `error`.
-- Inputs: lookup_datarank__resolved, scores, works, fair_signals. No parameters.
with

resolved as (
    select
        line,
        input,
        kind,
        work_number,
        same_doi,
        error
    from lookup_datarank__resolved
),

scored as (
    select scores.*
    from scores
    semi join resolved on scores.work_number = resolved.work_number
),

context as (
    select
        works.work_id,
        works.doi,
        works.oa_status,
        works.is_retracted
    from works
    semi join resolved on works.work_id = resolved.work_number
),

venues as (
    select
        fair_signals.work_id,
        fair_signals.venue,
        fair_signals.paratext
    from fair_signals
    semi join resolved on fair_signals.work_id = resolved.work_number
),

final as (
    select
        resolved.line,
        resolved.input,
        resolved.kind,
        resolved.error,
        scored.work_id,
        resolved.same_doi,
        scored.* exclude (work_id),
        context.doi,
        context.oa_status,
        context.is_retracted,
        venues.venue,
        venues.paratext
    from resolved
    left join scored on resolved.work_number = scored.work_number
    left join context on resolved.work_number = context.work_id
    left join venues on resolved.work_number = venues.work_id
)

select * from final
