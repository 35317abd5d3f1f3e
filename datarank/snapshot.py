"""Find the files of an OpenAlex works snapshot from its manifest.

This module knows the OpenAlex bucket layouts and nothing of DataRank. OpenAlex rewrites part files
in place during a release and writes the manifest last, so the manifest — never a glob — says which
files make the snapshot, and each file's size is checked against it before it is accepted.

Layouts (SPEC §3), by the folder that holds the manifest (the "works folder"):
  parquet (June 2026 on): ``data/parquet/works/manifest.json`` (``files[].url``, ``files[].meta``,
      totals at the top level); parts ``updated_date=D/part_NNNN.parquet``; deletions in
      ``deleted_ids.csv`` (``work_id,deleted_date``) beside the manifest.
  jsonl (June 2026 on): the same under ``data/jsonl/works/``, parts ``part_NNNN.gz`` (gzip JSON Lines).
  legacy (2022 – early 2026): ``data/works/manifest`` (``entries[].url``, ``entries[].meta``, totals
      in ``meta``); parts ``updated_date=D/part_NNN.gz`` or ``part_NNNN.gz``. Since June 2026 the
      same tree sits under ``legacy-data/``.
  Merged works, any layout: ``data/merged_ids/works/*.csv.gz`` (``merge_date,id,merge_into_id``).

`--snapshot` may name the bucket root, its ``data/`` folder, a ``data/jsonl`` or ``data/parquet``
folder, or a works folder. Where one root holds several layouts the newest wins: parquet, then jsonl,
then legacy (``data/works``, then ``legacy-data/works``); point at a folder to choose another.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

import fsspec

from datarank import DataRankError

#: Each layout: its works folder from the bucket root and the manifest's name there, newest first.
LAYOUTS: tuple[tuple[str, str, str], ...] = (
    ("parquet", "data/parquet/works", "manifest.json"),
    ("jsonl", "data/jsonl/works", "manifest.json"),
    ("legacy", "data/works", "manifest"),
    ("legacy", "legacy-data/works", "manifest"),
)
#: Where the merged-work lists sit, from the bucket root.
MERGED_IDS_DIR = "data/merged_ids/works"

_PARTITION_RE = re.compile(r"updated_date=(\d{4}-\d{2}-\d{2})")
_PART_RE = re.compile(r"part_(\d+)(?:\.[A-Za-z0-9]+)+$")

#: fsspec options for s3:// URLs. Retries: botocore's adaptive mode (exponential backoff with
#: jitter, client-side rate limiting; throttling, 5xx and connection errors) plus s3fs's own
#: retries around each call, so a throttled or reset request is retried instead of failing a
#: multi-hour ingest. Reads are ranged requests of
#: `default_block_size`, so a part file is streamed, never held whole.
S3_OPTIONS: dict[str, Any] = {
    "config_kwargs": {"retries": {"max_attempts": 10, "mode": "adaptive"}, "connect_timeout": 30, "read_timeout": 120},
    "default_block_size": 8 * 2**20,
    "default_cache_type": "readahead",
    # A new client and empty listing cache for every run: a long-lived process (a Prefect worker)
    # must not see yesterday's listing of files OpenAlex has since rewritten in place.
    "skip_instance_cache": True,
}
#: The public OpenAlex bucket: read anonymously, in its region.
OPENALEX_BUCKET = "openalex"
OPENALEX_REGION = "us-east-1"


@dataclass(frozen=True)
class SnapshotFile:
    """One part file named by the manifest.

    Attributes:
        key: Where the file sits in its layout, e.g. ``data/works/updated_date=2024-01-01/part_000.gz``;
            the same for every mirror of the release, so it identifies the file in the lake.
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
    """A works snapshot as its manifest describes it.

    Attributes:
        layout: ``legacy``, ``jsonl`` or ``parquet`` (see the module docstring).
        file_format: How part files are read: ``jsonl`` (gzip JSON Lines) or ``parquet``.
        works_dir: The folder that holds the manifest and the ``updated_date=`` partitions.
    """

    uri: str
    layout: str
    file_format: str
    root: str
    works_dir: str
    manifest_url: str
    files: tuple[SnapshotFile, ...]
    merged_id_files: tuple[str, ...]
    deleted_id_files: tuple[str, ...]
    manifest_record_count: int | None
    manifest_content_length: int | None
    fs: Any = field(compare=False)  # fsspec.AbstractFileSystem

    @property
    def is_local(self) -> bool:
        return _is_local(self.fs)

    def describe(self) -> str:
        """One line for the operator: which layout was found where."""
        return f"{self.layout} layout ({self.file_format} parts) at {self.works_dir}: {len(self.files):,} part files"


