-- json_flag(value): a field declared "JSON" in openalex_work_record as a boolean: true or false for a
-- JSON true or false, NULL for anything else (null, missing, a string "true", a number). DuckDB's
-- own BOOLEAN reading takes "yes", "True" and 1 as true, which SPEC §7 counts as the wrong type.
create or replace macro json_flag(value) as
    case value when 'true' then true when 'false' then false end
