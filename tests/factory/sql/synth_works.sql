-- synth_works: the works of a synthetic snapshot, before references and copies.
-- Grain: one row per work id in ($first, $last]. Deterministic for a $seed: every random draw is a
-- hash of (work, draw name, seed), so the result does not depend on threads or order.
-- Shapes: exponential reference counts (mean $mean_refs, capped at 5,000 like OpenAlex); 1 work in
-- 20,000 hyper-authored (1,000–5,000 authors); authors drawn from a pool shared by blocks of 20
-- neighbouring ids, so references to neighbours are self-citations.
-- Parameters: $seed, $first, $last, $mean_refs, $partitions, $grow_from, $update_fraction,
-- $dup_fraction.
with

ids as (
    select $first + i as work_id
    from range(1, $last - $first + 1) as r(i)
),

draws as (
    select
        work_id,
        (hash(work_id, 'refs', $seed) % 1000000007) / 1000000007.0 as u_refs,
        (hash(work_id, 'hyper', $seed) % 1000000007) / 1000000007.0 as u_hyper,
        (hash(work_id, 'authors', $seed) % 1000000007) / 1000000007.0 as u_authors,
        (hash(work_id, 'year', $seed) % 1000000007) / 1000000007.0 as u_year,
        (hash(work_id, 'type', $seed) % 1000000007) / 1000000007.0 as u_type,
        (hash(work_id, 'oa', $seed) % 1000000007) / 1000000007.0 as u_oa,
        (hash(work_id, 'count', $seed) % 1000000007) / 1000000007.0 as u_count
    from ids
),

final as (
    select
        work_id,
        least(5000, floor(-ln(1 - u_refs) * $mean_refs))::integer as n_refs,
        case
            when u_hyper < 0.00005 then 1000 + floor(u_authors * 4000)
            else 1 + floor(-ln(1 - u_authors) * 3)
        end::integer as n_authors,
        (1990 + floor(u_year * 36))::integer as publication_year,
        case when u_type < 0.05 then 'dataset' when u_type < 0.10 then 'book-chapter' else 'article' end as type,
        u_oa < 0.4 as is_oa,
        u_count,
        -- the partition the work's current copy is written in; when growing, only new works and
        -- a fraction $update_fraction of the older ones are written (all in one new partition),
        -- the others get -1 and are not written
        case
            when $grow_from = 0 then (hash(work_id, 'partition', $seed) % $partitions)::integer
            when work_id > $grow_from
                or (hash(work_id, 'update', $seed) % 1000000007) / 1000000007.0 < $update_fraction
                then $partitions
            else -1
        end as partition_index,
        -- an older copy of the work sits in an earlier partition (not when growing)
        $grow_from = 0 and (hash(work_id, 'dup', $seed) % 1000000007) / 1000000007.0 < $dup_fraction
            as has_older_copy
    from draws
)

select * from final
