"""The data dictionary: every published view and column, with its type, meaning, unit and the rule
that makes it. It is the one place they are written down; from it come the catalog's
`COMMENT ON VIEW/COLUMN` (datarank.catalog), `datarank describe`, docs/tables.md, and the column
descriptions of every export's provenance (datarank.provenance).

`tests/integration/test_dictionary.py` fails when a column of a published view is missing here, has
another type, or is described here but no longer published.

Rules name the docs a reader has (docs/metric.md, docs/ingest.md, README sections) and the SQL file
or Python that computes the column; formulas use the letters of docs/metric.md: C(p) citations,
B(p) base score, N(p) network score, d damping.
"""

from __future__ import annotations

from datarank import DataRankError
from datarank.dictionary_schema import Column, View
from datarank.dictionary_units import COUNTRIES, FIELDS, INSTITUTIONS, SOURCES

__all__ = ["VIEWS", "Column", "View", "comments", "describe_column", "view"]


_METRIC = "docs/metric.md"
_FAIR = "docs/fair.md"
_SCORES_SQL = "sql/out/out_datarank__scores.sql"
_STANDING = "docs/standing.md"

SCORES = View(
    name="scores",
    grain="one row per work of the snapshot: the ranked table, best first by rank",
    made_by=_SCORES_SQL,
    columns=(
        Column("work_id", "VARCHAR", "the work's OpenAlex id, as `W` and its number", "",
               "'W' || work_number"),
        Column("work_number", "BIGINT", "the number of the work's OpenAlex id; joins with works.work_id and the other views' ids", "",
               "the id's digits (W2741809807 → 2741809807), docs/ingest.md"),
        Column("cited_by_count", "BIGINT", "C(p): how many works cite this one, as OpenAlex counts them (all of OpenAlex, not only the snapshot)",
               "citations", f"the record's cited_by_count; null or negative → 0 ({_METRIC})"),
        Column("base_score", "DOUBLE", "B(p), the base score", "ln(1 + citations)", f"B(p) = ln(1 + C(p)) ({_METRIC})"),
        Column("network_score", "DOUBLE", "N(p), the network score: the signal of the considered, non-self citers", "ln(1 + citations) per reference",
               f"N(p) = Σ ln(1 + C(q)) / max(outdegree(q), 1) over considered, non-self citers q ({_METRIC})"),
        Column("base_contribution", "DOUBLE", "the base score's part of DataRank", "DataRank points", f"(1 − d) · B(p) ({_METRIC})"),
        Column("network_contribution", "DOUBLE", "the network score's part of DataRank", "DataRank points", f"d · N(p) ({_METRIC})"),
        Column("datarank", "DOUBLE", "DataRank, the score works are ranked by", "DataRank points",
               f"(1 − d) · B(p) + d · N(p), d = damping, default 0.85 ({_METRIC})"),
        Column("base_share", "DOUBLE", "the share of DataRank from the base score; null where DataRank is 0", "fraction (0–1)",
               "base_contribution / datarank"),
        Column("network_share", "DOUBLE", "the share of DataRank from the citation network; null where DataRank is 0", "fraction (0–1)",
               "network_contribution / datarank"),
        Column("citers_in_snapshot", "BIGINT", "works of the snapshot that cite this one (after merged ids are redirected)", "works",
               f"distinct citing works q ≠ p found in the snapshot ({_METRIC})"),
        Column("citers_considered", "BIGINT", "citers kept by the cap", "works",
               f"the first `cap` citers by C(q) desc, id asc ({_METRIC}, Cap)"),
        Column("self_citations_excluded", "BIGINT", "considered citers dropped because they share an author with this work", "works",
               f"cap first, then this filter ({_METRIC}, Self-citations)"),
        Column("citers_with_signal", "BIGINT", "considered, non-self citers that are themselves cited (C(q) > 0)", "works",
               f"({_METRIC}, citers_with_signal)"),
        Column("cap_bound", "BOOLEAN", "true when the cap left some citers out", "",
               "citers_in_snapshot > cap"),
        Column("rank", "BIGINT", "place among all works of the version (1 = best)", "rank",
               f"by DataRank desc, ties by id asc ({_METRIC}, rank)"),
        Column("percentile", "DOUBLE", "the share of other works with a strictly lower DataRank (100 = best)", "percent (0–100)",
               f"100 · percent_rank() over DataRank ({_METRIC}, percentile)"),
        Column("year_type_rank", "BIGINT", "place among works of the same publication_year and type (1 = best)", "rank",
               f"rank within publication_year × type; a null year or type is a group of its own ({_METRIC})"),
        Column("year_type_percentile", "DOUBLE", "percentile within the same publication_year and type (100 = best)", "percent (0–100)",
               f"percentile within publication_year × type; a group of one is 100 ({_METRIC})"),
        Column("year_type_works", "BIGINT", "how many works share this work's publication_year and type", "works",
               "the size of the publication_year × type group"),
        Column("tier", "VARCHAR", "S1…S5 by the global percentile, or `unranked` where DataRank is 0", "",
               f"top-percent cut-offs --tiers, default 20, 40, 60, 80: theSindex's quintiles ({_METRIC}, Tiers)"),
        Column("subfield_year_rank", "BIGINT", "place among works of the same OpenAlex subfield and publication_year (1 = best)",
               "rank", f"rank within subfield × publication_year of the primary topic, as year_type_rank; works without a topic "
               f"(or a year) are a group of their own ({_STANDING})"),
        Column("subfield_year_percentile", "DOUBLE", "percentile within the same subfield and publication_year (100 = best)",
               "percent (0–100)", f"as year_type_percentile, within subfield × publication_year; a group of one is 100 ({_STANDING})"),
        Column("subfield_year_works", "BIGINT", "how many works share this work's subfield and publication_year", "works",
               "the size of the subfield × publication_year group"),
        Column("field_year_rank", "BIGINT", "place among works of the same OpenAlex field and publication_year (1 = best)",
               "rank", f"rank within field × publication_year of the primary topic, as year_type_rank ({_STANDING})"),
        Column("field_year_percentile", "DOUBLE", "percentile within the same field and publication_year (100 = best)",
               "percent (0–100)", f"as year_type_percentile, within field × publication_year; a group of one is 100 ({_STANDING})"),
        Column("field_year_works", "BIGINT", "how many works share this work's field and publication_year", "works",
               "the size of the field × publication_year group"),
        Column("fair_findable", "INTEGER", "fair_v1's Findable dimension (null: not scored, paratext)", "points (0–100)",
               f"sum of the F points: DOI 40, PubMed id 10, indexed_in 10 each up to 20, in a repository 20, an ORCID 10 ({_FAIR})"),
        Column("fair_accessible", "INTEGER", "fair_v1's Accessible dimension", "points (0–100)",
               f"open access 50, a repository's full text 20, an OA location with a PDF 15, with a version 15 ({_FAIR})"),
        Column("fair_interoperable", "INTEGER", "fair_v1's Interoperable dimension", "points (0–100)",
               f"linked datasets 40, DataCite 15, references 15, MeSH 10, a ROR 10, funding 10 ({_FAIR})"),
        Column("fair_reusable", "INTEGER", "fair_v1's Reusable dimension", "points (0–100)",
               f"best licence 50/35/20/10, version history 20, every author an ORCID 10, funding 10, a corresponding author 10 ({_FAIR})"),
        Column("fair_raw", "DOUBLE", "the mean of the four dimensions", "points (0–100)", f"(F + A + I + R) / 4 ({_FAIR})"),
        Column("fair_score", "DOUBLE", "the calibrated FAIR score: fair_raw's mid-rank percentile among every scored work",
               "percent (0–100)", f"100 · (lower + equal / 2) / n; shown as a whole number out of 100, half up ({_FAIR})"),
        Column("fair_year_type_score", "DOUBLE", "the calibrated FAIR score within the work's publication_year × type",
               "percent (0–100)", f"as fair_score, within the group (null year or type: a group of its own) ({_FAIR})"),
        Column("has_doi", "BOOLEAN", "FAIR checklist: the work has a DOI (context, not used in DataRank)", "",
               f"the record's doi is a non-empty string ({_FAIR})"),
        Column("in_repository", "BOOLEAN", "FAIR checklist: a copy sits in a repository", "",
               f"a location's source.type is repository, or open_access.any_repository_has_fulltext ({_FAIR})"),
        Column("is_oa", "BOOLEAN", "FAIR checklist: the work is open access (context, not used in DataRank)", "",
               "the record's open_access.is_oa, a JSON true or false"),
        Column("datacite_registered", "BOOLEAN", "FAIR checklist: DataCite indexes the work", "",
               f"datacite is one of indexed_in ({_FAIR})"),
        Column("linked_datasets", "BOOLEAN", "FAIR checklist: the work cites or is cited by a dataset of the snapshot", "",
               f"the citations view, after merges, self-links dropped ({_FAIR})"),
        Column("open_licence", "BOOLEAN", "FAIR checklist: the best licence over the locations is an open one", "",
               f"licence points = 50: cc-by, cc-by-sa, cc0, public-domain, mit, apache-2-0, isc, gpl ({_FAIR})"),
        Column("version_history", "BOOLEAN", "FAIR checklist: at least two distinct versions over the locations", "",
               f"distinct location versions ≥ 2 ({_FAIR})"),
        Column("title", "VARCHAR", "the work's title", "", "the record's display_name, else title"),
        Column("publication_year", "INTEGER", "the year the work was published", "year", "the record's publication_year"),
        Column("type", "VARCHAR", "the work's OpenAlex type (article, book, dataset, …)", "", "the record's type"),
        Column("subfield_id", "INTEGER", "the primary topic's OpenAlex subfield (subfields/1804 → 1804; null: no topic)", "",
               f"primary_topic.subfield.id ({_STANDING})"),
        Column("subfield_name", "VARCHAR", "the subfield's name", "", "primary_topic.subfield.display_name"),
        Column("field_id", "INTEGER", "the primary topic's OpenAlex field (fields/18 → 18; null: no topic)", "",
               f"primary_topic.field.id ({_STANDING})"),
        Column("field_name", "VARCHAR", "the field's name", "", "primary_topic.field.display_name"),
        Column("openalex_fwci", "DOUBLE", "OpenAlex's field-weighted citation impact, as published (context, not used in DataRank)",
               "ratio to the expected citations (1 = as expected)", f"the record's fwci ({_STANDING})"),
        Column("openalex_normalized_percentile", "DOUBLE",
               "OpenAlex's citation percentile within subfield, year and type, as published (context, not used in DataRank)",
               "fraction (0–1; 0.99 = OpenAlex's 99th percentile)",
               f"the record's citation_normalized_percentile.value, on OpenAlex's 0–1 scale, not DataRank's 0–100 ({_STANDING})"),
    ),
)

