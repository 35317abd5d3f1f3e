"""`datarank` outside any Prefect server: no set-up, and no Prefect on the import path.

Start-up time itself is measured by benchmarks/cli_startup.py (timings are too noisy for tests);
what is checked here is what makes it small: which modules each command imports (`-X importtime`
lists every module a process imports)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HEAVY = ("duckdb", "polars", "pyarrow", "fsspec", "s3fs", "prefect", "pydantic")


def imported_modules(*args: str, prefect_home: Path | None = None) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The top-level modules `datarank *args` imports, on a machine where Prefect is not configured
    (no PREFECT_* variable; Prefect's home `prefect_home`, empty unless a test writes a profile)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(prefect_home or tempfile.mkdtemp(prefix="prefect-home-"))
    process = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "datarank", *args],
        capture_output=True, text=True, env=env, check=False,
    )
    modules = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in process.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return modules, process


def test_help_imports_nothing_heavy() -> None:
    modules, process = imported_modules("--help")
    assert process.returncode == 0
    assert "datarank" in modules and "click" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_run_without_a_prefect_api_never_imports_prefect(tmp_path: Path) -> None:
    modules, process = imported_modules("run", "--data-dir", str(tmp_path))
    assert process.returncode == 0, process.stderr[-2000:]
    assert "publish  v000001: 339 works scored" in process.stdout
    assert {"duckdb", "polars"} <= modules
    assert "prefect" not in modules and "pydantic" not in modules


def test_a_profile_that_names_no_api_keeps_prefect_unloaded(tmp_path: Path) -> None:
    """A Prefect profile with other settings only: Prefect's settings could not name an API, so they
    are not even imported (profiles naming one are tested in test_flow.py)."""
    (tmp_path / "profiles.toml").write_text('active = "local"\n\n[profiles.local]\nPREFECT_LOGGING_LEVEL = "INFO"\n')
    modules, process = imported_modules("run", "--data-dir", str(tmp_path / "data"), prefect_home=tmp_path)
    assert process.returncode == 0, process.stderr[-2000:]
    assert "prefect" not in modules and "pydantic" not in modules
