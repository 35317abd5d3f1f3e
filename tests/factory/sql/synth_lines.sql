-- synth_lines: the snapshot lines of the synthetic works, as OpenAlex writes them.
-- Grain: one row per line: each work once in its partition, plus an older copy in an earlier
-- partition for a fraction of works (synth_works.has_older_copy; the newer copy must win).
-- cited_by_count is the work's in-snapshot citer count plus citations from outside the snapshot,
-- like OpenAlex's field. Filler fields (abstract, concepts) give lines a realistic size and are
-- ignored by DataRank. The fields fair_v1 reads come in roughly OpenAlex's 2025 mix (see `fair`):
-- 75% with a DOI, 15% a PubMed id, 40% open access, a repository copy for 25%, licences on 30% of
-- the OA copies, ORCIDs on 40% of authorships, RORs on 60%, funders 15%, awards 10%, MeSH 15%, a
-- corresponding author on half, 1% paratext. Parameters: $seed, $start_date, $chunk.
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

-- percent draws for the fields fair_v1 reads, and the locations built from them
fair as (
    select
        *,
        (hash(work_id, 'doi', $seed) % 100)::integer as p_doi,
        (hash(work_id, 'pmid', $seed) % 100)::integer as p_pmid,
        (hash(work_id, 'repo', $seed) % 100)::integer as p_repo,
        (hash(work_id, 'licence', $seed) % 100)::integer as p_licence,
        (hash(work_id, 'fund', $seed) % 100)::integer as p_fund,
        (hash(work_id, 'mesh', $seed) % 100)::integer as p_mesh,
        (hash(work_id, 'corr', $seed) % 100)::integer as p_corr,
        {
            'is_oa': is_oa,
            'landing_page_url': 'https://doi.org/10.5555/synth.' || work_id,
            'pdf_url': case when is_oa and work_id % 10 < 7 then 'https://example.org/synth/' || work_id || '.pdf' end,
            'source': {
                'id': 'https://openalex.org/S' || (work_id % 5000),
                'display_name': 'Journal of Synthetic Studies ' || (work_id % 5000),
                'issn_l': '1234-' || lpad(cast(work_id % 5000 as varchar), 4, '0'),
                'type': case when type = 'dataset' then 'repository' else 'journal' end
            },
            'license': case
                when not is_oa then null
                when (hash(work_id, 'licence', $seed) % 100) < 20 then 'cc-by'
                when (hash(work_id, 'licence', $seed) % 100) < 25 then 'cc-by-nc'
                when (hash(work_id, 'licence', $seed) % 100) < 30 then 'other-oa'
            end,
            'version': 'publishedVersion'
        } as primary_location,
        case when (hash(work_id, 'repo', $seed) % 100) < 25 then {
            'is_oa': true,
            'landing_page_url': 'https://arxiv.org/abs/' || work_id,
            'pdf_url': 'https://arxiv.org/pdf/' || work_id,
            'source': {'id': 'https://openalex.org/S4306400194', 'display_name': 'arXiv (Cornell University)',
                       'issn_l': null, 'type': 'repository'},
            'license': null,
            'version': 'submittedVersion'
        } end as repository_location
    from copies
),