RESEARCHERS = View(
    name="researchers",
    grain="one row per author id of the kept works' authorships: theSindex's researcher score, best first by rank",
    made_by="sql/out/out_datarank__researchers.sql",
    columns=(
        Column("author_id", "VARCHAR", "the author's OpenAlex id, as `A` and its number", "", "'A' || author_number"),
        Column("author_number", "BIGINT", "the number of the author's OpenAlex id; joins with authorships.author_id", "",
               "the id's digits (A5023888391 → 5023888391)"),
        Column("works", "BIGINT", "how many works of the snapshot list the author", "works",
               "distinct (work, author) pairs of the authorships view"),
        Column("researcher_score", "DOUBLE", "the mean DataRank of the author's ten best works (all of them when fewer)",
               "DataRank points", f"mean of scores.datarank over the author's min(10, works) works of best rank ({_METRIC}, The researcher score)"),
        Column("rank", "BIGINT", "place among all authors by researcher_score (1 = best)", "rank",
               f"researcher_score desc, ties by the author id's number asc ({_METRIC}, The researcher score)"),
        Column("percentile", "DOUBLE", "100 × the share of other authors with a strictly lower researcher_score (100 = best)",
               "percent (0–100)", f"as for works; tied authors share one value, one author alone is 100 ({_METRIC})"),
    ),
)

