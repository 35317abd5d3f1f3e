"""Prefect flows: wiring only. The stages and their order are `datarank.pipeline`'s; here each stage
becomes a task (retries with backoff where the network is involved), the run gets a name carrying
the snapshot's date, the library's log lines go to the run logger, and every run leaves a markdown
artifact (`pipelines.summary`).

Flows: `datarank_flow` (the nightly: ingest → score → check → publish → export) and one per stage
so a stage can be rerun alone: `ingest_flow`, `compute_flow` (score → check → publish),
`export_flow`. `prefect.yaml` deploys them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.runtime import deployment, flow_run
from prefect.tasks import exponential_backoff
from pydantic import BaseModel

from datarank.pipeline import COMPUTE_STAGES, STAGES, RunState, Stage, require_stages, run, snapshot_date
from datarank.settings import ExportSpec, Settings
from datarank.snapshot import SnapshotFile
from pipelines.summary import failure_markdown, summary_markdown

#: Stages that read from the network, and how they retry: 3 more tries after 30 s, 60 s, 120 s
#: (± 50% jitter, so many workers do not retry in step). Only for a remote snapshot: a local folder
#: that fails will fail again.
NETWORK_STAGES = ("ingest",)
RETRIES = 3
BACKOFF_SECONDS = 30.0
JITTER = 0.5


class Export(BaseModel):
    """One ranked table to write after publishing (the options of `datarank export`). A relative
    `output` is written under `<data_dir>/exports/`."""

    output: str
    format: Literal["csv", "parquet", "json"] | None = None
    top: int | None = None
    year: int | None = None
    type: str | None = None


def run_name() -> str:
    """`<flow>-snapshot-<date>`: the newest partition of the snapshot the run reads (for flows that
    do not ingest, of the last ingest in the lake), so a run list shows which data each run saw."""
    parameters = flow_run.parameters
    stages = parameters.get("stages")
    reads_snapshot = flow_run.flow_name in ("datarank", "datarank-ingest") and (not stages or "ingest" in stages)
    try:
        settings = parameters.get("settings")
        if not isinstance(settings, Settings):
            settings = Settings.from_env(snapshot=parameters.get("snapshot"), data_dir=parameters.get("data_dir"))
        date = snapshot_date(settings, from_snapshot=reads_snapshot)
    except Exception:  # noqa: BLE001 - naming must not fail the run; its first task reports the cause
        date = None
    return f"{flow_run.flow_name}-snapshot-{date or 'unknown'}"


@flow(name="datarank", flow_run_name=run_name)
def datarank_flow(
    snapshot: str | None = None,
    data_dir: str | None = None,
    cap: int | None = None,
    damping: float | None = None,
    max_row_drop: float | None = None,
    exports: list[Export] | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    stages: list[str] | None = None,
    settings: Settings | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
    full_rebuild: bool | None = None,
) -> RunState:
    """The nightly: ingest the snapshot's new part files, score every work, check, publish, then
    write the configured ranked tables. `stages` runs a subset, in the pipeline's order.

    A night that only adds part files extends the last build and rescores only the works whose
    citers changed (docs/incremental.md); `full_rebuild=True` rebuilds and rescores everything.

    `engine="spark"` with `spark_master` (e.g. `sc://spark-connect:15002`) scores on a Spark cluster
    (docs/spark.md); the other stages run where the flow runs.
    """
    settings = settings or _settings(
        snapshot=snapshot, data_dir=data_dir, cap=cap, damping=damping, max_row_drop=max_row_drop,
        exports=exports, memory_limit=memory_limit, threads=threads, engine=engine, spark_master=spark_master,
        full_rebuild=full_rebuild,
    )
    return _execute(settings, tuple(stages) if stages else tuple(STAGES))


@flow(name="datarank-ingest", flow_run_name=run_name)
def ingest_flow(
    snapshot: str | None = None,
    data_dir: str | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    full_rebuild: bool | None = None,
) -> RunState:
    """Only the ingest stage: bring the snapshot's new or changed part files into the lake."""
    settings = _settings(
        snapshot=snapshot, data_dir=data_dir, memory_limit=memory_limit, threads=threads, full_rebuild=full_rebuild
    )
    return _execute(settings, ("ingest",))


