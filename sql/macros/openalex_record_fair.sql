-- openalex_record_fair(record): openalex_fair_signals of one JSON Lines record as
-- openalex_work_record parses it, its "JSON" leaves typed strictly (json_flag, json_text): a string
-- "true" is not true, a number is not a string, `locations` that is not a list is no location.
-- An element of funders[], grants[], awards[] or mesh[] counts when it is a JSON object, one of
-- corresponding_author_ids[] when it is a non-empty string.
create or replace macro openalex_record_fair(record) as openalex_fair_signals(
    json_text(record.doi),
    json_text(record.ids.pmid) is not null or json_text(record.ids.pmcid) is not null,
    list_transform(record.indexed_in, lambda value: lower(json_text(value))),
    json_flag(record.open_access.is_oa),
    json_flag(record.open_access.any_repository_has_fulltext),
    list_transform(
        list_concat(coalesce(record.locations, []), [record.primary_location, record.best_oa_location]),
        lambda l: {
            'is_oa': json_flag(l.is_oa),
            'licence': lower(json_text(l.license)),
            'version': lower(json_text(l.version)),
            'pdf_url': json_text(l.pdf_url),
            'source_type': lower(json_text(l.source.type))
        }
    ),
    json_text(record.primary_location.source.display_name),
    list_transform(record.authorships, lambda a: {
        'orcid': json_text(a.author.orcid),
        'has_ror': list_bool_or(list_transform(a.institutions, lambda i: json_text(i.ror) is not null))
    }),
    list_bool_or(list_transform(record.mesh, lambda m: starts_with(m, '{'))),
    list_bool_or(list_transform(list_concat(record.funders, record.grants, record.awards), lambda f: starts_with(f, '{'))),
    list_bool_or(list_transform(record.corresponding_author_ids, lambda a: json_text(a) is not null)),
    json_flag(record.is_paratext)
)
