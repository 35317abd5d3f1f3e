-- openalex_abstract_text(index): the abstract rebuilt from an abstract_inverted_index kept as JSON
-- text (core_openalex__abstracts), read as MAP(VARCHAR, INTEGER[]); NULL when it holds no word.
-- What the `abstracts` view, explain and the report show.
create or replace macro openalex_abstract_text(index) as
    openalex_abstract(try(from_json(index, '"MAP(VARCHAR, INTEGER[])"')))
