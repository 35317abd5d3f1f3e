"""`datarank explain` on a real work of the shipped sample shows what the seed page shows beside
DataRank: "Its calibrated FAIR score is N/100", the four dimensions and the checklist (context only),
"published in VENUE (YEAR)", and the abstract, shortened (whole with --full-abstract). Expected
values come from tests/fair_oracle.py over the sample's records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from fair_oracle import FairResult, compute_fair, year_type_percentiles
from oracle import compute

from datarank.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample_fair() -> FairResult:
    datarank = compute(SAMPLE)
    return compute_fair(datarank, year_type_percentiles(datarank))


def explain(published_sample: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args, "--data-dir", str(published_sample)])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_shows_the_fair_score_venue_and_abstract(published_sample: Path, sample_fair: FairResult) -> None:
    want = sample_fair.rows[2741809807]  # the seed page's example paper
    output = explain(published_sample, "W2741809807")
    shown = f"{math.floor(want.fair_score + 0.5)}/100"
    assert f"Its calibrated FAIR score is {shown}" in output
    assert "published in PeerJ (2018)" in output
    findable, accessible, interoperable, reusable = want.dimensions
    assert f"Findable {findable} · Accessible {accessible} · Interoperable {interoperable} · Reusable {reusable}" in output
    assert "FAIR checklist (context only, not used in DataRank):" in output
    assert "[x] Has DOI" in output and "[ ] Linked datasets" in output
    # The abstract: wrapped, shortened at a word, the whole text behind --full-abstract.
    short = output[output.index("\nAbstract\n") + 10:output.index("(shortened:")]
    words = " ".join(short.split()).removesuffix(" …")
    assert want.abstract.startswith(words) and len(words) < len(want.abstract)
    assert max(len(line) for line in short.splitlines()) <= 100
    whole = explain(published_sample, "W2741809807", "--full-abstract")
    body = whole[whole.index("\nAbstract\n") + 10:whole.index("\nversion ")]
    assert " ".join(body.split()) == want.abstract


def test_explain_json_carries_the_fair_columns_and_the_paper_context(published_sample: Path, sample_fair: FairResult) -> None:
    want = sample_fair.rows[2741809807]
    explained = json.loads(explain(published_sample, "W2741809807", "--json"))
    work = explained["work"]
    assert (work["fair_findable"], work["fair_accessible"], work["fair_interoperable"], work["fair_reusable"]) == want.dimensions
    assert math.isclose(work["fair_score"], want.fair_score, rel_tol=1e-12)
    assert explained["context"]["venue"] == "PeerJ"
    assert explained["abstract"] == want.abstract
    assert explained["fair"]["version"] == "fair_v1"


def test_a_paratext_work_is_not_fair_scored_but_has_its_checklist(published_sample: Path, sample_fair: FairResult) -> None:
    paratext = sorted(n for n, row in sample_fair.rows.items() if not row.scored)
    assert len(paratext) == 3
    output = explain(published_sample, f"W{paratext[0]}")
    assert "No calibrated FAIR score (paratext" in output
    assert "FAIR checklist (context only, not used in DataRank):" in output
