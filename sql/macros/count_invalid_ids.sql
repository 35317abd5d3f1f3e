-- count_invalid_ids(ids): how many entries of a list parsed with openalex_work_id /
-- openalex_author_id were not valid ids (NULL): counted in the raw tables, then dropped.
create or replace macro count_invalid_ids(ids) as
    len(list_filter(ids, lambda i: i is null))::integer
