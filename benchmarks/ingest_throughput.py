"""Ingest throughput: MB of JSON per second per core, next to `gzip -dc` on the same files.

    .venv/bin/python benchmarks/ingest_throughput.py [--works 60000] [--files 4] [--out DIR]

Generates a snapshot of works shaped like OpenAlex's (abstract_inverted_index, authorships with
institutions, ORCIDs, RORs and affiliation strings, locations with licences and versions, the
primary and best OA locations, ids, indexed_in, funders, awards, MeSH, concepts, topics,
counts_by_year: ~8 KB of JSON a work, about the real 1.6 TB / 270 M works), in the legacy JSON Lines
layout and in the June-2026 Parquet layout. Then, each in a fresh process (for its peak memory):
  gzip    `gzip -dc` of every part file to /dev/null, one after the other (one core): the floor
          that decompression alone sets;
  ingest  `datarank ingest` of the JSON Lines layout with --threads 1 (one core, one file at a
          time) and with --threads 2 (two files at a time);
  parquet `datarank ingest` of the Parquet layout with --threads 1.
Figures are MB of uncompressed JSON per second of reading part files (the ingest's
`read_files_s`; building the core tables from the raw Parquet comes after and is shown apart) (the Parquet run is credited with the same JSON
bytes, since it brings in the same records). The machine is shared, so compare the ratios of one
run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def work(number: int, rng: random.Random, numbers: list[int]) -> dict[str, Any]:
    """One work, about 8 KB of JSON, with the heavy fields DataRank never parses."""
    authors = rng.randrange(1, 9)
    words = [f"word{rng.randrange(20_000)}" for _ in range(rng.randrange(50, 150))]
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    return {
        "id": f"https://openalex.org/W{number}",
        "doi": f"https://doi.org/10.{rng.randrange(1000, 9999)}/{number}",
        "title": " ".join(words[:12]),
        "display_name": " ".join(words[:12]),
        "publication_year": rng.randrange(1950, 2026),
        "publication_date": "2020-01-01",
        "type": rng.choice(["article", "article", "book-chapter", "dataset", "preprint"]),
        "cited_by_count": int(rng.paretovariate(1.2)) - 1,
        "referenced_works_count": 0,
        "referenced_works": [f"https://openalex.org/W{rng.choice(numbers)}" for _ in range(rng.randrange(0, 40))],
        "related_works": [f"https://openalex.org/W{rng.choice(numbers)}" for _ in range(10)],
        "ids": {"openalex": f"https://openalex.org/W{number}", "doi": f"https://doi.org/10.1/{number}",
                "pmid": f"https://pubmed.ncbi.nlm.nih.gov/{number}" if rng.random() < 0.15 else None},
        "indexed_in": rng.sample(["crossref", "pubmed", "doaj", "arxiv", "datacite"], rng.randrange(0, 3)),
        "funders": [{"id": "https://openalex.org/F1", "display_name": "Funder", "ror": "https://ror.org/f"}]
        if rng.random() < 0.15 else [],
        "awards": [{"id": f"https://openalex.org/G{number}", "display_name": None, "funder_award_id": "A-1"}]
        if rng.random() < 0.1 else [],
        "mesh": [{"descriptor_ui": f"D{k}", "descriptor_name": "Descriptor", "qualifier_ui": "", "qualifier_name": None,
                  "is_major_topic": k == 0} for k in range(8)] if rng.random() < 0.15 else [],
        "corresponding_author_ids": [f"https://openalex.org/A{number}"] if rng.random() < 0.5 else [],
        "is_paratext": rng.random() < 0.01,
        "authorships": [
            {
                "author_position": "first" if i == 0 else "middle",
                "author": {"id": f"https://openalex.org/A{rng.randrange(10**9)}", "display_name": f"Author {i}",
                           "orcid": f"https://orcid.org/0000-0002-{i:04d}-0000" if rng.random() < 0.4 else None},
                "institutions": [{"id": f"https://openalex.org/I{rng.randrange(10**6)}", "display_name": "University",
                                  "ror": "https://ror.org/00x", "country_code": "US", "type": "education"}],
                "countries": ["US"],
                "is_corresponding": i == 0,
                "raw_author_name": f"Author {i}",
                "raw_affiliation_strings": ["Department of Things, University of Somewhere, Some City, Country"],
            }
            for i in range(authors)
        ],
        "open_access": {"is_oa": rng.random() < 0.4, "oa_status": "gold", "oa_url": None,
                        "any_repository_has_fulltext": rng.random() < 0.25},
        "locations": (locations := [
            {"is_oa": rng.random() < 0.4, "landing_page_url": f"https://doi.org/10.1/{number}",
             "pdf_url": f"https://example.org/{number}.pdf" if rng.random() < 0.3 else None,
             "source": {"id": f"https://openalex.org/S{rng.randrange(10**6)}", "display_name": "Journal of Things",
                        "issn_l": "1234-5678", "type": rng.choice(["journal", "journal", "repository"])},
             "license": rng.choice([None, None, None, "cc-by", "cc-by-nc", "other-oa"]),
             "version": rng.choice(["publishedVersion", "acceptedVersion", "submittedVersion"])}
            for _ in range(rng.randrange(1, 3))
        ]),
        "primary_location": locations[0],
        "best_oa_location": next((place for place in locations if place["is_oa"]), None),
        "concepts": [{"id": f"https://openalex.org/C{rng.randrange(10**6)}", "display_name": "Concept", "level": 1,
                      "score": rng.random()} for _ in range(rng.randrange(3, 12))],
        "topics": [{"id": f"https://openalex.org/T{rng.randrange(10**5)}", "display_name": "Topic", "score": rng.random()}
                   for _ in range(3)],
        "primary_topic": {"id": f"https://openalex.org/T{(topic := rng.randrange(10000, 14516))}", "display_name": "Topic",
                          "score": rng.random(),
                          "subfield": {"id": f"https://openalex.org/subfields/{1100 + topic % 252}", "display_name": "Subfield"},
                          "field": {"id": f"https://openalex.org/fields/{11 + topic % 26}", "display_name": "Field"},
                          "domain": {"id": f"https://openalex.org/domains/{1 + topic % 4}", "display_name": "Domain"}},
        "fwci": round(rng.paretovariate(1.5) - 1, 3),
        "citation_normalized_percentile": {"value": (value := rng.random()), "is_in_top_1_percent": value > 0.99,
                                           "is_in_top_10_percent": value > 0.9},
        "counts_by_year": [{"year": 2025 - i, "cited_by_count": rng.randrange(5)} for i in range(rng.randrange(0, 10))],
        "is_retracted": False,
        "updated_date": "2025-06-01T00:00:00.000000",
        "created_date": "2020-01-01",
        "abstract_inverted_index": index,
    }


def generate(root: Path, works: int, files: int, seed: int = 1) -> dict[str, Any]:
    """Write the snapshot in both layouts; return its sizes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    numbers = list(range(10**9, 10**9 + works))
    json_bytes = 0
    entries: dict[str, list[dict[str, Any]]] = {"legacy": [], "parquet": []}
    for index in range(files):
        rows = [work(n, rng, numbers) for n in numbers[index::files]]
        text = "".join(json.dumps(row) + "\n" for row in rows).encode()
        json_bytes += len(text)
        legacy = root / "legacy" / "data/works/updated_date=2025-06-01" / f"part_{index:03d}.gz"
        legacy.parent.mkdir(parents=True, exist_ok=True)
        legacy.write_bytes(gzip.compress(text, compresslevel=6))
        entries["legacy"].append({"url": f"s3://openalex/data/works/updated_date=2025-06-01/{legacy.name}",
                                  "meta": {"content_length": legacy.stat().st_size, "record_count": len(rows)}})
        for row in rows:  # the Parquet layout's shape: the abstract as a JSON string
            row["abstract_inverted_index"] = json.dumps(row["abstract_inverted_index"])
            row["updated_date"] = None
        parquet = root / "parquet" / "data/parquet/works/updated_date=2025-06-01" / f"part_{index:04d}.parquet"
        parquet.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows), parquet, compression="zstd", row_group_size=20_000)
        entries["parquet"].append({"url": f"s3://openalex/data/parquet/works/updated_date=2025-06-01/{parquet.name}",
                                   "meta": {"content_length": parquet.stat().st_size, "record_count": len(rows)}})
    (root / "legacy/data/works/manifest").write_text(json.dumps({"entries": entries["legacy"], "meta": {}}))
    (root / "parquet/data/parquet/works/manifest.json").write_text(
        json.dumps({"format": "parquet", "files": entries["parquet"]})
    )
    gz_bytes = sum(e["meta"]["content_length"] for e in entries["legacy"])
    parquet_bytes = sum(e["meta"]["content_length"] for e in entries["parquet"])
    return {"works": works, "files": files, "json_bytes": json_bytes, "gz_bytes": gz_bytes, "parquet_bytes": parquet_bytes}


