"""The ingest stage: OpenAlex part files → raw Parquet (cached per file) → core tables of one snapshot.

Reading is DuckDB's work (gzip, line splitting, JSON parsing with a declared schema) or, for the
Parquet layout, PyArrow's (only the leaves DataRank keeps); Python only walks the list of files the
manifest names. The rooms:

- `plan`: what to read (the raw cache, how many files at once, which small ones together) and
  whether the build extends the last core (a night) or rebuilds it;
- `read`: one part file (or a batch of small ones) → its raw Parquet file and statistics;
- `pool`: reading many part files side by side, recording each in ingested.json when done;
- `core`: the core tables from the raw files, by the declared models (`datarank.models.CORE_MODELS`);
- `report`: where every line went and what changed since the last ingest.

Incremental runs: the lake remembers every part file it read (`lake/raw/ingested.json`: key, url,
size, fingerprint — the S3 ETag or the local modification time — and its raw Parquet). A later run
reads only files that are new or changed, and a night that only adds part files extends the last
core; otherwise the core is rebuilt from the raw files of the current manifest, applying the
current merges and deletions. Either way the result is the result of a fresh full run on the same
snapshot; what a run changed is computed against the previous ingest and reported.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from datarank import DataRankError
from datarank.contracts import IngestSummary
from datarank.db import connect, row_count, run_sql
from datarank.faults import checkpoint
from datarank.ingest import core, plan, report
from datarank.ingest.plan import FILE_MEMORY, ingest_workers
from datarank.ingest.pool import FileCallback, PartReader
from datarank.lake import Lake, write_json_atomic
from datarank.redact import redact_all
from datarank.settings import Settings
from datarank.snapshot import file_states, open_snapshot, verify_file

log = logging.getLogger(__name__)

__all__ = ["FILE_MEMORY", "FileCallback", "IngestResult", "ingest", "ingest_workers"]


@dataclass(frozen=True)
class IngestResult:
    """What one ingest produced: the core folder and the figures for the run manifest."""

    core_dir: Path
    summary: IngestSummary


def ingest(settings: Settings, on_file: FileCallback | None = None) -> IngestResult:
    """Read the snapshot's new or changed part files and build the core tables of the snapshot.

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
        reader = PartReader(connection, lake, snapshot, settings)
        files = reader.read_all(states, ingested, on_file)
        read_seconds = time.perf_counter() - started
        in_manifest = {file.key for file in snapshot.files}
        vanished = {key: entry for key, entry in ingested.items() if key not in in_manifest}
        base, reading, why_full = plan.incremental_base(settings, previous_core, files, vanished)
        staged = lake.new_core_dir()
        mode = core.build_core(connection, lake, snapshot, files, reading, base, staged)
        counts = core.counts(connection, files)
        report.account_files(connection, files)
        findings = {
            "vanished_files": report.vanished_report(connection, lake.raw_works_dir, vanished, staged),
            "changes": report.changes(connection, previous_core, staged, incremental=base is not None),
        }
        if base is not None:
            findings["changes"]["rescored_works"] = row_count(connection, "core_openalex__rescored_works")
            findings["changes"]["dirty_citers"] = row_count(connection, "core_openalex__dirty_citers")
    finally:
        connection.close()
    findings |= report.count_report(snapshot, files)
    report.log_report(findings)
    summary: IngestSummary = {
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
        "build": {"mode": mode, "base": base.name if base else None, "why_full": why_full or None},
        "counts": counts,
        "report": findings,
        "parallel_files": reader.workers,
        "abstracts": settings.abstracts,
        "timings": {"read_files_s": round(read_seconds, 3), "ingest_s": round(time.perf_counter() - started, 3)},
    }
    summary = redact_all(summary)  # no credential of the snapshot URI in ingest.json or the manifest
    write_json_atomic(staged / "ingest.json", summary)
    checkpoint("ingest.core_staged")
    committed = lake.commit_core(staged)
    plan.forget(lake, vanished)
    return IngestResult(core_dir=committed, summary=summary)


def _previous_core(lake: Lake) -> Path | None:
    try:
        return lake.current_core()
    except DataRankError:
        return None
