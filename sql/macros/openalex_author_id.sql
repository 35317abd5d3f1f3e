-- openalex_author_id(value): the number of an OpenAlex author id, as BIGINT; NULL when `value` is not one.
-- Accepts `https://openalex.org/A5010225522`, `A5010225522`, any case, surrounding blanks.
-- The form every snapshot record uses is matched first as it stands (see openalex_work_id).
create or replace macro openalex_author_id(value) as
    case
        when regexp_full_match(value, 'https://openalex\.org/A[0-9]{1,18}') then cast(substr(value, 23) as bigint)
        else try_cast(
            regexp_extract(upper(trim(value)), '^(?:HTTPS?://OPENALEX\.ORG/)?A([0-9]{1,18})$', 1)
            as bigint
        )
    end
