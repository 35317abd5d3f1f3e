-- clean_text(value): a string as fair_v1 compares it (docs/fair.md): leading and trailing spaces
-- trimmed; NULL when nothing is left. (Only spaces: trimming a set of characters costs DuckDB three
-- times as much, on every location, licence and ORCID of every record read.)
create or replace macro clean_text(value) as
    nullif(trim(value), '')
