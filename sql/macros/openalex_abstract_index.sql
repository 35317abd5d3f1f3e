-- openalex_abstract_index(line): a JSON Lines record's abstract_inverted_index as
-- MAP(VARCHAR, INTEGER[]) (word → positions), for openalex_abstract; NULL when it is missing or not
-- an object. A second parse of the line, made only when abstracts are kept (--abstracts).
create or replace macro openalex_abstract_index(line) as
    try(from_json(line, '{"abstract_inverted_index": "MAP(VARCHAR, INTEGER[])"}')).abstract_inverted_index
