"""Small OpenAlex snapshots written in each bucket layout, for the ingest tests.

A `Release` is what one OpenAlex release publishes: part files (records per file, under their
`updated_date=` folder), merged ids and deleted ids. The writers lay it out as the bucket does —
legacy (`data/works/manifest`, `part_NNN.gz`, `data/merged_ids/works/*.csv.gz`), June-2026 JSON
Lines (`data/jsonl/works/manifest.json`, `part_NNNN.gz`, `deleted_ids.csv`) and June-2026 Parquet
(`data/parquet/works/…/part_NNNN.parquet`, with the heavy columns a real file carries) — each
writing its manifest last, as OpenAlex does. Records are plain dicts in the snapshot's JSON shape.

Records carry the fields fair_v1 reads (`fair_fields`): drawn at random, messy the way any layout
can hold (odd case, stray spaces, empty strings and lists, nulls, a primary location missing from
`locations`, datasets), so the same records score the same in all three layouts.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

OPENALEX = "https://openalex.org/"
#: OpenAlex merges some works into this id, which is no work: the legacy layout's way to delete.
DELETED_SENTINEL = 4285719527


def work_url(number: int) -> str:
    return f"{OPENALEX}W{number}"


def record(
    number: int,
    cited_by_count: int | None = 0,
    references: list[int] | None = None,
    authors: list[int] | None = None,
    updated: str = "2025-01-01T00:00:00",
    referenced_works_count: int | None = None,
    year: int | None = 2020,
    work_type: str | None = "article",
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A work in the snapshot's JSON shape, with the heavy fields DataRank never reads."""
    references = references or []
    authors = authors or []
    rng = rng or random.Random(number)
    words = [f"w{rng.randrange(10_000)}" for _ in range(rng.randrange(5, 40))]
    fair = fair_fields(rng, number)
    return {
        "id": work_url(number),
        "doi": f"https://doi.org/10.1234/{number}" if number % 3 else None,
        "title": f"Work {number}",
        "display_name": f"Work {number}",
        "publication_year": year,
        "type": work_type,
        "cited_by_count": cited_by_count,
        "referenced_works_count": len(set(references)) if referenced_works_count is None else referenced_works_count,
        "referenced_works": [work_url(r) for r in references],
        "authorships": [
            {
                "author_position": "first" if i == 0 else "middle",
                "author": {"id": f"{OPENALEX}A{a}", "display_name": f"Author {a}", "orcid": fair["orcids"][i % 4]},
                "institutions": [{"id": f"{OPENALEX}I{a % 7}", "display_name": f"Institution {a % 7} " * 4,
                                  "ror": fair["rors"][i % 3]}],
                "raw_affiliation_strings": [f"Department {a}, University {a % 7}, Somewhere " * 2],
            }
            for i, a in enumerate(authors)
        ],
        "open_access": {"is_oa": number % 2 == 0, "oa_status": "gold" if number % 2 == 0 else "closed", "oa_url": None,
                        "any_repository_has_fulltext": fair["any_repository_has_fulltext"]},
        "is_retracted": fair["is_retracted"],
        "updated_date": updated,
        "abstract_inverted_index": {word: [i] for i, word in enumerate(words)} if fair["has_abstract"] else None,
        **{key: fair[key] for key in FAIR_RECORD_FIELDS},
    }


#: The fields `fair_fields` draws that go into a record as they are.
FAIR_RECORD_FIELDS = ("ids", "indexed_in", "primary_location", "best_oa_location", "locations", "funders", "grants",
                      "awards", "mesh", "corresponding_author_ids", "is_paratext")
_LICENCES = [None, None, "cc-by", " CC-BY ", "cc-by-nc-nd", "Other-OA", "publisher-specific-oa", "", "mit", "cc0"]
_VERSIONS = [None, "publishedVersion", "acceptedVersion", "submittedVersion", " PublishedVersion", ""]
_SOURCE_TYPES = [None, "journal", "repository", " Repository ", "conference", ""]


def _location(rng: random.Random, number: int) -> dict[str, Any]:
    return {
        "is_oa": rng.choice([True, False, None]),
        "landing_page_url": f"https://example.org/{number}",
        "pdf_url": rng.choice([None, "", "  ", f"https://example.org/{number}.pdf"]),
        "source": rng.choice([None, {"id": f"{OPENALEX}S{number % 50}", "display_name": rng.choice(
            [f"Journal {number % 50}", f"  Journal {number % 50} ", "", None]),
            "type": rng.choice(_SOURCE_TYPES), "issn_l": None}]),
        "license": rng.choice(_LICENCES),
        "version": rng.choice(_VERSIONS),
    }


