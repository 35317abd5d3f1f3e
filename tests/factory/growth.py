"""A copy of the shipped sample that grows or shrinks the way OpenAlex releases do: a new
`updated_date=` partition appears (or one disappears) and the manifest is rewritten last.

Used by the tests of the nightly flow, of the checks and of `datarank diff`, and by hand for the
README example (from the repository root):
    python -m tests.factory.growth /tmp/snap copy
    python -m tests.factory.growth /tmp/snap grow
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.factory.layouts import jsonl_gz, legacy_manifest, manifest_entry, write_manifest
from tests.factory.records import work

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
NEW_DAY = "2026-03-10"
AUTHOR = 9000000001


def _new_work(number: int, title: str, **fields: Any) -> dict[str, Any]:
    # The sample's records of this kind carry no DOI and no open-access block.
    return work(number, title=title, display_name=title, publication_year=2026, updated_date=f"{NEW_DAY}T00:00:00",
                doi=..., open_access=..., **fields)


#: Three new works citing the sample (W2741809807 "The state of OA", rank 5 of 339, DataRank 1.4937;
#: W2153579005, rank 1) and each other. Expected effects, by hand (d = 0.85):
#:   W9000000001 (C 1000, cites W2741809807 only): adds 0.85·ln(1001)/1 to W2741809807's DataRank;
#:   W9000000002 (C 0, cites two works): signal ln(1)/2 = 0, adds a citer but no score;
#:   W9000000003 (C 20, cites W9000000001 only): W9000000001 = 0.15·ln(1001) + 0.85·ln(21).
NEW_WORKS = [
    _new_work(9000000001, "A new paper citing the state of OA", cited_by_count=1000, refs=[2741809807], authors=[AUTHOR]),
    _new_work(9000000002, "An uncited review", type="review", refs=[2741809807, 2153579005], authors=[AUTHOR]),
    _new_work(9000000003, "A follow-up", cited_by_count=20, refs=[9000000001], authors=[9000000002]),
]


def copy_sample(target: Path) -> Path:
    """A private copy of data/sample to grow in place (so later runs read only the new part)."""
    shutil.copytree(SAMPLE, target)
    return target


def add_partition(snapshot: Path, records: list[dict[str, Any]], day: str = NEW_DAY) -> None:
    """Write `records` as `updated_date=<day>/part_000.gz` and list it in the manifest."""
    works = snapshot / "data" / "works"
    path = works / f"updated_date={day}" / "part_000.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jsonl_gz(records))
    entries = json.loads((works / "manifest").read_text())["entries"]
    entries.append(manifest_entry(f"s3://openalex/data/works/updated_date={day}/part_000.gz", path.stat().st_size, len(records)))
    write_manifest(works / "manifest", legacy_manifest(entries))


def drop_partition(snapshot: Path, day: str) -> int:
    """Take a partition out of the manifest (as if a release lost it); returns its record count."""
    works = snapshot / "data" / "works"
    entries = json.loads((works / "manifest").read_text())["entries"]
    dropped = [e for e in entries if f"updated_date={day}/" in e["url"]]
    write_manifest(works / "manifest", legacy_manifest([e for e in entries if e not in dropped]))
    return sum(e["meta"]["record_count"] for e in dropped)


if __name__ == "__main__":
    folder, action = Path(sys.argv[1]), sys.argv[2]
    if action == "copy":
        copy_sample(folder)
    elif action == "grow":
        add_partition(folder, NEW_WORKS)
    else:
        raise SystemExit(f"unknown action {action!r}: use copy or grow")
