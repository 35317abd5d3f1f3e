"""The writers: a release laid out as the OpenAlex bucket does, one writer per layout.

A `Release` is what one OpenAlex release publishes: part files (lines per file, under their
`updated_date=` folder), merged ids and deleted ids. `release_files` lays it out in

- legacy (2022 – early 2026, SPEC §3): ``data/works/manifest``, gzip JSON Lines
  ``data/works/updated_date=…/part_NNN.gz``, merged-id lists ``data/merged_ids/works/<name>.csv.gz``;
  this layout has no deletion list: a deleted work is merged into `DELETED_SENTINEL`;
- June-2026 JSON Lines: ``data/jsonl/works/manifest.json``, ``part_NNNN.gz``, ``deleted_ids.csv``;
- June-2026 Parquet: ``data/parquet/works/…/part_NNNN.parquet`` (`PARQUET_SCHEMA`, the heavy columns
  a real file carries), the same ``deleted_ids.csv``;

each with its manifest (sizes and record counts) written last, as OpenAlex does. A line is a record
(a dict), or a `str`/`bytes` written verbatim, so a test can inject lines that are not JSON, not
objects, or carry U+2028 inside a string (the Parquet layout has no form for those and skips them).
`write_legacy_snapshot` is the legacy writer fed from ``{date: lines}``, for hand-made snapshots.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tests.factory.records import work_url

Line = dict[str, Any] | str | bytes
#: OpenAlex merges some works into this id, which is no work: the legacy layout's way to delete.
DELETED_SENTINEL = 4285719527
LAYOUT_DIRS = {"legacy": "data/works", "jsonl": "data/jsonl/works", "parquet": "data/parquet/works"}
MERGED_DIR = "data/merged_ids/works"


@dataclass(frozen=True)
class Merge:
    """One row of OpenAlex's merged-work lists: `id` merged into `into` on `date` (short ids, ``"W12"``).

    Rows are written in the order given into ``data/merged_ids/works/<file>.csv.gz``. OpenAlex names
    each list after a date; a work merged twice may sit twice in one list or once in each of two,
    and only `date` says which merge is the latest (docs/metric.md).
    """

    id: str
    into: str
    date: str = "2024-01-01"
    file: str = "2024-01-01"


@dataclass
class Release:
    """One release: part files by their path under the works folder, merges and deletions.

    `files` maps e.g. ``updated_date=2025-01-01/part_000`` (no extension: the layout adds it) to its
    lines. `merges` holds ``(merge_date, id, merge_into_id)`` with work numbers, written to the list
    ``2025-01-01.csv.gz``, or `Merge` rows (their own list); `deletions` ``(id, deleted_date)``.
    """

    files: dict[str, list[Line]] = field(default_factory=dict)
    merges: list[tuple[str, int, int] | Merge] = field(default_factory=list)
    deletions: list[tuple[int, str]] = field(default_factory=list)


# ---------------------------------------------------------------- file bodies
def line_bytes(item: Line) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    # ensure_ascii=False: real OpenAlex lines carry raw UTF-8 (including U+2028).
    return json.dumps(item, ensure_ascii=False).encode("utf-8")


def jsonl_gz(lines: Sequence[Line]) -> bytes:
    """A gzip JSON Lines part: each line, then a newline (the same bytes every time: mtime 0)."""
    return gzip.compress(b"".join(line_bytes(line) + b"\n" for line in lines), mtime=0)


_LOCATION = pa.struct([
    ("is_oa", pa.bool_()), ("landing_page_url", pa.string()), ("pdf_url", pa.string()),
    ("source", pa.struct([("id", pa.string()), ("display_name", pa.string()), ("type", pa.string()), ("issn_l", pa.string())])),
    ("license", pa.string()), ("version", pa.string()),
])
PARQUET_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("doi", pa.string()),
        ("title", pa.string()),
        ("display_name", pa.string()),
        ("publication_year", pa.int64()),
        ("type", pa.string()),
        ("cited_by_count", pa.int64()),
        ("referenced_works_count", pa.int64()),
        ("referenced_works", pa.list_(pa.string())),
        (
            "authorships",
            pa.list_(
                pa.struct(
                    [
                        ("author_position", pa.string()),
                        ("author", pa.struct([("id", pa.string()), ("display_name", pa.string()), ("orcid", pa.string())])),
                        ("institutions", pa.list_(pa.struct([("id", pa.string()), ("display_name", pa.string()),
                                                             ("ror", pa.string()), ("country_code", pa.string())]))),
                        ("countries", pa.list_(pa.string())),
                        ("raw_affiliation_strings", pa.list_(pa.string())),
                    ]
                )
            ),
        ),
        ("open_access", pa.struct([("is_oa", pa.bool_()), ("oa_status", pa.string()), ("oa_url", pa.string()),
                                   ("any_repository_has_fulltext", pa.bool_())])),
        ("is_retracted", pa.bool_()),
        ("updated_date", pa.timestamp("us")),
        ("abstract_inverted_index", pa.string()),
        ("ids", pa.map_(pa.string(), pa.string())),
        ("indexed_in", pa.list_(pa.string())),
        ("primary_location", _LOCATION),
        ("best_oa_location", _LOCATION),
        ("locations", pa.list_(_LOCATION)),
        ("funders", pa.list_(pa.struct([("id", pa.string()), ("display_name", pa.string()), ("ror", pa.string())]))),
        ("grants", pa.list_(pa.struct([("funder", pa.string()), ("award_id", pa.string())]))),
        ("awards", pa.list_(pa.struct([("id", pa.string()), ("display_name", pa.string())]))),
        ("mesh", pa.list_(pa.struct([("descriptor_ui", pa.string()), ("descriptor_name", pa.string()),
                                     ("is_major_topic", pa.bool_())]))),
        ("corresponding_author_ids", pa.list_(pa.string())),
        ("is_paratext", pa.bool_()),
        ("primary_topic", pa.struct([
            ("id", pa.string()), ("display_name", pa.string()), ("score", pa.float64()),
            *((level, pa.struct([("id", pa.string()), ("display_name", pa.string())])) for level in ("subfield", "field", "domain")),
        ])),
        ("fwci", pa.float64()),
        ("citation_normalized_percentile", pa.struct([("value", pa.float64()), ("is_in_top_1_percent", pa.bool_()),
                                                      ("is_in_top_10_percent", pa.bool_())])),
    ]
)


def parquet_bytes(lines: Sequence[Line], schema: pa.Schema = PARQUET_SCHEMA, row_group_size: int = 50) -> bytes:
    """Records as the June-2026 Parquet layout stores them: abstract_inverted_index as a JSON
    string, updated_date as a timestamp. Bad (non-JSON) lines have no Parquet form and are skipped."""
    rows = []
    for line in lines:
        if not isinstance(line, dict):
            continue
        row = dict(line)
        row["abstract_inverted_index"] = json.dumps(row.get("abstract_inverted_index"))
        if isinstance(row.get("ids"), dict):  # a MAP<string, string> in this layout; null values left out
            row["ids"] = [(key, value) for key, value in row["ids"].items() if value is not None]
        if row.get("updated_date"):
            row["updated_date"] = datetime.fromisoformat(row["updated_date"])
        rows.append({name: row.get(name) for name in schema.names})
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buffer, compression="zstd", row_group_size=row_group_size)
    return buffer.getvalue()


def records_in(lines: Sequence[Line], layout: str) -> int:
    return sum(1 for line in lines if layout != "parquet" or isinstance(line, dict))


# ---------------------------------------------------------------- manifests
def manifest_entry(url: str, content_length: int, record_count: int) -> dict[str, Any]:
    return {"url": url, "meta": {"content_length": content_length, "record_count": record_count}}


def manifest_totals(entries: Sequence[dict[str, Any]]) -> dict[str, int]:
    return {
        "content_length": sum(e["meta"]["content_length"] for e in entries),
        "record_count": sum(e["meta"]["record_count"] for e in entries),
    }


def legacy_manifest(entries: Sequence[dict[str, Any]]) -> bytes:
    """The legacy ``data/works/manifest``: every part file with its size and line count, and the totals."""
    return json.dumps({"entries": list(entries), "meta": manifest_totals(entries)}, indent=1).encode()


def write_manifest(path: Path, body: bytes) -> None:
    """Write a manifest in one step (beside it, then renamed): it is the completion marker a reader
    trusts, so it is never seen half written."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(body)
    partial.replace(path)


