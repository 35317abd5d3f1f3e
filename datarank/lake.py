"""The lake: where DataRank keeps what it read and what it published, under one data dir.

    <data_dir>/
      lake/raw/works/*.parquet     one file per snapshot part file read (cache for later runs)
      lake/raw/ingested.json       which part files those are (key, size, fsspec ukey)
      lake/core/<id>/              works, citations, authorships, quarantine of one ingest; winners
                                   (and winners_changed) for the next night (docs/incremental.md)
      lake/core/current            symlink to the newest complete ingest
      versions/v000001/            one published version: the tables above + scores, researchers, citers,
                                   the units' institutions, sources, countries and fields, manifest.json,
                                   and `.readers`, the file its readers hold a shared lock on
      runs/v000001.parquet         each published version's row of the `runs` view, kept when the version is pruned
      current                      symlink to the newest published version
      .newest-version              the newest version ever published (numbers are never reused)
      sensitivity.json             the last `datarank sensitivity` (other caps and dampings against a version)
      datarank.duckdb              a DuckDB catalog whose views read the version `current` pointed at
                                   when it was written, and each kept version under its own schema
      staging/                     work in progress; never read as data
      tmp/duckdb                   DuckDB's spill folder

Readers see only complete folders: everything is written under a temporary name and switched in
with a rename (`os.replace`), which POSIX makes atomic. A failed run leaves the last good version as
it was.

Who reads what: a reader of a version (`datarank query`, `explain`, `export`, `diff`, `report`,
`datarank.open()` until `close()`) holds a shared `flock` on the version's `.readers` file
(`Lake.reading`); `datarank prune` removes a version only after taking an exclusive lock on it
without waiting, so a version a reader has open is skipped, never removed under it. The kernel drops
these locks with their process, so a killed reader never pins a version.
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
#: (versions published by an older release may lack some: readers skip a view whose file is missing).
VERSION_TABLES = ("scores", "researchers", "works", "citations", "authorships", "citers", "quarantine",
                  "fair_signals", "abstracts", "fair_validation", "openalex_agreement", "work_context", "work_institutions",
                  "work_countries", "dois", "institutions", "sources", "countries", "fields")
#: The DuckDB catalog's file name, under the data dir.
CATALOG_FILE = "datarank.duckdb"
#: Tables an ingest produces (lake/core/<id>/), linked into each version.
CORE_TABLES = ("works", "citations", "authorships", "quarantine", "fair_signals", "abstracts", "work_context",
               "work_institutions", "work_countries", "dois")
_VERSION = re.compile(r"^v(\d{6})$")
#: Marks a version renamed into versions/ whose `current` switch has not happened yet.
_PUBLISHING = ".publishing"
#: In the data dir: the newest version ever published (numbers are never reused, also after pruning).
_NEWEST = ".newest-version"
#: In each version: readers hold a shared lock on it, `datarank prune` an exclusive one (see above).
READERS = ".readers"
#: A version being removed is first renamed to this prefix + its name (never listed as a version).
_REMOVING = ".removing-"


class LakeBusy(DataRankError):
    """Another run holds the data dir's lock; exit 4, so a scheduler retries later."""

    exit_code = 4