_WORKS_SQL = "sql/raw/raw_openalex__works.sql, sql/core/core_openalex__works.sql"

WORKS = View(
    name="works",
    grain="one row per work of the snapshot (after duplicates, merges and deletions): the fields kept from its record",
    made_by=_WORKS_SQL,
    columns=(
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id", "", "W2741809807 → 2741809807 (docs/ingest.md)"),
        Column("doi", "VARCHAR", "the work's DOI as OpenAlex gives it (https://doi.org/…)", "", "the record's doi"),
        Column("title", "VARCHAR", "the work's title", "", "the record's display_name, else title"),
        Column("publication_year", "INTEGER", "the year the work was published", "year", "the record's publication_year"),
        Column("type", "VARCHAR", "the work's OpenAlex type", "", "the record's type"),
        Column("cited_by_count", "BIGINT", "the record's cited_by_count as read (null where absent; scores.cited_by_count is C(p))",
               "citations", "the record's cited_by_count"),
        Column("referenced_works_count", "BIGINT", "the record's referenced_works_count (null where absent)", "references",
               "the record's referenced_works_count"),
        Column("n_referenced_ids", "BIGINT", "how many distinct valid ids the record's referenced_works holds", "references",
               f"outdegree(q) falls back to it where referenced_works_count is null ({_METRIC})"),
        Column("is_oa", "BOOLEAN", "the work is open access", "", "the record's open_access.is_oa"),
        Column("oa_status", "VARCHAR", "OpenAlex's open-access status (gold, green, hybrid, bronze, closed, …)", "",
               "the record's open_access.oa_status"),
        Column("is_retracted", "BOOLEAN", "the work is retracted", "", "the record's is_retracted"),
        Column("updated_date", "TIMESTAMP", "when OpenAlex last updated the record; the newest copy of a work wins", "",
               f"the record's updated_date ({_METRIC}, A duplicate work)"),
    ),
)

