"""Field-normalised standing: rank and percentile of DataRank within OpenAlex's subfield ×
publication_year and field × publication_year, computed by the scoring SQL on a hand-made core whose
expected values are worked out by hand below (docs/standing.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tiers import scores_of

# Without citers, DataRank = 0.15 · ln(1 + C) orders works exactly as C does.
# work: (C, publication_year, subfield_id, field_id)
WORKS = {
    1: (10, 2020, 1804, 18),
    2: (5, 2020, 1804, 18),
    3: (5, 2020, 1804, 18),  # tied with 2
    4: (0, 2020, 1804, 18),
    5: (7, 2020, 1805, 18),  # alone in its subfield × year, one of five in its field × year
    6: (3, 2021, 1804, 18),  # alone in 2021
    7: (2, 2020, None, None),  # no topic: 7 and 8 are a group of their own in 2020
    8: (4, 2020, None, None),
    9: (1, 2021, None, None),  # no topic, alone in 2021
    10: (20, None, 1804, 18),  # no year: a group of its own
    11: (50, 2020, 2700, 27),  # another field
}
NAMES = {1804: "Statistics, Probability and Uncertainty", 1805: "Theoretical Computer Science", 2700: "General Medicine",
         18: "Decision Sciences", 27: "Medicine"}


def _context(number: int) -> dict[str, object]:
    _, _, subfield, field = WORKS[number]
    if subfield is None:
        return {}
    return {"topic_id": 10000 + number, "topic_name": f"Topic {number}", "subfield_id": subfield,
            "subfield_name": NAMES[subfield], "field_id": field, "field_name": NAMES[field],
            "openalex_fwci": number / 4, "openalex_normalized_percentile": number / 100}


@pytest.fixture(scope="module")
def standing(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, object]]:
    works = [{"work_id": n, "cited_by_count": c, "publication_year": y, "type": "article"}
             for n, (c, y, _, _) in WORKS.items()]
    scores = scores_of(Path(tmp_path_factory.mktemp("standing")), works, context={n: _context(n) for n in WORKS})
    return {row["work_number"]: row for row in scores.to_dicts()}


def test_subfield_year_standing_by_hand(standing: dict[int, dict[str, object]]) -> None:
    got = {n: (row["subfield_year_rank"], row["subfield_year_works"], row["subfield_year_percentile"])
           for n, row in standing.items()}
    assert got == {
        # 1804 × 2020: C = 10, 5, 5, 0 → of the 3 others, 3, 1, 1, 0 are strictly lower
        1: (1, 4, 100.0),
        2: (2, 4, pytest.approx(100 / 3)),
        3: (3, 4, pytest.approx(100 / 3)),  # tied with 2: same percentile, rank by id
        4: (4, 4, 0.0),
        5: (1, 1, 100.0),  # a group of one is 100
        6: (1, 1, 100.0),
        7: (2, 2, 0.0),  # without a topic: 7 and 8 of 2020 are one group
        8: (1, 2, 100.0),
        9: (1, 1, 100.0),
        10: (1, 1, 100.0),  # a null year is a group of its own
        11: (1, 1, 100.0),
    }


def test_field_year_standing_by_hand(standing: dict[int, dict[str, object]]) -> None:
    got = {n: (row["field_year_rank"], row["field_year_works"], row["field_year_percentile"])
           for n, row in standing.items()}
    assert got == {
        # field 18 × 2020 holds both subfields: C = 10, 7, 5, 5, 0 → 4, 3, 1, 1, 0 of the 4 others lower
        1: (1, 5, 100.0),
        5: (2, 5, 75.0),
        2: (3, 5, 25.0),
        3: (4, 5, 25.0),
        4: (5, 5, 0.0),
        6: (1, 1, 100.0),
        7: (2, 2, 0.0),
        8: (1, 2, 100.0),
        9: (1, 1, 100.0),
        10: (1, 1, 100.0),
        11: (1, 1, 100.0),  # field 27 is not field 18
    }


def test_the_context_and_openalex_indicators_pass_through(standing: dict[int, dict[str, object]]) -> None:
    assert {k: standing[5][k] for k in ("topic_id", "topic_name", "subfield_id", "subfield_name", "field_id",
                                        "field_name", "openalex_fwci", "openalex_normalized_percentile")} == {
        "topic_id": "T10005", "topic_name": "Topic 5", "subfield_id": 1805, "subfield_name": "Theoretical Computer Science",
        "field_id": 18, "field_name": "Decision Sciences", "openalex_fwci": 1.25, "openalex_normalized_percentile": 0.05,
    }
    assert all(standing[7][k] is None for k in ("topic_id", "subfield_id", "field_name", "openalex_fwci"))
    # the global rank is untouched: by C desc, ties by id
    assert sorted(standing, key=lambda n: standing[n]["rank"]) == [11, 10, 1, 5, 2, 3, 8, 6, 7, 9, 4]
