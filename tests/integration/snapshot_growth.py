"""A copy of the shipped sample that grows or shrinks the way OpenAlex releases do: a new
`updated_date=` partition appears (or one disappears) and the manifest is rewritten last.

Used by the tests of the nightly flow and of `datarank diff`, and by hand for the README example:
    python tests/integration/snapshot_growth.py /tmp/snap copy
    python tests/integration/snapshot_growth.py /tmp/snap grow
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
NEW_DAY = "2026-03-10"
AUTHOR = "https://openalex.org/A9000000001"

#: Three new works citing the sample (W2741809807 "The state of OA", rank 5 of 339, DataRank 1.4937;
#: W2153579005, rank 1) and each other. Expected effects, by hand (d = 0.85):
#:   W9000000001 (C 1000, cites W2741809807 only): adds 0.85·ln(1001)/1 to W2741809807's DataRank;
#:   W9000000002 (C 0, cites two works): signal ln(1)/2 = 0, adds a citer but no score;
#:   W9000000003 (C 20, cites W9000000001 only): W9000000001 = 0.15·ln(1001) + 0.85·ln(21).
NEW_WORKS = [
    {
        "id": "https://openalex.org/W9000000001", "display_name": "A new paper citing the state of OA",
        "title": "A new paper citing the state of OA", "publication_year": 2026, "type": "article",
        "cited_by_count": 1000, "referenced_works": ["https://openalex.org/W2741809807"],
        "referenced_works_count": 1, "authorships": [{"author": {"id": AUTHOR}}], "updated_date": f"{NEW_DAY}T00:00:00",
    },
    {
        "id": "https://openalex.org/W9000000002", "display_name": "An uncited review", "title": "An uncited review",
        "publication_year": 2026, "type": "review", "cited_by_count": 0,
        "referenced_works": ["https://openalex.org/W2741809807", "https://openalex.org/W2153579005"],
        "referenced_works_count": 2, "authorships": [{"author": {"id": AUTHOR}}], "updated_date": f"{NEW_DAY}T00:00:00",
    },
    {
        "id": "https://openalex.org/W9000000003", "display_name": "A follow-up", "title": "A follow-up",
        "publication_year": 2026, "type": "article", "cited_by_count": 20,
        "referenced_works": ["https://openalex.org/W9000000001"], "referenced_works_count": 1,
        "authorships": [{"author": {"id": "https://openalex.org/A9000000002"}}], "updated_date": f"{NEW_DAY}T00:00:00",
    },
]


def copy_sample(target: Path) -> Path:
    """A private copy of data/sample to grow in place (so later runs read only the new part)."""
    shutil.copytree(SAMPLE, target)
    return target


def add_partition(snapshot: Path, records: list[dict], day: str = NEW_DAY) -> None:
    """Write `records` as `updated_date=<day>/part_000.gz` and list it in the manifest."""
    works = snapshot / "data" / "works"
    path = works / f"updated_date={day}" / "part_000.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records), mtime=0))
    manifest = json.loads((works / "manifest").read_text())
    manifest["entries"].append({
        "url": f"s3://openalex/data/works/updated_date={day}/part_000.gz",
        "meta": {"content_length": path.stat().st_size, "record_count": len(records)},
    })
    _write_manifest(works, manifest)


def drop_partition(snapshot: Path, day: str) -> int:
    """Take a partition out of the manifest (as if a release lost it); returns its record count."""
    works = snapshot / "data" / "works"
    manifest = json.loads((works / "manifest").read_text())
    dropped = [e for e in manifest["entries"] if f"updated_date={day}/" in e["url"]]
    manifest["entries"] = [e for e in manifest["entries"] if e not in dropped]
    _write_manifest(works, manifest)
    return sum(e["meta"]["record_count"] for e in dropped)


def _write_manifest(works: Path, manifest: dict) -> None:
    manifest["meta"] = {
        "content_length": sum(e["meta"]["content_length"] for e in manifest["entries"]),
        "record_count": sum(e["meta"]["record_count"] for e in manifest["entries"]),
    }
    partial = works / ".manifest.partial"
    partial.write_text(json.dumps(manifest, indent=2))
    partial.replace(works / "manifest")  # written last, as OpenAlex does


if __name__ == "__main__":
    folder, action = Path(sys.argv[1]), sys.argv[2]
    if action == "copy":
        copy_sample(folder)
    elif action == "grow":
        add_partition(folder, NEW_WORKS)
    else:
        raise SystemExit(f"unknown action {action!r}: use copy or grow")
