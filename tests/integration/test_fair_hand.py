"""fair_v1 (SPEC §7) on a record set worked out by hand: every signal and gate once, and the
calibration's ties and halves.

The records are JSON Lines (legacy layout), so they can also hold what only JSON can: values of
the wrong type, which never count. Expected points are written out signal by signal below each
record; the calibrated scores are worked out at the end.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from datarank.outputs import query
from datarank.pipeline import run
from datarank.settings import Settings
from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import OPENALEX


def W(n: int) -> str:
    return f"{OPENALEX}W{n}"


def record(number: int, **fields: Any) -> dict[str, Any]:
    """A work with nothing fair_v1 counts, unless `fields` adds it."""
    return {"id": W(number), "title": f"Work {number}", "publication_year": 2020, "type": "article",
            "cited_by_count": 1, "referenced_works": [], "referenced_works_count": 0, "authorships": [],
            "updated_date": "2025-01-01T00:00:00", **fields}


RECORDS = [
    record(
        1,
        doi="https://doi.org/10.1/a",                                   # F 40
        ids={"openalex": W(1), "pmid": "https://pubmed.ncbi.nlm.nih.gov/1"},  # F 10
        indexed_in=["crossref", "DataCite ", "crossref", "", 7],        # 2 distinct: F 20 (at most 20); datacite: I 15
        open_access={"is_oa": True, "any_repository_has_fulltext": True},  # A 50, A 20
        locations=[
            {"is_oa": True, "license": " CC-BY ", "version": "acceptedVersion", "pdf_url": "https://x.org/a.pdf",
             "source": {"type": "journal"}},                            # A 15 (open, pdf), A 15 (open, accepted)
            {"is_oa": False, "license": "cc-by-nc", "version": "publishedVersion", "source": {"type": "Repository"}},
        ],                                                              # a repository: F 20; best licence cc-by: R 50
        # not in locations[]: a third version, so version history (R 20) from three distinct values
        primary_location={"is_oa": True, "license": None, "version": "submittedVersion",
                          "source": {"type": "journal", "display_name": " Journal of Tests "}},
        authorships=[
            {"author": {"id": f"{OPENALEX}A1", "orcid": "https://orcid.org/1"}, "institutions": [{"ror": "https://ror.org/1"}]},
            {"author": {"id": f"{OPENALEX}A2", "orcid": "https://orcid.org/2"}, "institutions": []},
        ],                                                              # any ORCID F 10, every ORCID R 10, a ROR I 10
        referenced_works=[W(9)], referenced_works_count=1,             # outdegree 1: I 15; cites the dataset W9: I 40
        mesh=[{"descriptor_ui": "D1"}],                                 # I 10
        funders=[{"id": f"{OPENALEX}F1"}],                              # I 10, R 10
        corresponding_author_ids=[f"{OPENALEX}A1"],                     # R 10
        abstract_inverted_index={"world": [1], "Hello": [0], "again": [2]},
    ),                                                                  # F 100, A 100, I 100, R 100: raw 100
    record(
        2,
        doi=12345, ids={"pmid": "", "pmcid": 5}, indexed_in="crossref",
        open_access={"is_oa": "true", "any_repository_has_fulltext": 1},
        locations="not a list", primary_location=None, best_oa_location="x",
        authorships=[{"author": {"id": f"{OPENALEX}A3", "orcid": ""}, "institutions": [{"ror": "  "}]}],
        funders=[], grants=["x"], awards=None, mesh=[None], corresponding_author_ids=[""], is_paratext="true",
    ),                                                                  # wrong types and empties: all 0, raw 0
    record(
        3,
        doi=" https://doi.org/10.1/c ",                                 # F 40 (trimmed)
        open_access={"is_oa": True, "any_repository_has_fulltext": False},  # A 50
        locations=[{"is_oa": True, "license": "CC-BY-NC-ND", "version": "PublishedVersion", "pdf_url": "  ",
                    "source": {"type": " repository "}}],               # F 20; A 15 (open, published); no pdf (blank)
        primary_location={"is_oa": False, "license": "Other-OA", "version": "submittedVersion",
                          "source": {"type": "journal", "display_name": "Venue C"}},
        best_oa_location={"is_oa": True, "license": "publisher-specific-oa", "version": "acceptedVersion",
                          "pdf_url": "https://x.org/c.pdf", "source": {"type": "journal"}},  # A 15 (open, pdf)
        # best licence cc-by-nc-nd: R 35; versions published, submitted, accepted: R 20
        authorships=[{"author": {"id": f"{OPENALEX}A4", "orcid": "o"}}, {"author": {"id": f"{OPENALEX}A5", "orcid": None}}],
        referenced_works_count=3,                                       # F 10 (any ORCID), not every one
    ),                                                                  # outdegree 3: I 15; cited by the dataset W9: I 40
    # F 70, A 80, I 55, R 55: raw 65
    record(4, doi="https://doi.org/10.1/d", open_access={"is_oa": True}, is_retracted=True),  # retracted: 0, 0, 0, 0
    record(5, doi="https://doi.org/10.1/e", is_paratext=True),         # not scored
    record(6, doi="https://doi.org/10.1/f", type=" Paratext "),        # not scored
    record(7, doi="https://doi.org/10.1/g", publication_year=None),     # F 40: raw 10, alone in (no year, article)
    record(
        9,
        type="dataset", doi="https://doi.org/10.1/i", indexed_in=["datacite"],  # F 40 + 10; I 15
        referenced_works=[W(3)], referenced_works_count=1,             # I 15; links only to articles: not linked
    ),                                                                  # F 50, I 30: raw 20
    record(10, referenced_works=[W(10), W(11)], referenced_works_count=None),  # outdegree 2 (I 15); W11 is merged
    # into the dataset W9, so W10 cites W9 (I 40); its own id is no link. I 55: raw 13.75
    record(11, doi="https://doi.org/10.1/k"),                           # merged into W9: not a work
    record(
        12,
        locations=[{"is_oa": True, "version": "publishedVersion", "license": "MIT", "pdf_url": "x"},
                   {"is_oa": False, "version": " publishedversion"}],     # one version only: no history
    ),                                                                  # A 15 + 15; R 50 (mit): raw 20
]
MERGED = [("W11", "W9")]

#: (findable, accessible, interoperable, reusable), by work; None = not scored.
DIMENSIONS = {
    1: (100, 100, 100, 100), 2: (0, 0, 0, 0), 3: (70, 80, 55, 55), 4: (0, 0, 0, 0), 5: None, 6: None,
    7: (40, 0, 0, 0), 9: (50, 0, 30, 0), 10: (0, 0, 55, 0), 12: (0, 30, 0, 50),
}
# Calibration over the 8 scored works, by fair_raw: 0 (W2, W4) · 10 (W7) · 13.75 (W10) · 20 (W9, W12)
# · 65 (W3) · 100 (W1). fair_score = 100 · (lower + equal / 2) / 8:
FAIR_SCORE = {2: 12.5, 4: 12.5, 7: 31.25, 10: 43.75, 9: 62.5, 12: 62.5, 3: 81.25, 1: 93.75}
# Shown half up: 12.5 → 13, 62.5 → 63.
SHOWN = {2: "13/100", 4: "13/100", 7: "31/100", 10: "44/100", 9: "63/100", 12: "63/100", 3: "81/100", 1: "94/100"}
# Within year × type: (2020, article) holds W1, W2, W3, W4, W10, W12 (6 works): 0, 0 · 13.75 · 20 · 65 · 100;
# W7 is alone in (no year, article), W9 alone in (2020, dataset): 100 · 0.5 / 1 = 50.
YEAR_TYPE = {2: 100 / 6, 4: 100 / 6, 10: 250 / 6, 12: 350 / 6, 3: 75.0, 1: 550 / 6, 7: 50.0, 9: 50.0}
CHECKLIST = ("has_doi", "in_repository", "is_oa", "datacite_registered", "linked_datasets", "open_licence", "version_history")
CHECKED = {
    1: set(CHECKLIST),
    3: {"has_doi", "in_repository", "is_oa", "linked_datasets", "version_history"},
    4: {"has_doi", "is_oa"}, 5: {"has_doi"}, 6: {"has_doi"}, 7: {"has_doi"},
    9: {"has_doi", "datacite_registered"}, 10: {"linked_datasets"}, 12: {"open_licence"},
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fair-hand")
    write_legacy_snapshot(root / "snapshot", {"2025-01-01": RECORDS}, merged=MERGED)
    run(Settings(snapshot=str(root / "snapshot"), data_dir=root / "out", abstracts=True))
    return root / "out" / "current"


def _scores(current: Path) -> dict[int, dict[str, Any]]:
    return {row["work_number"]: row for row in pl.read_parquet(current / "scores.parquet").to_dicts()}


def test_every_signal_and_gate_scores_the_points_worked_out_by_hand(published: Path) -> None:
    scores = _scores(published)
    assert sorted(scores) == sorted(DIMENSIONS)
    for number, expected in DIMENSIONS.items():
        row = scores[number]
        got = (row["fair_findable"], row["fair_accessible"], row["fair_interoperable"], row["fair_reusable"])
        if expected is None:
            assert got == (None,) * 4 and row["fair_raw"] is None and row["fair_score"] is None, number
            assert row["fair_year_type_score"] is None, number
        else:
            assert got == expected, (number, got)
            assert row["fair_raw"] == sum(expected) / 4, number
        assert {name for name in CHECKLIST if row[name]} == CHECKED.get(number, set()), number


def test_calibration_ties_and_groups_as_worked_out_by_hand(published: Path) -> None:
    from datarank.render import fair_score_label

    scores = _scores(published)
    for number, expected in FAIR_SCORE.items():
        assert math.isclose(scores[number]["fair_score"], expected, rel_tol=1e-12), number
        assert fair_score_label(scores[number]["fair_score"]) == SHOWN[number], number
        assert math.isclose(scores[number]["fair_year_type_score"], YEAR_TYPE[number], rel_tol=1e-12), number


def test_venue_and_abstract_of_the_paper_page(published: Path) -> None:
    signals = pl.read_parquet(published / "fair_signals.parquet")
    venues = dict(zip(signals["work_id"], signals["venue"], strict=True))
    assert venues[1] == "Journal of Tests"  # the primary location's source, trimmed
    assert venues[3] == "Venue C"
    assert venues[2] is None
    # kept as the inverted index, rebuilt into text by the `abstracts` view
    assert pl.read_parquet(published / "abstracts.parquet")["work_id"].to_list() == [1]
    assert query(published.parent, "select work_id, abstract from abstracts").rows() == [(1, "Hello world again")]
