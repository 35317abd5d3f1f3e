"""Merged and deleted works, by hand: a work merged twice keeps its latest merge (the row with the
greatest `merge_date`, wherever the row sits), and deleted works take their citations with them —
in one run and on a night that brings the lists after the works (docs/metric.md, docs/ingest.md)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from published import Published, read_published

from datarank.pipeline import run
from datarank.settings import Settings
from tests.factory.layouts import Merge, Release, write_legacy_snapshot, write_release
from tests.factory.records import work

D = 0.85
EARLY, LATE = "2024-01-10", "2024-03-10"

# X = W10 is merged into Y = W20 early and into Z = W30 later. W1 (C 4) cites X; W2 (C 9) cites X
# and Y. W10's own record is in the snapshot (and dropped); W98 and W99 are never exported.
WORKS = [
    work(1, cited_by_count=4, refs=[10]),
    work(2, cited_by_count=9, refs=[10, 20]),
    work(10, cited_by_count=7),
    work(20),
    work(30),
]
# References to X land on Z: Z is cited by W2 (ln 10 over 2 references) and W1 (ln 5 over 1), in
# the cap's order (C desc); Y keeps only W2's direct reference. B(Y) = B(Z) = ln 1 = 0.
TO_Z = {20: [2], 30: [2, 1]}
# The latest merge is into a work that is not in the snapshot: references to X vanish.
NOWHERE = {20: [2], 30: []}
SIGNAL = {1: math.log(5) / 1, 2: math.log(10) / 2}

ROWS = {
    "one list, latest row last": ([Merge("W10", "W20", EARLY, EARLY), Merge("W10", "W30", LATE, EARLY)], TO_Z),
    "one list, latest row first": ([Merge("W10", "W30", LATE, EARLY), Merge("W10", "W20", EARLY, EARLY)], TO_Z),
    "two lists, latest in the later-named one": (
        [Merge("W10", "W20", EARLY, EARLY), Merge("W10", "W30", LATE, LATE)], TO_Z),
    "two lists, latest in the earlier-named one": (
        [Merge("W10", "W30", LATE, EARLY), Merge("W10", "W20", EARLY, LATE)], TO_Z),
    "the latest merge leads into a chain": (
        [Merge("W10", "W99", LATE, LATE), Merge("W10", "W20", EARLY, EARLY), Merge("W99", "W30", "2024-02-01", EARLY)], TO_Z),
    "the latest merge is into a missing work": (
        [Merge("W10", "W30", EARLY, EARLY), Merge("W10", "W98", LATE, LATE)], NOWHERE),
}


def _assert_citers(published: Published, expected: dict[int, list[int]]) -> None:
    citers = pl.read_parquet(published.current / "citers.parquet")
    for cited, citing in expected.items():
        row = published.row(f"W{cited}")
        network = sum(SIGNAL[q] for q in citing)
        assert (row["citers_in_snapshot"], row["citers_considered"]) == (len(citing), len(citing)), cited
        assert row["network_score"] == pytest.approx(network, rel=1e-12, abs=1e-15), cited
        assert row["datarank"] == pytest.approx(D * network, rel=1e-12, abs=1e-15), cited
        rows = citers.filter(pl.col("cited_id") == cited).sort("citer_rank")
        assert rows["citing_id"].to_list() == citing, cited


@pytest.mark.parametrize("how", sorted(ROWS))
def test_a_work_merged_twice_keeps_its_latest_merge(
    tmp_path: Path, publish: Callable[..., Published], how: str
) -> None:
    merges, expected = ROWS[how]
    snapshot = write_legacy_snapshot(tmp_path / "snapshot", {"2024-01-01": WORKS}, merges)
    published = publish(snapshot)
    assert sorted(published.scores["work_id"]) == ["W1", "W2", "W20", "W30"]
    assert published.counts["merged_or_deleted_dropped"] == 1
    _assert_citers(published, expected)


def test_a_later_merge_arriving_on_a_night_moves_the_citations_and_an_older_one_does_not(tmp_path: Path) -> None:
    """Night 1: X merged into Y. Night 2: a new list merges X into Z on a later date: W1 and W2's
    references to X move to Z. Night 3: a list named after every other one arrives with a row
    merging X into Y on an earlier date; Z keeps them (the date decides, not the list or the night)."""
    snapshot, data_dir = tmp_path / "snapshot", tmp_path / "out"
    lists = [Merge("W10", "W20", EARLY, EARLY)]

    def night() -> Published:
        write_legacy_snapshot(snapshot, {"2024-01-01": WORKS}, lists, keep_unchanged=True)
        return read_published(run(Settings(snapshot=str(snapshot), data_dir=data_dir)), data_dir)

    # Y is cited by W2 (directly and through X: one citer) and W1.
    _assert_citers(night(), {20: [2, 1], 30: []})
    lists.append(Merge("W10", "W30", LATE, LATE))
    published = night()
    assert published.state.ingest_summary["build"]["mode"] == "incremental"
    _assert_citers(published, TO_Z)
    lists.append(Merge("W10", "W20", "2023-12-01", "2024-06-01"))
    _assert_citers(night(), TO_Z)


# ---------------------------------------------------------------- deleted_ids.csv
# W4 and W6 are deleted (W6 listed twice, on two dates; W9, also listed, was never exported); W5 is
# merged into W4, so W3's reference to W5 leads nowhere. Left: W1, W2, W3.
DELETION_FILES = {
    "updated_date=2025-01-01/part_000": [
        work(1, cited_by_count=10, authors=[1], heavy=True),
        work(2, cited_by_count=3, refs=[1, 4], authors=[2], heavy=True),
        work(3, cited_by_count=8, refs=[5], authors=[3], heavy=True),
        work(4, cited_by_count=6, refs=[1], authors=[4], heavy=True),
        work(5, cited_by_count=2, refs=[1], authors=[5], heavy=True),
        work(6, cited_by_count=50, refs=[1, 3], authors=[6], heavy=True),
    ]
}
DELETIONS = [(4, "2025-03-01"), (6, "2025-03-01"), (9, "2025-03-01"), (6, "2025-03-05")]
MERGES = [("2025-02-01", 5, 4)]


@pytest.mark.parametrize("when", ["in one run", "on a night after a run without them"])
def test_deleted_works_take_their_citations_with_them(tmp_path: Path, when: str) -> None:
    snapshot, data_dir = tmp_path / "snapshot", tmp_path / "out"
    if when != "in one run":
        write_release(snapshot, Release(files=DELETION_FILES), "jsonl")
        run(Settings(snapshot=str(snapshot), data_dir=data_dir))
    write_release(snapshot, Release(files=DELETION_FILES, merges=MERGES, deletions=DELETIONS), "jsonl")
    # 6 works → 3: a deliberate drop, past the row-count check's default.
    state = run(Settings(snapshot=str(snapshot), data_dir=data_dir, max_row_drop=1))
    assert state.ingest_summary["counts"]["merged_or_deleted_dropped"] == 3
    scores = pl.read_parquet(data_dir / "current" / "scores.parquet")
    rows = {row["work_id"]: row for row in scores.to_dicts()}
    assert sorted(rows) == ["W1", "W2", "W3"]
    # W1 (C 10): cited by W2 only (C 3, two references: W2's deleted W4 still counts, as
    # referenced_works_count counts it); W4, W5 and W6 cited it but are gone.
    assert rows["W1"]["citers_in_snapshot"] == 1
    assert rows["W1"]["datarank"] == pytest.approx(0.15 * math.log(11) + D * math.log(4) / 2, rel=1e-12)
    # W3 (C 8): its only citer W6 was deleted.
    assert rows["W3"]["citers_in_snapshot"] == 0
    assert rows["W3"]["datarank"] == pytest.approx(0.15 * math.log(9), rel=1e-12)
    assert rows["W2"]["datarank"] == pytest.approx(0.15 * math.log(4), rel=1e-12)
    citers = pl.read_parquet(data_dir / "current" / "citers.parquet")
    assert sorted(zip(citers["cited_id"], citers["citing_id"], strict=True)) == [(1, 2)]
