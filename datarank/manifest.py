"""A published version's run manifest (manifest.json, typed as `datarank.contracts.RunManifest`)
and its row of the `runs` view (run.parquet)."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import TYPE_CHECKING, Any

import polars as pl

from datarank import __version__
from datarank.contracts import RunManifest
from datarank.db import duckdb_memory_limit
from datarank.fair import load_weights
from datarank.redact import redact_all

if TYPE_CHECKING:
    from datarank.pipeline import RunState

#: Software whose version goes into each run manifest (read from package metadata, not imported).
SOFTWARE = ("duckdb", "polars", "pyarrow", "prefect")


def run_manifest(state: RunState, version: str) -> RunManifest:
    """Everything needed to know what a published version is and how it was made (SPEC §4)."""
    settings = state.settings
    return redact_all({  # type: ignore[return-value]
        "version": version,
        "run_id": state.run_id,
        "started_at": state.started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_version": state.previous_version,
        "package_version": __version__,
        "software": software_versions(),
        "engine": settings.engine,
        "parameters": {"cap": settings.cap, "damping": settings.damping, "tiers": list(settings.tiers),
                       "core_corpus": settings.core_corpus},
        "check_parameters": {"max_row_drop": settings.max_row_drop},
        "limits": {
            "memory_limit": settings.memory_limit,
            "duckdb_memory_limit": duckdb_memory_limit(settings.memory_limit),
            "threads": settings.threads,
        },
        "snapshot": state.ingest_summary.get("snapshot", {}),
        "ingest_counts": state.ingest_summary.get("counts", {}),
        "files": state.ingest_summary.get("files", []),
        "score_counts": state.score_counts,
        # The ingest scored: an incremental run carries figures from a version scored from its base.
        "core": state.core_dir.name if state.core_dir else None,
        "scoring": state.scoring,
        "checks_passed": state.checks_passed,
        "fair": fair_record(state),
        "openalex_agreement": openalex_agreement(state),
        "changes": state.changes,
        "timings_s": {**state.ingest_summary.get("timings", {}), **state.timings},
    })


def fair_record(state: RunState) -> dict[str, Any]:
    """The FAIR score's part of the manifest: its version tag, the weights file and every weight
    the run scored with, whether the ingest kept abstracts, and the validation (the Spearman
    correlations of out_fair__validation, docs/fair.md)."""
    record: dict[str, Any] = load_weights(state.settings.fair_weights).record()
    record["abstracts"] = bool(state.ingest_summary.get("abstracts", False))
    staged = state.staged
    scores = staged / "scores.parquet" if staged else None
    if scores is not None and scores.exists():
        record["works_scored"] = int(pl.scan_parquet(scores).select(pl.col("fair_raw").is_not_null().sum()).collect().item())
    validation = staged / "fair_validation.parquet" if staged else None
    record["validation"] = pl.read_parquet(validation).to_dicts() if validation and validation.exists() else []
    return record


def openalex_agreement(state: RunState) -> list[dict[str, Any]]:
    """The rows of openalex_agreement.parquet: Spearman's rho of DataRank's subfield × year percentile
    with OpenAlex's normalised percentile, all fields first, then per field (docs/standing.md)."""
    path = state.staged / "openalex_agreement.parquet" if state.staged else None
    return pl.read_parquet(path).to_dicts() if path and path.exists() else []


def fair_headline(manifest: RunManifest | dict[str, Any]) -> dict[str, Any] | None:
    """The validation's headline row: every recent article and review, fair_v1 whole."""
    rows = (manifest.get("fair") or {}).get("validation") or []
    return next((row for row in rows if row.get("cohort") == "all" and row.get("left_out") == "none"), None)


def software_versions() -> dict[str, str | None]:
    """Python's and the main libraries' versions, from package metadata (Prefect is not imported)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = package_version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def run_row(manifest: RunManifest) -> dict[str, Any]:
    """The manifest flattened into one row of the `runs` view."""
    snapshot, counts, files = manifest["snapshot"], manifest["ingest_counts"], manifest["files"]
    timings = manifest["timings_s"]
    changes = manifest.get("changes") or {}
    software = manifest.get("software") or {}
    return {
        "version": manifest["version"],
        "previous_version": manifest.get("previous_version"),
        "run_id": manifest["run_id"],
        "started_at": manifest["started_at"],
        "finished_at": manifest["finished_at"],
        "package_version": manifest["package_version"],
        **{f"{name}_version": software.get(name) for name in ("python", *SOFTWARE)},
        "engine": manifest["engine"],
        "cap": manifest["parameters"]["cap"],
        "damping": manifest["parameters"]["damping"],
        "max_row_drop": (manifest.get("check_parameters") or {}).get("max_row_drop"),
        "snapshot_uri": snapshot.get("uri"),
        "snapshot_layout": snapshot.get("layout"),
        "snapshot_date": snapshot.get("latest_partition"),
        "latest_partition": snapshot.get("latest_partition"),
        "manifest_record_count": snapshot.get("manifest_record_count"),
        "files_in_manifest": snapshot.get("files"),
        "files_read": sum(1 for f in files if f.get("status") == "read"),
        "files_cached": sum(1 for f in files if f.get("status") == "cached"),
        **{key: counts.get(key) for key in (
            "lines_read", "quarantined", "works", "duplicates_superseded", "merged_or_deleted_dropped",
            "invalid_references", "invalid_authors", "citations", "authorships",
        )},
        "scores": manifest["score_counts"].get("scores"),
        "researchers": manifest["score_counts"].get("researchers"),
        "checks_passed": len(manifest.get("checks_passed") or []),
        "fair_version": (manifest.get("fair") or {}).get("version"),
        "fair_weights_file": (manifest.get("fair") or {}).get("weights_file"),
        "fair_validation_works": (fair_headline(manifest) or {}).get("works"),
        "fair_validation_spearman": (fair_headline(manifest) or {}).get("spearman"),
        **{f"{stage}_s": timings.get(stage) for stage in ("ingest", "score", "check", "compare")},
        **{key: changes.get(key) for key in (
            "new_works", "removed_works", "rank_changed", "score_changed", "entered_top", "left_top",
        )},
        "top_movers": [
            {key: mover.get(key) for key in _MOVER_FIELDS} for mover in (changes.get("sections") or {}).get("rank_movers", [])
        ],
    }


_MOVER_FIELDS = {
    "work_id": pl.String, "rank_from": pl.Int64, "rank_to": pl.Int64, "rank_gain": pl.Int64,
    "datarank_from": pl.Float64, "datarank_to": pl.Float64, "datarank_change": pl.Float64, "title": pl.String,
}


def run_frame(manifest: RunManifest) -> pl.DataFrame:
    """`run_row` as a one-row frame with declared types, so the `runs` view can union the rows of
    every version even where a value is missing (no previous version, no Prefect installed)."""
    row = run_row(manifest)
    text_columns = ["previous_version", "snapshot_date", "latest_partition", "snapshot_uri", "snapshot_layout",
                    "fair_version", "fair_weights_file", *(f"{name}_version" for name in ("python", *SOFTWARE))]
    int_columns = ["researchers", "new_works", "removed_works", "rank_changed", "score_changed", "entered_top", "left_top",
                   "manifest_record_count", "fair_validation_works"]
    schema = {**{name: pl.String for name in text_columns}, **{name: pl.Int64 for name in int_columns},
              "fair_validation_spearman": pl.Float64}
    movers = pl.Series("top_movers", [row.pop("top_movers")], dtype=pl.List(pl.Struct(_MOVER_FIELDS)))
    return pl.DataFrame([row], schema_overrides=schema).with_columns(movers)
