"""The `datarank` command line (SPEC §5). Errors a user can cause are one line on stderr; the exit
status says what kind (`datarank.EXIT_CODES`: 1 error, 2 usage, 3 a check refused to publish, 4 the
data dir is busy, 130 interrupted).

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

from datarank import EXIT_CODES, DataRankError, UsageError, __version__

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("datarank")
INTERRUPTED = 130
#: `datarank query` shows at most this many rows as a table unless --limit says otherwise.
TABLE_ROWS = 100

#: `--help`'s closing paragraph: what each exit status means (click keeps lines after \b as written).
EXIT_HELP = "\b\nExit status:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())


def _fail(message: str, code: int = 1) -> None:
    from datarank.redact import redact

    click.echo(f"datarank: error: {redact(message)}", err=True)
    sys.exit(code)


def handle_errors(command: F) -> F:
    """One line on stderr for anything that goes wrong, and the exit status of its kind (EXIT_CODES);
    the traceback only with DATARANK_DEBUG=1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DataRankError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; the last published version is unchanged", INTERRUPTED)
        except Exception as error:
            if os.environ.get("DATARANK_DEBUG"):
                raise
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            _fail(f"{type(error).__name__}: {first} (set DATARANK_DEBUG=1 for the traceback)")

    return wrapper  # type: ignore[return-value]


def _binary_stdout() -> Any:
    """Standard output as bytes (exports of Parquet, streamed query results)."""
    sys.stdout.flush()
    return sys.stdout.buffer


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
@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_HELP)
@click.version_option(__version__, prog_name="datarank")
def main() -> None:
    """DataRank ("citation-only 1-hop") for every work of an OpenAlex snapshot."""


def prefect_option(command: F) -> F:
    return click.option(
        "--prefect/--no-prefect", "prefect", default=None,
        help="Run the stages as a Prefect flow (--prefect) or directly (--no-prefect). Default: through "
             "Prefect when its settings (environment, profile, prefect.toml) name an API URL.",
    )(command)


@main.command(epilog=EXIT_HELP)
@setting_options("snapshot", "lake", "metric", "engine", "check", "build", "retention", "limits")
@prefect_option
@verbose_option
@handle_errors
def run(verbose: bool, prefect: bool | None, **options: Any) -> None:
    """Ingest new files, score every work, check and publish a new version."""
    _setup_logging(verbose)
    _run_stages("run", _settings(**options), prefect)


@main.command(epilog=EXIT_HELP)
@setting_options("snapshot", "lake", "build", "limits")
@prefect_option
@verbose_option
@handle_errors
def ingest(verbose: bool, prefect: bool | None, **options: Any) -> None:
    """Read the snapshot's new or changed part files into the lake (no scoring)."""
    _setup_logging(verbose)
    _run_stages("ingest", _settings(**options), prefect)


@main.command(epilog=EXIT_HELP)
@setting_options("lake", "metric", "engine", "check", "build", "retention", "limits")
@prefect_option
@verbose_option
@handle_errors
def compute(verbose: bool, prefect: bool | None, **options: Any) -> None:
    """Score what the last ingest left, check and publish a new version."""
    _setup_logging(verbose)
    _run_stages("compute", _settings(**options), prefect)


@main.command(epilog=EXIT_HELP)
@setting_options("lake", "retention")
@click.option("--dry-run", is_flag=True, help="Say what would be removed and freed; remove nothing.")
@verbose_option
@handle_errors
def prune(data_dir: Path | None, keep: int | None, keep_days: float | None, dry_run: bool, verbose: bool) -> None:
    """Remove old published versions and the lake files only they use, keeping `current`, the --keep
    newest, those younger than --keep-days, and any version a reader has open."""
    from datarank import UsageError
    from datarank.retention import prune as prune_versions

    _setup_logging(verbose)
    settings = _settings(data_dir=data_dir, keep=keep, keep_days=keep_days)
    if settings.keep is None:
        raise UsageError("prune: give --keep N (or set DATARANK_KEEP): how many newest versions to keep")
    result = prune_versions(settings.data_dir, settings.keep, settings.keep_days, dry_run=dry_run)
    click.echo(result.describe())


