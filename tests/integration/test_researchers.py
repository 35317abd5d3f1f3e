"""theSindex's researcher score and tiers (SPEC §8) against the independent oracle
(tests/researcher_oracle.py over tests/oracle.py's work rows): on the shipped sample, on generated
snapshots, and in what people read (explain A…, export --table researchers, the Python API, the
README's figures)."""

from __future__ import annotations

import csv
import json
import re
import tempfile
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from oracle import OracleResult, compute
from published import run_pipeline
from researcher_oracle import ResearcherRow, researchers, work_tiers

import datarank
from datarank import DataRankError, UsageError
from datarank.cli import main
from tests.factory.growth import SAMPLE
from tests.factory.layouts import Merge
from tests.factory.randoms import RandomSnapshot, random_snapshots
from tests.factory.records import OPENALEX

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
METRIC = (Path(__file__).resolve().parents[2] / "docs" / "metric.md").read_text()
#: An author given 12 works of every generated snapshot, so one author has more than ten.
PROLIFIC = 999


@pytest.fixture(scope="module")
def sample_oracle() -> OracleResult:
    return compute(SAMPLE)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def assert_matches_researcher_oracle(published: pl.DataFrame, expected: dict[int, ResearcherRow]) -> None:
    """Every row of researchers.parquet against the oracle: works exactly, score to rel 1e-9, rank
    and percentile exactly, or within a group of authors whose scores are equal to float noise
    (then in id order where the pipeline's scores are equal)."""
    rows = {row["author_number"]: row for row in published.to_dicts()}
    assert len(rows) == published.height, "an author appears twice"
    assert sorted(rows) == sorted(expected), "researchers.parquet and the oracle hold different authors"
    n = len(rows)
    problems: list[str] = []
    for number, want in sorted(expected.items()):
        got = rows[number]
        if got["author_id"] != f"A{number}" or got["works"] != want.works:
            problems.append(f"A{number}: {got['author_id']} works {got['works']}, oracle {want.works}")
        if not abs(got["researcher_score"] - want.researcher_score) <= 1e-9 * max(abs(want.researcher_score), 1e-3):
            problems.append(f"A{number}: score {got['researcher_score']!r}, oracle {want.researcher_score!r}")
        low, high = want.rank_range
        if not low <= got["rank"] <= high:
            problems.append(f"A{number}: rank {got['rank']}, oracle {want.rank} (group {low}–{high})")
        group = [rows[o.author_number] for o in expected.values() if o.rank_range == want.rank_range]
        # Ties are decided on the works' DataRanks in fixed point (docs/metric.md): authors whose
        # floating-point scores are equal can be a unit apart there, and then rightly rank apart. A
        # tie is one the published percentile shows for the whole group.
        exact_tie = all(r["researcher_score"] == got["researcher_score"] and r["percentile"] == got["percentile"]
                        for r in group)
        if exact_tie and got["rank"] != want.rank:
            problems.append(f"A{number}: exact tie ranked {got['rank']}, by id it is {want.rank}")
        lowest, highest = want.percentile_range(n)
        if exact_tie:
            highest = lowest  # tied authors: none strictly lower than another
        if not lowest - 1e-9 <= got["percentile"] <= highest + 1e-9:
            problems.append(f"A{number}: percentile {got['percentile']}, oracle {lowest}–{highest}")
    assert not problems, "\n".join(problems[:40])
    assert sorted(published["rank"].to_list()) == list(range(1, n + 1))


# ---------------------------------------------------------------- the sample
def test_the_samples_researchers_are_the_oracles(published_sample: Path, sample_oracle: OracleResult) -> None:
    published = pl.read_parquet(published_sample / "current" / "researchers.parquet")
    expected = researchers(sample_oracle)
    assert len(expected) == 743
    assert_matches_researcher_oracle(published, expected)
    assert published.columns == ["author_id", "author_number", "works", "researcher_score", "rank", "percentile"]


def test_the_readme_gives_the_oracles_tiers_and_top_researchers(sample_oracle: OracleResult) -> None:
    # The tier table: both columns of counts, as the oracle places the sample's 339 works.
    table = re.findall(r"^\| (S\d|unranked) \| [^|]+ \| (\d+) \| [^|]+ \| (\d+) \|$", README, re.MULTILINE)
    quintiles, finer = work_tiers(sample_oracle), work_tiers(sample_oracle, (1, 5, 10, 50))
    expected = [(tier, str(sum(t == tier for t in quintiles.values())), str(sum(t == tier for t in finer.values())))
                for tier in ("S1", "S2", "S3", "S4", "S5", "unranked")]
    assert table == expected
    unranked = sum(t == "unranked" for t in quintiles.values())
    s5 = sum(t == "S5" for t in quintiles.values())
    assert f"z is {unranked} / 339 ({100 * unranked / 339:.1f}%): S5 holds\n  only the {s5} works" in METRIC
    assert f"(z = {100 * unranked / 339:.1f}%) S5 holds only the {s5} works" in README
    # The top five researchers.
    shown = re.findall(r"^\| (\d) \| A(\d+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \|$", README, re.MULTILINE)
    ranked = sorted(researchers(sample_oracle).values(), key=lambda row: row.rank)[:5]
    n = len(researchers(sample_oracle))
    assert shown == [(str(r.rank), str(r.author_number), str(r.works), f"{r.researcher_score:.3f}",
                      f"{100 * r.lower_range[0] / (n - 1):.1f}") for r in ranked]
    assert f"On the sample ({n} authors)" in README


