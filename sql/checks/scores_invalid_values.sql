-- Check: scores that are negative, NaN, infinite or missing. Returns the failing rows.
select work_id, base_score, network_score, datarank
from out_datarank__scores
where datarank is null or base_score is null or network_score is null
    or isnan(datarank) or isinf(datarank)
    or datarank < 0 or base_score < 0 or network_score < 0
