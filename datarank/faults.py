"""Fault injection for the reliability tests: named checkpoints a test can turn into a crash.

`DATARANK_KILL_AT=<checkpoint>` makes the process SIGKILL itself when it reaches that checkpoint
(no clean-up runs, exactly like `kill -9` or the OOM killer); `DATARANK_FAIL_AT=<checkpoint>[:<ERRNO>]` raises
`OSError` there instead — ENOSPC (a full disk while writing) unless another errno name is given,
e.g. `:EACCES` (permission denied); `DATARANK_PAUSE_AT=<checkpoint>` sleeps there for an hour (a
run holding the lock, for the lock test). Unset or empty — the normal case — a checkpoint costs
three environment lookups.

These variables are for tests, and one left set in a scheduler's environment would crash or stall
every run. So a run states at its start which of them are set (`announce`, called once by
`datarank.pipeline.run`), refuses a checkpoint or errno name it does not know before doing any
work (a typo would otherwise never fire, or fail only when the checkpoint is reached), and logs a
pause before sleeping. The checkpoints are `CHECKPOINTS` below (docs/reliability.md lists them too).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import time

from datarank import DataRankError

log = logging.getLogger(__name__)

#: Every checkpoint the code calls, and the state of the run when it is reached.
CHECKPOINTS: dict[str, str] = {
    "ingest.part_written": "a part file's raw Parquet is written, not yet recorded in ingested.json",
    "ingest.core_staged": "the core tables are written in staging/, not yet committed",
    "score.step_written": "a scoring step is done (a table of the run's database; the outputs' "
    "Parquet in the staged version under staging/)",
    "publish.manifest_written": "the staged version has its manifest, not yet renamed into versions/",
    "publish.renamed": "the version is in versions/, `current` not yet switched",
    "publish.switched": "`current` is switched, the catalog not yet rewritten",
    "export.written": "an export is written to its local file, not yet delivered (renamed, uploaded, streamed)",
}

KILL, FAIL, PAUSE = "DATARANK_KILL_AT", "DATARANK_FAIL_AT", "DATARANK_PAUSE_AT"
VARIABLES = (KILL, FAIL, PAUSE)
PAUSE_SECONDS = 3600
DEFAULT_ERRNO = "ENOSPC"


def checkpoint(name: str) -> None:
    """Crash, fail or pause here if a test asked for it (see the module docstring)."""
    if os.environ.get(KILL) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    fail = os.environ.get(FAIL)
    if fail:
        point, code = _fail_setting(fail)
        if point == name:
            number = getattr(errno, code)
            raise OSError(number, f"{os.strerror(number)} (injected at {name})")
    if os.environ.get(PAUSE) == name:
        log.warning("fault injection: %s=%s: pausing %d s at checkpoint %s", PAUSE, name, PAUSE_SECONDS, name)
        for _second in range(PAUSE_SECONDS):  # one-second sleeps: a timeout that interrupts Python (a Prefect task's) lands
            time.sleep(1)


def announce() -> None:
    """Say on stderr (a warning log line each) which fault variables are set, before a run starts.

    Raises:
        DataRankError: a variable names an unknown checkpoint or errno; nothing has run yet.
    """
    for variable in VARIABLES:
        value = os.environ.get(variable)
        if not value:
            continue
        if variable == FAIL:
            point, code = _fail_setting(value)
            effect = f"this run fails with {code} at checkpoint {point}"
        else:
            _known_checkpoint(variable, value, value)
            effect = (f"this run kills itself (SIGKILL) at checkpoint {value}" if variable == KILL
                      else f"this run sleeps {PAUSE_SECONDS} s at checkpoint {value}, holding the lock")
        log.warning("fault injection: %s=%s is set: %s (unset it outside tests)", variable, value, effect)


def _fail_setting(value: str) -> tuple[str, str]:
    """`<checkpoint>[:<ERRNO>]` → (checkpoint, errno name), both checked."""
    point, _, code = value.partition(":")
    _known_checkpoint(FAIL, value, point)
    code = code or DEFAULT_ERRNO
    if not code.startswith("E") or not isinstance(getattr(errno, code, None), int):
        raise DataRankError(
            f"{FAIL}={value}: unknown errno name {code!r} (e.g. ENOSPC, EACCES, EIO); unset {FAIL} outside tests"
        )
    return point, code


def _known_checkpoint(variable: str, value: str, point: str) -> None:
    if point not in CHECKPOINTS:
        raise DataRankError(
            f"{variable}={value}: unknown checkpoint {point!r} (known: {', '.join(CHECKPOINTS)}); "
            f"unset {variable} outside tests"
        )
