"""Nightly incremental ingest: later runs read only new or changed part files, apply new merges and
deletions, report files that left the manifest, and end where a fresh full run on the same
snapshot ends — whatever the partitions, the order files arrive in, and the rewrites in place."""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from unittest import mock

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from published import assert_same_table

from datarank.cli import main
from datarank.outputs import query
from datarank.pipeline import STAGES, run
from datarank.settings import Settings
from tests.factory.layouts import LAYOUT_DIRS, Release, write_release
from tests.factory.randoms import RandomSnapshot, check_prepared_cases, random_snapshots
from tests.factory.records import work

DATES = ("2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01")
#: Merge dates, all before the deletions' (2025-05-02).
MERGE_DATES = ("2025-04-29", "2025-04-30", "2025-05-01")
#: A partition older than every date above: its copies are always superseded when a newer one exists.
OLD_DATE = "2024-12-01"
ORPHAN = 777  # a work only the vanishing file holds
#: Histories tried by the property test (DATARANK_EXAMPLES=200 for a longer hunt).
EXAMPLES = int(os.environ.get("DATARANK_EXAMPLES", "25"))


@dataclass
class History:
    """The releases a data dir sees night after night, the last one being the snapshot compared."""

    layout: str
    releases: list[Release]
    #: Files only arrive (no rewrite in place, none leaves): every night after the first extends
    #: the last build instead of rebuilding.
    append_only: bool
    #: Citers considered per work: small caps make a citer's C decide whether it counts.
    cap: int
    #: datarank.ingest.core.WINNERS_COMPACT_SHARE for these nights: 0 writes a new winners base every
    #: night, 1e9 never (the changed winners pile up beside the first base).
    winners_compact_share: float

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for a failing history: each night's files (lines per file), merges
        and deletions. The records themselves (~40 kB) are left out."""
        nights = [
            f"night {night}: files {({name: len(lines) for name, lines in release.files.items()})}, "
            f"merges {release.merges}, deletions {release.deletions}"
            for night, release in enumerate(self.releases)
        ]
        printer.text(
            f"History(layout={self.layout!r}, append_only={self.append_only}, cap={self.cap}, "
            f"winners_compact_share={self.winners_compact_share}, " + "; ".join(nights) + ")"
        )


@st.composite
def histories(draw: st.DrawFn) -> History:
    numbers = list(range(1, draw(st.integers(3, 12)) + 1))
    files: dict[str, list[dict[str, Any] | str]] = {}
    for number in numbers:
        for date in draw(st.lists(st.sampled_from(DATES), min_size=1, max_size=3, unique=True)):
            line = work(
                number,
                cited_by_count=draw(st.integers(0, 30)),
                refs=draw(st.lists(st.sampled_from([*numbers, 901]), max_size=4)),
                authors=draw(st.lists(st.integers(1, 4), max_size=2)),
                updated_date=f"{date}T00:00:00",
                heavy=True,
                # each copy its own FAIR fields and abstract (or none), so a night that kept the
                # wrong copy's would show
                rng=random.Random(f"{number}:{date}"),
            )
            # A random split of each partition into part files.
            name = f"updated_date={date}/part_{draw(st.integers(0, 2)):03d}"
            files.setdefault(name, []).append(line)
    if draw(st.booleans()):
        files[sorted(files)[0]].append("not json")
    for lines in files.values():  # any order within a file
        lines[:] = draw(st.permutations(lines))
    # Merges on several dates (all before the deletions', which the legacy layout writes as merges
    # into a sentinel: the deletion is then the latest merge), and sometimes the first merged work
    # merged again into another work on another date: its latest merge wins, whatever the night
    # each row arrives on.
    pairs = st.tuples(st.sampled_from(MERGE_DATES), st.sampled_from(numbers), st.sampled_from(numbers))
    drawn = st.lists(pairs, max_size=2, unique_by=lambda m: m[1])
    merges = [(date, a, b) for date, a, b in draw(drawn) if a != b]
    if merges and draw(st.booleans()):
        date, a, b = merges[0]
        again = draw(st.sampled_from([n for n in [*numbers, 901] if n not in (a, b)]))
        merges.append((draw(st.sampled_from([d for d in MERGE_DATES if d != date])), a, again))
    deletions = [(n, "2025-05-02") for n in draw(st.lists(st.sampled_from(numbers), max_size=2, unique=True))]

    # Arrival: files in a random order over 1–4 nightly releases, merges and deletions on random nights.
    order = draw(st.permutations(sorted(files)))
    nights = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), min_size=nights - 1, max_size=nights - 1))) + [len(order)]
    merge_nights = [draw(st.integers(0, nights - 1)) for _ in merges]
    deletion_nights = [draw(st.integers(0, nights - 1)) for _ in deletions]
    append_only = draw(st.booleans())
    # A file rewritten in place: before night `rewrite_night` it held one copy less.
    rewritten = draw(st.sampled_from(sorted(files)))
    rewrite_night = 0 if append_only else draw(st.integers(0, nights - 1))
    # A file that leaves the manifest before the last night: older copies of some works (superseded
    # by newer partitions) and, maybe, a work no other file holds (to be reported when it leaves).
    vanish_night = 0 if append_only else draw(st.integers(0, nights - 1))
    vanishing = [
        work(n, cited_by_count=1, updated_date=f"{OLD_DATE}T00:00:00", heavy=True)
        for n in draw(st.lists(st.sampled_from(numbers), max_size=2, unique=True))
    ]
    if draw(st.booleans()):
        vanishing.append(work(ORPHAN, cited_by_count=5, refs=numbers[:1], updated_date=f"{OLD_DATE}T00:00:00", heavy=True))

    releases = []
    for night in range(nights):
        release = Release(
            files={name: list(files[name]) for name in order[: cuts[night]]},
            merges=[m for m, at in zip(merges, merge_nights, strict=True) if at <= night],
            deletions=[d for d, at in zip(deletions, deletion_nights, strict=True) if at <= night],
        )
        if rewritten in release.files and night < rewrite_night and len(release.files[rewritten]) > 1:
            release.files[rewritten] = release.files[rewritten][:-1]
        if night < vanish_night and vanishing:
            release.files[f"updated_date={OLD_DATE}/part_000"] = vanishing
        if release.files:
            releases.append(release)
    return History(layout=draw(st.sampled_from(sorted(LAYOUT_DIRS))), releases=releases, append_only=append_only,
                   cap=draw(st.sampled_from([1, 2, 200])), winners_compact_share=draw(st.sampled_from([0.0, 0.5, 1e9])))


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories())
def test_incremental_runs_equal_a_fresh_full_run(history: History, tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.mktemp("history")
    snapshot, nightly, fresh = base / "snapshot", base / "nightly", base / "fresh"
    last_read: dict[str, bytes] = {}  # the part files the nightly lake holds, as it read them
    previous: Release | None = None
    for night, release in enumerate(history.releases):
        written = write_release(snapshot, release, history.layout)
        parts = {key: body for key, body in written.items() if "/updated_date=" in key}
        final = night == len(history.releases) - 1
        # Every night publishes (so a night can extend the last night's scores), or only ingests.
        stages = tuple(STAGES) if final or history.append_only else ("ingest",)
        with mock.patch("datarank.ingest.core.WINNERS_COMPACT_SHARE", history.winners_compact_share):
            state = run(Settings(snapshot=str(snapshot), data_dir=nightly, max_row_drop=1, cap=history.cap, abstracts=True),
                        stages=stages)
        summary = state.ingest_summary
        if history.append_only and night > 0:
            assert summary["build"]["mode"] == "incremental", summary["build"]
            assert state.scoring["mode"] == "incremental", state.scoring

        # Only new or changed files are read.
        read = {f["key"] for f in summary["files"] if f["status"] == "read"}
        assert read == {key for key, body in parts.items() if last_read.get(key) != body}

        # Files that left the manifest are reported, with the works found nowhere else now.
        vanished = {row["key"]: row["works_not_superseded"] for row in summary["report"]["vanished_files"]}
        in_snapshot = _work_ids(release) | {m[1] for m in release.merges} | {d[0] for d in release.deletions}
        assert vanished == {
            key: len(_ids_in(body, key, history.layout) - in_snapshot) for key, body in last_read.items() if key not in parts
        }

        # Works added and removed, and new deletions, against the previous night.
        changes = summary["report"]["changes"]
        now, before = _kept(release), _kept(previous) if previous else set()
        assert (changes["works_added"], changes["works_removed"]) == (len(now - before), len(before - now))
        deleted_before = {d[0] for d in previous.deletions} if previous else set()
        new_deletions = len({d[0] for d in release.deletions} - deleted_before)
        # The legacy layout has no deletion list: its deletions are merges into a sentinel id.
        assert changes["deletions_new"] == (0 if history.layout == "legacy" else new_deletions)
        last_read, previous = parts, release

    run(Settings(snapshot=str(snapshot), data_dir=fresh, cap=history.cap, abstracts=True))
    for table in ("scores", "researchers", "works", "citations", "authorships", "citers", "quarantine", "fair_signals",
                  "abstracts", "fair_validation", "openalex_agreement", "dois", "institutions", "sources", "countries", "fields"):
        nightly_table = pl.read_parquet(nightly / "current" / f"{table}.parquet")
        fresh_table = pl.read_parquet(fresh / "current" / f"{table}.parquet")
        assert_same_table(nightly_table.sort(pl.all()), fresh_table.sort(pl.all()), table)
    # The winners the next night starts from: a base and the winners changed since it, or a base.
    winners = _current_winners(nightly / "lake" / "core" / "current")
    fresh_winners = pl.read_parquet(fresh / "lake" / "core" / "current" / "winners.parquet")
    assert_same_table(winners.sort(pl.all()), fresh_winners.sort(pl.all()), "winners")
    if history.winners_compact_share == 0.0:
        assert not (nightly / "lake" / "core" / "current" / "winners_changed.parquet").exists()


@pytest.mark.slow
@settings(max_examples=max(3, EXAMPLES // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(snapshot=random_snapshots(), data=st.data())
def test_a_random_snapshot_arriving_over_nights_ends_as_a_fresh_run_with_its_prepared_cases(
    snapshot: RandomSnapshot, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The messy snapshots of tests/factory/randoms.py, their partitions arriving over 1–3 nights in
    any order and each merged-id row on a random night (the two rows of a work merged twice may come
    on different nights, the later-dated one first): the last night publishes what a fresh run
    publishes, and the cases the generator prepared (a cap bound inside a tie, a self-citation
    inside the cap, a work merged twice) show in it."""
    base = tmp_path_factory.mktemp("random-nights")
    root, nightly, fresh = base / "snapshot", base / "nightly", base / "fresh"
    dates = data.draw(st.permutations(sorted(snapshot.partitions)))
    nights = data.draw(st.integers(1, min(3, len(dates))))
    cuts = sorted(data.draw(st.lists(st.integers(1, len(dates)), min_size=nights - 1, max_size=nights - 1))) + [len(dates)]
    merge_nights = [data.draw(st.integers(0, nights - 1)) for _ in snapshot.merged]
    for night in range(nights):
        tonight = replace(
            snapshot,
            partitions={date: snapshot.partitions[date] for date in dates[: cuts[night]]},
            merged=[row for row, at in zip(snapshot.merged, merge_nights, strict=True) if at <= night],
        )
        tonight.write(root, keep_unchanged=True)
        state = run(Settings(snapshot=str(root), data_dir=nightly, cap=snapshot.cap, max_row_drop=1))
        if night > 0:
            assert (state.ingest_summary["build"]["mode"], state.scoring["mode"]) == ("incremental", "incremental")
    run(Settings(snapshot=str(root), data_dir=fresh, cap=snapshot.cap))
    tables = {}
    for table in ("scores", "citers", "works", "citations", "authorships", "quarantine"):
        tables[table] = pl.read_parquet(nightly / "current" / f"{table}.parquet")
        fresh_table = pl.read_parquet(fresh / "current" / f"{table}.parquet")
        assert_same_table(tables[table].sort(pl.all()), fresh_table.sort(pl.all()), table)
    check_prepared_cases(snapshot, tables["scores"], tables["citers"])