def _run_stages(entry: str, settings: Any, prefect: bool | None = None) -> None:
    """Run the stages of `entry` (datarank.pipeline.ENTRY_STAGES) as a Prefect flow when asked
    (`--prefect`) or, by default, when Prefect's settings name an API URL (environment, the active
    profile, prefect.toml: `pipelines.api.configured_api_url`), else directly: the same stages either
    way, without Prefect's start-up cost on the CLI."""
    from datarank.pipeline import ENTRY_STAGES

    stages = ENTRY_STAGES[entry]
    if prefect is None:
        from pipelines.api import configured_api_url

        prefect = configured_api_url() is not None
    if prefect:
        from pipelines.flows import datarank_flow

        state = datarank_flow(settings=settings, stages=list(stages))
    else:
        from datarank.pipeline import run as run_pipeline
        from datarank.terminal import file_progress

        with file_progress(_stderr_console) as on_file:
            state = run_pipeline(settings, stages=stages, on_file=on_file)
    from datarank.terminal import print_summary

    print_summary(state)


@main.command()
@data_dir_option
@click.option("--output", "-o", required=True,
              help="Where to write: a file, - for standard output, or an fsspec URL such as s3://bucket/top.csv "
                   "(credentials from the environment or AWS_PROFILE). Appears whole or not at all.")
@click.option("--table", type=click.Choice(["scores", "researchers", "institutions", "sources", "countries", "fields"]),
              default="scores", show_default=True,  # EXPORT_TABLES
              help="The ranked table: works (scores), authors (researchers), or the units' leaderboards "
                   "(institutions, sources, countries, fields; docs/units.md).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default=None,  # EXPORT_FORMATS
              help="Default: from the file extension (csv for -). json writes JSON Lines.")
@click.option("--top", type=int, default=None, help="Only the N best-ranked rows (after filters).")
@click.option("--year", type=int, default=None, help="Only works published in this year (scores only).")
@click.option("--type", "work_type", default=None, help="Only works of this type (article, dataset, …; scores only).")
@click.option("--field", "field", default=None,
              help="Only works of this OpenAlex field (primary topic): its id (18) or its name, any case (scores only).")
@click.option("--subfield", "subfield", default=None,
              help="Only works of this OpenAlex subfield: its id (1804) or its name, any case (scores only).")
@click.option("--version", "version", default=None, help="A published version (default: current).")
@click.option("--no-descriptor", is_flag=True,
              help="csv and json: do not write or update datapackage.json beside the file.")
@handle_errors
def export(data_dir: Path | None, output: str, table: str, fmt: str | None, top: int | None, year: int | None,
           work_type: str | None, field: str | None, subfield: str | None, version: str | None,
           no_descriptor: bool) -> None:
    """Write a ranked table of the current (or --version) version, best first (works, researchers,
    institutions, sources, countries or fields), with its provenance."""
    from datarank.destinations import STDOUT, is_url
    from datarank.outputs import export as export_table
    from datarank.redact import redact
    from datarank.settings import ExportSpec

    target = output if output == STDOUT or is_url(output) else str(Path(output).expanduser().absolute())
    spec = ExportSpec(output=target, format=fmt, top=top, year=year, type=work_type, field=field, subfield=subfield,
                      table=table, descriptor=not no_descriptor)
    rows = export_table(_settings(data_dir=data_dir).data_dir, spec, version, stdout=_binary_stdout())
    what = "works" if table == "scores" else table
    click.echo(f"wrote {rows:,} {what} to {'standard output' if output == STDOUT else redact(output)}", err=output == STDOUT)


