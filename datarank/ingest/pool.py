"""Reading the part files an ingest needs, several at a time, each on its own cursor of one DuckDB
database (they share its memory limit and thread pool), and recording each in ingested.json as soon
as it is done, so an ingest that fails halfway keeps what it read."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

import duckdb

from datarank import DataRankError
from datarank.ingest import plan
from datarank.ingest.read import PARSE_ERRORS, read_batch, read_part
from datarank.lake import Lake
from datarank.settings import Settings
from datarank.snapshot import FileState, Snapshot, SnapshotFile

log = logging.getLogger(__name__)

#: Called after each part file: (file, its stats, how many files done, how many in all).
FileCallback = Callable[[SnapshotFile, dict[str, Any], int, int], None]
#: One file of a task, read or failed.
_Result = tuple[SnapshotFile, FileState, Any, dict[str, Any] | BaseException]


class PartReader:
    """Brings the manifest's part files into the raw cache; `read_all` returns their stats rows."""

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
        to_read: list[plan.ToRead] = []
        total, done = len(self.snapshot.files), 0
        for file in self.snapshot.files:
            state = states[file.key]
            raw = plan.raw_path(self.lake, file, state, self.settings.abstracts)
            cached = plan.cached_row(self.snapshot, file, raw, ingested.get(file.key))
            if cached is not None:
                rows[file.key] = cached
                done += 1
                if on_file:
                    on_file(file, cached, done, total)
            else:
                to_read.append((file, state, raw))
        plan.clear_orphans(self.lake, ingested)
        self.workers = plan.ingest_workers(self.settings, len(to_read))
        if to_read:
            log.info("reading %d of %d part files, %d at a time", len(to_read), total, self.workers)
        # A file that fails does not stop the others: what is read stays in the lake for the next
        # run, and the error names every file that failed.
        failures: list[tuple[SnapshotFile, BaseException]] = []
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ingest") as pool:
            pending = {pool.submit(self._read_task, task): task for task in plan.tasks(self.snapshot, to_read)}
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        pending.pop(future)
                        for file, _state, raw, stats in future.result():
                            if isinstance(stats, BaseException):
                                failures.append((file, stats))
                                continue
                            self._record(ingested, file, raw.name, stats)
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

    def _record(self, ingested: dict[str, dict[str, Any]], file: SnapshotFile, raw_name: str, stats: dict[str, Any]) -> None:
        """ingested.json learns of a file as soon as it is read; a raw file it replaces goes."""
        previous = ingested.get(file.key)
        ingested[file.key] = {key: value for key, value in stats.items() if key not in ("status", "seconds")}
        self.lake.write_ingested(ingested)
        if previous and previous.get("raw") and previous["raw"] != raw_name:
            (self.lake.raw_works_dir / previous["raw"]).unlink(missing_ok=True)

    def _read_task(self, task: list[plan.ToRead]) -> list[_Result]:
        """Read the files of one task; a file that fails is returned with its error."""
        # A batch is parsed strictly, then (a line did not parse) leniently, then (a file is bad)
        # its files are read one by one.
        for strict in (True, False):
            if len(task) < 2 or self._stopping:
                break
            try:
                with self._cursor() as cursor:
                    batch = read_batch(cursor, self.snapshot, task, strict, self.settings.abstracts)
                return [(*item, stats) for item, stats in zip(task, batch, strict=True)]
            except Exception as error:
                log.debug("a batch of %d small part files failed (strict: %s)", len(task), strict, exc_info=True)
                if not isinstance(error, PARSE_ERRORS):
                    break
        results: list[_Result] = []
        for item in task:
            file, state, raw = item
            if self._stopping:
                results.append((file, state, raw, DataRankError(f"{file.url}: not read (the ingest was stopped)")))
                continue
            try:
                with self._cursor() as cursor:
                    results.append((file, state, raw, read_part(cursor, self.snapshot, item, lambda: self._stopping,
                                                                self.settings.abstracts)))
            except Exception as error:  # noqa: BLE001 - the caller names every file that failed
                results.append((file, state, raw, error))
        return results

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

    def _interrupt(self) -> None:
        self._stopping = True
        with self._lock:
            for cursor in self._active.values():
                cursor.interrupt()
