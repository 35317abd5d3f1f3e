"""The command line on the shipped sample: what a newcomer runs first."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from datarank.cli import main


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_run_prints_the_accounting_of_the_sample(published_sample: Path) -> None:
    # 340 lines in data/sample: 339 distinct works, W2741809807 twice (two API captures).
    manifest = json.loads((published_sample / "current" / "manifest.json").read_text())
    counts = manifest["ingest_counts"]
    assert counts["lines_read"] == 340
    assert counts["works"] == 339
    assert counts["duplicates_superseded"] == 1
    assert counts["quarantined"] == 0
    # SOURCES.md: 25 authorships with author.id = null in the dedup file.
    assert counts["invalid_authors"] == 25
    assert manifest["parameters"] == {"cap": 200, "damping": 0.85, "tiers": [20.0, 40.0, 60.0, 80.0],
                                      "core_corpus": "no-paratext,no-retracted"}
    assert (published_sample / "current").resolve().name == "v000001"


def test_memory_limit_bounds_the_process_and_duckdb_gets_nine_tenths(tmp_path: Path) -> None:
    code, output = invoke("run", "--data-dir", str(tmp_path), "--memory-limit", "500MB", "--threads", "1")
    assert code == 0, output
    manifest = json.loads((tmp_path / "current" / "manifest.json").read_text())
    # DuckDB gets 90% of the 500,000,000 bytes; the manifest records both
    assert manifest["limits"] == {"memory_limit": "500MB", "duckdb_memory_limit": "450000000B", "threads": 1}


def test_export_top_20_is_ranked_and_complete(published_sample: Path, tmp_path: Path) -> None:
    code, output = invoke("export", "--data-dir", str(published_sample), "--output", str(tmp_path / "top.csv"), "--top", "20")
    assert code == 0, output
    with open(tmp_path / "top.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in rows] == list(range(1, 21))
    dataranks = [float(r["datarank"]) for r in rows]
    assert dataranks == sorted(dataranks, reverse=True)
    spec_columns = {
        "work_id", "cited_by_count", "base_score", "network_score", "base_contribution", "network_contribution",
        "datarank", "base_share", "network_share", "citers_in_snapshot", "citers_considered",
        "self_citations_excluded", "citers_with_signal", "cap_bound", "rank", "percentile", "has_doi", "is_oa",
        "title", "publication_year", "type",
    }
    assert spec_columns <= set(rows[0])


def test_export_filters_by_year_and_type_as_json_lines(published_sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles-2018.json"
    code, output = invoke("export", "--data-dir", str(published_sample), "-o", str(out), "--year", "2018", "--type", "article")
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all(r["publication_year"] == 2018 and r["type"] == "article" for r in rows)
    assert "W2741809807" in {r["work_id"] for r in rows}


def test_explain_shows_the_newest_copy_of_a_duplicated_work(published_sample: Path) -> None:
    # data/sample holds W2741809807 twice: cited_by_count 960 (2025-06-01) and 962 (2025-06-11).
    code, output = invoke("explain", "W2741809807", "--data-dir", str(published_sample))
    assert code == 0, output
    assert "ln(1 + 962)" in output
    assert "Base Score Contribution        1.0" in output


def test_explain_json_matches_the_scores_row(published_sample: Path) -> None:
    code, output = invoke("explain", "https://openalex.org/w2741809807", "--json", "--data-dir", str(published_sample))
    assert code == 0, output
    explanation = json.loads(output)
    work = explanation["work"]
    assert work["work_id"] == "W2741809807"
    assert work["cited_by_count"] == 962
    # network_score is the sum of the non-self citers' signals listed (all of them: 3 < top 10).
    signals = [c["signal"] for c in explanation["citers"] if not c["is_self_citation"]]
    assert work["network_score"] == pytest.approx(sum(signals), rel=1e-12)
    assert len(explanation["citers"]) == work["citers_considered"]


def test_query_is_read_only(published_sample: Path, tmp_path: Path) -> None:
    code, output = invoke("query", "select count(*) as n from scores", "--format", "csv", "--data-dir", str(published_sample))
    assert (code, output) == (0, "n\n339\n")
    target = tmp_path / "stolen.csv"
    for sql in (
        f"copy scores to '{target}'",
        "select * from read_text('/etc/passwd')",
        "create table t as select 1",
        "attach '/tmp/other.duckdb'",
        "select 1; select 2",
    ):
        code, output = invoke("query", sql, "--data-dir", str(published_sample))
        assert code == 1, sql
        assert output.startswith("datarank: error: query:"), output
    assert not target.exists()


def test_runs_view_has_one_row_per_version(published_sample: Path) -> None:
    code, output = invoke("query", "select version, works, lines_read from runs", "--format", "csv", "--data-dir", str(published_sample))
    assert code == 0, output
    assert output.splitlines()[1:] == ["v000001,339,340"]


def test_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    process = subprocess.run(
        [sys.executable, "-m", "datarank", "run", "--snapshot", str(missing), "--data-dir", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )
    assert process.returncode == 1
    assert process.stderr.count("\n") == 1
    assert process.stderr.startswith("datarank: error: no OpenAlex works manifest under")
    assert process.stdout == ""


def test_commands_on_an_empty_data_dir_say_what_to_do(tmp_path: Path) -> None:
    code, output = invoke("explain", "W1", "--data-dir", str(tmp_path))
    assert code == 1
    assert "run `datarank run` first" in output
    code, output = invoke("compute", "--data-dir", str(tmp_path))
    assert code == 1
    assert "nothing ingested yet" in output