@main.command()
@click.argument("work_id", metavar="[ID|DOI]", required=False)
@data_dir_option
@click.option("--top", type=int, default=10, show_default=True, help="How many citers to list (for a work).")
@click.option("--version", "version", default=None, help="A published version (default: current).")
@click.option("--json", "as_json", is_flag=True, help="Print the breakdown as JSON.")
@click.option("--full-abstract", is_flag=True, help="Show the abstract whole (it is shortened otherwise).")
@click.option("--from-file", "from_file", default=None, metavar="FILE|-",
              help="Explain every work id or DOI of FILE (one a line; - reads standard input) as one table.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="--from-file: JSON Lines or CSV (default: from the --output extension, else jsonl).")
@click.option("--output", default="-", show_default=True, metavar="FILE|-|URL",
              help="--from-file: where the table goes.")
@handle_errors
def explain(work_id: str | None, data_dir: Path | None, top: int, version: str | None, as_json: bool,
            full_abstract: bool, from_file: str | None, fmt: str | None, output: str) -> None:
    """Why a work (W… or its DOI) has its DataRank: base and network parts, citer counts, top
    citers, its calibrated FAIR score and checklist, venue and abstract; or why a researcher (A…)
    has their researcher score: the ten best works it is the mean of; or an institution (I…), a
    source (S…), a country (country:US) or a field (field:17): its figures and its ten best works.
    With --from-file, the figures of every work id or DOI of a file, one row each."""
    from datarank.researchers import is_author_id
    from datarank.units import is_unit_id

    folder = _settings(data_dir=data_dir).data_dir
    if (work_id is None) == (from_file is None):
        raise UsageError("explain: give one work id, DOI or author id, or --from-file FILE")
    if from_file is not None:
        _explain_file(folder, from_file, fmt, output, version)
        return
    assert work_id is not None
    if fmt is not None or output != "-":
        raise UsageError("explain: --format and --output go with --from-file")
    if is_unit_id(work_id):
        from datarank.render import render_unit
        from datarank.units import explain_unit

        unit = explain_unit(folder, work_id, version=version)
        click.echo(unit.to_json() if as_json else render_unit(unit))
        return
    if is_author_id(work_id):
        from datarank.render import render_researcher
        from datarank.researchers import explain_researcher

        researcher = explain_researcher(folder, work_id, version=version)
        click.echo(researcher.to_json() if as_json else render_researcher(researcher))
        return
    from datarank.lake import Lake
    from datarank.lookup import explain_works, is_doi, work_number
    from datarank.render import render_explanation

    if top < 0:
        raise UsageError("explain: --top must not be negative")
    if not is_doi(work_id):
        work_number(work_id)  # a malformed id is a usage error, whatever the data dir holds
    with Lake(folder).reading(version) as version_folder:
        found = explain_works(version_folder, work_id, top=top)
    if as_json:  # the best-ranked work; `same_doi` names the others
        click.echo(found[0].to_json())
        return
    if len(found) > 1:
        works = ", ".join(f"{e.work['work_id']} (rank {e.work['rank']:,})" for e in found)
        click.echo(f"{work_id.strip()} is the DOI of {len(found)} works: {works}\n")
    click.echo("\n\n".join(render_explanation(e, full_abstract=full_abstract) for e in found))


def _explain_file(folder: Path, from_file: str, fmt: str | None, output: str, version: str | None) -> None:
    """`datarank explain --from-file`: the table to `output`, the count of inputs to stderr."""
    from datarank.destinations import STDOUT, is_url
    from datarank.lookup import explain_batch
    from datarank.redact import redact

    try:
        text = sys.stdin.read() if from_file == "-" else Path(from_file).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"explain: cannot read {from_file}: {error}") from None
    target = output if output == STDOUT or is_url(output) else str(Path(output).expanduser().absolute())
    inputs, unknown = explain_batch(folder, text, target, fmt, version, stdout=_binary_stdout())
    where = "standard output" if output == STDOUT else redact(output)
    note = f"; {unknown:,} named no work (see their error column)" if unknown else ""
    click.echo(f"explained {inputs - unknown:,} of {inputs:,} inputs to {where}{note}", err=True)