@dataclass(frozen=True)
class FileState:
    """What the store says about a part file now: its size and a fingerprint of its content (the
    S3 ETag, or the modification time on a local disk), so a file rewritten in place is noticed."""

    size: int
    fingerprint: str


def storage_options(uri: str) -> dict[str, Any]:
    """fsspec options for `uri`.

    ``s3://openalex`` is read anonymously in us-east-1. Other s3:// URLs use the usual AWS
    configuration (``AWS_PROFILE``, credentials files, instance roles). ``AWS_ENDPOINT_URL`` /
    ``AWS_ENDPOINT_URL_S3`` point either at another S3-compatible store (botocore reads them).
    Anything else fsspec knows (``gs://``, ``https://``, …) uses fsspec's own defaults and its
    ``FSSPEC_<PROTOCOL>_<OPTION>`` environment variables. ``DATARANK_S3_MAX_ATTEMPTS`` overrides
    botocore's attempts per request (10) and s3fs's retries around them (5): by default a store
    that keeps answering 503 is given up on after minutes, not seconds.
    """
    protocol, _, rest = uri.partition("://")
    if protocol not in ("s3", "s3a"):
        return {}
    options = json.loads(json.dumps(S3_OPTIONS))  # a deep copy
    if attempts := s3_max_attempts():  # botocore's attempts per request
        options["config_kwargs"]["retries"]["max_attempts"] = attempts
    if rest.split("/", 1)[0] == OPENALEX_BUCKET:
        options["anon"] = True
        options["client_kwargs"] = {"region_name": OPENALEX_REGION}
    elif region := os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"):
        options["client_kwargs"] = {"region_name": region}
    return options


def s3_max_attempts() -> int | None:
    """``DATARANK_S3_MAX_ATTEMPTS``, if set: the attempts both botocore and s3fs make per request."""
    attempts = os.environ.get("DATARANK_S3_MAX_ATTEMPTS")
    return int(attempts) if attempts else None


def open_snapshot(uri: str, options: dict[str, Any] | None = None) -> Snapshot:
    """Locate the manifest under `uri`, parse it and list the files of the snapshot.

    Raises:
        DataRankError: no manifest is found, it cannot be parsed, or it lists a file twice.
    """
    try:
        fs, base = fsspec.core.url_to_fs(uri, **(storage_options(uri) if options is None else options))
    except (ImportError, ValueError) as error:
        raise DataRankError(f"cannot open {uri}: {error}") from None
    base = base.rstrip("/") or "/"
    if (attempts := s3_max_attempts()) and hasattr(fs, "retries"):
        fs.retries = attempts  # s3fs's own retries around botocore's (5 by default)
    fs.invalidate_cache()
    layout, works_dir, manifest_path = _find_manifest(fs, base, uri)
    manifest = _read_manifest(fs, manifest_path)
    entries, totals = _manifest_entries(manifest, layout, _display(fs, manifest_path))
    file_format = _file_format(layout, manifest, entries)
    canonical = _canonical_works_dir(layout, works_dir)
    files = tuple(
        sorted(
            (_snapshot_file(fs, works_dir, canonical, entry) for entry in entries),
            key=lambda f: (f.partition, f.part, f.key),
        )
    )
    keys = [f.key for f in files]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})[0]
        raise DataRankError(f"the manifest {_display(fs, manifest_path)} lists {twice} twice")
    root = _strip_suffix(works_dir, canonical)
    return Snapshot(
        uri=uri,
        layout=layout,
        file_format=file_format,
        root=_display(fs, root),
        works_dir=_display(fs, works_dir),
        manifest_url=_display(fs, manifest_path),
        files=files,
        merged_id_files=_merged_id_files(fs, root),
        deleted_id_files=_deleted_id_files(fs, works_dir, layout),
        manifest_record_count=_int_or_none(totals.get("record_count")),
        manifest_content_length=_int_or_none(totals.get("content_length")),
        fs=fs,
    )


