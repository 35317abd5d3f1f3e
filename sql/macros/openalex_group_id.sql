-- openalex_group_id(value, kind): the number of an OpenAlex topic-hierarchy id as INTEGER — a subfield
-- (`https://openalex.org/subfields/1804` → 1804, kind 'subfields'), field ('fields') or domain
-- ('domains'); the bare number and `kind/1804` are accepted too. NULL when `value` is not one.
-- Run once per work (primary_topic), so a pattern is cheap enough here.
create or replace macro openalex_group_id(value, kind) as
    try_cast(
        regexp_extract(lower(trim(value)), '^(?:https?://openalex\.org/)?(?:' || kind || '/)?([0-9]{1,9})$', 1)
        as integer
    )
