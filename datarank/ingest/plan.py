"""Deciding what an ingest reads: which part files are already in the raw cache, how many to read
side by side, which small ones to read together, and whether the build can extend the last core
(a night) or must rebuild it in full."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from datarank.lake import Lake
from datarank.settings import Settings, parse_memory
from datarank.snapshot import FileState, Snapshot, SnapshotFile

#: Memory one file being read may take (64 MB read buffers, parsed rows in flight, one 100k-row
#: group of the Parquet writer). A whole process reading one part of 600 MB gzip peaks at ~590 MB,
#: growing slowly with the part's size (benchmarks/README.md). How many files are read side by side
#: is bounded by the memory limit divided by this.
FILE_MEMORY = 1 << 30
#: A local JSON Lines part smaller than this (compressed) is read with others in one statement,
#: up to BATCH_PARTS of them or BATCH_BYTES (compressed) in all: planning and running a statement
#: costs ~10 ms whatever the file's size (82 parts of 30 KB: 0.66 s one statement each, 0.10 s as
#: one).
SMALL_PART = 1 << 20
BATCH_PARTS = 64
BATCH_BYTES = 16 << 20
#: Raw Parquet files older than this, unknown to ingested.json, are leftovers of killed runs.
ORPHAN_SECONDS = 24 * 3600

#: What a raw file holds, in its name: raw files of another format are read again (sql/raw/, and
#: fair_v1's inputs since format 2, the units' since 3, as flat lists since 4), as are all files when abstracts are switched on or off.
RAW_FORMAT = 4

#: A part file to read, its state in the listing, and the raw file it becomes.
ToRead = tuple[SnapshotFile, FileState, Path]


def raw_path(lake: Lake, file: SnapshotFile, state: FileState, abstracts: bool = False) -> Path:
    """The raw cache file of a part file as it is now: named by its key, its size and fingerprint
    (so a file rewritten in place is read again) and what the raw file holds (`RAW_FORMAT`, and
    whether it keeps abstracts)."""
    holds = f"{RAW_FORMAT}{'+abstracts' if abstracts else ''}"
    return lake.raw_works_dir / f"{_digest(file.key)}-{_digest(f'{state.size}:{state.fingerprint}:{holds}')}.parquet"


def cached_row(snapshot: Snapshot, file: SnapshotFile, raw: Path, entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stats row of a part file already in the raw cache as it is now, or None to read it."""
    if entry and entry.get("raw") == raw.name and entry.get("format") == snapshot.file_format and raw.exists():
        return {**entry, "key": file.key, "url": file.url, "status": "cached", "seconds": 0.0}
    return None


def ingest_workers(settings: Settings, files: int) -> int:
    """How many part files to read side by side: one per core (or `--threads`), no more than the
    memory limit holds at `FILE_MEMORY` each, never more than there are files."""
    cores = settings.threads or os.cpu_count() or 1
    memory = parse_memory(settings.memory_limit) or int(0.8 * _physical_memory())
    return max(1, min(cores, memory // FILE_MEMORY, files))


def tasks(snapshot: Snapshot, to_read: list[ToRead]) -> list[list[ToRead]]:
    """The files to read, as tasks: one file each, except that small local JSON Lines parts go
    several to a task (see SMALL_PART)."""
    if snapshot.file_format == "parquet" or not snapshot.is_local:
        return [[item] for item in to_read]
    grouped: list[list[ToRead]] = []
    batch: list[ToRead] = []
    for item in to_read:
        if item[1].size >= SMALL_PART:
            grouped.append([item])
            continue
        if batch and (len(batch) == BATCH_PARTS or sum(other[1].size for other in batch) + item[1].size > BATCH_BYTES):
            grouped.append(batch)
            batch = []
        batch.append(item)
    if batch:
        grouped.append(batch)
    return grouped


def incremental_base(
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
    if not (previous_core / "abstracts.parquet").exists():
        return None, files, "the last ingest predates the FAIR score"
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


def clear_orphans(lake: Lake, ingested: dict[str, dict[str, Any]]) -> None:
    """Remove raw files no entry names, left by runs killed mid-file (old enough not to be another
    run's work in progress; runs on one data dir are serialised by its lock anyway)."""
    folder = lake.raw_works_dir
    if not folder.is_dir():
        return
    known = {entry.get("raw") for entry in ingested.values()}
    now = time.time()
    for path in folder.iterdir():
        if path.name not in known and now - path.stat().st_mtime > ORPHAN_SECONDS:
            path.unlink(missing_ok=True)


def forget(lake: Lake, vanished: dict[str, dict[str, Any]]) -> None:
    """After a committed ingest: drop the files that left the manifest from the lake's memory."""
    if not vanished:
        return
    ingested = lake.read_ingested()
    for key, entry in vanished.items():
        ingested.pop(key, None)
        if entry.get("raw"):
            (lake.raw_works_dir / entry["raw"]).unlink(missing_ok=True)
    lake.write_ingested(ingested)


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]
