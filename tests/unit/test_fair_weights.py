"""fair_v1's weights file: the shipped one holds the points of the definition (docs/fair.md), a file
that breaks a rule stops the run in one line, and another file changes the points a run scores
with and is recorded in its manifest and the `runs` view."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from datarank import DataRankError
from datarank.fair import load_weights
from datarank.settings import Settings, default_fair_weights
from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import OPENALEX

#: The points of docs/fair.md's table, typed out by hand.
FAIR_V1 = {
    "findable": {"doi": 40, "pubmed_id": 10, "indexed_in_each": 10, "indexed_in_max": 20, "in_repository": 20,
                 "any_orcid": 10},
    "accessible": {"open_access": 50, "repository_fulltext": 20, "oa_pdf": 15, "oa_version": 15},
    "interoperable": {"linked_datasets": 40, "datacite": 15, "references": 15, "mesh": 10, "ror": 10, "funding": 10},
    "reusable": {"licence_open": 50, "licence_restricted": 35, "licence_other_oa": 20, "licence_publisher": 10,
                 "version_history": 20, "all_orcid": 10, "funding": 10, "corresponding": 10},
}


def toml(points: dict[str, dict[str, object]], version: str = "custom") -> str:
    lines = [f'version = "{version}"']
    for dimension, names in points.items():
        lines.append(f"[{dimension}]")
        lines += [f"{name} = {json.dumps(value)}" for name, value in names.items()]
    return "\n".join(lines) + "\n"


def test_the_shipped_weights_are_fair_v1s() -> None:
    weights = load_weights(default_fair_weights())
    assert weights.version == "fair_v1"
    assert weights.points == FAIR_V1
    assert weights.maxima() == {"findable": 100, "accessible": 100, "interoperable": 100, "reusable": 100}
    assert weights.params["fair_f_doi"] == 40 and weights.params["fair_r_licence_restricted"] == 35
    assert weights.sha256 == hashlib.sha256(default_fair_weights().read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["findable"].update(doi=101), r"\[findable\] doi must be a whole number from 0 to 100, got 101"),
        (lambda p: p["findable"].update(doi=True), r"\[findable\] doi must be a whole number"),
        (lambda p: p["accessible"].update(oa_pdf=7.5), r"\[accessible\] oa_pdf must be a whole number"),
        (lambda p: p["findable"].pop("doi"), r"\[findable\] missing doi"),
        (lambda p: p["findable"].update(dois=1), r"\[findable\] unknown dois"),
        (lambda p: p.pop("reusable"), r"no \[reusable\] section"),
        (lambda p: p["reusable"].update(licence_other_oa=40), r"licence points must not rise from open to publisher-specific"),
        (lambda p: p["accessible"].update(open_access=60), r"at most 100 points; accessible gives up to 110"),
        (lambda p: p["findable"].update(indexed_in_max=40), r"findable gives up to 120"),
    ],
)
def test_a_weights_file_that_breaks_a_rule_is_refused(tmp_path: Path, change: object, message: str) -> None:
    points = {dimension: dict(names) for dimension, names in FAIR_V1.items()}
    change(points)  # type: ignore[operator]
    path = tmp_path / "weights.toml"
    path.write_text(toml(points))
    with pytest.raises(DataRankError, match=message):
        load_weights(path)


def test_a_weights_file_that_is_not_toml_or_has_no_tag_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.toml"
    path.write_text("version = \n")
    with pytest.raises(DataRankError, match=r"--fair-weights .*weights.toml: cannot be read"):
        load_weights(path)
    path.write_text(toml(FAIR_V1).replace('version = "custom"\n', ""))
    with pytest.raises(DataRankError, match="needs a `version` tag"):
        load_weights(path)
    with pytest.raises(DataRankError, match="cannot be read"):
        load_weights(tmp_path / "missing.toml")


def test_another_weights_file_scores_the_run_and_is_recorded(tmp_path: Path) -> None:
    from datarank.outputs import query
    from datarank.pipeline import run

    work = {"id": f"{OPENALEX}W1", "doi": "https://doi.org/10.1/a", "cited_by_count": 1, "publication_year": 2020,
            "type": "article", "updated_date": "2025-01-01T00:00:00", "open_access": {"is_oa": True}}
    write_legacy_snapshot(tmp_path / "snapshot", {"2025-01-01": [work]})
    points = {dimension: dict(names) for dimension, names in FAIR_V1.items()}
    points["findable"]["doi"] = 25  # fair_v1: 40
    points["accessible"]["open_access"] = 30  # fair_v1: 50
    path = tmp_path / "my-weights.toml"
    path.write_text(toml(points, version="my_fair"))
    run(Settings(snapshot=str(tmp_path / "snapshot"), data_dir=tmp_path / "out", fair_weights=path))
    scores = query(tmp_path / "out", "select fair_findable, fair_accessible, fair_raw from scores").rows()
    assert scores == [(25, 30, (25 + 30) / 4)]
    manifest = json.loads((tmp_path / "out" / "current" / "manifest.json").read_text())
    fair = manifest["fair"]
    assert (fair["version"], fair["weights_file"]) == ("my_fair", str(path))
    assert fair["weights"] == points and fair["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert query(tmp_path / "out", "select fair_version, fair_weights_file from runs").rows() == [("my_fair", str(path))]
