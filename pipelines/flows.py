"""Prefect flows: wiring only. The stages and their order are `datarank.pipeline`'s; here each stage
becomes a task (retries with backoff where the network is involved), the run gets a name carrying
the snapshot's date, the library's log lines go to the run logger, and every run leaves a markdown
artifact (`pipelines.summary`).

Flows: `datarank_flow` (the nightly: ingest → score → check → publish → export) and one per stage
so a stage can be rerun alone: `ingest_flow`, `compute_flow` (score → check → publish),
`export_flow`. `prefect.yaml` deploys them.
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.runtime import deployment, flow_run
from prefect.tasks import exponential_backoff

from datarank.pipeline import ENTRY_STAGES, RunState, Stage, require_stages, run, snapshot_date
from datarank.settings import SETTINGS, ExportSpec, Settings
from datarank.snapshot import SnapshotFile
from pipelines.summary import failure_markdown, summary_markdown

#: Stages that read from the network, and how they retry: 3 more tries after 30 s, 60 s, 120 s
#: (± 50% jitter, so many workers do not retry in step). Only for a remote snapshot: a local folder
#: that fails will fail again.
NETWORK_STAGES = ("ingest",)
RETRIES = 3
BACKOFF_SECONDS = 30.0
JITTER = 0.5


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


def setting_parameters(*groups: str, **extra: tuple[Any, Any]) -> Callable[[Callable[..., RunState]], Callable[..., RunState]]:
    """Give a flow body (`def body(**options)`) one parameter per setting of `groups`, made from the
    settings' declarations (datarank.settings.SETTINGS: name, type, help), plus `extra`
    (name → (annotation, default)). Prefect builds the deployment's parameter schema and validates
    each run's parameters from this signature, so a setting declared once is a CLI option, an
    environment variable and a flow parameter alike."""

    def decorate(body: Callable[..., RunState]) -> Callable[..., RunState]:
        parameters = [
            inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                              annotation=(str if s.type is Path else s.type) | None)
            for s in SETTINGS if s.group in groups
        ] + [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, (annotation, default) in extra.items()
        ]
        body.__signature__ = inspect.Signature(parameters, return_annotation=RunState)  # type: ignore[attr-defined]
        body.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": RunState}
        settings_help = "\n".join(f"    {s.name}: {s.help}" for s in SETTINGS if s.group in groups)
        body.__doc__ = f"{body.__doc__}\n\nArgs:\n{settings_help}\n"
        return body

    return decorate


#: The parameters of the flows that publish or export, beside the settings.
_EXPORTS = {"exports": (list[ExportSpec] | None, None)}


@flow(name="datarank", flow_run_name=run_name)
@setting_parameters(
    "snapshot", "lake", "metric", "engine", "check", "build", "limits",
    **_EXPORTS, stages=(list[str] | None, None), settings=(Settings | None, None),
)
def datarank_flow(**options: Any) -> RunState:
    """The nightly: ingest the snapshot's new part files, score every work, check, publish, then
    write the configured ranked tables. `stages` runs a subset, in the pipeline's order.

    A night that only adds part files extends the last build and rescores only the works whose
    citers changed (docs/incremental.md); `full_rebuild=True` rebuilds and rescores everything.
    `engine="spark"` with `spark_master` (e.g. `sc://spark-connect:15002`) scores on a Spark cluster
    (docs/spark.md); the other stages run where the flow runs."""
    stages, settings = options.pop("stages", None), options.pop("settings", None)
    return _execute(settings or _settings(**options), tuple(stages) if stages else ENTRY_STAGES["run"])


@flow(name="datarank-ingest", flow_run_name=run_name)
@setting_parameters("snapshot", "lake", "build", "limits")
def ingest_flow(**options: Any) -> RunState:
    """Only the ingest stage: bring the snapshot's new or changed part files into the lake."""
    return _execute(_settings(**options), ENTRY_STAGES["ingest"])


@flow(name="datarank-compute", flow_run_name=run_name)
@setting_parameters("lake", "metric", "engine", "check", "build", "limits")
def compute_flow(**options: Any) -> RunState:
    """Score what the last ingest left, check and publish (e.g. after a refused check was fixed)."""
    return _execute(_settings(**options), ENTRY_STAGES["compute"])


@flow(name="datarank-export", flow_run_name=run_name)
@setting_parameters("lake", **_EXPORTS)
def export_flow(**options: Any) -> RunState:
    """Write the given ranked tables again from the current version."""
    return _execute(_settings(**options), ENTRY_STAGES["export"])


def _settings(exports: list[ExportSpec] | None = None, **options: Any) -> Settings:
    return Settings.from_env(exports=tuple(exports) if exports else None, **options)


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
