"""Score, check and publish: core tables of one ingest → a published, ranked DataRank version.

The metric itself is in `sql/int/` and `sql/out/` (SPEC §2); this module only runs those files in
order, runs the data checks in `sql/checks/`, and hands the result to the lake.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb

from datarank import DataRankError
from datarank.db import (
    connect, copy_to_parquet, create_table, literal, materialize, parquet_view, row_count, run_sql, sql_dir, sql_text,
)
from datarank.faults import checkpoint
from datarank.lake import CORE_TABLES, VERSION_TABLES, Lake, link_or_copy
from datarank.settings import Settings

log = logging.getLogger(__name__)

#: The scoring steps, in order: each `sql/<step>.sql` becomes `<staged>/<file name>.parquet`.
SCORE_STEPS = (
    "int/int_datarank__work_signal",
    "int/int_datarank__capped_citers",
    "int/int_datarank__considered_citers",
    "int/int_datarank__network",
    "out/out_datarank__scores",
    "out/out_datarank__citers",
)
#: Core table file → the name the SQL knows it by.
CORE_VIEWS = {
    "works": "core_openalex__works",
    "citations": "core_openalex__citations",
    "authorships": "core_openalex__authorships",
}
#: Steps an incremental run computes for the rescored works only, then merges with what it carries
#: from the previous version (sql/incremental/<step>.sql).
INCREMENTAL_STEPS = ("int_datarank__network", "out_datarank__citers")
#: Each version's network figures per cited work, for the next incremental run (not a published table).
NETWORK_FILE = "network.parquet"
#: Published file → the step that made it.
OUTPUTS = {"scores": "out_datarank__scores", "citers": "out_datarank__citers"}


class CheckFailed(DataRankError):
    """A data check found rows that break an invariant; the version is not published."""


def score(settings: Settings, core_dir: Path, staged: Path) -> dict[str, Any]:
    """Run the scoring SQL over `core_dir`'s tables, writing the outputs into `staged`.

    `--engine spark` runs the same SQL files on Spark (datarank.spark_engine) and writes the same
    files; check and publish do not know which engine made them.

    When `core_dir` extends the core the version published last was scored from (an incremental
    ingest, same cap and damping), only the works in its rescored_works.parquet are scored again:
    the steps read their citations only, and the other works' network figures and considered
    citers are carried from that version (sql/incremental/); every work is then ranked again.

    Returns:
        Counts (scores, considered_citers, rescored_works) and, under "build", how it was scored.
    """
    if settings.engine == "spark":
        from datarank.spark_engine import score_with_spark

        return {**score_with_spark(settings, core_dir, staged), "build": {"mode": "full", "base": None}}
    previous, why_full = _rescoring_base(settings, core_dir)
    connection = _connection_over(settings, core_dir)
    try:
        params = settings.score_params
        if previous is not None:
            _rescore_only(connection, core_dir, previous)
        for step in SCORE_STEPS:
            # Intermediate steps stay tables of the run's in-memory database (DuckDB spills them
            # to <data_dir>/tmp/duckdb past --memory-limit); a Parquet round trip each cost ~20% of
            # scoring at 300k works (benchmarks/README.md). Only the outputs are written, once.
            name = Path(step).name
            if previous is not None and name in INCREMENTAL_STEPS:
                create_table(connection, step, params)
                run_sql(connection, f"alter table {name} rename to rescored__{name.split('__', 1)[1]}")
                step = f"incremental/{name}"
            if name in OUTPUTS.values():  # published: written once
                materialize(connection, step, staged / f"{name}.parquet", params)
            else:
                create_table(connection, step, params)
            checkpoint("score.step_written")
        copy_to_parquet(connection, "select * from int_datarank__network", staged / NETWORK_FILE)
        for published, step in OUTPUTS.items():
            (staged / f"{step}.parquet").replace(staged / f"{published}.parquet")
        scores = _count(connection, staged / "scores.parquet")
        rescored = row_count(connection, "rescored_works") if previous is not None else scores
        return {
            "scores": scores,
            "considered_citers": _count(connection, staged / "citers.parquet"),
            "rescored_works": rescored,
            "build": {
                "mode": "incremental" if previous is not None else "full",
                "base": previous.name if previous is not None else None,
                "why_full": why_full or None,
            },
        }
    finally:
        connection.close()


def _rescoring_base(settings: Settings, core_dir: Path) -> tuple[Path | None, str]:
    """The published version whose figures this run can carry, or None and why every work is scored."""
    if settings.full_rebuild:
        return None, "asked for (--full-rebuild)"
    try:
        build = json.loads((core_dir / "ingest.json").read_text()).get("build") or {}
    except (OSError, ValueError):
        build = {}
    if build.get("mode") != "incremental" or not (core_dir / "rescored_works.parquet").exists():
        return None, "the ingest was a full build"
    lake = Lake(settings.data_dir)
    versions = lake.versions()
    if not versions:
        return None, "no version published yet"
    previous = lake.versions_dir / versions[-1]
    try:
        manifest = json.loads((previous / "manifest.json").read_text())
    except (OSError, ValueError):
        return None, f"{versions[-1]}'s manifest cannot be read"
    if manifest.get("core") != build.get("base"):
        return None, f"{versions[-1]} was not scored from the ingest this one extends"
    parameters = manifest.get("parameters") or {}
    if (parameters.get("cap"), parameters.get("damping")) != (settings.cap, settings.damping):
        return None, f"{versions[-1]} was scored with another cap or damping"
    if not all((previous / name).exists() for name in (NETWORK_FILE, "citers.parquet")):
        return None, f"{versions[-1]} has no {NETWORK_FILE} (scored by another engine or an older release)"
    return previous, ""


def _rescore_only(connection: duckdb.DuckDBPyConnection, core_dir: Path, previous: Path) -> None:
    """Point the scoring steps at the rescored works' citations; expose what is carried."""
    views = {
        "rescored_works": core_dir / "rescored_works.parquet",
        "all__citations": core_dir / "citations.parquet",
        "previous__network": previous / NETWORK_FILE,
        "previous__citers": previous / "citers.parquet",
    }
    for view, path in views.items():
        parquet_view(connection, view, path)
    # A table, not a view: every step reads it, and it is a small part of the citations.
    run_sql(connection, "drop view core_openalex__citations")
    create_table(connection, "incremental/rescored_citations")
    run_sql(connection, "alter table rescored_citations rename to core_openalex__citations")
    # The authorships stay the whole table: at 10M works a night's rescored links still involve 85%
    # of the authorship rows. Selecting them took 3.9-4.8 s; without it the self-citation test
    # groups every authorship (0.96 s against 0.77 s measured alone) and `considered_citers` took
    # 17.8 s in a night's profile against 13.9 s before: about even, and one step fewer
    # (benchmarks/README.md).