CITATIONS = View(
    name="citations",
    grain="one row per citation link inside the snapshot (citing_id, cited_id), after merged ids are redirected",
    made_by="sql/core/core_openalex__citations.sql",
    columns=(
        Column("citing_id", "BIGINT", "the number of the citing work's id", "", "a work of the snapshot whose referenced_works name cited_id"),
        Column("cited_id", "BIGINT", "the number of the cited work's id", "",
               f"a referenced id, merged ids redirected; references outside the snapshot and to itself are dropped ({_METRIC})"),
    ),
)

AUTHORSHIPS = View(
    name="authorships",
    grain="one row per (work_id, author_id)",
    made_by="sql/core/core_openalex__authorships.sql",
    columns=(
        Column("work_id", "BIGINT", "the number of the work's id", "", "works.work_id"),
        Column("author_id", "BIGINT", "the number of an author's OpenAlex id (A…)", "",
               "authorships[].author.id; authors without a valid id are dropped and counted (docs/ingest.md)"),
    ),
)

CITERS = View(
    name="citers",
    grain="one row per (cited work, considered citer): the citers a work's network score is made of",
    made_by="sql/out/out_datarank__citers.sql",
    columns=(
        Column("cited_id", "BIGINT", "the number of the cited work's id", "", "scores.work_number"),
        Column("citing_id", "BIGINT", "the number of the citer's id", "", "citations.citing_id"),
        Column("citer_rank", "BIGINT", "the citer's place in the cap's order (1 = first)", "rank",
               f"by C(q) desc, id asc; only citer_rank ≤ cap are kept ({_METRIC}, Cap)"),
        Column("citer_cited_by_count", "BIGINT", "C(q), the citer's own citations", "citations",
               f"the citer's cited_by_count, null or negative → 0 ({_METRIC})"),
        Column("citer_outdegree", "BIGINT", "outdegree(q): how many works the citer references", "references",
               f"referenced_works_count, else the distinct valid ids in referenced_works ({_METRIC})"),
        Column("citer_signal", "DOUBLE", "what the citer passes to each work it cites", "ln(1 + citations) per reference",
               f"ln(1 + C(q)) / max(outdegree(q), 1) ({_METRIC})"),
        Column("is_self_citation", "BOOLEAN", "the citer shares an author id with the cited work, so it adds nothing", "",
               f"any common author id ({_METRIC}, Self-citations)"),
        Column("contribution", "DOUBLE", "what this citer adds to the cited work's DataRank (0 for a self-citation)", "DataRank points",
               "d · citer_signal, 0 where is_self_citation"),
    ),
)

QUARANTINE = View(
    name="quarantine",
    grain="one row per input line that was not a usable work",
    made_by="sql/core/core_openalex__quarantine.sql",
    columns=(
        Column("source_file", "VARCHAR", "the part file the line came from, as the snapshot's manifest names it", "", "docs/ingest.md"),
        Column("line_number", "BIGINT", "the line's number in that file (1 = first)", "line", "counted over the file's lines"),
        Column("reason", "VARCHAR", "why the line was set aside (not valid JSON, no work id, …)", "",
               "sql/raw/raw_openalex__works.sql, quarantine_reason"),
        Column("line_head", "VARCHAR", "the first 1,024 characters of the line", "", "left(line, 1024)"),
    ),
)

