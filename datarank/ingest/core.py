"""Building the core tables of one ingest from the raw files: the core stage's declared models
(`datarank.models.CORE_MODELS`) run over views of the raw cache and, on a night, of the core the
build extends.

On a night (an incremental build) only the part files new since the extended core are read: their
copies meet that core's current copies of the same ids, and the citations and authorships of the
works that may have changed (sql/core/core_openalex__dirty_citers.sql) are computed again, the
others carried. The tables are the ones a full build gives (tests/integration/test_incremental.py);
the works whose scores may differ go to rescored_works.parquet for scoring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from datarank import DataRankError
from datarank.db import copy_to_parquet, create_table, literal, parquet_view, row_count, rows_table, run_sql
from datarank.engines.duckdb import run_models
from datarank.lake import CORE_TABLES, Lake, link_or_copy
from datarank.models import CORE_MODELS, FULL, INCREMENTAL, for_mode
from datarank.snapshot import Snapshot

#: Beside a core's winners.parquet (its base), the current copies of the ids whose copy changed
#: since that base was written; absent when the base is current (a full build, or a new base).
WINNERS_CHANGED = "winners_changed.parquet"
#: A night writes only the winners that changed since the base winners file; when they outnumber
#: this share of the base, it writes a new base instead. A night rewriting k% of the ids adds k% to
#: the changed file each night, so over n nights before a new base the writes add up to (k·n²/2)%
#: of the base plus one base: per night, lowest near n = √(200/k) — about 11 nights and a share
#: near 0.17 for the 1.5% of ids a 1% benchmark night changes (benchmarks/README.md).
WINNERS_COMPACT_SHARE = 0.2
#: The columns of a table of raw files (`raw_view` joins each raw row to its file's row).
RAW_FILES_COLUMNS = {"raw_path": "varchar", "file_key": "varchar", "partition": "varchar", "part": "bigint"}
#: The extended core's files the night reads as `previous_openalex__<table>`.
_PREVIOUS_TABLES = ("works", "merge_map", "citations", "authorships", "quarantine", "abstracts")


def build_core(
    connection: duckdb.DuckDBPyConnection,
    lake: Lake,
    snapshot: Snapshot,
    files: list[dict[str, Any]],
    reading: list[dict[str, Any]],
    base: Path | None,
    out: Path,
) -> str:
    """Write the core tables of the snapshot into `out`; return the mode the build ran in.

    Args:
        files: Every part file of the manifest, as read or cached (their stats rows).
        reading: The part files whose raw rows this build reads: every file on a full build, the
            ones new since `base` on a night.
        base: The core a night extends, or None for a full build.
    """
    mode = INCREMENTAL if base is not None else FULL
    raw_dir = lake.raw_works_dir
    partitions = {f.key: (f.partition, f.part) for f in snapshot.files}
    rows_table(
        connection, "raw_openalex__files", RAW_FILES_COLUMNS,
        [(str(raw_dir / f["raw"]), f["key"], *partitions[f["key"]]) for f in reading],
    )
    rows_table(
        connection, "raw_openalex__file_lines",
        {"file_key": "varchar", "lines_read": "bigint", "quarantined": "bigint"},
        [(f["key"], f["lines"], f["quarantined"]) for f in files],
    )
    # No new part file: the view keeps its columns (those of any raw file) and holds no row.
    raw_view(connection, "raw_openalex__works", [str(raw_dir / f["raw"]) for f in reading or files[:1]],
             "raw_openalex__files")
    _check_lines(connection, reading)
    _id_list(connection, "raw_openalex__merged_ids", snapshot.merged_id_files,
             "merge_date date, work_id bigint, merge_into_id bigint")
    _id_list(connection, "raw_openalex__deleted_ids", snapshot.deleted_id_files, "work_id bigint, deleted_date date")
    hooks = {}
    if base is not None:
        for table in _PREVIOUS_TABLES:
            parquet_view(connection, f"previous_openalex__{table}", base / f"{table}.parquet")
        winners_view(connection, "previous_openalex__winners", base)
        if (base / WINNERS_CHANGED).exists():
            parquet_view(connection, "previous_openalex__winners_changed", base / WINNERS_CHANGED)
        else:  # the extended core wrote a new base: nothing changed since it
            run_sql(connection, "create view previous_openalex__winners_changed as select * from previous_openalex__winners limit 0")
        hooks["core_openalex__winners"] = lambda: _winners_base(connection, base, out)
    run_models(connection, for_mode(CORE_MODELS, mode), mode, out, hooks=hooks)
    assert set(CORE_TABLES) <= {p.stem for p in out.glob("*.parquet")}
    return mode


def counts(connection: duckdb.DuckDBPyConnection, files: list[dict[str, Any]]) -> dict[str, int]:
    """The build's figures for the run manifest: lines, works, links, and what was dropped."""
    winners = row_count(connection, "core_openalex__winners")
    works, references = connection.execute(
        "select count(*), coalesce(sum(n_referenced_ids), 0) from core_openalex__work_records"
    ).fetchall()[0]
    lines, quarantined = sum(f["lines"] for f in files), sum(f["quarantined"] for f in files)
    figures = {
        "lines_read": lines,
        "quarantined": quarantined,
        "good_lines": lines - quarantined,
        "distinct_work_ids": winners,
        "invalid_references": sum(f.get("invalid_references", 0) for f in files),
        "invalid_authors": sum(f.get("invalid_authors", 0) for f in files),
        "works": works,
        "duplicates_superseded": lines - quarantined - winners,
        "merged_or_deleted_dropped": winners - works,
        "references": references,
        "citations": row_count(connection, "core_openalex__citations"),
        "authorships": row_count(connection, "core_openalex__authorships"),
        "merged_ids": row_count(connection, "core_openalex__merge_map"),
        "deleted_ids": row_count(connection, "raw_openalex__deleted_ids"),
    }
    figures["references_dropped"] = figures["references"] - figures["citations"]
    return figures