# ---------------------------------------------------------------- generated snapshots
def with_a_prolific_author(snapshot: RandomSnapshot) -> RandomSnapshot:
    """The snapshot with author PROLIFIC added to every copy of 12 of its works that no merge list
    names (so they stay works, and the author has more than ten)."""
    merged = {m.id if isinstance(m, Merge) else m[0] for m in snapshot.merged}
    merged = {f"{OPENALEX}{short}" for short in merged}
    ids = sorted({line["id"] for lines in snapshot.partitions.values() for line in lines
                  if isinstance(line, dict) and line["id"] not in merged})[:12]
    for lines in snapshot.partitions.values():
        for line in lines:
            if isinstance(line, dict) and line["id"] in ids:
                authorships = line.get("authorships") if isinstance(line.get("authorships"), list) else []
                line["authorships"] = [*authorships, {"author": {"id": f"{OPENALEX}A{PROLIFIC}"}}]
    return snapshot


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=random_snapshots(min_works=20, max_works=40))
def test_researchers_equal_the_oracle_on_generated_snapshots(snapshot: RandomSnapshot) -> None:
    snapshot = with_a_prolific_author(snapshot)
    with tempfile.TemporaryDirectory() as folder:
        root = snapshot.write(Path(folder) / "snapshot")
        published = run_pipeline(root, Path(folder) / "out", cap=snapshot.cap)
        frame = pl.read_parquet(published.current / "researchers.parquet")
        works = compute(root, cap=snapshot.cap)
        # Whether the works' DataRanks agree is test_oracle_property's to check; here, what §8
        # builds on them.
        dataranks = dict(zip(published.scores["work_number"], published.scores["datarank"], strict=True))
        assume(sorted(dataranks) == sorted(works.rows) and all(
            abs(dataranks[n] - row.datarank) <= 1e-9 * max(row.datarank, 1e-3) for n, row in works.rows.items()))
        expected = researchers(works)
        assert expected[PROLIFIC].works > 10 and len(expected[PROLIFIC].top_works) == 10
        assert_matches_researcher_oracle(frame, expected)
        # The tiers of every work, too (SPEC §8's quintiles).
        assert dict(zip(published.scores["work_number"], published.scores["tier"], strict=True)) == work_tiers(works)


# ---------------------------------------------------------------- what people read
def test_explain_a_researcher_lists_the_works_that_make_the_score(
    published_sample: Path, sample_oracle: OracleResult
) -> None:
    # A5007426895: seven works of the sample, of every tier from S1 to unranked.
    author = researchers(sample_oracle)[5007426895]
    code, output = invoke("explain", "A5007426895", "--data-dir", str(published_sample))
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == "A5007426895  researcher · 7 works in the snapshot"
    n = len(researchers(sample_oracle))
    assert lines[2] == (
        f"Researcher score {author.researcher_score:.1f}   (exactly {author.researcher_score:.4f}; rank {author.rank} "
        f"of {n}, top {100 * author.rank / n:.1f}%, percentile {100 * author.lower_range[0] / (n - 1):.1f})"
    )
    assert lines[3] == "  the mean DataRank of all 7 works (at most the ten best count)"
    listed = [line.split()[1] for line in lines[7:-2]]
    assert listed == [f"W{w}" for w in author.top_works]
    rows = {w: sample_oracle.rows[w] for w in author.top_works}
    assert [float(line.split()[2]) for line in lines[7:-2]] == [round(rows[w].datarank, 4) for w in author.top_works]
    assert [int(line.split()[3]) for line in lines[7:-2]] == [rows[w].rank for w in author.top_works]
    assert lines[-1] == "version v000001"

    # --json and the Python API give the same structure; URL and lower-case ids are accepted.
    code, text = invoke("explain", "https://openalex.org/a5007426895", "--json", "--data-dir", str(published_sample))
    assert code == 0, text
    parsed = json.loads(text)
    assert parsed["researcher"]["author_id"] == "A5007426895"
    assert [w["work_id"] for w in parsed["works"]] == listed
    with datarank.open(published_sample) as results:
        assert json.loads(results.explain("A5007426895").to_json()) == parsed
        assert results.explain_researcher(5007426895).researcher["rank"] == author.rank
        assert results.researchers.count("*").fetchall() == [(n,)]
        with pytest.raises(DataRankError, match="A1 is the author of no work in version v000001"):
            results.explain("A1")
        with pytest.raises(UsageError, match="not an OpenAlex author id: 'A12x'"):
            results.explain_researcher("A12x")

    code, output = invoke("explain", "A1", "--data-dir", str(published_sample))
    assert (code, output) == (1, "datarank: error: explain: A1 is the author of no work in version v000001\n")
    code, output = invoke("explain", "X5007426895", "--data-dir", str(published_sample))
    assert code == 2 and output.startswith("datarank: error: not an OpenAlex work id or DOI: 'X5007426895'")  # usage


