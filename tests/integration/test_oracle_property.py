"""The pipeline against an independent oracle (tests/oracle.py), row by row.

On generated messy snapshots (hypothesis, tests/factory/randoms.py) and on the shipped sample,
every row of scores.parquet and of citers.parquet must equal the oracle's: counts and flags
exactly, floats to rel 1e-9 / abs 1e-12. Plus the invariants of STYLE.md: scores never negative,
shares sum to one, cap respected.

The generated snapshots are drawn with a damping of 0, 0.5, 0.85 or 1 and written in one of the
three layouts of SPEC §3 (legacy, June-2026 JSON Lines, June-2026 Parquet; tests/factory/layouts.py
writes them), with more merges on top of the factory's (some re-merging an id already
merged, on an earlier or later date) and deletions (``deleted_ids.csv``, or in the legacy layout
merges into OpenAlex's "deleted" sentinel).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import random
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from oracle import OracleResult, compute, group_standing, normalized_percentile, topic_group, work_number
from published import Published, read_published, run_pipeline

from tests.factory.layouts import DELETED_SENTINEL, Release, write_legacy_snapshot, write_release
from tests.factory.randoms import RandomSnapshot, check_prepared_cases, random_snapshots
from tests.factory.records import work

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

EXACT = (
    "cited_by_count",
    "citers_in_snapshot",
    "citers_considered",
    "self_citations_excluded",
    "citers_with_signal",
    "cap_bound",
)
FLOATS = (
    "base_score",
    "network_score",
    "base_contribution",
    "network_contribution",
    "datarank",
    "base_share",
    "network_share",
)
#: Run-summary counts whose meaning SPEC §3 fixes, computed by the oracle too.
COUNTS = (
    "lines_read",
    "quarantined",
    "good_lines",
    "invalid_references",
    "invalid_authors",
    "works",
    "duplicates_superseded",
    "merged_or_deleted_dropped",
    "citations",
    "authorships",
)


def close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def assert_matches_oracle(published: Published, expected: OracleResult, cap: int) -> None:
    scores = published.scores
    rows = {row["work_number"]: row for row in scores.to_dicts()}
    assert len(rows) == scores.height, "a work appears twice in scores.parquet"
    assert sorted(rows) == sorted(expected.rows), "scores.parquet and the oracle hold different works"

    problems: list[str] = []
    for number, want in sorted(expected.rows.items()):
        got = rows[number]
        if got["work_id"] != f"W{number}":
            problems.append(f"W{number}: work_id {got['work_id']!r}")
        for column in EXACT:
            if got[column] != getattr(want, column):
                problems.append(f"W{number}: {column} {got[column]!r}, oracle {getattr(want, column)!r}")
        for column in FLOATS:
            if not close(got[column], getattr(want, column)):
                problems.append(f"W{number}: {column} {got[column]!r}, oracle {getattr(want, column)!r}")
        # Rank: exact, unless other works' datarank equals this one's to within float noise (the
        # two sides may sum N in another order); then any rank of that group — but works the
        # pipeline itself ties (docs/metric.md: DataRank in fixed point, so the same percentile)
        # must still be ordered by id.
        low, high = want.rank_range
        if not low <= got["rank"] <= high:
            problems.append(f"W{number}: rank {got['rank']}, oracle {want.rank} (group {low}–{high})")
        tied = [rows[o.work_number] for o in expected.rows.values() if o.rank_range == want.rank_range]
        same = sorted((r for r in tied if r["percentile"] == got["percentile"]), key=lambda r: r["rank"])
        if [r["work_number"] for r in same] != sorted(r["work_number"] for r in same) and got is same[0]:
            problems.append(f"W{number}: tied works ranked {[r['work_id'] for r in same]}, not by id")
    assert not problems, "\n".join(problems[:40])

    for name in COUNTS:
        assert published.counts[name] == expected.counts[name], (name, published.counts[name], expected.counts[name])
    got_quarantine = sorted(zip(published.quarantine["source_file"], published.quarantine["line_number"], strict=True))
    assert got_quarantine == sorted(expected.quarantine)

    assert_invariants(scores, cap)
    assert_standing_matches_oracle(scores, expected)
    assert_citers_match_oracle(pl.read_parquet(published.current / "citers.parquet"), expected)


def assert_standing_matches_oracle(scores: pl.DataFrame, expected: OracleResult) -> None:
    """The standing within subfield × year and field × year (docs/standing.md) is the oracle's, read
    from each record's primary_topic: the group's size exactly, the percentile and rank within the
    range float-noise ties allow; the group ids and OpenAlex's percentile as the record says."""
    problems: list[str] = []
    rows = {row["work_number"]: row for row in scores.to_dicts()}
    for level in ("subfield", "field"):
        standing = group_standing(expected, level)
        for number, want in sorted(standing.items()):
            got = rows[number]
            if got[f"{level}_id"] != topic_group(expected.records[number], level):
                problems.append(f"W{number}: {level}_id {got[f'{level}_id']}, record {topic_group(expected.records[number], level)}")
            if got[f"{level}_year_works"] != want.works:
                problems.append(f"W{number}: {level}_year_works {got[f'{level}_year_works']}, oracle {want.works}")
            percentile = got[f"{level}_year_percentile"]
            if not want.percentile_low - 1e-9 <= percentile <= want.percentile_high + 1e-9:
                problems.append(f"W{number}: {level}_year_percentile {percentile}, oracle {want}")
            if not want.rank_low <= got[f"{level}_year_rank"] <= want.rank_high:
                problems.append(f"W{number}: {level}_year_rank {got[f'{level}_year_rank']}, oracle {want}")
    for number, record in expected.records.items():
        if rows[number]["openalex_normalized_percentile"] != normalized_percentile(record):
            problems.append(f"W{number}: openalex_normalized_percentile {rows[number]['openalex_normalized_percentile']}, "
                            f"record {normalized_percentile(record)}")
    assert not problems, "\n".join(problems[:40])


