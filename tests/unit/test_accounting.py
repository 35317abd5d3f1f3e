"""Nothing silently lost: per part file, lines read = works kept + duplicates superseded + merged or
deleted dropped + quarantined, in the run manifest (SPEC §4), and the files add up to the totals."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from published import Published

from tests.factory.layouts import write_legacy_snapshot
from tests.factory.randoms import random_snapshot
from tests.factory.records import work

SPLIT = ("works_kept", "duplicates_superseded", "merged_or_deleted_dropped", "quarantined")
JAN = "data/works/updated_date=2024-01-01/part_000.gz"
FEB = "data/works/updated_date=2024-02-01/part_000.gz"


def _files(published: Published) -> dict[str, dict]:
    manifest = json.loads((published.current / "manifest.json").read_text())
    return {row["key"]: row for row in manifest["files"]}


def test_hand_counted_snapshot(tmp_path: Path, publish: Callable[..., Published]) -> None:
    # January: W1, W2 (updated again in February), W3 (merged into W1), a bad line, W4 twice in this
    # file (the later line wins). February: W2's newer copy, W5, two bad lines.
    january = [work(1), work(2), work(3), "not json", work(4, title="old"), work(4, title="new")]
    february = [work(2, updated_date="2024-02-01T00:00:00"), work(5, refs=[1]), "[1]", '{"id": "X9"}']
    snapshot = write_legacy_snapshot(
        tmp_path / "snapshot", {"2024-01-01": january, "2024-02-01": february}, merged=[("W3", "W1")]
    )
    files = _files(publish(snapshot))
    by_hand = {
        JAN: {"lines": 6, "works_kept": 2, "duplicates_superseded": 2, "merged_or_deleted_dropped": 1, "quarantined": 1},
        FEB: {"lines": 4, "works_kept": 2, "duplicates_superseded": 0, "merged_or_deleted_dropped": 0, "quarantined": 2},
    }
    assert {key: {name: row[name] for name in ("lines", *SPLIT)} for key, row in files.items()} == by_hand


@pytest.mark.parametrize("seed", range(6))
def test_every_line_is_accounted_for_per_file_and_in_total(
    tmp_path: Path, publish: Callable[..., Published], seed: int
) -> None:
    drawn = random_snapshot(random.Random(seed))
    drawn.partitions[min(drawn.partitions)] += ["{broken", "", '"a string"', '{"id": "https://openalex.org/A1"}']
    snapshot = drawn.write(tmp_path / "snapshot")
    published = publish(snapshot, cap=drawn.cap)
    files = _files(published)
    # lines per file, counted from the gzip files themselves
    for key, row in files.items():
        assert row["lines"] == gzip.decompress((snapshot / key).read_bytes()).count(b"\n"), key
        assert row["lines"] == sum(row[name] for name in SPLIT), row
    counts = published.counts
    assert sum(row["lines"] for row in files.values()) == counts["lines_read"]
    assert sum(row["works_kept"] for row in files.values()) == counts["works"] == published.scores.height
    assert sum(row["quarantined"] for row in files.values()) == counts["quarantined"] == published.quarantine.height
    for name in ("duplicates_superseded", "merged_or_deleted_dropped"):
        assert sum(row[name] for row in files.values()) == counts[name], name
