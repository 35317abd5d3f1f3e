"""The units' leaderboards (docs/units.md) against the independent oracle (tests/units_oracle.py
over tests/oracle.py's works): on the shipped sample, on generated snapshots with every core
corpus, and in what people read (explain I…/S…/country:/field:, export --table, the Python API,
the report, the README's figures)."""

from __future__ import annotations

import csv
import json
import random
import re
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import OracleResult, compute
from units_oracle import Corpus, UnitRow, field_of, in_corpus, source_of, units

import datarank
from datarank import DataRankError, UsageError
from datarank.cli import main
from datarank.units import explain_units, parse_unit_id
from tests.factory.growth import SAMPLE
from tests.factory.randoms import RandomSnapshot, random_snapshots
from tests.factory.records import with_units

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
ID_COLUMNS = {"institutions": "institution_id", "sources": "source_id", "countries": "country_code", "fields": "field_id"}
#: The corpora of --core-corpus the generated snapshots are run with, and the oracle's reading of each.
CORPORA = {
    "no-paratext,no-retracted": Corpus(),
    "all": Corpus(paratext=True, retracted=True),
    "no-retracted,type:article,type:review": Corpus(paratext=True, types=("article", "review")),
}


@pytest.fixture(scope="module")
def sample_oracle() -> OracleResult:
    return compute(SAMPLE)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def assert_matches_units_oracle(published: pl.DataFrame, expected: dict[Any, UnitRow], table: str) -> None:
    """Every row of a unit's table against the oracle: works exactly, weights, sums and shares to
    rel 1e-9, rank exactly or within a group of units whose sums are equal to float noise."""
    rows = {row[ID_COLUMNS[table]]: row for row in published.to_dicts()}
    assert len(rows) == published.height, f"{table}: a unit appears twice"
    assert sorted(rows, key=str) == sorted(expected, key=str), f"{table}: the pipeline and the oracle hold different units"
    problems = []
    for key, want in expected.items():
        got = rows[key]
        if got["works_full"] != want.works_full:
            problems.append(f"{key}: works_full {got['works_full']}, oracle {want.works_full}")
        for column in ("works_fractional", "datarank_sum", "datarank_mean", "pp_top10_full", "pp_top10_fractional",
                       "pp_top1_full", "pp_top1_fractional", "top10_mean"):
            value = getattr(want, column)
            if not abs(got[column] - value) <= 1e-9 * max(abs(value), 1e-3):
                problems.append(f"{key}: {column} {got[column]!r}, oracle {value!r}")
        low, high = want.rank_range
        if not low <= got["rank"] <= high:
            problems.append(f"{key}: rank {got['rank']}, oracle {want.rank} (group {low}–{high})")
    assert not problems, f"{table}:\n" + "\n".join(problems[:40])
    assert sorted(published["rank"].to_list()) == list(range(1, published.height + 1))


# ---------------------------------------------------------------- the sample
@pytest.mark.parametrize("table", list(ID_COLUMNS))
def test_the_samples_units_are_the_oracles(published_sample: Path, sample_oracle: OracleResult, table: str) -> None:
    published = pl.read_parquet(published_sample / "current" / f"{table}.parquet")
    assert published.columns == [
        ID_COLUMNS[table], ID_COLUMNS[table].replace("_id", "_name").replace("_code", "_name"), "works_full",
        "works_fractional", "datarank_sum", "datarank_mean", "pp_top10_full", "pp_top10_fractional", "pp_top1_full",
        "pp_top1_fractional", "top10_mean", "rank",
    ]
    expected = units(sample_oracle, table)
    assert len(expected) > 10
    assert_matches_units_oracle(published, expected, table)


