-- raw_openalex__works: what DataRank keeps of one OpenAlex works part file (gzip JSON Lines).
-- Grain: one row per line of the file, good or bad.
--   Good lines carry the parsed fields (ids as BIGINT); invalid entries inside them (malformed
--   reference ids, authors without an id) are dropped and counted in n_invalid_references /
--   n_invalid_authors.
--   Bad lines (not JSON, not an object, no valid work id) carry quarantine_reason and the first KB.
--   `fair` holds what fair_v1 reads of the record (openalex_record_fair: small values, one struct);
--   `units` what the units tables and field standing read (openalex_units);
--   `abstract_index` the record's abstract_inverted_index (JSON text) when $abstracts, else NULL.
-- Parameters: $path — the file to read; $compression — 'auto' (by the name) or 'none' (a pipe that
-- datarank/gzip_pipe.py feeds with the decompressed lines of a local part); $strict — see `parsed`;
-- $abstracts — keep abstracts (a second, light parse of each good line: --abstracts).
-- Memory: the file is streamed in 32 MB buffers (DuckDB's default buffer is 16 × max_line_size,
-- 256 MB per file read); a line may be up to 16 MB. row_number() over () streams too.
-- Lines are split on \n only (real records carry U+2028 inside strings); the schema is declared,
-- never inferred (abstract_inverted_index alone would blow up inference), and only declared fields
-- are parsed into the struct.
with

lines as (
    select
        row_number() over () as line_number,
        line
    from read_csv(
        $path,
        columns = {'line': 'VARCHAR'},
        header = false,
        auto_detect = false,
        delim = chr(30),
        quote = '',
        escape = '',
        strict_mode = false,
        compression = $compression,
        -- lines up to 16 MB (OpenAlex's largest are a few MB); the read buffer must hold one line
        -- and is kept small so ingest fits a small --memory-limit
        max_line_size = 16777216,
        buffer_size = 33554432
    )
),

parsed as (
    select
        line_number,
        line,
        -- $strict: parse without try(), which costs ~10% of reading a part (0.138 s against 0.151 s
        -- for one 45 MB part, one thread); the statement then fails on the first line that
        -- is not JSON, and the caller reads the file again with $strict false, where such a line
        -- parses to NULL (a value of the wrong type is NULL either way).
        -- Where no line fails, the two give the same rows (try() only changes a failing row).
        case when $strict then openalex_work_record(line) else try(openalex_work_record(line)) end as record
    from lines
),

typed as (
    select
        line_number,
        line,
        record,
        openalex_work_id(record.id) as work_id,
        list_transform(record.referenced_works, lambda ref: openalex_work_id(ref)) as reference_ids,
        list_transform(record.authorships, lambda a: openalex_author_id(a.author.id)) as author_ids,
        openalex_record_fair(record) as fair,
        openalex_units(
            record.primary_topic,
            {
                'id': record.primary_location.source.id,
                'display_name': json_text(record.primary_location.source.display_name),
                'type': json_text(record.primary_location.source.type),
                'issn_l': record.primary_location.source.issn_l
            },
            record.fwci,
            record.citation_normalized_percentile,
            record.authorships
        ) as units
    from parsed
),

checked as (
    select
        *,
        case
            -- everything here runs only for the rare lines without an id (json_valid and json_type
            -- parse the line again; even trim() costs 20% of the read when run on every line)
            when record.id is null then
                case
                    when line is null or trim(line) = '' then 'empty line'
                    when not json_valid(line) then 'not valid JSON'
                    when json_type(line) <> 'OBJECT' then
                        'JSON ' || case json_type(line)
                            when 'ARRAY' then 'array' when 'VARCHAR' then 'string' when 'NULL' then 'null'
                            when 'BOOLEAN' then 'boolean' else 'number'
                        end || ', not an object'
                    else 'no work id'
                end
            when work_id is null then 'invalid work id'
        end as quarantine_reason
    from typed
),

final as (
    select
        line_number,
        work_id,
        -- identity and what people read in exports
        case when starts_with(record.doi, '"') then json_extract_string(record.doi, '$') end as doi,
        coalesce(record.display_name, record.title) as title,
        record.publication_year as publication_year,
        record.type as type,
        -- what the metric needs
        record.cited_by_count as cited_by_count,
        record.referenced_works_count as referenced_works_count,
        kept_ids(reference_ids) as referenced_ids,
        count_invalid_ids(reference_ids) as n_invalid_references,
        kept_ids(author_ids) as author_ids,
        count_invalid_ids(author_ids) as n_invalid_authors,
        -- FAIR context, and what fair_v1 and the paper page read
        json_flag(record.open_access.is_oa) as is_oa,
        record.open_access.oa_status as oa_status,
        json_flag(record.is_retracted) as is_retracted,
        try_cast(record.updated_date as timestamp) as updated_date,
        fair,
        units,
        case when $abstracts and quarantine_reason is null then openalex_abstract_index(line) end as abstract_index,
        -- quarantine
        quarantine_reason,
        case when quarantine_reason is not null then left(line, 1024) end as line_head
    from checked
)

select * from final
