"""A dozen works whose DataRank is worked out by hand, one rule of SPEC §2–§3 per citer.

cap = 3, d = 0.85. Expected values are written as formulas of math.log, with the reason each
citer counts (or does not); nothing here comes from the pipeline or the oracle.

The graph (C = cited_by_count of the winning copy, out = outdegree):

    W100 (C 10, authors A1 A2) ← W5 (C 50, out 3)       considered, 1st
                               ← W30 (C 20, A1)          considered, 2nd, self-citation (shares A1)
                               ← W9 (C 7, out 2)         considered, 3rd: ties W40 at C 7, 9 < 40
                               ← W40 (C 7)               outside the cap (tie lost on id)
                               ← W60 (C 1, A2)           outside the cap: a self-citation NOT excluded
                               ✗ W300 (C 500)            merged into W200, dropped: not a citer
    W200 (C 0)                 ← W80 (C 8, out 2)        referenced_works_count absent
                               ← W90 (C 4, out 1)        cites W300, redirected to W200
                               ← W70 (C 3, out 0 → 1)    max(outdegree, 1)
                               ← W91 (C null → 0)        cites W310 → W300 → W200; outside the cap
                               ✗ W200 itself             self-reference ignored
    W400 (C 2)                 ← W60 (C 1, out 2), W91 (C 0, out 3)
    W5   (C 50)                ← W9 (newer copy only)    W5's self-reference ignored
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import OPENALEX, work

CAP = 3
D = 0.85
log = math.log


def hand_graph(root: Path) -> Path:
    return write_legacy_snapshot(
        root,
        {
            "2024-01-01": [
                work(100, cited_by_count=10, refs=[], authors=[1, 2]),
                # W5 references itself (ignored) and a work never exported (ignored); the
                # referenced_works_count field (3) is its outdegree all the same.
                work(5, cited_by_count=50, refs=[100, 999, 5], authors=[5]),
                work(30, cited_by_count=20, refs=[100], authors=[1, 9]),
                # The OLDER copy of W9: were it used, C = 300 would put W9 first and W5 uncited.
                work(9, cited_by_count=300, refs=[100], authors=[4], updated_date="2024-01-01T00:00:00"),
                work(60, cited_by_count=1, refs=[100, 400], authors=[2]),
                work(70, cited_by_count=3, refs=[200], authors=[7], referenced_works_count=0),
                work(
                    80,
                    cited_by_count=8,
                    # Distinct valid ids: W200 (twice, full and bare) and W999 (valid, not in the
                    # snapshot) → outdegree 2. "Wabc" and "bad" are malformed: dropped, counted.
                    refs=[f"{OPENALEX}W200", "W200", 999, f"{OPENALEX}Wabc", "bad"],
                    authors=[8],
                    referenced_works_count=...,
                ),
            ],
            "2024-02-01": [
                # The NEWER copy of W40 sits in the EARLIER partition: updated_date decides.
                work(40, cited_by_count=7, refs=[100], authors=[6], updated_date="2024-02-20T00:00:00"),
                work(90, cited_by_count=4, refs=[300], authors=[10]),
                work(91, cited_by_count=None, refs=[310, 300, 400], authors=[None, 11]),
                work(200, cited_by_count=0, refs=[200], authors=[3]),
                # Merged into W200: dropped, though its C = 500 would top W100's citers.
                work(300, cited_by_count=500, refs=[100], authors=[12]),
                work(400, cited_by_count=2, refs=[], authors=[13], referenced_works_count=...),
            ],
            "2024-03-01": [
                # The NEWER copy of W9: C 7, and it now also cites W5.
                work(9, cited_by_count=7, refs=[100, 5], authors=[4], updated_date="2024-03-01T00:00:00"),
                # The OLDER copy of W40, in the later partition: C = 1000 must not be used.
                work(40, cited_by_count=1000, refs=[100], authors=[6], updated_date="2024-01-15T00:00:00"),
            ],
        },
        merged=[("W300", "W200"), ("W310", "W300")],
    )


@pytest.fixture
def published(tmp_path: Path, publish: Callable[..., Any]) -> Any:
    return publish(hand_graph(tmp_path / "snapshot"), cap=CAP, damping=D)


def close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15)


# work: (datarank, network_score, citers_in_snapshot, considered, self_excluded, with_signal, cap_bound, rank)
EXPECTED: dict[str, tuple[float, float, int, int, int, int, bool, int]] = {
    # W200: considered W80 (C 8), W90 (C 4), W70 (C 3); W91 (C 0) is 4th → outside the cap.
    #   W80: ln(1+8)/2 — outdegree = distinct valid ids {W200, W999}
    #   W90: ln(1+4)/1 — its reference to merged W300 lands on W200
    #   W70: ln(1+3)/max(0, 1)
    "W200": (
        (1 - D) * log(1 + 0) + D * (log(1 + 8) / 2 + log(1 + 4) / 1 + log(1 + 3) / 1),
        log(1 + 8) / 2 + log(1 + 4) / 1 + log(1 + 3) / 1,
        4, 3, 0, 3, True, 1,
    ),
    # W100: considered W5 (C 50), W30 (C 20), W9 (C 7, wins the tie with W40 on id 9 < 40).
    #   W5: ln(1+50)/3 — referenced_works_count 3
    #   W30: self-citation (A1), excluded after the cap
    #   W9: ln(1+7)/2 — the newer copy's C and referenced_works_count
    #   W40, W60 outside the cap; W60 shares A2 but is not counted as excluded.
    "W100": (
        (1 - D) * log(1 + 10) + D * (log(1 + 50) / 3 + log(1 + 7) / 2),
        log(1 + 50) / 3 + log(1 + 7) / 2,
        5, 3, 1, 2, True, 2,
    ),
    # W5: cited by the newer copy of W9 only (its own self-reference does not count).
    "W5": ((1 - D) * log(1 + 50) + D * (log(1 + 7) / 2), log(1 + 7) / 2, 1, 1, 0, 1, False, 3),
    # W400: W60 ln(1+1)/2; W91 has C null → 0, so ln(1)/3 = 0 and no signal.
    "W400": ((1 - D) * log(1 + 2) + D * (log(1 + 1) / 2 + 0.0), log(1 + 1) / 2, 2, 2, 0, 1, False, 4),
    "W30": ((1 - D) * log(1 + 20), 0.0, 0, 0, 0, 0, False, 5),
    "W80": ((1 - D) * log(1 + 8), 0.0, 0, 0, 0, 0, False, 6),
    # W9 and W40 tie at (1 − d)·ln 8: id order, 9 before 40.
    "W9": ((1 - D) * log(1 + 7), 0.0, 0, 0, 0, 0, False, 7),
    "W40": ((1 - D) * log(1 + 7), 0.0, 0, 0, 0, 0, False, 8),
    "W90": ((1 - D) * log(1 + 4), 0.0, 0, 0, 0, 0, False, 9),
    "W70": ((1 - D) * log(1 + 3), 0.0, 0, 0, 0, 0, False, 10),
    "W60": ((1 - D) * log(1 + 1), 0.0, 0, 0, 0, 0, False, 11),
    "W91": (0.0, 0.0, 0, 0, 0, 0, False, 12),
}


def test_the_snapshot_holds_exactly_the_surviving_works(published: Any) -> None:
    # W300 (merged) is dropped; W310 (merged, never exported) and W999 (never exported) are absent.
    assert sorted(published.scores["work_id"].to_list()) == sorted(EXPECTED)


@pytest.mark.parametrize("work_id", list(EXPECTED))
def test_hand_computed_scores(published: Any, work_id: str) -> None:
    datarank, network, in_snapshot, considered, self_excluded, signal, cap_bound, rank = EXPECTED[work_id]
    row = published.row(work_id)
    assert close(row["datarank"], datarank), (row["datarank"], datarank)
    assert close(row["network_score"], network), (row["network_score"], network)
    assert close(row["network_contribution"], D * network)
    assert close(row["base_contribution"] + row["network_contribution"], row["datarank"])
    assert (
        row["citers_in_snapshot"],
        row["citers_considered"],
        row["self_citations_excluded"],
        row["citers_with_signal"],
        row["cap_bound"],
        row["rank"],
    ) == (in_snapshot, considered, self_excluded, signal, cap_bound, rank)


def test_winning_copies_supply_cited_by_count(published: Any) -> None:
    assert published.row("W9")["cited_by_count"] == 7  # newer copy, later partition
    assert published.row("W40")["cited_by_count"] == 7  # newer copy, earlier partition
    assert published.row("W91")["cited_by_count"] == 0  # null → 0


def test_shares_are_null_where_datarank_is_zero(published: Any) -> None:
    nothing = published.row("W91")
    assert nothing["base_share"] is None and nothing["network_share"] is None
    uncited_base = published.row("W200")
    assert uncited_base["base_share"] == 0 and close(uncited_base["network_share"], 1.0)


def test_ingest_accounting(published: Any) -> None:
    counts = published.counts
    assert counts["lines_read"] == 15
    assert counts["good_lines"] == 15 and counts["quarantined"] == 0
    assert counts["duplicates_superseded"] == 2  # older W9, older W40
    assert counts["merged_or_deleted_dropped"] == 1  # W300
    assert counts["works"] == 12
    assert counts["invalid_references"] == 2  # W80: ".../Wabc", "bad"
    assert counts["invalid_authors"] == 1  # W91: author id null
    # Citations between works of the snapshot: W100 ← 5 (W5 W30 W9 W40 W60), W200 ← 4, W400 ← 2,
    # W5 ← 1.
    assert counts["citations"] == 12
