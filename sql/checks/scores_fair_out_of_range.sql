-- Check: FAIR scores that break fair_v1's definition (docs/fair.md): a dimension outside 0–100,
-- fair_raw other than the mean of the four, a calibrated score outside (0, 100], or a work scored
-- in part only (its dimensions, fair_raw and both calibrated scores are all null or none is).
-- Returns the failing rows.
select work_id, fair_findable, fair_accessible, fair_interoperable, fair_reusable, fair_raw, fair_score,
    fair_year_type_score
from out_datarank__scores
where (fair_raw is null) <> (fair_score is null)
    or (fair_raw is null) <> (fair_year_type_score is null)
    or (fair_raw is null) <> (fair_findable is null or fair_accessible is null
        or fair_interoperable is null or fair_reusable is null)
    or least(fair_findable, fair_accessible, fair_interoperable, fair_reusable) < 0
    or greatest(fair_findable, fair_accessible, fair_interoperable, fair_reusable) > 100
    or fair_raw <> (fair_findable + fair_accessible + fair_interoperable + fair_reusable) / 4.0
    or fair_score <= 0 or fair_score > 100
    or fair_year_type_score <= 0 or fair_year_type_score > 100
