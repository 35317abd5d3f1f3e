"""The wheel works anywhere: built from this tree (pip fetches the build backend from PyPI), installed
into a folder of its own, and run from an empty folder with the default data dir. It carries the
sample and the SQL, and writes nothing into the folder it runs from but the export asked for.

(.ci/run does the same into a fresh venv with every dependency from PyPI; here the test's
interpreter provides the dependencies, and the wheel's `datarank` comes first on the path.)"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_the_wheel_runs_and_exports_from_an_empty_folder(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(REPO)], check=True, timeout=600)
    [wheel] = (tmp_path / "dist").glob("datarank-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(tmp_path / "site"), str(wheel)], check=True, timeout=600)

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATARANK_", "PREFECT_", "PYTHONPATH"))}
    env |= {"PYTHONPATH": str(tmp_path / "site"), "XDG_DATA_HOME": str(tmp_path / "user-data"),
            "PREFECT_HOME": str(tmp_path / "prefect-home")}

    def datarank(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "datarank", *args], cwd=empty, env=env, capture_output=True,
                              text=True, timeout=600, check=False)

    where = subprocess.run([sys.executable, "-c", "import datarank; print(datarank.__file__)"], cwd=empty, env=env,
                           capture_output=True, text=True, check=True)
    assert where.stdout.strip() == str(tmp_path / "site" / "datarank" / "__init__.py")

    ran = datarank("run")
    assert ran.returncode == 0, ran.stderr
    assert f"at {tmp_path / 'site' / 'datarank' / 'data' / 'sample' / 'data' / 'works'}" in ran.stdout
    assert "publish  v000001: 339 works scored" in ran.stdout
    exported = datarank("export", "--output", "top.csv", "--top", "20")
    assert exported.returncode == 0, exported.stderr
    with open(empty / "top.csv", newline="") as handle:
        assert [int(row["rank"]) for row in csv.DictReader(handle)] == list(range(1, 21))
    assert sorted(p.name for p in empty.iterdir()) == ["datapackage.json", "top.csv"]  # the export and its descriptor
    assert os.readlink(tmp_path / "user-data" / "datarank" / "current") == "versions/v000001"
