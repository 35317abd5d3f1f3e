-- openalex_work_id(value): the number of an OpenAlex work id, as BIGINT; NULL when `value` is not one.
-- Accepts `https://openalex.org/W2741809807`, `W2741809807`, any case, surrounding blanks.
-- The form every snapshot record uses is matched first as it stands: upper() and trim() on every
-- reference were a third of the id parsing, the largest cost of reading a part file (benchmarks/README.md).
create or replace macro openalex_work_id(value) as
    case
        when regexp_full_match(value, 'https://openalex\.org/W[0-9]{1,18}') then cast(substr(value, 23) as bigint)
        else try_cast(
            regexp_extract(upper(trim(value)), '^(?:HTTPS?://OPENALEX\.ORG/)?W([0-9]{1,18})$', 1)
            as bigint
        )
    end