# ---------------------------------------------------------------- layouts
def release_files(release: Release, layout: str, url_prefix: str = "s3://openalex/") -> dict[str, bytes]:
    """Every file of `release` in `layout`, by path from the bucket root, the manifest last."""
    works_dir = LAYOUT_DIRS[layout]
    files: dict[str, bytes] = {}
    entries = []
    for name, lines in sorted(release.files.items()):
        if layout == "parquet":
            path, body = f"{works_dir}/{name}.parquet", parquet_bytes(lines)
        else:
            path, body = f"{works_dir}/{name}.gz", jsonl_gz(lines)
        files[path] = body
        entries.append(manifest_entry(f"{url_prefix}{path}", len(body), records_in(lines, layout)))
    rows = [m if isinstance(m, Merge) else Merge(f"W{m[1]}", f"W{m[2]}", m[0], "2025-01-01") for m in release.merges]
    if layout == "legacy":
        rows += [Merge(f"W{number}", f"W{DELETED_SENTINEL}", date, "2025-01-01") for number, date in release.deletions]
    lists: dict[str, list[Merge]] = {}
    for row in rows:
        lists.setdefault(row.file, []).append(row)
    for name, merged in lists.items():
        text = "merge_date,id,merge_into_id\n" + "".join(f"{m.date},{m.id},{m.into}\n" for m in merged)
        files[f"{MERGED_DIR}/{name}.csv.gz"] = gzip.compress(text.encode(), mtime=0)
    if layout != "legacy" and release.deletions:
        text = "work_id,deleted_date\n" + "".join(f"{work_url(number)},{date}\n" for number, date in release.deletions)
        files[f"{works_dir}/deleted_ids.csv"] = text.encode()
    if layout == "legacy":
        files[f"{works_dir}/manifest"] = legacy_manifest(entries)
    else:
        manifest = {"entity": "works", "format": layout, "date": "2026-06-01", "files": entries, **manifest_totals(entries)}
        files[f"{works_dir}/manifest.json"] = json.dumps(manifest, indent=1).encode()
    return files


