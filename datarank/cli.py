"""The `datarank` command line (SPEC §5). Errors a user can cause are one line on stderr, exit 1.

Heavy imports (DuckDB, Polars, Prefect) happen inside the commands, so `datarank --help` is quick
and Prefect is loaded only when a Prefect API is configured.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from datarank import DataRankError, __version__

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("datarank")


def _fail(message: str) -> None:
    from datarank.redact import redact

    click.echo(f"datarank: error: {redact(message)}", err=True)
    sys.exit(1)


def handle_errors(command: F) -> F:
    """One line on stderr and exit 1 for anything that goes wrong; the traceback only with
    DATARANK_DEBUG=1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DataRankError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted; the last published version is unchanged")
        except Exception as error:  # noqa: BLE001 - the edge: anything unexpected becomes one line
            if os.environ.get("DATARANK_DEBUG"):
                raise
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            _fail(f"{type(error).__name__}: {first} (set DATARANK_DEBUG=1 for the traceback)")

    return wrapper  # type: ignore[return-value]


def _setup_logging(verbose: bool) -> None:
    """Log records go to stderr one line each (`datarank: warning: …`), never wrapped, so scripts
    can grep them and an error stays the last line."""
    from datarank.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LineFormatter())
    handler.addFilter(RedactingFilter())  # no credential of a snapshot URI in a log line
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)


class _LineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        return f"datarank: {record.levelname.lower()}: {message}"


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


# ---------------------------------------------------------------- shared options
def _option(setting: Any) -> Callable[[F], F]:
    """A click option made from a setting's declaration (datarank.settings.SETTINGS). The
    environment is read by `Settings.from_env`, in one place, so the option names its variable."""
    env = f" (env {setting.env})" if setting.env else ""
    text = setting.help.removesuffix(".") + env + "."
    if setting.type is bool:
        return click.option(setting.option, is_flag=True, default=None, help=text)
    kind: Any = click.Choice(list(setting.choices)) if setting.choices else (
        click.Path(path_type=Path) if setting.type is Path else setting.type
    )
    return click.option(setting.option, type=kind, default=None, help=text)


def setting_options(*groups: str) -> Callable[[F], F]:
    """The options of every setting in `groups`, in the order SETTINGS declares them."""
    from datarank.settings import SETTINGS

    def decorate(command: F) -> F:
        for setting in reversed([s for s in SETTINGS if s.group in groups]):
            command = _option(setting)(command)
        return command

    return decorate


def verbose_option(command: F) -> F:
    return click.option("-v", "--verbose", is_flag=True, help="Log each stage.")(command)


def data_dir_option(command: F) -> F:
    return setting_options("lake")(command)


def limit_options(command: F) -> F:
    return verbose_option(setting_options("limits")(command))


def _settings(**options: Any) -> Any:
    from datarank.settings import Settings

    return Settings.from_env(**{k: v for k, v in options.items() if k != "verbose"})


# ---------------------------------------------------------------- commands
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="datarank")
def main() -> None:
    """DataRank ("citation-only 1-hop") for every work of an OpenAlex snapshot."""


@main.command()
@setting_options("snapshot", "lake", "metric", "engine", "check", "build", "limits")
@verbose_option
@handle_errors
def run(verbose: bool, **options: Any) -> None:
    """Ingest new files, score every work, check and publish a new version."""
    _setup_logging(verbose)
    _run_stages("run", _settings(**options))


@main.command()
@setting_options("snapshot", "lake", "build", "limits")
@verbose_option
@handle_errors
def ingest(verbose: bool, **options: Any) -> None:
    """Read the snapshot's new or changed part files into the lake (no scoring)."""
    _setup_logging(verbose)
    _run_stages("ingest", _settings(**options))


@main.command()
@setting_options("lake", "metric", "engine", "check", "build", "limits")
@verbose_option
@handle_errors
def compute(verbose: bool, **options: Any) -> None:
    """Score what the last ingest left, check and publish a new version."""
    _setup_logging(verbose)
    _run_stages("compute", _settings(**options))


def _run_stages(entry: str, settings: Any) -> None:
    """Run the stages of `entry` (datarank.pipeline.ENTRY_STAGES) through Prefect when an API is
    configured (PREFECT_API_URL), else directly: the same stages either way, without Prefect's
    start-up cost on the CLI."""
    from datarank.pipeline import ENTRY_STAGES

    stages = ENTRY_STAGES[entry]
    if os.environ.get("PREFECT_API_URL"):
        from pipelines.flows import datarank_flow

        state = datarank_flow(settings=settings, stages=list(stages))
    else:
        from datarank.pipeline import run as run_pipeline

        with _file_progress() as on_file:
            state = run_pipeline(settings, stages=stages, on_file=on_file)
    _print_summary(state)


class _file_progress:
    """A progress bar over the part files on stderr, when stderr is a terminal: files done, records
    read, and the rate at which part files (compressed bytes) are read."""

    def __enter__(self) -> Callable[..., None] | None:
        if not sys.stderr.isatty():
            self.progress = None
            return None
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TextColumn("{task.fields[records]:,} records"), TextColumn("{task.fields[rate]:.1f} MB/s"),
            TimeElapsedColumn(), console=_stderr_console(), transient=True,
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