def check(settings: Settings, core_dir: Path, staged: Path) -> list[str]:
    """Run every `sql/checks/*.sql` over the staged outputs; refuse the version if one returns rows.

    The checks see the core tables, the staged `out_datarank__scores` and `out_datarank__citers`,
    and `previous_datarank__scores`: the ranked table of the version published last (empty before
    the first), so a check can compare the new version with the one it replaces; and the tables
    of `sql/checks/prepare/`, made first, for what several checks read (one scan instead of two).

    Returns:
        The names of the checks that passed.

    Raises:
        CheckFailed: names the first failing check, how many rows fail it, up to five of them, and
            the check's `-- Override:` hint if it has one.
    """
    connection = _connection_over(settings, core_dir)
    try:
        for published, step in OUTPUTS.items():
            parquet_view(connection, step, staged / f"{published}.parquet")
        lake = Lake(settings.data_dir)
        previous = lake.versions()[-1] if lake.versions() else None
        previous_scores = (
            f"select * from read_parquet({literal(str(lake.versions_dir / previous / 'scores.parquet'))})"
            if previous else "select * from out_datarank__scores where false"
        )
        run_sql(connection, f"create view previous_datarank__scores as {previous_scores}")
        # What several checks read (sql/checks/prepare/), made once as tables of this connection.
        for path in sorted((sql_dir() / "checks" / "prepare").glob("*.sql")):
            create_table(connection, f"checks/prepare/{path.stem}")
        values = {"cap": settings.cap, "max_row_drop": settings.max_row_drop}
        passed = []
        for path in sorted((sql_dir() / "checks").glob("*.sql")):
            name = f"checks/{path.stem}"
            text = sql_text(name)
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
                    f"data check {path.stem} failed on {total:,} row(s); version not published, {kept}. "
                    f"First rows: {shown}.{hint}"
                )
            passed.append(path.stem)
        return passed
    finally:
        connection.close()


def stage_version(core_dir: Path, staged: Path) -> None:
    """Link the ingest's core tables into the staged version, beside the scores."""
    for table in CORE_TABLES:
        link_or_copy(core_dir / f"{table}.parquet", staged / f"{table}.parquet")
    missing = [t for t in VERSION_TABLES if not (staged / f"{t}.parquet").exists()]
    if missing:
        raise DataRankError(f"internal error: staged version lacks {', '.join(missing)}")


def write_catalog(lake: Lake) -> None:
    """(Re)write `datarank.duckdb`: views over `current/`, so ad hoc DuckDB sessions see the
    published tables by name (`duckdb data/out/datarank.duckdb -c 'from scores limit 5'`)."""
    temporary = lake.catalog_path.with_name(f".{lake.catalog_path.name}.partial")
    temporary.unlink(missing_ok=True)
    connection = duckdb.connect(str(temporary))
    try:
        for statement in catalog_views(lake.root / "current", lake.run_files()):
            run_sql(connection, statement)
    finally:
        connection.close()
    temporary.replace(lake.catalog_path)


def catalog_views(version: Path, run_files: list[Path]) -> list[str]:
    """The `create view` statements of the stable query surface (SPEC §4): the tables of one
    version, and `runs`, one row per published version."""
    statements = [
        f"create or replace view {table} as select * from read_parquet({literal(str(version / f'{table}.parquet'))})"
        for table in VERSION_TABLES
    ]
    runs = ", ".join(literal(str(path)) for path in run_files)
    statements.append(
        f"create or replace view runs as select * from read_parquet([{runs}], union_by_name = true) order by version"
    )
    return statements


def _connection_over(settings: Settings, core_dir: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(settings)
    for table, view in CORE_VIEWS.items():
        parquet_view(connection, view, core_dir / f"{table}.parquet")
    return connection


def _count(connection: duckdb.DuckDBPyConnection, path: Path) -> int:
    return row_count(connection, f"read_parquet({literal(str(path))})")