_RUN = "the run manifest's"
_RUNS_MADE_BY = "datarank/manifest.py (run_row), one run.parquet per version"
# The runs view: one row per version, flattened from its manifest.json.
RUNS = View(
    name="runs",
    grain="one row per published version: how it was made",
    made_by=_RUNS_MADE_BY,
    columns=(
        Column("version", "VARCHAR", "the published version (v000001, …)", "", "numbered by the lake, never reused"),
        Column("previous_version", "VARCHAR", "the version that was current before this one (null for the first)", "", f"{_RUN} previous_version"),
        Column("run_id", "VARCHAR", "the run's id", "", f"{_RUN} run_id"),
        Column("started_at", "VARCHAR", "when the run started (ISO 8601, UTC)", "", f"{_RUN} started_at"),
        Column("finished_at", "VARCHAR", "when the manifest was written (ISO 8601, UTC)", "", f"{_RUN} finished_at"),
        Column("package_version", "VARCHAR", "the version of DataRank that made it", "", f"{_RUN} package_version"),
        Column("python_version", "VARCHAR", "Python's version", "", f"{_RUN} software"),
        Column("duckdb_version", "VARCHAR", "DuckDB's version", "", f"{_RUN} software"),
        Column("polars_version", "VARCHAR", "Polars' version", "", f"{_RUN} software"),
        Column("pyarrow_version", "VARCHAR", "PyArrow's version", "", f"{_RUN} software"),
        Column("prefect_version", "VARCHAR", "Prefect's version (null where it is not installed)", "", f"{_RUN} software"),
        Column("engine", "VARCHAR", "what scored it: duckdb or spark", "", "--engine"),
        Column("cap", "BIGINT", "the cap on citers considered per work", "works", "--cap, default 200"),
        Column("damping", "DOUBLE", "d, the weight of the network score", "fraction (0–1)", "--damping, default 0.85"),
        Column("max_row_drop", "DOUBLE", "the largest drop in works from the previous version the checks allowed", "fraction (0–1)",
               "--max-row-drop, default 0.05"),
        Column("snapshot_uri", "VARCHAR", "where the snapshot was read from (credentials masked as ***)", "", f"{_RUN} snapshot.uri"),
        Column("snapshot_layout", "VARCHAR", "the snapshot's layout (legacy, jsonl, parquet)", "", "docs/ingest.md, Layouts"),
        Column("snapshot_date", "VARCHAR", "the snapshot's date: its newest updated_date= partition", "", f"{_RUN} snapshot.latest_partition"),
        Column("latest_partition", "VARCHAR", "the newest updated_date= partition (the same as snapshot_date)", "",
               f"{_RUN} snapshot.latest_partition"),
        Column("manifest_record_count", "BIGINT", "the record count the snapshot's manifest states", "records", "the snapshot manifest's total"),
        Column("files_in_manifest", "BIGINT", "part files the snapshot's manifest lists", "files", f"{_RUN} snapshot.files"),
        Column("files_read", "BIGINT", "part files this run read", "files", "new or changed since the last ingest (docs/ingest.md)"),
        Column("files_cached", "BIGINT", "part files taken unchanged from the lake", "files", "same size and ETag as already read"),
        Column("lines_read", "BIGINT", "lines of every part file", "lines", "docs/reliability.md, accounting"),
        Column("quarantined", "BIGINT", "lines set aside as not a work", "lines", "the quarantine view's rows"),
        Column("works", "BIGINT", "works kept", "works", "the works view's rows"),
        Column("duplicates_superseded", "BIGINT", "older copies of works that a newer copy replaced", "records",
               f"{_METRIC}, A duplicate work"),
        Column("merged_or_deleted_dropped", "BIGINT", "records dropped as merged into another work or deleted", "records", "docs/ingest.md"),
        Column("invalid_references", "BIGINT", "malformed ids dropped from referenced_works", "references", "docs/ingest.md"),
        Column("invalid_authors", "BIGINT", "authorships dropped for lacking a valid author id", "authorships", "docs/ingest.md"),
        Column("citations", "BIGINT", "citation links inside the snapshot", "links", "the citations view's rows"),
        Column("authorships", "BIGINT", "(work, author) pairs", "pairs", "the authorships view's rows"),
        Column("scores", "BIGINT", "works scored", "works", "the scores view's rows"),
        Column("researchers", "BIGINT", "authors given a researcher score", "authors", "the researchers view's rows"),
        Column("checks_passed", "BIGINT", "data checks that passed before publish", "checks", "README, Checks before publish"),
        Column("fair_version", "VARCHAR", "the FAIR score's version tag (fair_v1)", "", f"{_RUN} fair.version ({_FAIR})"),
        Column("fair_weights_file", "VARCHAR", "the weights file the FAIR score used", "", f"{_RUN} fair.weights_file"),
        Column("fair_validation_works", "BIGINT", "works in the FAIR score's check against DataRank",
               "works", f"articles and reviews of the snapshot's last five years ({_FAIR}, validation)"),
        Column("fair_validation_spearman", "DOUBLE", "Spearman's rho of fair_score with DataRank's year × type percentile",
               "", f"over those works ({_FAIR}, validation)"),
        Column("ingest_s", "DOUBLE", "time the ingest stage took", "seconds", f"{_RUN} timings_s"),
        Column("score_s", "DOUBLE", "time the score stage took", "seconds", f"{_RUN} timings_s"),
        Column("check_s", "DOUBLE", "time the check stage took", "seconds", f"{_RUN} timings_s"),
        Column("compare_s", "DOUBLE", "time the comparison with the previous version took", "seconds", f"{_RUN} timings_s"),
        Column("new_works", "BIGINT", "works not in the previous version", "works", "README, What changed since last night"),
        Column("removed_works", "BIGINT", "works of the previous version no longer published", "works", "datarank diff"),
        Column("rank_changed", "BIGINT", "works in both versions whose rank changed", "works", "datarank diff"),
        Column("score_changed", "BIGINT", "works in both versions whose DataRank changed by more than 1e-9", "works", "datarank diff"),
        Column("entered_top", "BIGINT", "works that entered the top 100", "works", "datarank diff --top 100"),
        Column("left_top", "BIGINT", "works that left the top 100", "works", "datarank diff --top 100"),
        Column("top_movers", "STRUCT(work_id VARCHAR, rank_from BIGINT, rank_to BIGINT, rank_gain BIGINT, datarank_from DOUBLE, "
               "datarank_to DOUBLE, datarank_change DOUBLE, title VARCHAR)[]",
               "the ten largest rank changes: work, rank and DataRank before and after", "", "datarank diff, largest rank changes"),
    ),
)