def _print_summary(state: Any) -> None:
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
            f"(cap {state.settings.cap}, damping {state.settings.damping}) → {state.settings.data_dir / 'current'}"
        )
    if fair := _fair_line(state):
        lines.append(fair)
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
    timings = " · ".join(
        f"{name} {seconds:.2f} s" for name, seconds in state.timings.items() if name != "export" or state.exports
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


@main.command()
@data_dir_option
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default=None,  # EXPORT_FORMATS
              help="Default: from the file extension. json writes JSON Lines.")
@click.option("--top", type=int, default=None, help="Only the N best-ranked works (after filters).")
@click.option("--year", type=int, default=None, help="Only works published in this year.")
@click.option("--type", "work_type", default=None, help="Only works of this type (article, dataset, …).")
@handle_errors
def export(data_dir: Path | None, output: Path, fmt: str | None, top: int | None, year: int | None,
           work_type: str | None) -> None:
    """Write the ranked table of the current version, best first."""
    from datarank.outputs import export as export_table
    from datarank.settings import ExportSpec

    spec = ExportSpec(output=str(output.expanduser().absolute()), format=fmt, top=top, year=year, type=work_type)
    rows = export_table(_settings(data_dir=data_dir).data_dir, spec)
    click.echo(f"wrote {rows:,} works to {output}")


@main.command()
@click.argument("work_id")
@data_dir_option
@click.option("--top", type=int, default=10, show_default=True, help="How many citers to list.")
@click.option("--version", "version", default=None, help="A published version (default: current).")
@click.option("--json", "as_json", is_flag=True, help="Print the breakdown as JSON.")
@click.option("--full-abstract", is_flag=True, help="Show the abstract whole (it is shortened otherwise).")
@handle_errors
def explain(work_id: str, data_dir: Path | None, top: int, version: str | None, as_json: bool, full_abstract: bool) -> None:
    """Why a work has its DataRank: base and network parts, citer counts, top citers; its calibrated
    FAIR score and checklist, venue and abstract."""
    from datarank.outputs import explain as explain_work
    from datarank.render import render_explanation

    explanation = explain_work(_settings(data_dir=data_dir).data_dir, work_id, top=top, version=version)
    click.echo(explanation.to_json() if as_json else render_explanation(explanation, full_abstract=full_abstract))


@main.command()
@click.argument("sql")
@data_dir_option
@click.option("--version", "version", default=None, help="A published version (default: current).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@handle_errors
def query(sql: str, data_dir: Path | None, version: str | None, fmt: str) -> None:
    """Run one read-only SELECT over the views scores, works, citations, authorships, citers,
    quarantine and runs."""
    from datarank.outputs import query as run_query

    frame = run_query(_settings(data_dir=data_dir).data_dir, sql, version=version)
    if fmt == "csv":
        click.echo(frame.write_csv(), nl=False)
    elif fmt == "json":
        click.echo(frame.write_ndjson(), nl=False)
    else:
        import polars as pl

        with pl.Config(tbl_rows=100, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200):
            click.echo(frame)


@main.command()
@data_dir_option
@click.option("--from", "from_version", default=None, help="The older version (default: the one before --to).")
@click.option("--to", "to_version", default=None, help="The newer version (default: current).")
@click.option("--top", type=int, default=100, show_default=True, help="Size of the leaderboard whose entries and exits are listed.")
@click.option("--rows", type=int, default=10, show_default=True, help="At most this many works per section.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@limit_options
@handle_errors
def diff(data_dir: Path | None, from_version: str | None, to_version: str | None, top: int, rows: int,
         as_json: bool, verbose: bool, memory_limit: str | None, threads: int | None) -> None:
    """What changed between two published versions: works that entered or left the top N, the
    largest rank and DataRank changes, new and removed works."""
    from datarank.diff import diff as diff_versions
    from datarank.diff import render_diff

    _setup_logging(verbose)
    settings = _settings(data_dir=data_dir, memory_limit=memory_limit, threads=threads)
    result = diff_versions(settings, from_version, to_version, top=top, rows=rows)
    click.echo(result.to_json() if as_json else render_diff(result))


@main.command()
@data_dir_option
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True,
              help="Folder to write the report into (created; an earlier report there is replaced).")
@click.option("--top", type=int, default=100, show_default=True,
              help="Works in the leaderboard, each with its own page.")
@click.option("--citers", type=int, default=10, show_default=True, help="Top citers listed on each work's page.")
@click.option("--version", "version", default=None, help="A published version (default: current).")
@limit_options
@handle_errors
def report(data_dir: Path | None, output: Path, top: int, citers: int, version: str | None, verbose: bool,
           memory_limit: str | None, threads: int | None) -> None:
    """Write a static HTML report: a sortable leaderboard with plots, and one page per work in it.

    It opens from disk in any browser, with no server and no network."""
    from datarank.report import write_report

    _setup_logging(verbose)
    settings = _settings(data_dir=data_dir, memory_limit=memory_limit, threads=threads)
    summary = write_report(settings.data_dir, output, top=top, citers=citers, version=version,
                           memory_limit=settings.memory_limit, threads=settings.threads)
    click.echo(f"wrote a report of {summary.pages:,} of {summary.works_ranked:,} works "
               f"(version {summary.version}) to {summary.output / 'index.html'}")
