-- openalex_author_id(value): the number of an OpenAlex author id, as BIGINT; NULL when `value` is not
-- one (see id_number).
create or replace macro openalex_author_id(value) as id_number(value, 'A')
