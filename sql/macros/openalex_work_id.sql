-- openalex_work_id(value): the number of an OpenAlex work id, as BIGINT; NULL when `value` is not one.
-- Accepts `https://openalex.org/W2741809807`, `W2741809807`, any case, surrounding blanks.
create or replace macro openalex_work_id(value) as
    try_cast(
        regexp_extract(upper(trim(value)), '^(?:HTTPS?://OPENALEX\.ORG/)?W([0-9]{1,18})$', 1)
        as bigint
    )
