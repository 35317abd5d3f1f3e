"""Generate a synthetic OpenAlex works snapshot in the legacy bucket layout, for tests and benchmarks.

    python benchmarks/generate_snapshot.py OUT_DIR --works 100000 [--seed 7]

writes `OUT_DIR/data/works/updated_date=…/part_NNN.gz` (gzip JSON Lines), `OUT_DIR/data/merged_ids/
works/*.csv.gz` and, last, the manifest `OUT_DIR/data/works/manifest` with sizes and record counts,
as OpenAlex does. The same seed gives the same bytes.

The records are shaped to reach the corners of the metric, not to look like a real citation graph:
  - hubs: works with hundreds of citers (more than the default cap of 200) and one "mega hub"
    with thousands, so the cap binds and the per-work top-k is skewed;
  - ties at the cap: most citers' cited_by_count comes from a handful of small values, so the
    citers at and just past the cap share their C and the id decides;
  - self-citations: a citer often gets one of the cited work's authors;
  - twins: pairs of works with the same C cited by the same citers (each citer lists them in a
    random order), so their DataRanks are mathematically equal and rank must fall back to the id;
  - messy fields: cited_by_count null or negative, referenced_works_count null or missing,
    references to works outside the snapshot, malformed ids, authors without id, the same work in
    two partitions (the newer copy wins), works merged into others (chains included), one line that
    is not JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from datetime import date, timedelta
from pathlib import Path

#: Partition days the works are spread over, and records per part file.
PARTITIONS = 12
RECORDS_PER_PART = 5000


def generate(out: Path, works: int, seed: int = 7, twin_pairs: int | None = None) -> dict[str, int]:
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

    # Twins: same C, same citers (3 to 8 of them, and no other), so equal DataRanks whose float sums
    # may still differ in the last bit depending on the order an engine adds in.
    for pair in range(twin_pairs):
        a, b = ordinary + 2 * pair, ordinary + 2 * pair + 1
        cited_by[b] = cited_by[a] = rng.choice((0, 3, 17))
        for citer in rng.sample(range(ordinary), rng.randrange(3, 9)):
            references[citer] += [a, b] if rng.random() < 0.5 else [b, a]
    # Merged ids: references to them are redirected; chains of two hops too.
    merged_rows = []
    for _ in range(max(2, works // 1000)):
        target = rng.randrange(ordinary)
        old, older = rng.randrange(8_100_000_000, 8_200_000_000), rng.randrange(8_200_000_000, 8_300_000_000)
        merged_rows += [("2025-03-01", old, ids[target]), ("2025-02-01", older, old)]
        for citer in rng.sample(range(works), 3):
            references[citer].append(-older if rng.random() < 0.5 else -old)  # negative: an id, not an index

    records = [
        _record(rng, ids, i, cited_by[i], references[i], authors[i]) for i in range(works)
    ]
    # The same work twice: an older copy with another C in an earlier partition (the newer wins).
    stale = [dict(records[i], cited_by_count=(cited_by[i] or 0) + 1000) for i in rng.sample(range(works), works // 50)]
    _write(out, rng, records, stale, merged_rows)
    return {"works": works, "hubs": len(hubs), "twin_pairs": twin_pairs, "self_citations": self_citations, "merged": len(merged_rows)}


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


def _record(
    rng: random.Random, ids: list[int], i: int, cited_by: int | None, refs: list[int], authors: list[int]
) -> dict:
    referenced = [f"https://openalex.org/W{ids[r]}" if r >= 0 else f"https://openalex.org/W{-r}" for r in refs]
    outside = [f"https://openalex.org/W{rng.randrange(9_000_000_000, 9_100_000_000)}" for _ in range(rng.randrange(0, 3))]
    malformed = ["https://openalex.org/W12x"] if rng.random() < 0.01 else []
    record: dict = {
        "id": f"https://openalex.org/W{ids[i]}",
        "doi": f"https://doi.org/10.5555/{ids[i]}" if rng.random() < 0.7 else None,
        "title": f"Synthetic work {i}",
        "publication_year": rng.randrange(1990, 2026),
        "type": rng.choice(("article", "article", "article", "dataset", "book-chapter")),
        "cited_by_count": cited_by,
        "referenced_works": referenced + outside + malformed,
        "authorships": [{"author": {"id": f"https://openalex.org/A{a}"}} for a in authors]
        + ([{"author": {"id": None}}] if rng.random() < 0.02 else []),
        "open_access": {"is_oa": rng.random() < 0.4, "oa_status": "gold"},
        "is_retracted": False,
    }
    roll = rng.random()
    if roll < 0.8:
        record["referenced_works_count"] = len(referenced) + len(outside) + rng.randrange(0, 3)
    elif roll < 0.9:
        record["referenced_works_count"] = None
    record.update(_fair_fields(random.Random(ids[i] * 7919 + 1), ids[i], record))
    return record


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


def _write(out: Path, rng: random.Random, records: list[dict], stale: list[dict], merged_rows: list) -> None:
    works_dir = out / "data" / "works"
    works_dir.mkdir(parents=True, exist_ok=True)
    first_day = date(2025, 1, 1)
    days = [first_day + timedelta(days=7 * k) for k in range(PARTITIONS)]
    by_day: dict[date, list[bytes]] = {day: [] for day in days}
    for record in stale:  # older copies: the first partition
        by_day[days[0]].append(_line(record, days[0]))
    for record in records:
        day = days[1 + rng.randrange(PARTITIONS - 1)]
        by_day[day].append(_line(record, day))
    by_day[days[-1]].append(b"{this line is not JSON")
    entries = []
    for day, lines in by_day.items():
        for part, start in enumerate(range(0, max(len(lines), 1), RECORDS_PER_PART)):
            chunk = lines[start : start + RECORDS_PER_PART]
            path = works_dir / f"updated_date={day.isoformat()}" / f"part_{part:03d}.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(b"\n".join(chunk) + b"\n", compresslevel=1, mtime=0))
            entries.append({
                "url": f"s3://openalex/data/works/updated_date={day.isoformat()}/part_{part:03d}.gz",
                "meta": {"content_length": path.stat().st_size, "record_count": len(chunk)},
            })
    merged = out / "data" / "merged_ids" / "works" / "2025-03-01.csv.gz"
    merged.parent.mkdir(parents=True, exist_ok=True)
    text = "merge_date,id,merge_into_id\n" + "".join(f"{d},W{a},W{b}\n" for d, a, b in merged_rows)
    merged.write_bytes(gzip.compress(text.encode(), mtime=0))
    manifest = {
        "entries": entries,
        "meta": {
            "content_length": sum(e["meta"]["content_length"] for e in entries),
            "record_count": sum(e["meta"]["record_count"] for e in entries),
        },
    }
    (works_dir / "manifest").write_text(json.dumps(manifest, indent=2) + "\n")  # last, as OpenAlex does


def _line(record: dict, day: date) -> bytes:
    return json.dumps({**record, "updated_date": f"{day.isoformat()}T03:00:00.000000"}, separators=(",", ":")).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the snapshot into (created)")
    parser.add_argument("--works", type=int, default=100_000, help="distinct works (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.works, args.seed)))


if __name__ == "__main__":
    main()
