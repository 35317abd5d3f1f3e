"""fair_v1 against its independent oracle (tests/fair_oracle.py): every work's dimensions, raw and
calibrated scores, checklist, venue and abstract, and the run's validation rows, on the shipped
sample (real records) and on generated snapshots written in all three layouts."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import polars as pl
import pytest
from fair_oracle import CHECKLIST, FairResult, compute_fair, year_type_percentiles
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import compute

from datarank.outputs import query
from datarank.pipeline import run
from datarank.settings import Settings
from tests.factory.layouts import write_release
from tests.factory.randoms import random_release

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
LAYOUTS = ("legacy", "jsonl", "parquet")


def close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def expected_of(snapshot: Path) -> FairResult:
    datarank = compute(snapshot)
    return compute_fair(datarank, year_type_percentiles(datarank))


def assert_matches_fair_oracle(current: Path, expected: FairResult, what: str = "") -> None:
    scores = {row["work_number"]: row for row in pl.read_parquet(current / "scores.parquet").to_dicts()}
    assert sorted(scores) == sorted(expected.rows), what
    venues = dict(pl.read_parquet(current / "fair_signals.parquet").select("work_id", "venue").iter_rows())
    abstracts = dict(query(current.parent, "select work_id, abstract from abstracts").iter_rows())
    problems: list[str] = []
    for number, want in sorted(expected.rows.items()):
        got = scores[number]
        dims = (got["fair_findable"], got["fair_accessible"], got["fair_interoperable"], got["fair_reusable"])
        if dims != (want.dimensions or (None,) * 4):
            problems.append(f"W{number}: dimensions {dims}, oracle {want.dimensions}")
        for column in ("fair_raw", "fair_score", "fair_year_type_score"):
            if not close(got[column], getattr(want, column)):
                problems.append(f"W{number}: {column} {got[column]}, oracle {getattr(want, column)}")
        for column in CHECKLIST:
            if got[column] != want.checklist[column]:
                problems.append(f"W{number}: {column} {got[column]}, oracle {want.checklist[column]}")
        if venues.get(number) != want.venue:
            problems.append(f"W{number}: venue {venues.get(number)!r}, oracle {want.venue!r}")
        if abstracts.get(number) != want.abstract:
            problems.append(f"W{number}: abstract {abstracts.get(number)!r:.60}, oracle {want.abstract!r:.60}")
    validation = pl.read_parquet(current / "fair_validation.parquet").to_dicts()
    keys = [(row["cohort"], row["left_out"]) for row in validation]
    if keys != [(row["cohort"], row["left_out"]) for row in expected.validation]:
        problems.append(f"validation rows {keys}, oracle {[(r['cohort'], r['left_out']) for r in expected.validation]}")
    else:
        for got, want in zip(validation, expected.validation, strict=True):
            if (got["works"], got["year_from"], got["year_to"]) != (want["works"], want["year_from"], want["year_to"]) \
                    or not close(got["spearman"], want["spearman"]):
                problems.append(f"validation {got} , oracle {want}")
    assert not problems, f"{what}\n" + "\n".join(problems[:40])


def test_fair_on_the_shipped_sample_equals_the_oracle(tmp_path: Path) -> None:
    run(Settings(snapshot=str(SAMPLE), data_dir=tmp_path / "out", abstracts=True))
    expected = expected_of(SAMPLE)
    assert sum(row.scored for row in expected.rows.values()) == 336  # 339 works, 3 paratext
    assert sum(row.abstract is not None for row in expected.rows.values()) > 200
    assert_matches_fair_oracle(tmp_path / "out" / "current", expected, "sample")


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
def test_fair_equals_the_oracle_in_all_three_layouts(seed: int) -> None:
    release = random_release(seed, works=70, partitions=3)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for layout in LAYOUTS:
            write_release(base / layout, release, layout)
        expected = expected_of(base / "legacy")  # the oracle reads the legacy layout; the works are the same
        signals = {name: sum(row.checklist[name] for row in expected.rows.values()) for name in CHECKLIST}
        assert all(signals.values()), signals  # every checklist item shows up somewhere
        for layout in LAYOUTS:
            run(Settings(snapshot=str(base / layout), data_dir=base / f"out-{layout}", abstracts=True))
            assert_matches_fair_oracle(base / f"out-{layout}" / "current", expected, f"{layout}, seed {seed}")