def test_the_readme_gives_the_oracles_top_institutions_and_sources(sample_oracle: OracleResult) -> None:
    for table, prefix in (("institutions", "I"), ("sources", "S")):
        shown = re.findall(rf"^\| (\d) \| ({prefix}\d+) \| [^|]+ \| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| "
                           r"([\d.]+)% \| ([\d.]+)% \| ([\d.]+) \|$", README, re.MULTILINE)
        ranked = sorted(units(sample_oracle, table).values(), key=lambda row: row.rank)[:5]
        assert shown == [(str(r.rank), r.key, str(r.works_full), f"{r.works_fractional:.3f}", f"{r.datarank_sum:.3f}",
                          f"{r.datarank_mean:.3f}", f"{100 * r.pp_top10_full:.1f}", f"{100 * r.pp_top10_fractional:.1f}",
                          f"{r.top10_mean:.3f}") for r in ranked], table


# ---------------------------------------------------------------- generated snapshots
def with_unit_fields(snapshot: RandomSnapshot, seed: int) -> RandomSnapshot:
    """Every record of the snapshot with institutions, countries, a source and a field (none, one or
    two of each, now and then malformed: records.with_units), paratext and retracted flags and a
    few types, drawn from `seed`."""
    rng = random.Random(seed)
    for lines in snapshot.partitions.values():
        for line in lines:
            if isinstance(line, dict):
                with_units(line, rng)
                line["is_paratext"] = rng.random() < 0.15
                line["is_retracted"] = rng.choice([True, False, False, False, None])
                if "type" in line:
                    line["type"] = rng.choice(["article", "article", "review", "dataset", " Article ", "paratext"])
    return snapshot


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=random_snapshots(min_works=15, max_works=30), seed=st.integers(0, 2**32),
       corpus=st.sampled_from(list(CORPORA)))
def test_units_equal_the_oracle_on_generated_snapshots(snapshot: RandomSnapshot, seed: int, corpus: str) -> None:
    from datarank.pipeline import run
    from datarank.settings import Settings

    snapshot = with_unit_fields(snapshot, seed)
    with tempfile.TemporaryDirectory() as folder:
        root = snapshot.write(Path(folder) / "snapshot")
        run(Settings(snapshot=str(root), data_dir=Path(folder) / "out", cap=snapshot.cap, core_corpus=corpus))
        current = Path(folder) / "out" / "current"
        scores = pl.read_parquet(current / "scores.parquet")
        works = compute(root, cap=snapshot.cap)
        # Whether the works' DataRanks agree is test_oracle_property's to check; here, what the
        # units build on them.
        dataranks = dict(zip(scores["work_number"], scores["datarank"], strict=True))
        assume(sorted(dataranks) == sorted(works.rows) and all(
            abs(dataranks[n] - row.datarank) <= 1e-9 * max(row.datarank, 1e-3) for n, row in works.rows.items()))
        assert json.loads((current / "manifest.json").read_text())["parameters"]["core_corpus"] == corpus
        chosen = CORPORA[corpus]
        counted = [record for record in works.records.values() if in_corpus(record, chosen)]
        for table in ID_COLUMNS:
            published = pl.read_parquet(current / f"{table}.parquet")
            expected = units(works, table, chosen)
            assert_matches_units_oracle(published, expected, table)
            # The sums over all units are the works assigned: by full counting the (work, unit)
            # pairs, by fractional counting each work's share of authorships that name one (whole
            # for sources and fields).
            # Each unit's best works, as explain lists them: the core corpus's, by DataRank.
            explained = {u.unit[ID_COLUMNS[table]]: u for u in explain_units(current.resolve(), table, list(expected))}
            for key, row in expected.items():
                best = sorted(row.weights, key=lambda w: (-works.rows[w].datarank, w))[:10]
                assert [w.work_id for w in explained[key].works] == [f"W{w}" for w in best], (table, key)
            pairs = sum(len(row.weights) for row in expected.values())
            assert published["works_full"].sum() == pairs
            if table in ("sources", "fields"):
                assert pairs == sum((source_of if table == "sources" else field_of)(record) is not None for record in counted)
                assert published["works_fractional"].sum() == pytest.approx(pairs, rel=1e-12)
            else:
                assigned = sum(weight for row in expected.values() for weight in row.weights.values())
                assert published["works_fractional"].sum() == pytest.approx(assigned, rel=1e-9, abs=1e-12)
                assert assigned <= len(counted) + 1e-9


