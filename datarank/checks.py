"""The check stage: refuse to publish a staged version that breaks an invariant.

Each check (`datarank.models.CHECKS`, files under `sql/checks/`) selects the rows that break one
invariant; a version is published only when every check selects none. The checks see the core
tables, the staged outputs and `previous_datarank__scores`, the ranked table of the version
published last (empty before the first), so a check can compare the new version with the one it
replaces; the tables of `sql/checks/prepare/` are made first, for what several checks read.
"""

from __future__ import annotations

from pathlib import Path

from datarank import DataRankError
from datarank.db import connect, parquet_view, run_sql, sql_text
from datarank.engines.duckdb import make_sources, run_models
from datarank.lake import Lake
from datarank.models import CHECK_PREPARE_MODELS, CHECKS, FULL, SCORE_OUTPUTS
from datarank.settings import Settings


class CheckFailed(DataRankError):
    """A data check found rows that break an invariant; the version is not published (exit 3)."""

    exit_code = 3


def check(settings: Settings, core_dir: Path, staged: Path) -> list[str]:
    """Run every check over the staged outputs; refuse the version if one returns rows.

    Returns:
        The names of the checks that passed.

    Raises:
        CheckFailed: names the first failing check, how many rows fail it, up to five of them, and
            the check's `-- Override:` hint if it has one.
    """
    connection = connect(settings)
    try:
        make_sources(connection, {
            **{f"core_openalex__{table}": core_dir / f"{table}.parquet" for table in ("works", "citations", "authorships")},
            **{model: staged / f"{published}.parquet" for published, model in SCORE_OUTPUTS.items()},
        })
        lake = Lake(settings.data_dir)
        versions = lake.versions()
        previous = versions[-1] if versions else None
        if previous:
            parquet_view(connection, "previous_datarank__scores", lake.versions_dir / previous / "scores.parquet")
        else:  # before the first version: the staged table's columns, no row
            run_sql(connection, "create view previous_datarank__scores as select * from out_datarank__scores limit 0")
        run_models(connection, CHECK_PREPARE_MODELS, FULL, staged)
        values = {"cap": settings.cap, "max_row_drop": settings.max_row_drop}
        passed = []
        for item in CHECKS:
            text = sql_text(item.sql())
            params = {key: value for key, value in values.items() if f"${key}" in text}
            failing = connection.execute(f"select * from ({text}) limit 5", params)
            columns = [d[0] for d in failing.description]
            rows = failing.fetchall()
            if rows:
                total = connection.execute(f"select count(*) from ({text})", params).fetchall()[0][0]
                shown = "; ".join(str(dict(zip(columns, row, strict=True))) for row in rows)
                kept = f"{previous} stays current" if previous else "nothing was published"
                hints = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("-- Override:")]
                hint = f" {' '.join(hints)}" if hints else ""
                raise CheckFailed(
                    f"data check {item.name} failed on {total:,} row(s); version not published, {kept}. "
                    f"First rows: {shown}.{hint}"
                )
            passed.append(item.name)
        return passed
    finally:
        connection.close()