def file_states(snapshot: Snapshot) -> dict[str, FileState]:
    """Size and fingerprint of every part file the manifest names, by key; absent files are left out.

    One recursive listing of the works folder (a few LIST requests on S3, not one HEAD per file);
    a file the listing missed is asked for on its own.
    """
    fs = snapshot.fs
    works_dir = _fs_path(fs, snapshot.works_dir)
    try:
        listing = fs.find(works_dir, detail=True)
    except (FileNotFoundError, NotADirectoryError):
        listing = {}
    except Exception as error:  # noqa: BLE001 - the store's own errors
        raise DataRankError(f"cannot list {snapshot.works_dir}: {_first_line(error)}") from None
    by_path = {_normal(path): info for path, info in listing.items()}
    states: dict[str, FileState] = {}
    for file in snapshot.files:
        info = by_path.get(_normal(_fs_path(fs, file.url)))
        if info is None:
            try:
                info = fs.info(_fs_path(fs, file.url))
            except FileNotFoundError:
                continue
            except Exception as error:  # noqa: BLE001 - the store's own errors
                raise DataRankError(f"{file.url}: cannot be read ({_first_line(error)})") from None
        states[file.key] = FileState(size=int(info.get("size") or 0), fingerprint=_fingerprint(info))
    return states


def verify_file(file: SnapshotFile, state: FileState | None) -> None:
    """Refuse a part file that is missing or whose size differs from the manifest's.

    A size mismatch means the release is still being written or the copy is truncated; reading it
    would silently lose records.
    """
    if state is None:
        raise DataRankError(f"{file.url}: listed in the manifest but missing")
    if file.content_length is not None and state.size != file.content_length:
        raise DataRankError(
            f"{file.url}: {state.size} bytes but the manifest says {file.content_length}; "
            "the copy is incomplete or the release is still being written"
        )


def fs_path(snapshot: Snapshot, url: str) -> str:
    """The path of `url` inside the snapshot's filesystem (what fsspec calls expect)."""
    return _fs_path(snapshot.fs, url)


# ---------------------------------------------------------------- finding the manifest
def _find_manifest(fs: Any, base: str, uri: str) -> tuple[str, str, str]:
    """(layout, works folder, manifest path) for what `base` points at; newest layout first."""
    refused: list[str] = []
    for layout, works_dir, manifest_name in LAYOUTS:
        parts = works_dir.split("/")
        # `base` may be the root (k = 0), or the root plus the first k folders of works_dir.
        for k in range(len(parts), -1, -1):
            inside = "/".join(parts[:k])
            if k and not _ends_with(base, inside):
                continue
            candidate_dir = posixpath.join(base, *parts[k:]) if parts[k:] else base
            manifest_path = posixpath.join(candidate_dir, manifest_name)
            if _isfile(fs, manifest_path, refused):
                return layout, candidate_dir, manifest_path
    # A works folder copied somewhere without the bucket's folder names.
    for manifest_name, layout in (("manifest.json", None), ("manifest", "legacy")):
        manifest_path = posixpath.join(base, manifest_name)
        if _isfile(fs, manifest_path, refused):
            return layout or _layout_of_manifest(fs, manifest_path), base, manifest_path
    if refused:
        raise DataRankError(
            f"no readable OpenAlex works manifest under {uri}: access was refused ({refused[0]}); "
            "check the store's permissions or your credentials"
        )
    raise DataRankError(
        f"no OpenAlex works manifest under {uri} (looked for data/parquet/works/manifest.json, "
        "data/jsonl/works/manifest.json and data/works/manifest); point --snapshot at the bucket "
        "root, its data/ folder or a works folder"
    )


def _layout_of_manifest(fs: Any, manifest_path: str) -> str:
    manifest = _read_manifest(fs, manifest_path)
    fmt = str(manifest.get("format", "")).lower() if isinstance(manifest, dict) else ""
    return "parquet" if fmt == "parquet" else "jsonl"


def _isfile(fs: Any, path: str, refused: list[str] | None = None) -> bool:
    """Whether `path` is a file; False where it is absent, or hidden (S3 answers 403 for a missing
    key to whoever may not list the bucket: noted in `refused`). Other errors are the store's."""
    try:
        return fs.info(path).get("type") == "file"
    except (FileNotFoundError, NotADirectoryError):
        return False
    except PermissionError as error:
        if refused is not None:
            refused.append(f"{_display(fs, path)}: {_first_line(error)}")
        return False
    except Exception as error:  # noqa: BLE001 - the store's own errors (no credentials, no endpoint, …)
        raise DataRankError(f"cannot look for a manifest at {_display(fs, path)}: {_first_line(error)}") from None


def _read_manifest(fs: Any, manifest_path: str) -> Any:
    try:
        with fs.open(manifest_path, "rb") as handle:
            return json.load(handle)
    except Exception as error:  # noqa: BLE001 - not JSON, or the store's own errors
        raise DataRankError(f"cannot read the manifest {_display(fs, manifest_path)}: {_first_line(error)}") from None