FAIR_SIGNALS = View(
    name="fair_signals",
    grain="one row per work: what fair_v1 reads of its record, reduced to flags and small counts, and its venue",
    made_by="sql/macros/openalex_fair_signals.sql, sql/core/ (the core's fair_signals.parquet)",
    columns=(
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id (as works.work_id)"),
        Column("paratext", "BOOLEAN", "is_paratext true or type paratext: not scored", "", f"({_FAIR}, gates)"),
        Column("is_dataset", "BOOLEAN", "the work's type is dataset", "", "for linked datasets"),
        Column("research_article", "BOOLEAN", "the work's type is article or review", "", "for the validation cohort"),
        Column("has_doi", "BOOLEAN", "doi present", "", _FAIR),
        Column("has_pubmed_id", "BOOLEAN", "ids.pmid or ids.pmcid present", "", _FAIR),
        Column("indexed_in", "SMALLINT", "distinct values of indexed_in", "indexes", _FAIR),
        Column("datacite_registered", "BOOLEAN", "datacite is one of indexed_in", "", _FAIR),
        Column("in_repository", "BOOLEAN", "some location's source.type is repository, or a repository has the full text", "", _FAIR),
        Column("any_orcid", "BOOLEAN", "some authorship has an ORCID", "", _FAIR),
        Column("all_orcid", "BOOLEAN", "every authorship (at least one) has an ORCID", "", _FAIR),
        Column("any_ror", "BOOLEAN", "some authorship has an institution with a ROR", "", _FAIR),
        Column("is_oa", "BOOLEAN", "open_access.is_oa true", "", _FAIR),
        Column("repository_fulltext", "BOOLEAN", "open_access.any_repository_has_fulltext true", "", _FAIR),
        Column("oa_pdf", "BOOLEAN", "some OA location has a pdf_url", "", _FAIR),
        Column("oa_version", "BOOLEAN", "some OA location is the accepted or published version", "", _FAIR),
        Column("has_mesh", "BOOLEAN", "mesh non-empty", "", _FAIR),
        Column("has_funding", "BOOLEAN", "funders, grants or awards non-empty", "", _FAIR),
        Column("has_corresponding", "BOOLEAN", "corresponding_author_ids non-empty", "", _FAIR),
        Column("licence", "TINYINT",
               "the best licence class over the locations (4 open, 3 restricted CC, 2 other-oa, 1 publisher, 0 none)", "", _FAIR),
        Column("versions", "TINYINT", "distinct location versions", "versions", _FAIR),
        Column("venue", "VARCHAR", "primary_location.source.display_name, for 'published in VENUE (YEAR)'", "", _FAIR),
    ),
)