#: citers.parquet columns compared exactly, and the oracle's field for each.
CITER_EXACT = {
    "citer_rank": "rank",
    "citer_cited_by_count": "cited_by_count",
    "citer_outdegree": "outdegree",
    "is_self_citation": "is_self_citation",
}
CITER_FLOATS = {"citer_signal": "signal", "contribution": "contribution"}


def assert_citers_match_oracle(citers: pl.DataFrame, expected: OracleResult) -> None:
    """Every published citers row is a considered citer of the oracle's, with its place at the cap,
    its self-citation flag and what it contributes; and every considered citer is published."""
    rows = {(row["cited_id"], row["citing_id"]): row for row in citers.to_dicts()}
    assert len(rows) == citers.height, "a (cited, citing) pair appears twice in citers.parquet"
    extra = sorted(set(rows) - set(expected.citers))
    missing = sorted(set(expected.citers) - set(rows))
    assert not extra and not missing, f"citers.parquet has pairs the oracle has not {extra[:10]}, lacks {missing[:10]}"
    problems: list[str] = []
    for pair, want in sorted(expected.citers.items()):
        got = rows[pair]
        where = f"W{pair[0]} cited by W{pair[1]}"
        for column, name in CITER_EXACT.items():
            if got[column] != getattr(want, name):
                problems.append(f"{where}: {column} {got[column]!r}, oracle {getattr(want, name)!r}")
        for column, name in CITER_FLOATS.items():
            if not close(got[column], getattr(want, name)):
                problems.append(f"{where}: {column} {got[column]!r}, oracle {getattr(want, name)!r}")
    assert not problems, "\n".join(problems[:40])


def assert_invariants(scores: pl.DataFrame, cap: int) -> None:
    """What holds for any snapshot (STYLE.md, tests)."""
    for column in ("base_score", "network_score", "base_contribution", "network_contribution", "datarank"):
        assert scores[column].min() >= 0, f"negative {column}"  # type: ignore[operator]
    assert scores["citers_considered"].max() <= cap  # type: ignore[operator]
    assert (scores["citers_considered"] <= scores["citers_in_snapshot"]).all()
    assert (scores["self_citations_excluded"] + scores["citers_with_signal"] <= scores["citers_considered"]).all()
    assert (scores["cap_bound"] == (scores["citers_in_snapshot"] > cap)).all()

    scored = scores.filter(pl.col("datarank") > 0)
    assert scored["base_share"].null_count() == 0 and scored["network_share"].null_count() == 0
    sums = (scored["base_share"] + scored["network_share"]).to_list()
    assert all(math.isclose(s, 1.0, rel_tol=1e-12) for s in sums)
    zero = scores.filter(pl.col("datarank") == 0)
    assert zero["base_share"].null_count() == zero.height == zero["network_share"].null_count()

    # Ranked by datarank desc (in fixed point, docs/metric.md: works a few units of 2^-32 apart
    # may go either way, whatever their floating-point datarank says), ties by id asc; a tie is a
    # shared percentile.
    ranked = scores.sort("rank")
    assert ranked["rank"].to_list() == list(range(1, scores.height + 1))
    dataranks, ids = ranked["datarank"].to_list(), ranked["work_number"].to_list()
    percentiles = ranked["percentile"].to_list()
    for i in range(1, len(dataranks)):
        assert dataranks[i - 1] > dataranks[i] or math.isclose(dataranks[i - 1], dataranks[i], rel_tol=1e-9, abs_tol=1e-12)
        assert percentiles[i - 1] > percentiles[i] or (percentiles[i - 1] == percentiles[i] and ids[i - 1] < ids[i])
    assert all(0 <= p <= 100 for p in percentiles)


