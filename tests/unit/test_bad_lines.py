"""Bad input never crashes the run and never silently disappears (SPEC §3).

A line that is not a JSON object, or has no valid work id, goes to quarantine with its file, its
1-based line number, a reason and its first KB; invalid entries inside a good record are dropped
and counted. U+2028 inside a string is not a line break: that record is kept.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import OPENALEX, work

FIRST = "data/works/updated_date=2024-01-01/part_000.gz"
SECOND = "data/works/updated_date=2024-02-01/part_000.gz"
LONG = "{" + "x" * 3000  # not JSON, longer than the 1 KB kept of it

# (file, line number, the line, a word its quarantine reason must contain)
BAD: list[tuple[str, int, str, str]] = [
    (FIRST, 2, "this is not json {", "not valid json"),
    (FIRST, 3, "[1, 2, 3]", "array"),
    (FIRST, 4, '"https://openalex.org/W7"', "string"),
    (FIRST, 5, '{"title": "an object without an id", "cited_by_count": 3}', "id"),
    (FIRST, 6, '{"id": null, "title": "id is null"}', "id"),
    (FIRST, 7, '{"id": "X12", "cited_by_count": 4}', "id"),
    (FIRST, 8, '{"id": "https://openalex.org/A5", "cited_by_count": 5}', "id"),
    (FIRST, 9, "", "empty"),
    (FIRST, 10, "null", "json null, not an object"),
    (FIRST, 13, LONG, "json"),
    (SECOND, 1, '{"id": "https://openalex.org/W8", "title": "truncated', "json"),
]

TITLE_WITH_SEPARATORS = "Line\u2028separator, paragraph\u2029separator and next\u0085line"


def bad_lines_snapshot(root: Path) -> Path:
    first: list[Any] = [
        # 1: good; one author with a null id (dropped, counted)
        work(1, cited_by_count=10, refs=[], authors=[1, None]),
        *[line for file, number, line, _ in BAD if file == FIRST and 2 <= number <= 10],  # 2-10
        # 11: good; two malformed references (dropped, counted), one valid
        work(2, cited_by_count=3, refs=[f"{OPENALEX}Wabc", "bad", 1], authors=[2]),
        # 12: good, with U+2028/U+2029/U+0085 raw inside a string: one line, kept
        work(3, cited_by_count=1, refs=[1], authors=[3], title=TITLE_WITH_SEPARATORS),
        LONG,  # 13
        # 14: good, the last line of the file
        work(4, cited_by_count=0, refs=[3], authors=[4]),
    ]
    second: list[Any] = [BAD[-1][2], work(5, cited_by_count=2, refs=[4, 1], authors=[5])]
    return write_legacy_snapshot(root, {"2024-01-01": first, "2024-02-01": second})


@pytest.fixture
def published(tmp_path: Path, publish: Callable[..., Any]) -> Any:
    root = bad_lines_snapshot(tmp_path / "snapshot")
    # The fixture writes what the test says it writes: U+2028 is raw in the file, on line 12.
    raw = gzip.decompress((root / FIRST).read_bytes()).split(b"\n")
    assert "\u2028".encode() in raw[11] and json.loads(raw[11])["id"] == f"{OPENALEX}W3"
    return publish(root)


def test_quarantine_holds_exactly_the_bad_lines(published: Any) -> None:
    got = {(r["source_file"], r["line_number"]): r for r in published.quarantine.to_dicts()}
    assert sorted(got) == sorted((file, number) for file, number, _, _ in BAD)
    for file, number, line, word in BAD:
        row = got[(file, number)]
        assert word in row["reason"].lower(), (file, number, row["reason"])
        if line:
            assert row["line_head"] == line[:1024], (file, number)
    assert len(got[(FIRST, 13)]["line_head"]) == 1024


def test_good_records_are_kept_and_scored(published: Any) -> None:
    assert sorted(published.scores["work_id"].to_list()) == ["W1", "W2", "W3", "W4", "W5"]
    assert published.row("W3")["title"] == TITLE_WITH_SEPARATORS
    # W1 is cited by W2 (out 3: referenced_works_count counts the list as written), W3 (out 1)
    # and W5 (out 2); the malformed references of W2 do not make citers.
    w1 = published.row("W1")
    assert w1["citers_in_snapshot"] == 3
    want = 0.15 * math.log(11) + 0.85 * (math.log(4) / 3 + math.log(2) / 1 + math.log(3) / 2)
    assert math.isclose(w1["datarank"], want, rel_tol=1e-9)


def test_counts_add_up(published: Any) -> None:
    counts = published.counts
    assert counts["lines_read"] == 14 + 2
    assert counts["quarantined"] == len(BAD) == 11
    assert counts["good_lines"] == 5
    assert counts["lines_read"] == counts["good_lines"] + counts["quarantined"]
    assert counts["works"] == 5
    assert counts["invalid_authors"] == 1  # W1's author with id null
    assert counts["invalid_references"] == 2  # W2's ".../Wabc" and "bad"
