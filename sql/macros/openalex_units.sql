-- openalex_units(...): what the units tables and the field-normalised standing read of one record
-- (docs/units.md), as one struct per line, kept with the work's current copy and split by
-- core_openalex__work_context, core_openalex__work_institutions and core_openalex__work_countries.
-- Both readers call it (sql/raw/raw_openalex__works.sql and raw_openalex__works_parquet.sql) with
-- values typed by their reader: strings (names, codes) cleaned here, ids parsed here (a value that is
-- not an OpenAlex id of its kind is NULL), numbers and booleans as read (NULL when of another type).
-- Arguments:
--   topic           primary_topic: struct (id, display_name, subfield, field, domain; each of the
--                   last three a struct (id, display_name))
--   source          primary_location.source: struct (id, display_name, type, issn_l)
--   fwci            fwci (DOUBLE)
--   normalized      citation_normalized_percentile: struct (value, is_in_top_1_percent,
--                   is_in_top_10_percent)
--   authorships     authorships[]: each a struct (institutions: list of struct (id, display_name,
--                   ror (a string, or its JSON text), country_code), countries: list of strings)
-- n_authorships counts every element of authorships[]; an authorship's institutions are those with a
-- valid id (distinct), its countries the distinct two-letter codes (upper-case) of `countries`.
-- `institutions` and `countries` are flat lists over the record's authorships (one list level, so the
-- copies are cheap to write and read again), each element with its authorship's 1-based position;
-- countries also with the work's fractional share (openalex_country_shares), institutions get theirs
-- in core_openalex__work_institutions (an authorship may list an institution twice).
create or replace macro openalex_units(topic, source, fwci, normalized, authorships) as {
    'topic_id': id_number(topic.id, 'T'),
    'topic_name': clean_text(topic.display_name),
    'subfield_id': openalex_group_id(topic.subfield.id, 'subfields'),
    'subfield_name': clean_text(topic.subfield.display_name),
    'field_id': openalex_group_id(topic.field.id, 'fields'),
    'field_name': clean_text(topic.field.display_name),
    'domain_id': openalex_group_id(topic.domain.id, 'domains'),
    'domain_name': clean_text(topic.domain.display_name),
    'source_id': id_number(source.id, 'S'),
    'source_name': clean_text(source.display_name),
    'source_type': lower(clean_text(source.type)),
    'source_issn_l': clean_text(source.issn_l),
    'fwci': case when isfinite(fwci) then fwci end,
    'normalized_percentile': case when isfinite(normalized.value) then normalized.value end,
    'top_1_percent': normalized.is_in_top_1_percent,
    'top_10_percent': normalized.is_in_top_10_percent,
    'n_authorships': coalesce(len(authorships), 0)::integer,
    'institutions': flatten(list_transform(
        list_zip(authorships, generate_series(1, len(authorships))),
        lambda a: list_filter(
            list_transform(a[1].institutions, lambda i: {
                'authorship': a[2]::integer,
                'id': id_number(i.id, 'I'),
                'name': clean_text(i.display_name),
                -- the JSON Lines reader hands `ror` over as JSON text (fair_v1 types it strictly)
                'ror': clean_text(case when starts_with(i.ror, '"') then json_extract_string(i.ror, '$') else i.ror::varchar end),
                'country_code': upper(clean_text(i.country_code))
            }),
            lambda i: i.id is not null
        )
    )),
    'countries': openalex_country_shares(
        list_transform(authorships, lambda a: list_distinct(list_filter(
            list_transform(a.countries, lambda c: upper(clean_text(c))), lambda c: regexp_full_match(c, '[A-Z]{2}')
        ))),
        coalesce(len(authorships), 0)
    )
}
