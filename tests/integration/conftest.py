"""Fixtures shared by the integration tests that only read a published run of the sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from datarank.cli import main


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `datarank run --abstracts` on the shipped sample, for tests that read it and never write
    to it (with abstracts, so that explain and the report's paper pages show them)."""
    data_dir = tmp_path_factory.mktemp("published-sample")
    result = CliRunner().invoke(main, ["run", "--data-dir", str(data_dir), "--abstracts"])
    assert result.exit_code == 0, result.output
    return data_dir
