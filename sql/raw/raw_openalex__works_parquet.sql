-- raw_openalex__works_parquet: what DataRank keeps of one June-2026 Parquet part file, in exactly the
-- columns and types of raw_openalex__works (the JSON Lines reader), so every later step is the same.
-- Grain: one row per row of the file, good or bad.
--   Input: the relation raw_openalex__parquet_part, the file's batches as datarank.parquet_parts
--   hands them over (only the leaves DataRank needs, of fixed types: a column the file lacks, or a
--   leaf fair_v1 reads that is of another kind, is all null; funders/grants/awards/mesh as lists of
--   booleans, true where an element is there; the row's number in line_number).
--   Parameters: $abstracts — keep abstracts (abstract_inverted_index, a JSON string in this layout,
--   is then in the batches and kept as it is; otherwise it is never read).
--   Rows without a valid work id carry quarantine_reason and the first KB of the row as JSON.
--   `units` is what the units tables and field standing read (openalex_units).
--   `fair` is what fair_v1 reads (openalex_fair_signals), typed as the JSON Lines reader types it:
--   strings cleaned (clean_text) and lower-cased where compared; a scalar column of another type
--   than the JSON field's (a numeric doi, a string is_retracted) does not count.
with

part as (
    select *
    from raw_openalex__parquet_part
),

typed as (
    select
        line_number,
        part,
        openalex_work_id(part.id) as work_id,
        list_transform(part.referenced_works, lambda ref: openalex_work_id(ref)) as reference_ids,
        list_transform(part.authorships, lambda a: openalex_author_id(a.author.id)) as author_ids,
        case when typeof(part.doi) = 'VARCHAR' then clean_text(part.doi::varchar) end as clean_doi
    from part
),

checked as (
    select
        *,
        case
            when part.id is null then 'no work id'
            when work_id is null then 'invalid work id'
        end as quarantine_reason
    from typed
),

final as (
    select
        line_number::bigint as line_number,
        work_id,
        -- identity and what people read in exports
        case when typeof(part.doi) = 'VARCHAR' then part.doi::varchar end as doi,
        coalesce(part.display_name, part.title)::varchar as title,
        try_cast(part.publication_year as integer) as publication_year,
        part.type::varchar as type,
        -- what the metric needs
        try_cast(part.cited_by_count as bigint) as cited_by_count,
        try_cast(part.referenced_works_count as bigint) as referenced_works_count,
        kept_ids(reference_ids) as referenced_ids,
        count_invalid_ids(reference_ids) as n_invalid_references,
        kept_ids(author_ids) as author_ids,
        count_invalid_ids(author_ids) as n_invalid_authors,
        -- FAIR context, and what fair_v1 and the paper page read
        part.open_access.is_oa as is_oa,
        part.open_access.oa_status as oa_status,
        case when typeof(part.is_retracted) = 'BOOLEAN' then try_cast(part.is_retracted as boolean) end as is_retracted,
        try_cast(part.updated_date as timestamp) as updated_date,
        openalex_fair_signals(
            clean_doi,
            clean_text(part.ids_pmid) is not null or clean_text(part.ids_pmcid) is not null,
            list_transform(part.indexed_in, lambda value: lower(clean_text(value))),
            part.open_access.is_oa,
            part.open_access.any_repository_has_fulltext,
            list_transform(
                list_concat(coalesce(part.locations, []), [part.primary_location, part.best_oa_location]),
                lambda l: {
                    'is_oa': l.is_oa,
                    'licence': lower(clean_text(l.license)),
                    'version': lower(clean_text(l.version)),
                    'pdf_url': clean_text(l.pdf_url),
                    'source_type': lower(clean_text(l.source.type))
                }
            ),
            clean_text(part.primary_location.source.display_name),
            list_transform(part.authorships, lambda a: {
                'orcid': clean_text(a.author.orcid),
                'has_ror': list_bool_or(list_transform(a.institutions, lambda i: clean_text(i.ror) is not null))
            }),
            list_bool_or(part.mesh),
            list_bool_or(list_concat(part.funders, part.grants, part.awards)),
            list_bool_or(list_transform(part.corresponding_author_ids, lambda a: clean_text(a) is not null)),
            part.is_paratext
        ) as fair,
        openalex_units(
            part.primary_topic,
            part.primary_location.source,
            try_cast(part.fwci as double),
            part.citation_normalized_percentile,
            part.authorships
        ) as units,
        case when $abstracts and quarantine_reason is null then abstract_index_json(part.abstract_inverted_index) end
            as abstract_index,
        -- quarantine
        quarantine_reason,
        case when quarantine_reason is not null then left(to_json(part), 1024) end as line_head
    from checked
)

select * from final
