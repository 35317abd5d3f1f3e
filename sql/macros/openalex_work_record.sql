-- openalex_work_record(line): the fields DataRank keeps of one JSON Lines record, parsed with a
-- declared schema (never inferred: abstract_inverted_index alone would blow up inference); every
-- other field of the record is skipped. Raises on a line that is not JSON of this shape: callers
-- wrap it in try() where a bad line must become NULL (sql/raw/raw_openalex__works.sql).
-- Fields read as "JSON" keep their JSON text, so that json_flag and json_text can tell a string
-- "true" or a number from the boolean or string SPEC §7 asks for (DuckDB's BOOLEAN and VARCHAR
-- readings accept either). Lists of objects that only need to be non-empty (funders, grants,
-- awards, mesh) are lists of JSON texts: an element counts when it is an object.
-- The units' fields (primary_topic, the primary source, fwci, citation_normalized_percentile,
-- institutions and countries) are read with DuckDB's own types: openalex_units types them.
-- The abstract is not here: it is parsed only when asked for (openalex_abstract_index).
create or replace macro openalex_work_record(line) as
    from_json(line, '{
        "id": "VARCHAR",
        "doi": "JSON",
        "title": "VARCHAR",
        "display_name": "VARCHAR",
        "publication_year": "INTEGER",
        "type": "VARCHAR",
        "cited_by_count": "BIGINT",
        "referenced_works_count": "BIGINT",
        "referenced_works": ["VARCHAR"],
        "authorships": [{"author": {"id": "VARCHAR", "orcid": "JSON"},
                         "institutions": [{"id": "VARCHAR", "display_name": "VARCHAR", "ror": "JSON", "country_code": "VARCHAR"}],
                         "countries": ["VARCHAR"]}],
        "open_access": {"is_oa": "JSON", "oa_status": "VARCHAR", "any_repository_has_fulltext": "JSON"},
        "is_retracted": "JSON",
        "updated_date": "VARCHAR",
        "ids": {"pmid": "JSON", "pmcid": "JSON"},
        "indexed_in": ["JSON"],
        "primary_location": {"is_oa": "JSON", "license": "JSON", "version": "JSON", "pdf_url": "JSON",
                             "source": {"id": "VARCHAR", "type": "JSON", "display_name": "JSON", "issn_l": "VARCHAR"}},
        "best_oa_location": {"is_oa": "JSON", "license": "JSON", "version": "JSON", "pdf_url": "JSON",
                             "source": {"type": "JSON"}},
        "locations": [{"is_oa": "JSON", "license": "JSON", "version": "JSON", "pdf_url": "JSON",
                       "source": {"type": "JSON"}}],
        "funders": ["JSON"],
        "grants": ["JSON"],
        "awards": ["JSON"],
        "mesh": ["JSON"],
        "corresponding_author_ids": ["JSON"],
        "is_paratext": "JSON",
        "primary_topic": {"id": "VARCHAR", "display_name": "VARCHAR",
                          "subfield": {"id": "VARCHAR", "display_name": "VARCHAR"},
                          "field": {"id": "VARCHAR", "display_name": "VARCHAR"},
                          "domain": {"id": "VARCHAR", "display_name": "VARCHAR"}},
        "fwci": "DOUBLE",
        "citation_normalized_percentile": {"value": "DOUBLE", "is_in_top_1_percent": "BOOLEAN", "is_in_top_10_percent": "BOOLEAN"}
    }')
