"""The publish stage's file work: a staged version gets the core's tables, and the catalog follows
`current` (the version numbering and the atomic switch are the lake's)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from datarank import DataRankError
from datarank.catalog import catalog_views
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
    under a query that reads two tables), and the same views of every version under a schema named
    after it (`from v000002.scores`). Rewritten whenever `current` moves or a version is pruned."""
    temporary = lake.catalog_path.with_name(f".{lake.catalog_path.name}.partial")
    temporary.unlink(missing_ok=True)
    connection = duckdb.connect(str(temporary))
    try:
        current = lake.current_version()
        for statement in catalog_views(current, lake.run_files(up_to=current.name)):
            run_sql(connection, statement)
        for name in lake.versions():
            run_sql(connection, f"create schema {identifier(name)}")
            run_sql(connection, f"use {identifier(name)}")
            for statement in catalog_views(lake.versions_dir / name, lake.run_files(up_to=name)):
                run_sql(connection, statement)
        run_sql(connection, "use main")
    finally:
        connection.close()
    temporary.replace(lake.catalog_path)
