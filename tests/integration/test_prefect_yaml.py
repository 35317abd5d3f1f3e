"""prefect.yaml read the way `prefect deploy` reads it, without a server: Prefect's own model of the
file (which `prefect deploy` only warns about, then skips the deployment), each entrypoint loaded,
each deployment's parameters validated against its flow's signature. test_flow.py deploys it for
real against a temporary server."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest
import yaml

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(PREFECT_YAML.read_text())


def test_prefects_model_accepts_the_file(config: dict) -> None:
    from prefect.cli.deploy._models import PrefectYamlModel

    model = PrefectYamlModel.model_validate(config)  # raises where `prefect deploy` would skip
    assert [d.name for d in model.deployments] == ["nightly", "sample", "nightly", "nightly", "nightly"]


def test_every_deployment_loads_its_flow_and_its_parameters_validate(config: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.flows import load_flow_from_entrypoint

    monkeypatch.chdir(PREFECT_YAML.parent)  # entrypoints are relative to where `prefect deploy` runs
    flows = set()
    for deployment in config["deployments"]:
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        flows.add(flow.name)
        parameters = deployment.get("parameters", {})
        assert set(parameters) <= set(inspect.signature(flow.fn).parameters), deployment["entrypoint"]
        validated = flow.validate_parameters(parameters)  # raises on a value of the wrong type
        assert {key: validated[key] for key in parameters if key != "exports"} == {
            key: value for key, value in parameters.items() if key != "exports"
        }
        if "exports" in parameters:
            defaults = {f.name: f.default for f in dataclasses.fields(validated["exports"][0])}
            exports = [{k: v for k, v in dataclasses.asdict(e).items() if v != defaults[k]} for e in validated["exports"]]
            assert exports == parameters["exports"]
        assert deployment["work_pool"]["name"] == "datarank"
    assert flows == {"datarank", "datarank-ingest", "datarank-compute", "datarank-export"}


def test_the_nightly_runs_at_half_past_two_utc(config: dict) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    [nightly] = [d for d in config["deployments"] if d["entrypoint"].endswith(":datarank_flow") and d["name"] == "nightly"]
    [schedule] = nightly["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert (cron.cron, cron.timezone, schedule["active"]) == ("30 2 * * *", "UTC", True)
    assert nightly["parameters"]["snapshot"] == "s3://openalex"
    assert {"data_dir", "cap", "damping", "max_row_drop", "exports"} <= set(nightly["parameters"])
    others = [d for d in config["deployments"] if d is not nightly]
    # Said explicitly: with no `schedules` key, `prefect deploy` in a terminal asks for one.
    assert all(d["schedules"] == [] for d in others)
