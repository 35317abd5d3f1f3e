-- raw_openalex__works_parquet: what DataRank keeps of one June-2026 Parquet part file, in exactly the
-- columns and types of raw_openalex__works (the JSON Lines reader), so every later step is the same.
-- Grain: one row per row of the file, good or bad.
--   Input: the relation raw_openalex__parquet_part, the file's batches as datarank.parquet_parts
--   hands them over (only the leaves DataRank needs; a column the file lacks is all null; the
--   row's number in line_number). No parameters.
--   Rows without a valid work id carry quarantine_reason and the first KB of the row as JSON.
--   abstract_inverted_index (a JSON string in this layout) is never read.
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
        list_transform(part.authorships, lambda a: openalex_author_id(a.author.id)) as author_ids
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
        part.doi::varchar as doi,
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
        -- FAIR context
        part.is_oa as is_oa,
        part.oa_status as oa_status,
        try_cast(part.is_retracted as boolean) as is_retracted,
        try_cast(part.updated_date as timestamp) as updated_date,
        -- quarantine
        quarantine_reason,
        case when quarantine_reason is not null then left(to_json(part), 1024) end as line_head
    from checked
)

select * from final
