"""Prefect flows: wiring only. Each stage of `datarank.pipeline` runs as a task, in the order that
module gives; the flow adds retries, the run logger and a markdown summary artifact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from datarank.pipeline import STAGES, RunState, Stage, run
from datarank.settings import Settings

#: Stages that touch the network or the disk heavily get retries with backoff.
_RETRIES = {"ingest": (2, [10, 60])}


def _as_task(name: str, stage: Stage) -> Stage:
    retries, delays = _RETRIES.get(name, (0, [0]))
    return task(stage, name=name, retries=retries, retry_delay_seconds=delays, cache_policy=NO_CACHE)


def _run_name() -> str:
    return f"datarank-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="datarank", flow_run_name=_run_name, log_prints=True)
def datarank_flow(
    snapshot: str | None = None,
    data_dir: str | None = None,
    cap: int | None = None,
    damping: float | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    stages: list[str] | None = None,
    settings: Settings | None = None,
) -> RunState:
    """Ingest → score → check → publish (or the `stages` given), each stage a task."""
    logger = get_run_logger()
    settings = settings or Settings.from_env(
        snapshot=snapshot, data_dir=data_dir, cap=cap, damping=damping, memory_limit=memory_limit, threads=threads
    )
    order = tuple(stages) if stages else tuple(STAGES)
    logger.info("DataRank stages %s on %s → %s", ", ".join(order), settings.snapshot, settings.data_dir)
    state = run(settings, stages=order, wrap=_as_task)
    create_markdown_artifact(key="datarank-run", markdown=summary_markdown(state), description="DataRank run summary")
    logger.info("published %s", state.version)
    return state


@flow(name="datarank-ingest")
def ingest_flow(snapshot: str | None = None, data_dir: str | None = None) -> RunState:
    """Only the ingest stage: bring new part files into the lake."""
    return datarank_flow(snapshot=snapshot, data_dir=data_dir, stages=["ingest"])


@flow(name="datarank-compute")
def compute_flow(data_dir: str | None = None, cap: int | None = None, damping: float | None = None) -> RunState:
    """Score, check and publish what the last ingest left."""
    return datarank_flow(data_dir=data_dir, cap=cap, damping=damping, stages=["score", "check", "publish"])


def _report_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """What changed since the last ingest, and what did not add up (docs/ingest.md)."""
    changes = report.get("changes") or {}
    rows = [
        (f"works {name}", f"{changes[f'works_{name}']:,}") for name in ("added", "updated", "removed") if f"works_{name}" in changes
    ]
    rows += [(f"new {name}", f"{changes[f'{name}_new']:,}") for name in ("merges", "deletions") if f"{name}_new" in changes]
    mismatches = report.get("record_count_mismatches") or []
    if mismatches:
        rows.append(("record counts unlike the manifest", ", ".join(m["key"] for m in mismatches)))
    lost = [v for v in report.get("vanished_files") or [] if v.get("works_not_superseded")]
    if lost:
        rows.append(("files gone with their works", ", ".join(f"{v['key']} ({v['works_not_superseded']:,})" for v in lost)))
    return rows


def summary_markdown(state: RunState) -> str:
    """The run summary an operator reads in the Prefect UI."""
    snapshot = state.ingest_summary.get("snapshot", {})
    counts: dict[str, Any] = state.ingest_summary.get("counts", {})
    files = state.ingest_summary.get("files", [])
    rows = [
        ("version published", state.version or "—"),
        ("snapshot", f"{snapshot.get('uri')} ({snapshot.get('layout')}, latest partition {snapshot.get('latest_partition')})"),
        ("files", f"{len(files)} in manifest, {sum(f.get('status') == 'read' for f in files)} read"),
        *_report_rows(state.ingest_summary.get("report", {})),
        *((key.replace("_", " "), f"{value:,}") for key, value in counts.items()),
        ("cap / damping", f"{state.settings.cap} / {state.settings.damping}"),
        *((f"{name} time", f"{seconds:.2f} s") for name, seconds in state.timings.items()),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"# DataRank run {state.run_id}\n\n| what | value |\n|---|---|\n{table}\n"
