"""The units' leaderboards (docs/units.md) on six works written out by hand: full and fractional
counting, PP(top 10%) and PP(top 1%), top10_mean, names, ranks and the core corpus.

The declared models (datarank.models) run on hand-made tables of the columns the core and the
scores give them; every expected figure below is worked out in the comments, not by the code.

The works (DataRank; year × type percentile in a group of n):
    W1  DataRank 2.0, percentile 100 of 11 → top 10% and top 1%. Three authorships:
        1: institutions I10 (US) and I20 (DE), countries US and DE → each 1/(3·2) = 1/6
        2: no institution, no country → its 1/3 is assigned to no one
        3: institution I10, country US → 1/3
        so I10 1/6 + 1/3 = 1/2, I20 1/6; US 1/2, DE 1/6.
        Source S100 (named "Zeta" here), field 17 Computer Science.
    W2  DataRank 1.0, percentile 90 of 11 → top 10% (exactly at the line), not top 1%. Two
        authorships: I20 (DE), I30 (FR) → 1/2 each. Source S100 ("Alpha"), field 17.
    W3  DataRank 3.0, paratext: outside the default core corpus. I10, US; source S200 ("Gamma").
    W4  DataRank 4.0, retracted: outside the default core corpus. I30, FR.
    W5  DataRank 0.5, a review at percentile 80 of 11 → neither. I10, US (weight 1). Source S200
        ("Beta"), field 27 Medicine.
    W6  DataRank 0, alone in its year × type (percentile 100 of 1), but DataRank 0 is never in a
        top x%. I10 with no country. No source, no field.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from datarank.engines.duckdb import run_models
from datarank.models import FULL, SCORE_MODELS
from datarank.settings import CoreCorpus

UNIT_MODELS = ("int_datarank__unit_works", "int_datarank__unit_links", "int_datarank__unit_totals",
               "out_datarank__institutions", "out_datarank__sources", "out_datarank__countries", "out_datarank__fields")

#: work: (datarank, year_type_percentile, year_type_works, type, paratext, retracted, source, source name, field)
WORKS = {
    1: (2.0, 100.0, 11, "article", False, False, 100, "Zeta", (17, "Computer Science")),
    2: (1.0, 90.0, 11, "article", False, False, 100, "Alpha", (17, "Computer Science")),
    3: (3.0, 100.0, 11, "paratext", True, False, 200, "Gamma", (None, None)),
    4: (4.0, 100.0, 11, "article", False, True, None, None, (None, None)),
    5: (0.5, 80.0, 11, "review", False, False, 200, "Beta", (27, "Medicine")),
    6: (0.0, 100.0, 1, "dataset", False, None, None, None, (None, None)),
}
#: (work, authorship, institution, name, country of the institution, weight)
INSTITUTIONS = [
    (1, 1, 10, "Inst Ten", "US", 1 / 6), (1, 1, 20, "Inst Twenty", "DE", 1 / 6), (1, 3, 10, "Inst Ten", "US", 1 / 3),
    (2, 1, 20, "Inst Twenty", "DE", 1 / 2), (2, 2, 30, "Inst Thirty", "FR", 1 / 2),
    (3, 1, 10, "Inst 10", "US", 1.0), (4, 1, 30, "Inst Thirty", "FR", 1.0),
    (5, 1, 10, "Inst 10", "US", 1.0), (6, 1, 10, "Inst Ten", None, 1.0),
]
#: (work, authorship, country, weight)
COUNTRIES = [
    (1, 1, "US", 1 / 6), (1, 1, "DE", 1 / 6), (1, 3, "US", 1 / 3),
    (2, 1, "DE", 1 / 2), (2, 2, "FR", 1 / 2),
    (3, 1, "US", 1.0), (4, 1, "FR", 1.0), (5, 1, "US", 1.0),
]
AUTHORSHIPS = {1: 3, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1}


def build(folder: Path, corpus: str = "no-paratext,no-retracted") -> dict[str, pl.DataFrame]:
    """Run the unit models over the hand-made tables; their outputs by file name."""
    connection = duckdb.connect()
    damping = 0.85
    connection.execute("create table out_datarank__scores (work_number bigint, datarank double, rank bigint, "
                       "base_contribution double, year_type_percentile double, year_type_works bigint, type varchar)")
    ranked = sorted(WORKS, key=lambda w: (-WORKS[w][0], w))
    for work, (datarank, percentile, works, kind, *_rest) in WORKS.items():
        # All of DataRank as the base part: the fixed-point key then follows DataRank.
        connection.execute("insert into out_datarank__scores values (?, ?, ?, ?, ?, ?, ?)",
                           [work, datarank, ranked.index(work) + 1, datarank, percentile, works, kind])
    connection.execute("create table int_datarank__network (cited_id bigint, network_fixed bigint)")
    connection.execute(
        "create table core_openalex__work_context (work_id bigint, paratext boolean, is_retracted boolean, "
        "source_id bigint, source_name varchar, field_id integer, field_name varchar, n_authorships integer)"
    )
    for work, (_, _, _, _, paratext, retracted, source, source_name, (field, field_name)) in WORKS.items():
        connection.execute("insert into core_openalex__work_context values (?, ?, ?, ?, ?, ?, ?, ?)",
                           [work, paratext, retracted, source, source_name, field, field_name, AUTHORSHIPS[work]])
    connection.execute("create table core_openalex__work_institutions (work_id bigint, authorship integer, "
                       "institution_id bigint, institution_name varchar, country_code varchar, weight double)")
    connection.executemany("insert into core_openalex__work_institutions values (?, ?, ?, ?, ?, ?)", INSTITUTIONS)
    connection.execute("create table core_openalex__work_countries (work_id bigint, authorship integer, "
                       "country_code varchar, weight double)")
    connection.executemany("insert into core_openalex__work_countries values (?, ?, ?, ?)", COUNTRIES)
    models = [model for model in SCORE_MODELS if model.name in UNIT_MODELS]
    params = {"damping": damping, **CoreCorpus.parse(corpus).params}
    run_models(connection, models, FULL, folder, params)
    connection.close()
    return {path.stem: pl.read_parquet(path) for path in folder.glob("*.parquet")}


def rows(frame: pl.DataFrame, key: str) -> dict[object, dict[str, object]]:
    return {row[key]: row for row in frame.to_dicts()}


def assert_row(got: dict[str, object], want: dict[str, object]) -> None:
    for column, value in want.items():
        if isinstance(value, float):
            assert got[column] == pytest.approx(value, rel=1e-12, abs=1e-15), (got, column)
        else:
            assert got[column] == value, (got, column)


def test_institutions_by_hand(tmp_path: Path) -> None:
    institutions = build(tmp_path)["institutions"]
    assert institutions.columns == [
        "institution_id", "institution_name", "works_full", "works_fractional", "datarank_sum", "datarank_mean",
        "pp_top10_full", "pp_top10_fractional", "pp_top1_full", "pp_top1_fractional", "top10_mean", "rank",
    ]
    found = rows(institutions, "institution_id")
    assert sorted(found) == ["I10", "I20", "I30"]  # W3 and W4 are outside the core corpus
    # I10: W1 (1/2), W5 (1), W6 (1). Sum 1/2·2 + 1·0.5 + 1·0 = 1.5; only W1 is in the top 10% and 1%.
    # Named "Inst Ten" by W1 and W6, "Inst 10" by W5 alone.
    assert_row(found["I10"], {
        "institution_name": "Inst Ten", "works_full": 3, "works_fractional": 2.5, "datarank_sum": 1.5,
        "datarank_mean": 1.5 / 2.5, "pp_top10_full": 1 / 3, "pp_top10_fractional": 0.5 / 2.5, "pp_top1_full": 1 / 3,
        "pp_top1_fractional": 0.5 / 2.5, "top10_mean": (2.0 + 0.5 + 0.0) / 3, "rank": 1,
    })
    # I20: W1 (1/6), W2 (1/2). Sum 2/6 + 1/2 = 5/6 over 2/3 of a work: mean 1.25. Both works in the
    # top 10%; only W1 (1/6 of the 2/3) in the top 1%.
    assert_row(found["I20"], {
        "institution_name": "Inst Twenty", "works_full": 2, "works_fractional": 2 / 3, "datarank_sum": 5 / 6,
        "datarank_mean": 1.25, "pp_top10_full": 1.0, "pp_top10_fractional": 1.0, "pp_top1_full": 0.5,
        "pp_top1_fractional": 0.25, "top10_mean": 1.5, "rank": 2,
    })
    # I30: W2 (1/2); W4 is retracted.
    assert_row(found["I30"], {
        "institution_name": "Inst Thirty", "works_full": 1, "works_fractional": 0.5, "datarank_sum": 0.5,
        "datarank_mean": 1.0, "pp_top10_full": 1.0, "pp_top10_fractional": 1.0, "pp_top1_full": 0.0,
        "pp_top1_fractional": 0.0, "top10_mean": 1.0, "rank": 3,
    })
    # What is assigned: W1 2/3 (its second authorship has no institution), W2, W5 and W6 whole.
    assert institutions["works_fractional"].sum() == pytest.approx(2 / 3 + 1 + 1 + 1)
    assert institutions["works_full"].sum() == 3 + 2 + 1  # distinct (work, institution) pairs


def test_countries_by_hand(tmp_path: Path) -> None:
    found = rows(build(tmp_path)["countries"], "country_code")
    assert sorted(found) == ["DE", "FR", "US"]
    # US: W1 (1/6 + 1/3 = 1/2), W5 (1); W6's authorship has no country. Sum 1 + 0.5 = 1.5.
    assert_row(found["US"], {
        "country_name": "US", "works_full": 2, "works_fractional": 1.5, "datarank_sum": 1.5, "datarank_mean": 1.0,
        "pp_top10_full": 0.5, "pp_top10_fractional": 0.5 / 1.5, "pp_top1_full": 0.5, "pp_top1_fractional": 0.5 / 1.5,
        "top10_mean": 1.25, "rank": 1,
    })
    # DE: W1 (1/6: its first authorship has two countries), W2 (1/2).
    assert_row(found["DE"], {
        "works_full": 2, "works_fractional": 2 / 3, "datarank_sum": 5 / 6, "datarank_mean": 1.25,
        "pp_top10_fractional": 1.0, "pp_top1_fractional": 0.25, "rank": 2,
    })
    assert_row(found["FR"], {"works_full": 1, "works_fractional": 0.5, "datarank_sum": 0.5, "rank": 3})


def test_sources_and_fields_take_a_work_whole(tmp_path: Path) -> None:
    built = build(tmp_path)
    sources = rows(built["sources"], "source_id")
    # S100: W1 and W2, named "Zeta" once and "Alpha" once: the smaller wins the tie. S200: W5
    # only (W3, its "Gamma", is paratext). W6 has no source.
    assert sorted(sources) == ["S100", "S200"]
    assert_row(sources["S100"], {
        "source_name": "Alpha", "works_full": 2, "works_fractional": 2.0, "datarank_sum": 3.0, "datarank_mean": 1.5,
        "pp_top10_full": 1.0, "pp_top10_fractional": 1.0, "pp_top1_full": 0.5, "pp_top1_fractional": 0.5,
        "top10_mean": 1.5, "rank": 1,
    })
    assert_row(sources["S200"], {"source_name": "Beta", "works_full": 1, "works_fractional": 1.0, "datarank_sum": 0.5,
                                 "pp_top10_full": 0.0, "rank": 2})
    fields = rows(built["fields"], "field_id")
    assert sorted(fields) == [17, 27]
    assert_row(fields[17], {"field_name": "Computer Science", "works_full": 2, "datarank_sum": 3.0, "rank": 1})
    assert_row(fields[27], {"field_name": "Medicine", "works_full": 1, "datarank_sum": 0.5, "pp_top10_full": 0.0,
                            "rank": 2})


def test_the_core_corpus_decides_which_works_count(tmp_path: Path) -> None:
    # Every work: W3 (paratext, 3.0) adds to I10 and W4 (retracted, 4.0) to I30. Their sums are
    # equal: I10 1/6 · 2 + 1/3 · 2 + 3.0 + 0.5 + 0 = 4.5, I30 4.0 + 1/2 · 1.0 = 4.5, so they tie
    # (in fixed point too: 2^33/6 and 2^33/3 round to 1431655765 and 2863311531, which make 2^32)
    # and the id decides.
    everything = rows(build(tmp_path / "all", "all")["institutions"], "institution_id")
    assert_row(everything["I10"], {"works_full": 4, "works_fractional": 3.5, "datarank_sum": 4.5, "rank": 1})
    assert_row(everything["I30"], {"works_full": 2, "works_fractional": 1.5, "datarank_sum": 4.5, "rank": 2})
    # Reviews only: W5 alone.
    reviews = build(tmp_path / "reviews", "no-paratext,type:review")
    assert rows(reviews["institutions"], "institution_id").keys() == {"I10"}
    assert reviews["sources"]["source_id"].to_list() == ["S200"]


def test_the_core_corpus_setting_is_read_in_one_canonical_spelling() -> None:
    from datarank import UsageError
    from datarank.settings import Settings

    corpus = CoreCorpus.parse(" Type:Review , no-retracted,type:article,no-paratext,type:review")
    assert corpus == CoreCorpus(paratext=False, retracted=False, types=("article", "review"))
    assert corpus.text == "no-paratext,no-retracted,type:article,type:review"
    assert corpus.params == {"core_paratext": 0, "core_retracted": 0, "core_types": ",article,review,"}
    assert CoreCorpus.parse("all").params == {"core_paratext": 1, "core_retracted": 1, "core_types": ""}
    assert CoreCorpus.parse("").text == "all"
    assert Settings(core_corpus="no-retracted").core_corpus == "no-retracted"
    assert Settings().score_params["core_paratext"] == 0  # the default leaves paratext out
    for bad in ("all,no-paratext", "type:", "type:Article;drop", "no paratext"):
        with pytest.raises(UsageError, match="--core-corpus: unknown term"):
            CoreCorpus.parse(bad)
