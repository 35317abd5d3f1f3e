"""Fault injection for the reliability tests: named checkpoints a test can turn into a crash.

`DATARANK_KILL_AT=<checkpoint>` makes the process SIGKILL itself when it reaches that checkpoint
(no clean-up runs, exactly like `kill -9` or the OOM killer); `DATARANK_FAIL_AT=<checkpoint>[:<ERRNO>]` raises
`OSError` there instead — ENOSPC (a full disk while writing) unless another errno name is given,
e.g. `:EACCES` (permission denied); `DATARANK_PAUSE_AT=<checkpoint>` sleeps there for an hour (a
run holding the lock, for the lock test). Unset — the normal case — a checkpoint
costs one dictionary lookup. The checkpoints (see docs/reliability.md):

    ingest.part_written      a part file's raw Parquet is written, not yet recorded in ingested.json
    ingest.core_staged       the core tables are written in staging/, not yet committed
    score.step_written       a scoring step is done (a table of the run's database; the outputs'
                             Parquet in the staged version under staging/)
    publish.manifest_written the staged version has its manifest, not yet renamed into versions/
    publish.renamed          the version is in versions/, `current` not yet switched
    publish.switched         `current` is switched, the catalog not yet rewritten
"""

from __future__ import annotations

import errno
import os
import signal
import time


def checkpoint(name: str) -> None:
    """Crash here if a test asked for it (see the module docstring)."""
    if os.environ.get("DATARANK_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, code = os.environ.get("DATARANK_FAIL_AT", "").partition(":")
    if point == name:
        number = getattr(errno, code or "ENOSPC")
        raise OSError(number, f"{os.strerror(number)} (injected at {name})")
    if os.environ.get("DATARANK_PAUSE_AT") == name:
        time.sleep(3600)
