"""The lake: where DataRank keeps what it read and what it published, under one data dir.

    <data_dir>/
      lake/raw/works/*.parquet     one file per snapshot part file read (cache for later runs)
      lake/raw/ingested.json       which part files those are (key, size, fsspec ukey)
      lake/core/<id>/              works, citations, authorships, quarantine of one ingest; winners
                                   (and winners_changed) for the next night (docs/incremental.md)
      lake/core/current            symlink to the newest complete ingest
      versions/v000001/            one published version: the tables above + scores, citers, manifest.json
      current                      symlink to the newest published version
      datarank.duckdb              a DuckDB catalog whose views point at `current`
      staging/                     work in progress; never read as data
      tmp/duckdb                   DuckDB's spill folder

Readers see only complete folders: everything is written under a temporary name and switched in
with a rename (`os.replace`), which POSIX makes atomic. A failed run leaves the last good version as
it was.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from datarank import DataRankError
from datarank.faults import checkpoint
from datarank.redact import redact_all

#: Tables every published version holds, as `<name>.parquet`; the catalog's views have these names
#: (versions published before fair_v1 lack the last three: readers skip a view whose file is missing).
VERSION_TABLES = ("scores", "works", "citations", "authorships", "citers", "quarantine",
                  "fair_signals", "abstracts", "fair_validation")
#: Tables an ingest produces (lake/core/<id>/), linked into each version.
CORE_TABLES = ("works", "citations", "authorships", "quarantine", "fair_signals", "abstracts")
_VERSION = re.compile(r"^v(\d{6})$")
#: Marks a version renamed into versions/ whose `current` switch has not happened yet.
_PUBLISHING = ".publishing"
#: In versions/: the newest version ever published (numbers are never reused, also after pruning).
_NEWEST = ".newest"


class Lake:
    """Paths and atomic switches under one data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir)

    # ---------------------------------------------------------------- raw cache
    @property
    def raw_works_dir(self) -> Path:
        return self.root / "lake" / "raw" / "works"

    @property
    def ingested_path(self) -> Path:
        return self.root / "lake" / "raw" / "ingested.json"

    def read_ingested(self) -> dict[str, dict[str, Any]]:
        """The part files already read into the raw cache, by key."""
        if not self.ingested_path.exists():
            return {}
        return json.loads(self.ingested_path.read_text())

    def write_ingested(self, ingested: dict[str, dict[str, Any]]) -> None:
        write_json_atomic(self.ingested_path, redact_all(ingested))

    # ---------------------------------------------------------------- core tables
    @property
    def core_dir(self) -> Path:
        return self.root / "lake" / "core"

    def current_core(self) -> Path:
        """The newest complete ingest; refuses if there is none."""
        link = self.core_dir / "current"
        if not link.exists():
            raise DataRankError(f"nothing ingested yet in {self.root}; run `datarank ingest` or `datarank run` first")
        return link.resolve()

    def new_core_dir(self) -> Path:
        path = self.staging_dir / f"core-{uuid.uuid4().hex[:12]}"
        path.mkdir(parents=True)
        return path

    def commit_core(self, staged: Path) -> Path:
        """Move a finished ingest into lake/core and point `current` at it; drop older ingests.

        Published versions hold hard links to their tables, so removing an old ingest folder
        never takes a file from a version.
        """
        self.core_dir.mkdir(parents=True, exist_ok=True)
        final = self.core_dir / staged.name.removeprefix("core-")
        staged.replace(final)
        switch_symlink(self.core_dir / "current", final.name)
        for old in self.core_dir.iterdir():
            if old.is_dir() and not old.is_symlink() and old != final:
                shutil.rmtree(old, ignore_errors=True)
        return final

    # ---------------------------------------------------------------- versions
    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def staging_dir(self) -> Path:
        return self.root / "staging"

    @property
    def catalog_path(self) -> Path:
        return self.root / "datarank.duckdb"

    def versions(self) -> list[str]:
        """Published versions, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if _VERSION.match(p.name) and p.is_dir())

    def run_files(self) -> list[Path]:
        """The one-row `run.parquet` of every published version, oldest first."""
        return [self.versions_dir / v / "run.parquet" for v in self.versions()]

    def current_version(self) -> Path:
        """The folder of the newest published version; refuses if nothing was published."""
        link = self.root / "current"
        if not link.exists():
            raise DataRankError(f"no published DataRank in {self.root}; run `datarank run` first")
        return link.resolve()

    def version_dir(self, version: str | None) -> Path:
        """A published version by name (`v000003` or `3`), or the current one."""
        if version is None:
            return self.current_version()
        name = f"v{int(version):06d}" if version.isdigit() else version
        path = self.versions_dir / name
        if not _VERSION.match(name) or not path.is_dir():
            known = ", ".join(self.versions()) or "none"
            raise DataRankError(f"no published version {version!r} in {self.root} (published: {known})")
        return path

    def new_staging_version(self) -> Path:
        path = self.staging_dir / f"version-{uuid.uuid4().hex[:12]}"
        path.mkdir(parents=True)
        return path

    def next_version(self) -> str:
        """The name the next published version takes, the one place a version number is made: one
        past the newest ever published. `versions/.newest` remembers that one, so removing old
        versions never hands out a number again."""
        existing = self.versions()
        newest = int(existing[-1][1:]) if existing else 0
        try:
            newest = max(newest, int((self.versions_dir / _NEWEST).read_text().strip().removeprefix("v")))
        except (OSError, ValueError):
            pass
        return f"v{newest + 1:06d}"

    def publish(self, staged: Path, name: str) -> str:
        """Make a staged version the current one under `name` (from `next_version`, which its
        manifest names too): rename it into versions/, then switch `current`."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        if not _VERSION.match(name) or (self.versions_dir / name).exists():
            raise DataRankError(f"internal error: cannot publish as {name!r}")
        (staged / _PUBLISHING).touch()  # until `current` points at it
        staged.replace(self.versions_dir / name)
        try:
            checkpoint("publish.renamed")
            switch_symlink(self.root / "current", f"versions/{name}")
        except BaseException:
            (self.versions_dir / name).replace(staged)  # never current: back to staging, cleared
            raise
        (self.versions_dir / name / _PUBLISHING).unlink()
        write_text_atomic(self.versions_dir / _NEWEST, name + "\n")
        return name

    def clear_staging(self) -> None:
        """Remove what failed or killed runs left; only called while holding the lock.

        Besides staging/, that is a version a run renamed into versions/ but was killed before it
        switched `current` to it (it still holds the `.publishing` marker and is not current)."""
        shutil.rmtree(self.staging_dir, ignore_errors=True)
        link = self.root / "current"
        current = Path(os.readlink(link)).name if link.is_symlink() else None
        for name in self.versions():
            if name != current and (self.versions_dir / name / _PUBLISHING).exists():
                shutil.rmtree(self.versions_dir / name, ignore_errors=True)
            elif name == current:
                (self.versions_dir / name / _PUBLISHING).unlink(missing_ok=True)

    # ---------------------------------------------------------------- lock
    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer per data dir. The kernel drops the lock when its process dies, so a killed
        run never leaves it stuck."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise DataRankError(
                    f"{self.root} is in use by another datarank run ({holder}); wait for it to finish"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)


def switch_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` atomically (a new symlink renamed over the old one)."""
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}")
    os.symlink(target, temporary)
    os.replace(temporary, link)


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON through a temporary file and a rename, so readers see the old or the new file."""
    write_text_atomic(path, json.dumps(value, indent=2, default=str) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text)
    temporary.replace(path)


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a finished table into a version (no copy); copy where links are impossible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
