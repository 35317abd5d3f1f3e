"""`datarank.duckdb` as other DuckDB clients see it: written in a storage format 1.x reads, with no
absolute path, so a data dir that was moved elsewhere still answers the README's query, from any
working directory.

The DuckDB CLI test runs the README's own command with a 1.x CLI named by DATARANK_DUCKDB_CLI
(`.ci/run` installs `duckdb-cli` from PyPI into its own venv and sets it, with
DATARANK_REQUIRE_DUCKDB_CLI=1 so that CI fails rather than skips). Expected rows are read from the
published Parquet files with PyArrow and Polars, not through the catalog.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from datarank.cli import main
from datarank.lake import VERSION_TABLES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
VIEWS = (*VERSION_TABLES, "runs")


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir published at one place and then moved to `<tmp>/elsewhere/data/out` (the first
    place no longer exists). Returns `<tmp>/elsewhere`, which holds `data/out` as a repository
    root does."""
    base = tmp_path_factory.mktemp("catalog-clients")
    first = base / "first" / "out"
    result = CliRunner().invoke(main, ["run", "--data-dir", str(first)])
    assert result.exit_code == 0, result.output
    root = base / "elsewhere"
    (root / "data").mkdir(parents=True)
    shutil.move(first, root / "data" / "out")
    shutil.rmtree(base / "first")
    (base / "other").mkdir()
    return root


def _parquet_rows(data_dir: Path) -> dict[str, int]:
    """Rows of each view, counted from the Parquet files' own metadata."""
    rows = {table: pq.read_metadata(data_dir / "current" / f"{table}.parquet").num_rows for table in VIEWS[:-1]}
    rows["runs"] = len(list((data_dir / "versions").glob("v*/run.parquet")))
    return rows


def _readme_query() -> str:
    match = re.search(r'^duckdb data/out/datarank\.duckdb -c "(?P<sql>[^"]+)"$', README, re.MULTILINE)
    assert match, "README lost its `duckdb data/out/datarank.duckdb -c \"…\"` command"
    return match["sql"]


def _expected_top(data_dir: Path, n: int) -> list[tuple[str, int]]:
    scores = pl.read_parquet(data_dir / "current" / "scores.parquet").sort("rank").head(n)
    return list(zip(scores["work_id"].to_list(), scores["rank"].to_list(), strict=True))


def test_the_catalog_is_in_a_storage_format_duckdb_1x_reads(moved: Path) -> None:
    header = (moved / "data" / "out" / "datarank.duckdb").read_bytes()[:20]
    # bytes 8-11: the magic; 12-19: the storage format number (64: DuckDB 0.10 to 1.x and 2.x; 2.0's own is 69)
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 64


def test_no_view_names_an_absolute_path(moved: Path) -> None:
    with duckdb.connect(str(moved / "data" / "out" / "datarank.duckdb"), read_only=True) as catalog:
        definitions = catalog.sql("select view_name, sql from duckdb_views() where not internal").fetchall()
        main = catalog.sql("select view_name from duckdb_views() where not internal and schema_name = 'main'").fetchall()
    assert sorted(name for (name,) in main) == sorted(VIEWS)  # and each kept version's, under its own schema
    for name, sql in definitions:
        # a string that starts a path at the root ('/' alone is the separator the views append)
        assert not re.search(r"'(/[^']|[A-Za-z]:[\\/])", sql), f"{name} names an absolute path: {sql}"


def test_the_moved_catalog_answers_from_any_working_directory(moved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = moved / "data" / "out"
    expected = _parquet_rows(data_dir)
    assert expected["works"] == 339 and expected["runs"] == 1  # the sample: 339 works, one version
    for cwd, path in ((moved, "data/out/datarank.duckdb"), (moved.parent / "other", str(data_dir / "datarank.duckdb")),
                      (data_dir, "datarank.duckdb")):
        monkeypatch.chdir(cwd)
        with duckdb.connect(path, read_only=True) as catalog:
            found = {view: catalog.sql(f"select count(*) from {view}").fetchall()[0][0] for view in VIEWS}
            top = catalog.sql("select work_id, rank from scores order by rank limit 5").fetchall()
        assert found == expected, f"from {cwd}"
        assert top == _expected_top(data_dir, 5)


def test_an_attached_catalog_resolves_through_file_search_path(moved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README: attached into another session, the views look under `file_search_path`."""
    monkeypatch.chdir(moved)
    with duckdb.connect() as session:
        session.sql("set file_search_path = 'data/out'")
        session.sql("attach 'data/out/datarank.duckdb' as datarank (read_only)")
        assert session.sql("select count(*) from datarank.scores").fetchall() == [(339,)]


def test_the_readme_command_in_the_duckdb_1x_cli_on_a_moved_data_dir(moved: Path) -> None:
    cli = os.environ.get("DATARANK_DUCKDB_CLI")
    if not cli or not shutil.which(cli):
        if os.environ.get("DATARANK_REQUIRE_DUCKDB_CLI") == "1":
            pytest.fail(f"DATARANK_REQUIRE_DUCKDB_CLI=1 but DATARANK_DUCKDB_CLI={cli!r} is no DuckDB CLI (.ci/run installs one)")
        pytest.skip("no DuckDB CLI: set DATARANK_DUCKDB_CLI (pip install duckdb-cli into a venv of its own)")
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1."), f"a DuckDB 1.x CLI is needed for this test, got {version}"
    data_dir = moved / "data" / "out"
    sql = _readme_query()
    expected = _expected_top(data_dir, int(re.search(r"limit (\d+)", sql)[1]))
    # As the README runs it (from the folder holding data/out), then from another folder.
    for cwd, catalog in ((moved, "data/out/datarank.duckdb"), (moved.parent / "other", str(data_dir / "datarank.duckdb"))):
        result = subprocess.run([cli, catalog, "-c", sql], cwd=cwd, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and not result.stderr, f"{version.strip()} from {cwd}: {result.stderr}"
        rows = re.findall(r"^│ (W\d+) +│ +[\d.]+ │ +(\d+) │", result.stdout, re.MULTILINE)
        assert [(work, int(rank)) for work, rank in rows] == expected, result.stdout
    # Every view answers, and every column carries its comment, in the 1.x client too.
    counts = " union all ".join(f"select '{view}', count(*) from {view}" for view in VIEWS)
    uncommented = ("select 'uncommented', count(*) from duckdb_columns() "
                   "where database_name = 'datarank' and schema_name = 'main' and comment is null")
    result = subprocess.run([cli, "-csv", "-noheader", "data/out/datarank.duckdb", "-c", f"{counts} union all {uncommented}"],
                            cwd=moved, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found = dict(line.split(",") for line in result.stdout.split())
    assert {view: int(n) for view, n in found.items()} == {**_parquet_rows(data_dir), "uncommented": 0}
