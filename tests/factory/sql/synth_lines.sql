-- synth_lines: the snapshot lines of the synthetic works, as OpenAlex writes them.
-- Grain: one row per line: each work once in its partition, plus an older copy in an earlier
-- partition for a fraction of works (synth_works.has_older_copy; the newer copy must win).
-- cited_by_count is the work's in-snapshot citer count plus citations from outside the snapshot,
-- like OpenAlex's field. Filler fields (abstract, concepts, locations) give lines a realistic size
-- and are ignored by DataRank. Parameters: $seed, $start_date, $chunk.
-- Written in passes, so memory does not grow with the snapshot: $chunk >= 0 writes the current
-- copies of the works of one partition (synth_works.partition_index), $chunk = -2 the older copies
-- of the works that have one (synth_works.has_older_copy). synth_cited holds every work's
-- in-snapshot citer count, synth_chunk_refs the references of this pass's works only.
with

refs as (
    select work_id, list('https://openalex.org/W' || referenced_id order by slot) as referenced_works
    from synth_chunk_refs
    group by work_id
),

works as (
    select
        w.*,
        coalesce(c.citers, 0) as citers,
        coalesce(r.referenced_works, []) as referenced_works
    from synth_works as w
    left join synth_cited as c on c.work_id = w.work_id
    left join refs as r on r.work_id = w.work_id
    where ($chunk >= 0 and w.partition_index = $chunk)
        or ($chunk = -2 and w.has_older_copy)
),

copies as (
    select
        *,
        case when $chunk = -2 then 1 + (hash(work_id, 'age', $seed) % 30)::integer else 0 end as copy_age
    from works
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
