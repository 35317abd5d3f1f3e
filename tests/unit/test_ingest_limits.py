"""How many part files are read side by side: bounded by cores, memory and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from datarank.ingest import FILE_MEMORY, ingest_workers, parse_memory
from datarank.settings import Settings


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