def _current_winners(core: Path) -> pl.DataFrame:
    """A core's current winners, read with Polars (not the SQL view the pipeline uses)."""
    base = pl.read_parquet(core / "winners.parquet")
    if not (core / "winners_changed.parquet").exists():
        return base
    changed = pl.read_parquet(core / "winners_changed.parquet")
    return pl.concat([changed, base.join(changed.select("work_id"), on="work_id", how="anti")])


def test_a_night_with_one_new_partition_reads_one_file_and_reports_the_changes(tmp_path: Path) -> None:
    """The nightly story on the CLI: a new partition with an update, a merge and a deletion."""
    day1 = Release(
        files={
            "updated_date=2025-01-01/part_000": [
                work(1, cited_by_count=4, heavy=True), work(2, refs=[1], heavy=True), work(3, refs=[1, 2], heavy=True)
            ],
            "updated_date=2025-01-02/part_000": [work(4, cited_by_count=2, refs=[1, 3], heavy=True), work(5, refs=[4], heavy=True)],
        }
    )
    day2 = Release(
        files={
            # OpenAlex moved W4's record out of the 2025-01-02 partition into the new one; that
            # partition is left empty and gone; W5 vanished with it without a merge or deletion.
            "updated_date=2025-01-01/part_000": day1.files["updated_date=2025-01-01/part_000"],
            "updated_date=2025-02-01/part_000": [work(4, cited_by_count=9, refs=[1, 3], updated_date="2025-02-01T00:00:00", heavy=True)],
        },
        merges=[("2025-02-01", 3, 2)],
        deletions=[(1, "2025-02-01")],
    )
    snapshot, data_dir = tmp_path / "snapshot", tmp_path / "out"
    write_release(snapshot, day1, "jsonl")
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--snapshot", str(snapshot), "--data-dir", str(data_dir)]).exit_code == 0
    write_release(snapshot, day2, "jsonl")
    # 5 works → 2 on a tiny snapshot: a deliberate drop, past the row-count check's 5% default.
    result = runner.invoke(main, ["run", "--snapshot", str(snapshot), "--data-dir", str(data_dir), "--max-row-drop", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("ingest   2 files (1 read, 1 unchanged)")
    # Works 1 (deleted), 3 (merged into 2) and 5 (vanished) are gone; W4 was updated.
    assert "changes  0 works added · 1 updated · 3 removed · 1 new merges · 1 new deletions" in result.stdout
    assert (
        "warning  data/jsonl/works/updated_date=2025-01-02/part_000.gz left the manifest: "
        "1 of its 2 works are in no current file and were neither merged nor deleted"
    ) in result.stdout
    scores = pl.read_parquet(data_dir / "current" / "scores.parquet")
    assert sorted(scores["work_id"]) == ["W2", "W4"]
    # W2 is now cited by W4 through W4's reference to W3, merged into W2.
    assert scores.filter(pl.col("work_id") == "W2")["citers_in_snapshot"].to_list() == [1]
    # The lake forgot the vanished file once the run was committed.
    ingested = (data_dir / "lake" / "raw" / "ingested.json").read_text()
    assert "2025-01-02" not in ingested


# ---------------------------------------------------------------- the oracle's arithmetic
def _work_ids(release: Release) -> set[int]:
    return {_number(line) for lines in release.files.values() for line in lines if not isinstance(line, str)}


def _kept(release: Release) -> set[int]:
    """Works of a release after merges and deletions (set arithmetic, not the pipeline's SQL)."""
    return _work_ids(release) - {m[1] for m in release.merges} - {d[0] for d in release.deletions}


def _ids_in(body: bytes, key: str, layout: str) -> set[int]:
    """Work ids in one part file as written: decoded independently of the pipeline's readers."""
    if layout == "parquet":
        ids = pq.read_table(io.BytesIO(body), columns=["id"]).column("id").to_pylist()
    else:
        ids = []
        for text in gzip.decompress(body).decode().splitlines():
            try:
                ids.append(json.loads(text)["id"])
            except ValueError:
                continue
    return {int(i.rsplit("/W", 1)[1]) for i in ids if i}


def _number(line: dict[str, Any]) -> int:
    return int(line["id"].rsplit("/W", 1)[1])



def test_which_nights_extend_the_last_build_and_which_rebuild(tmp_path: Path) -> None:
    """The path each night takes, and why, on the CLI's `build` line and in the manifests."""
    day1 = Release(
        files={
            "updated_date=2025-01-01/part_000": [
                work(1, cited_by_count=4, authors=[1], heavy=True), work(2, refs=[1], authors=[2], heavy=True),
                work(3, refs=[1, 2], authors=[3], heavy=True), work(4, cited_by_count=2, authors=[4], heavy=True),
                work(5, refs=[4], authors=[5], heavy=True),
            ],
        }
    )
    snapshot, data_dir = tmp_path / "snapshot", tmp_path / "out"
    runner = CliRunner()

    def night(*options: str) -> str:
        result = runner.invoke(main, ["run", "--snapshot", str(snapshot), "--data-dir", str(data_dir), *options])
        assert result.exit_code == 0, result.output
        return next(line for line in result.stdout.splitlines() if line.startswith("build"))

    write_release(snapshot, day1, "jsonl")
    assert night() == "build    ingest full (first ingest) · every work scored (the ingest was a full build)"

    # A new partition with W6 citing W1: W6 is dirty; W1 (cited by W6) and W6 are rescored — not
    # W2…W5, whose citers did not change.
    w6 = work(6, refs=[1], authors=[6], updated_date="2025-01-02T00:00:00", heavy=True)
    day2 = Release(files={**day1.files, "updated_date=2025-01-02/part_000": [w6]})
    write_release(snapshot, day2, "jsonl")
    assert night() == "build    ingest extended the last build · 2 of 6 works rescored"
    rescored = pl.read_parquet(data_dir / "lake" / "core" / "current" / "rescored_works.parquet")
    assert sorted(rescored["work_id"]) == [1, 6]

    assert night("--full-rebuild") == "build    ingest full (asked for (--full-rebuild)) · every work scored (asked for (--full-rebuild))"
    # Another cap: the ingest (nothing new) extends the last build, but every work is scored again.
    assert night("--cap", "1") == "build    ingest extended the last build · every work scored (v000003 was scored with another cap or damping)"

    # A file rewritten in place: its old copies would have to be taken out, so the ingest rebuilds.
    w7 = work(7, refs=[6], updated_date="2025-01-02T00:00:00", heavy=True)
    day3 = Release(files={**day2.files, "updated_date=2025-01-02/part_000": [*day2.files["updated_date=2025-01-02/part_000"], w7]})
    write_release(snapshot, day3, "jsonl")
    assert night("--cap", "1") == "build    ingest full (1 part file(s) changed since the last ingest) · every work scored (the ingest was a full build)"  # noqa: E501
    # Only ingest tonight, then a full night: the last version was not scored from the core this
    # ingest extends, so every work is scored.
    day4 = Release(files={**day3.files, "updated_date=2025-01-03/part_000": [work(8, refs=[7], updated_date="2025-01-03T00:00:00", heavy=True)]})
    write_release(snapshot, day4, "jsonl")
    assert runner.invoke(main, ["ingest", "--snapshot", str(snapshot), "--data-dir", str(data_dir)]).exit_code == 0
    day5 = Release(files={**day4.files, "updated_date=2025-01-04/part_000": [work(9, refs=[8], updated_date="2025-01-04T00:00:00", heavy=True)]})
    write_release(snapshot, day5, "jsonl")
    assert night("--cap", "1") == "build    ingest extended the last build · every work scored (v000005 was not scored from the ingest this one extends)"  # noqa: E501
    manifest = json.loads((data_dir / "current" / "manifest.json").read_text())
    assert manifest["scoring"] == {"mode": "full", "base": None, "why_full": "v000005 was not scored from the ingest this one extends"}
    assert night("--cap", "1") == "build    ingest extended the last build · 0 of 9 works rescored"


def test_a_rescored_capped_work_takes_the_citer_below_the_cut(tmp_path: Path) -> None:
    """Cap 1. W1 is cited by W2 (C 10) and W3 (C 5); W2 is considered. A newer copy of W2 with C 0
    arrives: its place goes to W3, which was below the cut. Then W4 (C 20) cites W1 and takes the
    place. Each night rescores W1 and carries nothing wrong."""
    first = "updated_date=2025-01-01/part_000"
    nights = [
        {first: [work(1, heavy=True), work(2, cited_by_count=10, refs=[1], heavy=True), work(3, cited_by_count=5, refs=[1], heavy=True)]},
        {"updated_date=2025-01-02/part_000": [work(2, cited_by_count=0, refs=[1], updated_date="2025-01-02T00:00:00", heavy=True)]},
        {"updated_date=2025-01-03/part_000": [work(4, cited_by_count=20, refs=[1], updated_date="2025-01-03T00:00:00", heavy=True)]},
    ]
    snapshot, data_dir = tmp_path / "snapshot", tmp_path / "out"
    files: dict[str, list[dict[str, Any] | str]] = {}
    expected = [
        # network score of W1 by hand: ln(1 + C) / outdegree 1 of its one considered citer
        math.log(11),
        math.log(6),   # W2 now has C 0: W3 enters
        math.log(21),  # W4 beats W3
    ]
    for added, network in zip(nights, expected, strict=True):
        files.update(added)
        write_release(snapshot, Release(files=dict(files)), "jsonl")
        state = run(Settings(snapshot=str(snapshot), data_dir=data_dir, cap=1))
        scores = pl.read_parquet(data_dir / "current" / "scores.parquet").filter(pl.col("work_id") == "W1")
        assert scores["network_score"].to_list() == [pytest.approx(network, rel=1e-12)]
        assert scores["citers_considered"].to_list() == [1]
        assert state.scoring["mode"] == ("full" if network == expected[0] else "incremental")
    assert scores["citers_in_snapshot"].to_list() == [3]
    citers = pl.read_parquet(data_dir / "current" / "citers.parquet").filter(pl.col("cited_id") == 1)
    assert citers["citing_id"].to_list() == [4]


def test_a_copy_changed_only_in_fields_datarank_does_not_score_rescores_nothing(tmp_path: Path) -> None:
    """OpenAlex re-exports a work whenever any field changes. W2 comes back in a new partition with a
    new title and date but the same references, authors and counts: it is reported as updated,
    its new title is published, and no work is rescored. Then W2 comes back with C 7: W1, which it
    cites, and W2 are rescored."""
    first = "updated_date=2025-01-01/part_000"
    files: dict[str, list[dict[str, Any] | str]] = {
        first: [work(1, authors=[1], heavy=True), work(2, cited_by_count=3, refs=[1], authors=[2], heavy=True), work(3, refs=[2], heavy=True)],
    }
    snapshot, data_dir = tmp_path / "snapshot", tmp_path / "out"

    def night(added: dict[str, list[dict[str, Any] | str]]) -> Any:
        files.update(added)
        write_release(snapshot, Release(files=dict(files)), "jsonl")
        return run(Settings(snapshot=str(snapshot), data_dir=data_dir))

    night({})
    renamed = work(2, cited_by_count=3, refs=[1], authors=[2], updated_date="2025-01-02T00:00:00", heavy=True)
    renamed["title"] = renamed["display_name"] = "Work 2, retitled"
    state = night({"updated_date=2025-01-02/part_000": [renamed]})
    assert state.ingest_summary["report"]["changes"]["works_updated"] == 1
    assert (state.ingest_summary["build"]["mode"], state.scoring["mode"]) == ("incremental", "incremental")
    assert state.score_counts["rescored_works"] == 0
    scores = pl.read_parquet(data_dir / "current" / "scores.parquet").sort("work_id")
    assert scores.filter(pl.col("work_id") == "W2")["title"].to_list() == ["Work 2, retitled"]
    # W1's network score is still W2's ln(1 + 3) / 1 reference.
    assert scores.filter(pl.col("work_id") == "W1")["network_score"].to_list() == [pytest.approx(math.log(4), rel=1e-12)]

    recounted = work(2, cited_by_count=7, refs=[1], authors=[2], updated_date="2025-01-03T00:00:00", heavy=True)
    state = night({"updated_date=2025-01-03/part_000": [recounted]})
    assert state.score_counts["rescored_works"] == 2
    scores = pl.read_parquet(data_dir / "current" / "scores.parquet")
    assert scores.filter(pl.col("work_id") == "W1")["network_score"].to_list() == [pytest.approx(math.log(8), rel=1e-12)]


@pytest.mark.parametrize("tonight", ["a new partition", "nothing new"])
def test_a_night_with_another_damping_scores_every_work_with_it(tmp_path: Path, tonight: str) -> None:
    """Damping 0.85, then a night at 0.5: every published figure that depends on d (DataRank and its
    parts, each considered citer's contribution) is the one a fresh run at 0.5 publishes, including
    the works the night would not otherwise rescore."""
    first = "updated_date=2025-01-01/part_000"
    files: dict[str, list[dict[str, Any] | str]] = {
        first: [
            work(1, cited_by_count=4, authors=[1], heavy=True),
            work(2, cited_by_count=3, refs=[1], authors=[2], heavy=True),
            work(3, cited_by_count=10, refs=[1, 2], authors=[3], heavy=True),
            work(4, refs=[3], authors=[4], heavy=True),
            work(5, cited_by_count=2, refs=[1], authors=[1], heavy=True),  # shares A1 with W1: a self-citation
        ]
    }
    snapshot, nightly, fresh = tmp_path / "snapshot", tmp_path / "nightly", tmp_path / "fresh"
    write_release(snapshot, Release(files=dict(files)), "jsonl")
    run(Settings(snapshot=str(snapshot), data_dir=nightly, damping=0.85))
    if tonight == "a new partition":  # W6 cites W2: W2 and W6 are rescored anyway, W1 is not
        files["updated_date=2025-01-02/part_000"] = [work(6, cited_by_count=7, refs=[2], updated_date="2025-01-02T00:00:00", heavy=True)]
        write_release(snapshot, Release(files=dict(files)), "jsonl")
    state = run(Settings(snapshot=str(snapshot), data_dir=nightly, damping=0.5))
    assert state.ingest_summary["build"]["mode"] == "incremental"
    run(Settings(snapshot=str(snapshot), data_dir=fresh, damping=0.5))
    for table, key in (("scores", "work_id"), ("citers", ["cited_id", "citing_id"])):
        assert_same_table(
            pl.read_parquet(nightly / "current" / f"{table}.parquet").sort(key),
            pl.read_parquet(fresh / "current" / f"{table}.parquet").sort(key),
            table,
        )
    # By hand, W1 (C 4): cited by W3 (C 10, two references), W2 (C 3, one) and W5 (a self-citation).
    scores = pl.read_parquet(nightly / "current" / "scores.parquet").filter(pl.col("work_id") == "W1")
    network = math.log(11) / 2 + math.log(4)
    assert scores["datarank"].to_list() == [pytest.approx(0.5 * math.log(5) + 0.5 * network, rel=1e-12)]
    citers = pl.read_parquet(nightly / "current" / "citers.parquet").filter(pl.col("cited_id") == 1).sort("citing_id")
    assert citers["citing_id"].to_list() == [2, 3, 5]
    assert citers["contribution"].to_list() == pytest.approx([0.5 * math.log(4), 0.5 * math.log(11) / 2, 0.0], rel=1e-12)


def test_a_night_keeps_the_abstract_and_fair_signals_of_the_copy_that_wins(tmp_path: Path) -> None:
    """Abstracts and fair_v1's inputs on a night that only adds a partition: a newer copy's replace
    the old ones (W1 gains a licence and a new abstract; W2's newer copy has no abstract, so W2 has
    none now), an older copy changes nothing (W3), a work not read again keeps its row (W4), and a
    new work brings its own (W5). The night extends the last build and publishes what a fresh full
    run publishes."""
    first, later = "updated_date=2025-01-01/part_000", "updated_date=2025-03-01/part_000"

    def copy(number: int, updated: str, words: list[str] | None, licence: str | None) -> dict[str, Any]:
        line = work(number, updated_date=updated, heavy=True)
        line["abstract_inverted_index"] = {word: [i] for i, word in enumerate(words)} if words else None
        line["locations"] = [{"is_oa": True, "license": licence, "version": "publishedVersion"}]
        line["primary_location"] = line["best_oa_location"] = None
        return line

    day1 = Release(files={first: [copy(1, "2025-01-01T00:00:00", ["one", "old"], None),
                                  copy(2, "2025-01-01T00:00:00", ["two", "old"], None),
                                  copy(3, "2025-02-01T00:00:00", ["three", "new"], "cc-by"),
                                  copy(4, "2025-01-01T00:00:00", ["four"], None)]})
    day2 = Release(files={**day1.files, later: [copy(1, "2025-03-01T00:00:00", ["one", "new"], "cc-by"),
                                                copy(2, "2025-03-01T00:00:00", None, None),
                                                copy(3, "2025-01-15T00:00:00", ["three", "older"], None),
                                                copy(5, "2025-03-01T00:00:00", ["five"], "other-oa")]})
    snapshot, nightly, fresh = tmp_path / "snapshot", tmp_path / "nightly", tmp_path / "fresh"
    write_release(snapshot, day1, "jsonl")
    run(Settings(snapshot=str(snapshot), data_dir=nightly, abstracts=True))
    write_release(snapshot, day2, "jsonl")
    state = run(Settings(snapshot=str(snapshot), data_dir=nightly, abstracts=True))
    assert state.ingest_summary["build"]["mode"] == "incremental"
    abstracts = dict(query(nightly, "select work_id, abstract from abstracts").iter_rows())
    assert abstracts == {1: "one new", 3: "three new", 4: "four", 5: "five"}
    licences = dict(pl.read_parquet(nightly / "current" / "fair_signals.parquet").select("work_id", "licence").iter_rows())
    assert licences == {1: 4, 2: 0, 3: 4, 4: 0, 5: 2}  # licence classes: cc-by 4, other-oa 2
    run(Settings(snapshot=str(snapshot), data_dir=fresh, abstracts=True))
    for table in ("abstracts", "fair_signals", "scores"):
        assert_same_table(pl.read_parquet(nightly / "current" / f"{table}.parquet").sort(pl.all()),
                          pl.read_parquet(fresh / "current" / f"{table}.parquet").sort(pl.all()), table)
