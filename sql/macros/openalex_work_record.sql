-- openalex_work_record(line): the fields DataRank keeps of one JSON Lines record, parsed with a
-- declared schema (never inferred: abstract_inverted_index alone would blow up inference); every
-- other field of the record is skipped. Raises on a line that is not JSON of this shape: callers
-- wrap it in try() where a bad line must become NULL (sql/raw/raw_openalex__works.sql).
create or replace macro openalex_work_record(line) as
    from_json(line, '{
        "id": "VARCHAR",
        "doi": "VARCHAR",
        "title": "VARCHAR",
        "display_name": "VARCHAR",
        "publication_year": "INTEGER",
        "type": "VARCHAR",
        "cited_by_count": "BIGINT",
        "referenced_works_count": "BIGINT",
        "referenced_works": ["VARCHAR"],
        "authorships": [{"author": {"id": "VARCHAR"}}],
        "open_access": {"is_oa": "BOOLEAN", "oa_status": "VARCHAR"},
        "is_retracted": "BOOLEAN",
        "updated_date": "VARCHAR"
    }')