def winners_view(connection: duckdb.DuckDBPyConnection, view: str, core: Path) -> None:
    """`view`: the current winners of a core — its base file, less the ids that changed since, plus
    their current copies."""
    base, changed = literal(str(core / "winners.parquet")), literal(str(core / WINNERS_CHANGED))
    if not (core / WINNERS_CHANGED).exists():
        parquet_view(connection, view, core / "winners.parquet")
        return
    run_sql(
        connection,
        f"""
        create or replace view {view} as
        select * from read_parquet({changed})
        union all by name
        select base.*
        from read_parquet({base}) as base
        anti join read_parquet({changed}) as changed on changed.work_id = base.work_id
        """,
    )


def _winners_base(connection: duckdb.DuckDBPyConnection, base: Path, out: Path) -> None:
    """On a night, after winners_changed.parquet is written: link the extended core's base in, and
    make `core_openalex__winners` the view of the current winners. Rewriting every id with its id
    lists costs 14 s of a 10M-work night; once the changed ids outnumber WINNERS_COMPACT_SHARE of the
    base, the current winners are written as a new base instead, so what every later night reads
    and rewrites stays small."""
    link_or_copy(base / "winners.parquet", out / "winners.parquet")
    changed = row_count(connection, f"read_parquet({literal(str(out / WINNERS_CHANGED))})")
    base_rows = row_count(connection, f"read_parquet({literal(str(out / 'winners.parquet'))})")
    compact = changed > WINNERS_COMPACT_SHARE * base_rows
    if compact:
        winners_view(connection, "core_openalex__winners", out)
        # Through a temporary name and a rename: the link to the old base is replaced, not written into.
        copy_to_parquet(connection, "select * from core_openalex__winners", out / "winners.parquet")
    if compact or not changed:
        (out / WINNERS_CHANGED).unlink()
    winners_view(connection, "core_openalex__winners", out)


def raw_view(connection: duckdb.DuckDBPyConnection, view: str, paths: list[str], files_table: str) -> None:
    """`view`: the raw rows of `paths` with the file key, partition and part of each row's file."""
    listed = ", ".join(literal(path) for path in paths)
    run_sql(
        connection,
        f"""
        create or replace view {view} as
        select raw.* exclude (filename), files.file_key, files.partition, files.part
        from read_parquet([{listed}], filename = true) as raw
        inner join {files_table} as files on files.raw_path = raw.filename
        """,
    )


def _check_lines(connection: duckdb.DuckDBPyConnection, files: list[dict[str, Any]]) -> None:
    """The raw files this build reads hold the lines ingested.json says they do."""
    found = dict(connection.execute("select file_key, count(*) from raw_openalex__works group by file_key").fetchall())
    for row in files:
        if found.get(row["key"], 0) != row["lines"]:
            raise DataRankError(f"{row['url']}: the raw cache holds {found.get(row['key'], 0)} lines, "
                                f"ingested.json says {row['lines']}; delete {row.get('raw')} and rerun")


def _id_list(connection: duckdb.DuckDBPyConnection, table: str, paths: tuple[str, ...], columns: str) -> None:
    if paths:
        try:
            create_table(connection, f"raw/{table}", {"paths": list(paths)})
        except duckdb.Error as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise DataRankError(f"{', '.join(paths)}: cannot be read ({first})") from None
    else:
        run_sql(connection, f"create or replace table {table} ({columns})")


