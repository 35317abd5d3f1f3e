"""The order of the stages, written once: ingest → score → check → publish.

The CLI calls `run` directly (no orchestrator start-up on the hot path); the Prefect flow in
`pipelines/` calls the same `run` with `wrap` turning each stage into a task. Each stage takes and
returns the `RunState`, so a stage can be rerun alone by the flow of that stage.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from datarank import DataRankError, __version__
from datarank.ingest import FileCallback, ingest
from datarank.lake import Lake, write_json_atomic
from datarank.score import check, score, stage_version, write_catalog
from datarank.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class RunState:
    """What the stages of one run hand each other, and what ends up in its manifest."""

    settings: Settings
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    on_file: FileCallback | None = None
    core_dir: Path | None = None
    ingest_summary: dict[str, Any] = field(default_factory=dict)
    staged: Path | None = None
    score_counts: dict[str, int] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    version: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def lake(self) -> Lake:
        return Lake(self.settings.data_dir)


def stage_ingest(state: RunState) -> RunState:
    """Read new part files and rebuild the snapshot's core tables."""
    result = ingest(state.settings, on_file=state.on_file)
    state.core_dir, state.ingest_summary = result.core_dir, result.summary
    return state


def stage_score(state: RunState) -> RunState:
    """Compute DataRank for every work into a staged (unpublished) version."""
    if state.core_dir is None:  # `datarank compute`: score what the last ingest left
        state.core_dir = state.lake.current_core()
        state.ingest_summary = json.loads((state.core_dir / "ingest.json").read_text())
    state.staged = state.lake.new_staging_version()
    state.score_counts = score(state.settings, state.core_dir, state.staged)
    return state


def stage_check(state: RunState) -> RunState:
    """Refuse to publish a version that breaks an invariant (sql/checks/)."""
    assert state.core_dir is not None and state.staged is not None, "check runs after score"
    state.checks_passed = check(state.settings, state.core_dir, state.staged)
    return state


def stage_publish(state: RunState) -> RunState:
    """Switch the staged version in atomically, with its run manifest; refresh the catalog."""
    assert state.core_dir is not None and state.staged is not None, "publish runs after check"
    stage_version(state.core_dir, state.staged)
    intermediate = state.staged / "intermediate"
    for path in intermediate.glob("*.parquet"):
        path.unlink()
    if intermediate.exists():
        intermediate.rmdir()
    number = len(state.lake.versions()) + 1
    manifest = run_manifest(state, f"v{number:06d}")
    write_json_atomic(state.staged / "manifest.json", manifest)
    pl.DataFrame([run_row(manifest)]).write_parquet(state.staged / "run.parquet", compression="zstd")
    state.version = state.lake.publish(state.staged)
    write_catalog(state.lake)
    return state


Stage = Callable[[RunState], RunState]
#: name → stage, in the order a full run takes them.
STAGES: dict[str, Stage] = {
    "ingest": stage_ingest,
    "score": stage_score,
    "check": stage_check,
    "publish": stage_publish,
}
#: `datarank compute`: everything after ingest.
COMPUTE_STAGES = ("score", "check", "publish")


def run(
    settings: Settings,
    stages: tuple[str, ...] = tuple(STAGES),
    wrap: Callable[[str, Stage], Stage] | None = None,
    on_file: FileCallback | None = None,
) -> RunState:
    """Run `stages` in order under the data dir's lock; `wrap` lets an orchestrator decorate each.

    A failure leaves the last published version untouched: nothing is switched in before every
    earlier stage has succeeded, and leftovers in staging/ are cleared by the next run.
    """
    state = RunState(settings=settings, on_file=on_file)
    lake = state.lake
    with lake.lock():
        lake.clear_staging()
        try:
            for name in stages:
                stage = STAGES[name] if wrap is None else wrap(name, STAGES[name])
                started = time.perf_counter()
                state = stage(state)
                state.timings[name] = round(time.perf_counter() - started, 3)
                log.info("%s done in %.2f s", name, state.timings[name])
        finally:
            lake.clear_staging()
    return state


def run_manifest(state: RunState, version: str) -> dict[str, Any]:
    """Everything needed to know what a published version is and how it was made (SPEC §4)."""
    settings = state.settings
    return {
        "version": version,
        "run_id": state.run_id,
        "started_at": state.started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "engine": settings.engine,
        "parameters": {"cap": settings.cap, "damping": settings.damping, "tiers": list(settings.tiers)},
        "limits": {"memory_limit": settings.memory_limit, "threads": settings.threads},
        "snapshot": state.ingest_summary.get("snapshot", {}),
        "ingest_counts": state.ingest_summary.get("counts", {}),
        "files": state.ingest_summary.get("files", []),
        "score_counts": state.score_counts,
        "checks_passed": state.checks_passed,
        "timings_s": {**state.ingest_summary.get("timings", {}), **state.timings},
    }


def run_row(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest flattened into one row of the `runs` view."""
    snapshot, counts, files = manifest["snapshot"], manifest["ingest_counts"], manifest["files"]
    timings = manifest["timings_s"]
    return {
        "version": manifest["version"],
        "run_id": manifest["run_id"],
        "started_at": manifest["started_at"],
        "finished_at": manifest["finished_at"],
        "package_version": manifest["package_version"],
        "engine": manifest["engine"],
        "cap": manifest["parameters"]["cap"],
        "damping": manifest["parameters"]["damping"],
        "snapshot_uri": snapshot.get("uri"),
        "snapshot_layout": snapshot.get("layout"),
        "latest_partition": snapshot.get("latest_partition"),
        "manifest_record_count": snapshot.get("manifest_record_count"),
        "files_in_manifest": snapshot.get("files"),
        "files_read": sum(1 for f in files if f.get("status") == "read"),
        "files_cached": sum(1 for f in files if f.get("status") == "cached"),
        **{key: counts.get(key) for key in (
            "lines_read", "quarantined", "works", "duplicates_superseded", "merged_or_deleted_dropped",
            "invalid_references", "invalid_authors", "citations", "authorships",
        )},
        "scores": manifest["score_counts"].get("scores"),
        **{f"{stage}_s": timings.get(stage) for stage in ("ingest", "score", "check")},
    }


def require_stages(names: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise DataRankError(f"unknown stage(s): {', '.join(unknown)}")