def test_export_the_researchers_table(published_sample: Path, sample_oracle: OracleResult, tmp_path: Path) -> None:
    out = tmp_path / "researchers.csv"
    code, output = invoke("export", "--table", "researchers", "--top", "10", "-o", str(out),
                          "--data-dir", str(published_sample))
    assert (code, output) == (0, f"wrote 10 researchers to {out}\n")
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["author_id", "works", "researcher_score", "rank", "percentile"]
    ranked = sorted(researchers(sample_oracle).values(), key=lambda row: row.rank)[:10]
    assert [r["author_id"] for r in rows] == [f"A{x.author_number}" for x in ranked]
    assert [int(r["rank"]) for r in rows] == list(range(1, 11))
    assert [float(r["researcher_score"]) for r in rows] == pytest.approx([x.researcher_score for x in ranked], rel=1e-9)
    # Its provenance says which table it is, and describes the researchers' columns.
    package = json.loads((tmp_path / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["path"] == "researchers.csv")
    assert resource["datarank"]["table"] == "researchers" and resource["datarank"]["filters"] == {"top": 10}
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["researcher_score"]["description"].startswith("the mean DataRank of the author's ten best works")
    assert fields["works"]["type"] == "integer" and fields["author_id"]["type"] == "string"
    code, output = invoke("export", "--table", "researchers", "--top", "3", "-o", str(tmp_path / "r.parquet"),
                          "--data-dir", str(published_sample))
    assert code == 0, output
    metadata = {k.decode(): v.decode() for k, v in pq.read_metadata(tmp_path / "r.parquet").metadata.items()}
    assert metadata["table"] == "researchers"
    assert json.loads(metadata["column_descriptions"])["percentile"].startswith("100 × the share of other authors")

    # JSON Lines, every author; the works' filters are refused here.
    code, output = invoke("export", "--table", "researchers", "-o", str(tmp_path / "all.json"), "--data-dir",
                          str(published_sample))
    assert code == 0, output
    lines = (tmp_path / "all.json").read_text().splitlines()
    assert len(lines) == len(researchers(sample_oracle)) and json.loads(lines[0])["rank"] == 1
    code, output = invoke("export", "--table", "researchers", "--year", "2018", "-o", str(tmp_path / "x.csv"),
                          "--data-dir", str(published_sample))
    assert (code, output) == (2, "datarank: error: export: --year, --type, --field and --subfield filter works; the "
                                 "researchers table has none of them\n")
    assert not (tmp_path / "x.csv").exists()
    # Without --table, the works, as before.
    code, output = invoke("export", "--top", "3", "-o", str(tmp_path / "works.csv"), "--data-dir", str(published_sample))
    assert (code, output) == (0, f"wrote 3 works to {tmp_path / 'works.csv'}\n")


def test_query_sees_the_researchers_view(published_sample: Path, sample_oracle: OracleResult) -> None:
    code, output = invoke(
        "query", "select count(*) as n, sum(works) as pairs from researchers", "--format", "csv",
        "--data-dir", str(published_sample),
    )
    assert code == 0, output
    expected = researchers(sample_oracle)
    # Distinct work–author pairs: each author's works, summed, are the sample's authorships.
    assert output == f"n,pairs\n{len(expected)},{sum(r.works for r in expected.values())}\n"
    assert sum(r.works for r in expected.values()) == sample_oracle.counts["authorships"] == 851


def test_a_version_from_before_researchers_stays_readable(published_sample: Path, tmp_path: Path) -> None:
    """A version published by an older release has no researchers.parquet: the other views, the
    report and explain W… still work; explain A… and export say why they cannot."""
    import shutil

    data_dir = tmp_path / "lake"
    shutil.copytree(published_sample, data_dir, symlinks=True)
    (data_dir / "current" / "researchers.parquet").unlink()
    code, output = invoke("query", "select count(*) as n from scores", "--format", "csv", "--data-dir", str(data_dir))
    assert (code, output) == (0, "n\n339\n")
    code, output = invoke("explain", "A5007426895", "--data-dir", str(data_dir))
    assert (code, output) == (1, "datarank: error: version v000001 was published before researcher scores existed; "
                                 "run `datarank compute` to publish a new version\n")
    code, output = invoke("export", "--table", "researchers", "-o", str(tmp_path / "r.csv"), "--data-dir", str(data_dir))
    assert (code, output) == (1, "datarank: error: export: version v000001 has no researchers table (published by an "
                                 "older release)\n")
    code, output = invoke("report", "-o", str(tmp_path / "report"), "--top", "3", "--units", "0", "--data-dir", str(data_dir))
    assert (code, output.split(" (version")[0]) == (0, "wrote a report of 3 of 339 works")
    assert not (tmp_path / "report" / "researchers.html").exists()
    with datarank.open(data_dir) as results:
        with pytest.raises(DataRankError, match="version v000001 has no researchers view"):
            results.researchers.fetchall()
        assert results.scores.count("*").fetchall() == [(339,)]