def child(kind: str, snapshot: str, data_dir: str, threads: int) -> None:
    """Run one measurement in this (fresh) process and print it as JSON."""
    started = time.perf_counter()
    if kind == "gzip":
        for path in sorted(Path(snapshot).rglob("*.gz")):
            subprocess.run(["gzip", "-dc", str(path)], stdout=subprocess.DEVNULL, check=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB; the gzip processes
    else:
        from datarank.pipeline import run
        from datarank.settings import Settings

        state = run(Settings(snapshot=snapshot, data_dir=Path(data_dir), threads=threads), stages=("ingest",))
        assert all(f["status"] == "read" for f in state.ingest_summary["files"])
        peak = _peak_rss_kib()
        read = state.ingest_summary["timings"]["read_files_s"]
        print(json.dumps({"seconds": time.perf_counter() - started, "read_seconds": read, "peak_rss_mb": peak / 1024}))
        return
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "read_seconds": seconds, "peak_rss_mb": peak / 1024}))


def _peak_rss_kib() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent that generated the data)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(kind: str, snapshot: Path, threads: int, scratch: Path) -> dict[str, float]:
    data_dir = scratch / f"lake-{kind}-{threads}"
    shutil.rmtree(data_dir, ignore_errors=True)
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(snapshot), str(data_dir), str(threads)],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=60_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None, help="where to generate (default: a temporary folder)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, snapshot, data_dir, threads = args.child
        child(kind, snapshot, data_dir, int(threads))
        return
    scratch = args.out or Path(tempfile.mkdtemp(prefix="datarank-bench-"))
    sizes = generate(scratch, args.works, args.files)
    mb = sizes["json_bytes"] / 1e6
    print(f"snapshot: {sizes['works']:,} works in {sizes['files']} files; {mb:,.0f} MB of JSON, "
          f"{sizes['gz_bytes'] / 1e6:,.0f} MB gzip, {sizes['parquet_bytes'] / 1e6:,.0f} MB Parquet "
          f"({mb * 1e6 / sizes['works']:,.0f} bytes of JSON a work)")
    runs = [
        ("gzip -dc, 1 core", "gzip", scratch / "legacy", 1, 1),
        ("ingest JSON Lines, --threads 1", "ingest", scratch / "legacy", 1, 1),
        ("ingest JSON Lines, --threads 2", "ingest", scratch / "legacy", 2, 2),
        ("ingest Parquet, --threads 1", "ingest", scratch / "parquet", 1, 1),
    ]
    results = {}
    for label, kind, snapshot, threads, cores in runs:
        result = measure(kind, snapshot, threads, scratch)
        rate = mb / result["read_seconds"]  # reading the part files; core tables are built after
        results[label] = rate / cores
        print(f"{label:34s} {result['read_seconds']:7.2f} s read ({result['seconds']:6.2f} s in all)  {rate:7.1f} MB/s  "
              f"{rate / cores:7.1f} MB/s per core  peak RSS {result['peak_rss_mb']:,.0f} MB")
    floor = results["gzip -dc, 1 core"]
    for label, per_core in results.items():
        print(f"{label:34s} {per_core / floor:5.2f} × gzip -dc per core")
    if args.out is None:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
