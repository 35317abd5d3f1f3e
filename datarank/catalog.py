"""The query surface of the published layout: one view per table of a version, and `runs`.

The publish stage writes these views into `datarank.duckdb`; the readers (`datarank query`, the
Python API, the report) make the same views over the version they read. It knows the published
layout only (`datarank.lake`), nothing of how a version was made.
"""

from __future__ import annotations

from pathlib import Path

from datarank.db import literal
from datarank.lake import VERSION_TABLES


def catalog_views(version: Path, run_files: list[Path]) -> list[str]:
    """The `create view` statements of the stable query surface: the tables of one version, and
    `runs`, one row per published version. A table a version does not hold (one published before
    the FAIR score has no fair_signals, abstracts or fair_validation) has no view."""
    statements = [
        f"create or replace view {table} as select * from read_parquet({literal(str(version / f'{table}.parquet'))})"
        for table in VERSION_TABLES
        if (version / f"{table}.parquet").exists()
    ]
    runs = ", ".join(literal(str(path)) for path in run_files)
    statements.append(
        f"create or replace view runs as select * from read_parquet([{runs}], union_by_name = true) order by version"
    )
    return statements
