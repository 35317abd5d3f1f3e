"""The order of the stages, written once: ingest → score → check → publish → export.

The CLI calls `run` directly (no orchestrator start-up on the hot path); the Prefect flow in
`pipelines/` calls the same `run` with `wrap` turning each stage into a task. Each stage takes and
returns the `RunState`, so a stage can be rerun alone by the flow of that stage.
"""

from __future__ import annotations

import json
import logging
import platform
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import polars as pl

from datarank import DataRankError, __version__
from datarank.faults import announce, checkpoint
from datarank.ingest import FileCallback, ingest
from datarank.lake import Lake, write_json_atomic
from datarank.redact import redact_all
from datarank.checks import check
from datarank.publish import stage_version, write_catalog
from datarank.score import score
from datarank.db import duckdb_memory_limit
from datarank.settings import Settings
from datarank.snapshot import open_snapshot

log = logging.getLogger(__name__)

#: The run summary lists the works that entered or left this top, and this many rank movers.
SUMMARY_TOP = 100
SUMMARY_MOVERS = 10
#: Software whose version goes into each run manifest (read from package metadata, not imported).
SOFTWARE = ("duckdb", "polars", "pyarrow", "prefect")


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
    scoring: dict[str, Any] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    version: str | None = None
    previous_version: str | None = None
    changes: dict[str, Any] | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    exports: list[dict[str, Any]] = field(default_factory=list)
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
        output = spec.path(state.settings.data_dir)
        output.parent.mkdir(parents=True, exist_ok=True)
        rows = export(state.settings.data_dir, spec, state.version)
        state.exports.append({"output": str(output), "rows": rows})
        log.info("exported %d works to %s", rows, output)
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
}
#: The stages each entry point runs — the command of that name and its Prefect flow — in the order
#: of STAGES. The export stage writes the exports the settings list (none from the command line).
ENTRY_STAGES: dict[str, tuple[str, ...]] = {
    "run": tuple(STAGES),
    "ingest": ("ingest",),
    "compute": ("score", "check", "publish", "export"),
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


def run_manifest(state: RunState, version: str) -> dict[str, Any]:
    """Everything needed to know what a published version is and how it was made (SPEC §4)."""
    settings = state.settings
    return redact_all({
        "version": version,
        "run_id": state.run_id,
        "started_at": state.started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_version": state.previous_version,
        "package_version": __version__,
        "software": software_versions(),
        "engine": settings.engine,
        "parameters": {"cap": settings.cap, "damping": settings.damping, "tiers": list(settings.tiers)},
        "check_parameters": {"max_row_drop": settings.max_row_drop},
        "limits": {
            "memory_limit": settings.memory_limit,
            "duckdb_memory_limit": duckdb_memory_limit(settings.memory_limit),
            "threads": settings.threads,
        },
        "snapshot": state.ingest_summary.get("snapshot", {}),
        "ingest_counts": state.ingest_summary.get("counts", {}),
        "files": state.ingest_summary.get("files", []),
        "score_counts": state.score_counts,
        # The ingest scored: an incremental run carries figures from a version scored from its base.
        "core": state.core_dir.name if state.core_dir else None,
        "scoring": state.scoring,
        "checks_passed": state.checks_passed,
        "changes": state.changes,
        "timings_s": {**state.ingest_summary.get("timings", {}), **state.timings},
    })


def software_versions() -> dict[str, str | None]:
    """Python's and the main libraries' versions, from package metadata (Prefect is not imported)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = package_version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


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


def run_row(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest flattened into one row of the `runs` view."""
    snapshot, counts, files = manifest["snapshot"], manifest["ingest_counts"], manifest["files"]
    timings = manifest["timings_s"]
    changes = manifest.get("changes") or {}
    software = manifest.get("software") or {}
    return {
        "version": manifest["version"],
        "previous_version": manifest.get("previous_version"),
        "run_id": manifest["run_id"],
        "started_at": manifest["started_at"],
        "finished_at": manifest["finished_at"],
        "package_version": manifest["package_version"],
        **{f"{name}_version": software.get(name) for name in ("python", *SOFTWARE)},
        "engine": manifest["engine"],
        "cap": manifest["parameters"]["cap"],
        "damping": manifest["parameters"]["damping"],
        "max_row_drop": (manifest.get("check_parameters") or {}).get("max_row_drop"),
        "snapshot_uri": snapshot.get("uri"),
        "snapshot_layout": snapshot.get("layout"),
        "snapshot_date": snapshot.get("latest_partition"),
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
        "checks_passed": len(manifest.get("checks_passed") or []),
        **{f"{stage}_s": timings.get(stage) for stage in ("ingest", "score", "check", "compare")},
        **{key: changes.get(key) for key in (
            "new_works", "removed_works", "rank_changed", "score_changed", "entered_top", "left_top",
        )},
        "top_movers": [
            {key: mover.get(key) for key in _MOVER_FIELDS} for mover in (changes.get("sections") or {}).get("rank_movers", [])
        ],
    }


_MOVER_FIELDS = {
    "work_id": pl.String, "rank_from": pl.Int64, "rank_to": pl.Int64, "rank_gain": pl.Int64,
    "datarank_from": pl.Float64, "datarank_to": pl.Float64, "datarank_change": pl.Float64, "title": pl.String,
}


def run_frame(manifest: dict[str, Any]) -> pl.DataFrame:
    """`run_row` as a one-row frame with declared types, so the `runs` view can union the rows of
    every version even where a value is missing (no previous version, no Prefect installed)."""
    row = run_row(manifest)
    text_columns = ["previous_version", "snapshot_date", "latest_partition", "snapshot_uri", "snapshot_layout",
                    *(f"{name}_version" for name in ("python", *SOFTWARE))]
    int_columns = ["new_works", "removed_works", "rank_changed", "score_changed", "entered_top", "left_top",
                   "manifest_record_count"]
    schema = {**{name: pl.String for name in text_columns}, **{name: pl.Int64 for name in int_columns}}
    movers = pl.Series("top_movers", [row.pop("top_movers")], dtype=pl.List(pl.Struct(_MOVER_FIELDS)))
    return pl.DataFrame([row], schema_overrides=schema).with_columns(movers)


def require_stages(names: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise DataRankError(f"unknown stage(s): {', '.join(unknown)}")
