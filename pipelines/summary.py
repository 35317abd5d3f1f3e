"""The markdown an operator reads each morning: the run's artifact in the Prefect UI.

Built from what the run's stages handed each other (`datarank.pipeline.RunState`) and the manifest
the publish stage wrote; no Prefect import here, so it can be read and tested on its own.
"""

from __future__ import annotations

from typing import Any

from datarank.pipeline import RunState
from datarank.settings import Settings


def _report_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """What changed since the last ingest, and what did not add up (docs/ingest.md)."""
    changes = report.get("changes") or {}
    rows = [
        (f"works {name}", f"{changes[f'works_{name}']:,}") for name in ("added", "updated", "removed") if f"works_{name}" in changes
    ]
    rows += [(f"new {name}", f"{changes[f'{name}_new']:,}") for name in ("merges", "deletions") if f"{name}_new" in changes]
    mismatches = report.get("record_count_mismatches") or []
    if mismatches:
        rows.append(("record counts unlike the manifest", ", ".join(m["key"] for m in mismatches)))
    lost = [v for v in report.get("vanished_files") or [] if v.get("works_not_superseded")]
    if lost:
        rows.append(("files gone with their works", ", ".join(f"{v['key']} ({v['works_not_superseded']:,})" for v in lost)))
    return rows


def summary_markdown(state: RunState) -> str:
    """The summary of a run that finished: what it read, counted, published, and what moved."""
    manifest = state.manifest
    snapshot: dict[str, Any] = state.ingest_summary.get("snapshot", {})
    counts: dict[str, Any] = state.ingest_summary.get("counts", {})
    files: list[dict[str, Any]] = state.ingest_summary.get("files", [])
    settings = state.settings
    date = snapshot.get("latest_partition") or "unknown date"
    if state.version:
        title = f"# DataRank {state.version} · snapshot {date}"
        lead = (
            f"Published **{state.version}**"
            + (f" (previous {state.previous_version})" if state.previous_version else " (the first version)")
            + f" → `{settings.data_dir / 'current'}`."
        )
    else:
        title = f"# DataRank {' + '.join(state.timings) or 'run'} · snapshot {date}"
        lead = "Nothing published by this run."
    rows: list[tuple[str, str]] = []
    if snapshot:
        rows.append((
            "snapshot",
            f"`{snapshot.get('uri')}` · {snapshot.get('layout')} layout · {snapshot.get('files', 0):,} part files "
            f"in the manifest · newest partition {date}",
        ))
    if files:
        read = sum(1 for f in files if f.get("status") == "read")
        rows.append(("files read", f"{read:,} read · {len(files) - read:,} unchanged (cached)"))
    rows += _report_rows(state.ingest_summary.get("report", {}))
    if counts:
        rows += [
            ("lines", f"{counts.get('lines_read', 0):,} read · {counts.get('quarantined', 0):,} quarantined"
             + (" (`datarank query \"from quarantine\"`)" if counts.get("quarantined") else "")),
            ("works", f"{counts.get('works', 0):,} kept · {counts.get('duplicates_superseded', 0):,} older copies "
             f"superseded · {counts.get('merged_or_deleted_dropped', 0):,} merged or deleted"),
            ("citations", f"{counts.get('citations', 0):,}"),
            ("authorships", f"{counts.get('authorships', 0):,}"),
            ("dropped inside records", f"{counts.get('invalid_references', 0):,} malformed reference ids · "
             f"{counts.get('invalid_authors', 0):,} authors without id"),
        ]
    if state.score_counts:
        rows.append(("scored", f"{state.score_counts.get('scores', 0):,} works · "
                               f"{state.score_counts.get('researchers', 0):,} researchers"))
    rows.append(("parameters", _parameters(settings)))
    if state.checks_passed:
        rows.append(("checks", f"{len(state.checks_passed)} passed"))
    if state.exports:
        rows.append(("exports", " · ".join(
            f"`{e['output']}` ({e['rows']:,} {'works' if e.get('table', 'scores') == 'scores' else e['table']})"
            for e in state.exports
        )))
    if state.pruned is not None:
        rows.append(("retention", state.pruned.describe().removeprefix("prune").strip()))
    rows.append(("versions", _versions(manifest)))
    parts = [title, "", lead, "", "| | |", "|---|---|", *(f"| {k} | {_cell(v)} |" for k, v in rows)]
    parts += ["", *_timings(state.timings, manifest.get("timings_s", {}), state.previous_version)]
    if manifest.get("fair"):
        parts += ["", *_fair(manifest["fair"])]
    if manifest.get("openalex_agreement"):
        parts += ["", *_openalex(manifest["openalex_agreement"])]
    if state.changes:
        parts += ["", *_changes(state.changes, state.version or "staged")]
    return "\n".join(parts) + "\n"


