"""The gzip pipe: local parts are decompressed once, checked as they are read, and fed to DuckDB."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import duckdb
import pytest

from datarank import DataRankError
from datarank.gzip_pipe import GzipBatchPipe, GzipPipe

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


def test_lines_end_at_a_newline_only_and_are_fed_whole(tmp_path: Path) -> None:
    # DuckDB's line reader would also end a line at a bare \r and cut it at 0x1E (its delimiter):
    # the pipe hands it a tab and 0x1F instead, byte for byte, so each \n-line is one row.
    lines = [
        b'{"id":\r"W1",\r"title": "a"}',  # \r between tokens: JSON whitespace
        b"not json\rstill the same line",
        b'{"id": "W2", "title": "raw \r inside a string"}',
        b"\r",  # a line that is only a carriage return
        b'{"id": "W3"}\r',  # a Windows line ending
        b'{"id": "W4"}\x1e{"id": "W5"}',
        b"\r\r\x1e\x1e",
        b'{"id": "W6"}',
    ]
    path = tmp_path / "part_000.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    want = [
        '{"id":\t"W1",\t"title": "a"}',
        "not json\tstill the same line",
        '{"id": "W2", "title": "raw \t inside a string"}',
        "\t",
        '{"id": "W3"}\t',
        '{"id": "W4"}\x1f{"id": "W5"}',
        "\t\t\x1f\x1f",
        '{"id": "W6"}',
    ]
    assert _read(path) == want


def test_a_batch_counts_the_lines_of_files_holding_carriage_returns(tmp_path: Path) -> None:
    bodies = [b"a\rb\nc\r\n", b"\r", b"d\r\ne", b"\x1e\n"]
    paths = []
    for index, body in enumerate(bodies):
        paths.append(tmp_path / f"part_{index:03d}.gz")
        paths[-1].write_bytes(gzip.compress(body))
    pipe = GzipBatchPipe(paths, "4 part files")
    with pipe as source:
        got = [row[0] for row in duckdb.connect().execute(LINES_SQL, {"path": source}).fetchall()]
    assert pipe.lines == [2, 1, 2, 1]
    assert got == ["a\tb", "c\t", "\t", "d\t", "e", "\x1f"]


class _Store:
    """An fsspec-like filesystem holding one file, whose reads fail with `error` once `good`
    bytes have been read (a connection the store broke mid-file)."""

    def __init__(self, data: bytes, good: int, error: Exception | None) -> None:
        self.data, self.good, self.error = data, good, error
        self.opened: list[str] = []

    def open(self, path: str, mode: str) -> io.BytesIO:
        self.opened.append(path)
        store = self

        class Handle(io.BytesIO):
            def read(self, size: int | None = -1) -> bytes:
                if store.error is not None and self.tell() >= store.good:
                    raise store.error
                return super().read(min(size or 0, store.good - self.tell()) if store.error else size)

        return Handle(self.data)


def test_a_remote_file_is_read_through_its_filesystem(tmp_path: Path) -> None:
    store = _Store(gzip.compress(b'{"id": "W1"}\r\n{"id":\r"W2"}\n'), 0, None)
    with GzipPipe("bucket/part_000.gz", "s3://bucket/part_000.gz", store) as source:
        got = [row[0] for row in duckdb.connect().execute(LINES_SQL, {"path": source}).fetchall()]
    assert store.opened == ["bucket/part_000.gz"]
    assert got == ['{"id": "W1"}\t', '{"id":\t"W2"}']


@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"),
                                   RuntimeError("the store\nanswered 503")])
def test_a_store_failing_mid_file_fails_the_file_not_truncates_it(error: Exception) -> None:
    # A broken connection to the store is no reader closing the pipe: the lines DuckDB got are not
    # the file, whatever the error's type.
    data = gzip.compress(b"".join(b'{"id": "W%d"}\n' % n for n in range(50_000)), compresslevel=0)
    store = _Store(data, len(data) // 2, error)
    with pytest.raises(DataRankError, match=r"^s3://bucket/part_000\.gz: cannot be read \([^\n]*\)$"), \
            GzipPipe("bucket/part_000.gz", "s3://bucket/part_000.gz", store) as source:
        duckdb.connect().execute(LINES_SQL, {"path": source}).fetchall()


def test_a_cut_feed_is_the_error_even_when_duckdb_fails_on_what_it_got() -> None:
    # The feed stops inside a line; parsing it strictly, DuckDB fails on the cut line. The error
    # raised is the store's, so the caller does not take it for a bad line and ask the store again.
    data = gzip.compress(b'{"id": "W1", "title": "' + b"x" * 100_000 + b'"}\n', compresslevel=0)
    store = _Store(data, len(data) // 2, ConnectionResetError(104, "Connection reset by peer"))
    strict = f"select from_json(line, '{{\"id\": \"VARCHAR\"}}') from ({LINES_SQL})"
    with pytest.raises(DataRankError, match=r"cannot be read \(\[Errno 104\] Connection reset by peer\)"), \
            GzipPipe("bucket/part_000.gz", "s3://bucket/part_000.gz", store) as source:
        duckdb.connect().execute(strict, {"path": source}).fetchall()