class VersionGone(DataRankError):
    """The version was removed by `datarank prune` between finding it and locking it for reading."""


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
        return self.root / CATALOG_FILE

    def versions(self) -> list[str]:
        """Published versions, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if _VERSION.match(p.name) and p.is_dir())

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    def run_files(self, up_to: str | None = None) -> list[Path]:
        """The one-row run table of every version ever published (up to `up_to`), oldest first:
        `runs/vNNNNNN.parquet`, a hard link that outlives its version when it is pruned, else the
        version's own `run.parquet`."""
        found = {}
        if self.runs_dir.is_dir():
            found = {path.stem: path for path in self.runs_dir.glob("v*.parquet") if _VERSION.match(path.stem)}
        for name in self.versions():
            found.setdefault(name, self.versions_dir / name / "run.parquet")
        return [found[name] for name in sorted(found) if up_to is None or name <= up_to]

    def current_version(self) -> Path:
        """The folder of the newest published version; refuses if nothing was published."""
        link = self.root / "current"
        if not link.exists():
            raise DataRankError(f"no published DataRank in {self.root}; run `datarank run` first")
        return link.resolve()

    def current_name(self) -> str | None:
        """The name of the version `current` points at, or None before the first publish."""
        link = self.root / "current"
        return Path(os.readlink(link)).name if link.is_symlink() else None

    @contextmanager
    def reading(self, version: str | None = None) -> Iterator[Path]:
        """The folder of a published version (`version_dir`), held for reading: `datarank prune`
        does not remove it until the block ends."""
        held = ReadLock(self, version)
        try:
            yield held.folder
        finally:
            held.release()

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
        past the newest ever published. `<data_dir>/.newest-version` remembers that one, so removing old
        versions never hands out a number again."""
        existing = self.versions()
        newest = int(existing[-1][1:]) if existing else 0
        try:
            newest = max(newest, int((self.root / _NEWEST).read_text().strip().removeprefix("v")))
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
        (staged / READERS).touch()
        staged.replace(self.versions_dir / name)
        try:
            checkpoint("publish.renamed")
            switch_symlink(self.root / "current", f"versions/{name}")
        except BaseException:
            (self.versions_dir / name).replace(staged)  # never current: back to staging, cleared
            raise
        (self.versions_dir / name / _PUBLISHING).unlink()
        write_text_atomic(self.root / _NEWEST, name + "\n")
        self.runs_dir.mkdir(exist_ok=True)
        link_or_copy(self.versions_dir / name / "run.parquet", self.runs_dir / f"{name}.parquet")
        return name

    def remove_version(self, name: str) -> bool:
        """Remove a published version unless a reader holds it (its `.readers` lock, taken here
        exclusively without waiting); False if one does. Only called under the lake's lock, never for
        `current`. The folder is renamed away first, so a reader that waited for the lock finds it
        gone rather than half removed."""
        folder = self.versions_dir / name
        if not _VERSION.match(name) or name == self.current_name():
            raise DataRankError(f"internal error: refusing to remove {name!r}")
        with open(folder / READERS, "a+b") as handle:  # created here for a version published without one
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                return False
            removing = self.versions_dir / f"{_REMOVING}{name}"
            folder.replace(removing)
            shutil.rmtree(removing)
        return True

    def clear_removals(self) -> None:
        """Finish removals a killed `prune` left (folders renamed away, not yet deleted)."""
        if self.versions_dir.is_dir():
            for path in self.versions_dir.glob(f"{_REMOVING}*"):
                shutil.rmtree(path, ignore_errors=True)

    def clear_staging(self) -> None:
        """Remove what failed or killed runs left; only called while holding the lock.

        Besides staging/, that is a version a run renamed into versions/ but was killed before it
        switched `current` to it (it still holds the `.publishing` marker and is not current), and a
        version a killed prune had begun to remove."""
        shutil.rmtree(self.staging_dir, ignore_errors=True)
        self.clear_removals()
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
                raise LakeBusy(
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


class ReadLock:
    """A shared lock on one published version's `.readers` file, from its making to `release` (for
    readers that outlive a block, such as `datarank.open()`'s Results; others use `Lake.reading`).

    A version published before reader locks has no `.readers`: it is made here, or, where the data
    dir is read-only, the version is read without one (prune then cannot see that reader)."""

    def __init__(self, lake: Lake, version: str | None = None) -> None:
        self._handle: Any = None
        for _attempt in range(3):  # `current` may move on (and its old version go) while we lock
            self.folder = lake.version_dir(version)
            try:
                self._handle = _lock_shared(self.folder)
                return
            except VersionGone:
                if version is not None:
                    raise
        raise VersionGone(f"the current version of {lake.root} kept changing while opening it; try again")

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops its lock
            self._handle = None

    def __del__(self) -> None:  # a reader dropped without release() lets go when it is collected
        self.release()


def _lock_shared(folder: Path) -> Any:
    """A shared `flock` on `folder/.readers` (waiting while a prune removes it), or None where the
    file can be neither opened nor made. Raises VersionGone when the version was removed meanwhile."""
    path = folder / READERS
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        if not (folder / "manifest.json").exists():
            raise VersionGone(f"version {folder.name} was removed (datarank prune)") from None
        try:
            handle = open(path, "ab")
        except OSError:
            return None
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)
        if not (folder / "manifest.json").exists():  # a prune removed it while we waited
            raise VersionGone(f"version {folder.name} was removed (datarank prune)")
    except BaseException:
        handle.close()
        raise
    return handle


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
