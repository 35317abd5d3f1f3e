"""The query surface of the published layout: one view per table of a version, and `runs`.

The publish stage writes these views into `datarank.duckdb`; the readers (`datarank query`, the
Python API, the report) make the same views over the version they read. It knows the published
layout only (`datarank.lake`), nothing of how a version was made.
"""

from __future__ import annotations

from pathlib import Path

from datarank.db import literal, sql_text
from datarank.lake import VERSION_TABLES

#: The macros the views use: `abstracts` rebuilds each abstract from its inverted index when read.
VIEW_MACROS = ("macros/openalex_abstract", "macros/openalex_abstract_text")


def catalog_views(version: Path, run_files: list[Path]) -> list[str]:
    """The `create macro` and `create view` statements of the stable query surface: the tables of
    one version, and `runs`, one row per published version. A table a version does not hold (one
    published before the FAIR score has no fair_signals, abstracts or fair_validation) has no view.
    `abstracts` shows (`work_id`, `abstract`): the text, rebuilt from the inverted index the version
    keeps, for the rows a query reads."""
    statements = [sql_text(macro) for macro in VIEW_MACROS]
    for table in VERSION_TABLES:
        path = version / f"{table}.parquet"
        if not path.exists():
            continue
        if table == "abstracts":
            statements.append(
                "create or replace view abstracts as select * from ("
                f"select work_id, openalex_abstract_text(abstract_index) as abstract from read_parquet({literal(str(path))})"
                ") where abstract is not null"
            )
        else:
            statements.append(f"create or replace view {table} as select * from read_parquet({literal(str(path))})")
    runs = ", ".join(literal(str(path)) for path in run_files)
    statements.append(
        f"create or replace view runs as select * from read_parquet([{runs}], union_by_name = true) order by version"
    )
    return statements
