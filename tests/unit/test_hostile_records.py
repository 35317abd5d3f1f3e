"""Hostile and odd records (hypothesis): any field null, missing or of the wrong type, huge lists,
a 10 MB line, unicode line separators, duplicate and non-OpenAlex ids. The run never crashes, and
every line written is read and accounted for: kept, cleaned or quarantined, and counted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from datarank.score import CheckFailed
from published import Published, run_pipeline
from snapshot_factory import OPENALEX, work, write_legacy_snapshot

SPLIT = ("works_kept", "duplicates_superseded", "merged_or_deleted_dropped", "quarantined")
MISSING = object()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
ids = st.one_of(
    st.integers(1, 8).map(lambda n: f"{OPENALEX}W{n}"),  # few distinct: duplicates are common
    st.integers(1, 8).map(lambda n: f"W{n}"),
    st.sampled_from([f"{OPENALEX}A5", "https://doi.org/10.1/x", "W", "W-1", "w0", f"{OPENALEX}W99999999999999999999",
                     "", "W\u20281"]),
    json_values,
)
reference = st.one_of(st.integers(1, 8).map(lambda n: f"{OPENALEX}W{n}"), ids)
author = st.one_of(st.fixed_dictionaries({"author": st.fixed_dictionaries({"id": st.one_of(
    st.integers(1, 5).map(lambda n: f"{OPENALEX}A{n}"), json_values)})}), json_values)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": ids,
    "cited_by_count": st.one_of(st.integers(-5, 10**6), st.integers(), json_values),
    "referenced_works": st.one_of(st.lists(reference, max_size=6), json_values),
    "referenced_works_count": st.one_of(st.integers(-1, 10), json_values),
    "authorships": st.one_of(st.lists(author, max_size=4), json_values),
    "updated_date": st.one_of(st.sampled_from(["2024-01-01T00:00:00", "2024-02-30", "not a date", "2024-01-02"]),
                              json_values),
    "title": st.one_of(st.text(max_size=30), st.just("a\u2028b\u2029c\u0085d\r\ne"), json_values),
    "publication_year": st.one_of(st.integers(-3000, 3000), st.integers(), json_values),
    "type": json_values,
    "doi": json_values,
    "open_access": st.one_of(st.fixed_dictionaries({"is_oa": json_values, "oa_status": json_values}), json_values),
    "is_retracted": json_values,
}
records = st.fixed_dictionaries({name: st.one_of(st.just(MISSING), st.none(), strategy)
                                 for name, strategy in FIELDS.items()}).map(
    lambda record: {key: value for key, value in record.items() if value is not MISSING})
# Lines that are not JSON: any text but a line break. A bare \r is left out here: DuckDB's line
# reader splits on it (see test_a_bare_carriage_return_is_one_line); JSON records never hold one.
lines = st.one_of(records, records, st.text(max_size=40).filter(lambda text: "\n" not in text and "\r" not in text))


def _line(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)


def _check(published: Published, written: int) -> None:
    manifest = json.loads((published.current / "manifest.json").read_text())
    assert manifest["ingest_counts"]["lines_read"] == written
    for row in manifest["files"]:
        assert row["lines"] == sum(row[name] for name in SPLIT), row
    assert sum(row["works_kept"] for row in manifest["files"]) == published.scores.height
    assert sum(row["quarantined"] for row in manifest["files"]) == published.quarantine.height


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(january=st.lists(lines, max_size=12), february=st.lists(lines, max_size=12))
def test_hostile_records_never_crash_and_are_all_counted(tmp_path_factory, january, february) -> None:
    root = tmp_path_factory.mktemp("hostile")
    # One good work, so there is always something to publish; everything else is drawn.
    partitions = {"2024-01-01": [work(1), *map(_line, january)], "2024-02-01": [_line(x) for x in february]}
    snapshot = write_legacy_snapshot(root / "snapshot", partitions)
    try:
        published = run_pipeline(snapshot, root / "out")
    except CheckFailed as refused:
        # cited_by_count >= 2^28 (no real work comes near) is refused by name, not a crash
        assert "works_order_key_out_of_range" in str(refused)
        assert "\n" not in str(refused)
        return
    _check(published, 1 + len(january) + len(february))


@pytest.mark.xfail(strict=True, reason="DuckDB's read_csv splits lines on a bare \\r too (found by this issue's tests)")
def test_a_bare_carriage_return_is_one_line(tmp_path: Path, publish: Callable[..., Published]) -> None:
    snapshot = write_legacy_snapshot(tmp_path / "snapshot", {"2024-01-01": [work(1), "not json\rstill the same line"]})
    _check(publish(snapshot), 2)


def test_huge_records_are_read(tmp_path: Path, publish: Callable[..., Published]) -> None:
    huge_title = "x\u2028" * (5 * 1024 * 1024 // 4) + "y" * (5 * 1024 * 1024)  # a ~10 MB line
    lines = [
        work(1, authors=list(range(1, 10_001))),  # 10,000 authors
        work(2, refs=[*range(3, 5_003)]),  # 5,000 references (most to works not in the snapshot)
        work(3, title=huge_title, refs=[1]),
        work(4, refs=[1, 2, 3], title="Ends with a separator\u2028"),
    ]
    snapshot = write_legacy_snapshot(tmp_path / "snapshot", {"2024-01-01": lines})
    published = publish(snapshot)
    _check(published, len(lines))
    assert published.quarantine.height == 0
    assert published.scores.height == 4
    authorships = published.counts["authorships"]
    assert authorships == 10_000
    assert published.counts["references"] == 5_000 + 1 + 3