def fair_fields(rng: random.Random, number: int) -> dict[str, Any]:
    """The fields fair_v1 reads, at random: every signal and gate of SPEC §7 shows up on a few
    hundred works, with the oddities any layout can hold. `orcids` and `rors` are cycled over a
    record's authorships."""
    locations = [_location(rng, number) for _ in range(rng.randrange(0, 4))]
    primary = rng.choice([None, _location(rng, number), *locations[:1]])  # sometimes not among locations
    return {
        "ids": {"openalex": work_url(number), "pmid": rng.choice([None, None, "", f"https://pubmed.ncbi.nlm.nih.gov/{number}"]),
                "pmcid": rng.choice([None, None, None, f"https://www.ncbi.nlm.nih.gov/pmc/articles/{number}"])},
        "indexed_in": rng.sample(["crossref", "Crossref ", "pubmed", "DataCite", "doaj", "", "arxiv"], rng.randrange(0, 4)),
        "primary_location": primary,
        "best_oa_location": rng.choice([None, primary, *locations[-1:]]),
        "locations": locations,
        "funders": rng.choice([[], [], [{"id": f"{OPENALEX}F{number % 9}", "display_name": "Funder", "ror": None}]]),
        "grants": rng.choice([[], [], None, [{"funder": f"{OPENALEX}F1", "award_id": "G-1"}]]),
        "awards": rng.choice([[], [], [{"id": f"{OPENALEX}G{number}", "display_name": None}]]),
        "mesh": rng.choice([[], [], [], [{"descriptor_ui": "D000001", "descriptor_name": "Calcimycin", "is_major_topic": True}]]),
        "corresponding_author_ids": rng.choice([[], [f"{OPENALEX}A{number % 11}"], [""]]),
        "is_paratext": rng.random() < 0.04,
        "is_retracted": rng.random() < 0.04,
        "any_repository_has_fulltext": rng.choice([True, False, False, None]),
        "orcids": [rng.choice([None, "", f"https://orcid.org/0000-000{i}"]) for i in range(4)],
        "rors": [rng.choice([None, "", " ", f"https://ror.org/0{i}"]) for i in range(3)],
        "has_abstract": rng.random() < 0.8,
    }


@dataclass
class Release:
    """One release: part files by their path under the works folder, merges and deletions.

    `files` maps e.g. ``updated_date=2025-01-01/part_000`` (no extension: the layout adds it) to its
    lines: dicts are records, strings are written as they are (bad lines).
    """

    files: dict[str, list[dict[str, Any] | str]] = field(default_factory=dict)
    merges: list[tuple[str, int, int]] = field(default_factory=list)  # (merge_date, id, merge_into_id)
    deletions: list[tuple[int, str]] = field(default_factory=list)  # (id, deleted_date)


# ---------------------------------------------------------------- file bodies
def jsonl_gz(lines: list[dict[str, Any] | str]) -> bytes:
    text = "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)
    return gzip.compress(text.encode(), mtime=0)


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
                                                             ("ror", pa.string())]))),
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
    ]
)


def parquet_bytes(lines: list[dict[str, Any] | str], schema: pa.Schema = PARQUET_SCHEMA, row_group_size: int = 50) -> bytes:
    """Records as the June-2026 Parquet layout stores them: abstract_inverted_index as a JSON
    string, updated_date as a timestamp. Bad (non-JSON) lines have no Parquet form and are skipped."""
    rows = []
    for line in lines:
        if isinstance(line, str):
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


def records_in(lines: list[dict[str, Any] | str], layout: str) -> int:
    return sum(1 for line in lines if layout != "parquet" or not isinstance(line, str))


