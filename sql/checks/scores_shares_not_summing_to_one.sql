-- Check: base_share + network_share must be 1 where DataRank > 0 and null where it is 0.
select work_id, datarank, base_share, network_share
from out_datarank__scores
where (datarank > 0 and abs(base_share + network_share - 1) > 1e-9)
    or (datarank = 0 and (base_share is not null or network_share is not null))
