"""The order of the stages, written once: ingest → score → check → publish → export → prune.

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

from datarank import DataRankError
from datarank.checks import check
from datarank.contracts import IngestSummary, RunManifest
from datarank.faults import announce, checkpoint
from datarank.ingest import FileCallback, ingest
from datarank.lake import Lake, write_json_atomic
from datarank.manifest import run_frame, run_manifest
from datarank.publish import stage_version, write_catalog
from datarank.retention import PruneResult, prune_locked
from datarank.score import score
from datarank.settings import Settings
from datarank.snapshot import open_snapshot

log = logging.getLogger(__name__)

#: The run summary lists the works that entered or left this top, and this many rank movers.
SUMMARY_TOP = 100
SUMMARY_MOVERS = 10


@dataclass
class RunState:
    """What the stages of one run hand each other, and what ends up in its manifest."""

    settings: Settings
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    on_file: FileCallback | None = None
    core_dir: Path | None = None
    ingest_summary: IngestSummary = field(default_factory=dict)  # type: ignore[assignment]
    staged: Path | None = None
    score_counts: dict[str, int] = field(default_factory=dict)
    scoring: dict[str, Any] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    version: str | None = None
    previous_version: str | None = None
    changes: dict[str, Any] | None = None
    manifest: RunManifest = field(default_factory=dict)  # type: ignore[assignment]
    exports: list[dict[str, Any]] = field(default_factory=list)
    pruned: PruneResult | None = None
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
    counts = score(state.settings, state.core_dir, state.staged)
    state.scoring = counts.pop("build")
    state.score_counts = counts
    return state


def stage_check(state: RunState) -> RunState:
    """Refuse to publish a version that breaks an invariant (sql/checks/)."""
    assert state.core_dir is not None and state.staged is not None, "check runs after score"
    state.checks_passed = check(state.settings, state.core_dir, state.staged)
    return state


def stage_publish(state: RunState) -> RunState:
    """Switch the staged version in atomically, with its run manifest (which records what changed
    since the previous version); refresh the catalog."""
    assert state.core_dir is not None and state.staged is not None, "publish runs after check"
    compared = time.perf_counter()
    state.changes = _changes_since_previous(state)
    compare_seconds = round(time.perf_counter() - compared, 3)
    stage_version(state.core_dir, state.staged)
    name = state.lake.next_version()
    manifest = run_manifest(state, name)
    manifest["timings_s"]["compare"] = compare_seconds
    write_json_atomic(state.staged / "manifest.json", manifest)
    run_frame(manifest).write_parquet(state.staged / "run.parquet", compression="zstd")
    checkpoint("publish.manifest_written")
    state.version = state.lake.publish(state.staged, name)
    state.manifest = manifest
    checkpoint("publish.switched")
    write_catalog(state.lake)
    return state


def stage_export(state: RunState) -> RunState:
    """Write the ranked tables `settings.exports` names, from the version this run published (the
    current one when the stage runs alone)."""
    from datarank.outputs import export

    for spec in state.settings.exports:
        output = spec.destination(state.settings.data_dir)
        if "://" not in output:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
        rows = export(state.settings.data_dir, spec, state.version)
        state.exports.append({"output": str(output), "rows": rows, "table": spec.table})
        log.info("exported %d rows of %s to %s", rows, spec.table, output)
    return state


def stage_prune(state: RunState) -> RunState:
    """Remove the versions the retention settings (`keep`, `keep_days`) no longer keep, with the
    lake files only they use (datarank.retention); nothing without `keep`."""
    if state.settings.keep is not None:
        state.pruned = prune_locked(state.lake, state.settings.keep, state.settings.keep_days)
    return state


def _changes_since_previous(state: RunState) -> dict[str, Any] | None:
    """Counts and the biggest rank movers between the version published last and the staged one."""
    from datarank.diff import compare

    versions = state.lake.versions()
    if not versions:
        return None
    assert state.staged is not None
    state.previous_version = versions[-1]
    result = compare(
        state.settings, state.lake.versions_dir / versions[-1], state.staged, top=SUMMARY_TOP, rows=SUMMARY_MOVERS,
        sections=("rank_movers", "entered_top", "left_top"), names=(versions[-1], "staged"),
    )
    return {
        "from_version": versions[-1],
        "top": SUMMARY_TOP,
        **result.summary,
        "sections": {name: frame.to_dicts() for name, frame in result.sections.items()},
    }


Stage = Callable[[RunState], RunState]
#: name → stage, in the order a full run takes them.
STAGES: dict[str, Stage] = {
    "ingest": stage_ingest,
    "score": stage_score,
    "check": stage_check,
    "publish": stage_publish,
    "export": stage_export,
    "prune": stage_prune,
}
#: The stages each entry point runs — the command of that name and its Prefect flow — in the order
#: of STAGES. The export stage writes the exports the settings list (none from the command line).
ENTRY_STAGES: dict[str, tuple[str, ...]] = {
    "run": tuple(STAGES),
    "ingest": ("ingest",),
    "compute": ("score", "check", "publish", "export", "prune"),
    "export": ("export",),
}


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
    announce()  # a fault-injection variable left set is said (or refused) before anything runs
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


def snapshot_date(settings: Settings, from_snapshot: bool = True) -> str | None:
    """The snapshot's date: its newest `updated_date=` partition, from its manifest, or (with
    `from_snapshot=False`) from the last ingest in the lake. None if neither can be read."""
    try:
        if from_snapshot:
            return max((f.partition for f in open_snapshot(settings.snapshot).files), default=None) or None
        ingest = json.loads((Lake(settings.data_dir).current_core() / "ingest.json").read_text())
        return ingest.get("snapshot", {}).get("latest_partition")
    except (DataRankError, OSError, ValueError):
        return None


def require_stages(names: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise DataRankError(f"unknown stage(s): {', '.join(unknown)}")
