-- openalex_fair_signals(...): what fair_v1 (SPEC §7) reads of one record, as small values: one struct
-- per line, kept with the work's current copy and published as core_openalex__fair_signals.
-- Both readers call it (sql/raw/raw_openalex__works.sql through openalex_record_fair, and
-- sql/raw/raw_openalex__works_parquet.sql) with values already typed and cleaned: a string is
-- clean_text'ed (and lower-cased where it is compared), a value of the wrong type is NULL, and a NULL
-- never counts. Arguments:
--   doi, venue                  cleaned strings
--   has_pubmed_id               ids.pmid or ids.pmcid present
--   indexed_in                  the cleaned, lower-case values of indexed_in[]
--   is_oa, repository_fulltext  open_access.is_oa, open_access.any_repository_has_fulltext
--   locations                   locations[], primary_location and best_oa_location, each a struct
--                               (is_oa, licence, version, pdf_url, source_type), strings cleaned
--                               and licence, version, source_type lower-case
--   authorships                 one struct (orcid, has_ror) per element of authorships[]
--   has_mesh, has_funding, has_corresponding, is_paratext   booleans (funding: funders[], grants[]
--                               or awards[] non-empty)
-- indexed_in and versions are distinct counts (at most 100), licence the best licence_class.
create or replace macro openalex_fair_signals(
    doi, has_pubmed_id, indexed_in, is_oa, repository_fulltext, locations, venue, authorships,
    has_mesh, has_funding, has_corresponding, is_paratext
) as {
    'is_paratext': coalesce(is_paratext, false),
    'has_doi': doi is not null,
    'has_pubmed_id': coalesce(has_pubmed_id, false),
    'indexed_in': least(len(list_distinct(coalesce(indexed_in, []))), 100)::smallint,
    'datacite_registered': coalesce(list_contains(indexed_in, 'datacite'), false),
    'in_repository': coalesce(list_bool_or(list_transform(locations, lambda l: l.source_type = 'repository')), false)
        or coalesce(repository_fulltext, false),
    'any_orcid': coalesce(list_bool_or(list_transform(authorships, lambda a: a.orcid is not null)), false),
    'all_orcid': coalesce(list_bool_and(list_transform(authorships, lambda a: coalesce(a.orcid is not null, false))), false),
    'any_ror': coalesce(list_bool_or(list_transform(authorships, lambda a: a.has_ror)), false),
    'is_oa': coalesce(is_oa, false),
    'repository_fulltext': coalesce(repository_fulltext, false),
    'oa_pdf': coalesce(list_bool_or(list_transform(locations, lambda l: l.is_oa and l.pdf_url is not null)), false),
    'oa_version': coalesce(list_bool_or(list_transform(
        locations, lambda l: l.is_oa and l.version in ('acceptedversion', 'publishedversion'))), false),
    'has_mesh': coalesce(has_mesh, false),
    'has_funding': coalesce(has_funding, false),
    'has_corresponding': coalesce(has_corresponding, false),
    'licence': coalesce(list_max(list_transform(locations, lambda l: licence_class(l.licence))), 0)::tinyint,
    'versions': least(len(list_distinct(list_transform(locations, lambda l: l.version))), 100)::tinyint,
    'venue': venue
}
