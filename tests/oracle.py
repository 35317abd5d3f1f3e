"""An independent, plain-Python DataRank: SPEC §2–§3 read literally, record by record.

Written from the SPEC, not from `sql/`, and importing nothing from `datarank`, so that a bug in the
pipeline cannot hide in its own expected values. It is slow (Python loops over every record and
edge) and meant for snapshots of a few thousand works at most.

Reading (SPEC §3): the part files named by the manifest of one of the three layouts —
``data/parquet/works/manifest.json`` (Parquet parts), ``data/jsonl/works/manifest.json`` or the
legacy ``data/works/manifest`` (also found under ``legacy-data/``), the newest present winning as
docs/ingest.md says. JSON Lines parts are gzip, split on ``\\n`` only (U+2028 inside strings is
not a line break); Parquet rows are read with pyarrow, their ``updated_date`` a timestamp and only
the columns the metric needs fetched (so ``ids`` as a MAP and ``abstract_inverted_index`` as a JSON
string never matter). A line or row that is not a JSON object, or has no valid work id, is
quarantined. The copy with the greatest ``updated_date`` wins (a missing one loses to any date),
ties to the later partition, then later part file, then later line. Works listed in
``data/merged_ids/works/*.csv.gz`` are dropped and references to them follow ``merge_into_id``
(chains followed); an id merged more than once keeps the row with the latest ``merge_date``
(docs/metric.md; an unreadable date is the oldest). Two merges of one id on one date are left
undecided by the docs: the oracle takes the later file by name, then the later line, and the
property test never writes such a pair. Works listed in the layout's ``deleted_ids.csv`` (beside
its manifest) are dropped.

The metric (SPEC §2): C = cited_by_count (null/negative → 0); B = ln(1 + C); citers of p are the
distinct works q ≠ p of the snapshot referencing p; ordered by C(q) desc, then id number asc, the
first `cap` are considered; of those, the ones sharing an author id with p are self-citations and
dropped; N = Σ ln(1 + C(q)) / max(outdegree(q), 1), outdegree = referenced_works_count, or when
that is absent/null the number of distinct valid ids in referenced_works; DataRank = (1−d)·B + d·N.
The field-normalised standing (docs/standing.md): within each group of works of one subfield (or
field) of the record's primary_topic and one publication_year (an id that is no `…/subfields/N`
URL, a missing topic or year: its own group, None), the percentile is 100 · (works of the group with a
lower DataRank) / (n − 1), 100 alone, and the rank by DataRank desc, ties by id (`group_standing`).
Each considered citer is also kept as an `OracleCiter` (its place in the cap's order, whether it is
a self-citation, and what it adds to p's DataRank: d · its signal, or 0 for a self-citation).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

_WORK_ID = re.compile(r"(?:https?://openalex\.org/)?w([0-9]{1,18})", re.IGNORECASE | re.ASCII)
_AUTHOR_ID = re.compile(r"(?:https?://openalex\.org/)?a([0-9]{1,18})", re.IGNORECASE | re.ASCII)
_PARTITION = re.compile(r"updated_date=([0-9]{4}-[0-9]{2}-[0-9]{2})")
_PART = re.compile(r"part_([0-9]+)\.")

#: The layouts of SPEC §3: (name, works folder from the bucket root, manifest), newest first.
LAYOUTS = (
    ("parquet", "data/parquet/works", "manifest.json"),
    ("jsonl", "data/jsonl/works", "manifest.json"),
    ("legacy", "data/works", "manifest"),
    ("legacy", "legacy-data/works", "manifest"),
)
#: The only Parquet columns the metric reads.
_PARQUET_COLUMNS = ("id", "cited_by_count", "referenced_works", "referenced_works_count", "authorships", "updated_date",
                    "publication_year", "primary_topic", "fwci", "citation_normalized_percentile")


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


def signal(record: dict[str, Any]) -> float:
    """What a citer q gives each work it cites: ln(1 + C(q)) / max(outdegree(q), 1)."""
    return math.log1p(citation_count(record)) / max(outdegree(record), 1)


@dataclass(frozen=True)
class Line:
    """One line (JSON Lines) or row (Parquet) of one part file, where it sits (for the dedup
    tie-break and the quarantine)."""

    source_file: str  # key from the bucket root, e.g. data/works/updated_date=…/part_000.gz
    partition: str
    part: int
    line_number: int  # 1-based
    text: str | None  # the line of a JSON Lines file
    row: dict[str, Any] | None = None  # the row of a Parquet file


@dataclass(frozen=True)
class OracleCiter:
    """One considered citer q of a cited work p (SPEC §2): the cap kept it."""

    cited: int
    citing: int
    rank: int  # 1-based place in the cap's order (C(q) desc, id asc)
    cited_by_count: int  # C(q)
    outdegree: int
    signal: float  # ln(1 + C(q)) / max(outdegree(q), 1)
    is_self_citation: bool  # shares an author id with p
    contribution: float  # what q adds to p's DataRank: d · signal, 0 for a self-citation


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
    layout: str = "legacy"
    #: Every considered citer, by (cited, citing).
    citers: dict[tuple[int, int], OracleCiter] = field(default_factory=dict)
    #: Every citer of each work (the links, after merges, self-links dropped).
    citer_links: dict[int, set[int]] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def find_layout(root: Path) -> tuple[str, str, Path]:
    """(layout, works folder from the root, manifest path) of the newest layout under `root`."""
    for layout, works, manifest in LAYOUTS:
        if (root / works / manifest).is_file():
            return layout, works, root / works / manifest
    raise FileNotFoundError(f"no works manifest under {root}")


def _key_of(url: str, works: str) -> str:
    """A manifest url (`s3://openalex/data/works/…`, `data/works/…`) → its key under the works
    folder read: `<works>/updated_date=…/part_….`."""
    tail = url[url.index("updated_date=") :]
    return f"{works}/{tail}"


def manifest_urls(root: Path) -> tuple[str, str, list[str]]:
    """(layout, works folder, the part urls its manifest lists)."""
    layout, works, manifest_path = find_layout(root)
    manifest = json.loads(manifest_path.read_text())
    entries = manifest["entries"] if layout == "legacy" else manifest["files"]
    return layout, works, [entry["url"] for entry in entries]


def read_lines(root: Path) -> list[Line]:
    """Every line (row) of every part file the manifest names, in (partition, part) order."""
    layout, works, urls = manifest_urls(root)
    files = []
    for url in urls:
        key = _key_of(url, works)
        partition = _PARTITION.search(key)
        part = _PART.search(key)
        assert partition and part, key
        files.append((partition.group(1), int(part.group(1)), key))
    lines: list[Line] = []
    for partition, part, key in sorted(files):
        if layout == "parquet":
            table = pq.read_table(root / key)
            columns = [name for name in _PARQUET_COLUMNS if name in table.column_names]
            for number, row in enumerate(table.select(columns).to_pylist(), start=1):
                lines.append(Line(key, partition, part, number, None, row))
            continue
        data = gzip.decompress((root / key).read_bytes())
        chunks = data.split(b"\n")
        if chunks and chunks[-1] == b"":
            chunks.pop()  # the newline that ends the last line
        for number, chunk in enumerate(chunks, start=1):
            lines.append(Line(key, partition, part, number, chunk.decode("utf-8")))
    return lines


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _merge_date(value: str | None) -> date:
    try:
        return date.fromisoformat(value.strip()) if value else date.min
    except ValueError:
        return date.min


def read_merges(root: Path) -> dict[int, int | None]:
    """Merged id → where it went (None: an id that is no work id). An id merged more than once
    keeps its latest merge_date (equal dates, which the docs leave open: the later file by name,
    then the later line)."""
    latest: dict[int, tuple[tuple[date, str, int], int | None]] = {}
    folder = root / "data" / "merged_ids" / "works"
    for path in sorted(folder.glob("*.csv.gz")) if folder.is_dir() else []:
        for line, row in enumerate(_csv_rows(gzip.decompress(path.read_bytes())), start=1):
            source = work_number(row["id"])
            if source is None:
                continue
            order = (_merge_date(row.get("merge_date")), path.name, line)
            if source not in latest or order > latest[source][0]:
                latest[source] = (order, work_number(row["merge_into_id"]))
    return {source: target for source, (_, target) in latest.items()}


def read_deletions(root: Path) -> set[int]:
    """The ids of the layout's deleted_ids.csv (June 2026 layouts; the legacy one has none)."""
    layout, works, _ = find_layout(root)
    path = root / works / "deleted_ids.csv"
    if layout == "legacy" or not path.is_file():
        return set()
    return {n for n in (work_number(row["work_id"]) for row in _csv_rows(path.read_bytes())) if n is not None}


