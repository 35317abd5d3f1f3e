"""`datarank diff` between two published versions of a snapshot that grew by one partition, checked
against a hand calculation, tests/oracle.py's ranks of the two snapshots, and a join computed with
Polars from the two ranked tables (once those are checked against tests/oracle.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from oracle import OracleResult, compute

from datarank.cli import main
from tests.factory.growth import NEW_WORKS, SAMPLE, add_partition, copy_sample

NEW_IDS = {r["id"].rsplit("/", 1)[1] for r in NEW_WORKS}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`datarank run` on a copy of the sample (v000001), then again after a new partition (v000002)."""
    root = tmp_path_factory.mktemp("diff")
    snapshot, lake = copy_sample(root / "snapshot"), root / "lake"
    for grow in (False, True):
        if grow:
            add_partition(snapshot, NEW_WORKS)
        result = CliRunner().invoke(main, ["run", "--snapshot", str(snapshot), "--data-dir", str(lake)])
        assert result.exit_code == 0, result.output
    return lake


@pytest.fixture(scope="module")
def oracles(tmp_path_factory: pytest.TempPathFactory) -> tuple[OracleResult, OracleResult]:
    """tests/oracle.py on the sample and on the sample grown by the same partition (v000001, v000002)."""
    grown = copy_sample(tmp_path_factory.mktemp("diff-oracle") / "snapshot")
    add_partition(grown, NEW_WORKS)
    return compute(SAMPLE), compute(grown)


def oracle_top(result: OracleResult, top: int) -> list[str]:
    """The oracle's top `top` ids in rank order; the cut must not fall inside a near-tie."""
    ranked = sorted(result.rows.values(), key=lambda row: row.rank)
    assert all(row.rank_range[1] <= top for row in ranked[:top]), f"a near-tie straddles the top {top}"
    return [f"W{row.work_number}" for row in ranked[:top]]


