"""The Prefect flows under a real (temporary) Prefect API: the nightly on a snapshot that grows, its
artifact, run names, logs and retries, a refused check, and `prefect deploy --all` of prefect.yaml
followed by a process worker running the `sample` deployment, as the README tells operators to."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import polars as pl
import pytest
from fair_oracle import compute_fair, year_type_percentiles
from oracle import compute
from polars.testing import assert_frame_equal

from tests.factory.growth import NEW_WORKS, add_partition, copy_sample, drop_partition

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PREFECT = Path(sys.executable).with_name("prefect")


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[str]:
    """One temporary Prefect server for the module (~10 s to start); yields its API URL."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield str(PREFECT_API_URL.value())


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _artifact_markdown(flow_run_id: UUID) -> str:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    ours = [a for a in artifacts if (a.key or "").startswith("datarank-")]  # Prefect may add its own
    assert len(ours) == 1, artifacts
    return str(ours[0].data)


def test_flow_publishes_what_the_cli_publishes(prefect_api: str, tmp_path: Path) -> None:
    from datarank.pipeline import run
    from datarank.settings import Settings
    from pipelines.flows import datarank_flow

    state = datarank_flow(data_dir=str(tmp_path / "flow"))
    assert state.version == "v000001"
    assert list(state.timings) == ["ingest", "score", "check", "publish", "export", "prune"]

    direct = run(Settings(data_dir=tmp_path / "direct"), stages=("ingest", "score", "check", "publish"))
    by_flow = pl.read_parquet(tmp_path / "flow" / "current" / "scores.parquet").sort("work_number")
    by_cli = pl.read_parquet(tmp_path / "direct" / "current" / "scores.parquet").sort("work_number")
    assert direct.version == "v000001"
    # Floats to 1e-9: DuckDB's parallel sums do not add in the same order on two runs.
    assert_frame_equal(by_flow, by_cli, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


def test_nightly_on_a_growing_snapshot(prefect_api: str, tmp_path: Path) -> None:
    """Two nightly runs, the second after a new partition of 3 works (tests/factory/
    growth.py); then a release that lost a partition is refused, and rescoring with a
    deliberate --max-row-drop publishes it."""
    from prefect.logging.handlers import APILogHandler

    from datarank.outputs import query
    from pipelines.flows import compute_flow, datarank_flow

    snapshot, lake = copy_sample(tmp_path / "snapshot"), tmp_path / "lake"
    parameters = {"snapshot": str(snapshot), "data_dir": str(lake), "exports": [{"output": "top-5.csv", "top": 5}],
                  "keep": 2}
    first = datarank_flow(**parameters, return_state=True)
    add_partition(snapshot, NEW_WORKS)
    second = datarank_flow(**parameters, return_state=True)
    assert first.is_completed() and second.is_completed()
    ids = [first.state_details.flow_run_id, second.state_details.flow_run_id]
    with _client() as client:
        names = [client.read_flow_run(flow_run_id).name for flow_run_id in ids]
    # The run name carries the snapshot's newest partition: the sample's, then the new one.
    assert names == ["datarank-snapshot-2026-03-02", "datarank-snapshot-2026-03-10"]

    # The artifact of the second run. Expected figures by hand from the sample (340 lines, 339
    # works, 105 citations, 851 authorships) plus NEW_WORKS: 3 lines, 3 works, 4 citation links
    # (W…1→W2741809807, W…2→W2741809807, W…2→W2153579005, W…3→W…1), 3 authorships.
    markdown = _artifact_markdown(ids[1])
    for expected in (
        "# DataRank v000002 · snapshot 2026-03-10",
        "Published **v000002** (previous v000001)",
        "| files read | 1 read · 75 unchanged (cached) |",
        "| lines | 343 read · 0 quarantined |",
        "| works | 342 kept · 1 older copies superseded · 0 merged or deleted |",
        "| citations | 109 |",
        "| authorships | 854 |",
        "| parameters | cap 200 · damping 0.85 · engine duckdb · max row drop 0.05 |",
        f"`{lake / 'exports' / 'top-5.csv'}` (5 works)",
        "339 → 342 works: 3 new · 0 removed",
        "| retention | removed 0 versions, freed 0 B; kept 2 (v000001 … v000002) |",
        # W2741809807 was 5th; W9000000001 adds 0.85·ln(1001) = 5.87 to its 1.49 → first.
        "| W2741809807 | 5 → 1 | +4 |",
    ):
        assert expected in markdown, f"{expected!r} not in\n{markdown}"
    for stage in ("ingest", "score", "check", "publish", "export"):
        assert f"| {stage}" in markdown
    assert "Prefect 3." in markdown and "DuckDB 2." in markdown
    # The FAIR score's check, with the figures of tests/fair_oracle.py: the sample's 3 recent
    # articles and reviews and NEW_WORKS' 3 (2026), every cohort and variant.
    datarank = compute(snapshot)
    expected_validation = compute_fair(datarank, year_type_percentiles(datarank)).validation
    assert "## FAIR score (fair_v1)" in markdown
    # DataRank beside OpenAlex, per field (docs/standing.md): the rows of the version's manifest
    assert "## Beside OpenAlex" in markdown and "| all fields | " in markdown
    assert [row["works"] for row in expected_validation if row["cohort"] == "all"] == [6] * 5
    for row in expected_validation:
        variant = "fair_v1" if row["left_out"] == "none" else f"without {row['left_out']}"
        rho = "–" if row["spearman"] is None else format(row["spearman"], "+.3f")
        assert f"| {row['cohort']} | {variant} | {row['works']:,} | {rho} |" in markdown, (row, markdown)

    runs = query(lake, "select * from runs order by version")
    row = runs.row(1, named=True)
    assert (row["version"], row["previous_version"], row["snapshot_date"]) == ("v000002", "v000001", "2026-03-10")
    assert (row["files_read"], row["files_cached"], row["works"], row["citations"], row["authorships"]) == (1, 75, 342, 109, 854)
    assert (row["quarantined"], row["new_works"], row["removed_works"], row["cap"], row["damping"]) == (0, 3, 0, 200, 0.85)
    mover = row["top_movers"][0]
    assert (mover["work_id"], mover["rank_from"], mover["rank_to"]) == ("W2741809807", 5, 1)
    assert mover["datarank_change"] == pytest.approx(0.85 * math.log(1001), rel=1e-12)
    assert all(row[f"{stage}_s"] is not None for stage in ("ingest", "score", "check", "compare"))

    exported = pl.read_csv(lake / "exports" / "top-5.csv")
    assert exported["work_id"].to_list()[:2] == ["W2741809807", "W9000000001"]

    # The library's log lines reach the run logger, per task.
    APILogHandler().flush()
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with _client() as client:
        logs = [log.message for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[ids[1]])))]
    assert any(m.startswith("read data/works/updated_date=2026-03-10/part_000.gz: 3 lines") for m in logs), logs
    assert any(m.startswith("ingest done in") for m in logs), logs

    # A release that lost a partition: the check refuses it before publish, names itself, shows the row.
    lost = drop_partition(snapshot, "2025-11-06")
    refused = datarank_flow(**parameters, return_state=True)
    assert refused.is_failed()
    # The state message says what the command line's exit status says: 3, a check refused.
    assert refused.message.startswith(
        "exit 3 (a data check refused to publish; the previous version stays current): data check "
        "scores_row_count_far_from_previous failed"
    ), refused.message
    failure = _artifact_markdown(refused.state_details.flow_run_id)
    assert "# DataRank run failed at check" in failure
    assert "scores_row_count_far_from_previous" in failure
    assert f"'previous_works': 342, 'works': {342 - lost}" in failure
    assert (lake / "current").resolve().name == "v000002"

    # Deliberate: rescore the last ingest with a looser threshold (the per-stage flow).
    state = compute_flow(data_dir=str(lake), max_row_drop=0.5, keep=2)
    assert state.version == "v000003"
    assert state.changes is not None and state.changes["removed_works"] == lost
    # keep=2, as the nightly deployment's keep: the oldest version goes after publishing.
    assert state.pruned is not None and state.pruned.removed == ["v000001"]
    assert sorted(p.name for p in (lake / "versions").glob("v*")) == ["v000002", "v000003"]


