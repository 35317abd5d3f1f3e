"""The Prefect flow runs the same stages as the CLI, as tasks, under a real (temporary) Prefect API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect server for the module (~10 s to start)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


def test_flow_publishes_what_the_cli_publishes(prefect_api: None, tmp_path: Path) -> None:
    from datarank.pipeline import run
    from datarank.settings import Settings
    from pipelines.flows import datarank_flow

    state = datarank_flow(data_dir=str(tmp_path / "flow"))
    assert state.version == "v000001"
    assert list(state.timings) == ["ingest", "score", "check", "publish"]

    direct = run(Settings(data_dir=tmp_path / "direct"))
    by_flow = pl.read_parquet(tmp_path / "flow" / "current" / "scores.parquet").sort("work_number")
    by_cli = pl.read_parquet(tmp_path / "direct" / "current" / "scores.parquet").sort("work_number")
    assert direct.version == "v000001"
    assert by_flow.equals(by_cli)


def test_compute_flow_rescores_the_last_ingest(prefect_api: None, tmp_path: Path) -> None:
    from pipelines.flows import compute_flow, ingest_flow

    ingest_flow(data_dir=str(tmp_path))
    state = compute_flow(data_dir=str(tmp_path), cap=1)
    scores = pl.read_parquet(tmp_path / "current" / "scores.parquet")
    assert state.version == "v000001"
    assert scores["citers_considered"].max() == 1
