-- Check: citer counts that contradict each other or the cap. Parameters: $cap.
select work_id, citers_in_snapshot, citers_considered, self_citations_excluded, citers_with_signal, cap_bound
from out_datarank__scores
where citers_considered > $cap
    or citers_considered <> least(citers_in_snapshot, $cap)
    or self_citations_excluded > citers_considered
    or citers_with_signal > citers_considered - self_citations_excluded
    or cap_bound <> (citers_in_snapshot > $cap)
