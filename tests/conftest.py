"""Fixtures shared by every test. Helpers that tests import live in modules beside this file
(`published`, `oracle`) and in the package `tests.factory` (the snapshots): `conftest` is not
importable by name once a sub-folder has a conftest.py of its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from published import Published, run_pipeline


@pytest.fixture
def publish(tmp_path: Path) -> Callable[..., Published]:
    """`publish(snapshot_root, cap=…, damping=…)`: run the pipeline into `tmp_path/out`."""

    def _publish(snapshot: Path, cap: int = 200, damping: float = 0.85) -> Published:
        return run_pipeline(snapshot, tmp_path / "out", cap=cap, damping=damping)

    return _publish
