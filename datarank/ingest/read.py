"""Reading part files into the raw cache: one JSON Lines part, a batch of small ones, or one
Parquet part becomes one raw Parquet file per part (sql/raw/), with the part's statistics.

JSON Lines are parsed strictly first (faster; fails on the first line that is not JSON), then, if
that failed, again with every bad line kept as a quarantine row. The caller gives each read a
cursor of the ingest's database and a `stopping` test, so an interrupted ingest stops between
attempts.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from datarank import DataRankError
from datarank.db import copy_to_parquet, literal, run_sql, sql_text
from datarank.faults import checkpoint
from datarank.gzip_pipe import GzipBatchPipe, GzipPipe
from datarank.ingest.plan import ToRead
from datarank.snapshot import FileState, Snapshot, SnapshotFile, fs_path

log = logging.getLogger(__name__)

#: Rows per row group of a raw file (the writer holds one group per file being read).
RAW_ROW_GROUP = 100_000
#: What a raw file's stats are made of: lines, quarantined, invalid references, invalid authors.
_COUNTS = (
    "count(*), count(quarantine_reason), "
    "coalesce(sum(n_invalid_references), 0), coalesce(sum(n_invalid_authors), 0)"
)
#: What a strict parse (sql/raw/raw_openalex__works.sql, $strict) raises on a line that is not
#: JSON: DuckDB's error, or, when its message cuts a multi-byte character, Python's failure to
#: decode that message. Only these send a part to the lenient parse (a store that fails is not
#: asked again).
PARSE_ERRORS = (duckdb.InvalidInputException, UnicodeDecodeError)


def read_part(
    cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot, item: ToRead, stopping: Callable[[], bool],
    abstracts: bool = False,
) -> dict[str, Any]:
    """One part file → its raw file (with abstracts, if `abstracts`); its stats row. Any failure
    names the file."""
    file, state, raw = item
    started = time.perf_counter()
    try:
        if snapshot.file_format == "parquet":
            _read_parquet(cursor, snapshot, file, raw, abstracts)
        else:
            _read_lines(cursor, snapshot, file, raw, stopping, abstracts)
        checkpoint("ingest.part_written")
        counts = cursor.execute(f"select {_COUNTS} from read_parquet({literal(str(raw))})").fetchall()[0]
    except DataRankError:
        raise
    except Exception as error:  # noqa: BLE001 - DuckDB's, PyArrow's or the store's: name the file
        raise DataRankError(f"{file.url}: cannot be read ({first_line(error)})") from None
    return stats(snapshot, file, state, raw, counts, time.perf_counter() - started)


def read_batch(
    cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot, task: list[ToRead], strict: bool, abstracts: bool = False
) -> list[dict[str, Any]]:
    """Several small local parts read as one statement, through one pipe, then each file's rows
    written to its own raw file; their stats rows. Raises if any file fails or, parsing
    `strict`ly, if a line does not parse: the caller then reads them again, or one by one."""
    started = time.perf_counter()
    table = f"raw_batch_{threading.get_ident()}"
    paths = [Path(fs_path(snapshot, file.url)) for file, _, _ in task]
    try:
        pipe = GzipBatchPipe(paths, f"{len(task)} part files")
        with pipe as source:
            run_sql(
                cursor,
                f"create or replace temp table {table} as {sql_text('raw/raw_openalex__works')}",
                {"path": source, "compression": "none", "strict": strict, "abstracts": abstracts},
            )
        rows = cursor.execute(f"select count(*) from {table}").fetchall()[0][0]
        if rows != sum(pipe.lines):  # a guard: the pipe hands DuckDB the files' \n-lines as they are
            raise DataRankError(f"{rows} rows read, {sum(pipe.lines)} lines fed")
        firsts = [1 + sum(pipe.lines[:index]) for index in range(len(task))]
        bounds = ", ".join(
            f"({index}, {first}, {first + lines - 1})"
            for index, (first, lines) in enumerate(zip(firsts, pipe.lines, strict=True))
        )
        counts = {
            row[0]: row[1:]
            for row in cursor.execute(
                f"""
                select files.file_index, {_COUNTS}
                from {table} as raw
                inner join (values {bounds}) as files(file_index, first_line, last_line)
                    on raw.line_number between files.first_line and files.last_line
                group by files.file_index
                """
            ).fetchall()
        }
        for index, (first, (_, _, raw)) in enumerate(zip(firsts, task, strict=True)):
            copy_to_parquet(
                cursor,
                f"""
                select * replace (line_number - {first - 1} as line_number)
                from {table}
                where line_number between {first} and {first + pipe.lines[index] - 1}
                order by line_number
                """,
                raw,
                row_group_size=RAW_ROW_GROUP,
            )
            checkpoint("ingest.part_written")
    except BaseException:
        for _, _, raw in task:
            raw.unlink(missing_ok=True)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):  # never hide why the batch failed
            run_sql(cursor, f"drop table if exists {table}")
    seconds = (time.perf_counter() - started) / len(task)
    return [
        stats(snapshot, file, state, raw, counts.get(index, (0, 0, 0, 0)), seconds)
        for index, (file, state, raw) in enumerate(task)
    ]


def stats(
    snapshot: Snapshot, file: SnapshotFile, state: FileState, raw: Path, counts: tuple[Any, ...], seconds: float
) -> dict[str, Any]:
    """A part file's row in ingested.json and the run manifest."""
    lines, quarantined, invalid_references, invalid_authors = counts
    return {
        "key": file.key,
        "url": file.url,
        "format": snapshot.file_format,
        "size": state.size,
        "fingerprint": state.fingerprint,
        "raw": raw.name,
        "manifest_records": file.record_count,
        "lines": lines,
        "quarantined": quarantined,
        "invalid_references": invalid_references,
        "invalid_authors": invalid_authors,
        "read_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": "read",
        "seconds": round(seconds, 3),
    }