@main.command()
@click.argument("sql")
@data_dir_option
@click.option("--version", "version", default=None, help="A published version (default: current).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help=f"At most this many rows (table: default {TABLE_ROWS}; csv and json: every row, streamed).")
@handle_errors
def query(sql: str, data_dir: Path | None, version: str | None, fmt: str, limit: int | None) -> None:
    """Run one read-only SELECT over the views scores, researchers, works, citations, authorships, citers,
    quarantine, institutions, sources, countries, fields and runs."""
    from datarank.outputs import query_rows, stream_query

    data = _settings(data_dir=data_dir).data_dir
    if fmt in ("csv", "json"):
        stream_query(data, sql, _binary_stdout(), fmt, version=version, limit=limit)
        return
    import polars as pl

    shown = limit or TABLE_ROWS
    frame, more = query_rows(data, sql, shown, version=version)
    with pl.Config(tbl_rows=shown, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200):
        click.echo(frame)
    if more:
        click.echo(f"datarank: the first {shown:,} rows are shown; --limit N shows more, --format csv or json "
                   "writes every row", err=True)


@main.command()
@click.argument("view", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True,
              help="markdown is docs/tables.md.")
@handle_errors
def describe(view: str | None, fmt: str) -> None:
    """The data dictionary: every view, or one VIEW's columns (type, unit, meaning, the rule that
    makes each)."""
    from datarank.describe import describe as describe_views

    click.echo(describe_views(view, fmt))


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
@click.option("--researchers", type=int, default=100, show_default=True,
              help="Researchers in the researcher leaderboard, each with its own page (0: none).")
@click.option("--units", type=int, default=100, show_default=True,
              help="Institutions, sources, countries and fields in each of their leaderboards, each with its own "
                   "page (0: none).")
@click.option("--version", "version", default=None, help="A published version (default: current).")
@limit_options
@handle_errors
def report(data_dir: Path | None, output: Path, top: int, citers: int, researchers: int, units: int, version: str | None,
           verbose: bool, memory_limit: str | None, threads: int | None) -> None:
    """Write a static HTML report: a sortable leaderboard with plots, one page per work in it, a
    researcher leaderboard with one page per researcher, and leaderboards of institutions, sources,
    countries and fields with one page per unit.

    It opens from disk in any browser, with no server and no network."""
    from datarank.report import write_report

    _setup_logging(verbose)
    settings = _settings(data_dir=data_dir, memory_limit=memory_limit, threads=threads)
    summary = write_report(settings.data_dir, output, top=top, citers=citers, version=version,
                           memory_limit=settings.memory_limit, threads=settings.threads, researchers=researchers,
                           units=units)
    people = (f" and {summary.researcher_pages:,} of {summary.researchers_ranked:,} researchers"
              if summary.researcher_pages else "")
    people += f", {summary.unit_pages:,} unit pages" if summary.unit_pages else ""
    click.echo(f"wrote a report of {summary.pages:,} of {summary.works_ranked:,} works{people} "
               f"(version {summary.version}) to {summary.output / 'index.html'}")


@main.command(epilog=EXIT_HELP)
@data_dir_option
@click.option("--cap", "caps", default="50,100,200,400", show_default=True,
              help="Caps to score, comma-separated (whole numbers of at least 1).")
@click.option("--damping", "dampings", default="0.80,0.85,0.90", show_default=True,
              help="Dampings to score, comma-separated (between 0 and 1).")
@click.option("--grid", is_flag=True,
              help="Score every cap × damping pair (default: each cap at the published damping and each damping "
                   "at the published cap).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write the table to this file (default: standard output).")
@limit_options
@handle_errors
def sensitivity(data_dir: Path | None, caps: str, dampings: str, grid: bool, fmt: str, output: Path | None,
                verbose: bool, memory_limit: str | None, threads: int | None) -> None:
    """How much the ranking depends on cap and damping: each setting scored from the current version's
    core tables (nothing published) against that version: Spearman and Kendall correlations, top 100
    and top 1,000 overlap, works changing tier."""
    from datarank.lake import write_text_atomic
    from datarank.sensitivity import parse_caps, parse_dampings
    from datarank.sensitivity import sensitivity as compare_settings
    from datarank.sensitivity_table import SENSITIVITY_FILE, render

    _setup_logging(verbose)
    cap_list, damping_list = parse_caps(caps), parse_dampings(dampings)
    settings = _settings(data_dir=data_dir, memory_limit=memory_limit, threads=threads)
    text = render(compare_settings(settings, cap_list, damping_list, grid=grid), fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(output.expanduser().absolute(), text)
        click.echo(f"wrote the sensitivity table to {output} (and {settings.data_dir / SENSITIVITY_FILE})", err=True)
