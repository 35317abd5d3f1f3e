"""A snapshot of any size shaped to reach the corners of the metric, for comparing engines.

    python -m tests.factory.corners OUT_DIR --works 100000 [--seed 7]      (from the repository root)

writes a legacy-layout snapshot under OUT_DIR (`layouts.write_release`); the same seed gives the
same bytes. The records are shaped to reach the corners, not to look like a real citation graph:
  - hubs: works with hundreds of citers (more than the default cap of 200) and one "mega hub"
    with thousands, so the cap binds and the per-work top-k is skewed;
  - ties at the cap: most citers' cited_by_count comes from a handful of small values, so the
    citers at and just past the cap share their C and the id decides;
  - self-citations: a citer often gets one of the cited work's authors;
  - twins: pairs of works with the same C cited by the same citers (each citer lists them in a
    random order), so their DataRanks are mathematically equal and rank must fall back to the id
    (the float sums may still differ in the last bit with the order an engine adds in);
  - messy fields: cited_by_count null or negative, referenced_works_count null or missing,
    references to works outside the snapshot, malformed ids, authors without id, the same work in
    two partitions (the newer copy wins), works merged into others (chains included), one line that
    is not JSON.
tests/integration/test_spark.py runs both engines on it; benchmarks/spark_vs_duckdb.py times them.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.factory.layouts import Line, Merge, Release, write_release
from tests.factory.records import with_units, work

#: Partition days the works are spread over, and records per part file.
PARTITIONS = 12
RECORDS_PER_PART = 5000


def write_corners_snapshot(out: Path, works: int, seed: int = 7, twin_pairs: int | None = None) -> dict[str, int]:
    """Write a snapshot of `works` distinct works under `out`; returns what it put in.

    `twin_pairs` (default works / 500) of the works are twins, cited only by their own citers.
    """
    rng = random.Random(seed)
    twin_pairs = max(2, works // 500) if twin_pairs is None else twin_pairs
    ordinary = works - 2 * twin_pairs  # works 0 … ordinary-1 cite and are cited at random; the rest are twins
    if ordinary < 10:
        raise ValueError(f"{twin_pairs} twin pairs leave too few ordinary works among {works}")
    ids = rng.sample(range(1_000_000, 8_000_000_000), works)
    authors_pool = [rng.randrange(5_000_000_000, 5_999_999_999) for _ in range(max(10, works // 3))]
    cited_by = [_cited_by_count(rng) for _ in range(works)]
    authors = [rng.sample(authors_pool, min(len(authors_pool), 1 + int(rng.expovariate(0.6)))) for _ in range(works)]
    references: list[list[int]] = [[] for _ in range(works)]

    # Ordinary references: most works cite a few others at random; a third cite nothing.
    for i in range(works):
        if rng.random() < 0.33:
            continue
        for j in rng.sample(range(ordinary), min(ordinary, 1 + int(rng.expovariate(0.12)))):
            if j != i:
                references[i].append(j)
    # Hubs: more citers than the default cap, and one mega hub with thousands.
    hubs = rng.sample(range(ordinary), max(3, works // 1500))
    for rank, hub in enumerate(hubs):
        n_citers = min(works - 1, 5000 if rank == 0 else rng.randrange(150, 450))
        for citer in rng.sample(range(works), n_citers + 1):
            if citer != hub and hub not in references[citer]:
                references[citer].append(hub)
    # Self-citations: a citer often shares an author with the work it cites.
    self_citations = 0
    for i in range(works):
        for j in references[i]:
            if rng.random() < 0.15:
                shared = rng.choice(authors[j])
                if shared not in authors[i]:
                    authors[i].append(shared)
                self_citations += 1

    # Twins: same C, same citers (3 to 8 of them, and no other), so equal DataRanks.
    for pair in range(twin_pairs):
        a, b = ordinary + 2 * pair, ordinary + 2 * pair + 1
        cited_by[b] = cited_by[a] = rng.choice((0, 3, 17))
        for citer in rng.sample(range(ordinary), rng.randrange(3, 9)):
            references[citer] += [a, b] if rng.random() < 0.5 else [b, a]
    # Merged ids: references to them are redirected; chains of two hops too.
    merged = []
    for _ in range(max(2, works // 1000)):
        target = rng.randrange(ordinary)
        old, older = rng.randrange(8_100_000_000, 8_200_000_000), rng.randrange(8_200_000_000, 8_300_000_000)
        merged += [Merge(f"W{old}", f"W{ids[target]}", "2025-03-01", "2025-03-01"), Merge(f"W{older}", f"W{old}", "2025-02-01", "2025-03-01")]
        for citer in rng.sample(range(works), 3):
            references[citer].append(-older if rng.random() < 0.5 else -old)  # negative: an id, not an index

    records = [_record(rng, ids, i, cited_by[i], references[i], authors[i]) for i in range(works)]
    # The same work twice: an older copy with another C in an earlier partition (the newer wins).
    stale = [dict(records[i], cited_by_count=(cited_by[i] or 0) + 1000) for i in rng.sample(range(works), works // 50)]
    write_release(out, _release(rng, records, stale, merged), "legacy")
    return {"works": works, "hubs": len(hubs), "twin_pairs": twin_pairs, "self_citations": self_citations, "merged": len(merged)}


def _cited_by_count(rng: random.Random) -> int | None:
    roll = rng.random()
    if roll < 0.01:
        return None
    if roll < 0.015:
        return -rng.randrange(1, 5)
    if roll < 0.35:
        return 0
    if roll < 0.75:
        return rng.randrange(1, 6)
    if roll < 0.96:
        return rng.randrange(6, 200)
    return rng.randrange(200, 50_000)


def _record(rng: random.Random, ids: list[int], i: int, cited_by: int | None, refs: list[int], authors: list[int]) -> dict[str, Any]:
    """Work `i`, its updated_date left for the partition it lands in to set."""
    referenced: list[int | str | None] = [ids[r] if r >= 0 else -r for r in refs]
    outside = [rng.randrange(9_000_000_000, 9_100_000_000) for _ in range(rng.randrange(0, 3))]
    malformed = ["https://openalex.org/W12x"] if rng.random() < 0.01 else []
    doi = f"https://doi.org/10.5555/{ids[i]}" if rng.random() < 0.7 else None
    year = rng.randrange(1990, 2026)
    kind = rng.choice(("article", "article", "article", "dataset", "book-chapter"))
    author_ids: list[int | str | None] = [*authors, *([None] if rng.random() < 0.02 else [])]
    is_oa = rng.random() < 0.4
    roll = rng.random()
    count: Any = len(referenced) + len(outside) + rng.randrange(0, 3) if roll < 0.8 else None if roll < 0.9 else ...
    record = work(
        ids[i], cited_by_count=cited_by, refs=[*referenced, *outside, *malformed], authors=author_ids,
        referenced_works_count=count, title=f"Synthetic work {i}", publication_year=year, type=kind, doi=doi,
        open_access={"is_oa": is_oa, "oa_status": "gold"}, is_retracted=False,
    )
    record.update(_fair_fields(random.Random(ids[i] * 7919 + 1), ids[i], record))
    _unit_ids(random.Random(f"units {ids[i]}"), record)
    return record


def _unit_ids(rng: random.Random, record: dict) -> None:
    """What the units read (docs/units.md), added where the record has none, from a generator of
    its own (so nothing else moves): an id and a name for each institution (and now and then a
    second institution), an id for each location's source, countries and a primary topic
    (records.with_units)."""
    for authorship in record["authorships"]:
        for institution in authorship["institutions"]:
            number = rng.randrange(1, 40)
            institution.setdefault("id", f"https://openalex.org/I{number}")
            institution.setdefault("display_name", f"Institution {number}")
        if authorship["institutions"] and rng.random() < 0.2:
            authorship["institutions"].append({"id": f"https://openalex.org/I{rng.randrange(40, 60)}"})
    for place in record["locations"]:
        place["source"].setdefault("id", f"https://openalex.org/S{int(place['source']['display_name'].split()[-1]) + 1}")
    with_units(record, rng)


def _fair_fields(rng: random.Random, number: int, record: dict) -> dict:
    """What fair_v1 reads, drawn from a generator of the work's own (so the DataRank fields, and the
    hard cases they make, do not move): every signal on some works, many works with equal points."""
    def location() -> dict:
        return {"is_oa": rng.random() < 0.5, "pdf_url": "https://example.org/p.pdf" if rng.random() < 0.5 else None,
                "license": rng.choice([None, None, "cc-by", "CC-BY-NC", "other-oa", "publisher-specific-oa"]),
                "version": rng.choice([None, "publishedVersion", "acceptedVersion", "submittedVersion"]),
                "source": {"type": rng.choice(["journal", "journal", "repository"]),
                           "display_name": f"Journal {number % 40}"}}

    locations = [location() for _ in range(rng.randrange(0, 3))]
    record["authorships"] = [
        {**a, "author": {**(a.get("author") or {}), "orcid": "https://orcid.org/0" if rng.random() < 0.4 else None},
         "institutions": [{"ror": "https://ror.org/0"}] if rng.random() < 0.5 else []}
        for a in record["authorships"]
    ]
    record["open_access"]["any_repository_has_fulltext"] = rng.random() < 0.2
    return {
        "ids": {"pmid": "https://pubmed.ncbi.nlm.nih.gov/1" if rng.random() < 0.15 else None},
        "indexed_in": rng.sample(["crossref", "pubmed", "datacite", "doaj"], rng.randrange(0, 3)),
        "locations": locations,
        "primary_location": locations[0] if locations else None,
        "best_oa_location": next((place for place in locations if place["is_oa"]), None),
        "mesh": [{"descriptor_ui": "D1"}] if rng.random() < 0.1 else [],
        "funders": [{"id": "https://openalex.org/F1"}] if rng.random() < 0.15 else [],
        "corresponding_author_ids": ["https://openalex.org/A1"] if rng.random() < 0.5 else [],
        "is_paratext": rng.random() < 0.01,
        "is_retracted": rng.random() < 0.01,
    }


def _release(rng: random.Random, records: list[dict[str, Any]], stale: list[dict[str, Any]], merged: list[Merge]) -> Release:
    """Weekly partitions from 2025-01-01: the older copies in the first, each work in one of the
    others at random, a line that is not JSON in the last; parts of RECORDS_PER_PART lines."""
    days = [(date(2025, 1, 1) + timedelta(days=7 * k)).isoformat() for k in range(PARTITIONS)]
    by_day: dict[str, list[Line]] = {day: [] for day in days}
    for record in stale:
        by_day[days[0]].append(record | {"updated_date": f"{days[0]}T03:00:00.000000"})
    for record in records:
        day = days[1 + rng.randrange(PARTITIONS - 1)]
        by_day[day].append(record | {"updated_date": f"{day}T03:00:00.000000"})
    by_day[days[-1]].append(b"{this line is not JSON")
    release = Release(merges=list(merged))
    for day, lines in by_day.items():
        for part, start in enumerate(range(0, max(len(lines), 1), RECORDS_PER_PART)):
            release.files[f"updated_date={day}/part_{part:03d}"] = lines[start : start + RECORDS_PER_PART]
    return release


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the snapshot into (created)")
    parser.add_argument("--works", type=int, default=100_000, help="distinct works (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(write_corners_snapshot(args.out, args.works, args.seed)))


if __name__ == "__main__":
    main()
