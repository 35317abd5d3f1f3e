"""The publish stage's file work: a staged version gets the core's tables, and the catalog follows
`current` (the version numbering and the atomic switch are the lake's)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from datarank import DataRankError
from datarank.catalog import CATALOG_STORAGE_VERSION, comment_statements, published_catalog
from datarank.db import identifier, run_sql
from datarank.lake import CORE_TABLES, VERSION_TABLES, Lake, link_or_copy


def stage_version(core_dir: Path, staged: Path) -> None:
    """Link the ingest's core tables into the staged version, beside the scores."""
    for table in CORE_TABLES:
        link_or_copy(core_dir / f"{table}.parquet", staged / f"{table}.parquet")
    missing = [t for t in VERSION_TABLES if not (staged / f"{t}.parquet").exists()]
    if missing:
        raise DataRankError(f"internal error: staged version lacks {', '.join(missing)}")


def write_catalog(lake: Lake) -> None:
    """(Re)write `datarank.duckdb`, so ad hoc DuckDB sessions see the published tables by name
    (`duckdb DIR/datarank.duckdb -c 'from scores limit 5'`): views over the version `current` points
    at, resolved now (not over the `current` link, which a run publishing meanwhile would switch
    under a query that reads two tables), with a comment on every view and column the data
    dictionary describes, and the same views of every kept version under a schema named after it
    (`from v000002.scores`). Movable, and readable by DuckDB 0.10.1 and later (datarank.catalog says
    how). Rewritten whenever `current` moves or a version is pruned."""
    temporary = lake.catalog_path.with_name(f".{lake.catalog_path.name}.partial")
    temporary.unlink(missing_ok=True)
    # A view is bound when it is made: the temp_directory a client of the catalog would have makes
    # its paths the data dir's, whatever the working directory holds.
    config = {"storage_compatibility_version": CATALOG_STORAGE_VERSION,
              "temp_directory": str(lake.catalog_path.absolute()) + ".tmp"}
    connection = duckdb.connect(str(temporary), config=config)
    try:
        current = lake.current_version()
        for statement in published_catalog(lake.root, current.name, lake.run_files(up_to=current.name)):
            run_sql(connection, statement)
        published = {(view, None) for (view,) in connection.sql("select view_name from duckdb_views() where not internal").fetchall()}
        published |= set(connection.sql("select table_name, column_name from duckdb_columns() where not internal").fetchall())
        for statement in comment_statements(published):
            run_sql(connection, statement)
        for name in lake.versions():
            run_sql(connection, f"create schema {identifier(name)}")
            run_sql(connection, f"use {identifier(name)}")
            for statement in published_catalog(lake.root, name, lake.run_files(up_to=name)):
                run_sql(connection, statement)
        run_sql(connection, "use main")
    finally:
        connection.close()
    temporary.replace(lake.catalog_path)