# --------------------------------------------------------------------------- writing a layout

LAYOUTS = ("legacy", "jsonl", "parquet")
DAMPINGS = (0.0, 0.5, 0.85, 1.0)
MERGED_IDS = Path("data/merged_ids/works")


def _merge_rows(root: Path) -> list[dict[str, str]]:
    folder = root / MERGED_IDS
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.csv.gz")) if folder.is_dir() else []:
        rows += csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8")))
    return rows


def _add_merges(root: Path, merges: list[tuple[str, int, int]]) -> None:
    """Append (merge_date, id, merge_into_id) rows to the merged-id file of their date."""
    for day in sorted({m[0] for m in merges}):
        path = root / MERGED_IDS / f"{day}.csv.gz"
        text = gzip.decompress(path.read_bytes()).decode() if path.exists() else "merge_date,id,merge_into_id\n"
        text += "".join(f"{d},W{a},W{b}\n" for d, a, b in merges if d == day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(text.encode(), mtime=0))


def _fits_parquet(line: Any) -> Any:
    """A JSON line as a Parquet row can hold it (tests/factory/layouts.PARQUET_SCHEMA): a field of
    another type becomes null, as the JSON readers read it; lines that are no JSON object stay
    strings, which the Parquet writer leaves out."""
    if isinstance(line, bytes):
        line = line.decode("utf-8")
    if isinstance(line, str):
        try:  # an object without a valid id has a Parquet form, and goes to quarantine
            line = json.loads(line)
        except ValueError:
            return line
    if not isinstance(line, dict):
        return json.dumps(line)
    row = dict(line)
    for name in ("cited_by_count", "referenced_works_count", "publication_year"):
        if isinstance(row.get(name), bool) or not isinstance(row.get(name), int | None):
            row[name] = None
    for name in ("id", "doi", "title", "type"):
        if not isinstance(row.get(name), str | None):
            row[name] = None
    try:
        date.fromisoformat(str(row.get("updated_date"))[:10])
    except ValueError:
        row["updated_date"] = None
    return row


