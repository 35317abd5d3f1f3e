"""Ingest: OpenAlex part files → raw Parquet (cached per file) → core tables of one snapshot.

Reading is DuckDB's work (gzip, line splitting, JSON parsing with a declared schema) or, for the
Parquet layout, PyArrow's (only the leaves DataRank keeps); Python only walks the list of files the
manifest names. Files are independent, so several are read at once, each on its own DuckDB cursor
of one database: they share its memory limit and thread pool.

Incremental runs: the lake remembers every part file it read (`lake/raw/ingested.json`: key, url,
size, fingerprint — the S3 ETag or the local modification time — and its raw Parquet). A later run
reads only files that are new or changed, then rebuilds the core tables from the raw files of the
current manifest, applying the current merges and deletions. So the result after any sequence of
runs is, by construction, the result of a fresh full run on the same snapshot; what a run changed
(works added, updated, removed; new merges and deletions; files that left the manifest with works
found nowhere else) is computed against the previous ingest and reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from datarank import DataRankError
from datarank.db import (
    connect, copy_to_parquet, create_table, literal, materialize, parquet_view, row_count, rows_table, run_sql, sql_text,
)
from datarank.faults import checkpoint
from datarank.gzip_pipe import GzipBatchPipe, GzipPipe
from datarank.lake import CORE_TABLES, Lake, link_or_copy, write_json_atomic
from datarank.redact import redact_all
from datarank.settings import Settings, parse_memory
from datarank.snapshot import FileState, Snapshot, SnapshotFile, file_states, fs_path, open_snapshot, verify_file

log = logging.getLogger(__name__)

#: Called after each part file: (file, its stats, how many files done, how many in all).
FileCallback = Callable[[SnapshotFile, dict[str, Any], int, int], None]

#: Memory one file being read may take (64 MB read buffers, parsed rows in flight, one 100k-row
#: group of the Parquet writer). Measured (benchmarks/README.md): ~290 MB more peak memory for a
#: second file read alongside; a whole process reading one part of 600 MB gzip peaks at ~590 MB,
#: growing slowly with the part's size. How many files are read side by side is bounded by the
#: memory limit divided by this.
FILE_MEMORY = 1 << 30
#: Rows per row group of a raw file (the writer holds one group per file being read).
RAW_ROW_GROUP = 100_000
#: A local JSON Lines part smaller than this (compressed) is read with others in one statement,
#: up to BATCH_PARTS of them or BATCH_BYTES (compressed) in all: their rows sit in one DuckDB
#: table before being split into their raw files.
SMALL_PART = 1 << 20
BATCH_PARTS = 64
BATCH_BYTES = 16 << 20
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
#: A part file to read, its state in the listing, and the raw file it becomes.
ToRead = tuple[SnapshotFile, FileState, Path]
#: Raw Parquet files older than this, unknown to ingested.json, are leftovers of killed runs.
_ORPHAN_SECONDS = 24 * 3600


@dataclass(frozen=True)
class IngestResult:
    """What one ingest produced: the core folder and the figures for the run manifest."""

    core_dir: Path
    summary: dict[str, Any]


def ingest(settings: Settings, on_file: FileCallback | None = None) -> IngestResult:
    """Read the snapshot's new or changed part files and rebuild the core tables of the snapshot.

    Raises:
        DataRankError: the manifest is missing, or a part file is missing, of the wrong size or
            unreadable (the message names the file); nothing already ingested or published is changed.
    """
    started = time.perf_counter()
    lake = Lake(settings.data_dir)
    snapshot = open_snapshot(settings.snapshot)
    if not snapshot.files:
        raise DataRankError(f"the manifest {snapshot.manifest_url} lists no part files")
    log.info("snapshot %s: %s", snapshot.uri, snapshot.describe())
    states = file_states(snapshot)
    for file in snapshot.files:  # every file before reading any: a release still being written fails fast
        verify_file(file, states.get(file.key))
    ingested = lake.read_ingested()
    previous_core = _previous_core(lake)
    connection = connect(settings)
    try:
        if not snapshot.is_local:
            connection.register_filesystem(snapshot.fs)
            # Every byte is read once: DuckDB's cache of remote files would only hold memory.
            run_sql(connection, "set enable_external_file_cache = false")
        reader = _PartReader(connection, lake, snapshot, settings)
        files = reader.read_all(states, ingested, on_file)
        read_seconds = time.perf_counter() - started
        in_manifest = {file.key for file in snapshot.files}
        vanished = {key: entry for key, entry in ingested.items() if key not in in_manifest}
        base, reading, why_full = _incremental_base(settings, previous_core, files, vanished)
        staged = lake.new_core_dir()
        counts, report = _build_core(connection, lake, snapshot, files, reading, vanished, previous_core, base, staged)
    finally:
        connection.close()
    report |= _count_report(snapshot, files)
    _log_report(report)
    summary = {
        "snapshot": {
            "uri": snapshot.uri,
            "layout": snapshot.layout,
            "file_format": snapshot.file_format,
            "works_dir": snapshot.works_dir,
            "manifest": snapshot.manifest_url,
            "manifest_record_count": snapshot.manifest_record_count,
            "manifest_content_length": snapshot.manifest_content_length,
            "files": len(snapshot.files),
            "latest_partition": max((f.partition for f in snapshot.files), default=None),
        },
        "files": files,
        "build": {"mode": "incremental" if base else "full", "base": base.name if base else None, "why_full": why_full or None},
        "counts": counts,
        "report": report,
        "parallel_files": reader.workers,
        "timings": {"read_files_s": round(read_seconds, 3), "ingest_s": round(time.perf_counter() - started, 3)},
    }
    summary = redact_all(summary)  # no credential of the snapshot URI in ingest.json or the manifest
    write_json_atomic(staged / "ingest.json", summary)
    checkpoint("ingest.core_staged")
    core = lake.commit_core(staged)
    _forget(lake, vanished)
    return IngestResult(core_dir=core, summary=summary)


def ingest_workers(settings: Settings, files: int) -> int:
    """How many part files to read side by side: one per core (or `--threads`), no more than the
    memory limit holds at `FILE_MEMORY` each, never more than there are files."""
    cores = settings.threads or os.cpu_count() or 1
    memory = parse_memory(settings.memory_limit) or int(0.8 * _physical_memory())
    return max(1, min(cores, memory // FILE_MEMORY, files))


# ---------------------------------------------------------------- reading part files
class _PartReader:
    """Brings part files into the raw cache, several at a time, recording each in ingested.json as
    soon as it is done (so a run that fails halfway keeps what it read)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, lake: Lake, snapshot: Snapshot, settings: Settings) -> None:
        self.connection = connection
        self.lake = lake
        self.snapshot = snapshot
        self.settings = settings
        self.workers = 1
        self._active: dict[int, duckdb.DuckDBPyConnection] = {}
        self._lock = threading.Lock()
        self._stopping = False

    def read_all(
        self, states: dict[str, FileState], ingested: dict[str, dict[str, Any]], on_file: FileCallback | None
    ) -> list[dict[str, Any]]:
        """One stats row per part file of the manifest, in manifest order."""
        rows: dict[str, dict[str, Any]] = {}
        to_read: list[ToRead] = []
        total, done = len(self.snapshot.files), 0
        for file in self.snapshot.files:
            state = states[file.key]
            raw = self.lake.raw_works_dir / f"{_digest(file.key)}-{_digest(f'{state.size}:{state.fingerprint}')}.parquet"
            cached = ingested.get(file.key)
            if cached and cached.get("raw") == raw.name and cached.get("format") == self.snapshot.file_format and raw.exists():
                rows[file.key] = {**cached, "key": file.key, "url": file.url, "status": "cached", "seconds": 0.0}
                done += 1
                if on_file:
                    on_file(file, rows[file.key], done, total)
            else:
                to_read.append((file, state, raw))
        self._clear_orphans(ingested)
        self.workers = ingest_workers(self.settings, len(to_read))
        if to_read:
            log.info("reading %d of %d part files, %d at a time", len(to_read), total, self.workers)
        # A file that fails does not stop the others: what is read stays in the lake for the next
        # run, and the error names every file that failed.
        failures: list[tuple[SnapshotFile, BaseException]] = []
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ingest") as pool:
            pending = {pool.submit(self._read_task, task): task for task in self._tasks(to_read)}
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        pending.pop(future)
                        for file, _state, raw, stats in future.result():
                            if isinstance(stats, BaseException):
                                failures.append((file, stats))
                                continue
                            previous = ingested.get(file.key)
                            ingested[file.key] = {key: value for key, value in stats.items() if key not in ("status", "seconds")}
                            self.lake.write_ingested(ingested)
                            if previous and previous.get("raw") and previous["raw"] != raw.name:
                                (self.lake.raw_works_dir / previous["raw"]).unlink(missing_ok=True)
                            rows[file.key] = stats
                            done += 1
                            if on_file:
                                on_file(file, stats, done, total)
            except BaseException:
                for other in pending:
                    other.cancel()
                self._interrupt()
                raise
        if failures:
            failures.sort(key=lambda failure: failure[0].key)
            first = failures[0][1]
            if len(failures) == 1:
                raise first
            others = ", ".join(file.url for file, _ in failures[1:])
            raise DataRankError(f"{first} — and {len(failures) - 1} more part files failed: {others}")
        return [rows[file.key] for file in self.snapshot.files]

    def _tasks(self, to_read: list[ToRead]) -> list[list[ToRead]]:
        """The files to read, as tasks: one file each, except that small local JSON Lines parts
        go several to a task (planning and running a statement costs ~10 ms whatever the file's
        size: measured, 82 parts of 30 KB took 0.66 s one statement each, 0.10 s as one)."""
        if self.snapshot.file_format == "parquet" or not self.snapshot.is_local:
            return [[item] for item in to_read]
        tasks: list[list[ToRead]] = []
        batch: list[ToRead] = []
        for item in to_read:
            if item[1].size >= SMALL_PART:
                tasks.append([item])
                continue
            if batch and (len(batch) == BATCH_PARTS or sum(other[1].size for other in batch) + item[1].size > BATCH_BYTES):
                tasks.append(batch)
                batch = []
            batch.append(item)
        if batch:
            tasks.append(batch)
        return tasks

    def _read_task(self, task: list[ToRead]) -> list[tuple[SnapshotFile, FileState, Path, dict[str, Any] | BaseException]]:
        """Read the files of one task; a file that fails is returned with its error."""
        # A batch is parsed strictly, then (a line did not parse) leniently, then (a file is bad)
        # its files are read one by one.
        for strict in (True, False):
            if len(task) < 2 or self._stopping:
                break
            try:
                return [(*item, stats) for item, stats in zip(task, self._read_batch(task, strict), strict=True)]
            except Exception as error:  # noqa: BLE001 - see above
                log.debug("a batch of %d small part files failed (strict: %s)", len(task), strict, exc_info=True)
                if not isinstance(error, PARSE_ERRORS):
                    break
        results: list[tuple[SnapshotFile, FileState, Path, dict[str, Any] | BaseException]] = []
        for file, state, raw in task:
            if self._stopping:
                results.append((file, state, raw, DataRankError(f"{file.url}: not read (the ingest was stopped)")))
                continue
            try:
                results.append((file, state, raw, self._read(file, state, raw)))
            except Exception as error:  # noqa: BLE001 - the caller names every file that failed
                results.append((file, state, raw, error))
        return results

    def _read(self, file: SnapshotFile, state: FileState, raw: Path) -> dict[str, Any]:
        started = time.perf_counter()
        with self._cursor() as cursor:
            try:
                if self.snapshot.file_format == "parquet":
                    self._read_parquet(cursor, file, raw)
                else:
                    self._read_lines(cursor, file, raw)
                checkpoint("ingest.part_written")
                counts = cursor.execute(f"select {_COUNTS} from read_parquet({literal(str(raw))})").fetchall()[0]
            except DataRankError:
                raise
            except Exception as error:  # noqa: BLE001 - DuckDB's, PyArrow's or the store's: name the file
                raise DataRankError(f"{file.url}: cannot be read ({_first_line(error)})") from None
        return self._stats(file, state, raw, counts, time.perf_counter() - started)

    def _read_batch(self, task: list[ToRead], strict: bool) -> list[dict[str, Any]]:
        """Read several small local parts as one statement, through one pipe, then write each
        file's rows to its own raw file. Raises if any file fails or, parsing
        `strict`ly (see `_read_lines`), if a line does not parse."""
        started = time.perf_counter()
        table = f"raw_batch_{threading.get_ident()}"
        paths = [Path(fs_path(self.snapshot, file.url)) for file, _, _ in task]
        with self._cursor() as cursor:
            try:
                pipe = GzipBatchPipe(paths, f"{len(task)} part files")
                with pipe as source:
                    run_sql(
                        cursor,
                        f"create or replace temp table {table} as {sql_text('raw/raw_openalex__works')}",
                        {"path": source, "compression": "none", "strict": strict},
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
            self._stats(file, state, raw, counts.get(index, (0, 0, 0, 0)), seconds)
            for index, (file, state, raw) in enumerate(task)
        ]

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the ingest's database that `_interrupt` can stop."""
        cursor = self.connection.cursor()
        with self._lock:
            self._active[threading.get_ident()] = cursor
        try:
            yield cursor
        finally:
            with self._lock:
                self._active.pop(threading.get_ident(), None)
            cursor.close()

    def _stats(self, file: SnapshotFile, state: FileState, raw: Path, counts: tuple[Any, ...], seconds: float) -> dict[str, Any]:
        lines, quarantined, invalid_references, invalid_authors = counts
        return {
            "key": file.key,
            "url": file.url,
            "format": self.snapshot.file_format,
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

    def _read_lines(self, cursor: duckdb.DuckDBPyConnection, file: SnapshotFile, raw: Path) -> None:
        """A JSON Lines part → its raw file: parsed strictly first (faster; fails on the first bad
        line), then, if that failed, again with every bad line kept as a quarantine row."""
        try:
            self._copy_lines(cursor, file, raw, strict=True)
        except PARSE_ERRORS:
            if self._stopping:
                raise
            log.debug("%s holds a line that does not parse: reading it again, keeping bad lines", file.url)
            self._copy_lines(cursor, file, raw, strict=False)

    def _copy_lines(self, cursor: duckdb.DuckDBPyConnection, file: SnapshotFile, raw: Path, strict: bool) -> None:
        query = sql_text("raw/raw_openalex__works")
        # Local or remote: decompressed (and CRC-checked) once, by a thread feeding DuckDB a pipe.
        try:
            with GzipPipe(fs_path(self.snapshot, file.url), file.url, self.snapshot.fs) as source:
                params = {"path": source, "compression": "none", "strict": strict}
                copy_to_parquet(cursor, query, raw, params, row_group_size=RAW_ROW_GROUP)
        except BaseException:
            raw.unlink(missing_ok=True)  # whatever was made of a damaged stream is not data
            raise

    def _read_parquet(self, cursor: duckdb.DuckDBPyConnection, file: SnapshotFile, raw: Path) -> None:
        fs = self.snapshot.fs
        # Ranged reads of just the column chunks asked for; no read-ahead past them.
        options = {} if self.snapshot.is_local else {"cache_type": "none"}
        import pyarrow as pa  # only the Parquet layout needs PyArrow (~0.15 s to import)

        from datarank.parquet_parts import read_batches

        with fs.open(fs_path(self.snapshot, file.url), "rb", **options) as handle:
            schema, batches, _ = read_batches(handle, file.url)
            cursor.register("raw_openalex__parquet_part", pa.RecordBatchReader.from_batches(schema, batches))
            try:
                copy_to_parquet(cursor, sql_text("raw/raw_openalex__works_parquet"), raw, row_group_size=RAW_ROW_GROUP)
            finally:
                cursor.unregister("raw_openalex__parquet_part")

    def _interrupt(self) -> None:
        self._stopping = True
        with self._lock:
            for cursor in self._active.values():
                cursor.interrupt()

    def _clear_orphans(self, ingested: dict[str, dict[str, Any]]) -> None:
        """Remove raw files no entry names, left by runs killed mid-file (old enough not to be another
        run's work in progress; runs on one data dir are serialised by its lock anyway)."""
        folder = self.lake.raw_works_dir
        if not folder.is_dir():
            return
        known = {entry.get("raw") for entry in ingested.values()}
        now = time.time()
        for path in folder.iterdir():
            if path.name not in known and now - path.stat().st_mtime > _ORPHAN_SECONDS:
                path.unlink(missing_ok=True)


# ---------------------------------------------------------------- core tables
def _incremental_base(
    settings: Settings, previous_core: Path | None, files: list[dict[str, Any]], vanished: dict[str, dict[str, Any]]
) -> tuple[Path | None, list[dict[str, Any]], str]:
    """The previous core this build can extend and the part files new since it, or None, every
    part file, and why a full build is needed.

    An incremental build adds new part files to the previous core: every file that core was built
    from must still be in the manifest, unchanged. A file changed in place or gone would need the
    copies it held taken back out, so those nights rebuild in full.
    """
    if settings.full_rebuild:
        return None, files, "asked for (--full-rebuild)"
    if previous_core is None:
        return None, files, "first ingest"
    if not (previous_core / "winners.parquet").exists():
        return None, files, "the last ingest predates incremental builds"
    if vanished:
        return None, files, f"{len(vanished)} part file(s) left the manifest"
    try:
        before = {f["key"]: f.get("raw") for f in json.loads((previous_core / "ingest.json").read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None, files, "the last ingest's file list cannot be read"
    now = {f["key"]: f["raw"] for f in files}
    changed = sorted(key for key, raw in before.items() if now.get(key) != raw)
    if changed:
        return None, files, f"{len(changed)} part file(s) changed since the last ingest"
    return previous_core, [f for f in files if f["key"] not in before], ""


def _build_core(
    connection: duckdb.DuckDBPyConnection,
    lake: Lake,
    snapshot: Snapshot,
    files: list[dict[str, Any]],
    reading: list[dict[str, Any]],
    vanished: dict[str, dict[str, Any]],
    previous_core: Path | None,
    base: Path | None,
    out: Path,
) -> tuple[dict[str, int], dict[str, Any]]:
    """Deduplicate, apply merges and deletions, write the core tables, and report what changed.

    With `base` (an earlier core whose part files are all still there, unchanged), only the part
    files new since it (`reading`; every file otherwise) are read: their copies meet the base's current copies of the same ids, and
    the citations and authorships of the works that may have changed (sql/core/
    core_openalex__dirty_citers.sql) are computed again, the others carried. The tables are the
    ones a full build gives (tests/integration/test_incremental.py); the works whose scores may
    differ go to rescored_works.parquet for scoring.
    """
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
    _raw_view(connection, "raw_openalex__works", [str(raw_dir / f["raw"]) for f in reading or files[:1]],
              "raw_openalex__files")
    _check_lines(connection, reading)
    _id_list(connection, "raw_openalex__merged_ids", snapshot.merged_id_files, "merge_date date, work_id bigint, merge_into_id bigint")
    _id_list(connection, "raw_openalex__deleted_ids", snapshot.deleted_id_files, "work_id bigint, deleted_date date")

    create_table(connection, "core/core_openalex__merge_map")
    if base is not None:
        create_table(connection, "core/core_openalex__new_copies")  # read three times: a table
        for table in ("works", "merge_map", "citations", "authorships", "quarantine"):
            parquet_view(connection, f"previous__{table}", base / f"{table}.parquet")
        _winners_view(connection, "previous__winners", base)
        run_sql(connection, "create view core_openalex__previous_winners as select * from previous__winners")
        if (base / WINNERS_CHANGED).exists():
            parquet_view(connection, "core_openalex__previous_winners_changed", base / WINNERS_CHANGED)
        else:
            run_sql(connection, "create view core_openalex__previous_winners_changed as select * from core_openalex__new_copies limit 0")
    else:  # a full build reads the raw files once
        run_sql(connection, f"create view core_openalex__new_copies as {sql_text('core/core_openalex__new_copies')}")
        for view in ("core_openalex__previous_winners", "core_openalex__previous_winners_changed"):
            run_sql(connection, f"create view {view} as select * from core_openalex__new_copies limit 0")
    _write_winners(connection, base, out)
    # A table of the build's database (spilled past --memory-limit): only the published works.parquet,
    # without the id lists, is written.
    create_table(connection, "core/core_openalex__works")
    if base is not None:
        create_table(connection, "core/core_openalex__dirty_citers")
        for step in ("rebuilt_works", "carried_citations", "carried_authorships"):
            run_sql(connection, f"create view core_openalex__{step} as {sql_text(f'core/core_openalex__{step}')}")
        run_sql(connection, "create view core_openalex__carried_quarantine as select * from previous__quarantine")
    else:
        run_sql(connection, "create view core_openalex__rebuilt_works as select * from core_openalex__works")
        run_sql(connection, "create view core_openalex__carried_citations as select 0::bigint as citing_id, 0::bigint as cited_id limit 0")
        run_sql(connection, "create view core_openalex__carried_authorships as select 0::bigint as work_id, 0::bigint as author_id limit 0")
        run_sql(
            connection,
            "create view core_openalex__carried_quarantine as "
            "select ''::varchar as source_file, 0::bigint as line_number, ''::varchar as reason, ''::varchar as line_head limit 0",
        )
    materialize(connection, "core/core_openalex__citations", out / "citations.parquet")
    materialize(connection, "core/core_openalex__authorships", out / "authorships.parquet")
    if base is not None:
        materialize(connection, "core/core_openalex__rescored_works", out / "rescored_works.parquet")
    copy_to_parquet(
        connection,
        "select * exclude (referenced_ids, author_ids) from core_openalex__works",
        out / "works.parquet",
    )
    copy_to_parquet(connection, sql_text("core/core_openalex__quarantine"), out / "quarantine.parquet")
    # Kept beside the core tables so the next ingest can tell which merges and deletions are new.
    copy_to_parquet(connection, "select * from core_openalex__merge_map order by work_id", out / "merge_map.parquet")
    copy_to_parquet(
        connection,
        "select distinct work_id from raw_openalex__deleted_ids where work_id is not null order by work_id",
        out / "deleted_ids.parquet",
    )
    winners = row_count(connection, "core_openalex__winners")
    works, references = connection.execute(
        "select count(*), coalesce(sum(n_referenced_ids), 0) from core_openalex__works"
    ).fetchall()[0]
    lines, quarantined = sum(f["lines"] for f in files), sum(f["quarantined"] for f in files)
    counts = {
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
    counts["references_dropped"] = counts["references"] - counts["citations"]
    _account_files(connection, files)
    report = {
        "vanished_files": _vanished_report(connection, raw_dir, vanished, out),
        "changes": _changes(connection, previous_core, out, incremental=base is not None),
    }
    if base is not None:
        report["changes"]["rescored_works"] = row_count(connection, "core_openalex__rescored_works")
        report["changes"]["dirty_citers"] = row_count(connection, "core_openalex__dirty_citers")
    assert set(CORE_TABLES) <= {p.stem for p in out.glob("*.parquet")}
    return counts, report


#: Beside a core's winners.parquet (its base), the current copies of the ids whose copy changed
#: since that base was written; absent when the base is current (a full build, or a compaction).
WINNERS_CHANGED = "winners_changed.parquet"
#: An incremental ingest writes only the winners that changed since the base winners file; when
#: they outnumber this share of the base, it writes a new base instead. A night rewriting k% of the
#: ids adds k% to the changed file each night, so over n nights before a new base the writes add up
#: to (k·n²/2)% of the base plus one base: per night, lowest near n = √(200/k) — about 11 nights and
#: a share near 0.17 for the 1.5% of ids a 1% benchmark night changes (benchmarks/README.md).
WINNERS_COMPACT_SHARE = 0.2


def _winners_view(connection: duckdb.DuckDBPyConnection, view: str, core: Path) -> None:
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


def _write_winners(connection: duckdb.DuckDBPyConnection, base: Path | None, out: Path) -> None:
    """Write the build's winners and make `core_openalex__winners` the view of the current ones.

    A full build writes every id's winner as the base (winners.parquet). An incremental one writes
    only the ids whose copy changed since the previous core's base (winners_changed.parquet) and
    links that base in: rewriting every id with its id lists took 14.0 s of a 10M-work night. Once
    the changed ids outnumber WINNERS_COMPACT_SHARE of the base, the current winners are written as
    a new base instead, so what every later night reads and rewrites stays small.
    """
    if base is None:
        copy_to_parquet(connection, sql_text("core/core_openalex__winners_changed"), out / "winners.parquet")
        parquet_view(connection, "core_openalex__winners", out / "winners.parquet")
        return
    copy_to_parquet(connection, sql_text("core/core_openalex__winners_changed"), out / WINNERS_CHANGED)
    link_or_copy(base / "winners.parquet", out / "winners.parquet")
    changed = row_count(connection, f"read_parquet({literal(str(out / WINNERS_CHANGED))})")
    base_rows = row_count(connection, f"read_parquet({literal(str(out / 'winners.parquet'))})")
    compact = changed > WINNERS_COMPACT_SHARE * base_rows
    if compact:
        _winners_view(connection, "core_openalex__winners", out)
        # Through a temporary name and a rename: the link to the old base is replaced, not written into.
        copy_to_parquet(connection, "select * from core_openalex__winners", out / "winners.parquet")
    if compact or not changed:
        (out / WINNERS_CHANGED).unlink()
    _winners_view(connection, "core_openalex__winners", out)


#: The columns of a table of raw files (`_raw_view` joins each raw row to its file's row).
RAW_FILES_COLUMNS = {"raw_path": "varchar", "file_key": "varchar", "partition": "varchar", "part": "bigint"}
#: Where each line of a part file went (sql/core/core_openalex__file_accounting.sql).
ACCOUNTING = ("works_kept", "duplicates_superseded", "merged_or_deleted_dropped", "quarantined")


def _account_files(connection: duckdb.DuckDBPyConnection, files: list[dict[str, Any]]) -> None:
    """Add to each file's row where its lines went: lines = works kept + duplicates superseded +
    merged or deleted dropped + quarantined (recomputed every run: a newer copy in another file
    supersedes a line of an old one)."""
    cursor = connection.execute(sql_text("core/core_openalex__file_accounting"))
    columns = [d[0] for d in cursor.description]
    by_key = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    for row in files:
        row.update({name: by_key[row["key"]][name] for name in ACCOUNTING})


def _check_lines(connection: duckdb.DuckDBPyConnection, files: list[dict[str, Any]]) -> None:
    """The raw files this build reads hold the lines ingested.json says they do."""
    found = dict(connection.execute("select file_key, count(*) from raw_openalex__works group by file_key").fetchall())
    for row in files:
        if found.get(row["key"], 0) != row["lines"]:
            raise DataRankError(f"{row['url']}: the raw cache holds {found.get(row['key'], 0)} lines, "
                                f"ingested.json says {row['lines']}; delete {row.get('raw')} and rerun")


def _raw_view(connection: duckdb.DuckDBPyConnection, view: str, paths: list[str], files_table: str) -> None:
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


def _vanished_report(
    connection: duckdb.DuckDBPyConnection, raw_dir: Path, vanished: dict[str, dict[str, Any]], out: Path
) -> list[dict[str, Any]]:
    """Files read before that are no longer in the manifest, with how many of their works are
    nowhere in the snapshot now (listed in vanished_works.parquet)."""
    present = {key: entry for key, entry in vanished.items() if entry.get("raw") and (raw_dir / entry["raw"]).exists()}
    report = [
        {"key": key, "url": entry.get("url"), "works": None, "works_not_superseded": None}
        for key, entry in sorted(vanished.items())
        if key not in present
    ]
    if not present:
        return report
    rows_table(
        connection, "raw_openalex__vanished_files", RAW_FILES_COLUMNS,
        [(str(raw_dir / entry["raw"]), key, "", 0) for key, entry in present.items()],
    )
    _raw_view(
        connection,
        "raw_openalex__vanished_works",
        [str(raw_dir / entry["raw"]) for entry in present.values()],
        "raw_openalex__vanished_files",
    )
    materialize(connection, "core/core_openalex__vanished_works", out / "vanished_works.parquet")
    counts = connection.execute(
        """
        select raw.file_key, count(distinct raw.work_id), count(distinct lost.work_id)
        from raw_openalex__vanished_works as raw
        left join core_openalex__vanished_works as lost
            on lost.work_id = raw.work_id and lost.source_file = raw.file_key
        where raw.quarantine_reason is null
        group by raw.file_key
        """
    ).fetchall()
    by_key = {key: (works, lost) for key, works, lost in counts}
    for key, entry in sorted(present.items()):
        works, lost = by_key.get(key, (0, 0))
        report.append({"key": key, "url": entry.get("url"), "works": works, "works_not_superseded": lost})
    return sorted(report, key=lambda row: row["key"])


def _changes(
    connection: duckdb.DuckDBPyConnection, previous_core: Path | None, out: Path, incremental: bool = False
) -> dict[str, Any]:
    """Works added, updated and removed, and merges and deletions new since the last ingest.

    On an incremental build only the works read again and the dirty ones (core_openalex__dirty_citers:
    every work added or removed is one) are compared; the others' rows are the previous build's.
    """
    only_dirty = (
        " semi join (select work_id from core_openalex__new_copies union select work_id from core_openalex__dirty_citers)"
        " using (work_id)"
    ) if incremental else ""
    for table in ("works", "merge_map", "deleted_ids"):
        dirty = only_dirty if table == "works" else ""
        current = literal(str(out / f"{table}.parquet"))
        run_sql(connection, f"create or replace view current__{table} as select * from read_parquet({current}){dirty}")
        previous = previous_core / f"{table}.parquet" if previous_core else None
        if previous is not None and previous.exists():
            source = f"read_parquet({literal(str(previous))})"
            run_sql(connection, f"create or replace view previous__{table} as select * from {source}{dirty}")
        else:
            run_sql(connection, f"create or replace view previous__{table} as select * from current__{table} limit 0")
    cursor = connection.execute(sql_text("core/core_openalex__changes"))
    columns = [d[0] for d in cursor.description]
    values = cursor.fetchall()[0]
    return {"since": previous_core.name if previous_core else None, **dict(zip(columns, values, strict=True))}


def _previous_core(lake: Lake) -> Path | None:
    try:
        return lake.current_core()
    except DataRankError:
        return None


def _count_report(snapshot: Snapshot, files: list[dict[str, Any]]) -> dict[str, Any]:
    """Record counts against the manifest: per file, and in total."""
    mismatches = [
        {"key": f["key"], "manifest_records": f.get("manifest_records"), "lines": f["lines"]}
        for f in files
        if f.get("manifest_records") is not None and f["lines"] != f["manifest_records"]
    ]
    listed = [file.record_count for file in snapshot.files]
    return {
        "record_count_mismatches": mismatches,
        "records": {
            "manifest_total": snapshot.manifest_record_count,
            "manifest_files_total": sum(listed) if all(n is not None for n in listed) else None,
            "lines_read": sum(f["lines"] for f in files),
        },
    }


def _log_report(report: dict[str, Any]) -> None:
    for row in report["record_count_mismatches"]:
        log.warning("%s: %d lines but the manifest says %d records", row["key"], row["lines"], row["manifest_records"])
    records = report["records"]
    for name in ("manifest_total", "manifest_files_total"):
        if records[name] is not None and records[name] != records["lines_read"]:
            log.warning("the manifest counts %d records (%s), the part files hold %d lines",
                        records[name], name.replace("_", " "), records["lines_read"])
    for row in report["vanished_files"]:
        if row["works_not_superseded"]:
            log.warning("%s left the manifest; %d of its works are nowhere in the snapshot now",
                        row["key"], row["works_not_superseded"])


def _forget(lake: Lake, vanished: dict[str, dict[str, Any]]) -> None:
    """After a committed ingest: drop the files that left the manifest from the lake's memory."""
    if not vanished:
        return
    ingested = lake.read_ingested()
    for key, entry in vanished.items():
        ingested.pop(key, None)
        if entry.get("raw"):
            (lake.raw_works_dir / entry["raw"]).unlink(missing_ok=True)
    lake.write_ingested(ingested)


def _id_list(connection: duckdb.DuckDBPyConnection, table: str, paths: tuple[str, ...], columns: str) -> None:
    if paths:
        try:
            create_table(connection, f"raw/{table}", {"paths": list(paths)})
        except duckdb.Error as error:
            raise DataRankError(f"{', '.join(paths)}: cannot be read ({_first_line(error)})") from None
    else:
        run_sql(connection, f"create or replace table {table} ({columns})")


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
