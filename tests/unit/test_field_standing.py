"""Field-normalised standing: rank and percentile of DataRank within OpenAlex's subfield ×
publication_year and field × publication_year, computed by the scoring SQL on a hand-made core whose
expected values are worked out by hand below (docs/standing.md)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
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
    assert {k: standing[5][k] for k in ("subfield_id", "subfield_name", "field_id", "field_name", "openalex_fwci",
                                        "openalex_normalized_percentile")} == {
        "subfield_id": 1805, "subfield_name": "Theoretical Computer Science",
        "field_id": 18, "field_name": "Decision Sciences", "openalex_fwci": 1.25, "openalex_normalized_percentile": 0.05,
    }
    assert all(standing[7][k] is None for k in ("subfield_id", "field_name", "openalex_fwci"))
    # the global rank is untouched: by C desc, ties by id
    assert sorted(standing, key=lambda n: standing[n]["rank"]) == [11, 10, 1, 5, 2, 3, 8, 6, 7, 9, 4]


def test_spearman_per_field_with_openalex_by_hand(tmp_path: Path) -> None:
    from fair_oracle import spearman

    # work: (C, subfield, OpenAlex's normalised percentile); every work of 2020
    works = {
        # field 18, one subfield: DataRank's percentiles 0, 33.3, 66.7, 100 (ranks 1–4), OpenAlex's
        # ranks 1, 3, 2, 4: ρ = 1 − 6 · Σd² / (n (n² − 1)) = 1 − 6 · 2 / 60 = 0.8
        1: (1, 1804, 0.1), 2: (2, 1804, 0.3), 3: (3, 1804, 0.2), 4: (4, 1804, 0.9),
        5: (9, 1804, None),  # no OpenAlex percentile: not in the cohort (but in the subfield's group)
        6: (5, 2700, 0.5), 7: (6, 2700, 0.4),  # field 27: two works, too few for a ρ
        8: (1, 3301, 0.7), 9: (2, 3302, 0.8), 10: (3, 3303, 0.9),  # field 33: all at 100, no spread
        11: (7, None, 0.95),  # no topic: in no field
    }
    context = {n: ({"subfield_id": s, "field_id": s // 100, "field_name": f"Field {s // 100}",
                    "openalex_normalized_percentile": p} if s else {"openalex_normalized_percentile": p})
               for n, (_, s, p) in works.items()}
    scores = scores_of(tmp_path, [{"work_id": n, "cited_by_count": c, "publication_year": 2020, "type": "article"}
                                  for n, (c, _, _) in works.items()], context=context)
    agreement = pl.read_parquet(tmp_path / "staged" / "openalex_agreement.parquet").to_dicts()
    # the subfield × year percentiles of the 4 works of 1804 with OpenAlex's value: 5 is the best of 5
    by_work = {row["work_number"]: row["subfield_year_percentile"] for row in scores.to_dicts()}
    assert [by_work[n] for n in (1, 2, 3, 4)] == [0.0, 25.0, 50.0, 75.0]
    pairs = [(by_work[n], p) for n, (_, s, p) in works.items() if s and p is not None]
    assert agreement[0]["field_id"] is None and agreement[0]["field_name"] == "all fields"
    assert agreement[0]["works"] == 9
    assert agreement[0]["spearman"] == pytest.approx(spearman([x for x, _ in pairs], [y for _, y in pairs]), rel=1e-12)
    assert [(row["field_id"], row["field_name"], row["works"]) for row in agreement[1:]] == [
        (18, "Field 18", 4), (27, "Field 27", 2), (33, "Field 33", 3)]
    assert agreement[1]["spearman"] == pytest.approx(0.8, rel=1e-12)
    assert agreement[2]["spearman"] is None  # fewer than 3 works
    assert agreement[3]["spearman"] is None  # DataRank's percentiles have no spread
