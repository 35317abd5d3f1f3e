"""Small local parts are read several to a statement (datarank/ingest/read.py `read_batch`): the raw
files and stats must be those reading each file on its own gives, whatever the files' line endings,
and a bad file among them must fail alone, named."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from datarank import DataRankError
from datarank.ingest import ingest, plan, pool
from datarank.lake import Lake
from datarank.settings import Settings
from tests.factory.records import work


def _line(n: int, **fields: Any) -> bytes:
    return json.dumps(work(n, cited_by_count=n, refs=[n - 1] if n > 1 else [], authors=[n], **fields)).encode()


# Part bodies as bytes, with the line endings the factory never writes.
BODIES: dict[str, bytes] = {
    "no final newline": _line(1) + b"\n" + _line(2),
    "blank lines": b"\n" + _line(3) + b"\n\n\n" + _line(4) + b"\n\n",
    "empty": b"",
    "only a newline": b"\n",
    "lines without a valid id": b'{"id": "X1"}\n' + _line(5) + b'\n{"title": "no id"}\n{"id": null}\n',
    "one line": _line(8),
}


def _snapshot(root: Path, bodies: dict[str, bytes], corrupt: str | None = None) -> Path:
    """A legacy snapshot, one small part per body (a `corrupt` one gets a bad CRC)."""
    works = root / "data" / "works"
    entries = []
    for index, (name, body) in enumerate(bodies.items()):
        folder = works / f"updated_date=2024-01-{index + 1:02d}"
        folder.mkdir(parents=True)
        data = bytearray(gzip.compress(body, mtime=0))
        if name == corrupt:
            data[-8] ^= 0xFF
        (folder / "part_000.gz").write_bytes(bytes(data))
        entries.append({"url": f"s3://openalex/{folder.relative_to(root)}/part_000.gz",
                        "meta": {"content_length": len(data), "record_count": len(body.splitlines())}})
    (works / "manifest").write_text(json.dumps({"entries": entries, "meta": {}}))
    return root


def _ingest(tmp: Path, snapshot: Path, monkeypatch: pytest.MonkeyPatch, batches: bool) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """ingested.json (without times) and each file's raw rows, read with or without batches."""
    monkeypatch.setattr(plan, "SMALL_PART", 1 << 20 if batches else 0)
    data_dir = tmp / ("batched" if batches else "one-by-one")
    ingest(Settings(data_dir=data_dir, snapshot=str(snapshot), threads=2))
    lake = Lake(data_dir)
    entries = lake.read_ingested()
    rows = {
        key: duckdb.sql(f"select * from read_parquet('{lake.raw_works_dir / entry['raw']}') order by line_number").fetchall()
        for key, entry in entries.items()
    }
    stats = {key: {k: v for k, v in entry.items() if k != "read_at"} for key, entry in entries.items()}
    return stats, rows


@pytest.fixture
def batch_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """'strict ok 6', 'lenient failed'…: every batch read, how it parsed, and how it ended."""
    calls: list[str] = []
    original = pool.read_batch

    def spy(cursor: Any, snapshot: Any, task: Any, strict: bool, abstracts: bool = False) -> Any:
        how = "strict" if strict else "lenient"
        try:
            result = original(cursor, snapshot, task, strict, abstracts)
        except Exception:
            calls.append(f"{how} failed")
            raise
        calls.append(f"{how} ok {len(task)}")
        return result

    monkeypatch.setattr(pool, "read_batch", spy)
    return calls


def test_a_batch_gives_the_raw_files_of_reading_each_part_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_calls: list[str]
) -> None:
    snapshot = _snapshot(tmp_path / "snapshot", BODIES)
    one_by_one = _ingest(tmp_path, snapshot, monkeypatch, batches=False)
    assert batch_calls == []
    batched = _ingest(tmp_path, snapshot, monkeypatch, batches=True)
    assert batch_calls == [f"strict ok {len(BODIES)}"]  # every part is small: one batch
    assert batched == one_by_one
    stats, rows = batched
    lines = {key.split("=")[1][:10]: entry["lines"] for key, entry in stats.items()}
    # Counted by hand from BODIES: DuckDB keeps blank lines (as null lines, quarantined), not a
    # last one that is missing; \r\n ends one line.
    assert lines == {"2024-01-01": 2, "2024-01-02": 6, "2024-01-03": 0, "2024-01-04": 1,
                     "2024-01-05": 4, "2024-01-06": 1}
    no_final = next(key for key in rows if "2024-01-01" in key)
    assert [row[:2] for row in rows[no_final]] == [(1, 1), (2, 2)]  # line_number, work_id


ONE_BY_ONE = ["strict failed"]  # not a parse error: no lenient batch


@pytest.mark.parametrize(
    ("body", "calls"),
    [
        # a \r ends no line (the pipe hands DuckDB a tab for it): a bare one leaves one line
        # holding two records, not JSON, so the batch is read again leniently; \r\n endings
        # leave JSON whitespace after each record, and the batch is read at once
        (_line(9) + b"\r" + _line(10) + b"\n", ["strict failed", f"lenient ok {len(BODIES) + 1}"]),
        (_line(9) + b"\r\n" + _line(10) + b"\r\n", [f"strict ok {len(BODIES) + 1}"]),
        # a batch is parsed strictly first (no try()): a line that is not JSON of the schema
        # fails it, and the batch is read again with bad lines kept
        (
            b"not json\n" + _line(9) + b"\n[1]\n" + b'{"id": "W10", "cited_by_count": "many"}\n',
            ["strict failed", f"lenient ok {len(BODIES) + 1}"],
        ),
    ],
    ids=["bare cr", "crlf", "bad lines"],
)
def test_a_batch_with_odd_lines_gives_the_raw_files_of_reading_each_part_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_calls: list[str], body: bytes, calls: list[str]
) -> None:
    bodies = {**BODIES, "the odd one": body}
    snapshot = _snapshot(tmp_path / "snapshot", bodies)
    one_by_one = _ingest(tmp_path, snapshot, monkeypatch, batches=False)
    batched = _ingest(tmp_path, snapshot, monkeypatch, batches=True)
    assert batch_calls == calls
    assert batched == one_by_one


def test_a_corrupt_part_in_a_batch_fails_alone_and_the_others_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_calls: list[str]
) -> None:
    snapshot = _snapshot(tmp_path / "snapshot", BODIES, corrupt="blank lines")
    monkeypatch.setattr(plan, "SMALL_PART", 1 << 20)
    data_dir = tmp_path / "lake"
    with pytest.raises(DataRankError, match=r"updated_date=2024-01-02/part_000\.gz: corrupt gzip") as error:
        ingest(Settings(data_dir=data_dir, snapshot=str(snapshot), threads=1))
    assert "more part files failed" not in str(error.value)
    assert batch_calls == ONE_BY_ONE
    kept = Lake(data_dir).read_ingested()
    assert sorted(key.split("=")[1][:10] for key in kept) == [
        "2024-01-01", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"
    ]