# ---------------------------------------------------------------- what people read
def test_explain_an_institution_lists_its_best_works(published_sample: Path, sample_oracle: OracleResult) -> None:
    expected = units(sample_oracle, "institutions")
    unit = max(expected.values(), key=lambda row: (row.works_full, -row.rank))  # one with many works
    best = sorted(unit.weights, key=lambda w: (-sample_oracle.rows[w].datarank, w))[:10]
    code, output = invoke("explain", unit.key, "--data-dir", str(published_sample))
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith(f"{unit.key}  ")
    assert lines[1].startswith(f"  institution · {unit.works_full} works · {unit.works_fractional:.2f} by fractional counting"
                               " · core corpus no-paratext,no-retracted")
    assert lines[3].startswith(f"DataRank sum {unit.datarank_sum:.2f}   (rank {unit.rank} of {len(expected)} institutions")
    assert f"mean of the ten best works {unit.top10_mean:.4f}" in lines[4]
    listed = [line.split() for line in lines[10:-2]]
    assert [row[1] for row in listed] == [f"W{w}" for w in best]
    assert [float(row[5]) for row in listed] == [round(unit.weights[w], 3) for w in best]  # the unit's share
    assert lines[-1] == "version v000001"

    # --json and the Python API give the same; a URL and lower case are accepted.
    code, text = invoke("explain", f"https://openalex.org/{unit.key.lower()}", "--json", "--data-dir", str(published_sample))
    assert code == 0, text
    parsed = json.loads(text)
    assert parsed["unit"]["institution_id"] == unit.key and parsed["table"] == "institutions"
    assert [w["work_id"] for w in parsed["works"]] == [f"W{w}" for w in best]
    assert sum(w["datarank"] for w in parsed["works"]) / len(best) == pytest.approx(unit.top10_mean, rel=1e-9)
    with datarank.open(published_sample) as results:
        assert json.loads(results.explain(unit.key).to_json()) == parsed
        assert results.institutions.count("*").fetchall() == [(len(expected),)]
        with pytest.raises(DataRankError, match="I1 is no institution of a core-corpus work in version v000001"):
            results.explain("I1")
    code, output = invoke("explain", "I1", "--data-dir", str(published_sample))
    assert (code, output) == (1, "datarank: error: explain: I1 is no institution of a core-corpus work in version v000001\n")


@pytest.mark.parametrize("table", ["sources", "countries", "fields"])
def test_explain_a_source_a_country_and_a_field(published_sample: Path, sample_oracle: OracleResult, table: str) -> None:
    expected = units(sample_oracle, table)
    unit = min(expected.values(), key=lambda row: row.rank)
    name = {"sources": unit.key, "countries": f"country:{str(unit.key).lower()}", "fields": f"field:{unit.key}"}[table]
    code, text = invoke("explain", name, "--json", "--data-dir", str(published_sample))
    assert code == 0, text
    parsed = json.loads(text)
    best = sorted(unit.weights, key=lambda w: (-sample_oracle.rows[w].datarank, w))[:10]
    assert parsed["unit"][ID_COLUMNS[table]] == unit.key and parsed["unit"]["rank"] == 1
    assert [w["work_id"] for w in parsed["works"]] == [f"W{w}" for w in best]
    code, output = invoke("explain", name, "--data-dir", str(published_sample))
    assert code == 0 and f"(rank 1 of {len(expected)} {table}" in output, output


def test_a_malformed_unit_id_is_a_usage_error(published_sample: Path) -> None:
    for bad in ("country:USA", "field:x", "Ix12"):
        code, output = invoke("explain", bad, "--data-dir", str(published_sample))
        assert code == 2, (bad, output)
    with pytest.raises(UsageError, match="not a unit id: 'country:1'"):
        parse_unit_id("country:1")


