"""Works looked up by DOI on a published run of the shipped sample: `datarank explain DOI` in every
form and case, a DOI two works share, an unknown DOI, `datarank.open().explain(DOI)`, and
`datarank explain --from-file` to JSON Lines and CSV.

Which work a DOI names is read from the sample's own records by tests/oracle.py (the winning copy
of each work), with the DOI compared as OpenAlex writes it here (`https://doi.org/` and lower case);
the figures are checked against the single `explain --json` and against the oracle's DataRank.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from oracle import OracleResult, compute

import datarank
from datarank.cli import main
from tests.factory.growth import SAMPLE

#: The work whose DOI the lookups use: "The state of OA" (PeerJ), as its record says.
WORK = 2741809807


@pytest.fixture(scope="module")
def expected() -> OracleResult:
    return compute(SAMPLE)


@pytest.fixture(scope="module")
def works_by_doi(expected: OracleResult) -> dict[str, list[int]]:
    """Each DOI of the sample's works (lower case, without https://doi.org/) → its works' numbers."""
    found: dict[str, list[int]] = defaultdict(list)
    for number, record in expected.records.items():
        if isinstance(record.get("doi"), str):
            found[record["doi"].lower().removeprefix("https://doi.org/")].append(number)
    return found


@pytest.fixture(scope="module")
def doi(expected: OracleResult, works_by_doi: dict[str, list[int]]) -> str:
    """The DOI of WORK, bare and lower case, as its record gives it."""
    bare = expected.records[WORK]["doi"].lower().removeprefix("https://doi.org/")
    assert bare.startswith("10.") and works_by_doi[bare] == [WORK]
    return bare


@pytest.fixture(scope="module")
def shared(expected: OracleResult, works_by_doi: dict[str, list[int]]) -> tuple[str, list[int]]:
    """A DOI two works of the sample share (the World Bank's eBook and its article copy), and its
    works best first by the oracle's DataRank."""
    pairs = sorted((doi, numbers) for doi, numbers in works_by_doi.items() if len(numbers) == 2)
    assert pairs, "the sample has a DOI two works share"
    doi, numbers = pairs[0]
    return doi, sorted(numbers, key=lambda n: -expected.rows[n].datarank)


def explain_json(data_dir: Path, text: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["explain", text, "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("form", ["{}", "https://doi.org/{}", "doi:{}", "http://dx.doi.org/{}", "{upper}",
                                  "HTTPS://DOI.ORG/{upper}", "  doi: {upper}  "])
def test_explain_finds_a_work_by_its_doi_in_every_form_and_case(published_sample: Path, doi: str, form: str) -> None:
    text = form.format(doi, upper=doi.upper())
    by_doi = explain_json(published_sample, text)
    assert by_doi["work"]["work_id"] == f"W{WORK}"
    assert by_doi == explain_json(published_sample, f"W{WORK}")  # the same breakdown as by id
    printed = CliRunner().invoke(main, ["explain", text, "--data-dir", str(published_sample)])
    assert printed.exit_code == 0 and printed.stdout.startswith(f"W{WORK}  ")


def test_an_unknown_doi_is_one_line_and_exit_1_and_a_non_id_exit_2(published_sample: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "10.9999/not-in-the-sample", "--data-dir", str(published_sample)])
    assert result.exit_code == 1
    assert result.stderr == "datarank: error: explain: no work with DOI '10.9999/not-in-the-sample' in version v000001\n"
    result = CliRunner().invoke(main, ["explain", "peerj.4375", "--data-dir", str(published_sample)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "not an OpenAlex work id or DOI" in result.stderr


def test_a_doi_two_works_share_shows_both_best_first(published_sample: Path, shared: tuple[str, list[int]]) -> None:
    doi, (best, other) = shared
    result = CliRunner().invoke(main, ["explain", f"https://doi.org/{doi.upper()}", "--data-dir", str(published_sample)])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert header.startswith(f"https://doi.org/{doi.upper()} is the DOI of 2 works: W{best} (rank ")
    assert f"W{other} (rank " in header
    pages = result.stdout.split("\nversion v000001\n")[:-1]  # each explanation ends with its version
    assert [page.strip().split("\n\n", 1)[-1 if i == 0 else 0].split("  ")[0] for i, page in enumerate(pages)] == [
        f"W{best}", f"W{other}"]
    assert f"its DOI is also the DOI of W{other}" in pages[0] and f"its DOI is also the DOI of W{best}" in pages[1]
    # --json and the API: the best-ranked work, the other named in same_doi.
    by_json = explain_json(published_sample, doi)
    assert (by_json["work"]["work_id"], by_json["same_doi"]) == (f"W{best}", [f"W{other}"])
    with datarank.open(published_sample) as results:
        explanation = results.explain(f"doi:{doi}")
        assert (explanation.work["work_id"], explanation.same_doi) == (f"W{best}", [f"W{other}"])


def test_open_explain_takes_a_doi(published_sample: Path, doi: str) -> None:
    with datarank.open(published_sample) as results:
        by_id = results.explain(f"W{WORK}")
        for text in (doi, f"https://doi.org/{doi.upper()}", f"doi:{doi}"):
            assert results.explain(text) == by_id
        with pytest.raises(datarank.DataRankError, match="no work with DOI"):
            results.explain("10.9999/not-in-the-sample")


def test_the_dois_table_is_sorted_by_doi_with_statistics(published_sample: Path, works_by_doi: dict[str, list[int]]) -> None:
    path = published_sample / "current" / "dois.parquet"
    dois = pl.read_parquet(path)
    keys = list(zip(dois["doi"].to_list(), dois["work_id"].to_list(), strict=True))
    assert keys == sorted(keys)
    assert sorted(keys) == sorted((doi, n) for doi, numbers in works_by_doi.items() for n in numbers)
    metadata = pq.ParquetFile(path).metadata
    for group in range(metadata.num_row_groups):
        assert metadata.row_group(group).column(0).statistics.has_min_max


def test_a_version_without_the_dois_table_finds_dois_in_works(published_sample: Path, tmp_path: Path, doi: str) -> None:
    """Versions published by a release before the dois table: the DOI is looked up in `works`."""
    data_dir = tmp_path / "old"
    shutil.copytree(published_sample, data_dir, symlinks=True)
    (data_dir / "versions" / "v000001" / "dois.parquet").unlink()
    assert explain_json(data_dir, f"doi:{doi.upper()}")["work"]["work_id"] == f"W{WORK}"


# ---------------------------------------------------------------- explain --from-file

def batch_file(tmp_path: Path, doi: str, shared: str) -> tuple[Path, list[tuple[int, str]]]:
    """A file of ids, DOIs, unknowns, a comment and a blank line; (line, input) of each input."""
    lines = ["# works of the sample, by id and by DOI", f"W{WORK}", "", f"https://doi.org/{doi.upper()}",
             f"doi:{shared}", "W1", "10.9999/not-in-the-sample", "not an id", f"  w{WORK}  ", doi]
    path = tmp_path / "inputs.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, [(n, line.strip()) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]


#: What each input of batch_file names: a work (by its place in `expected`) or the error.
ERRORS = {"W1": "no such work in this version", "10.9999/not-in-the-sample": "no work with this DOI in this version",
          "not an id": "not an OpenAlex work id or DOI"}


def check_rows(rows: list[dict[str, Any]], inputs: list[tuple[int, str]], published: Path, expected: OracleResult,
               shared: tuple[str, list[int]], parse: Any) -> None:
    """Each row: its input, in order; the work it names; the figures of the single explain --json
    and the oracle's DataRank. `parse(value, like)` reads a value of the file as `like`'s type."""
    assert [(int(row["line"]), row["input"]) for row in rows] == inputs
    singles: dict[str, dict[str, Any]] = {}
    for row, (_, text) in zip(rows, inputs, strict=True):
        if text in ERRORS:
            assert (row["error"], row["work_id"] or None, row["datarank"] or None) == (ERRORS[text], None, None)
            continue
        number = shared[1][0] if shared[0] in text else WORK
        assert (row["error"] or None, row["work_id"]) == (None, f"W{number}")
        assert parse(row["same_doi"], []) == ([f"W{shared[1][1]}"] if shared[0] in text else [])
        single = singles.setdefault(row["work_id"], explain_json(published, row["work_id"]))
        for key, value in {**single["work"], **single["context"]}.items():
            assert parse(row[key], value) == value, (text, key)
        oracle = expected.rows[number]
        assert math.isclose(parse(row["datarank"], 0.0), oracle.datarank, rel_tol=1e-9)
        assert parse(row["citers_considered"], 0) == oracle.citers_considered
        assert parse(row["self_citations_excluded"], 0) == oracle.self_citations_excluded


def test_explain_from_file_to_json_lines(published_sample: Path, tmp_path: Path, doi: str,
                                         shared: tuple[str, list[int]], expected: OracleResult) -> None:
    path, inputs = batch_file(tmp_path, doi, shared[0])
    result = CliRunner().invoke(main, ["explain", "--from-file", str(path), "--data-dir", str(published_sample)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"explained {len(inputs) - 3} of {len(inputs)} inputs to standard output; 3 named no work (see their error column)\n"
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    check_rows(rows, inputs, published_sample, expected, shared, lambda value, like: value)
    assert {row["version"] for row in rows} == {"v000001"}


def test_explain_from_file_to_csv(published_sample: Path, tmp_path: Path, doi: str, shared: tuple[str, list[int]],
                                  expected: OracleResult) -> None:
    path, inputs = batch_file(tmp_path, doi, shared[0])
    out = tmp_path / "explained.csv"
    result = CliRunner().invoke(main, ["explain", "--from-file", str(path), "--output", str(out),
                                       "--data-dir", str(published_sample)])
    assert result.exit_code == 0, result.output
    assert "3 named no work" in result.stderr

    def parse(value: str, like: Any) -> Any:
        if value == "" and not isinstance(like, (str, list)):
            return None
        if isinstance(like, bool):
            return {"true": True, "false": False}[value]
        if isinstance(like, list):
            return value.split()
        return type(like)(value) if like is not None else (value or None)

    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    check_rows(rows, inputs, published_sample, expected, shared, parse)
    # The same file from standard input, as JSON Lines by --format.
    piped = CliRunner().invoke(main, ["explain", "--from-file", "-", "--format", "jsonl", "--data-dir", str(published_sample)],
                               input=path.read_text())
    assert [json.loads(line)["work_id"] for line in piped.stdout.splitlines()] == [row["work_id"] or None for row in rows]


def test_explain_usage_errors(published_sample: Path, tmp_path: Path) -> None:
    for args in (["explain"], ["explain", f"W{WORK}", "--from-file", "x.txt"], ["explain", f"W{WORK}", "--format", "csv"],
                 ["explain", "--from-file", str(tmp_path / "missing.txt")]):
        result = CliRunner().invoke(main, [*args, "--data-dir", str(published_sample)])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, (args, result.output)
    (tmp_path / "inputs.txt").write_text(f"W{WORK}\n")
    result = CliRunner().invoke(main, ["explain", "--from-file", str(tmp_path / "inputs.txt"), "--output",
                                       str(tmp_path / "no-such-folder" / "out.csv"), "--data-dir", str(published_sample)])
    assert result.exit_code == 1 and result.stderr.startswith("datarank: error: explain: folder ")
