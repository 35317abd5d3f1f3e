"""Ingest: OpenAlex part files → raw Parquet (cached per file) → core tables of one snapshot.

Reading is DuckDB's work (gzip, line splitting, JSON parsing with a declared schema); Python only
walks the list of files the manifest names. A file already read, unchanged (same key, size and
fsspec `ukey`), is not read again, so a nightly run reads only the new partitions.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from datarank import DataRankError
from datarank.db import connect, copy_to_parquet, create_table, literal, materialize, run_sql, sql_text
from datarank.lake import CORE_TABLES, Lake, write_json_atomic
from datarank.settings import Settings
from datarank.snapshot import Snapshot, SnapshotFile, open_snapshot, verify_file

log = logging.getLogger(__name__)

#: Called after each part file: (file, its stats, how many files done, how many in all).
FileCallback = Callable[[SnapshotFile, dict[str, Any], int, int], None]


@dataclass(frozen=True)
class IngestResult:
    """What one ingest produced: the core folder and the figures for the run manifest."""

    core_dir: Path
    summary: dict[str, Any]


def ingest(settings: Settings, on_file: FileCallback | None = None) -> IngestResult:
    """Read the snapshot's new part files and rebuild the core tables of the snapshot.

    Raises:
        DataRankError: the manifest is missing, or a part file is missing, truncated or unreadable
            (the message names the file); nothing already ingested or published is changed.
    """
    started = time.perf_counter()
    lake = Lake(settings.data_dir)
    snapshot = open_snapshot(settings.snapshot)
    if not snapshot.files:
        raise DataRankError(f"the manifest {snapshot.manifest_url} lists no part files")
    log.info("snapshot %s: %s layout, %d part files", snapshot.uri, snapshot.layout, len(snapshot.files))
    connection = connect(settings)
    try:
        if not snapshot.is_local:
            connection.register_filesystem(snapshot.fs)
        files = _read_part_files(connection, lake, snapshot, on_file)
        read_seconds = time.perf_counter() - started
        staged = lake.new_core_dir()
        counts = _build_core(connection, lake, snapshot, files, staged)
    finally:
        connection.close()
    summary = {
        "snapshot": {
            "uri": snapshot.uri,
            "layout": snapshot.layout,
            "manifest": snapshot.manifest_url,
            "manifest_record_count": snapshot.manifest_record_count,
            "manifest_content_length": snapshot.manifest_content_length,
            "files": len(snapshot.files),
            "latest_partition": max((f.partition for f in snapshot.files), default=None),
        },
        "files": files,
        "counts": counts,
        "timings": {"read_files_s": round(read_seconds, 3), "ingest_s": round(time.perf_counter() - started, 3)},
    }
    write_json_atomic(staged / "ingest.json", summary)
    core = lake.commit_core(staged)
    return IngestResult(core_dir=core, summary=summary)


def _read_part_files(
    connection: duckdb.DuckDBPyConnection, lake: Lake, snapshot: Snapshot, on_file: FileCallback | None
) -> list[dict[str, Any]]:
    """Bring every part file of the manifest into the raw cache; return one stats row per file."""
    ingested = lake.read_ingested()
    rows: list[dict[str, Any]] = []
    for done, file in enumerate(snapshot.files, start=1):
        verify_file(snapshot, file)
        ukey = snapshot.fs.ukey(file.url if snapshot.is_local else snapshot.fs._strip_protocol(file.url))
        cached = ingested.get(file.key)
        raw_path = lake.raw_works_dir / f"{_digest(file.key)}-{_digest(ukey)}.parquet"
        if cached and cached.get("raw") == raw_path.name and raw_path.exists():
            stats = {**cached, "status": "cached", "seconds": 0.0}
        else:
            stats = _read_part_file(connection, file, raw_path)
            ingested[file.key] = {**stats, "raw": raw_path.name, "ukey": ukey}
            lake.write_ingested(ingested)
            if cached and cached.get("raw") != raw_path.name:
                (lake.raw_works_dir / cached["raw"]).unlink(missing_ok=True)
        stats = {key: value for key, value in stats.items() if key != "ukey"}
        rows.append({"key": file.key, **stats, "raw": raw_path.name})
        if on_file:
            on_file(file, stats, done, len(snapshot.files))
    return rows


def _read_part_file(connection: duckdb.DuckDBPyConnection, file: SnapshotFile, raw_path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        copy_to_parquet(connection, sql_text("raw/raw_openalex__works"), raw_path, {"path": file.url})
    except duckdb.Error as error:
        raise DataRankError(f"{file.url}: cannot be read ({_first_line(error)})") from None
    lines, quarantined, invalid_references, invalid_authors = connection.execute(
        f"""
        select count(*), count(quarantine_reason),
            coalesce(sum(n_invalid_references), 0), coalesce(sum(n_invalid_authors), 0)
        from read_parquet({literal(str(raw_path))})
        """
    ).fetchall()[0]
    if file.record_count is not None and lines != file.record_count:
        log.warning("%s: %d lines but the manifest says %d records", file.url, lines, file.record_count)
    return {
        "url": file.url,
        "size": file.content_length,
        "manifest_records": file.record_count,
        "lines": lines,
        "quarantined": quarantined,
        "invalid_references": invalid_references,
        "invalid_authors": invalid_authors,
        "status": "read",
        "seconds": round(time.perf_counter() - started, 3),
    }


def _build_core(
    connection: duckdb.DuckDBPyConnection, lake: Lake, snapshot: Snapshot, files: list[dict[str, Any]], out: Path
) -> dict[str, int]:
    """Deduplicate, apply merges and deletions, and write the core tables of this snapshot."""
    raw_dir = lake.raw_works_dir
    manifest_files = pa.table(
        {
            "raw_path": [str(raw_dir / f["raw"]) for f in files],
            "file_key": [f["key"] for f in files],
            "partition": [f.partition for f in snapshot.files],
            "part": [f.part for f in snapshot.files],
        }
    )
    connection.register("raw_openalex__files", manifest_files)
    paths = ", ".join(literal(str(raw_dir / f["raw"])) for f in files)
    run_sql(
        connection,
        f"""
        create or replace view raw_openalex__works as
        select raw.* exclude (filename), files.file_key, files.partition, files.part
        from read_parquet([{paths}], filename = true) as raw
        inner join raw_openalex__files as files on files.raw_path = raw.filename
        """
    )
    _id_list(connection, "raw_openalex__merged_ids", snapshot.merged_id_files, "merge_date date, work_id bigint, merge_into_id bigint")
    _id_list(connection, "raw_openalex__deleted_ids", snapshot.deleted_id_files, "work_id bigint, deleted_date date")

    create_table(connection, "core/core_openalex__merge_map")
    materialize(connection, "core/core_openalex__works", out / "works_full.parquet")
    materialize(connection, "core/core_openalex__citations", out / "citations.parquet")
    materialize(connection, "core/core_openalex__authorships", out / "authorships.parquet")
    copy_to_parquet(
        connection,
        "select * exclude (referenced_ids, author_ids) from core_openalex__works",
        out / "works.parquet",
    )
    copy_to_parquet(
        connection,
        """
        select file_key as source_file, line_number, quarantine_reason as reason, line_head
        from raw_openalex__works
        where quarantine_reason is not null
        order by file_key, line_number
        """,
        out / "quarantine.parquet",
    )
    counts = dict(
        zip(
            ("lines_read", "quarantined", "good_lines", "distinct_work_ids", "invalid_references", "invalid_authors"),
            connection.execute(
                """
                select count(*), count(quarantine_reason), count(*) - count(quarantine_reason),
                    count(distinct work_id) filter (where quarantine_reason is null),
                    coalesce(sum(n_invalid_references), 0), coalesce(sum(n_invalid_authors), 0)
                from raw_openalex__works
                """
            ).fetchall()[0],
            strict=True,
        )
    )
    works, references = connection.execute(
        "select count(*), coalesce(sum(n_referenced_ids), 0) from core_openalex__works"
    ).fetchall()[0]
    counts |= {
        "works": works,
        "duplicates_superseded": counts["good_lines"] - counts["distinct_work_ids"],
        "merged_or_deleted_dropped": counts["distinct_work_ids"] - works,
        "references": references,
        "citations": _count(connection, "core_openalex__citations"),
        "authorships": _count(connection, "core_openalex__authorships"),
        "merged_ids": _count(connection, "core_openalex__merge_map"),
        "deleted_ids": _count(connection, "raw_openalex__deleted_ids"),
    }
    counts["references_dropped"] = counts["references"] - counts["citations"]
    (out / "works_full.parquet").unlink()
    assert set(CORE_TABLES) <= {p.stem for p in out.glob("*.parquet")}
    return counts


def _id_list(connection: duckdb.DuckDBPyConnection, table: str, paths: tuple[str, ...], columns: str) -> None:
    if paths:
        try:
            create_table(connection, f"raw/{table}", {"paths": list(paths)})
        except duckdb.Error as error:
            raise DataRankError(f"{', '.join(paths)}: cannot be read ({_first_line(error)})") from None
    else:
        run_sql(connection, f"create or replace table {table} ({columns})")


def _count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return connection.execute(f"select count(*) from {table}").fetchall()[0][0]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
