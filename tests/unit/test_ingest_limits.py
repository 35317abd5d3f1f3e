"""Memory limits: how they are read, what DuckDB gets of them, and how many part files are read
side by side (bounded by cores, memory and files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datarank.db import connect, duckdb_memory_limit
from datarank.ingest import FILE_MEMORY, ingest_workers
from datarank.settings import Settings, parse_memory


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("4GB", 4_000_000_000),
        ("500MiB", 500 * 2**20),
        ("2.5 GB", 2_500_000_000),
        ("8gib", 8 * 2**30),
        ("123", 123),
        (None, None),
        ("", None),
        ("lots", None),
    ],
)
def test_parse_memory(limit: str | None, expected: int | None) -> None:
    assert parse_memory(limit) == expected


def test_workers_are_bounded_by_threads_memory_and_files(tmp_path: Path) -> None:
    assert FILE_MEMORY == 2**30
    settings = Settings(data_dir=tmp_path, threads=8, memory_limit="64GiB")
    assert ingest_workers(settings, files=100) == 8
    assert ingest_workers(settings, files=3) == 3
    assert ingest_workers(settings.with_(memory_limit="3GiB"), files=100) == 3
    assert ingest_workers(settings.with_(memory_limit="100MB"), files=100) == 1  # never none
    assert ingest_workers(settings.with_(threads=1), files=100) == 1


def test_duckdb_gets_nine_tenths_of_the_limit(tmp_path: Path) -> None:
    assert duckdb_memory_limit("8GB") == "7200000000B"
    assert duckdb_memory_limit("256MiB") == f"{int(256 * 2**20 * 0.9)}B"
    assert duckdb_memory_limit(None) is None
    assert duckdb_memory_limit("lots") == "lots"  # DuckDB's own message refuses it
    connection = connect(Settings(data_dir=tmp_path, memory_limit="1000MB"))
    try:
        # 900,000,000 bytes is 858.3 MiB, as DuckDB shows it
        assert connection.execute("select current_setting('memory_limit')").fetchall() == [("858.3 MiB",)]
    finally:
        connection.close()