# ---------------------------------------------------------------- layouts
LAYOUT_DIRS = {"legacy": "data/works", "jsonl": "data/jsonl/works", "parquet": "data/parquet/works"}


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
        entries.append(
            {"url": f"{url_prefix}{path}", "meta": {"content_length": len(body), "record_count": records_in(lines, layout)}}
        )
    merges = list(release.merges)
    if layout == "legacy":
        merges += [(date, number, DELETED_SENTINEL) for number, date in release.deletions]
    if merges:
        files["data/merged_ids/works/2025-01-01.csv.gz"] = gzip.compress(
            _csv(["merge_date", "id", "merge_into_id"], [(d, f"W{a}", f"W{b}") for d, a, b in merges]), mtime=0
        )
    if layout != "legacy" and release.deletions:
        files[f"{works_dir}/deleted_ids.csv"] = _csv(
            ["work_id", "deleted_date"], [(work_url(number), date) for number, date in release.deletions]
        )
    totals = {
        "content_length": sum(e["meta"]["content_length"] for e in entries),
        "record_count": sum(e["meta"]["record_count"] for e in entries),
    }
    if layout == "legacy":
        files[f"{works_dir}/manifest"] = json.dumps({"entries": entries, "meta": totals}, indent=1).encode()
    else:
        manifest = {"entity": "works", "format": layout, "date": "2026-06-01", "files": entries, **totals}
        files[f"{works_dir}/manifest.json"] = json.dumps(manifest, indent=1).encode()
    return files


def write_release(root: Path, release: Release, layout: str, url_prefix: str = "s3://openalex/") -> dict[str, bytes]:
    """Write `release` under `root` in `layout`, manifest last; files whose bytes did not change are
    left alone (so their modification time says they did not change). Part files and id lists of
    this layout that the release no longer has are removed. Several layouts may share a root (as
    the bucket does); they share its merged-id lists, so write the legacy one last. Returns what was
    written, by path."""
    files = release_files(release, layout, url_prefix)
    works_dir = root / LAYOUT_DIRS[layout]
    wanted = {root / path for path in files}
    for folder in (works_dir, root / "data/merged_ids/works"):
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and path not in wanted:
                    path.unlink()
    manifests = [path for path in files if path.endswith(("manifest", "manifest.json"))]
    for path in [p for p in files if p not in manifests] + manifests:
        target = root / path
        if target.exists() and target.read_bytes() == files[path]:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[path])
    return files


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


# ---------------------------------------------------------------- a random snapshot
#: Publication years and types of `random_release`'s works: most within the last five years of its
#: 2025 partitions (fair_v1's check), datasets (its linked datasets), paratext (its gate).
YEARS = [2018, 2021, 2022, 2023, 2024, 2025, 2025, None]
TYPES = ["article", "article", "article", "review", "dataset", "book-chapter", "paratext", " Article "]


def random_release(seed: int, works: int = 300, partitions: int = 6, parts_per_partition: int = 2) -> Release:
    """A release of `works` works with duplicates across partitions, merges, deletions and a few
    bad lines: enough for every rule of the core tables to act."""
    rng = random.Random(seed)
    numbers = rng.sample(range(1000, 1000 + works * 20), works)
    authors = list(range(1, works // 3 + 2))
    dates = sorted({f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" for _ in range(partitions * 3)})[:partitions]
    release = Release()
    for number in numbers:
        copies = 1 if rng.random() < 0.8 else 2
        for date in sorted(rng.sample(dates, copies)):
            references = rng.sample(numbers, rng.randrange(0, 8)) + [rng.randrange(10**8, 10**9)] * rng.randrange(0, 2)
            line = record(
                number,
                cited_by_count=rng.choice([0, 0, 1, 2, 5, 10, 40, 300]),
                references=references,
                authors=rng.sample(authors, rng.randrange(0, 4)),
                updated=f"{date}T0{rng.randrange(10)}:00:00.{rng.randrange(10**6):06d}",
                year=rng.choice(YEARS),
                work_type=rng.choice(TYPES),
                rng=rng,
            )
            name = f"updated_date={date}/part_{rng.randrange(parts_per_partition):03d}"
            release.files.setdefault(name, []).append(line)
    first = sorted(release.files)[0]
    release.files[first].append(record(0, cited_by_count=3) | {"id": "https://openalex.org/A123"})  # not a work id
    release.files[first].append(record(0, cited_by_count=3) | {"id": None})  # no id
    merged = rng.sample(numbers, 6)
    release.merges = [("2025-06-01", merged[i], merged[i + 1]) for i in (0, 2)] + [("2025-06-02", merged[4], DELETED_SENTINEL)]
    release.deletions = [(number, "2025-06-03") for number in rng.sample(numbers, 4)]
    return release
