"""An export says where it came from: a Parquet export in its key-value metadata, a CSV or JSON Lines
export in a Frictionless `datapackage.json` beside it. What they say is read back and compared with
the version's run manifest (manifest.json, read here as JSON) and with values known by hand."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from frictionless import Package

from datarank.cli import main

#: Provenance entries the Parquet metadata holds as JSON (the others are text as they are).
JSON_KEYS = {"cap", "damping", "tiers", "filters", "column_descriptions"}


def export(data_dir: Path, output: Path, *options: str) -> None:
    result = CliRunner().invoke(main, ["export", "--data-dir", str(data_dir), "--output", str(output), *options])
    assert result.exit_code == 0, result.output


def expected_provenance(data_dir: Path, filters: dict[str, Any]) -> dict[str, Any]:
    manifest = json.loads((data_dir / "current" / "manifest.json").read_text())
    return {
        "table": "scores",
        "version": manifest["version"],
        "run_id": manifest["run_id"],
        "published_at": manifest["finished_at"],
        "snapshot_uri": manifest["snapshot"]["uri"],
        "snapshot_date": manifest["snapshot"]["latest_partition"],
        "cap": manifest["parameters"]["cap"],
        "damping": manifest["parameters"]["damping"],
        "tiers": manifest["parameters"]["tiers"],
        "fair_weights_version": manifest["fair"]["version"],
        "package_version": manifest["package_version"],
        "filters": filters,
    }


def parquet_provenance(path: Path) -> dict[str, Any]:
    metadata = {key.decode(): value.decode() for key, value in pq.read_metadata(path).metadata.items()}
    return {key: json.loads(value) if key in JSON_KEYS else value for key, value in metadata.items()}


def test_a_parquet_export_carries_the_provenance_of_its_run_manifest(published_sample: Path, tmp_path: Path) -> None:
    export(published_sample, tmp_path / "top.parquet", "--top", "20")
    found = parquet_provenance(tmp_path / "top.parquet")
    descriptions = found.pop("column_descriptions")
    assert found == expected_provenance(published_sample, {"top": 20})
    # by hand: the sample's newest partition is data/works/updated_date=2026-03-02; the defaults
    assert (found["version"], found["snapshot_date"]) == ("v000001", "2026-03-02")
    assert (found["cap"], found["damping"], found["tiers"]) == (200, 0.85, [20.0, 40.0, 60.0, 80.0])
    assert found["fair_weights_version"] == "fair_v1"  # the run's FAIR score (manifest: fair.version)
    columns = pq.read_schema(tmp_path / "top.parquet").names
    assert list(descriptions) == columns and all(descriptions.values())
    assert descriptions["network_share"].startswith("the share of DataRank from the citation network")
    assert not (tmp_path / "datapackage.json").exists()


def test_csv_and_json_lines_exports_share_a_frictionless_descriptor(published_sample: Path, tmp_path: Path) -> None:
    export(published_sample, tmp_path / "top.csv", "--top", "20")
    export(published_sample, tmp_path / "articles-2018.json", "--year", "2018", "--type", "article")
    export(published_sample, tmp_path / "top.csv", "--top", "20")  # again: its entry is replaced, not added
    package = json.loads((tmp_path / "datapackage.json").read_text())
    resources = {resource["path"]: resource for resource in package["resources"]}
    assert list(resources) == ["articles-2018.json", "top.csv"]
    top, articles = resources["top.csv"], resources["articles-2018.json"]
    assert top["datarank"] == expected_provenance(published_sample, {"top": 20})
    assert articles["datarank"] == expected_provenance(published_sample, {"year": 2018, "type": "article"})
    assert (top["format"], articles["format"]) == ("csv", "jsonl")
    assert top["sources"] == [{"title": "OpenAlex snapshot 2026-03-02", "path": top["datarank"]["snapshot_uri"]}]
    with open(tmp_path / "top.csv", newline="") as handle:
        header = next(csv.reader(handle))
    fields = {field["name"]: field for field in top["schema"]["fields"]}
    assert list(fields) == header
    assert all(field.get("description") for field in fields.values())
    assert {name: fields[name]["type"] for name in ("work_id", "rank", "datarank", "cap_bound", "publication_year")} == {
        "work_id": "string", "rank": "integer", "datarank": "number", "cap_bound": "boolean", "publication_year": "integer",
    }
    assert fields["datarank"]["description"] == (
        "DataRank, the score works are ranked by [DataRank points]. "
        "Rule: (1 − d) · B(p) + d · N(p), d = damping, default 0.85 (docs/metric.md)."
    )
    # The Frictionless tool reads both files through the descriptor and finds them as it says.
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    assert [task.stats["rows"] for task in report.tasks] == [
        len((tmp_path / "articles-2018.json").read_text().splitlines()), 20,
    ]


def test_no_descriptor_writes_the_file_alone(published_sample: Path, tmp_path: Path) -> None:
    export(published_sample, tmp_path / "top.csv", "--top", "5", "--no-descriptor")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["top.csv"]


def test_a_folder_with_a_foreign_datapackage_json_is_refused_before_writing(published_sample: Path, tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text("[1, 2]")
    result = CliRunner().invoke(main, ["export", "--data-dir", str(published_sample), "-o", str(tmp_path / "top.csv")])
    assert result.exit_code == 1
    assert result.output == (
        f"datarank: error: export: {tmp_path / 'datapackage.json'} is not a data package descriptor; "
        "move it, or export with --no-descriptor\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["datapackage.json"]


def test_provenance_masks_credentials_and_names_the_fair_weights(published_sample: Path, tmp_path: Path) -> None:
    """A manifest with a secret in its snapshot URI (as one written before masking might be) and
    a FAIR weights version: both exports mask the one and carry the other."""
    data_dir = tmp_path / "out"
    shutil.copytree(published_sample, data_dir, symlinks=True)
    manifest_path = data_dir / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["snapshot"]["uri"] = "s3://AKIAEXAMPLE:wJalrSECRET@bucket/openalex?X-Amz-Signature=abc123&region=eu"
    manifest["parameters"]["fair_weights_version"] = "fair_v1"
    manifest_path.write_text(json.dumps(manifest))
    exports = tmp_path / "exports"
    exports.mkdir()
    export(data_dir, exports / "top.parquet", "--top", "3")
    export(data_dir, exports / "top.csv", "--top", "3")
    masked = "s3://***@bucket/openalex?X-Amz-Signature=***&region=eu"
    for found in (parquet_provenance(exports / "top.parquet"),
                  json.loads((exports / "datapackage.json").read_text())["resources"][0]["datarank"]):
        assert found["snapshot_uri"] == masked
        assert found["fair_weights_version"] == "fair_v1"
    assert "SECRET" not in (exports / "datapackage.json").read_text()
    assert b"SECRET" not in (exports / "top.parquet").read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_descriptor_follows_the_format_option(published_sample: Path, tmp_path: Path, fmt: str) -> None:
    export(published_sample, tmp_path / "ranked.txt", "--format", fmt, "--top", "2")
    resource = json.loads((tmp_path / "datapackage.json").read_text())["resources"][0]
    assert (resource["name"], resource["path"], resource["format"]) == ("ranked.txt", "ranked.txt", {"csv": "csv", "json": "jsonl"}[fmt])
