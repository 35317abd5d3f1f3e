"""Find the files of an OpenAlex works snapshot from its manifest.

This module knows the OpenAlex bucket layouts and nothing of DataRank. OpenAlex rewrites part files
in place during a release and writes the manifest last, so the manifest — never a glob — says which
files make the snapshot, and each file's size is checked against it before it is accepted.

Layouts (SPEC §3):
  legacy (2022 – early 2026): ``data/works/manifest`` with ``entries[].url`` and
      ``entries[].meta.{content_length, record_count}``; parts ``data/works/updated_date=D/part_NNN.gz``;
      merged works in ``data/merged_ids/works/*.csv.gz`` (``merge_date,id,merge_into_id``).
  jsonl (June 2026 on): ``data/jsonl/works/manifest.json`` with ``files[].url`` and ``files[].meta``;
      deletions in ``data/jsonl/works/deleted_ids.csv`` (``work_id,deleted_date``).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

import fsspec

from datarank import DataRankError

#: Where a manifest may sit relative to what `--snapshot` points at, newest layout first.
#: (layout, manifest path relative to the given folder, path from the bucket root to that folder)
_MANIFEST_CANDIDATES: tuple[tuple[str, str, str], ...] = (
    ("jsonl", "data/jsonl/works/manifest.json", ""),
    ("jsonl", "jsonl/works/manifest.json", "data"),
    ("jsonl", "manifest.json", "data/jsonl/works"),
    ("legacy", "data/works/manifest", ""),
    ("legacy", "works/manifest", "data"),
    ("legacy", "manifest", "data/works"),
)

_WORKS_DIR = {"legacy": "data/works", "jsonl": "data/jsonl/works"}
_PARTITION_RE = re.compile(r"updated_date=(\d{4}-\d{2}-\d{2})")
_PART_RE = re.compile(r"part_(\d+)\.[A-Za-z.]+$")


@dataclass(frozen=True)
class SnapshotFile:
    """One part file named by the manifest.

    Attributes:
        key: Path from the bucket root, e.g. ``data/works/updated_date=2024-01-01/part_000.gz``;
            stable across mirrors of the same release, so it identifies the file in the lake.
        url: Where to read it (a local path or an fsspec URL).
        partition: The ``updated_date=`` value of its folder.
        part: The number in ``part_NNN``.
        content_length: Size in bytes according to the manifest (None if the manifest omits it).
        record_count: Records according to the manifest (None if omitted).
    """

    key: str
    url: str
    partition: str
    part: int
    content_length: int | None
    record_count: int | None


@dataclass(frozen=True)
class Snapshot:
    """A works snapshot as its manifest describes it."""

    uri: str
    layout: str
    root: str
    manifest_url: str
    files: tuple[SnapshotFile, ...]
    merged_id_files: tuple[str, ...]
    deleted_id_files: tuple[str, ...]
    manifest_record_count: int | None
    manifest_content_length: int | None
    fs: Any  # fsspec.AbstractFileSystem; Any keeps dataclass equality cheap

    @property
    def is_local(self) -> bool:
        return _is_local(self.fs)


def open_snapshot(uri: str, storage_options: dict[str, Any] | None = None) -> Snapshot:
    """Locate the manifest under `uri`, parse it and list the files of the snapshot.

    Raises:
        DataRankError: no manifest is found, or it cannot be parsed.
    """
    fs, base = fsspec.core.url_to_fs(uri, **(storage_options or _default_storage_options(uri)))
    base = base.rstrip("/")
    for layout, relative, root_to_base in _MANIFEST_CANDIDATES:
        manifest_path = posixpath.join(base, relative)
        if fs.isfile(manifest_path):
            break
    else:
        raise DataRankError(
            f"no OpenAlex works manifest under {uri} (looked for data/jsonl/works/manifest.json and "
            "data/works/manifest); point --snapshot at the bucket root, its data/ folder or a works folder"
        )
    root = _strip_suffix(base, root_to_base)
    try:
        with fs.open(manifest_path, "rb") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise DataRankError(f"cannot read the manifest {_display(fs, manifest_path)}: {error}") from None

    entries, totals = _manifest_entries(manifest, layout)
    files = tuple(
        sorted(
            (_snapshot_file(fs, root, layout, entry, manifest_path) for entry in entries),
            key=lambda f: (f.partition, f.part, f.key),
        )
    )
    keys = [f.key for f in files]
    if len(set(keys)) != len(keys):
        raise DataRankError(f"the manifest {_display(fs, manifest_path)} lists a file twice")
    return Snapshot(
        uri=uri,
        layout=layout,
        root=_display(fs, root),
        manifest_url=_display(fs, manifest_path),
        files=files,
        merged_id_files=_merged_id_files(fs, root, layout),
        deleted_id_files=_deleted_id_files(fs, root, layout),
        manifest_record_count=_int_or_none(totals.get("record_count")),
        manifest_content_length=_int_or_none(totals.get("content_length")),
        fs=fs,
    )


def verify_file(snapshot: Snapshot, file: SnapshotFile) -> None:
    """Refuse a part file that is missing or whose size differs from the manifest's.

    A size mismatch means the release is still being written or the copy is truncated; reading it
    would silently lose records.
    """
    path = _fs_path(snapshot.fs, file.url)
    try:
        size = snapshot.fs.size(path)
    except FileNotFoundError:
        raise DataRankError(f"{file.url}: listed in the manifest but missing") from None
    except OSError as error:
        raise DataRankError(f"{file.url}: cannot be read ({error})") from None
    if file.content_length is not None and size != file.content_length:
        raise DataRankError(
            f"{file.url}: {size} bytes but the manifest says {file.content_length}; "
            "the copy is incomplete or the release is still being written"
        )


def _manifest_entries(manifest: Any, layout: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not isinstance(manifest, dict):
        raise DataRankError("the works manifest is not a JSON object")
    if layout == "legacy":
        entries, totals = manifest.get("entries"), manifest.get("meta") or {}
    else:
        entries, totals = manifest.get("files"), manifest
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("url") for e in entries):
        raise DataRankError(f"the works manifest ({layout} layout) has no list of file entries with urls")
    return entries, totals if isinstance(totals, dict) else {}


def _snapshot_file(fs: Any, root: str, layout: str, entry: dict[str, Any], manifest_path: str) -> SnapshotFile:
    url = str(entry["url"])
    meta = entry.get("meta") or {}
    key = _key_from_url(url, layout)
    if key is None:  # a url relative to the manifest's folder
        key = posixpath.normpath(posixpath.join(_WORKS_DIR[layout], url))
    partition = _PARTITION_RE.search(key)
    part = _PART_RE.search(key)
    return SnapshotFile(
        key=key,
        url=_display(fs, posixpath.join(root, key)),
        partition=partition.group(1) if partition else "",
        part=int(part.group(1)) if part else 0,
        content_length=_int_or_none(meta.get("content_length")),
        record_count=_int_or_none(meta.get("record_count")),
    )


def _key_from_url(url: str, layout: str) -> str | None:
    """`s3://openalex/data/works/x/part_000.gz` and `openalex/data/works/...` → `data/works/x/part_000.gz`."""
    marker = _WORKS_DIR[layout] + "/"
    position = url.find(marker)
    if position < 0:
        return None
    if position > 0 and url[position - 1] != "/":
        return None
    if layout == "legacy" and url[:position].endswith("legacy-"):
        return None
    return url[position:]


def _merged_id_files(fs: Any, root: str, layout: str) -> tuple[str, ...]:
    if layout != "legacy":
        return ()
    folder = posixpath.join(root, "data/merged_ids/works")
    if not fs.isdir(folder):
        return ()
    return tuple(sorted(_display(fs, p) for p in fs.ls(folder, detail=False) if p.endswith((".csv.gz", ".csv"))))


def _deleted_id_files(fs: Any, root: str, layout: str) -> tuple[str, ...]:
    if layout == "legacy":
        return ()
    path = posixpath.join(root, _WORKS_DIR[layout], "deleted_ids.csv")
    return (_display(fs, path),) if fs.isfile(path) else ()


def _default_storage_options(uri: str) -> dict[str, Any]:
    # The OpenAlex bucket is public: read it anonymously unless the user configured credentials.
    if uri.startswith("s3://openalex"):
        return {"anon": True, "client_kwargs": {"region_name": "us-east-1"}}
    return {}


def _is_local(fs: Any) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def _display(fs: Any, path: str) -> str:
    return path if _is_local(fs) else fs.unstrip_protocol(path)


def _fs_path(fs: Any, url: str) -> str:
    return url if _is_local(fs) else fs._strip_protocol(url)


def _strip_suffix(path: str, suffix: str) -> str:
    if not suffix:
        return path
    if path.endswith("/" + suffix) or path == suffix:
        return path[: -len(suffix)].rstrip("/")
    return posixpath.normpath(posixpath.join(path, *([".."] * len(suffix.split("/")))))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