def test_ingest_retries_only_a_remote_snapshot(prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part file listed but missing: on a remote snapshot (here fsspec's memory://) the ingest task
    is tried 1 + RETRIES times; on a local folder once (the same failure would only repeat)."""
    import fsspec
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from pipelines import flows

    monkeypatch.setattr(flows, "BACKOFF_SECONDS", 0.0)
    manifest = json.dumps({"entries": [{"url": "s3://openalex/data/works/updated_date=2026-01-01/part_000.gz",
                                         "meta": {"content_length": 10, "record_count": 1}}]})
    memory = fsspec.filesystem("memory")
    memory.pipe("/retry-test/data/works/manifest", manifest.encode())
    local = tmp_path / "local" / "data" / "works"
    local.mkdir(parents=True)
    (local / "manifest").write_text(manifest)

    attempts = {}
    for name, snapshot in (("remote", "memory://retry-test"), ("local", str(tmp_path / "local"))):
        state = flows.datarank_flow(snapshot=snapshot, data_dir=str(tmp_path / name), return_state=True)
        assert state.is_failed()
        with _client() as client:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
            )
        attempts[name] = [(t.name.split("-")[0], t.run_count) for t in task_runs]
    assert attempts == {"remote": [("ingest", 1 + flows.RETRIES)], "local": [("ingest", 1)]}
    assert not (tmp_path / "remote" / "current").exists()


def test_cli_goes_through_the_flow_when_an_api_is_set(prefect_api: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from datarank.cli import main

    with _client() as client:
        before = len(client.read_flow_runs())
    result = CliRunner().invoke(main, ["compute", "--data-dir", str(tmp_path)], env={"PREFECT_API_URL": prefect_api})
    assert result.exit_code == 1 and "nothing ingested yet" in result.output
    with _client() as client:
        runs = client.read_flow_runs()
    assert len(runs) == before + 1
    assert max(runs, key=lambda r: r.created).name == "datarank-snapshot-unknown"


def test_prefect_deploy_all_then_a_worker_runs_the_sample(prefect_api: str, tmp_path: Path) -> None:
    """The README's commands, against the test server: create the process pool, `prefect deploy
    --all` on prefect.yaml unchanged and without questions, run the `sample` deployment (into a
    temporary data dir) with a worker that takes one run and stops."""
    env = {
        **os.environ, "PREFECT_API_URL": prefect_api, "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PWD": str(REPO),
    }
    env.pop("PREFECT_PROFILES_PATH", None)

    def prefect(*args: str, timeout: float = 120) -> str:
        process = subprocess.run(
            [str(PREFECT), *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout, check=False,
        )
        assert process.returncode == 0, f"prefect {' '.join(args)}:\n{process.stdout}\n{process.stderr}"
        return process.stdout + process.stderr

    prefect("work-pool", "create", "datarank", "--type", "process")
    # --prompt: as in a terminal, where `prefect deploy` asks about anything the file leaves open
    # (with no stdin to answer, a question fails the command).
    output = prefect("--prompt", "deploy", "--all")
    assert "Skipping" not in output and "Invalid" not in output, output

    with _client() as client:
        deployments = {
            f"{client.read_flow(d.flow_id).name}/{d.name}": d for d in client.read_deployments()
        }
    assert set(deployments) == {
        "datarank/nightly", "datarank/sample", "datarank-ingest/nightly", "datarank-compute/nightly",
        "datarank-export/nightly",
    }
    nightly = deployments["datarank/nightly"]
    assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in nightly.schedules] == [("30 2 * * *", "UTC", True)]
    assert nightly.parameters == {
        "snapshot": "s3://openalex", "data_dir": "/var/lib/datarank", "cap": 200, "damping": 0.85,
        "max_row_drop": 0.05, "core_corpus": "no-paratext,no-retracted", "keep": 7,
        "exports": [{"output": "top-1000.csv", "top": 1000}, {"output": "datasets.parquet", "type": "dataset"}],
    }
    assert nightly.work_pool_name == "datarank"
    assert nightly.global_concurrency_limit is not None and nightly.global_concurrency_limit.limit == 1
    assert all(not d.schedules for name, d in deployments.items() if name != "datarank/nightly")

    lake = tmp_path / "lake"
    prefect("deployment", "run", "datarank/sample", "--param", f"data_dir={lake}")
    prefect("worker", "start", "--pool", "datarank", "--run-once", timeout=180)
    with _client() as client:
        runs = [r for r in client.read_flow_runs() if r.deployment_id == deployments["datarank/sample"].id]
    assert [(r.name, r.state_type.value) for r in runs] == [("datarank-snapshot-2026-03-02", "COMPLETED")]
    assert (lake / "current").resolve().name == "v000001"
    assert pl.read_csv(lake / "exports" / "top-20.csv").height == 20
    assert "# DataRank v000001 · snapshot 2026-03-02" in _artifact_markdown(runs[0].id)


def test_a_busy_data_dir_fails_the_flow_with_exit_status_4(prefect_api: str, tmp_path: Path) -> None:
    from datarank.lake import Lake
    from pipelines.flows import compute_flow

    with Lake(tmp_path).lock():  # a `datarank run` outside Prefect holds the data dir
        state = compute_flow(data_dir=str(tmp_path), return_state=True)
    assert state.is_failed()
    assert state.message.startswith(
        f"exit 4 (another run holds the data dir (its lock); try again later): {tmp_path} is in use by another datarank run"
    ), state.message


def test_credentials_are_masked_in_logs_artifacts_names_and_states(prefect_api: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot URL carrying a password and a token, on a server that is not there: the run fails
    (after its retries), and neither secret shows in its name, state, logs or artifact."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    from pipelines import flows

    monkeypatch.setattr(flows, "BACKOFF_SECONDS", 0.0)
    snapshot = "https://reader:hunter2@127.0.0.1:9/openalex?token=SECRETTOKEN"
    state = flows.datarank_flow(snapshot=snapshot, data_dir=str(tmp_path), return_state=True)
    assert state.is_failed()
    assert state.message.startswith("exit 1 (error (one line on stderr says which)): no OpenAlex works manifest under "
                                    "https://***@127.0.0.1:9/openalex?token=***"), state.message
    flow_run_id = state.state_details.flow_run_id
    APILogHandler().flush()
    with _client() as client:
        run = client.read_flow_run(flow_run_id)
        task_runs = client.read_task_runs()
        logs = [log.message for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))]
    shown = "\n".join([run.name, state.message, run.state.message or "", *logs, _artifact_markdown(flow_run_id),
                       *(t.state.message or "" for t in task_runs if t.flow_run_id == flow_run_id)])
    assert "https://***@127.0.0.1:9/openalex?token=***" in "\n".join(logs), logs
    assert "hunter2" not in shown and "SECRETTOKEN" not in shown, shown


def test_runs_on_one_data_dir_queue_on_its_concurrency_limit(prefect_api: str, tmp_path: Path) -> None:
    """While another holder has the data dir's slot, a flow run on it waits (it does not fail on the
    lake's lock); once the slot is free it runs and publishes."""
    import threading

    from prefect.concurrency.sync import concurrency

    from pipelines.flows import datarank_flow, lake_limit

    data_dir = (tmp_path / "lake").resolve()
    with _client() as client:
        client.upsert_global_concurrency_limit_by_name(lake_limit(data_dir), 1)
    states: list = []
    with concurrency(lake_limit(data_dir), occupy=1, strict=True):
        waiting = threading.Thread(target=lambda: states.append(datarank_flow(data_dir=str(data_dir), return_state=True)))
        waiting.start()
        waiting.join(timeout=15)
        assert waiting.is_alive() and not states  # queued, not failed
        assert not (data_dir / "current").exists()
    waiting.join(timeout=300)
    assert states and states[0].is_completed(), states
    assert os.readlink(data_dir / "current") == "versions/v000001"


def test_the_api_url_of_the_active_prefect_profile_is_used(prefect_api: str, tmp_path: Path) -> None:
    """No PREFECT_API_URL in the environment, only a profile as `prefect config set` writes it: the
    command line runs through that server (one more flow run there); --no-prefect runs directly."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(f'active = "team"\n\n[profiles.team]\nPREFECT_API_URL = "{prefect_api}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

    def count() -> int:
        with _client() as client:
            return len(client.read_flow_runs())

    def compute(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "datarank", "compute", "--data-dir", str(tmp_path / "lake"), *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)

    before = count()
    through_prefect = compute()
    assert through_prefect.returncode == 1 and "nothing ingested yet" in through_prefect.stderr
    assert count() == before + 1
    direct = compute("--no-prefect")
    assert direct.returncode == 1 and "nothing ingested yet" in direct.stderr
    assert count() == before + 1


def test_a_stage_that_hangs_fails_the_run_at_its_timeout(prefect_api: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring paused for an hour (the fault hook): its task fails at its timeout (here 3 s), the run
    fails, and nothing is published."""
    from pipelines import flows

    monkeypatch.setitem(flows.STAGE_TIMEOUTS, "score", 3)
    monkeypatch.setenv("DATARANK_PAUSE_AT", "score.step_written")
    state = flows.datarank_flow(data_dir=str(tmp_path), return_state=True)
    assert state.is_failed()
    assert state.message.startswith("exit 1 (error (one line on stderr says which)): TaskRunTimeoutError: "
                                    "Scope timed out after 3"), state.message
    with _client() as client:
        [score] = [t for t in client.read_task_runs() if t.flow_run_id == state.state_details.flow_run_id
                   and t.name.startswith("score")]
    assert (score.state.name, score.state.message) == ("TimedOut", "Task run exceeded timeout of 3.0 second(s)")
    assert not (tmp_path / "current").exists()
