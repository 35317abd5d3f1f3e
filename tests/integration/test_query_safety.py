"""`datarank query` runs untrusted SQL: it may read the published views and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from datarank import DataRankError
from datarank.outputs import query

HOSTILE = [
    "INSTALL httpfs",
    "LOAD httpfs",
    "ATTACH '/tmp/evil.duckdb' AS evil",
    "COPY (select 1) TO '/tmp/datarank-evil.csv'",
    "COPY scores TO '/tmp/datarank-evil.parquet' (format parquet)",
    "CREATE TABLE t AS SELECT 1",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m() AS 1",
    "INSERT INTO scores SELECT * FROM scores",
    "DROP VIEW scores",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM glob('/etc/*')",
    "SET enable_external_access = true",
    "PRAGMA enable_external_access = true",
    "SET allowed_paths = ['/etc/passwd']",
    "SET allowed_directories = ['/']",
    "RESET enable_external_access",
    "SELECT * FROM duckdb_settings() WHERE (SELECT current_setting('enable_external_access'))"
    " AND (SELECT set_config('enable_external_access', 'true'))",
    "SELECT 1; SELECT * FROM read_text('/etc/passwd')",
    "WITH x AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM x",
    "SELECT * FROM scores WHERE work_id IN (SELECT content FROM read_text('/etc/passwd'))",
    "EXPLAIN ANALYZE COPY (select 1) TO '/tmp/datarank-evil2.csv'",
    "EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
    "explain  analyse INSERT INTO scores SELECT * FROM scores",
    "CALL pragma_version()",
    "CHECKPOINT",
    "EXPORT DATABASE '/tmp/datarank-evil-db'",
    "DETACH memory",
    "USE system",
]


@pytest.mark.parametrize("sql", HOSTILE)
def test_hostile_sql_is_refused_with_a_clear_message(published_sample: Path, sql: str) -> None:
    with pytest.raises(DataRankError, match=r"^query: ") as refused:
        query(published_sample, sql)
    message = str(refused.value)
    assert "\n" not in message
    assert "root:" not in message  # no bit of the file leaks through an error


def test_nothing_was_written_by_the_refused_statements() -> None:
    for name in ("datarank-evil.csv", "datarank-evil.parquet", "datarank-evil2.csv", "datarank-evil-db", "evil.duckdb"):
        assert not (Path("/tmp") / name).exists(), name


def test_published_views_still_answer(published_sample: Path) -> None:
    frame = query(published_sample, "select count(*) as n, count(distinct work_id) as ids from scores")
    assert frame["n"][0] == frame["ids"][0] > 0
    for sql in ("explain select * from scores", "EXPLAIN ANALYZE select count(*) from works"):
        assert query(published_sample, sql).height > 0


def test_export_writes_the_file_asked_for_and_nothing_else(published_sample: Path, tmp_path: Path) -> None:
    """A quote and a semicolon in the name cannot reach the SQL; no partial file stays behind (the
    file and its datapackage.json only); a folder that does not exist is an error, not created."""
    import polars as pl

    from datarank.outputs import export
    from datarank.settings import ExportSpec

    target = tmp_path / "exports" / "it's; DROP VIEW scores; --.csv"
    target.parent.mkdir()
    rows = export(published_sample, ExportSpec(output=str(target), top=7))
    assert rows == 7
    assert sorted(p.name for p in target.parent.iterdir()) == sorted([target.name, "datapackage.json"])
    assert pl.read_csv(target)["rank"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    missing = tmp_path / "nowhere" / "top.csv"
    with pytest.raises(DataRankError, match="does not exist"):
        export(published_sample, ExportSpec(output=str(missing)))
    assert not missing.parent.exists()