def diff_json(lake: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["diff", "--data-dir", str(lake), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def polars_diff(lake: Path, top: int) -> pl.DataFrame:
    """The two ranked tables joined with Polars, independently of sql/diff/."""
    columns = ["work_id", "rank", "datarank"]
    before = pl.read_parquet(lake / "versions" / "v000001" / "scores.parquet", columns=columns)
    after = pl.read_parquet(lake / "versions" / "v000002" / "scores.parquet", columns=columns)
    joined = before.join(after, on="work_id", how="full", coalesce=True, suffix="_to").rename(
        {"rank": "rank_from", "datarank": "datarank_from"}
    )
    return joined.with_columns(
        rank_gain=pl.col("rank_from") - pl.col("rank_to"),
        datarank_change=pl.col("datarank_to") - pl.col("datarank_from"),
        entered=(pl.col("rank_to") <= top) & (pl.col("rank_from").is_null() | (pl.col("rank_from") > top)),
        left=(pl.col("rank_from") <= top) & (pl.col("rank_to").is_null() | (pl.col("rank_to") > top)),
    )


def test_the_growth_by_hand(lake: Path, oracles: tuple[OracleResult, OracleResult]) -> None:
    """W9000000001 (C 1000, one reference) lifts W2741809807 from 5th to 1st by 0.85·ln(1001); it
    is 2nd itself (0.15·ln(1001) + 0.85·ln(21) from W9000000003), so the 2nd and 3rd fall out of
    the top 3. W9000000002 has C = 0: it adds citers but no score, so only one score changes."""
    before, after = (oracle_top(result, 3) for result in oracles)
    # The hand calculation, checked against the oracle: W2153579005 (1st, 2.2559) stays, 3rd now;
    # the new 1st (1.4937 + 0.85·ln(1001) = 7.36) and 2nd (0.15·ln(1001) + 0.85·ln(21) = 3.62) push
    # out the old 2nd (1.9053) and 3rd (1.6213).
    assert after == ["W2741809807", "W9000000001", before[0]]
    assert oracles[0].rows[2741809807].rank == 5
    result = diff_json(lake, "--top", "3")
    summary = result["summary"]
    assert (summary["works_from"], summary["works_to"], summary["new_works"], summary["removed_works"]) == (339, 342, 3, 0)
    assert summary["score_changed"] == 1
    assert [(w["work_id"], w["rank_from"], w["rank_to"]) for w in result["entered_top"]] == [
        ("W2741809807", 5, 1), ("W9000000001", None, 2),
    ]
    assert [w["work_id"] for w in result["left_top"]] == before[1:]  # the oracle's old 2nd and 3rd
    assert [(w["rank_from"], w["rank_to"]) for w in result["left_top"]] == [
        (2, oracles[1].rows[int(before[1][1:])].rank), (3, oracles[1].rows[int(before[2][1:])].rank),
    ]
    [changed] = result["score_changes"]
    assert changed["work_id"] == "W2741809807"
    assert changed["datarank_change"] == pytest.approx(0.85 * math.log(1001), rel=1e-12)
    new = {w["work_id"]: w for w in result["new_works"]}
    assert set(new) == NEW_IDS
    assert new["W9000000001"]["datarank_to"] == pytest.approx(0.15 * math.log(1001) + 0.85 * math.log(21), rel=1e-12)
    assert new["W9000000002"]["datarank_to"] == 0.0
    assert result["removed_works"] == []


def test_sections_match_an_independent_oracle(lake: Path, oracles: tuple[OracleResult, OracleResult]) -> None:
    rows = 25
    result = diff_json(lake, "--from", "v000001", "--to", "2", "--top", "100", "--rows", str(rows))
    # The ranked tables the join reads are tests/oracle.py's, up to near-ties (works whose datarank
    # differs by float noise may swap ranks): so what follows checks sql/diff/ only.
    for version, result_of_oracle in zip(("v000001", "v000002"), oracles, strict=True):
        ranks = pl.read_parquet(lake / "versions" / version / "scores.parquet", columns=["work_number", "rank"])
        assert ranks.height == len(result_of_oracle.rows)
        for number, rank in ranks.iter_rows():
            low, high = result_of_oracle.rows[number].rank_range
            assert low <= rank <= high, (version, number, rank)
    expected = polars_diff(lake, top=100)
    both = expected.filter(pl.col("rank_from").is_not_null() & pl.col("rank_to").is_not_null())
    summary = result["summary"]
    assert summary["rank_changed"] == both.filter(pl.col("rank_gain") != 0).height
    assert summary["entered_top"] == expected["entered"].sum()
    assert summary["left_top"] == expected["left"].sum()
    assert summary["works_in_both"] == both.height

    movers = (
        both.filter(pl.col("rank_gain") != 0)
        .with_columns(number=pl.col("work_id").str.slice(1).cast(pl.Int64))
        .sort([pl.col("rank_gain").abs(), pl.col("number")], descending=[True, False])
        .head(rows)
    )
    assert [(w["work_id"], w["rank_gain"]) for w in result["rank_movers"]] == list(
        zip(movers["work_id"], movers["rank_gain"], strict=True)
    )
    entered = expected.filter("entered").sort("rank_to")
    assert [w["work_id"] for w in result["entered_top"]] == entered["work_id"].to_list()[:rows]
    titles = dict(pl.read_parquet(lake / "current" / "scores.parquet", columns=["work_id", "title"]).iter_rows())
    assert all(w["title"] == titles[w["work_id"]] for w in result["rank_movers"] + result["entered_top"])


def test_diff_the_other_way_lists_removed_works(lake: Path, oracles: tuple[OracleResult, OracleResult]) -> None:
    result = diff_json(lake, "--from", "2", "--to", "1", "--top", "3")
    assert {w["work_id"] for w in result["removed_works"]} == NEW_IDS
    assert result["new_works"] == []
    before, after = (oracle_top(result, 3) for result in oracles)
    # Going back, the oracle's grown top 3 loses its 1st and 2nd (W2741809807 falls to 5th,
    # W9000000001 is removed); its 3rd, W2153579005, is 1st again.
    assert [w["work_id"] for w in result["left_top"]] == [w for w in after if w not in before] == after[:2]
    assert [(w["rank_from"], w["rank_to"]) for w in result["left_top"]] == [(1, 5), (2, None)]


def test_diff_as_text(lake: Path) -> None:
    result = CliRunner().invoke(main, ["diff", "--data-dir", str(lake), "--top", "3", "--rows", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "datarank diff v000001 → v000002",
        "works    339 → 342: 3 new, 0 removed, 339 in both (339 changed rank, 1 changed score)",
        "top 3    2 entered, 2 left",
    ]
    assert "Largest rank changes (2 of 339)" in lines
    assert any(line.split()[:5] == ["W2741809807", "5", "→", "1", "+4"] for line in lines)


def test_runs_view_and_run_summary_record_the_movers(lake: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", "select version, previous_version, new_works, top_movers[1].work_id as first_mover from runs",
               "--format", "csv", "--data-dir", str(lake)],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["version,previous_version,new_works,first_mover", "v000001,,,", "v000002,v000001,3,W2741809807"]


def test_diff_errors_are_one_line(lake: Path, tmp_path: Path) -> None:
    for args, message, code in (
        (["--to", "1"], "diff: v000001 is the first published version", 1),
        (["--from", "9"], "no published version '9'", 1),
        (["--top", "0"], "diff: --top must be at least 1", 2),  # usage
    ):
        result = CliRunner().invoke(main, ["diff", "--data-dir", str(lake), *args])
        assert result.exit_code == code
        assert result.output.count("\n") == 1 and message in result.output, result.output
    result = CliRunner().invoke(main, ["diff", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "run `datarank run` first" in result.output
