"""What the command line prints of a run: a progress bar over the part files while it reads, and
the summary when it ends (the ingest summary and run manifest of `datarank.contracts`, rendered for
a terminal; `pipelines.summary` renders the same for the Prefect UI)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click


class file_progress:
    """A progress bar over the part files on stderr, when stderr is a terminal: files done, records
    read, and the rate at which part files (compressed bytes) are read."""

    def __init__(self, console: Callable[[], Any]) -> None:
        self.console = console

    def __enter__(self) -> Callable[..., None] | None:
        if not sys.stderr.isatty():
            self.progress = None
            return None
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TextColumn("{task.fields[records]:,} records"), TextColumn("{task.fields[rate]:.1f} MB/s"),
            TimeElapsedColumn(), console=self.console(), transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("ingest", total=None, records=0, rate=0.0)
        self.records, self.bytes, self.started = 0, 0, time.perf_counter()

        def on_file(file: Any, stats: dict[str, Any], done: int, total: int) -> None:
            self.records += stats.get("lines", 0)
            if stats.get("status") == "read":
                self.bytes += stats.get("size") or 0
            rate = self.bytes / 1e6 / max(time.perf_counter() - self.started, 1e-9)
            self.progress.update(self.task, completed=done, total=total, records=self.records, rate=rate)

        return on_file

    def __exit__(self, *exc: object) -> None:
        if self.progress:
            self.progress.stop()


def _describe_snapshot(summary: dict[str, Any]) -> str:
    snapshot = summary.get("snapshot", {})
    text = f"{snapshot.get('layout')} layout ({snapshot.get('file_format')} parts) at {snapshot.get('works_dir')}"
    if any(f.get("status") == "read" for f in summary.get("files", [])):
        workers = summary.get("parallel_files", 1)
        text += f" · {workers} file{'s' if workers != 1 else ''} read at a time"
    return text


def _report_lines(report: dict[str, Any]) -> list[str]:
    """What changed since the last ingest, and what does not add up: new merges and deletions,
    record counts that differ from the manifest, files that left the manifest with their works."""
    lines = []
    changes = report.get("changes") or {}
    if changes:
        lines.append(
            f"changes  {changes.get('works_added', 0):,} works added · {changes.get('works_updated', 0):,} updated · "
            f"{changes.get('works_removed', 0):,} removed · {changes.get('merges_new', 0):,} new merges · "
            f"{changes.get('deletions_new', 0):,} new deletions (since {changes.get('since') or 'nothing'})"
        )
    for row in report.get("record_count_mismatches", []):
        lines.append(f"warning  {row['key']}: {row['lines']:,} lines, the manifest says {row['manifest_records']:,}")
    records = report.get("records") or {}
    total = records.get("manifest_total")
    if total is not None and total != records.get("lines_read"):
        lines.append(f"warning  the manifest counts {total:,} records, the part files hold {records.get('lines_read', 0):,} lines")
    for row in report.get("vanished_files", []):
        if row.get("works_not_superseded"):
            lines.append(
                f"warning  {row['key']} left the manifest: {row['works_not_superseded']:,} of its "
                f"{row['works']:,} works are in no current file and were neither merged nor deleted"
            )
    return lines


def print_summary(state: Any) -> None:
    counts = state.ingest_summary.get("counts", {})
    files = state.ingest_summary.get("files", [])
    lines = []
    if "ingest" in state.timings:
        read = sum(1 for f in files if f.get("status") == "read")
        lines.append(f"snapshot {_describe_snapshot(state.ingest_summary)}")
        lines.append(
            f"ingest   {len(files)} files ({read} read, {len(files) - read} unchanged) · "
            f"{counts.get('lines_read', 0):,} lines read · {counts.get('works', 0):,} works kept · "
            f"{counts.get('duplicates_superseded', 0):,} older copies superseded · "
            f"{counts.get('merged_or_deleted_dropped', 0):,} merged/deleted · "
            f"{counts.get('quarantined', 0):,} quarantined"
        )
        lines.append(
            f"         {counts.get('citations', 0):,} citations · {counts.get('authorships', 0):,} authorships · "
            f"dropped: {counts.get('invalid_references', 0):,} malformed reference ids, "
            f"{counts.get('invalid_authors', 0):,} authors without id"
        )
        lines.extend(_report_lines(state.ingest_summary.get("report", {})))
    if state.version:
        lines.append(
            f"publish  {state.version}: {state.score_counts.get('scores', 0):,} works scored "
            f"(cap {state.settings.cap}, damping {state.settings.damping}), "
            f"{state.score_counts.get('researchers', 0):,} researchers → {state.settings.data_dir / 'current'}"
        )
    if fair := _fair_line(state):
        lines.append(fair)
    if openalex := _openalex_line(state):
        lines.append(openalex)
    if state.changes:
        changes = state.changes
        movers = (changes.get("sections") or {}).get("rank_movers") or []
        biggest = f"; biggest rank move {movers[0]['work_id']} {movers[0]['rank_gain']:+,}" if movers else ""
        lines.append(
            f"changes  since {changes['from_version']}: {changes['new_works']:,} new works, "
            f"{changes['removed_works']:,} removed, {changes['rank_changed']:,} moved rank{biggest} "
            f"(datarank diff)"
        )
    if build := _build_line(state):
        lines.append(build)
    if state.pruned is not None:
        lines.append(state.pruned.describe())
    shown = {"export": bool(state.exports), "prune": state.pruned is not None}
    timings = " · ".join(
        f"{name} {seconds:.2f} s" for name, seconds in state.timings.items() if shown.get(name, True)
    )
    lines.append(f"time     {timings}")
    click.echo("\n".join(lines))


def _fair_line(state: Any) -> str | None:
    """The FAIR score's line: how many works it scored, and its check against DataRank (docs/fair.md)."""
    from datarank.manifest import fair_headline

    fair = (state.manifest or {}).get("fair") if state.version else None
    if not fair:
        return None
    line = f"fair     {fair.get('version')}: {fair.get('works_scored', 0):,} works scored"
    headline = fair_headline(state.manifest)
    if headline and headline.get("spearman") is not None:
        line += (f" · Spearman with DataRank's year × type percentile {headline['spearman']:+.2f} on "
                 f"{headline['works']:,} articles and reviews of {headline['year_from']}–{headline['year_to']}")
    return line


