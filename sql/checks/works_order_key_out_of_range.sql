-- Check: works whose cited_by_count or id would overflow citer_order_key (C < 2^28, id < 2^35),
-- which would put citers in the wrong order at the cap.
select work_id, cited_by_count
from core_openalex__works
where cited_by_count >= 268435456 or work_id >= 34359738368 or work_id < 0