ABSTRACTS = View(
    name="abstracts",
    grain="one row per work with an abstract in the snapshot, kept when a run has --abstracts",
    made_by="sql/macros/ (abstract_inverted_index rebuilt in word order), the core's abstracts.parquet",
    columns=(
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id (as works.work_id)"),
        Column("abstract", "VARCHAR", "the abstract, rebuilt from abstract_inverted_index", "", _FAIR),
    ),
)

FAIR_VALIDATION = View(
    name="fair_validation",
    grain="one row per cohort × dimension left out: does the FAIR score follow DataRank (Spearman's rho)",
    made_by="sql/fair/out_fair__validation.sql",
    columns=(
        Column("cohort", "VARCHAR", "which works: all, open access or closed (articles and reviews of the last five years)", "", _FAIR),
        Column("left_out", "VARCHAR", "the dimension left out of fair_raw (none: all four)", "", _FAIR),
        Column("works", "BIGINT", "works in the cohort", "works", _FAIR),
        Column("spearman", "DOUBLE", "Spearman's rho of the FAIR score with DataRank's year × type percentile", "", _FAIR),
        Column("year_from", "INTEGER", "the cohort's first publication year", "year", _FAIR),
        Column("year_to", "INTEGER", "the cohort's last publication year", "year", _FAIR),
    ),
)

OPENALEX_AGREEMENT = View(
    name="openalex_agreement",
    grain="one row per field, and one for all fields first: does DataRank's subfield × year percentile follow "
          "OpenAlex's normalised percentile (Spearman's rho)",
    made_by="sql/out/out_datarank__openalex_agreement.sql",
    columns=(
        Column("field_id", "INTEGER", "the OpenAlex field (null: the row of all fields)", "", _STANDING),
        Column("field_name", "VARCHAR", "the field's name ('all fields' for the row of all of them)", "", _STANDING),
        Column("works", "BIGINT", "works of the field with both percentiles (a primary topic and OpenAlex's value)", "works",
               _STANDING),
        Column("spearman", "DOUBLE", "Spearman's rho of subfield_year_percentile with openalex_normalized_percentile "
               "(null: fewer than 3 works or no spread)", "", f"the correlation of the mid-ranks ({_STANDING})"),
    ),
)

_UNITS = "docs/units.md"
_CONTEXT = "sql/core/core_openalex__work_context.sql"

WORK_CONTEXT = View(
    name="work_context",
    grain="one row per work: its primary topic (with subfield, field, domain), primary source and OpenAlex's own indicators",
    made_by="sql/macros/openalex_units.sql, sql/core/ (the core's work_context.parquet)",
    columns=(
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id (as works.work_id)"),
        Column("topic_id", "BIGINT", "primary_topic.id as a number (T10102 → 10102)", "", _CONTEXT),
        Column("topic_name", "VARCHAR", "primary_topic.display_name"),
        Column("subfield_id", "INTEGER", "primary_topic.subfield.id as a number (subfields/1804 → 1804)", "", _CONTEXT),
        Column("subfield_name", "VARCHAR", "primary_topic.subfield.display_name"),
        Column("field_id", "INTEGER", "primary_topic.field.id as a number (fields/18 → 18)", "", _CONTEXT),
        Column("field_name", "VARCHAR", "primary_topic.field.display_name"),
        Column("domain_id", "INTEGER", "primary_topic.domain.id as a number (domains/2 → 2)", "", _CONTEXT),
        Column("domain_name", "VARCHAR", "primary_topic.domain.display_name"),
        Column("source_id", "BIGINT", "primary_location.source.id as a number (S1983995261 → 1983995261)", "", _CONTEXT),
        Column("source_name", "VARCHAR", "primary_location.source.display_name"),
        Column("source_type", "VARCHAR", "primary_location.source.type, lower-case (journal, repository, conference, …)"),
        Column("source_issn_l", "VARCHAR", "primary_location.source.issn_l"),
        Column("openalex_fwci", "DOUBLE", "OpenAlex's field-weighted citation impact (fwci), as published", "", _UNITS),
        Column("openalex_normalized_percentile", "DOUBLE",
               "OpenAlex's citation_normalized_percentile.value, on its 0–1 scale (1 = best)", "", _UNITS),
        Column("openalex_top_1_percent", "BOOLEAN", "citation_normalized_percentile.is_in_top_1_percent"),
        Column("openalex_top_10_percent", "BOOLEAN", "citation_normalized_percentile.is_in_top_10_percent"),
        Column("n_authorships", "INTEGER", "elements of authorships[], with or without an institution", "authorships", _UNITS),
        Column("is_retracted", "BOOLEAN", "is_retracted true", "", "the units' core corpus"),
        Column("paratext", "BOOLEAN", "is_paratext true or type paratext", "", "the units' core corpus"),
    ),
)

