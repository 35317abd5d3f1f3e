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
    engine: str | None = None,
    spark_master: str | None = None,
) -> RunState:
    """Ingest → score → check → publish (or the `stages` given), each stage a task.

    `engine="spark"` with `spark_master` (e.g. `sc://spark-connect:15002`) scores on a Spark cluster
    (docs/spark.md); the other stages run where the flow runs.
    """
    logger = get_run_logger()
    settings = settings or Settings.from_env(
        snapshot=snapshot, data_dir=data_dir, cap=cap, damping=damping, memory_limit=memory_limit, threads=threads,
        engine=engine, spark_master=spark_master,
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


def summary_markdown(state: RunState) -> str:
    """The run summary an operator reads in the Prefect UI."""
    snapshot = state.ingest_summary.get("snapshot", {})
    counts: dict[str, Any] = state.ingest_summary.get("counts", {})
    files = state.ingest_summary.get("files", [])
    rows = [
        ("version published", state.version or "—"),
        ("snapshot", f"{snapshot.get('uri')} ({snapshot.get('layout')}, latest partition {snapshot.get('latest_partition')})"),
        ("files", f"{len(files)} in manifest, {sum(f.get('status') == 'read' for f in files)} read"),
        *((key.replace("_", " "), f"{value:,}") for key, value in counts.items()),
        ("cap / damping", f"{state.settings.cap} / {state.settings.damping}"),
        *((f"{name} time", f"{seconds:.2f} s") for name, seconds in state.timings.items()),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"# DataRank run {state.run_id}\n\n| what | value |\n|---|---|\n{table}\n"
