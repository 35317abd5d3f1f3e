"""Ranks within publication_year × type and tiers S1–S5, computed by the scoring SQL on tiny
snapshots whose expected values are worked out by hand (or by a brute-force oracle below)."""

from __future__ import annotations

import math
import tempfile
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from published import write_fair_signals, write_work_context

from datarank import DataRankError
from datarank.outputs import Citer, Explanation
from datarank.render import render_explanation
from datarank.score import score
from datarank.settings import Settings, parse_tiers

WORKS_SCHEMA = {
    "work_id": pl.Int64, "doi": pl.String, "title": pl.String, "publication_year": pl.Int32, "type": pl.String,
    "cited_by_count": pl.Int64, "referenced_works_count": pl.Int64, "n_referenced_ids": pl.Int64, "is_oa": pl.Boolean,
    "is_retracted": pl.Boolean, "updated_date": pl.Datetime,
}


def scores_of(
    tmp: Path, works: list[dict[str, object]], citations: list[tuple[int, int]] = (), tiers: str | None = None,
    context: dict[int, dict[str, object]] | None = None,
) -> pl.DataFrame:
    """Score a snapshot given as core tables (works, citations, no authorships; `context`: work
    id → its work_context columns, none by default) and return the scores, by work id."""
    core, staged = tmp / "core", tmp / "staged"
    core.mkdir()
    staged.mkdir()
    rows = [{"doi": None, "title": None, "is_oa": None, "is_retracted": None, "updated_date": None,
             "referenced_works_count": 1, "n_referenced_ids": 1, **w}
            for w in works]
    pl.DataFrame(rows, schema=WORKS_SCHEMA).write_parquet(core / "works.parquet")
    pl.DataFrame(list(citations), schema={"citing_id": pl.Int64, "cited_id": pl.Int64}, orient="row").write_parquet(
        core / "citations.parquet")
    pl.DataFrame(schema={"work_id": pl.Int64, "author_id": pl.Int64}).write_parquet(core / "authorships.parquet")
    write_fair_signals(core, [{"work_id": row["work_id"]} for row in rows])
    if context:
        write_work_context(core, [row["work_id"] for row in rows], [{**row, "work_id": n} for n, row in context.items()])
    overrides = {"tiers": tiers} if tiers else {}
    score(Settings(data_dir=tmp / "lake", **overrides), core, staged)
    return pl.read_parquet(staged / "scores.parquet").sort("work_number")


def test_tiers_at_the_default_cut_offs_are_quintiles(tmp_path: Path) -> None:
    # 101 works, work i has C = i and no citers: DataRank = 0.15·ln(1 + i) grows with i, so
    # exactly i of the other 100 works are lower and the percentile of work i is 100·i/100 = i.
    works = [{"work_id": i + 1, "cited_by_count": i, "publication_year": 2020, "type": "article"} for i in range(101)]
    scores = scores_of(tmp_path, works)
    assert scores["percentile"].to_list() == pytest.approx([float(i) for i in range(101)])
    expected = (["unranked"] + ["S5"] * 19 + ["S4"] * 20 + ["S3"] * 20 + ["S2"] * 20 + ["S1"] * 21)
    # i = 0 unranked; 1…19 S5; 20…39 S4 (≥ 20); 40…59 S3 (≥ 40); 60…79 S2 (≥ 60); 80…100 S1 (≥ 80)
    assert scores["tier"].to_list() == expected


def test_tiers_at_the_finer_top_cut_offs(tmp_path: Path) -> None:
    works = [{"work_id": i + 1, "cited_by_count": i, "publication_year": 2020, "type": "article"} for i in range(101)]
    scores = scores_of(tmp_path, works, tiers="1,5,10,50")
    expected = (["unranked"] + ["S5"] * 49 + ["S4"] * 40 + ["S3"] * 5 + ["S2"] * 4 + ["S1"] * 2)
    # i = 0 unranked; 1…49 S5; 50…89 S4 (≥ 50); 90…94 S3 (≥ 90); 95…98 S2 (≥ 95); 99, 100 S1 (≥ 99)
    assert scores["tier"].to_list() == expected


def test_tiers_follow_configured_cut_offs(tmp_path: Path) -> None:
    works = [{"work_id": i + 1, "cited_by_count": i, "publication_year": 2020, "type": "article"} for i in range(101)]
    scores = scores_of(tmp_path, works, tiers="10,20,30,40")
    # S1 ≥ 90, S2 ≥ 80, S3 ≥ 70, S4 ≥ 60, S5 below, work 0 unranked.
    expected = ["unranked"] + ["S5"] * 59 + ["S4"] * 10 + ["S3"] * 10 + ["S2"] * 10 + ["S1"] * 11
    assert scores["tier"].to_list() == expected


