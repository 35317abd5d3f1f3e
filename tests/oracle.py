"""An independent, plain-Python DataRank: SPEC §2–§3 read literally, record by record.

Written from the SPEC, not from `sql/`, and importing nothing from `datarank`, so that a bug in the
pipeline cannot hide in its own expected values. It is slow (Python loops over every record and
edge) and meant for snapshots of a few thousand works at most.

Reading (SPEC §3): the part files named by ``data/works/manifest`` (legacy layout), gzip JSON
Lines split on ``\\n`` only (U+2028 inside strings is not a line break); a line that is not a JSON
object, or has no valid work id, is quarantined. The copy with the greatest ``updated_date`` wins,
ties to the later partition, then later part file, then later line. Works listed in
``data/merged_ids/works/*.csv.gz`` are dropped and references to them follow ``merge_into_id``
(chains followed).

The metric (SPEC §2): C = cited_by_count (null/negative → 0); B = ln(1 + C); citers of p are the
distinct works q ≠ p of the snapshot referencing p; ordered by C(q) desc, then id number asc, the
first `cap` are considered; of those, the ones sharing an author id with p are self-citations and
dropped; N = Σ ln(1 + C(q)) / max(outdegree(q), 1), outdegree = referenced_works_count, or when
that is absent/null the number of distinct valid ids in referenced_works; DataRank = (1−d)·B + d·N.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

_WORK_ID = re.compile(r"(?:https?://openalex\.org/)?w([0-9]{1,18})", re.IGNORECASE | re.ASCII)
_AUTHOR_ID = re.compile(r"(?:https?://openalex\.org/)?a([0-9]{1,18})", re.IGNORECASE | re.ASCII)
_PARTITION = re.compile(r"updated_date=([0-9]{4}-[0-9]{2}-[0-9]{2})")
_PART = re.compile(r"part_([0-9]+)\.")


def work_number(value: Any) -> int | None:
    """The number of an OpenAlex work id (`https://openalex.org/W12`, `W12`, any case) or None."""
    if not isinstance(value, str):
        return None
    match = _WORK_ID.fullmatch(value.strip(" "))
    return int(match.group(1)) if match else None


def author_number(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    match = _AUTHOR_ID.fullmatch(value.strip(" "))
    return int(match.group(1)) if match else None


def citation_count(record: dict[str, Any]) -> int:
    """C(p): cited_by_count, null/missing/negative → 0."""
    value = record.get("cited_by_count")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return value


def reference_entries(record: dict[str, Any]) -> list[Any]:
    refs = record.get("referenced_works")
    return refs if isinstance(refs, list) else []


def author_entries(record: dict[str, Any]) -> list[Any]:
    authorships = record.get("authorships")
    if not isinstance(authorships, list):
        return []
    out = []
    for authorship in authorships:
        author = authorship.get("author") if isinstance(authorship, dict) else None
        out.append(author.get("id") if isinstance(author, dict) else None)
    return out


def outdegree(record: dict[str, Any]) -> int:
    """referenced_works_count, or when absent/null the distinct valid ids in referenced_works."""
    value = record.get("referenced_works_count")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return len({n for n in (work_number(r) for r in reference_entries(record)) if n is not None})


@dataclass(frozen=True)
class Line:
    """One line of one part file, where it sits (for the dedup tie-break and the quarantine)."""

    source_file: str  # key from the bucket root, e.g. data/works/updated_date=…/part_000.gz
    partition: str
    part: int
    line_number: int  # 1-based
    text: str


@dataclass
class OracleRow:
    work_number: int
    cited_by_count: int
    base_score: float
    network_score: float
    base_contribution: float
    network_contribution: float
    datarank: float
    base_share: float | None
    network_share: float | None
    citers_in_snapshot: int
    citers_considered: int
    self_citations_excluded: int
    citers_with_signal: int
    cap_bound: bool
    rank: int = 0
    #: The ranks this work may take when other works' datarank is equal to within float noise.
    rank_range: tuple[int, int] = (0, 0)
    considered: list[int] = field(default_factory=list)


@dataclass
class OracleResult:
    rows: dict[int, OracleRow]
    records: dict[int, dict[str, Any]]  # the winning copy of each work in the snapshot
    quarantine: list[tuple[str, int]]  # (source_file, line_number)
    counts: dict[str, int]
    citers: dict[int, set[int]] = field(default_factory=dict)  # every citer of each work (the links)


# --------------------------------------------------------------------------- reading


def _key_of(url: str) -> str:
    """`s3://openalex/data/works/…` or `data/works/…` → `data/works/…`."""
    if "://" in url:
        url = url.split("://", 1)[1].split("/", 1)[1]
    return url.lstrip("/")


def read_lines(root: Path) -> list[Line]:
    """Every line of every part file the legacy manifest names, in (partition, part) order."""
    manifest = json.loads((root / "data" / "works" / "manifest").read_text())
    lines: list[Line] = []
    files = []
    for entry in manifest["entries"]:
        key = _key_of(entry["url"])
        partition = _PARTITION.search(key)
        part = _PART.search(key)
        assert partition and part, key
        files.append((partition.group(1), int(part.group(1)), key))
    for partition, part, key in sorted(files):
        data = gzip.decompress((root / key).read_bytes())
        chunks = data.split(b"\n")
        if chunks and chunks[-1] == b"":
            chunks.pop()  # the newline that ends the last line
        for number, chunk in enumerate(chunks, start=1):
            lines.append(Line(key, partition, part, number, chunk.decode("utf-8")))
    return lines


def read_merges(root: Path) -> dict[int, int]:
    merges: dict[int, int] = {}
    folder = root / "data" / "merged_ids" / "works"
    for path in sorted(folder.glob("*.csv.gz")) if folder.is_dir() else []:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            source, target = work_number(row["id"]), work_number(row["merge_into_id"])
            if source is not None and target is not None:
                merges[source] = target
    return merges


def parse_line(text: str) -> dict[str, Any] | None:
    """The record of a good line, or None for a line that goes to quarantine."""
    if not text.strip():
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or work_number(record.get("id")) is None:
        return None
    return record


def _updated(record: dict[str, Any]) -> datetime:
    value = record.get("updated_date")
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else datetime.min
    except ValueError:
        return datetime.min


# --------------------------------------------------------------------------- the metric


def compute(root: Path, cap: int = 200, damping: float = 0.85) -> OracleResult:
    """DataRank for every work of the snapshot under `root`, by SPEC §2–§3."""
    counts = dict.fromkeys(
        ("lines_read", "quarantined", "good_lines", "invalid_references", "invalid_authors"), 0
    )
    quarantine: list[tuple[str, int]] = []
    best: dict[int, tuple[tuple[datetime, str, int, int], dict[str, Any]]] = {}
    for line in read_lines(root):
        counts["lines_read"] += 1
        record = parse_line(line.text)
        if record is None:
            counts["quarantined"] += 1
            quarantine.append((line.source_file, line.line_number))
            continue
        counts["good_lines"] += 1
        counts["invalid_references"] += sum(work_number(r) is None for r in reference_entries(record))
        counts["invalid_authors"] += sum(author_number(a) is None for a in author_entries(record))
        number = work_number(record["id"])
        assert number is not None
        order = (_updated(record), line.partition, line.part, line.line_number)
        if number not in best or order > best[number][0]:
            best[number] = (order, record)
    counts["duplicates_superseded"] = counts["good_lines"] - len(best)

    merges = read_merges(root)

    def resolve(number: int) -> int:
        seen = set()
        while number in merges and number not in seen:
            seen.add(number)
            number = merges[number]
        return number

    records = {n: rec for n, (_, rec) in best.items() if n not in merges}
    counts["merged_or_deleted_dropped"] = len(best) - len(records)
    counts["works"] = len(records)

    citers: dict[int, set[int]] = {n: set() for n in records}
    for q, rec in records.items():
        for ref in reference_entries(rec):
            number = work_number(ref)
            if number is None:
                continue
            p = resolve(number)
            if p != q and p in records:
                citers[p].add(q)
    counts["citations"] = sum(len(c) for c in citers.values())

    authors = {
        n: {a for a in (author_number(x) for x in author_entries(rec)) if a is not None}
        for n, rec in records.items()
    }
    counts["authorships"] = sum(len(a) for a in authors.values())

    rows: dict[int, OracleRow] = {}
    for p, rec in records.items():
        c = citation_count(rec)
        base = math.log1p(c)
        ordered = sorted(citers[p], key=lambda q: (-citation_count(records[q]), q))
        considered = ordered[:cap]
        self_cites = [q for q in considered if authors[q] & authors[p]]
        kept = [q for q in considered if q not in self_cites]
        network = sum(math.log1p(citation_count(records[q])) / max(outdegree(records[q]), 1) for q in kept)
        base_contribution = (1 - damping) * base
        network_contribution = damping * network
        datarank = base_contribution + network_contribution
        rows[p] = OracleRow(
            work_number=p,
            cited_by_count=c,
            base_score=base,
            network_score=network,
            base_contribution=base_contribution,
            network_contribution=network_contribution,
            datarank=datarank,
            base_share=base_contribution / datarank if datarank else None,
            network_share=network_contribution / datarank if datarank else None,
            citers_in_snapshot=len(ordered),
            citers_considered=len(considered),
            self_citations_excluded=len(self_cites),
            citers_with_signal=sum(citation_count(records[q]) > 0 for q in kept),
            cap_bound=len(ordered) > cap,
            considered=considered,
        )

    ranked = sorted(rows.values(), key=lambda r: (-r.datarank, r.work_number))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    # Works whose datarank differs by float noise only (sums taken in another order) may swap.
    for row in ranked:
        near = [r.rank for r in ranked if math.isclose(r.datarank, row.datarank, rel_tol=1e-9, abs_tol=1e-12)]
        row.rank_range = (min(near), max(near))
    return OracleResult(rows, records, quarantine, counts, citers)
