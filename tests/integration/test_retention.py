"""Retention on a real lake: `datarank prune` and `run --keep` keep `current` and the newest versions,
free exactly the files only the removed versions held, never remove a version a reader has open, and
never hand out a version number twice. The catalog reads one resolved version and names each kept one.

The lake: the shipped sample published four times (one run, then three computes of the same ingest),
so the versions share the core tables (hard links) and each has its own scores, citers and network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

import datarank
from datarank.cli import main
from datarank.pipeline import run
from datarank.retention import prune
from datarank.settings import Settings

#: What a version holds that no other version or the lake links to; the core tables (works,
#: citations, authorships, quarantine, fair_signals, abstracts) are shared, run.parquet is linked
#: into runs/.
OWN_FILES = ("scores.parquet", "researchers.parquet", "citers.parquet", "network.parquet", "fair_validation.parquet",
             "openalex_agreement.parquet", "institutions.parquet", "sources.parquet", "countries.parquet", "fields.parquet",
             "manifest.json")
VERSIONS = ["v000001", "v000002", "v000003", "v000004"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("retention") / "lake"
    run(Settings(data_dir=lake))
    for _ in range(3):
        run(Settings(data_dir=lake), stages=("score", "check", "publish"))
    return lake


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    """A copy of the four-version lake with its hard links and symlinks (`cp -a`)."""
    copy = tmp_path / "lake"
    subprocess.run(["cp", "-a", str(template), str(copy)], check=True)
    return copy


def versions(lake: Path) -> list[str]:
    return sorted(p.name for p in (lake / "versions").iterdir() if not p.name.startswith("."))


def test_prune_keeps_current_and_the_newest_and_frees_what_only_the_old_ones_held(lake: Path) -> None:
    own = sum((lake / "versions" / v / name).stat().st_size for v in VERSIONS[:2] for name in OWN_FILES)
    shared = {name: (lake / "versions" / "v000001" / name).stat().st_ino for name in ("works.parquet", "citations.parquet")}
    before = {v: pl.read_parquet(lake / "versions" / v / "scores.parquet") for v in VERSIONS[2:]}

    result = prune(lake, keep=2)

    assert (result.removed, result.kept, result.busy) == (VERSIONS[:2], VERSIONS[2:], [])
    assert result.bytes_freed == own
    assert versions(lake) == VERSIONS[2:]
    assert os.readlink(lake / "current") == "versions/v000004"
    # The kept versions are whole: their own files unchanged, the shared core tables still there.
    for v, frame in before.items():
        assert pl.read_parquet(lake / "versions" / v / "scores.parquet").equals(frame)
        for name, inode in shared.items():
            assert (lake / "versions" / v / name).stat().st_ino == inode
    assert (lake / "lake" / "core" / "current" / "works.parquet").stat().st_ino == shared["works.parquet"]
    # Each published version's runs row outlives it; the catalog names only the kept versions.
    with datarank.open(lake) as results:
        assert results.runs.pl()["version"].to_list() == VERSIONS
    with duckdb.connect(str(lake / "datarank.duckdb"), read_only=True) as catalog:
        schemas = {row[0] for row in catalog.sql("select schema_name from information_schema.schemata").fetchall()}
        assert {"v000003", "v000004"} <= schemas and not {"v000001", "v000002"} & schemas
        assert catalog.sql("select count(*) from v000003.scores").fetchall() == [(339,)]


def test_prune_on_the_command_line_says_what_it_freed_and_a_dry_run_removes_nothing(lake: Path) -> None:
    own = sum((lake / "versions" / v / name).stat().st_size for v in VERSIONS[:3] for name in OWN_FILES)
    dry = CliRunner().invoke(main, ["prune", "--data-dir", str(lake), "--keep", "1", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("prune    would remove 3 versions (v000001, v000002, v000003), would free ")
    assert versions(lake) == VERSIONS

    done = CliRunner().invoke(main, ["prune", "--data-dir", str(lake), "--keep", "1"])
    assert done.exit_code == 0, done.output
    assert done.output == (f"prune    removed 3 versions (v000001, v000002, v000003), freed {own / 1000:.1f} kB; "
                           "kept 1 (v000004)\n")
    assert versions(lake) == ["v000004"]
    missing = CliRunner().invoke(main, ["prune", "--data-dir", str(lake)], env={"DATARANK_KEEP": None})
    assert missing.exit_code == 2 and "--keep" in missing.output


def test_numbering_after_prune_follows_the_newest_ever_published(lake: Path) -> None:
    prune(lake, keep=1)
    state = run(Settings(data_dir=lake), stages=("score", "check", "publish"))
    assert state.version == "v000005"
    manifest = json.loads((lake / "versions" / "v000005" / "manifest.json").read_text())
    assert (manifest["version"], manifest["previous_version"]) == ("v000005", "v000004")
    with datarank.open(lake) as results:
        runs = results.runs.pl()
    assert runs["version"].to_list() == [*VERSIONS, "v000005"]
    assert runs["previous_version"].to_list()[-1] == "v000004"


def test_a_run_with_keep_prunes_after_publishing(lake: Path) -> None:
    result = CliRunner().invoke(main, ["compute", "--data-dir", str(lake), "--keep", "2"])
    assert result.exit_code == 0, result.output
    assert "prune    removed 3 versions (v000001, v000002, v000003)" in result.output
    assert versions(lake) == ["v000004", "v000005"]


def test_keep_days_keeps_what_is_recent(lake: Path) -> None:
    for v, days in (("v000001", 30), ("v000002", 10)):
        path = lake / "versions" / v / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest["finished_at"] = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        path.write_text(json.dumps(manifest))
    assert prune(lake, keep=1, keep_days=20).removed == ["v000001"]
    assert prune(lake, keep=1, keep_days=5).removed == ["v000002"]
    assert versions(lake) == VERSIONS[2:]


READER = """
import sys, time, datarank
results = datarank.open(sys.argv[1], version="1")
print(results.sql("select count(*) from scores").fetchall()[0][0], flush=True)
time.sleep(120)
"""


def test_a_version_a_reader_has_open_is_skipped_until_it_closes(lake: Path) -> None:
    reader = subprocess.Popen([sys.executable, "-c", READER, str(lake)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "339\n"
        held = prune(lake, keep=1)
        assert (held.removed, held.busy) == (["v000002", "v000003"], ["v000001"])
        assert versions(lake) == ["v000001", "v000004"]
        # In this process too: an open Results holds its version.
        with datarank.open(lake, version="4"):
            assert prune(lake, keep=1).busy == ["v000001"]
    finally:
        reader.kill()
        reader.communicate()
    assert prune(lake, keep=1).removed == ["v000001"]
    assert versions(lake) == ["v000004"]


def test_a_reader_that_waited_on_a_removal_is_told_the_version_is_gone(lake: Path) -> None:
    """Prune holds the version's lock while it removes it; a reader blocked on that lock finds the
    version gone afterwards and says so, rather than reading half a folder."""
    import fcntl

    folder = lake / "versions" / "v000001"
    with open(folder / ".readers", "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # what Lake.remove_version takes
        waiting = subprocess.Popen(
            [sys.executable, "-c", "import sys, datarank; datarank.open(sys.argv[1], version='1')", str(lake)],
            stderr=subprocess.PIPE, text=True,
        )
        _wait_until_blocked_on(folder / ".readers", waiting)
        folder.rename(lake / "versions" / ".removing-v000001")
    _, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == 1 and "VersionGone: version v000001 was removed (datarank prune)" in stderr


def _wait_until_blocked_on(path: Path, process: subprocess.Popen[str]) -> None:
    """Until /proc/locks shows a process waiting for a lock on `path` (a `->` line for its inode)."""
    inode = f":{path.stat().st_ino} "
    deadline = time.monotonic() + 60
    while not any("->" in line and inode in line for line in Path("/proc/locks").read_text().splitlines()):
        assert process.poll() is None, "the reader ended before waiting on the lock"
        assert time.monotonic() < deadline, "the reader never waited on the lock"
        time.sleep(0.05)


def test_the_catalog_reads_the_version_current_pointed_at(lake: Path) -> None:
    """Views over one resolved version: a session opened before a run publishes keeps reading the
    version it started with, every table of it, and older versions are there by name."""
    with duckdb.connect(str(lake / "datarank.duckdb"), read_only=True) as session:
        view = session.sql("select sql from duckdb_views() where view_name = 'scores' and schema_name = 'main'").fetchall()
        assert "'versions/v000004/scores.parquet'" in view[0][0]  # relative to the catalog's folder
        total = "select sum(datarank), (select sum(contribution) from citers) from scores"
        before = session.sql(total).fetchall()
        run(Settings(data_dir=lake, cap=1), stages=("score", "check", "publish"))  # other values
        assert session.sql(total).fetchall() == before
    with duckdb.connect(str(lake / "datarank.duckdb"), read_only=True) as fresh:
        assert fresh.sql(total).fetchall() != before
        assert fresh.sql(total.replace("citers", "v000004.citers").replace("from scores", "from v000004.scores")).fetchall() == before
