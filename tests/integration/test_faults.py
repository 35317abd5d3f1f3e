"""Faults injected into real `datarank run` processes: bad part files, a second run, SIGKILL at named
checkpoints (datarank/faults.py), a full disk. After each: a clear one-line error, the last published
version untouched, and the next run publishing what an uninterrupted run publishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import work

PART = "data/works/updated_date=2024-02-01/part_000.gz"


def _snapshot(root: Path) -> Path:
    """Two partitions, a small citation graph, and a few bad lines (quarantined)."""
    first = [work(n, cited_by_count=n % 7, refs=[m for m in range(1, n) if (n * m) % 5 == 1], authors=[n % 4])
             for n in range(1, 61)]
    second = [work(n, cited_by_count=n % 3, refs=[1, 2, n - 1], authors=[1], updated_date="2024-02-01T00:00:00")
              for n in range(40, 120)]
    second += ["not json", '{"id": "W-bad"}']
    return write_legacy_snapshot(root, {"2024-01-01": first, "2024-02-01": second})


def datarank(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "datarank", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def run(snapshot: Path, data: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return datarank("run", "--snapshot", str(snapshot), "--data-dir", str(data), "--threads", "2", env=env)


def published(data: Path) -> tuple[str, bytes]:
    """What readers see: the `current` link's target and the current scores file's bytes."""
    return os.readlink(data / "current"), (data / "current" / "scores.parquet").read_bytes()


def scores(data: Path) -> pl.DataFrame:
    return pl.read_parquet(data / "current" / "scores.parquet").sort("work_number")


def assert_same_scores(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Counts exactly, floats to a relative 1e-9."""
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=0.0)


def _one_line_error(process: subprocess.CompletedProcess[str], names: str, fault: str | None = None, code: int = 1) -> None:
    """Exit status `code` and one `datarank: error:` line naming `names`; a run given a fault variable
    (`fault`, e.g. "DATARANK_FAIL_AT=publish.renamed") has said so in the line before."""
    assert process.returncode == code
    lines = process.stderr.strip().splitlines()
    if fault is not None:
        assert len(lines) == 2, process.stderr
        assert_announced(lines.pop(0), fault)
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith("datarank: error: ") and names in lines[0], lines[0]
    assert "Traceback" not in process.stderr


