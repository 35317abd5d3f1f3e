"""The query surface of the published layout: one view per table of a version, and `runs`.

The publish stage writes these views into `datarank.duckdb` (`published_catalog`); the readers
(`datarank query`, the Python API, the report) make the same views over the version they read
(`catalog_views`). It knows the published layout only (`datarank.lake`), nothing of how a version
was made.

`datarank.duckdb` is for every DuckDB client, so it is written to be movable and old-client
friendly (README, Querying the results):

- Its views name no absolute path. Each file is found under the folder of the catalog file the
  client opened: DuckDB's default `temp_directory` for a database file is `<file>.tmp`, so
  `parse_dirpath(current_setting('temp_directory'))` is the catalog's folder, as the client named
  it. Where that setting is not the catalog's own (the
  catalog ATTACHed into another session, or a temp_directory set by hand), the paths stay relative
  and DuckDB resolves them against the working directory and `file_search_path`. No DuckDB 1.x
  mechanism does better: a view cannot read the database's path (`duckdb_databases()`) inside a
  table function's arguments ("Table function cannot contain subqueries"), and `file_search_path`
  is a setting of the session, not stored in the file.
- It is written in storage version v0.10.1 (file format 64), the oldest that holds everything in
  it: comments on views' columns are read from DuckDB 0.10.1 on (0.10.0 refuses the file), and
  every later DuckDB, 1.x and 2.x, reads format 64. DuckDB 2.0's own format (69) opens in no 1.x
  client.
"""

from __future__ import annotations

from pathlib import Path

from datarank.db import literal, sql_text
from datarank.dictionary import comments
from datarank.lake import CATALOG_FILE, VERSION_TABLES

#: The storage version `datarank.duckdb` is written in (see the module's docstring).
CATALOG_STORAGE_VERSION = "v0.10.1"

#: SQL for the folder of the opened catalog file with a trailing separator, or '' (resolve
#: relative to the working directory and file_search_path) where the temp_directory is not
#: `<folder>/datarank.duckdb.tmp`. Pure functions of a setting, so DuckDB folds it into a constant
#: as a table function's argument must be; parse_dirpath and parse_filename exist since 0.10.
CATALOG_FOLDER = (
    "(case when parse_filename(current_setting('temp_directory')) = " + literal(f"{CATALOG_FILE}.tmp")
    + " then coalesce(nullif(parse_dirpath(current_setting('temp_directory')), '') || '/', '') else '' end)"
)

#: The macros the views use: `abstracts` rebuilds each abstract from its inverted index when read.
VIEW_MACROS = ("macros/openalex_abstract", "macros/openalex_abstract_text")

#: The macros the views use: `abstracts` rebuilds each abstract from its inverted index when read.
VIEW_MACROS = ("macros/openalex_abstract", "macros/openalex_abstract_text")


def catalog_views(version: Path, run_files: list[Path]) -> list[str]:
    """The `create view` statements of the stable query surface over one version's folder (absolute
    paths: for a reader's own in-memory connection). A table that a version published by an older
    release does not have (researchers) gets no view there."""
    return _views({table: literal(str(version / f"{table}.parquet")) for table in VERSION_TABLES
                   if (version / f"{table}.parquet").exists()},
                  [literal(str(path)) for path in run_files])


def published_catalog(root: Path, version: str, run_files: list[Path]) -> list[str]:
    """The views of `datarank.duckdb` under `root` over one version's folder (`versions/<version>/`:
    the version `current` points at when the catalog is written, resolved then, so a query never
    mixes two versions while a run publishes), with paths relative to the catalog's folder
    (`CATALOG_FOLDER`)."""
    def located(relative: str) -> str:
        return f"{CATALOG_FOLDER} || {literal(relative)}"

    folder = root / "versions" / version
    tables = {table: located(f"versions/{version}/{table}.parquet") for table in VERSION_TABLES
              if (folder / f"{table}.parquet").exists()}
    return _views(tables, [located(path.relative_to(root).as_posix()) for path in run_files])


def comment_statements(published: set[tuple[str, str | None]]) -> list[str]:
    """`COMMENT ON VIEW/COLUMN` from the data dictionary, for the views and columns in `published`
    ((view, None) or (view, column)). A column the dictionary lacks stays without a comment and
    one it describes but the view lacks is skipped, so a stale dictionary never fails a publish
    (tests/integration/test_dictionary.py fails instead)."""
    statements = []
    for view, column, text in comments():
        if (view, column) in published:
            target = f"view {view}" if column is None else f"column {view}.{column}"
            statements.append(f"comment on {target} is {literal(text)}")
    return statements


def _views(tables: dict[str, str], run_files: list[str]) -> list[str]:
    """The macros the views use, a view per table, and `runs`. `abstracts` shows (`work_id`,
    `abstract`): the text, rebuilt from the inverted index the version keeps, for the rows a query
    reads."""
    statements = [sql_text(macro) for macro in VIEW_MACROS]
    for table, path in tables.items():
        if table == "abstracts":
            statements.append(
                "create or replace view abstracts as select * from ("
                f"select work_id, openalex_abstract_text(abstract_index) as abstract from read_parquet({path})"
                ") where abstract is not null"
            )
        else:
            statements.append(f"create or replace view {table} as select * from read_parquet({path})")
    statements.append(
        f"create or replace view runs as select * from read_parquet([{', '.join(run_files)}], union_by_name = true) order by version"
    )
    return statements
