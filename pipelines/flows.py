"""Prefect flows: wiring only. The stages and their order are `datarank.pipeline`'s; here each stage
becomes a task (retries with backoff where the network is involved), the run gets a name carrying
the snapshot's date, the library's log lines go to the run logger, and every run leaves a markdown
artifact (`pipelines.summary`).

Flows: `datarank_flow` (the nightly: ingest → score → check → publish → export → prune) and one
per stage so a stage can be rerun alone: `ingest_flow`, `compute_flow` (score → check → publish →
export → prune), `export_flow`. `prefect.yaml` deploys them.

What an operator can rely on:
- Every flow and task has a timeout (`FLOW_TIMEOUT`, `STAGE_TIMEOUTS`), so a hung read fails the
  run instead of holding the data dir for ever. The flow's is an alarm signal and interrupts
  anything; a task's is then raised into the stage by a watcher thread, so it lands when the SQL
  statement or read in progress returns to Python.
- Runs on one data dir queue: each holds the slot of a Prefect global concurrency limit named after
  the data dir (`lake_limit`, limit 1, made on first use) for as long as it runs, so a second
  deployment (or a `datarank run` through Prefect) waits for it instead of failing on the lake's lock.
- A failed run's state message starts with its exit status and what it means
  (`datarank.EXIT_CODES`): `exit 3 (a data check refused to publish; …)`, `exit 4 (another run holds
  the data dir …)`, `exit 1 (error …)`.
- Credentials in URIs are masked (`datarank.redact`) in the run's log lines, its artifact, its state
  message and the exceptions its tasks raise; the run's name holds only the snapshot's date.
"""

from __future__ import annotations

import hashlib
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
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import MissingContextError
from prefect.runtime import deployment, flow_run
from prefect.states import Failed
from prefect.tasks import exponential_backoff

from datarank import EXIT_CODES, DataRankError
from datarank.pipeline import ENTRY_STAGES, RunState, Stage, require_stages, run, snapshot_date
from datarank.redact import RedactingFilter, redact
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
#: A flow run fails past this (its stages' timeouts add up to more: a night rarely needs them all).
FLOW_TIMEOUT = 12 * 3600
#: Each stage's task fails past this many seconds. The largest measured run (10.6M works, 2 cores)
#: takes 5 min in all; 270M works is estimated at about an hour on 16 cores (benchmarks/README.md),
#: several on a small machine, so these leave room for a first full read of s3://openalex.
STAGE_TIMEOUTS = {
    "ingest": 8 * 3600, "score": 4 * 3600, "check": 2 * 3600, "publish": 3600, "export": 2 * 3600, "prune": 3600,
}
#: How long the data dir's concurrency slot is leased at a time; renewed while the run lives, so a
#: worker that dies frees it after at most this long.
LEASE_SECONDS = 300


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


