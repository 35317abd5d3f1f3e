-- abstract_index_json(index): an abstract_inverted_index as JSON text, kept only when it is a
-- JSON object (a Parquet part stores it as a JSON string; anything else is no abstract).
create or replace macro abstract_index_json(index) as
    case when starts_with(ltrim(index), '{') then index end