@flow(name="datarank-compute", flow_run_name=run_name)
def compute_flow(
    data_dir: str | None = None,
    cap: int | None = None,
    damping: float | None = None,
    max_row_drop: float | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    full_rebuild: bool | None = None,
) -> RunState:
    """Score what the last ingest left, check and publish (e.g. after a refused check was fixed)."""
    settings = _settings(
        data_dir=data_dir, cap=cap, damping=damping, max_row_drop=max_row_drop, memory_limit=memory_limit,
        threads=threads, full_rebuild=full_rebuild,
    )
    return _execute(settings, COMPUTE_STAGES)


@flow(name="datarank-export", flow_run_name=run_name)
def export_flow(data_dir: str | None = None, exports: list[Export] | None = None) -> RunState:
    """Write the given ranked tables again from the current version."""
    return _execute(_settings(data_dir=data_dir, exports=exports), ("export",))


def _settings(exports: list[Export] | None = None, **options: Any) -> Settings:
    specs = tuple(ExportSpec(**export.model_dump()) for export in exports or ())
    return Settings.from_env(exports=specs or None, **options)


def _execute(settings: Settings, stages: tuple[str, ...]) -> RunState:
    """Run `stages` as tasks, log and leave the summary artifact; on failure, an artifact that says
    where and why, then the failure itself (the flow run fails)."""
    require_stages(stages)
    logger = get_run_logger()
    logger.info("DataRank %s on %s → %s", " → ".join(stages), settings.snapshot, settings.data_dir)
    timings: dict[str, float] = {}

    def as_task(name: str, stage: Stage) -> Stage:
        remote = "://" in settings.snapshot and not settings.snapshot.startswith("file://")
        retries = RETRIES if name in NETWORK_STAGES and remote else 0

        def timed(state: RunState) -> RunState:
            started = time.perf_counter()
            state = task(
                stage, name=name, retries=retries, retry_delay_seconds=exponential_backoff(BACKOFF_SECONDS),
                retry_jitter_factor=JITTER, cache_policy=NO_CACHE,
            )(state)
            timings[name] = round(time.perf_counter() - started, 3)  # for the failure summary
            return state

        return timed

    try:
        with _library_logs_to_run_logger():
            state = run(settings, stages=stages, wrap=as_task, on_file=_log_file)
    except Exception as error:
        create_markdown_artifact(
            key=_artifact_key(), markdown=failure_markdown(settings, stages, timings, error),
            description="DataRank run failed",
        )
        raise
    create_markdown_artifact(key=_artifact_key(), markdown=summary_markdown(state), description="DataRank run summary")
    if state.version:
        logger.info("published %s", state.version)
    return state


def _log_file(file: SnapshotFile, stats: dict[str, Any], done: int, total: int) -> None:
    """One line per part file read (cached ones are skipped: a nightly run reads only a few)."""
    if stats.get("status") == "read":
        get_run_logger().info(
            "read %s: %s lines, %s quarantined (%d of %d files)", file.key, f"{stats.get('lines', 0):,}",
            f"{stats.get('quarantined', 0):,}", done, total,
        )


def _artifact_key() -> str:
    """`datarank-<deployment>` (e.g. datarank-nightly), or `datarank-run` outside a deployment: each
    run adds a version under that key, so the UI shows the history of each deployment apart."""
    name = deployment.name or "run"
    return "datarank-" + (re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "run")


class _RunLogHandler(logging.Handler):
    """Forwards the library's log records (`datarank.*`) to the current run's logger, so they reach
    the Prefect UI with the flow or task run they belong to."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            get_run_logger().log(record.levelno, "%s", record.getMessage())
        except MissingContextError:
            pass


@contextmanager
def _library_logs_to_run_logger() -> Iterator[None]:
    library = logging.getLogger("datarank")
    handler, level, propagate = _RunLogHandler(), library.level, library.propagate
    library.addHandler(handler)
    library.setLevel(logging.INFO)
    library.propagate = False  # the run logger prints them already; once is enough
    try:
        yield
    finally:
        library.removeHandler(handler)
        library.setLevel(level)
        library.propagate = propagate