@flow(name="datarank", flow_run_name=run_name, timeout_seconds=FLOW_TIMEOUT)
@setting_parameters(
    "snapshot", "lake", "metric", "engine", "check", "build", "retention", "limits",
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


@flow(name="datarank-ingest", flow_run_name=run_name, timeout_seconds=FLOW_TIMEOUT)
@setting_parameters("snapshot", "lake", "build", "limits")
def ingest_flow(**options: Any) -> RunState:
    """Only the ingest stage: bring the snapshot's new or changed part files into the lake."""
    return _execute(_settings(**options), ENTRY_STAGES["ingest"])


@flow(name="datarank-compute", flow_run_name=run_name, timeout_seconds=FLOW_TIMEOUT)
@setting_parameters("lake", "metric", "engine", "check", "build", "retention", "limits")
def compute_flow(**options: Any) -> RunState:
    """Score what the last ingest left, check, publish and prune (e.g. after a refused check was fixed)."""
    return _execute(_settings(**options), ENTRY_STAGES["compute"])


@flow(name="datarank-export", flow_run_name=run_name, timeout_seconds=FLOW_TIMEOUT)
@setting_parameters("lake", **_EXPORTS)
def export_flow(**options: Any) -> RunState:
    """Write the given ranked tables again from the current version."""
    return _execute(_settings(**options), ENTRY_STAGES["export"])


def _settings(exports: list[ExportSpec] | None = None, **options: Any) -> Settings:
    return Settings.from_env(exports=tuple(exports) if exports else None, **options)


def _execute(settings: Settings, stages: tuple[str, ...]) -> RunState:
    """Run `stages` as tasks, holding the data dir's concurrency slot; log and leave the summary
    artifact. On failure: an artifact that says where and why, and a Failed state whose message
    starts with the exit status (`failure_message`); calling the flow raises the error itself."""
    require_stages(stages)
    logger = get_run_logger()
    logger.info("DataRank %s on %s → %s", " → ".join(stages), redact(settings.snapshot), settings.data_dir)
    timings: dict[str, float] = {}

    def as_task(name: str, stage: Stage) -> Stage:
        remote = "://" in settings.snapshot and not settings.snapshot.startswith("file://")
        retries = RETRIES if name in NETWORK_STAGES and remote else 0

        def timed(state: RunState) -> RunState:
            started = time.perf_counter()
            state = task(
                _masking_errors(stage), name=name, retries=retries,
                retry_delay_seconds=exponential_backoff(BACKOFF_SECONDS), retry_jitter_factor=JITTER,
                cache_policy=NO_CACHE, timeout_seconds=STAGE_TIMEOUTS.get(name),
            )(state)
            timings[name] = round(time.perf_counter() - started, 3)  # for the failure summary
            return state

        return timed

    try:
        with _masked_prefect_logs(), _library_logs_to_run_logger(), _data_dir_slot(settings):
            state = run(settings, stages=stages, wrap=as_task, on_file=_log_file)
    except Exception as error:  # noqa: BLE001 - the flow's edge: any failure becomes a Failed state naming its exit status
        _mask_exception(error)
        create_markdown_artifact(
            key=_artifact_key(), markdown=redact(failure_markdown(settings, stages, timings, error)),
            description="DataRank run failed",
        )
        return Failed(message=failure_message(error), data=error)  # type: ignore[return-value]
    create_markdown_artifact(
        key=_artifact_key(), markdown=redact(summary_markdown(state)), description="DataRank run summary"
    )
    if state.version:
        logger.info("published %s", state.version)
    return state


def failure_message(error: BaseException) -> str:
    """A failed flow run's state message: `exit N (what N means): the error's first line`, the
    same statuses as the command line's (`datarank.EXIT_CODES`), credentials masked."""
    code = error.exit_code if isinstance(error, DataRankError) else 1
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    reason = text if isinstance(error, DataRankError) else f"{type(error).__name__}: {text}"
    return redact(f"exit {code} ({EXIT_CODES[code]}): {reason}")


def lake_limit(data_dir: Path) -> str:
    """The name of the global concurrency limit of one data dir (names take no `/`)."""
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:12]
    tail = re.sub(r"[^A-Za-z0-9_-]+", "-", data_dir.name).strip("-")[:40] or "root"
    return f"datarank-data-dir-{tail}-{digest}"


@contextmanager
def _data_dir_slot(settings: Settings) -> Iterator[None]:
    """Hold the data dir's only concurrency slot while the run lasts; another run on the same data
    dir waits here (its flow run stays Running, logging that it waits) until this one ends."""
    name = lake_limit(settings.data_dir)
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)
    get_run_logger().info("taking the data dir's concurrency slot %s (one run per data dir; another waits)", name)
    with concurrency(name, occupy=1, lease_duration=LEASE_SECONDS, strict=True):
        yield


def _masking_errors(stage: Stage) -> Stage:
    """`stage`, with credentials masked in any exception it raises before Prefect logs it."""

    def masked(state: RunState) -> RunState:
        try:
            return stage(state)
        except BaseException as error:
            _mask_exception(error)
            raise

    masked.__name__ = masked.__qualname__ = getattr(stage, "__name__", "stage")
    masked.__doc__ = stage.__doc__
    return masked


def _mask_exception(error: BaseException) -> None:
    """Mask credentials in an exception's text, in place (its type, and so its exit status, stays)."""
    error.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in error.args)
    if isinstance(error, OSError) and isinstance(error.filename, str):
        error.filename = redact(error.filename)


@contextmanager
def _masked_prefect_logs() -> Iterator[None]:
    """Mask credentials in every record Prefect's handlers send (the run logs in the UI, the console)."""
    handlers = {
        handler
        for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.extra")
        for handler in logging.getLogger(name).handlers
    }
    masking = RedactingFilter()
    for handler in handlers:
        handler.addFilter(masking)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(masking)


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