def assert_announced(line: str, fault: str) -> None:
    assert line.startswith(f"datarank: warning: fault injection: {fault} is set: this run "), line


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An uninterrupted run of the snapshot (snapshot, data dir): what every recovered run must publish."""
    root = tmp_path_factory.mktemp("baseline")
    snapshot = _snapshot(root / "snapshot")
    process = run(snapshot, root / "data")
    assert process.returncode == 0, process.stderr
    return snapshot, root / "data"


def assert_same_version(data: Path, expected: Path) -> None:
    """Scores equal (floats rel 1e-9, counts exactly); works, citations and quarantine identical."""
    assert_same_scores(scores(data), scores(expected))
    for table, key in (("works", ["work_id"]), ("citations", ["citing_id", "cited_id"]),
                       ("quarantine", ["source_file", "line_number"])):
        got = pl.read_parquet(data / "current" / f"{table}.parquet").sort(key)
        assert_frame_equal(got, pl.read_parquet(expected / "current" / f"{table}.parquet").sort(key))


# ---------------------------------------------------------------- 1. bad part files
def _truncate_gzip(path: Path, manifest: Path) -> None:
    """A download cut short, with a manifest that agrees (so only the gzip reader can notice)."""
    body = path.read_bytes()
    path.write_bytes(body[: len(body) // 2])
    manifest.write_text(manifest.read_text().replace(f'"content_length": {len(body)}', f'"content_length": {len(body) // 2}', 1))


def _corrupt_gzip(path: Path, manifest: Path) -> None:
    """Same size, garbage in the middle of the deflate stream."""
    body = bytearray(path.read_bytes())
    middle = len(body) // 2
    body[middle : middle + 64] = bytes(255 - b for b in body[middle : middle + 64])
    path.write_bytes(bytes(body))


def _shorter_than_manifest(path: Path, manifest: Path) -> None:
    path.write_bytes(path.read_bytes()[:-10])


def _missing(path: Path, manifest: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_truncate_gzip, _corrupt_gzip, _shorter_than_manifest, _missing])
def test_bad_part_file_fails_in_one_line_and_keeps_the_published_version(tmp_path: Path, damage) -> None:
    snapshot, data = _snapshot(tmp_path / "snapshot"), tmp_path / "data"
    assert run(snapshot, data).returncode == 0
    before = published(data)
    part = snapshot / PART
    damage(part, snapshot / "data" / "works" / "manifest")
    if part.exists():
        later = time.time() + 5
        os.utime(part, (later, later))  # a new fingerprint even within the same clock tick
    process = run(snapshot, data)
    _one_line_error(process, "updated_date=2024-02-01/part_000.gz")
    assert published(data) == before
    assert not (data / "staging").exists()


# ---------------------------------------------------------------- 2. two runs, one data dir
def test_second_run_on_the_same_data_dir_refuses(tmp_path: Path, baseline) -> None:
    snapshot, _ = baseline
    data = tmp_path / "data"
    log = tmp_path / "first.stderr"
    with log.open("w") as stderr:
        first = subprocess.Popen(
            [sys.executable, "-m", "datarank", "run", "--snapshot", str(snapshot), "--data-dir", str(data)],
            env={**os.environ, "DATARANK_PAUSE_AT": "score.step_written"},
            stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )
    try:
        # It says so when it starts, and again when it pauses: the second line is there while it
        # sleeps (the process still running), so it was written before the sleep.
        pause = "datarank: warning: fault injection: DATARANK_PAUSE_AT=score.step_written: pausing 3600 s at checkpoint score.step_written"
        _wait_for(lambda: pause in log.read_text() or first.poll() is not None)
        assert first.poll() is None, log.read_text()
        lines = log.read_text().splitlines()
        assert len(lines) == 2 and lines[1] == pause, lines
        assert_announced(lines[0], "DATARANK_PAUSE_AT=score.step_written")
        assert "sleeps 3600 s at checkpoint score.step_written, holding the lock" in lines[0]
        # Paused inside scoring, lock held: its staged version exists (scoring's first steps are
        # tables of its database, so no Parquet file need be there yet).
        assert (data / "staging").is_dir() and any((data / "staging").glob("version-*"))
        second = run(snapshot, data)
        _one_line_error(second, "in use by another datarank run", code=4)  # 4: busy, retry later
        assert f"pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # The killed holder leaves no stuck lock: the next run takes it and publishes.
    third = run(snapshot, data)
    assert third.returncode == 0, third.stderr
    assert_same_version(data, baseline[1])


def _wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# ---------------------------------------------------------------- 3. SIGKILL at each checkpoint
CHECKPOINTS = [
    "ingest.part_written", "ingest.core_staged", "score.step_written",
    "publish.manifest_written", "publish.renamed", "publish.switched",
]


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_killed_run_is_recovered_by_the_next(tmp_path: Path, baseline, point: str) -> None:
    snapshot, expected = baseline
    data = tmp_path / "data"
    killed = run(snapshot, data, env={"DATARANK_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_announced((killed.stderr.splitlines() or [""])[0], f"DATARANK_KILL_AT={point}")
    after = run(snapshot, data)
    assert after.returncode == 0, after.stderr
    assert_same_version(data, expected)
    assert not (data / "staging").exists()
    # nothing half-published is kept; a run killed after switching `current` did publish its version
    published_before = ["v000001"] if point == "publish.switched" else []
    assert sorted(p.name for p in (data / "versions").iterdir() if not p.name.startswith(".")) == [*published_before, f"v00000{len(published_before) + 1}"]  # noqa: E501
    # Whatever the killed run left half-written is not data: only files ingested.json names are read.
    listed = {p.name for p in (data / "lake" / "raw" / "works").iterdir()}
    assert not {name for name in listed if name.endswith(".partial")} & set(
        (data / "lake" / "raw" / "ingested.json").read_text().split('"'))


def test_killed_run_after_a_published_version_keeps_it_then_recovers(tmp_path: Path, baseline) -> None:
    snapshot, expected = baseline
    data = tmp_path / "data"
    assert run(snapshot, data).returncode == 0
    before = published(data)
    # A changed part file makes the next run read again; kill it while it writes the new version.
    changed = _snapshot(tmp_path / "copy")
    for point in ("ingest.part_written", "score.step_written", "publish.manifest_written"):
        killed = run(changed, data, env={"DATARANK_KILL_AT": point})
        assert killed.returncode == -signal.SIGKILL
        assert published(data) == before
    assert run(changed, data).returncode == 0
    assert_same_version(data, expected)


# ---------------------------------------------------------------- 4. disk full while writing
@pytest.mark.parametrize(("point", "message"), [
    ("ingest.part_written", "No space left on device"),
    ("score.step_written", "No space left on device"),
    ("publish.manifest_written", "No space left on device"),
    ("score.step_written:EACCES", "Permission denied"),
    ("publish.renamed:EACCES", "Permission denied"),
])
def test_disk_full_or_permission_denied_fails_in_one_line_and_keeps_the_published_version(
    tmp_path: Path, baseline, point: str, message: str
) -> None:
    snapshot, expected = baseline
    data = tmp_path / "data"
    assert run(snapshot, data).returncode == 0
    before = published(data)
    later = time.time() + 5
    os.utime(snapshot / PART, (later, later))  # forces the part to be read again
    process = run(snapshot, data, env={"DATARANK_FAIL_AT": point})
    _one_line_error(process, message, fault=f"DATARANK_FAIL_AT={point}")
    assert published(data) == before
    assert sorted(p.name for p in (data / "versions").iterdir() if not p.name.startswith(".")) == ["v000001"]
    assert not (data / "staging").exists()
    assert run(snapshot, data).returncode == 0
    assert_same_version(data, expected)


# ---------------------------------------------------------------- 5. fault variables with unknown names
@pytest.mark.parametrize(("variable", "value", "message"), [
    ("DATARANK_KILL_AT", "publish.switch", "DATARANK_KILL_AT=publish.switch: unknown checkpoint 'publish.switch'"),
    ("DATARANK_PAUSE_AT", "score.step_writen", "DATARANK_PAUSE_AT=score.step_writen: unknown checkpoint 'score.step_writen'"),
    ("DATARANK_FAIL_AT", "ingest:EACCES", "DATARANK_FAIL_AT=ingest:EACCES: unknown checkpoint 'ingest'"),
    ("DATARANK_FAIL_AT", "publish.renamed:ENOSPACE", "DATARANK_FAIL_AT=publish.renamed:ENOSPACE: unknown errno name 'ENOSPACE'"),
])
def test_an_unknown_fault_name_is_refused_before_the_run_starts(
    tmp_path: Path, baseline, variable: str, value: str, message: str
) -> None:
    """A typo would otherwise never fire (a lock test waiting an hour for a pause that never comes)
    or, for an errno name, end the run with an AttributeError at the checkpoint."""
    snapshot, _ = baseline
    data = tmp_path / "data"
    process = run(snapshot, data, env={variable: value})
    _one_line_error(process, message)
    assert "checkpoint" not in message or "(known: ingest.part_written, ingest.core_staged, " in process.stderr
    assert not data.exists()  # refused before the lock, before anything was read or written


# ---------------------------------------------------------------- no credential in anything written
def test_a_secret_in_the_snapshot_uri_is_written_nowhere(tmp_path: Path) -> None:
    """A local folder whose name carries a token parameter (`;token=…`; DuckDB globs a `?`): the run reads it, and the token appears in
    no log line, manifest, runs row, ingest record or output of the data dir."""
    snapshot = _snapshot(tmp_path / "snap;token=SECRET-T0KEN")
    data = tmp_path / "data"
    process = datarank("run", "--snapshot", str(snapshot), "--data-dir", str(data), "--verbose")
    assert process.returncode == 0, process.stderr
    assert "token=***" in process.stderr  # the log names the snapshot, masked
    assert "SECRET-T0KEN" not in process.stdout + process.stderr
    runs = datarank("query", "select snapshot_uri from runs", "--format", "csv", "--data-dir", str(data))
    assert runs.returncode == 0 and "token=***" in runs.stdout and "SECRET" not in runs.stdout
    written = [path for path in data.rglob("*") if path.is_file() and not path.name.endswith(".duckdb")]
    assert any(path.name == "manifest.json" for path in written)
    for path in written:
        assert b"SECRET-T0KEN" not in path.read_bytes(), path