def _openalex_line(state: Any) -> str | None:
    """DataRank's subfield × year percentile against OpenAlex's normalised percentile (docs/standing.md)."""
    rows = (state.manifest or {}).get("openalex_agreement") if state.version else None
    overall = next((row for row in rows or [] if row.get("field_id") is None), None)
    if not overall or overall.get("spearman") is None:
        return None
    fields = sum(1 for row in rows if row.get("field_id") is not None and row.get("spearman") is not None)
    return (f"openalex Spearman of DataRank's subfield × year percentile with OpenAlex's normalised percentile "
            f"{overall['spearman']:+.2f} on {overall['works']:,} works ({fields} fields with a rho: "
            "datarank query \"from openalex_agreement\")")


def _build_line(state: Any) -> str | None:
    """How the run got its tables: extending the last build, or in full and why (docs/incremental.md)."""
    parts = []
    ingest = state.ingest_summary.get("build") if "ingest" in state.timings else None
    if ingest:
        parts.append("ingest extended the last build" if ingest["mode"] == "incremental"
                     else f"ingest full ({ingest.get('why_full')})")
    if state.scoring:
        if state.scoring["mode"] == "incremental":
            parts.append(f"{state.score_counts.get('rescored_works', 0):,} of "
                         f"{state.score_counts.get('scores', 0):,} works rescored")
        else:
            parts.append(f"every work scored ({state.scoring.get('why_full') or state.settings.engine})")
    return f"build    {' · '.join(parts)}" if parts else None
