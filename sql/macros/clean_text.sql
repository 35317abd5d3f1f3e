-- clean_text(value): a string as fair_v1 compares it (SPEC §7): leading and trailing spaces, tabs,
-- carriage returns and line feeds trimmed; NULL when nothing is left.
create or replace macro clean_text(value) as
    nullif(trim(value, chr(32) || chr(9) || chr(10) || chr(13)), '')
