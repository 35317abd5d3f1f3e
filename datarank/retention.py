"""Retention: which published versions a data dir keeps, and removing the others (`datarank prune`,
and the prune stage of a run given `--keep`).

A version is kept when it is `current`, one of the `keep` newest, or (with `keep_days`) published
less than that many days ago; every other version is removed with what only it uses. A version's
tables are hard links: the core tables it shares with the ingest they came from (`lake/core/`, which
holds the current ingest only) and with the other versions scored from that ingest stay on disk
while any of them remains; its scores and citers are its own. So the bytes a removal frees are
those of its files with no link left elsewhere, counted before removing them.

A version a reader has open (`datarank.lake.ReadLock`: `query`, `explain`, `export`, `diff`,
`report`, `datarank.open()` until closed) is skipped and reported as busy; the next prune removes it.
Everything here runs under the lake's lock, so it never races a run.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from datarank import DataRankError, UsageError
from datarank.lake import Lake
from datarank.publish import write_catalog

log = logging.getLogger(__name__)


@dataclass
class PruneResult:
    """What a prune did (or, with `dry_run`, would do)."""

    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    #: Versions the policy would remove that a reader has open; left for the next prune.
    busy: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    dry_run: bool = False

    def describe(self) -> str:
        """One line for the command line and the run log."""
        verb = "would remove" if self.dry_run else "removed"
        text = (f"prune    {verb} {len(self.removed)} version{'s' if len(self.removed) != 1 else ''}"
                f"{' (' + ', '.join(self.removed) + ')' if self.removed else ''}, "
                f"{'would free' if self.dry_run else 'freed'} {human_bytes(self.bytes_freed)}; "
                f"kept {len(self.kept)} ({_span(self.kept)})")
        if self.busy:
            text += f"; skipped {', '.join(self.busy)} (open by a reader)"
        return text


def versions_to_keep(lake: Lake, keep: int, keep_days: float | None = None, now: datetime | None = None) -> list[str]:
    """The versions the policy keeps, oldest first: `current`, the `keep` newest, and those
    published less than `keep_days` days before `now`."""
    if keep < 1:
        raise UsageError(f"--keep must be at least 1 (the current version is always kept), got {keep}")
    versions = lake.versions()
    kept = set(versions[-keep:])
    if (current := lake.current_name()) is not None:
        kept.add(current)
    if keep_days is not None:
        since = (now or datetime.now(UTC)) - timedelta(days=keep_days)
        kept |= {name for name in versions if _published_at(lake.versions_dir / name) >= since}
    return [name for name in versions if name in kept]


def prune_locked(lake: Lake, keep: int, keep_days: float | None = None, dry_run: bool = False,
                 now: datetime | None = None) -> PruneResult:
    """Remove every version the policy does not keep, unless a reader has it open; the caller holds
    the lake's lock. Rewrites the catalog when something went."""
    kept = versions_to_keep(lake, keep, keep_days, now)
    result = PruneResult(kept=kept, dry_run=dry_run)
    going = [name for name in lake.versions() if name not in kept]
    if dry_run:
        result.removed, result.bytes_freed = going, own_bytes(*(lake.versions_dir / name for name in going))
    for name in going if not dry_run else ():
        freed = own_bytes(lake.versions_dir / name)  # one at a time: a table two of them share counts once
        if lake.remove_version(name):
            result.removed.append(name)
            result.bytes_freed += freed
        else:
            result.busy.append(name)
    if not dry_run:
        result.bytes_freed += _clear_stale_cores(lake)
        if result.removed:
            write_catalog(lake)
    log.info("%s", result.describe())
    return result


def prune(data_dir: Path, keep: int, keep_days: float | None = None, dry_run: bool = False) -> PruneResult:
    """`datarank prune`: take the lake's lock (refused while a run holds it: exit 4), then prune."""
    lake = Lake(data_dir)
    if not lake.root.is_dir():
        raise DataRankError(f"prune: no data dir {lake.root}")
    with lake.lock():
        lake.clear_removals()
        return prune_locked(lake, keep, keep_days, dry_run)


def own_bytes(*folders: Path) -> int:
    """Bytes of the files under `folders` that no link outside them keeps: what removing them frees."""
    links: dict[tuple[int, int], list[int]] = {}
    for root, _dirs, files in (walked for folder in folders for walked in os.walk(folder)):
        for name in files:
            stat = os.lstat(os.path.join(root, name))
            entry = links.setdefault((stat.st_dev, stat.st_ino), [0, stat.st_nlink, stat.st_size])
            entry[0] += 1
    return sum(size for seen, nlink, size in links.values() if seen >= nlink)


def _clear_stale_cores(lake: Lake) -> int:
    """Remove ingest folders of lake/core/ other than the current one (a run replaces the last one
    as it commits; one left by a failed removal goes here). Returns the bytes freed."""
    if not lake.core_dir.is_dir() or not (lake.core_dir / "current").exists():
        return 0
    current = (lake.core_dir / "current").resolve()
    freed = 0
    for path in lake.core_dir.iterdir():
        if path.is_dir() and not path.is_symlink() and path != current:
            freed += own_bytes(path)
            shutil.rmtree(path, ignore_errors=True)
    return freed


def _published_at(folder: Path) -> datetime:
    """When a version was published: its manifest's `finished_at`, else the folder's mtime."""
    try:
        stamp = datetime.fromisoformat(json.loads((folder / "manifest.json").read_text())["finished_at"])
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except (OSError, ValueError, KeyError, TypeError):
        return datetime.fromtimestamp(folder.stat().st_mtime, UTC)


def _span(names: list[str]) -> str:
    if not names:
        return "none"
    return names[0] if len(names) == 1 else f"{names[0]} … {names[-1]}"


def human_bytes(size: int) -> str:
    """`123.4 MB` (decimal units, as `df -H` shows)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"
