-- kept_ids(ids): the distinct ids of a list parsed with openalex_work_id / openalex_author_id, the
-- entries that were not valid ids (NULL) left out. What a raw reader keeps of a record's list.
create or replace macro kept_ids(ids) as
    list_distinct(list_filter(ids, lambda i: i is not null))