def _chunks(lines: list[Any], parts: int) -> list[list[Any]]:
    size = -(-len(lines) // parts) or 1
    return [lines[i : i + size] for i in range(0, len(lines), size)] or [[]]


def _free_date(dates: dict[int, set[str]], merged: int, rng: random.Random, choices: tuple[str, ...]) -> str:
    """A merge date for `merged` on which it was not merged yet: the product keeps either of two
    merges of one id on one date (docs/metric.md decides only by merge_date)."""
    taken = dates.setdefault(merged, set())
    day = rng.choice([d for d in choices if d not in taken] or [str(date(2030, 1, 1) + timedelta(days=len(taken)))])
    taken.add(day)
    return day


def write_snapshot(snapshot: RandomSnapshot, layout: str, rng: random.Random, folder: Path) -> Path:
    """`snapshot` in `layout` under `folder/snapshot`, with more merges and some deletions drawn
    from `rng`. The merged-id lists (any layout) are the factory's, plus those."""
    legacy = snapshot.write(folder / "legacy")
    numbers = sorted({n for lines in snapshot.partitions.values() for line in lines if isinstance(line, dict)
                      for n in [work_number(line.get("id"))] if n is not None})
    # The factory's prepared cases (the cap's citers of its popular work) stay as they are.
    cases = snapshot.cases
    kept = {cases.popular, *cases.above, *cases.tied} if cases is not None else set()
    free = [n for n in numbers if n not in kept]
    dates: dict[int, set[str]] = {}  # merged id -> the dates it is merged on
    for row in _merge_rows(legacy):
        if (n := work_number(row["id"])) is not None:
            dates.setdefault(n, set()).add(row["merge_date"])
    # More merges: some of ids merged already (now again, on an earlier or a later date, elsewhere),
    # some new; into a work of the snapshot, an id never exported, or the "deleted" sentinel.
    merges: list[tuple[str, int, int]] = []
    merged = sorted(set(dates) - kept)
    targets = [n for n in numbers if cases is None or n != cases.popular]
    for _ in range(rng.randint(0, 3) if free else 0):
        source = rng.choice(merged) if merged and rng.random() < 0.6 else rng.choice(free)
        target = rng.choice([rng.choice(targets), rng.choice(targets), 999_999, DELETED_SENTINEL])
        merges.append((_free_date(dates, source, rng, ("2023-06-01", "2024-01-01", "2024-06-01", "2025-06-01")), source, target))
    deleted = rng.sample(free, rng.randint(0, min(3, len(free))))

    root = folder / "snapshot"
    if layout == "legacy":
        legacy.rename(root)
        for number in deleted:  # the legacy layout's deletions: merges into the sentinel
            merges.append((_free_date(dates, number, rng, ("2024-03-01", "2026-01-01")), number, DELETED_SENTINEL))
    else:
        release = Release(deletions=[(number, "2024-06-30") for number in deleted])
        for day, lines in snapshot.partitions.items():
            lines = [_fits_parquet(line) for line in lines] if layout == "parquet" else [
                line.decode("utf-8") if isinstance(line, bytes) else line for line in lines
            ]
            for part, chunk in enumerate(_chunks(lines, snapshot.parts_per_partition)):
                release.files[f"updated_date={day}/part_{part:04d}"] = chunk
        write_release(root, release, layout)
        if (legacy / MERGED_IDS).is_dir():
            shutil.copytree(legacy / MERGED_IDS, root / MERGED_IDS)
    _add_merges(root, merges)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("layout", LAYOUTS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=random_snapshots(), rng=st.randoms(use_true_random=False))
def test_pipeline_equals_oracle_on_generated_snapshots(layout: str, snapshot: RandomSnapshot, rng: random.Random) -> None:
    damping = rng.choice(DAMPINGS)  # drawn from the Random: hypothesis's own draws favour the first
    note(f"damping {damping}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_snapshot(snapshot, layout, rng, Path(folder))
        published = run_pipeline(root, Path(folder) / "out", cap=snapshot.cap, damping=damping)
        expected = compute(root, cap=snapshot.cap, damping=damping)
        assert expected.layout == layout
        assert_matches_oracle(published, expected, snapshot.cap)
        # The factory's prepared cases (cap tie, self-citation, a work merged twice) were reached.
        check_prepared_cases(snapshot, published.scores, pl.read_parquet(published.current / "citers.parquet"))


def test_pipeline_equals_oracle_on_the_shipped_sample(tmp_path: Path) -> None:
    from datarank.pipeline import run
    from datarank.settings import Settings

    defaults = Settings(data_dir=tmp_path / "out")  # the shipped sample, cap 200, d 0.85
    assert Path(defaults.snapshot) == SAMPLE
    published = read_published(run(defaults), tmp_path / "out")
    expected = compute(SAMPLE, cap=defaults.cap, damping=defaults.damping)
    assert len(expected.rows) == 339
    assert_matches_oracle(published, expected, cap=defaults.cap)
    assert_agreement_matches(published, expected)


def assert_agreement_matches(published: Published, expected: OracleResult) -> None:
    """openalex_agreement: per field of the records' primary_topic (and over all fields), Spearman's
    rho of the published subfield × year percentile with the records' normalised percentile, by a
    scipy-free mid-rank correlation (fair_oracle.spearman)."""
    from fair_oracle import spearman

    percentile = dict(zip(published.scores["work_number"], published.scores["subfield_year_percentile"], strict=True))
    cohorts: dict[int | None, list[tuple[float, float]]] = {}
    for number, record in expected.records.items():
        field, openalex = topic_group(record, "field"), normalized_percentile(record)
        if field is not None and openalex is not None:
            cohorts.setdefault(field, []).append((percentile[number], openalex))
            cohorts.setdefault(None, []).append((percentile[number], openalex))
    got = {row["field_id"]: row for row in pl.read_parquet(published.current / "openalex_agreement.parquet").to_dicts()}
    assert sorted(got, key=lambda f: -1 if f is None else f) == sorted(cohorts, key=lambda f: -1 if f is None else f)
    for field, pairs in cohorts.items():
        want = spearman([x for x, _ in pairs], [y for _, y in pairs])
        assert got[field]["works"] == len(pairs), field
        assert (got[field]["spearman"] is None) == (want is None), field
        if want is not None:
            assert math.isclose(got[field]["spearman"], want, rel_tol=1e-9), (field, got[field]["spearman"], want)


def test_works_tied_in_floating_point_only_are_published(tmp_path: Path) -> None:
    # W10 and W328 have the same DataRank, 0.85·(ln 2 / 2 + ln 2 / 2) and 0.85·ln 2, equal as
    # floats; in fixed point, 2·⌊2^32·ln 2 / 2⌋ is one unit below ⌊2^32·ln 2⌋ (an odd number). So
    # W328 ranks first (S1 of 5 works) and W10 second (S4), each with its own percentile: published.
    root = write_legacy_snapshot(
        tmp_path / "snapshot",
        {
            "2024-01-01": [
                work(10),
                work(328),
                work(5, cited_by_count=1, refs=[10, 900]),
                work(6, cited_by_count=1, refs=[10, 901]),
                work(7, cited_by_count=1, refs=[328]),
            ]
        },
    )
    expected = compute(root)
    assert expected.rows[10].datarank == expected.rows[328].datarank == 0.85 * math.log(2)
    assert_matches_oracle(run_pipeline(root, tmp_path / "out"), expected, cap=200)