def test_unranked_means_no_citations_and_no_network_signal(tmp_path: Path) -> None:
    works = [
        {"work_id": 1, "cited_by_count": 0},  # cited by work 3 (C = 4): network signal ln(5)/1 > 0
        {"work_id": 2, "cited_by_count": 0},  # cited by work 4 (C = 0): signal ln(1) = 0
        {"work_id": 3, "cited_by_count": 4},
        {"work_id": 4, "cited_by_count": 0},
    ]
    scores = scores_of(tmp_path, [{"publication_year": 2021, "type": "dataset", **w} for w in works],
                       citations=[(3, 1), (4, 2)])
    assert dict(zip(scores["work_number"], scores["tier"], strict=True)) == {
        1: "S1",  # C = 0 but DataRank 0.85·ln(5)/1 = 1.368, the best of 4: percentile 100
        2: "unranked",  # its only citer has C = 0: DataRank 0
        3: "S2",  # 0.15·ln 5 = 0.241 beats works 2 and 4: percentile 100·2/3 = 66.7, in [60, 80)
        4: "unranked",
    }
    assert scores.filter(pl.col("work_number") == 1)["datarank"].item() == pytest.approx(0.85 * math.log(5))


def test_ranks_and_percentiles_within_year_and_type(tmp_path: Path) -> None:
    works = [
        {"work_id": 1, "cited_by_count": 10, "publication_year": 2020, "type": "dataset"},
        {"work_id": 2, "cited_by_count": 5, "publication_year": 2020, "type": "dataset"},
        {"work_id": 3, "cited_by_count": 0, "publication_year": 2020, "type": "dataset"},
        {"work_id": 4, "cited_by_count": 1, "publication_year": 2020, "type": "article"},  # alone in its group
        {"work_id": 7, "cited_by_count": 2, "publication_year": None, "type": "dataset"},  # null year: a group
        {"work_id": 8, "cited_by_count": 2, "publication_year": None, "type": "dataset"},  # tied with 7
        {"work_id": 9, "cited_by_count": 3, "publication_year": 2020, "type": None},  # null type: a group
    ]
    scores = scores_of(tmp_path, works)
    got = {row["work_number"]: (row["year_type_rank"], row["year_type_works"], row["year_type_percentile"])
           for row in scores.to_dicts()}
    assert got == {
        1: (1, 3, 100.0),
        2: (2, 3, 50.0),  # 1 of the 2 others is strictly lower
        3: (3, 3, 0.0),
        4: (1, 1, 100.0),  # a group of one is 100, as a one-work snapshot is
        7: (1, 2, 0.0),  # tied: same percentile (none strictly lower), rank by id
        8: (2, 2, 0.0),
        9: (1, 1, 100.0),
    }
    # The global columns keep their meaning: rank 1…7 by DataRank desc, ties by id.
    by_rank = scores.sort("rank")["work_number"].to_list()
    assert by_rank == [1, 2, 9, 7, 8, 4, 3]


def test_tied_works_share_a_tier(tmp_path: Path) -> None:
    # C = 0, 3, 3, 7, 7: the two best are tied, so only 3 of the 4 others are strictly lower
    # (percentile 75) and neither reaches S1 (≥ 80) — the documented percentile, applied to ties.
    works = [{"work_id": i, "cited_by_count": c, "publication_year": 2020, "type": "article"}
             for i, c in enumerate([0, 3, 3, 7, 7], start=1)]
    scores = scores_of(tmp_path, works)
    assert scores["percentile"].to_list() == [0.0, 25.0, 25.0, 75.0, 75.0]
    assert scores["tier"].to_list() == ["unranked", "S4", "S4", "S2", "S2"]


@hypothesis_settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from([2019, 2020, None]), st.sampled_from(["a", "b"])),
                min_size=1, max_size=25))
def test_group_standing_matches_a_brute_force_oracle(works: list[tuple[int, int | None, str]]) -> None:
    rows = [{"work_id": i, "cited_by_count": c, "publication_year": y, "type": t}
            for i, (c, y, t) in enumerate(works, start=1)]
    with tempfile.TemporaryDirectory() as folder:
        scores = scores_of(Path(folder), rows)
    n = len(rows)
    for row in scores.to_dicts():
        me = rows[row["work_number"] - 1]
        group = [w for w in rows if (w["publication_year"], w["type"]) == (me["publication_year"], me["type"])]
        # Without citers, DataRank orders exactly as C does.
        lower = sum(w["cited_by_count"] < me["cited_by_count"] for w in group)
        ahead = sum((-w["cited_by_count"], w["work_id"]) < (-me["cited_by_count"], me["work_id"]) for w in group)
        assert row["year_type_works"] == len(group)
        assert row["year_type_rank"] == ahead + 1
        assert row["year_type_percentile"] == pytest.approx(100.0 if len(group) == 1 else 100 * lower / (len(group) - 1))
        below_all = sum(w["cited_by_count"] < me["cited_by_count"] for w in rows)
        percentile = Fraction(100) if n == 1 else Fraction(100 * below_all, n - 1)  # exact
        cut = next((f"S{k}" for k, top in enumerate([20, 40, 60, 80], start=1) if percentile >= 100 - top), "S5")
        assert row["tier"] == ("unranked" if me["cited_by_count"] == 0 else cut)