def write_release(
    root: Path, release: Release, layout: str, url_prefix: str = "s3://openalex/", *, keep_unchanged: bool = True
) -> dict[str, bytes]:
    """Write `release` under `root` in `layout`, the manifest last. Returns what was written, by path.

    Args:
        keep_unchanged: Write it as a later release over an earlier one: files whose bytes did not
            change are left alone (so their modification time says they did not change), and part
            files and id lists of this layout that the release no longer has are removed. Several
            layouts may share a root (as the bucket does); they share its merged-id lists, so write
            the legacy one last. False: write every file, remove nothing.
    """
    root = Path(root)
    files = release_files(release, layout, url_prefix)
    if keep_unchanged:
        wanted = {root / path for path in files}
        for folder in (root / LAYOUT_DIRS[layout], root / MERGED_DIR):
            if folder.is_dir():
                for path in folder.rglob("*"):
                    if path.is_file() and path not in wanted:
                        path.unlink()
    manifests = [path for path in files if path.endswith(("manifest", "manifest.json"))]
    for path in [p for p in files if p not in manifests] + manifests:
        target = root / path
        if keep_unchanged and target.exists() and target.read_bytes() == files[path]:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path in manifests:
            write_manifest(target, files[path])
        else:
            target.write_bytes(files[path])
    return files


def write_legacy_snapshot(
    root: Path,
    partitions: Mapping[str, Sequence[Line]],
    merged: Iterable[tuple[str, str] | Merge] = (),
    parts_per_partition: int = 1,
    *,
    keep_unchanged: bool = False,
) -> Path:
    """Write a legacy-layout works snapshot under `root` and return `root`.

    Args:
        root: The bucket root (what `--snapshot` points at).
        partitions: ``{"2024-01-01": [record_or_line, ...]}``; each item is one line.
        merged: ``(id, merge_into_id)`` pairs, short ids (``"W12"``), dated 2024-01-01 and written to
            ``data/merged_ids/works/2024-01-01.csv.gz``, or `Merge` rows (their own date and list);
            none → no merged-id file.
        parts_per_partition: Split each partition's lines contiguously over this many part files
            (``part_000.gz`` holds the first lines).
        keep_unchanged: As `write_release`'s: a later release over an earlier one.
    """
    release = Release(merges=[row if isinstance(row, Merge) else Merge(*row) for row in merged])
    for date, items in partitions.items():
        for part, lines in enumerate(_chunks(list(items), parts_per_partition)):
            release.files[f"updated_date={date}/part_{part:03d}"] = list(lines)
    write_release(Path(root), release, "legacy", keep_unchanged=keep_unchanged)
    return Path(root)


def _chunks(items: Sequence[Line], parts: int) -> list[Sequence[Line]]:
    """Split contiguously: the first items go to part_000, the last to the last part."""
    size, rest = divmod(len(items), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < rest else 0)
        out.append(items[start:end])
        start = end
    return out
