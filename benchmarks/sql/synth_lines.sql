-- synth_lines: the snapshot lines of the synthetic works, as OpenAlex writes them.
-- Grain: one row per line: each work once in its partition, plus an older copy in an earlier
-- partition for a fraction $dup_fraction of works (the newer copy must win).
-- cited_by_count is the work's in-snapshot citer count plus citations from outside the snapshot,
-- like OpenAlex's field. Filler fields (abstract, concepts, locations) give lines a realistic size
-- and are ignored by DataRank. Parameters: $seed, $partitions, $start_date, $dup_fraction.
-- Growing an existing snapshot ($grow_from > 0): only works with id > $grow_from, plus updated
-- copies of a fraction $update_fraction of the older ones, all in one new partition after the others.
with

cited as (
    select referenced_id as work_id, count(*) as citers
    from synth_references
    group by referenced_id
),

refs as (
    select work_id, list('https://openalex.org/W' || referenced_id order by slot) as referenced_works
    from synth_references
    group by work_id
),

works as (
    select
        w.*,
        coalesce(c.citers, 0) as citers,
        coalesce(r.referenced_works, []) as referenced_works,
        case
            when $grow_from > 0 then $partitions
            else (hash(w.work_id, 'partition', $seed) % $partitions)::integer
        end as partition_index
    from synth_works as w
    left join cited as c on c.work_id = w.work_id
    left join refs as r on r.work_id = w.work_id
    where $grow_from = 0
        or w.work_id > $grow_from
        or (hash(w.work_id, 'update', $seed) % 1000000007) / 1000000007.0 < $update_fraction
),

copies as (
    select *, 0 as copy_age from works
    union all
    select *, 1 + (hash(work_id, 'age', $seed) % 30)::integer as copy_age
    from works
    where $grow_from = 0 and (hash(work_id, 'dup', $seed) % 1000000007) / 1000000007.0 < $dup_fraction
),

final as (
    select
        strftime($start_date::date + (partition_index * 7 - copy_age)::integer, '%Y-%m-%d') as part_day,
        'https://openalex.org/W' || work_id as id,
        'https://doi.org/10.5555/synth.' || work_id as doi,
        'Synthetic work ' || work_id || ' on the statistics of citation graphs' as title,
        'Synthetic work ' || work_id || ' on the statistics of citation graphs' as display_name,
        publication_year,
        type,
        (citers + floor(u_count * citers * 0.3) + floor(u_count * 5) - copy_age)::bigint as cited_by_count,
        case when u_count < 0.9 then len(referenced_works) end as referenced_works_count,
        referenced_works,
        list_transform(
            range(n_authors),
            lambda k: {
                'author_position': case when k = 0 then 'first' else 'middle' end,
                'author': {
                    'id': 'https://openalex.org/A' || (work_id // 20 * 7 + k % 9 + k // 9 * 1000003),
                    'display_name': 'Author ' || k
                },
                'institutions': []
            }
        ) as authorships,
        {'is_oa': is_oa, 'oa_status': case when is_oa then 'gold' else 'closed' end} as open_access,
        false as is_retracted,
        strftime($start_date::date + (partition_index * 7 - copy_age)::integer, '%Y-%m-%dT12:00:00.000000') as updated_date,
        map_from_entries(list_transform(range(55), lambda k: {'key': 'word' || (work_id * 31 + k) % 5000, 'value': [k, k + 40]})) as abstract_inverted_index,
        list_transform(range(8), lambda k: {'id': 'https://openalex.org/C' || (work_id % 1000 + k), 'display_name': 'Concept ' || k, 'score': 0.5}) as concepts,
        [{'is_oa': is_oa, 'landing_page_url': 'https://example.org/synth/' || work_id, 'license': null}] as locations
    from copies
)

select * from final
