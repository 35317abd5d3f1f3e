"""The exit status of each kind of outcome, from real `datarank` processes, as a scheduler sees them:
0 success, 1 error, 2 usage, 3 a data check refused to publish, 4 another run holds the data dir,
130 interrupted. `--help` lists them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from datarank.lake import Lake
from datarank.pipeline import run
from datarank.settings import Settings
from tests.factory.growth import copy_sample, drop_partition


def datarank(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "DATARANK_"))}
    return subprocess.run([sys.executable, "-m", "datarank", *args], capture_output=True, text=True, timeout=300,
                          env={**variables, **(env or {})}, check=False)


def test_help_lists_the_exit_statuses() -> None:
    for args in (("--help",), ("run", "--help"), ("prune", "--help")):
        process = datarank(*args)
        assert process.returncode == 0
        text = " ".join(process.stdout.split())
        assert "Exit status: 0 success 1 error" in text, process.stdout
        assert "3 a data check refused to publish; the previous version stays current" in text
        assert "4 another run holds the data dir" in text and "130 interrupted" in text


def test_success_error_and_usage(published_sample: Path, tmp_path: Path) -> None:
    assert datarank("query", "select 1 as n", "--data-dir", str(published_sample)).returncode == 0
    error = datarank("explain", "W2741809807", "--data-dir", str(tmp_path / "nothing"))
    assert (error.returncode, error.stderr.splitlines()[0][:29]) == (1, "datarank: error: no published")
    for args in (("run", "--cap", "0"), ("run", "--no-such-option"), ("explain", "not-an-id"),
                 ("export", "--output", "x.csv", "--top", "0"), ("prune",)):
        process = datarank(*args, "--data-dir", str(tmp_path / "nothing"))
        assert process.returncode == 2, (args, process.stderr)


def test_a_refused_check_exits_3_and_keeps_the_version(tmp_path: Path) -> None:
    snapshot, data = copy_sample(tmp_path / "snapshot"), tmp_path / "data"
    run(Settings(snapshot=str(snapshot), data_dir=data))
    drop_partition(snapshot, "2025-11-06")
    process = datarank("run", "--snapshot", str(snapshot), "--data-dir", str(data))
    assert process.returncode == 3, process.stderr
    assert "data check scores_row_count_far_from_previous failed" in process.stderr
    assert "version not published, v000001 stays current" in process.stderr
    assert os.readlink(data / "current") == "versions/v000001"


def test_a_busy_data_dir_exits_4(tmp_path: Path) -> None:
    with Lake(tmp_path).lock():
        for args in (("compute",), ("prune", "--keep", "1")):
            process = datarank(*args, "--data-dir", str(tmp_path))
            assert process.returncode == 4, process.stderr
            assert f"{tmp_path} is in use by another datarank run (pid {os.getpid()})" in process.stderr


def test_an_interrupted_run_exits_130(tmp_path: Path) -> None:
    log = tmp_path / "stderr"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "datarank", "run", "--data-dir", str(tmp_path / "data")],
            env={**os.environ, "DATARANK_PAUSE_AT": "score.step_written"}, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while "pausing 3600 s" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        process.kill()
        process.wait()
    assert log.read_text().splitlines()[-1] == "datarank: error: interrupted; the last published version is unchanged"
    assert not (tmp_path / "data" / "current").exists()
