"""`datarank query`'s output: a table shows at most 100 rows (or --limit) and says when there are
more; csv and json write every row, streamed in batches. The sample has 339 works (README)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from datarank.cli import main
from datarank.outputs import stream_query

RANKED = "select rank, work_id from scores order by rank"


def query(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["query", *args])
    return result.exit_code, result.stdout, result.stderr


def shown_ranks(table: str) -> list[int]:
    return [int(line.split("┆")[0].strip("│ ")) for line in table.splitlines() if line.startswith("│") and "┆ W" in line]


def test_a_table_shows_the_first_100_rows_and_says_there_are_more(published_sample: Path) -> None:
    code, stdout, stderr = query(RANKED, "--data-dir", str(published_sample))
    assert code == 0
    assert shown_ranks(stdout) == list(range(1, 101))
    assert stderr == ("datarank: the first 100 rows are shown; --limit N shows more, --format csv or json writes "
                      "every row\n")
    code, stdout, stderr = query(RANKED, "--limit", "5", "--data-dir", str(published_sample))
    assert (code, shown_ranks(stdout)) == (0, [1, 2, 3, 4, 5]) and "first 5 rows" in stderr
    code, stdout, stderr = query(RANKED, "--limit", "400", "--data-dir", str(published_sample))
    assert (code, shown_ranks(stdout), stderr) == (0, list(range(1, 340)), "")


def test_csv_and_json_write_every_row(published_sample: Path) -> None:
    code, stdout, _ = query(RANKED, "--format", "csv", "--data-dir", str(published_sample))
    assert code == 0
    assert pl.read_csv(io.StringIO(stdout))["rank"].to_list() == list(range(1, 340))
    code, stdout, _ = query(RANKED, "--format", "json", "--data-dir", str(published_sample))
    assert [json.loads(line)["rank"] for line in stdout.splitlines()] == list(range(1, 340))
    code, stdout, _ = query(RANKED, "--format", "csv", "--limit", "7", "--data-dir", str(published_sample))
    assert [int(line.split(",")[0]) for line in stdout.splitlines()[1:]] == list(range(1, 8))
    code, stdout, _ = query("select rank from scores where rank < 0", "--format", "csv", "--data-dir", str(published_sample))
    assert (code, stdout) == (0, "rank\n")


def test_results_stream_in_batches(published_sample: Path) -> None:
    """50 rows at a time: 7 batches, one header, every row once and in order."""
    out = io.BytesIO()
    assert stream_query(published_sample, RANKED, out, "csv", batch_rows=50) == 339
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "rank,work_id" and lines.count("rank,work_id") == 1
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(1, 340))
    out = io.BytesIO()
    assert stream_query(published_sample, RANKED, out, "json", batch_rows=50, limit=120) == 120
    assert [json.loads(line)["rank"] for line in out.getvalue().decode().splitlines()] == list(range(1, 121))
