"""Rebuild `data/sample/`, the shipped sample snapshot, from the real records in shared/openalex-samples.

The records are OpenAlex API responses (CC0; origin in data/sample/SOURCES.md). This script turns them
into snapshot lines and lays them out as the legacy OpenAlex bucket does: one partition per
`updated_date` day, gzip JSON Lines parts, a manifest written last with sizes and record counts.
It runs once by hand (`python data/make_sample.py ../shared/openalex-samples`); the pipeline never
imports it.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sys
from collections import defaultdict
from pathlib import Path

#: Keys the API returns that the 2025-11+ snapshot does not carry (shared/openalex-samples/SOURCES.md).
API_ONLY_KEYS = (
    "relevance_score", "cited_by_api_url", "content_urls", "type_crossref", "grants", "datasets",
    "versions", "institution_assertions", "fulltext_origin", "abstract_inverted_index_v3",
)
#: Split the busiest day into parts of this many records, so the sample has multi-part partitions.
RECORDS_PER_PART = 100


def snapshot_line(record: dict) -> bytes:
    line = {key: value for key, value in record.items() if key not in API_ONLY_KEYS}
    line["authors_count"] = len(record.get("authorships") or [])  # snapshot-only key
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def main(samples: Path, out: Path) -> None:
    raw = gzip.decompress((samples / "derived/all_api_works_dedup.jsonl.gz").read_bytes()).decode("utf-8")
    records = [json.loads(line) for line in raw.split("\n") if line]  # U+2028 inside strings: split on \n only
    # A newer capture of W2741809807 (b-vitamins, updated 2025-06-11) supersedes the one in the
    # dedup file (2025-06-01): the sample then holds one work in two partitions, as real releases do.
    records.append(json.loads((samples / "b-vitamins/W2741809807.json").read_text(encoding="utf-8")))

    by_day: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_day[record["updated_date"][:10]].append(record)

    works = out / "data/works"
    shutil.rmtree(out / "data", ignore_errors=True)
    entries = []
    for day in sorted(by_day):
        day_records = by_day[day]
        for part, start in enumerate(range(0, len(day_records), RECORDS_PER_PART)):
            chunk = day_records[start : start + RECORDS_PER_PART]
            path = works / f"updated_date={day}" / f"part_{part:03d}.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            buffer = io.BytesIO()
            with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as handle:
                handle.write(b"\n".join(snapshot_line(r) for r in chunk) + b"\n")
            path.write_bytes(buffer.getvalue())
            entries.append({
                "url": f"s3://openalex/data/works/updated_date={day}/part_{part:03d}.gz",
                "meta": {"content_length": path.stat().st_size, "record_count": len(chunk)},
            })
    merged = out / "data/merged_ids/works"
    merged.mkdir(parents=True, exist_ok=True)
    # No real merge of these works is known: the file carries the header only (merges are tested on
    # generated snapshots in tests/).
    with gzip.GzipFile(merged / "2025-11-06.csv.gz", "wb", mtime=0) as handle:
        handle.write(b"merge_date,id,merge_into_id\n")
    manifest = {
        "entries": entries,
        "meta": {
            "content_length": sum(e["meta"]["content_length"] for e in entries),
            "record_count": sum(e["meta"]["record_count"] for e in entries),
        },
    }
    (works / "manifest").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{len(records)} records in {len(entries)} files under {works}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent / "sample")
