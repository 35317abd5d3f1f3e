"""SPEC §2 worked check: a paper cited 2,999 times with no citers in the snapshot.

The seed page shows "DataRank 1.2", "Base Score Contribution 1.2", "Citation Network Contribution
0", "roughly 100% from base citations": 0.15 · ln(3000) = 1.2009.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import work


def test_paper_cited_2999_times_without_citers_scores_its_base_only(
    tmp_path: Path, publish: Callable[..., Any]
) -> None:
    snapshot = write_legacy_snapshot(
        tmp_path / "snapshot",
        {
            "2024-01-01": [
                # The seed paper: 2,999 citations counted by OpenAlex, none of them in the snapshot.
                work(1, cited_by_count=2999, refs=[2], authors=[1]),
                # Cited by W1; W1 citing it must not feed W1's own score.
                work(2, cited_by_count=0, authors=[2]),
            ]
        },
    )
    published = publish(snapshot)
    seed = published.row("W1")

    assert seed["datarank"] == pytest.approx(1.2009, abs=1e-4)
    assert seed["datarank"] == pytest.approx(0.15 * math.log(3000), rel=0, abs=1e-12)
    assert seed["base_score"] == pytest.approx(math.log(3000), rel=1e-12)
    assert seed["base_contribution"] == pytest.approx(0.15 * math.log(3000), rel=1e-12)
    assert seed["network_score"] == 0
    assert seed["network_contribution"] == 0
    assert seed["base_share"] == pytest.approx(1.0, rel=1e-12)
    assert seed["network_share"] == 0
    assert seed["cited_by_count"] == 2999
    assert seed["citers_in_snapshot"] == 0
    assert seed["citers_considered"] == 0
    assert seed["citers_with_signal"] == 0
    assert seed["cap_bound"] is False
    # W2, cited only by the seed paper (outdegree 1), scores 0.85 · ln(3000) and ranks above it.
    cited = published.row("W2")
    assert cited["datarank"] == pytest.approx(0.85 * math.log(3000), rel=1e-12)
    assert cited["base_share"] == 0
    assert (cited["rank"], seed["rank"]) == (1, 2)
