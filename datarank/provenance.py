"""Where an export came from, written into it: key-value metadata in a Parquet export, and for CSV
and JSON Lines a Frictionless data package descriptor (`datapackage.json`) beside the file.

Both say the same, taken from the version's run manifest: which table (scores, researchers or a
unit's), the version and its run, the snapshot
(URI with credentials masked, date), the parameters (cap, damping, tiers, the FAIR weights' version
where the version has one, and for a unit's table the core corpus), the package version that made it, and the export's filters. Column
descriptions come from the data dictionary (datarank.dictionary).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from datarank import DataRankError
from datarank.db import literal
from datarank.dictionary import describe_column, view
from datarank.redact import redact
from datarank.settings import DEFAULT_TIERS, UNIT_TABLES, ExportSpec

#: The descriptor's file name (Frictionless: one data package per folder).
DESCRIPTOR = "datapackage.json"

#: DuckDB type → Table Schema field type (https://specs.frictionlessdata.io/table-schema/).
_FIELD_TYPES = {
    "VARCHAR": "string", "BIGINT": "integer", "INTEGER": "integer", "SMALLINT": "integer", "HUGEINT": "integer",
    "DOUBLE": "number", "FLOAT": "number", "BOOLEAN": "boolean", "TIMESTAMP": "datetime", "DATE": "date",
}
#: Export format → what the descriptor says of the file.
_FORMATS = {
    "csv": {"format": "csv", "mediatype": "text/csv", "dialect": {"delimiter": ",", "header": True, "doubleQuote": True}},
    "json": {"format": "jsonl", "mediatype": "application/x-ndjson"},
}


def export_provenance(folder: Path, spec: ExportSpec) -> dict[str, Any]:
    """The provenance of an export of the version in `folder`, filtered as `spec` says. Entries the
    manifest lacks are left out (a version without FAIR scores has no `fair_weights_version`)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise DataRankError(f"export: cannot read the run manifest of {folder.name}: {error}") from None
    parameters = manifest.get("parameters") or {}
    snapshot = manifest.get("snapshot") or {}
    provenance = {
        "table": spec.table,
        "version": manifest.get("version", folder.name),
        "run_id": manifest.get("run_id"),
        "published_at": manifest.get("finished_at"),
        "snapshot_uri": redact(snapshot["uri"]) if snapshot.get("uri") else None,
        "snapshot_date": snapshot.get("latest_partition"),
        "cap": parameters.get("cap"),
        "damping": parameters.get("damping"),
        "tiers": list(parameters.get("tiers", DEFAULT_TIERS)),
        "fair_weights_version": parameters.get("fair_weights_version") or (manifest.get("fair") or {}).get("version"),
        # The works the units' figures count (docs/units.md); no other table depends on it.
        "core_corpus": parameters.get("core_corpus") if spec.table in UNIT_TABLES else None,
        "package_version": manifest.get("package_version"),
        "filters": {key: value for key, value in (("top", spec.top), ("year", spec.year), ("type", spec.type),
                                                           ("field", spec.field), ("subfield", spec.subfield)) if value is not None},
    }
    return {key: value for key, value in provenance.items() if value is not None}


def column_description(name: str, table: str = "scores") -> str | None:
    """An exported column's description from the data dictionary (the exported table's view)."""
    try:
        return describe_column(view(table).column(name))
    except (KeyError, DataRankError):
        return None


def parquet_kv_metadata(provenance: dict[str, Any], columns: list[str]) -> str:
    """COPY's `kv_metadata` option for a Parquet export: one key per provenance entry (text as it is,
    anything else as JSON) and `column_descriptions` (JSON: column → description)."""
    entries = {key: value if isinstance(value, str) else json.dumps(value) for key, value in provenance.items()}
    descriptions = {name: column_description(name, provenance.get("table", "scores")) for name in columns}
    entries["column_descriptions"] = json.dumps({k: v for k, v in descriptions.items() if v}, ensure_ascii=False)
    return "kv_metadata {" + ", ".join(f"{literal(key)}: {literal(value)}" for key, value in entries.items()) + "}"


def read_descriptor(output: Path) -> dict[str, Any]:
    """The data package `datapackage.json` beside `output` holds, or a new empty one. Read before
    the export is written, so a folder whose descriptor is not ours fails before any file changes.

    Raises:
        DataRankError: the folder holds a `datapackage.json` that is not a data package.
    """
    path = output.parent / DESCRIPTOR
    if not path.exists():
        return {"profile": "tabular-data-package", "name": "datarank-exports", "resources": []}
    try:
        package = json.loads(path.read_text())
        if not isinstance(package, dict) or not isinstance(package.get("resources", []), list):
            raise ValueError("not a data package")
    except (OSError, ValueError):
        raise DataRankError(f"export: {path} is not a data package descriptor; move it, or export with --no-descriptor") from None
    return package


def write_descriptor(output: Path, package: dict[str, Any], fmt: str, provenance: dict[str, Any],
                     columns: list[tuple[str, str]]) -> Path:
    """Write `package` (from `read_descriptor`) as `datapackage.json` beside `output`, listing
    `output` as a tabular data resource: format, column schema with descriptions, and the
    provenance (as `datarank`, and the snapshot under `sources`). Its other resources stay as they
    are; an earlier entry for the same file is replaced."""
    path = output.parent / DESCRIPTOR
    resource = {
        "name": _resource_name(output.name),
        "path": output.name,
        "profile": "tabular-data-resource",
        **_FORMATS[fmt],
        "encoding": "utf-8",
        "title": f"DataRank {provenance.get('version', '')}{_title_table(provenance.get('table', 'scores'))}, best first",
        "sources": [{"title": f"OpenAlex snapshot {provenance.get('snapshot_date', '')}".strip(),
                     "path": provenance.get("snapshot_uri", "")}],
        "schema": {"fields": [_field(name, kind, provenance.get("table", "scores")) for name, kind in columns],
                   "missingValues": [""]},
        "datarank": provenance,
    }
    others = [entry for entry in package.get("resources", []) if not (isinstance(entry, dict) and entry.get("path") == output.name)]
    package = {**package, "resources": [*others, resource]}
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        partial.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DataRankError(f"export: cannot write {path}: {error}") from None
    return path


def _title_table(table: str) -> str:
    """' researchers' (or the unit's table) in an export's title; nothing for works."""
    return "" if table == "scores" else f" {table}"


def _field(name: str, duckdb_type: str, table: str) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": _FIELD_TYPES.get(duckdb_type, "any")}
    description = column_description(name, table)
    if description:
        field["description"] = description
    return field


def _resource_name(file_name: str) -> str:
    """A Frictionless resource name (lower case letters, digits, `-`, `_`, `.`) from the file's name."""
    return re.sub(r"[^a-z0-9._-]+", "-", file_name.lower()).strip("-") or "datarank"