def failure_markdown(settings: Settings, stages: tuple[str, ...], timings: dict[str, float], error: BaseException) -> str:
    """The summary of a run that failed: which stage, the one-line reason, what stays published."""
    failed = next((name for name in stages if name not in timings), stages[-1] if stages else "run")
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return "\n".join([
        f"# DataRank run failed at {failed}",
        "",
        f"**{type(error).__name__}**: {_cell(message)}",
        "",
        "Nothing was published by this run; the last published version stays current.",
        "",
        "| | |",
        "|---|---|",
        f"| snapshot | `{settings.snapshot}` |",
        f"| data dir | `{settings.data_dir}` |",
        f"| parameters | {_parameters(settings)} |",
        f"| stages done | {', '.join(f'{n} ({s:.2f} s)' for n, s in timings.items()) or 'none'} |",
    ]) + "\n"


def _parameters(settings: Settings) -> str:
    return (
        f"cap {settings.cap} · damping {settings.damping} · engine {settings.engine} · "
        f"max row drop {settings.max_row_drop:g}"
    )


def _versions(manifest: dict[str, Any]) -> str:
    software = manifest.get("software") or {}
    names = {"python": "Python", "duckdb": "DuckDB", "polars": "Polars", "pyarrow": "PyArrow", "prefect": "Prefect"}
    listed = [f"datarank {manifest['package_version']}"] if manifest.get("package_version") else []
    listed += [f"{label} {software[key]}" for key, label in names.items() if software.get(key)]
    return " · ".join(listed) or "—"


def _timings(timings: dict[str, float], recorded: dict[str, Any], previous: str | None) -> list[str]:
    lines = ["## Timings", "", "| stage | seconds |", "|---|---:|"]
    for name, seconds in timings.items():
        detail = ""
        if name == "publish" and previous and recorded.get("compare") is not None:
            detail = f" (comparing with {previous} {recorded['compare']:.2f})"
        if name == "ingest" and recorded.get("read_files_s") is not None:
            detail = f" (reading part files {recorded['read_files_s']:.2f})"
        lines.append(f"| {name}{detail} | {seconds:.2f} |")
    lines.append(f"| **total** | **{sum(timings.values()):.2f}** |")
    return lines


def _fair(fair: dict[str, Any]) -> list[str]:
    """The calibrated FAIR score: what scored it, and its check against DataRank (docs/fair.md)."""
    lines = [
        f"## FAIR score ({fair.get('version')})",
        "",
        f"{fair.get('works_scored', 0):,} works scored with the weights `{fair.get('weights_file')}`; "
        f"abstracts {'kept' if fair.get('abstracts') else 'not kept'}. Context only, never part of DataRank.",
    ]
    rows = fair.get("validation") or []
    if not rows:
        return [*lines, "", "No article or review of the snapshot's last five years is scored: no check this run."]
    lines += [
        "",
        f"Spearman ρ of the FAIR score with DataRank's year × type percentile, articles and reviews published "
        f"{rows[0]['year_from']}–{rows[0]['year_to']}:",
        "",
        "| works | variant | n | ρ |",
        "|---|---|---:|---:|",
    ]
    lines += [
        f"| {row['cohort']} | {'fair_v1' if row['left_out'] == 'none' else 'without ' + row['left_out']} | "
        f"{row['works']:,} | {'–' if row['spearman'] is None else format(row['spearman'], '+.3f')} |"
        for row in rows
    ]
    return lines


def _openalex(rows: list[dict[str, Any]]) -> list[str]:
    """DataRank's subfield × year percentile against OpenAlex's normalised percentile (docs/standing.md)."""
    return [
        "## Beside OpenAlex",
        "",
        "Spearman ρ of DataRank's subfield × year percentile with OpenAlex's normalised percentile, works with both:",
        "",
        "| field | works | ρ |",
        "|---|---:|---:|",
        *(f"| {row['field_name'] or row['field_id']} | {row['works']:,} | "
          f"{'–' if row['spearman'] is None else format(row['spearman'], '+.3f')} |" for row in rows),
    ]


def _changes(changes: dict[str, Any], version: str) -> list[str]:
    previous = changes["from_version"]
    lines = [
        f"## Since {previous}",
        "",
        f"{changes['works_from']:,} → {changes['works_to']:,} works: {changes['new_works']:,} new · "
        f"{changes['removed_works']:,} removed · {changes['rank_changed']:,} moved rank · "
        f"{changes['score_changed']:,} changed DataRank · top {changes['top']}: {changes['entered_top']:,} entered, "
        f"{changes['left_top']:,} left. More: `datarank diff --from {previous} --to {version}`.",
    ]
    movers = (changes.get("sections") or {}).get("rank_movers") or []
    if movers:
        lines += ["", "### Biggest rank movers", "", "| work | rank | move | DataRank | title |", "|---|---:|---:|---:|---|"]
        lines += [
            f"| {m['work_id']} | {m['rank_from']:,} → {m['rank_to']:,} | {m['rank_gain']:+,} | "
            f"{m['datarank_from']:.4f} → {m['datarank_to']:.4f} | {_cell((m.get('title') or '')[:80])} |"
            for m in movers
        ]
    return lines


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