WORK_INSTITUTIONS = View(
    name="work_institutions",
    grain="one row per work × authorship × institution named by that authorship, with the work's fractional share",
    made_by="sql/core/core_openalex__work_institutions.sql (the core's work_institutions.parquet)",
    columns=(
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id"),
        Column("authorship", "INTEGER", "the authorship's 1-based position in authorships[]"),
        Column("institution_id", "BIGINT", "the institution's OpenAlex id as a number (I4210166736 → 4210166736)"),
        Column("institution_name", "VARCHAR", "the institution's display_name as this record gives it"),
        Column("ror", "VARCHAR", "the institution's ROR as this record gives it"),
        Column("country_code", "VARCHAR", "the institution's country_code, upper-case"),
        Column("weight", "DOUBLE", "the work's share: 1 / (n_authorships × distinct institutions of the authorship)",
               "works", f"fractional counting, {_UNITS}"),
    ),
)

WORK_COUNTRIES = View(
    name="work_countries",
    grain="one row per work × authorship × country named by that authorship (authorships[].countries)",
    made_by="sql/core/core_openalex__work_countries.sql (the core's work_countries.parquet)",
    columns=(
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id"),
        Column("authorship", "INTEGER", "the authorship's 1-based position in authorships[]"),
        Column("country_code", "VARCHAR", "ISO 3166-1 alpha-2 code, upper-case"),
        Column("weight", "DOUBLE", "the work's share: 1 / (n_authorships × distinct countries of the authorship)",
               "works", f"fractional counting, {_UNITS}"),
    ),
)

DOIS = View(
    name="dois",
    grain="one row per (DOI, work) of the snapshot, sorted by DOI: the lookup table of `datarank explain 10.…`; "
          "a DOI two works share has a row for each, a work without a DOI has none",
    made_by="sql/core/core_openalex__dois.sql (sql/macros/doi_key.sql), the core's dois.parquet",
    columns=(
        Column("doi", "VARCHAR", "the work's DOI in lookup form: lower case, without https://doi.org/ or doi: "
               "(10.7717/peerj.4375)", "", "doi_key(works.doi): DOIs are case-insensitive (README, Lookup by DOI)"),
        Column("work_id", "BIGINT", "the number of the work's OpenAlex id (as works.work_id)"),
    ),
)

#: Every view of the catalog, in the order they are documented.
VIEWS: tuple[View, ...] = (SCORES, RESEARCHERS, WORKS, CITATIONS, AUTHORSHIPS, CITERS, QUARANTINE, FAIR_SIGNALS, ABSTRACTS,
                             FAIR_VALIDATION, OPENALEX_AGREEMENT, WORK_CONTEXT, WORK_INSTITUTIONS, WORK_COUNTRIES, DOIS,
                             INSTITUTIONS, SOURCES, COUNTRIES, FIELDS, RUNS)


def view(name: str) -> View:
    """A view by name; refuses an unknown one in one line that lists the others."""
    for candidate in VIEWS:
        if candidate.name == name.strip().lower():
            return candidate
    raise DataRankError(f"no view {name!r}; the views are {', '.join(v.name for v in VIEWS)}")


def comments() -> list[tuple[str, str | None, str]]:
    """(view, column, text) for every view (column None) and column: the catalog's comments."""
    found: list[tuple[str, str | None, str]] = []
    for entry in VIEWS:
        found.append((entry.name, None, f"{entry.grain}. Made by {entry.made_by}."))
        found += [(entry.name, column.name, describe_column(column)) for column in entry.columns]
    return found


def describe_column(column: Column) -> str:
    """One line for a column: its meaning, unit and rule (a catalog comment, an export's description)."""
    unit = f" [{column.unit}]" if column.unit else ""
    rule = f" Rule: {column.rule}." if column.rule else ""
    return f"{column.meaning}{unit}.{rule}"
