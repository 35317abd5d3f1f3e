-- openalex_abstract_index(line): a JSON Lines record's abstract_inverted_index as it stands (its JSON
-- text: word → the positions it stands at), NULL when it is missing or not an object. A second,
-- light parse of the line (the index is copied, not taken apart), made only when abstracts are
-- kept (--abstracts); the text is rebuilt when it is read (openalex_abstract_text), for the few
-- works a page shows, not for every work of the snapshot at every ingest.
create or replace macro openalex_abstract_index(line) as
    abstract_index_json(try(from_json(line, '{"abstract_inverted_index": "JSON"}')).abstract_inverted_index)
