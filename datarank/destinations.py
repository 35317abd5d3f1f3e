"""Where an export goes: a local file, standard output (`-`), or any fsspec URL (`s3://…`, `gs://…`,
`az://…`, `file://…`), and how it gets there whole or not at all.

The file is always written locally first (`staging_file`), then delivered (`deliver`):
- a local path: the file is written beside its target and renamed over it (atomic on POSIX);
- `-`: its bytes are copied to standard output;
- an object store (S3, GCS, Azure): uploaded to the key itself. An object appears only once its
  upload completes (one PUT, or a multipart upload that s3fs aborts on failure), so a reader sees
  the previous object or the new one, never part of it;
- any other fsspec filesystem: uploaded under a temporary name beside the target, then moved over it.

Credentials come from where the filesystem's library looks for them: for S3 the environment
(`AWS_ACCESS_KEY_ID`, …), `AWS_PROFILE` and its config files, instance roles, and
`AWS_ENDPOINT_URL` for other S3-compatible stores.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlparse

from datarank import DataRankError
from datarank.redact import redact

STDOUT = "-"
#: Filesystems whose objects appear whole once their upload completes (no rename needed, and none
#: to be had: a "rename" there is a copy).
OBJECT_STORES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl")


def is_url(destination: str) -> bool:
    return "://" in destination


def suffix(destination: str) -> str:
    """The extension of the destination's file name, lower-case, without the dot ('' for `-`)."""
    if destination == STDOUT:
        return ""
    path = urlparse(destination).path if is_url(destination) else destination
    return PurePosixPath(path).suffix.lstrip(".").lower()


def check_destination(destination: str) -> None:
    """Refuse a local destination whose folder does not exist (before any work)."""
    if destination != STDOUT and not is_url(destination) and not Path(destination).parent.is_dir():
        raise DataRankError(f"export: folder {Path(destination).parent} does not exist")


@contextmanager
def staging_file(destination: str) -> Iterator[Path]:
    """A local path to write the export to before `deliver`: beside a local destination (so the
    rename is atomic), else in the temporary folder (`TMPDIR`; it must hold the whole file). Removed
    afterwards if still there."""
    if destination == STDOUT or is_url(destination):
        folder = Path(tempfile.mkdtemp(prefix="datarank-export-"))
        try:
            yield folder / f"export-{uuid.uuid4().hex[:8]}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    target = Path(destination)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def deliver(local: Path, destination: str, stdout: BinaryIO | None = None) -> None:
    """Move the finished local file to `destination`, whole or not at all (see the module docstring).

    Raises:
        DataRankError: the destination cannot be written (one line, credentials masked).
    """
    try:
        if destination == STDOUT:
            stream = stdout or sys.stdout.buffer
            with open(local, "rb") as handle:
                shutil.copyfileobj(handle, stream, 1 << 20)
            stream.flush()
        elif not is_url(destination):
            local.replace(destination)
        else:
            _upload(local, destination)
    except Exception as error:  # noqa: BLE001 - the edge of a write: any failure of the filesystem (botocore's own errors too) is one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataRankError(redact(f"export: cannot write {destination}: {first}")) from None


def _upload(local: Path, destination: str) -> None:
    import fsspec

    fs, path = fsspec.core.url_to_fs(destination)
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    if any(protocol in OBJECT_STORES for protocol in protocols):
        fs.put_file(str(local), path)
        return
    parent, name = path.rsplit("/", 1) if "/" in path else ("", path)
    temporary = f"{parent}/.{name}.{uuid.uuid4().hex[:8]}.partial" if parent else f".{name}.partial"
    try:
        fs.put_file(str(local), temporary)
        fs.mv(temporary, path)
    except BaseException:
        try:
            fs.rm(temporary)
        except (OSError, ValueError):
            pass
        raise