@pytest.mark.parametrize("text", ["1,5,10", "5,1,10,50", "0,5,10,50", "1,5,10,101", "a,b,c,d", "1,5,5,50", ""])
def test_bad_tier_cut_offs_are_refused(text: str) -> None:
    with pytest.raises(DataRankError, match="--tiers must be four increasing top percentages"):
        parse_tiers(text)


def test_tier_cut_offs_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATARANK_TIERS", "2, 4, 8, 16")
    assert Settings.from_env().tiers == (2.0, 4.0, 8.0, 16.0)
    assert Settings.from_env(tiers="1,5,10,50").tier_params == {
        "tier_s1": 1.0, "tier_s2": 5.0, "tier_s3": 10.0, "tier_s4": 50.0}


def _explanation(tier: str, year: int | None) -> Explanation:
    work = {
        "work_id": "W1", "work_number": 1, "title": "T", "publication_year": year, "type": "dataset", "has_doi": False,
        "is_oa": None, "datarank": 1.0, "rank": 2, "percentile": 96.0, "base_contribution": 1.0,
        "network_contribution": 0.0, "network_score": 0.0, "cited_by_count": 779, "base_share": 1.0,
        "network_share": 0.0, "citers_in_snapshot": 0, "citers_considered": 0, "cap_bound": False,
        "self_citations_excluded": 0, "citers_with_signal": 0, "tier": tier, "year_type_rank": 3,
        "year_type_works": 40, "year_type_percentile": 94.87,
    }
    return Explanation("v000001", 200, 0.85, 50, work, list[Citer](), tiers=[1.0, 5.0, 10.0, 50.0])


def test_explain_text_carries_the_tier_and_the_year_type_standing() -> None:
    text = render_explanation(_explanation("S2", 2024))
    assert "  Tier S2 (top 5% by percentile) · among 2024 dataset works: rank 3 of 40, percentile 94.9" in text
    assert "Unranked (no citations and no network signal) · among year unknown dataset works" in render_explanation(
        _explanation("unranked", None))
    assert "Tier S5 (below the top 50%)" in render_explanation(_explanation("S5", 2024))


def test_the_standing_check_catches_contradictions() -> None:
    import duckdb

    from datarank.db import sql_text

    check = sql_text("checks/scores_standing_inconsistent")
    connection = duckdb.connect()
    # work, datarank, rank, percentile (share of the others strictly lower, by hand), year_type_rank,
    # year_type_percentile, year_type_works, tier
    good = [("W1", 2.0, 1, 100.0, 1, 100.0, 2, "S1"), ("W2", 1.0, 2, 50.0, 2, 0.0, 2, "S4"),
            ("W3", 0.0, 3, 0.0, 1, 100.0, 1, "unranked")]
    # Equal floating-point DataRanks one unit apart in fixed point: two percentiles, two tiers.
    good_float_tie = [("W1", 1.0, 1, 100.0, 1, 100.0, 2, "S1"), ("W2", 1.0, 2, 0.0, 2, 0.0, 2, "S4")]
    broken = {
        "a better work in a worse tier": [("W1", 2.0, 1, 100.0, 1, 100.0, 2, "S4"), ("W2", 1.0, 2, 0.0, 2, 0.0, 2, "S1")],
        "tied works in two tiers": [("W1", 1.0, 1, 0.0, 1, 0.0, 2, "S1"), ("W2", 1.0, 2, 0.0, 2, 0.0, 2, "S2")],
        "unranked with a DataRank": [("W1", 1.0, 1, 100.0, 1, 100.0, 1, "unranked")],
        "a ranked tier at DataRank 0": [("W1", 0.0, 1, 100.0, 1, 100.0, 1, "S5")],
        "a group rank beyond the group": [("W1", 1.0, 1, 100.0, 3, 100.0, 2, "S1")],
        "an unknown tier": [("W1", 1.0, 1, 100.0, 1, 100.0, 1, "S9")],
    }
    columns = "work_id, datarank, rank, percentile, year_type_rank, year_type_percentile, year_type_works, tier"
    for name, rows in {"good": good, "good float tie": good_float_tie, **broken}.items():
        values = ", ".join(str(row) for row in rows)
        connection.execute(f"create or replace view out_datarank__scores as select * from (values {values}) as t({columns})")
        failing = connection.execute(check).fetchall()
        assert bool(failing) == (not name.startswith("good")), name