def _manifest_entries(manifest: Any, layout: str, where: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not isinstance(manifest, dict):
        raise DataRankError(f"the works manifest {where} is not a JSON object")
    if layout == "legacy":
        entries, totals = manifest.get("entries"), manifest.get("meta") or {}
    else:
        entries, totals = manifest.get("files"), manifest
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("url") for e in entries):
        key = "entries" if layout == "legacy" else "files"
        raise DataRankError(f"the works manifest {where} ({layout} layout) has no list `{key}` of entries with urls")
    return entries, totals if isinstance(totals, dict) else {}


def _file_format(layout: str, manifest: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    """Parquet or gzip JSON Lines: the manifest's `format` where it says, else the file names."""
    if layout == "legacy":
        return "jsonl"
    fmt = str(manifest.get("format", "")).lower()
    if fmt in ("parquet", "jsonl", "json", "ndjson"):
        return "parquet" if fmt == "parquet" else "jsonl"
    if entries and all(str(e["url"]).endswith(".parquet") for e in entries):
        return "parquet"
    return "jsonl" if layout == "jsonl" else "parquet"


def _canonical_works_dir(layout: str, works_dir: str) -> str:
    """The layout's works folder from the bucket root (legacy-data/works where the tree moved)."""
    for name, canonical, _ in LAYOUTS:
        if name == layout and _ends_with(works_dir, canonical):
            return canonical
    return next(canonical for name, canonical, _ in LAYOUTS if name == layout)


def _snapshot_file(fs: Any, works_dir: str, canonical: str, entry: dict[str, Any]) -> SnapshotFile:
    url = str(entry["url"])
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    relative = _relative_to_works_dir(url, canonical)
    key = posixpath.normpath(posixpath.join(canonical, relative))
    partition = _PARTITION_RE.search(relative)
    part = _PART_RE.search(relative)
    return SnapshotFile(
        key=key,
        url=_display(fs, posixpath.join(works_dir, relative)),
        partition=partition.group(1) if partition else "",
        part=int(part.group(1)) if part else 0,
        content_length=_int_or_none(meta.get("content_length")),
        record_count=_int_or_none(meta.get("record_count")),
    )


def _relative_to_works_dir(url: str, canonical: str) -> str:
    """A manifest url, relative to the works folder.

    Urls name the bucket they were written for (``s3://openalex/data/works/updated_date=…``, or the
    same without ``s3://``), not the mirror being read, and the legacy tree's urls kept saying
    ``data/works`` after it moved to ``legacy-data/``. So a url is taken from its ``updated_date=``
    folder on, and read from the works folder where the manifest actually is.
    """
    match = _PARTITION_RE.search(url)
    if match:
        start = url.rfind("/", 0, match.start()) + 1
        return url[start:]
    marker = canonical + "/"
    position = url.find(marker)
    if position >= 0:
        return url[position + len(marker):]
    if "://" in url or url.startswith("/"):
        raise DataRankError(f"the manifest names {url}, which is not under a works folder")
    return url


def _merged_id_files(fs: Any, root: str) -> tuple[str, ...]:
    folder = posixpath.join(root, MERGED_IDS_DIR)
    try:
        if not fs.isdir(folder):
            return ()
        names = fs.ls(folder, detail=False)
    except PermissionError:
        return ()
    return tuple(sorted(_display(fs, p) for p in names if str(p).endswith((".csv.gz", ".csv"))))


def _deleted_id_files(fs: Any, works_dir: str, layout: str) -> tuple[str, ...]:
    if layout == "legacy":
        return ()
    path = posixpath.join(works_dir, "deleted_ids.csv")
    return (_display(fs, path),) if _isfile(fs, path) else ()


# ---------------------------------------------------------------- paths
def _fingerprint(info: dict[str, Any]) -> str:
    for key in ("ETag", "etag", "md5Hash", "md5", "checksum", "crc32c"):
        if info.get(key):
            return f"{key}={str(info[key]).strip(chr(34))}"
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified"):
        if info.get(key) is not None:
            return f"{key}={info[key]}"
    return f"size={info.get('size')}"


def _is_local(fs: Any) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def _display(fs: Any, path: str) -> str:
    return path if _is_local(fs) else fs.unstrip_protocol(path)


def _fs_path(fs: Any, url: str) -> str:
    return url if _is_local(fs) else fs._strip_protocol(url)


def _normal(path: str) -> str:
    return posixpath.normpath(str(path)).lstrip("/")


def _ends_with(path: str, suffix: str) -> bool:
    return path == suffix or path.endswith("/" + suffix)


def _strip_suffix(path: str, suffix: str) -> str:
    if _ends_with(path, suffix):
        return path[: -len(suffix)].rstrip("/") or "/"
    return posixpath.normpath(posixpath.join(path, *([".."] * len(suffix.split("/")))))


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
