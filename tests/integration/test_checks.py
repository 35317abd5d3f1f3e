"""The data checks before publish (sql/checks/): each new check catches the fault it is for, names
itself and shows the failing rows; the row-count check can be overridden for a deliberate change."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from snapshot_growth import copy_sample, drop_partition

from datarank.pipeline import RunState, stage_ingest, stage_score
from datarank.checks import CheckFailed, check
from datarank.settings import Settings


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> RunState:
    """The sample ingested and scored into a staged version that is never published."""
    state = RunState(settings=Settings(data_dir=tmp_path_factory.mktemp("checks")))
    return stage_score(stage_ingest(state))


@pytest.fixture()
def staged(scored: RunState, tmp_path: Path) -> tuple[Settings, Path, Path]:
    """Private copies of the core tables and the staged outputs, for one test to damage."""
    assert scored.core_dir is not None and scored.staged is not None
    core, outputs = tmp_path / "core", tmp_path / "staged"
    shutil.copytree(scored.core_dir, core)
    shutil.copytree(scored.staged, outputs)
    return scored.settings, core, outputs


def test_the_sample_passes_every_check(staged: tuple[Settings, Path, Path]) -> None:
    passed = check(*staged)
    assert {"citations_outside_works", "scores_counts_inconsistent_with_citations",
            "scores_row_count_far_from_previous"} <= set(passed)


def test_counts_that_disagree_with_the_citations_table(staged: tuple[Settings, Path, Path]) -> None:
    settings, core, outputs = staged
    scores = pl.read_parquet(outputs / "scores.parquet")
    # One more citer in and considered for W2741809807 (3 citers, far below the cap): the counts
    # stay consistent with each other, so only the comparison with the tables can see it.
    bumped = pl.col("work_id") == "W2741809807"
    scores.with_columns(
        citers_in_snapshot=pl.when(bumped).then(pl.col("citers_in_snapshot") + 1).otherwise(pl.col("citers_in_snapshot")),
        citers_considered=pl.when(bumped).then(pl.col("citers_considered") + 1).otherwise(pl.col("citers_considered")),
    ).write_parquet(outputs / "scores.parquet")
    with pytest.raises(CheckFailed) as failure:
        check(settings, core, outputs)
    message = str(failure.value)
    assert message.startswith("data check scores_counts_inconsistent_with_citations failed on 1 row(s)")
    assert "'work_id': 'W2741809807'" in message and "'citers_in_snapshot': 4, 'citation_rows': 3" in message


@pytest.mark.parametrize(
    ("citing", "cited", "shown"),
    [
        # W1 is no work of the sample: the cited side (read from the links grouped by cited work)
        (2741809807, 1, "'citing_work_id': 'W2741809807', 'cited_work_id': 'W1', 'citing_in_works': True, 'cited_in_works': False"),
        # the citing side (the links probed against the works table)
        (1, 2741809807, "'citing_work_id': 'W1', 'cited_work_id': 'W2741809807', 'citing_in_works': False, 'cited_in_works': True"),
        # a work citing itself, both sides in works
        (2741809807, 2741809807, "'citing_work_id': 'W2741809807', 'cited_work_id': 'W2741809807', 'citing_in_works': True, 'cited_in_works': True"),
    ],
)
def test_citations_to_works_outside_the_snapshot(
    staged: tuple[Settings, Path, Path], citing: int, cited: int, shown: str
) -> None:
    settings, core, outputs = staged
    citations = pl.read_parquet(core / "citations.parquet")
    extra = pl.DataFrame({"citing_id": [citing], "cited_id": [cited]}, schema=citations.schema)
    pl.concat([citations, extra]).write_parquet(core / "citations.parquet")
    with pytest.raises(CheckFailed) as failure:
        check(settings, core, outputs)
    message = str(failure.value)
    assert message.startswith("data check citations_outside_works failed on 1 row(s)"), message
    assert shown in message


def test_a_release_that_lost_a_partition_is_refused_until_overridden(tmp_path: Path) -> None:
    snapshot, lake = copy_sample(tmp_path / "snapshot"), tmp_path / "lake"

    def datarank(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "datarank", *args, "--data-dir", str(lake)],
                              capture_output=True, text=True, check=False)

    assert datarank("run", "--snapshot", str(snapshot)).returncode == 0
    lost = drop_partition(snapshot, "2025-11-06")  # 146 of the sample's 339 works
    refused = datarank("run", "--snapshot", str(snapshot))
    assert refused.returncode == 3 and refused.stdout == ""  # 3: a check refused to publish
    # One error line, after one warning line per part file that left the manifest.
    lines = refused.stderr.splitlines()
    assert [line for line in lines if not line.startswith("datarank: warning: ")] == lines[-1:]
    assert lines[-1].startswith("datarank: error: ")
    assert lines[-1].startswith(
        "datarank: error: data check scores_row_count_far_from_previous failed on 1 row(s); "
        "version not published, v000001 stays current."
    )
    assert f"'previous_works': 339, 'works': {339 - lost}, 'works_lost': {lost}" in refused.stderr
    assert "--max-row-drop" in refused.stderr
    assert (lake / "current").resolve().name == "v000001"
    # The threshold is the owner's call: a looser one publishes the same ingest.
    accepted = datarank("compute", "--max-row-drop", "0.5")
    assert accepted.returncode == 0, accepted.stderr
    assert (lake / "current").resolve().name == "v000002"
    assert pl.read_parquet(lake / "current" / "scores.parquet").height == 339 - lost
