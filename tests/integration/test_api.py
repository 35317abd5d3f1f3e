"""`datarank.open()` for notebooks, and the year × type standing and tiers in exports and explain,
on a published run of the shipped sample."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner
from oracle import compute
from researcher_oracle import work_tiers

import datarank
from datarank import DataRankError
from datarank.cli import main
from tests.factory.growth import SAMPLE


def test_open_gives_the_views_as_relations_and_frames(published_sample: Path) -> None:
    # tests/oracle.py on the shipped sample: 340 lines, one a superseded copy → 339 works; of
    # their 4,717 references, 107 distinct (citing, cited) pairs stay inside the snapshot, two of
    # them self-references, dropped → 105.
    expected_result = compute(SAMPLE)
    expected = expected_result.counts
    assert (expected["works"], expected["citations"]) == (339, 105)
    with datarank.open(published_sample) as results:
        assert results.version == "v000001"
        assert isinstance(results.scores, duckdb.DuckDBPyRelation)
        parquet = pl.read_parquet(published_sample / "current" / "scores.parquet")
        assert results.scores.pl().sort("work_number").equals(parquet.sort("work_number"))
        assert results.frame("scores").collect().sort("work_number").equals(parquet.sort("work_number"))
        assert results.works.count("*").fetchall() == [(expected["works"],)]
        assert results.citations.columns == ["citing_id", "cited_id"]
        citations = results.citations.pl()
        assert citations.height == expected["citations"]
        assert citations.unique().height == citations.height
        assert results.frame("runs").collect()["version"].to_list() == ["v000001"]
        assert results.runs.pl()["works"].to_list() == [expected["works"]]
        dataset = results.sql("select count(*) as n from scores where tier = $tier", {"tier": "S1"}).fetchall()
        assert dataset == [(sum(tier == "S1" for tier in work_tiers(expected_result).values()),)]
        with pytest.raises(DataRankError, match="no view 'secrets'"):
            results.view("secrets")


def test_open_explain_is_what_the_cli_prints(published_sample: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "W2741809807", "--json", "--data-dir", str(published_sample)])
    assert result.exit_code == 0, result.output
    with datarank.open(published_sample) as results:
        explanation = results.explain("W2741809807")
        assert json.loads(explanation.to_json()) == json.loads(result.output)
        assert results.explain(2741809807) == explanation
        assert explanation.context["doi"] == "https://doi.org/10.7717/peerj.4375"
        assert explanation.tiers == [20.0, 40.0, 60.0, 80.0]
        with pytest.raises(DataRankError, match="W1 is not in the snapshot"):
            results.explain("W1")


def test_open_pins_a_version(published_sample: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "lake"
    shutil.copytree(published_sample, data_dir, symlinks=True)
    result = CliRunner().invoke(main, ["compute", "--data-dir", str(data_dir), "--tiers", "1,5,10,50"])
    assert result.exit_code == 0, result.output
    with datarank.open(data_dir) as current, datarank.open(data_dir, version="1") as first:
        assert (current.version, first.version) == ("v000002", "v000001")
        assert current.manifest["parameters"]["tiers"] == [1.0, 5.0, 10.0, 50.0]
        assert first.runs.pl()["version"].to_list() == ["v000001"]
        assert current.runs.pl()["version"].to_list() == ["v000001", "v000002"]
        # Top 1%: percentile ≥ 99 = 100·(339 − r)/338 (no ties at the top) → r ≤ 4.62: ranks 1–4;
        # the default's top quintile (≥ 80) reaches down to rank 68 (ranks 67 and 68 are tied at
        # 271 works below, 80.18; rank 69 has 270 below, 79.88).
        s1 = "select count(*) from scores where tier = 'S1'"
        quintile = sum(tier == "S1" for tier in work_tiers(compute(SAMPLE)).values())
        assert quintile == 68
        assert (current.sql(s1).fetchall(), first.sql(s1).fetchall()) == ([(4,)], [(quintile,)])


def test_open_refuses_an_empty_data_dir(tmp_path: Path) -> None:
    with pytest.raises(DataRankError, match="run `datarank run` first"):
        datarank.open(tmp_path)


def test_exports_and_explain_carry_the_standing(published_sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "top.csv"
    result = CliRunner().invoke(main, ["export", "--data-dir", str(published_sample), "-o", str(out), "--top", "5"])
    assert result.exit_code == 0, result.output
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tier"] for r in rows] == ["S1"] * 5  # by hand: see test_report.py
    assert {"year_type_rank", "year_type_percentile", "year_type_works"} <= set(rows[0])

    # An independent oracle for W2741809807's standing among 2018 articles: count with Polars.
    scores = pl.read_parquet(published_sample / "current" / "scores.parquet")
    group = scores.filter((pl.col("publication_year") == 2018) & (pl.col("type") == "article"))
    mine = group.filter(pl.col("work_id") == "W2741809807")["datarank"].item()
    ahead = group.filter(pl.col("datarank") > mine).height
    lower = group.filter(pl.col("datarank") < mine).height
    result = CliRunner().invoke(main, ["explain", "W2741809807", "--data-dir", str(published_sample)])
    assert result.exit_code == 0, result.output
    assert (
        f"  Tier S1 (top 20% by percentile) · among 2018 article works: rank {ahead + 1} of {group.height}, "
        f"percentile {100 * lower / (group.height - 1):.1f}"
    ) in result.output.splitlines()