def _read_lines(
    cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot, file: SnapshotFile, raw: Path, stopping: Callable[[], bool],
    abstracts: bool,
) -> None:
    """A JSON Lines part → its raw file: strictly, then (a line is not JSON) keeping bad lines."""
    try:
        _copy_lines(cursor, snapshot, file, raw, strict=True, abstracts=abstracts)
    except PARSE_ERRORS:
        if stopping():
            raise
        log.debug("%s holds a line that does not parse: reading it again, keeping bad lines", file.url)
        _copy_lines(cursor, snapshot, file, raw, strict=False, abstracts=abstracts)


def _copy_lines(
    cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot, file: SnapshotFile, raw: Path, strict: bool, abstracts: bool
) -> None:
    query = sql_text("raw/raw_openalex__works")
    # Local or remote: decompressed (and CRC-checked) once, by a thread feeding DuckDB a pipe.
    try:
        with GzipPipe(fs_path(snapshot, file.url), file.url, snapshot.fs) as source:
            params = {"path": source, "compression": "none", "strict": strict, "abstracts": abstracts}
            copy_to_parquet(cursor, query, raw, params, row_group_size=RAW_ROW_GROUP)
    except BaseException:
        raw.unlink(missing_ok=True)  # whatever was made of a damaged stream is not data
        raise


def _read_parquet(cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot, file: SnapshotFile, raw: Path, abstracts: bool) -> None:
    fs = snapshot.fs
    # Ranged reads of just the column chunks asked for; no read-ahead past them.
    options = {} if snapshot.is_local else {"cache_type": "none"}
    import pyarrow as pa  # only the Parquet layout needs PyArrow (~0.15 s to import)

    from datarank.parquet_parts import read_batches

    with fs.open(fs_path(snapshot, file.url), "rb", **options) as handle:
        schema, batches, _ = read_batches(handle, file.url, abstracts)
        cursor.register("raw_openalex__parquet_part", pa.RecordBatchReader.from_batches(schema, batches))
        try:
            copy_to_parquet(cursor, sql_text("raw/raw_openalex__works_parquet"), raw, {"abstracts": abstracts},
                            row_group_size=RAW_ROW_GROUP)
        finally:
            cursor.unregister("raw_openalex__parquet_part")


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
