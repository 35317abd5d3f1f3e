-- int_datarank__work_signal: what each work brings to the metric, as cited work and as citer.
-- Grain: one row per work of the snapshot.
--   cited_by_count  C(p): the cited_by_count field, null or negative → 0 (SPEC §2)
--   base_score      B(p) = ln(1 + C(p))
--   outdegree       referenced_works_count, or the number of distinct valid ids in
--                   referenced_works where that field is absent
--   citer_signal    what p gives each work it cites: ln(1 + C(p)) / max(outdegree, 1)
--   citer_order_key one non-null BIGINT that orders citers by C desc, then id asc (one key,
--                   the same in every engine); valid while C < 2^28 and id < 2^35 (checked in
--                   checks/works_order_key_out_of_range.sql, which refuses to publish otherwise);
--                   C saturates at 2^28 - 1 here, and 1 + C is taken as a DOUBLE, so that an
--                   absurd cited_by_count (up to 2^63 - 1) reaches that check instead of
--                   overflowing BIGINT
with

works as (
    select
        work_id,
        greatest(coalesce(cited_by_count, 0), 0) as cited_by_count,
        coalesce(referenced_works_count, n_referenced_ids) as outdegree
    from core_openalex__works
),

final as (
    select
        work_id,
        cited_by_count,
        outdegree,
        ln(1 + cast(cited_by_count as double)) as base_score,
        ln(1 + cast(cited_by_count as double)) / greatest(outdegree, 1) as citer_signal,
        least(cited_by_count, 268435455) * 34359738368 + (34359738367 - work_id) as citer_order_key
    from works
)

select * from final
