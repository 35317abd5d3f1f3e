"""A gzip part file, decompressed once, checked as it goes, and handed to DuckDB through a pipe.

DuckDB's gzip reader does not check the CRC and may read a corrupt stream as garbage lines (which
would then be quarantined or, worse, mistaken for records), so every part must be checked.
Checking it in a pass of its own decompressed each file twice (measured on 141 MB of JSON, one
core: Python's zlib 0.23 s, DuckDB's own gzip reader 0.15 s of its 0.20 s line split). Here a
thread decompresses the file with zlib — in C, releasing the GIL, checking each member's CRC and
length — into a pipe, and DuckDB reads the plain lines from the pipe's read end (`/dev/fd/N`, read
with `compression = 'none'`): one decompression, on a second core while DuckDB parses. A remote
part is read the same way, through the snapshot's fsspec filesystem (s3fs: 8 MB ranged requests
with its read-ahead); the pipe's buffer bounds how far the reading runs ahead of DuckDB.

Lines end at `\\n` only. DuckDB's line reader (`read_csv` with one column, sql/raw/) also ends a
line at a bare `\\r` and cuts it at 0x1E (its column delimiter), so on the way into the pipe every
`\\r` byte becomes a tab and every 0x1E byte a 0x1F — one byte for one, so DuckDB's rows are the
file's `\\n`-lines, whole and numbered as in the file. JSON's verdict on a line does not change: a
tab is JSON whitespace wherever a `\\r` is (between tokens), and a raw tab is invalid inside a
string as a raw `\\r` is; 0x1E and 0x1F are invalid anywhere in JSON. The head of a quarantined
line shows the substitutes (docs/ingest.md).

A damaged stream, or a file that cannot be read, ends the feed early and raises `DataRankError`
naming the file when the reader is done (whatever DuckDB made of the lines it got is discarded by
the caller).

`GzipBatchPipe` feeds several small parts through one pipe, one after the other, so that DuckDB
plans and runs one statement for all of them (datarank/ingest/read.py splits the rows afterwards by
the line counts it reports).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from isal import isal_zlib as zlib  # zlib's interface, ISA-L's inflate: 1.6x faster here

from datarank import DataRankError

#: Compressed bytes read, and most uncompressed bytes produced, per step.
CHUNK = 4 << 20
#: Pipe capacity asked for (Linux; the default is 64 KB): fewer hand-overs between the threads.
_PIPE_SIZE = 1 << 20
#: What the pipe changes before DuckDB sees it: `\r` ends a line there, 0x1E ends its column.
LINE_SAFE = bytes.maketrans(b"\r\x1e", b"\t\x1f")


class _ReaderGone(Exception):
    """The pipe's reader closed its end first (it failed or was interrupted): its error is the one."""


def inflate(path: str | Path, sink: Callable[[bytes], object], fs: Any = None) -> None:
    """Decompress every gzip member of `path` (on the fsspec filesystem `fs`, else local) into
    `sink`, in chunks of at most CHUNK bytes.

    Raises:
        zlib.error: bad deflate data, a CRC or length mismatch, or a stream cut short.
    """
    with fs.open(str(path), "rb") if fs is not None else Path(path).open("rb") as handle:
        decompressor, fresh = zlib.decompressobj(wbits=31), True
        while chunk := handle.read(CHUNK):
            while chunk:
                sink(decompressor.decompress(chunk, CHUNK))
                fresh, chunk = False, decompressor.unconsumed_tail
                if decompressor.eof:  # the next member of a multi-member file, if any
                    chunk = decompressor.unused_data
                    decompressor, fresh = zlib.decompressobj(wbits=31), True
        if not fresh:
            raise zlib.error("the stream ends inside a member (truncated)")


class GzipPipe:
    """`with GzipPipe(path, name, fs) as source:` — `source` is a path DuckDB reads the lines from.

    `path` is read from the fsspec filesystem `fs` (a local file when `fs` is None). On leaving,
    the feeding thread is stopped and joined; if the file could not be read whole (a damaged gzip
    stream, the disk, the store), that is the error raised, even when DuckDB failed first on what
    it was fed.
    """

    def __init__(self, path: str | Path, name: str, fs: Any = None) -> None:
        self.path = path
        self.name = name
        self.fs = fs
        self._error: BaseException | None = None
        self._read_fd = -1
        self._write_fd = -1
        self._thread: threading.Thread | None = None

    def __enter__(self) -> str:
        self._read_fd, self._write_fd = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # Linux only; a smaller pipe works too
            fcntl.fcntl(self._write_fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        label = str(self.path).rsplit("/", 1)[-1]
        self._thread = threading.Thread(target=self._feed, name=f"gunzip {label}", daemon=True)
        self._thread.start()
        return f"/dev/fd/{self._read_fd}"

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        os.close(self._read_fd)  # a feeder blocked on a full pipe now gets EPIPE and stops
        assert self._thread is not None
        self._thread.join()
        error = self._error
        if error is None or (kind is not None and not issubclass(kind, Exception)):
            return  # nothing went wrong feeding, or the reader was stopped (Ctrl-C): that goes up
        what = "corrupt gzip" if isinstance(error, zlib.error) else "cannot be read"
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise DataRankError(f"{self.name}: {what} ({lines[0]})") from None

    def _feed(self) -> None:
        try:
            self._inflate()
        except _ReaderGone:
            pass
        except Exception as error:  # noqa: BLE001 - zlib's, the disk's or the store's: raised on leaving
            self._error = error
        finally:
            os.close(self._write_fd)

    def _inflate(self) -> None:
        inflate(self.path, self._write, self.fs)

    def _write(self, data: bytes) -> None:
        # Finding a byte costs ~0.05 ms per MB, translating ~0.7 ms: part files hold neither.
        if b"\r" in data or b"\x1e" in data:
            data = data.translate(LINE_SAFE)
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._write_fd, view):]
            except BrokenPipeError:  # only the pipe's: a store's broken connection is an error
                raise _ReaderGone from None


class GzipBatchPipe(GzipPipe):
    """`with GzipBatchPipe(paths, name) as source:` — the lines of every local file of `paths`, in
    order.

    A file whose last line has no `\\n` gets one, so that no line runs into the next file's. After
    the `with`, `lines[i]` is how many lines file i holds (split on `\\n`, a last line without one
    included): DuckDB's rows, numbered on through the files.
    """

    def __init__(self, paths: list[Path], name: str) -> None:
        super().__init__(paths[0], name)
        self.paths = paths
        self.lines: list[int] = []
        self._newlines, self._last = 0, b"\n"

    def _inflate(self) -> None:
        for path in self.paths:
            self._newlines, self._last = 0, b"\n"
            inflate(path, self._write_counted)
            if self._last != b"\n":
                self._write(b"\n")
            self.lines.append(self._newlines + (self._last != b"\n"))

    def _write_counted(self, data: bytes) -> None:
        if data:
            self._newlines += data.count(b"\n")
            self._last = data[-1:]
            self._write(data)
