-- json_text(value): a field declared "JSON" in openalex_work_record as a string, cleaned by
-- clean_text; NULL unless the JSON value is a string (DuckDB's VARCHAR reading would turn a number,
-- a boolean or an object into its JSON text, which SPEC §7 counts as the wrong type).
create or replace macro json_text(value) as
    case when starts_with(value, '"') then clean_text(json_extract_string(value, '$')) end
