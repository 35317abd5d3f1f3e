"""The field-normalised standing on the shipped sample: exports filtered by field and subfield (an id
or a name), `datarank explain` and the report showing it, against the records themselves (the
oracle reads primary_topic from them)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from oracle import OracleResult, compute, group_standing, publication_year, topic_group

from datarank.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def oracle() -> OracleResult:
    return compute(SAMPLE)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _works_of(oracle: OracleResult, level: str, group: int, year: int | None = None) -> set[str]:
    return {f"W{n}" for n, record in oracle.records.items()
            if topic_group(record, level) == group and (year is None or publication_year(record) == year)}


def _exported(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_by_field_id_or_name_any_case(published_sample: Path, oracle: OracleResult, tmp_path: Path) -> None:
    want = _works_of(oracle, "field", 23)  # Environmental Science: 137 works of the sample
    assert len(want) == 137
    for value in ("23", "environmental SCIENCE", "https://openalex.org/fields/23"):
        out = tmp_path / "field.csv"
        code, output = invoke("export", "--data-dir", str(published_sample), "-o", str(out), "--field", value)
        assert code == 0, output
        rows = _exported(out)
        assert {row["work_id"] for row in rows} == want, value
        assert [int(row["rank"]) for row in rows] == sorted(int(row["rank"]) for row in rows)  # best first


def test_export_by_subfield_and_year(published_sample: Path, oracle: OracleResult, tmp_path: Path) -> None:
    subfield = topic_group(oracle.records[2741809807], "subfield")
    assert subfield == 1804  # Statistics, Probability and Uncertainty
    out = tmp_path / "subfield.json"
    code, output = invoke("export", "--data-dir", str(published_sample), "-o", str(out), "--subfield",
                          "subfields/1804", "--year", "2018")
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {row["work_id"] for row in rows} == _works_of(oracle, "subfield", 1804, 2018)
    assert len(rows) == rows[0]["subfield_year_works"] == 2
    named = tmp_path / "named.json"
    code, _ = invoke("export", "--data-dir", str(published_sample), "-o", str(named), "--subfield",
                     "statistics, probability and uncertainty", "--year", "2018")
    assert code == 0 and named.read_text() == out.read_text()


@pytest.mark.parametrize("args", [["--field", "Alchemy"], ["--field", "99"], ["--subfield", "Decision Sciences"],
                                  ["--table", "researchers", "--field", "23"]])
def test_an_unknown_field_is_a_usage_error(published_sample: Path, tmp_path: Path, args: list[str]) -> None:
    code, output = invoke("export", "--data-dir", str(published_sample), "-o", str(tmp_path / "x.csv"), *args)
    assert code == 2, output
    assert len(output.strip().splitlines()) == 1
    assert "datarank query" in output or "researchers table" in output
    assert not (tmp_path / "x.csv").exists()


def test_explain_shows_the_standing_in_subfield_and_field(published_sample: Path, oracle: OracleResult) -> None:
    subfield, field = group_standing(oracle, "subfield")[2741809807], group_standing(oracle, "field")[2741809807]
    # the sample holds two 2018 works of its subfield and of its field, and W2741809807 leads both
    assert (subfield.works, subfield.rank_low, subfield.percentile_low) == (2, 1, 100.0)
    assert (field.works, field.rank_low, field.percentile_low) == (2, 1, 100.0)
    code, output = invoke("explain", "W2741809807", "--data-dir", str(published_sample))
    assert code == 0, output
    assert "  in its subfield (Statistics, Probability and Uncertainty, 2018): rank 1 of 2, percentile 100.0" in output
    assert "  in its field (Decision Sciences, 2018): rank 1 of 2, percentile 100.0" in output
    record = oracle.records[2741809807]
    assert (f"  OpenAlex's own: FWCI {record['fwci']:.2f} · normalised citation percentile "
            f"{record['citation_normalized_percentile']['value']:.4f}") in output


def test_the_report_compares_with_openalex(published_sample: Path, tmp_path: Path) -> None:
    code, output = invoke("report", "--data-dir", str(published_sample), "-o", str(tmp_path / "report"), "--top", "10",
                          "--researchers", "0")
    assert code == 0, output
    index = (tmp_path / "report" / "index.html").read_text()
    assert 'id="openalex-agreement"' in index and 'id="plot-openalex"' in index and "<svg" in index
    assert "<td>all fields</td><td class=\"num\">315</td>" in index
    page = (tmp_path / "report" / "works" / "W2741809807.html").read_text()
    assert "In its subfield (Statistics, Probability and Uncertainty, 2018): rank 1 of 2, percentile 100.0" in page


def test_the_run_manifest_carries_the_agreement_per_field(published_sample: Path, oracle: OracleResult) -> None:
    import polars as pl

    current = published_sample / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    published = pl.read_parquet(current / "openalex_agreement.parquet").to_dicts()
    assert manifest["openalex_agreement"] == published
    # one row per field of the records with both figures, all fields first
    fields = {topic_group(r, "field") for r in oracle.records.values()
              if topic_group(r, "field") is not None and r.get("citation_normalized_percentile")}
    assert [row["field_id"] for row in published] == [None, *sorted(fields)]
    assert published[0]["works"] == 315