def test_export_the_units_tables(published_sample: Path, sample_oracle: OracleResult, tmp_path: Path) -> None:
    out = tmp_path / "institutions.csv"
    code, output = invoke("export", "--table", "institutions", "--top", "5", "-o", str(out), "--data-dir", str(published_sample))
    assert (code, output) == (0, f"wrote 5 institutions to {out}\n")
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    ranked = sorted(units(sample_oracle, "institutions").values(), key=lambda row: row.rank)[:5]
    assert [r["institution_id"] for r in rows] == [x.key for x in ranked]
    assert [float(r["works_fractional"]) for r in rows] == pytest.approx([x.works_fractional for x in ranked], rel=1e-9)
    package = json.loads((tmp_path / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["path"] == "institutions.csv")
    assert resource["datarank"]["table"] == "institutions"
    assert resource["datarank"]["core_corpus"] == "no-paratext,no-retracted"
    assert resource["title"] == "DataRank v000001 institutions, best first"
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["works_fractional"]["description"].startswith("its share of those works (fractional counting)")
    for table in ("sources", "countries", "fields"):
        code, output = invoke("export", "--table", table, "-o", str(tmp_path / f"{table}.json"), "--data-dir", str(published_sample))
        assert code == 0, output
        assert len((tmp_path / f"{table}.json").read_text().splitlines()) == len(units(sample_oracle, table))
    code, output = invoke("export", "--table", "countries", "--type", "article", "-o", str(tmp_path / "x.csv"),
                          "--data-dir", str(published_sample))
    assert (code, output) == (2, "datarank: error: export: --year, --type, --field and --subfield filter works; the countries "
                                 "table has none of them\n")


def test_the_report_has_a_leaderboard_and_pages_for_each_kind_of_unit(
    published_sample: Path, sample_oracle: OracleResult, tmp_path: Path
) -> None:
    output = tmp_path / "report"
    code, text = invoke("report", "--output", str(output), "--top", "5", "--researchers", "0", "--units", "3",
                        "--data-dir", str(published_sample))
    assert code == 0, text
    assert "12 unit pages" in text
    index = (output / "index.html").read_text()
    for table in ID_COLUMNS:
        assert f'id="nav-{table}" href="{table}.html"' in index
        ranked = sorted(units(sample_oracle, table).values(), key=lambda row: row.rank)[:3]
        board = (output / f"{table}.html").read_text()
        assert re.findall(r'<tr data-unit="([^"]+)">', board) == [str(x.key) for x in ranked]
        assert sorted(p.name for p in (output / table).iterdir()) == sorted(f"{x.key}.html" for x in ranked)
        page = (output / table / f"{ranked[0].key}.html").read_text()
        assert f'<span id="datarank-sum">{ranked[0].datarank_sum:.2f}</span>' in page
        assert f'<td class="num" id="pp-top10">{100 * ranked[0].pp_top10_full:.0f}%</td>' in page
    code, text = invoke("report", "--output", str(tmp_path / "none"), "--top", "5", "--units", "0",
                        "--data-dir", str(published_sample))
    assert code == 0 and "unit pages" not in text and not (tmp_path / "none" / "institutions.html").exists()


def test_a_version_from_before_the_units_stays_readable(published_sample: Path, tmp_path: Path) -> None:
    """A version published by an older release has no units' tables: the report leaves them out, and
    explain and export say why they cannot."""
    import shutil

    data_dir = tmp_path / "lake"
    shutil.copytree(published_sample, data_dir, symlinks=True)
    for table in ID_COLUMNS:
        (data_dir / "current" / f"{table}.parquet").unlink()
    code, output = invoke("explain", "I97018004", "--data-dir", str(data_dir))
    assert (code, output) == (1, "datarank: error: version v000001 was published before the units' leaderboards existed; "
                                 "run `datarank compute` to publish a new version\n")
    code, output = invoke("export", "--table", "fields", "-o", str(tmp_path / "f.csv"), "--data-dir", str(data_dir))
    assert (code, output) == (1, "datarank: error: export: version v000001 has no fields table (published by an older "
                                 "release)\n")
    code, output = invoke("report", "-o", str(tmp_path / "report"), "--top", "3", "--researchers", "0",
                          "--data-dir", str(data_dir))
    assert (code, output.split(" (version")[0]) == (0, "wrote a report of 3 of 339 works")
    assert not (tmp_path / "report" / "institutions.html").exists()
