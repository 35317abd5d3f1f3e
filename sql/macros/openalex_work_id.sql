-- openalex_work_id(value): the number of an OpenAlex work id, as BIGINT; NULL when `value` is not one
-- (see id_number).
create or replace macro openalex_work_id(value) as id_number(value, 'W')