def parse_line(line: Line | str) -> dict[str, Any] | None:
    """The record of a good line (or Parquet row), or None for one that goes to quarantine."""
    if isinstance(line, Line) and line.row is not None:
        return line.row if work_number(line.row.get("id")) is not None else None
    text = line.text if isinstance(line, Line) else line
    if text is None or not text.strip():
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
    if isinstance(value, datetime):  # a Parquet timestamp
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else datetime.min
    except ValueError:
        return datetime.min


# --------------------------------------------------------------------------- the metric


def compute(root: Path, cap: int = 200, damping: float = 0.85) -> OracleResult:
    """DataRank for every work of the snapshot under `root` (a bucket root), by SPEC §2–§3."""
    counts = dict.fromkeys(
        ("lines_read", "quarantined", "good_lines", "invalid_references", "invalid_authors"), 0
    )
    quarantine: list[tuple[str, int]] = []
    best: dict[int, tuple[tuple[datetime, str, int, int], dict[str, Any]]] = {}
    for line in read_lines(root):
        counts["lines_read"] += 1
        record = parse_line(line)
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
    deleted = read_deletions(root)

    def resolve(number: int) -> int | None:
        seen = set()
        target: int | None = number
        while target is not None and target in merges and target not in seen:
            seen.add(target)
            target = merges[target]
        return target

    records = {n: rec for n, (_, rec) in best.items() if n not in merges and n not in deleted}
    counts["merged_or_deleted_dropped"] = len(best) - len(records)
    counts["works"] = len(records)

    citers: dict[int, set[int]] = {n: set() for n in records}
    for q, rec in records.items():
        for ref in reference_entries(rec):
            number = work_number(ref)
            if number is None:
                continue
            p = resolve(number)
            if p is not None and p != q and p in records:
                citers[p].add(q)
    counts["citations"] = sum(len(c) for c in citers.values())

    authors = {
        n: {a for a in (author_number(x) for x in author_entries(rec)) if a is not None}
        for n, rec in records.items()
    }
    counts["authorships"] = sum(len(a) for a in authors.values())

    rows: dict[int, OracleRow] = {}
    considered_citers: dict[tuple[int, int], OracleCiter] = {}
    for p, rec in records.items():
        c = citation_count(rec)
        base = math.log1p(c)
        ordered = sorted(citers[p], key=lambda q: (-citation_count(records[q]), q))
        considered = ordered[:cap]
        self_cites = [q for q in considered if authors[q] & authors[p]]
        kept = [q for q in considered if q not in self_cites]
        network = sum(signal(records[q]) for q in kept)
        for position, q in enumerate(considered, start=1):
            is_self = q in self_cites
            considered_citers[(p, q)] = OracleCiter(
                cited=p,
                citing=q,
                rank=position,
                cited_by_count=citation_count(records[q]),
                outdegree=outdegree(records[q]),
                signal=signal(records[q]),
                is_self_citation=is_self,
                contribution=0.0 if is_self else damping * signal(records[q]),
            )
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
    layout, _, _ = find_layout(root)
    return OracleResult(rows, records, quarantine, counts, layout, considered_citers, citers)


