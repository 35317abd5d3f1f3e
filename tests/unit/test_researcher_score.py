"""The researcher score (SPEC §8) on a hand-worked set, scored by the real SQL: an author with more
than ten works (ties at the tenth), one with fewer and a work scored by the network, two authors
tied, and one whose only work has DataRank 0."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import polars as pl
import pytest
from published import write_fair_signals

from datarank.render import render_researcher
from datarank.researchers import explain_researchers
from datarank.score import score
from datarank.settings import Settings

WORKS_SCHEMA = {
    "work_id": pl.Int64, "doi": pl.String, "title": pl.String, "publication_year": pl.Int32, "type": pl.String,
    "cited_by_count": pl.Int64, "referenced_works_count": pl.Int64, "n_referenced_ids": pl.Int64, "is_oa": pl.Boolean,
    "is_retracted": pl.Boolean, "updated_date": pl.Datetime,
}

#: Work → C. Nobody cites works 1–17; work 19 (C = 9, one reference) cites work 18.
CITED_BY = {
    **{i: 13 - i for i in range(1, 10)},  # works 1…9: C = 12 … 4
    10: 3, 11: 3,  # tied at the tenth place of author 100: the lower id, work 10, counts
    12: 1,
    13: 50, 14: 0, 15: 7, 18: 0,  # author 200's works
    16: 20,  # authors 250 and 300, alone on it: tied
    17: 0,  # author 400: DataRank 0
    19: 9,  # no author; its citation gives work 18 network signal
}
AUTHORS = {
    100: list(range(1, 13)),  # 12 works
    200: [13, 14, 15, 18],
    250: [16],
    300: [16],
    400: [17],
}


def b(c: int) -> float:
    """Base contribution 0.15·ln(1 + C) of a work nobody in the set cites."""
    return 0.15 * math.log1p(c)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("researchers")
    core, staged = tmp / "core", tmp / "staged"
    core.mkdir()
    staged.mkdir()
    works = [{"work_id": w, "cited_by_count": c, "doi": None, "title": f"work {w}", "publication_year": 2020,
              "type": "article", "is_oa": None, "referenced_works_count": 1, "n_referenced_ids": 1}
             for w, c in CITED_BY.items()]
    pl.DataFrame(works, schema=WORKS_SCHEMA).write_parquet(core / "works.parquet")
    pl.DataFrame([(19, 18)], schema={"citing_id": pl.Int64, "cited_id": pl.Int64}, orient="row").write_parquet(
        core / "citations.parquet")
    pl.DataFrame([(w, a) for a, ws in AUTHORS.items() for w in ws], schema={"work_id": pl.Int64, "author_id": pl.Int64},
                 orient="row").write_parquet(core / "authorships.parquet")
    write_fair_signals(core, [{"work_id": w} for w in CITED_BY])
    score(Settings(data_dir=tmp / "lake"), core, staged)
    # What explain reads from a published version: its manifest and the core's authorships too.
    shutil.copy(core / "authorships.parquet", staged / "authorships.parquet")
    (staged / "manifest.json").write_text("{}")
    return staged


def test_researcher_scores_worked_by_hand(staged: Path) -> None:
    got = {row["author_number"]: row for row in pl.read_parquet(staged / "researchers.parquet").to_dicts()}
    # Author 100: twelve works; the ten best are C = 12 … 4 and one of the two C = 3 works.
    top_ten = sum(b(c) for c in range(3, 13)) / 10
    # Author 200: four works, all count; work 18 has C = 0 but its citer passes 0.85·ln(1 + 9)/1.
    author_200 = (b(50) + b(0) + b(7) + 0.85 * math.log(10)) / 4
    expected = {
        # author: (works, score, rank, percentile); 5 authors, so percentile = 100·lower/4
        200: (4, author_200, 1, 100.0),  # 0.7147, above everyone
        250: (1, b(20), 2, 50.0),  # 0.4567; tied with 300, so by author id: 250 first
        300: (1, b(20), 3, 50.0),  # tied: the same percentile (2 authors strictly lower)
        100: (12, top_ten, 4, 25.0),  # 0.3114
        400: (1, 0.0, 5, 0.0),
    }
    assert sorted(got) == sorted(expected)
    for author, (works, value, rank, percentile) in expected.items():
        row = got[author]
        assert row["author_id"] == f"A{author}"
        assert (row["works"], row["rank"]) == (works, rank), author
        assert row["researcher_score"] == pytest.approx(value, rel=1e-12), author
        assert row["percentile"] == pytest.approx(percentile), author
    assert top_ten == pytest.approx(0.3114, abs=1e-4) and author_200 == pytest.approx(0.7147, abs=1e-4)


def test_explain_lists_the_ten_works_that_make_the_score(staged: Path) -> None:
    explained = {e.researcher["author_number"]: e for e in explain_researchers(staged, [100, 200, 999])}
    assert sorted(explained) == [100, 200]  # an author of no work is left out
    # Works 10 and 11 are tied (C = 3): the lower id is the tenth; work 12 (C = 1) is out.
    assert [w.work_id for w in explained[100].works] == [f"W{i}" for i in range(1, 11)]
    assert [w.position for w in explained[100].works] == list(range(1, 11))
    # Best first: work 18 (network, 1.957), 13 (b(50) = 0.590), 15 (b(7) = 0.312), 14 (0).
    assert [w.work_id for w in explained[200].works] == ["W18", "W13", "W15", "W14"]
    mean = sum(w.datarank for w in explained[100].works) / 10
    assert mean == pytest.approx(explained[100].researcher["researcher_score"], rel=1e-12)

    text = render_researcher(explained[100])
    assert text.startswith("A100  researcher · 12 works in the snapshot\n")
    assert "Researcher score 0.3   (exactly 0.3114; rank 4 of 5, top 80.0%, percentile 25.0)" in text
    assert "  the mean DataRank of the best 10 of 12 works (at most the ten best count)" in text
    assert "W11 " not in text and "W10 " in text
    assert "the mean DataRank of all 4 works" in render_researcher(explained[200])
