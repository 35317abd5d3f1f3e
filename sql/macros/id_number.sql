-- id_number(value, letter): the number of an OpenAlex id of the kind `letter` ('W' works, 'A'
-- authors) as BIGINT; NULL when `value` is not one. Accepts `https://openalex.org/W2741809807`,
-- `W2741809807`, any case, surrounding blanks. `letter` must be a constant: the patterns are then
-- compiled once. The form every snapshot record uses is matched first as it stands: upper() and
-- trim() on every reference and author cost 14% of reading a part (0.248 s against 0.213 s;
-- benchmarks/README.md).
create or replace macro id_number(value, letter) as
    case
        -- the 22-character prefix compared as it stands, the pattern run on the digits alone: for
        -- 3.4M references, one thread, 0.62-0.69 s against 0.84-0.95 s with the pattern over the
        -- whole value (benchmarks/README.md)
        when starts_with(value, 'https://openalex.org/' || letter)
            and regexp_full_match(substr(value, 23), '[0-9]{1,18}')
            then cast(substr(value, 23) as bigint)
        else try_cast(
            regexp_extract(upper(trim(value)), '^(?:HTTPS?://OPENALEX\.ORG/)?' || letter || '([0-9]{1,18})$', 1)
            as bigint
        )
    end
