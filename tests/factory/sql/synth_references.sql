-- synth_references: who each synthetic work cites.
-- Grain: one row per (work, reference slot). 8% of references go to a near neighbour (same author
-- block: self-citations), 1% to ids that are not in the snapshot, the rest to id $first + 1 +
-- floor($n_cited · u³): a heavy tail where the oldest works collect most citations (at 10 million
-- works the top one has hundreds of thousands of citers). Parameters: $seed, $first, $n_cited,
-- $chunk: only the works whose current copy is written in partition $chunk (>= 0), those with an
-- older copy (-2), or every work (-1).
with

slots as (
    select
        work_id,
        unnest(range(n_refs)) as slot
    from synth_works
    where $chunk = -1
        or ($chunk >= 0 and partition_index = $chunk)
        or ($chunk = -2 and has_older_copy)
),

draws as (
    select
        work_id,
        slot,
        (hash(work_id, slot, 'kind', $seed) % 1000000007) / 1000000007.0 as u_kind,
        (hash(work_id, slot, 'target', $seed) % 1000000007) / 1000000007.0 as u_target
    from slots
),

final as (
    select
        work_id,
        slot,
        case
            when u_kind < 0.08 then work_id - 1 - floor(u_target * 30)::bigint
            when u_kind < 0.09 then 9000000000 + floor(u_target * 1000000)::bigint
            else $first + 1 + floor($n_cited * pow(u_target, 3))::bigint
        end as referenced_id
    from draws
)

select * from final