# --------------------------------------------------------------------------- field-normalised standing

_GROUP_ID = {level: re.compile(rf"(?:https?://openalex\.org/)?(?:{level}s/)?([0-9]{{1,9}})") for level in ("subfield", "field")}


def topic_group(record: dict[str, Any], level: str) -> int | None:
    """The number of the record's primary_topic subfield or field id (`…/subfields/1804` → 1804),
    None without a topic or with an id that is not one."""
    topic = record.get("primary_topic")
    node = topic.get(level) if isinstance(topic, dict) else None
    value = node.get("id") if isinstance(node, dict) else None
    if not isinstance(value, str):
        return None
    match = _GROUP_ID[level].fullmatch(value.strip(" ").lower())
    return int(match.group(1)) if match else None


def publication_year(record: dict[str, Any]) -> int | None:
    value = record.get("publication_year")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def normalized_percentile(record: dict[str, Any]) -> float | None:
    """OpenAlex's citation_normalized_percentile.value as published (0–1), None when not a number."""
    value = record.get("citation_normalized_percentile")
    value = value.get("value") if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) else None


@dataclass(frozen=True)
class GroupStanding:
    """A work's standing in its group: the group's size, the percentile and the ranks it may take.
    Works whose DataRank equals this one's to within float noise may fall either side of it."""

    works: int
    percentile_low: float
    percentile_high: float
    rank_low: int
    rank_high: int


def group_standing(result: OracleResult, level: str) -> dict[int, GroupStanding]:
    """Every work's standing within (its `level` — "subfield" or "field" — of primary_topic) ×
    publication_year."""
    groups: dict[tuple[int | None, int | None], list[int]] = {}
    for n, record in result.records.items():
        groups.setdefault((topic_group(record, level), publication_year(record)), []).append(n)
    out = {}
    for members in groups.values():
        size = len(members)
        for n in members:
            mine = result.rows[n].datarank
            near = sum(1 for m in members if m != n and math.isclose(result.rows[m].datarank, mine, rel_tol=1e-9, abs_tol=1e-12))
            lower = sum(1 for m in members if result.rows[m].datarank < mine
                        and not math.isclose(result.rows[m].datarank, mine, rel_tol=1e-9, abs_tol=1e-12))
            ahead = sum(1 for m in members if result.rows[m].datarank > mine
                        and not math.isclose(result.rows[m].datarank, mine, rel_tol=1e-9, abs_tol=1e-12))
            if size == 1:
                out[n] = GroupStanding(1, 100.0, 100.0, 1, 1)
            else:
                out[n] = GroupStanding(size, 100 * lower / (size - 1), 100 * (lower + near) / (size - 1),
                                       ahead + 1, ahead + near + 1)
    return out
