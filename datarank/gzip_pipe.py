"""A local gzip part file, decompressed once, checked as it goes, and handed to DuckDB through a pipe.

DuckDB's gzip reader does not check the CRC and may read a corrupt stream as garbage lines (which
would then be quarantined or, worse, mistaken for records), so every local part must be checked.
Checking it in a pass of its own decompressed each file twice (measured on 141 MB of JSON, one
core: Python's zlib 0.23 s, DuckDB's own gzip reader 0.15 s of its 0.20 s line split). Here a
thread decompresses the file with zlib — in C, releasing the GIL, checking each member's CRC and
length — into a pipe, and DuckDB reads the plain lines from the pipe's read end (`/dev/fd/N`, read
with `compression = 'none'`): one decompression, on a second core while DuckDB parses.

A damaged stream ends the feed early and raises `DataRankError` naming the file when the reader is
done (whatever DuckDB made of the lines it got is discarded by the caller). Remote files are not
fed this way: their size and ETag are checked, and the store checks its own transfers.

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

from isal import isal_zlib as zlib  # zlib's interface, ISA-L's inflate: 1.6x faster here

from datarank import DataRankError

#: Compressed bytes read, and most uncompressed bytes produced, per step.
CHUNK = 4 << 20
#: Pipe capacity asked for (Linux; the default is 64 KB): fewer hand-overs between the threads.
_PIPE_SIZE = 1 << 20


def inflate(path: Path, sink: Callable[[bytes], object]) -> None:
    """Decompress every gzip member of `path` into `sink`, in chunks of at most CHUNK bytes.

    Raises:
        zlib.error: bad deflate data, a CRC or length mismatch, or a stream cut short.
    """
    with path.open("rb") as handle:
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
    """`with GzipPipe(path, name) as source:` — `source` is a path DuckDB reads the lines from.

    On leaving, the feeding thread is stopped and joined; if the gzip stream was damaged, that is
    the error raised (even when DuckDB failed first on the garbage it was fed).
    """

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._error: BaseException | None = None
        self._read_fd = -1
        self._write_fd = -1
        self._thread: threading.Thread | None = None

    def __enter__(self) -> str:
        self._read_fd, self._write_fd = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # Linux only; a smaller pipe works too
            fcntl.fcntl(self._write_fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        self._thread = threading.Thread(target=self._feed, name=f"gunzip {self.path.name}", daemon=True)
        self._thread.start()
        return f"/dev/fd/{self._read_fd}"

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        os.close(self._read_fd)  # a feeder blocked on a full pipe now gets EPIPE and stops
        assert self._thread is not None
        self._thread.join()
        if isinstance(self._error, zlib.error):
            raise DataRankError(f"{self.name}: corrupt gzip ({self._error})") from None
        if self._error is not None and kind is None:
            raise DataRankError(f"{self.name}: cannot be read ({self._error})") from None

    def _feed(self) -> None:
        try:
            inflate(self.path, self._write)
        except BrokenPipeError:
            pass  # the reader stopped first (it failed or was interrupted); its error is the one
        except (zlib.error, OSError) as error:
            self._error = error
        finally:
            os.close(self._write_fd)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._write_fd, view):]


class GzipBatchPipe(GzipPipe):
    """`with GzipBatchPipe(paths, name) as source:` — the lines of every file of `paths`, in order.

    A file whose last line has no `\\n` gets one, so that no line runs into the next file's. After
    the `with`, `lines[i]` is how many lines file i holds (split on `\\n`, a last line without one
    included) and `carriage_return` says whether any file holds a `\\r`: DuckDB also ends a line
    at a bare `\\r`, and then its rows are no longer the files' `\\n`-lines (the caller reads such
    files one by one).
    """

    def __init__(self, paths: list[Path], name: str) -> None:
        super().__init__(paths[0], name)
        self.paths = paths
        self.lines: list[int] = []
        self.carriage_return = False
        self._newlines, self._last = 0, b"\n"

    def _feed(self) -> None:
        try:
            for path in self.paths:
                self._newlines, self._last = 0, b"\n"
                inflate(path, self._write_counted)
                if self._last != b"\n":
                    self._write(b"\n")
                self.lines.append(self._newlines + (self._last != b"\n"))
        except BrokenPipeError:
            pass
        except (zlib.error, OSError) as error:
            self._error = error
        finally:
            os.close(self._write_fd)

    def _write_counted(self, data: bytes) -> None:
        if data:
            self._newlines += data.count(b"\n")
            self.carriage_return = self.carriage_return or b"\r" in data
            self._last = data[-1:]
            self._write(data)
