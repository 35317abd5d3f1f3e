"""The gzip pipe: local parts are decompressed once, checked as they are read, and fed to DuckDB."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from datarank import DataRankError
from datarank.gzip_pipe import GzipPipe

LINES_SQL = (
    "select line from read_csv($path, columns = {'line': 'VARCHAR'}, header = false, auto_detect = false, "
    "delim = chr(30), quote = '', escape = '', compression = 'none')"
)


def _read(path: Path) -> list[str]:
    with GzipPipe(path, "part_000.gz") as source:
        return [row[0] for row in duckdb.connect().execute(LINES_SQL, {"path": source}).fetchall()]


def test_every_member_of_a_multi_member_file_reaches_duckdb_in_order(tmp_path: Path) -> None:
    # Two gzip members, like `cat a.gz b.gz`; big enough to fill the pipe many times over.
    first = [f'{{"id": "W{n}", "title": "a\u2028b"}}' for n in range(60_000)]
    second = [f'{{"id": "W{n}"}}' for n in range(60_000, 90_000)]
    path = tmp_path / "part_000.gz"
    path.write_bytes(gzip.compress("\n".join(first).encode() + b"\n") + gzip.compress("\n".join(second).encode() + b"\n"))
    assert _read(path) == first + second


def test_a_wrong_crc_is_refused_naming_the_file(tmp_path: Path) -> None:
    # The deflate data is intact, only the member's CRC32 trailer is wrong: DuckDB alone would read
    # every line without a word.
    data = bytearray(gzip.compress(b'{"id": "W1"}\n{"id": "W2"}\n'))
    data[-8] ^= 0xFF
    path = tmp_path / "part_000.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataRankError, match=r"^part_000\.gz: corrupt gzip \(.*"):
        _read(path)


def test_a_stream_cut_inside_a_member_is_refused(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join(f'{{"id": "W{n}"}}' for n in range(5000)) + "\n").encode())
    path = tmp_path / "part_000.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataRankError, match=r"^part_000\.gz: corrupt gzip \("):
        _read(path)


def test_a_reader_that_fails_first_does_not_leave_the_feeder_hanging(tmp_path: Path) -> None:
    path = tmp_path / "part_000.gz"
    path.write_bytes(gzip.compress(b"x" * (8 << 20) + b"\n"))  # one 8 MB line, longer than allowed
    with pytest.raises(duckdb.Error), GzipPipe(path, "part_000.gz") as source:
        duckdb.connect().execute(LINES_SQL.replace("compression = 'none'", "compression = 'none', max_line_size = 1000"), {"path": source}).fetchall()