final as (
    select
        strftime($start_date::date + (partition_index * 7 - copy_age)::integer, '%Y-%m-%d') as part_day,
        'https://openalex.org/W' || work_id as id,
        case when p_doi < 75 then 'https://doi.org/10.5555/synth.' || work_id end as doi,
        {
            'openalex': 'https://openalex.org/W' || work_id,
            'doi': case when p_doi < 75 then 'https://doi.org/10.5555/synth.' || work_id end,
            'pmid': case when p_pmid < 15 then 'https://pubmed.ncbi.nlm.nih.gov/' || work_id end
        } as ids,
        list_filter([
            case when p_doi < 75 then 'crossref' end,
            case when p_pmid < 15 then 'pubmed' end,
            case when p_repo < 3 then 'arxiv' end,
            case when type = 'dataset' then 'datacite' end
        ], lambda v: v is not null) as indexed_in,
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
                    'display_name': 'Author ' || k,
                    'orcid': case when hash(work_id, k, 'orcid') % 100 < 40
                        then 'https://orcid.org/0000-0002-' || lpad(cast((work_id + k) % 10000 as varchar), 4, '0') || '-0000' end
                },
                'institutions': case when hash(work_id, k, 'ror') % 100 < 60 then [{
                    'id': 'https://openalex.org/I' || ((work_id + k) % 20000),
                    'display_name': 'University ' || ((work_id + k) % 20000),
                    'ror': 'https://ror.org/0' || ((work_id + k) % 20000),
                    'country_code': ['US', 'GB', 'DE', 'CN', 'BR'][1 + (work_id + k) % 5],
                    'type': 'education'
                }] else [] end,
                'countries': case when hash(work_id, k, 'ror') % 100 < 60 then [['US', 'GB', 'DE', 'CN', 'BR'][1 + (work_id + k) % 5]]
                    else [] end
            }
        ) as authorships,
        case when p_corr < 50 then ['https://openalex.org/A' || (work_id // 20 * 7)] else [] end as corresponding_author_ids,
        {
            'is_oa': is_oa,
            'oa_status': case when is_oa then 'gold' else 'closed' end,
            'oa_url': primary_location.pdf_url,
            'any_repository_has_fulltext': repository_location is not null
        } as open_access,
        primary_location,
        case when is_oa then primary_location else repository_location end as best_oa_location,
        case when repository_location is null then [primary_location] else [primary_location, repository_location] end as locations,
        case when p_fund < 15 then [{'id': 'https://openalex.org/F' || (work_id % 3000),
            'display_name': 'Funder ' || (work_id % 3000), 'ror': 'https://ror.org/f' || (work_id % 3000)}] else [] end as funders,
        case when p_fund < 10 then [{'id': 'https://openalex.org/G' || work_id, 'display_name': null,
            'funder_award_id': 'AWD-' || work_id, 'funder_id': 'https://openalex.org/F' || (work_id % 3000)}] else [] end as awards,
        case when p_mesh < 15 then list_transform(range(8), lambda k: {'descriptor_ui': 'D00' || (4000 + k),
            'descriptor_name': 'Descriptor ' || k, 'qualifier_ui': '', 'qualifier_name': null, 'is_major_topic': k = 0})
            else [] end as mesh,
        hash(work_id, 'paratext', $seed) % 100 = 0 as is_paratext,
        false as is_retracted,
        strftime($start_date::date + (partition_index * 7 - copy_age)::integer, '%Y-%m-%dT12:00:00.000000') as updated_date,
        map_from_entries(list_transform(range(55), lambda k: {'key': 'word' || (work_id * 31 + k) % 5000, 'value': [k, k + 40]})) as abstract_inverted_index,
        list_transform(range(8), lambda k: {'id': 'https://openalex.org/C' || (work_id % 1000 + k), 'display_name': 'Concept ' || k, 'score': 0.5}) as concepts,
        -- OpenAlex's topic hierarchy (4,516 topics, 252 subfields, 26 fields, 4 domains) and indicators; 2% without a topic
        case when hash(work_id, 'topic', $seed) % 100 >= 2 then {
            'id': 'https://openalex.org/T' || (10000 + work_id % 4516),
            'display_name': 'Topic ' || (work_id % 4516),
            'score': 0.9,
            'subfield': {
                'id': 'https://openalex.org/subfields/' || (1100 + work_id % 4516 % 252),
                'display_name': 'Subfield ' || (work_id % 4516 % 252)
            },
            'field': {
                'id': 'https://openalex.org/fields/' || (11 + work_id % 4516 % 252 % 26),
                'display_name': 'Field ' || (work_id % 4516 % 252 % 26)
            },
            'domain': {
                'id': 'https://openalex.org/domains/' || (1 + work_id % 4516 % 252 % 26 % 4),
                'display_name': 'Domain ' || (work_id % 4516 % 252 % 26 % 4)
            }
        } end as primary_topic,
        round(cited_by_count / 10.0, 3) as fwci,
        {
            'value': round((hash(work_id, 'cnp', $seed) % 1000000) / 1e6, 6),
            'is_in_top_1_percent': hash(work_id, 'cnp', $seed) % 1000000 >= 990000,
            'is_in_top_10_percent': hash(work_id, 'cnp', $seed) % 1000000 >= 900000
        } as citation_normalized_percentile
    from fair
)

select * from final
