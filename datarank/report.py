"""`datarank report`: a static HTML report of one published version that opens from disk.

    DIR/index.html        the leaderboard of the top N works (sortable; filterable by year, type
                          and tier, with plain inline JS; a FAIR column), the tiers, three plots
                          and the FAIR score's check against DataRank (a table and a plot)
    DIR/works/W….html     one page per work of the leaderboard: what the seed page shows (DataRank,
                          the calibrated FAIR score and checklist, venue and year, the abstract)
    DIR/researchers.html  the leaderboard of the top researchers by researcher score (SPEC §8)
    DIR/researchers/A….html  one page per researcher of it: the ten works that make the score
    DIR/institutions.html, sources.html, countries.html, fields.html  the units' leaderboards
                          (docs/units.md), each unit with its page (datarank.report_units)
    DIR/report.json       what the report is of; it also marks DIR as a report we may replace

No page loads anything from anywhere: CSS, JS and plots (matplotlib, inline SVG) are inside each
page and links between pages are relative, so the folder can be zipped, mailed or served as is.

The data comes from SQL over the version: `sql/report/` aggregates the whole snapshot into
histograms whose size does not depend on it, `outputs.explain_many` fetches the N works and
their citers in three queries, and `researchers.explain_researchers` the researchers and their
works in three more. Python loops only over the N works of the leaderboard (to write
their pages) and over plot bins.
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from datarank import DataRankError, UsageError, __version__
from datarank.db import sql_text
from datarank.lake import Lake
from datarank.outputs import Explanation, explain_many, read_only_connection
from datarank.render import FAIR_CHECKLIST, FAIR_DIMENSIONS, fair_score_label, shorten
from datarank.report_units import unit_leaderboards, write_unit_pages
from datarank.researchers import ResearcherExplanation, explain_researchers
from datarank.sensitivity_table import report_section

#: Bins of the histograms (and of each axis of the DataRank × citations heat map).
PLOT_BINS = 40
#: Works shown as bars in the base-vs-network panel.
SHARE_BARS = 20
#: A paper page shows this much of the abstract, the rest behind "show all".
ABSTRACT_PREVIEW = 600
FAIR_COLOR = "#2f855a"
BASE_COLOR = "#3b6ea8"
NETWORK_COLOR = "#e08a3c"
_MARKER = "report.json"


@dataclass(frozen=True)
class ReportSummary:
    """What `write_report` wrote."""

    output: Path
    version: str
    works_ranked: int
    pages: int
    researcher_pages: int = 0
    researchers_ranked: int = 0
    unit_pages: int = 0


def write_report(
    data_dir: Path,
    output: Path,
    top: int = 100,
    citers: int = 10,
    version: str | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    researchers: int = 100,
    units: int = 100,
) -> ReportSummary:
    """Write the report of a published version (default: the current one) into `output`.

    The folder appears whole or not at all: the report is written beside it under a temporary
    name and switched in with renames; a previous report there is replaced, anything else refused.

    Raises:
        DataRankError: bad `top`/`citers`, nothing published, or `output` is not ours to replace.
    """
    if top < 1:
        raise UsageError("report: --top must be at least 1")
    if citers < 0:
        raise UsageError("report: --citers must not be negative")
    if researchers < 0:
        raise UsageError("report: --researchers must not be negative")
    if units < 0:
        raise UsageError("report: --units must not be negative")
    output = output.expanduser().resolve()
    _refuse_foreign(output)
    with Lake(data_dir).reading(version) as folder:
        manifest = json.loads((folder / "manifest.json").read_text())
        numbers, authors, plots_data = _leaderboard(data_dir, folder, top, researchers, memory_limit, threads)
        explanations = explain_many(folder, numbers, top=citers)
        people = explain_researchers(folder, authors) if authors else []
        boards = unit_leaderboards(folder, units)
    if not explanations:
        raise DataRankError(f"report: version {folder.name} has no works")
    context = _context(manifest, explanations, plots_data)
    context["researchers"] = people
    context["sensitivity"] = report_section(data_dir, folder.name)  # from `datarank sensitivity`, if run
    context["researchers_ranked"] = people[0].researchers_ranked if people else 0
    context["unit_tables"] = list(boards)

    output.parent.mkdir(parents=True, exist_ok=True)
    staged = output.with_name(f".{output.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        (staged / "works").mkdir(parents=True)
        environment = _environment()
        (staged / "index.html").write_text(environment.get_template("index.html.j2").render(**context, root=""))
        page = environment.get_template("work.html.j2")
        for explanation in explanations:
            (staged / "works" / f"{explanation.work['work_id']}.html").write_text(
                page.render(**context, e=explanation, root="../")
            )
        _write_researcher_pages(environment, staged, context, people)
        unit_pages = write_unit_pages(environment, staged, context, boards)
        (staged / _MARKER).write_text(json.dumps({
            "version": folder.name,
            "data_dir": str(Path(data_dir).resolve()),
            "top": top,
            "works_in_report": len(explanations),
            "researchers_in_report": len(people),
            "units_in_report": {table: len(board) for table, board in boards.items()},
            "works_ranked": context["works_ranked"],
            "generated_at": context["generated_at"],
            "package_version": __version__,
        }, indent=2) + "\n")
        _switch_in(staged, output)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return ReportSummary(output, folder.name, context["works_ranked"], len(explanations), len(people),
                         context["researchers_ranked"], unit_pages)


def _write_researcher_pages(
    environment: Any, staged: Path, context: dict[str, Any], people: list[ResearcherExplanation]
) -> None:
    """The researcher leaderboard and one page per researcher on it (none when there are none)."""
    if not people:
        return
    (staged / "researchers").mkdir()
    (staged / "researchers.html").write_text(environment.get_template("researchers.html.j2").render(**context, root=""))
    page = environment.get_template("researcher.html.j2")
    for person in people:
        (staged / "researchers" / f"{person.researcher['author_id']}.html").write_text(
            page.render(**context, r=person, root="../")
        )


# ---------------------------------------------------------------- data
def _views(connection: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in connection.sql("select view_name from duckdb_views() where not internal").fetchall()}


def _leaderboard(
    data_dir: Path, folder: Path, top: int, researchers: int, memory_limit: str | None, threads: int | None
) -> tuple[list[int], list[int], dict[str, pl.DataFrame]]:
    """The work numbers of the top `top` works, the author numbers of the top `researchers`
    researchers, and the plots' aggregates, of one version."""
    connection = read_only_connection(data_dir, folder, memory_limit=memory_limit, threads=threads)
    try:
        if "tier" not in connection.sql("select * from scores limit 0").columns:
            raise DataRankError(
                f"report: version {folder.name} was published before tiers existed; "
                "run `datarank compute` to publish a new version"
            )
        numbers = [row[0] for row in connection.sql(
            "select work_number from scores where rank <= $top order by rank", params={"top": top}
        ).fetchall()]
        # Versions published before researcher scores existed have no researchers view: no pages.
        authors = [row[0] for row in connection.sql(
            "select author_number from researchers where rank <= $top order by rank", params={"top": researchers}
        ).fetchall()] if researchers and "researchers" in _views(connection) else []
        plots_data = {
            name: _query(connection, f"report/{name}", {"bins": PLOT_BINS})
            for name in ("report_tier_counts", "report_datarank_histogram", "report_share_histogram",
                         "report_datarank_vs_citations")
        }
        # versions published before the FAIR score have no validation table
        plots_data["fair_validation"] = (connection.sql("from fair_validation").pl()
                                         if (folder / "fair_validation.parquet").exists() else pl.DataFrame())
        # nor those before the field-normalised standing an agreement with OpenAlex
        agreement = (folder / "openalex_agreement.parquet").exists()
        plots_data["openalex_agreement"] = connection.sql("from openalex_agreement").pl() if agreement else pl.DataFrame()
        plots_data["report_standing_vs_openalex"] = (
            _query(connection, "report/report_standing_vs_openalex", {"bins": PLOT_BINS}) if agreement else pl.DataFrame())
    finally:
        connection.close()
    return numbers, authors, plots_data


def _query(connection: duckdb.DuckDBPyConnection, step: str, params: dict[str, Any]) -> pl.DataFrame:
    text = sql_text(step)
    return connection.sql(text, params={k: v for k, v in params.items() if f"${k}" in text}).pl()


def _context(
    manifest: dict[str, Any], explanations: list[Explanation], data: dict[str, pl.DataFrame]
) -> dict[str, Any]:
    """Everything the templates show, computed once for all pages."""
    first = explanations[0]
    tier_counts = data["report_tier_counts"].sort("tier")
    works_ranked = first.works_ranked
    unranked = tier_counts.filter(pl.col("tier") == "unranked")["works"].sum()
    leaderboard = pl.DataFrame([e.work for e in explanations])
    validation = data["fair_validation"]
    agreement = data["openalex_agreement"]
    return {
        "version": first.version,
        "cap": first.cap,
        "damping": first.damping,
        "tiers": first.tiers,
        "tier_rules": _tier_rules(first.tiers),
        "tier_counts": tier_counts.to_dicts(),
        "works_ranked": works_ranked,
        "unranked": unranked,
        "snapshot": manifest.get("snapshot", {}).get("uri"),
        "explanations": explanations,
        "pages": {e.work["work_id"] for e in explanations},
        "years": sorted({e.work["publication_year"] for e in explanations if e.work["publication_year"] is not None}),
        "types": sorted({e.work["type"] for e in explanations if e.work["type"] is not None}),
        "has_unknown_year": any(e.work["publication_year"] is None for e in explanations),
        "has_unknown_type": any(e.work["type"] is None for e in explanations),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "has_fair": "fair_score" in first.work,
        "fair": {**first.fair, "version": first.fair.get("version") or "fair_v1"},
        "fair_dimensions": FAIR_DIMENSIONS,
        "fair_checklist": FAIR_CHECKLIST,
        "validation": validation.to_dicts(),
        "abstract_chars": ABSTRACT_PREVIEW,
        "agreement": agreement.to_dicts(),
        "plots": {
            "openalex": (_plot_openalex(data["report_standing_vs_openalex"], agreement)
                         if data["report_standing_vs_openalex"].height else None),
            "validation": _plot_validation(validation) if validation.height else None,
            "distribution": _plot_distribution(data["report_datarank_histogram"], tier_counts, unranked),
            "shares": _plot_shares(data["report_share_histogram"], leaderboard),
            "citations": _plot_citations(data["report_datarank_vs_citations"], leaderboard, first.damping),
        },
    }


def _tier_rules(cutoffs: list[float]) -> dict[str, str]:
    rules = {f"S{n}": f"top {cut:g}%: percentile ≥ {100 - cut:g}" for n, cut in enumerate(cutoffs, start=1)}
    rules[f"S{len(cutoffs) + 1}"] = f"the rest: percentile < {100 - cutoffs[-1]:g}"
    rules["unranked"] = "DataRank 0: no citations, no network signal"
    return rules


# ---------------------------------------------------------------- plots
def _svg(figure: Any, salt: str) -> str:
    """A matplotlib figure as an inline `<svg>` element: text kept as text, no date, ids salted
    per plot so several plots can share a page."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", dpi=110)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _integer_ticks() -> Any:
    """Tick labels as plain counts (1, 10, 100) rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{value:,.0f}")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure


def _plot_distribution(histogram: pl.DataFrame, tier_counts: pl.DataFrame, unranked: int) -> str:
    figure = _figure(6.4, 3.6)
    axes = figure.subplots()
    histogram = histogram.sort("bin")
    ranked = int(histogram["works"].sum())
    axes.bar(
        histogram["bin_start"].to_numpy(), histogram["works"].to_numpy(),
        width=(histogram["bin_end"] - histogram["bin_start"]).to_numpy(), align="edge",
        color=BASE_COLOR, edgecolor="white", linewidth=0.4,
    )
    if ranked:
        axes.set_yscale("log")
        axes.yaxis.set_major_formatter(_integer_ticks())
    for row in tier_counts.filter(pl.col("tier").is_in(["S1", "S2", "S3", "S4"])).to_dicts():
        axes.axvline(row["min_datarank"], color="#888", linestyle="--", linewidth=0.8)
        axes.annotate(row["tier"], (row["min_datarank"], 1), xycoords=("data", "axes fraction"),
                      xytext=(2, -10), textcoords="offset points", fontsize=8, color="#555")
    axes.set_xlabel("DataRank")
    axes.set_ylabel("works (log scale)")
    axes.set_title(f"{ranked:,} works with DataRank > 0 ({unranked:,} unranked at 0 not shown);"
                   " dashed: where each tier starts", fontsize=9, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure, "distribution")


def _plot_shares(histogram: pl.DataFrame, leaderboard: pl.DataFrame) -> str:
    figure = _figure(6.4, 4.2)
    left, right = figure.subplots(1, 2, width_ratios=[1, 1.2])
    histogram = histogram.sort("bin")
    left.bar(
        histogram["bin_start"].to_numpy(), histogram["works"].to_numpy(),
        width=(histogram["bin_end"] - histogram["bin_start"]).to_numpy(), align="edge",
        color=NETWORK_COLOR, edgecolor="white", linewidth=0.4,
    )
    left.set_xlim(0, 1)
    if histogram.height:
        left.set_yscale("log")
        left.yaxis.set_major_formatter(_integer_ticks())
    left.set_xlabel("network share of DataRank\n(0 = all from base citations)")
    left.set_ylabel("works with DataRank > 0 (log scale)")
    left.set_title("All works", fontsize=9, loc="left")
    left.spines[["top", "right"]].set_visible(False)

    top = leaderboard.head(SHARE_BARS).reverse()
    positions = np.arange(top.height)
    right.barh(positions, top["base_contribution"].to_numpy(), color=BASE_COLOR, label="base")
    right.barh(positions, top["network_contribution"].to_numpy(), left=top["base_contribution"].to_numpy(),
               color=NETWORK_COLOR, label="network")
    right.set_yticks(positions, [f"{w} #{r}" for w, r in zip(top["work_id"], top["rank"], strict=True)], fontsize=7)
    right.set_xlabel("DataRank = base + network contribution")
    right.set_title(f"Top {top.height} of the leaderboard", fontsize=9, loc="left")
    right.legend(fontsize=8, frameon=False, loc="lower right")
    right.spines[["top", "right"]].set_visible(False)
    return _svg(figure, "shares")


def _plot_citations(grid: pl.DataFrame, leaderboard: pl.DataFrame, damping: float) -> str:
    from matplotlib.colors import LogNorm

    figure = _figure(6.4, 4.2)
    axes = figure.subplots()
    max_x = float(grid["max_x"][0]) or 1.0
    max_y = float(grid["max_y"][0]) or 1.0
    counts = np.full((PLOT_BINS, PLOT_BINS), np.nan)
    counts[grid["y_bin"].to_numpy(), grid["x_bin"].to_numpy()] = grid["works"].to_numpy()
    mesh = axes.pcolormesh(
        np.linspace(0, max_x, PLOT_BINS + 1), np.linspace(0, max_y, PLOT_BINS + 1), counts,
        cmap="Blues", norm=LogNorm(vmin=1, vmax=max(float(np.nanmax(counts)), 2.0)), rasterized=True,
    )
    figure.colorbar(mesh, ax=axes, label="works in cell", format=_integer_ticks())
    xs = np.linspace(0, max_x, 50)
    axes.plot(xs, (1 - damping) * np.log(10) * xs, color="#555", linewidth=0.9, linestyle="--",
              label=f"base only: {1 - damping:.2f} · ln(1 + C)")
    axes.scatter(np.log10(1 + leaderboard["cited_by_count"].to_numpy()), leaderboard["datarank"].to_numpy(),
                 s=10, color=NETWORK_COLOR, edgecolor="black", linewidth=0.3, label="works of the leaderboard", zorder=3)
    ticks = [c for c in [0, *(10**k for k in range(1, int(max_x) + 2))] if np.log10(1 + c) <= max_x * 1.02]
    axes.set_xticks(np.log10(1 + np.array(ticks)), [f"{c:,}" for c in ticks])
    axes.set_xlim(0, max_x * 1.03)
    axes.set_ylim(0, max_y * 1.05)
    axes.set_xlabel("cited_by_count (log scale of 1 + C)")
    axes.set_ylabel("DataRank")
    axes.set_title("above the dashed line: the citation network's part", fontsize=9, loc="left")
    axes.legend(fontsize=8, frameon=False, loc="upper left")
    return _svg(figure, "citations")


def _plot_validation(validation: pl.DataFrame) -> str:
    """The FAIR score's check: Spearman ρ with DataRank's year × type percentile, per cohort (bars
    grouped by variant: fair_v1 whole, then each dimension left out)."""
    figure = _figure(6.4, 3.4)
    axes = figure.subplots()
    variants = ["none", "findable", "accessible", "interoperable", "reusable"]
    labels = ["fair_v1", "without F", "without A", "without I", "without R"]
    cohorts = [c for c in ("all", "open access", "closed") if c in set(validation["cohort"].to_list())]
    colors = {"all": FAIR_COLOR, "open access": BASE_COLOR, "closed": NETWORK_COLOR}
    width = 0.8 / max(len(cohorts), 1)
    rho = {(row["cohort"], row["left_out"]): row for row in validation.to_dicts()}
    for index, cohort in enumerate(cohorts):
        values = [(rho.get((cohort, v)) or {}).get("spearman") for v in variants]
        works = (rho.get((cohort, "none")) or {}).get("works", 0)
        axes.bar(np.arange(len(variants)) + (index - (len(cohorts) - 1) / 2) * width,
                 [np.nan if v is None else v for v in values], width=width, color=colors[cohort],
                 label=f"{cohort} ({works:,} works)")
    axes.axhline(0, color="#555", linewidth=0.8)
    axes.set_xticks(np.arange(len(variants)), labels, fontsize=8)
    axes.set_ylim(-1, 1)
    axes.set_ylabel("Spearman ρ")
    axes.set_title("FAIR score against DataRank's year × type percentile, recent articles and reviews",
                   fontsize=9, loc="left")
    axes.legend(fontsize=8, frameon=False, loc="best")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure, "validation")


def _plot_openalex(grid: pl.DataFrame, agreement: pl.DataFrame) -> str:
    """DataRank's subfield × year percentile against OpenAlex's normalised percentile: a heat map of
    every work with both, as the DataRank × citations one (the diagonal: where the two agree)."""
    from matplotlib.colors import LogNorm

    figure = _figure(6.4, 4.2)
    axes = figure.subplots()
    counts = np.full((PLOT_BINS, PLOT_BINS), np.nan)
    counts[grid["y_bin"].to_numpy(), grid["x_bin"].to_numpy()] = grid["works"].to_numpy()
    edges = np.linspace(0, 1, PLOT_BINS + 1)
    mesh = axes.pcolormesh(100 * edges, edges, counts, cmap="Blues",
                           norm=LogNorm(vmin=1, vmax=max(float(np.nanmax(counts)), 2.0)), rasterized=True)
    figure.colorbar(mesh, ax=axes, label="works in cell", format=_integer_ticks())
    axes.plot([0, 100], [0, 1], color="#555", linewidth=0.9, linestyle="--", label="where the two agree")
    overall = next((row for row in agreement.to_dicts() if row["field_id"] is None), None)
    rho = f"Spearman ρ {overall['spearman']:+.2f} over {overall['works']:,} works" if overall and overall[
        "spearman"] is not None else "too few works for a Spearman ρ"
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 1)
    axes.set_xlabel("DataRank's percentile within subfield × year (0–100)")
    axes.set_ylabel("OpenAlex's normalised citation percentile (0–1)")
    axes.set_title(f"{rho}; below the diagonal: DataRank ranks higher", fontsize=9, loc="left")
    axes.legend(fontsize=8, frameon=False, loc="upper left")
    return _svg(figure, "openalex")


# ---------------------------------------------------------------- HTML and files
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("datarank", "templates/report"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["fixed"] = lambda value, digits=1: "–" if value is None else f"{value:.{digits}f}"
    environment.filters["count"] = lambda value: "–" if value is None else f"{value:,}"
    environment.filters["share"] = lambda value: "–" if value is None else f"{100 * value:.0f}%"
    environment.filters["yesno"] = lambda value: "unknown" if value is None else ("yes" if value else "no")
    environment.filters["tier_class"] = lambda tier: "tier-" + (tier or "unranked").lower()
    environment.filters["tier_number"] = lambda tier: int(tier[1:]) if tier and tier.startswith("S") else 99
    environment.filters["fair"] = fair_score_label
    environment.filters["rho"] = lambda value: "–" if value is None else f"{value:+.2f}"
    environment.filters["shorten"] = lambda text, limit: text if len(text) <= limit else shorten(text, limit)
    return environment


def _refuse_foreign(output: Path) -> None:
    """Only a new folder, an empty one or an earlier report may be (re)written."""
    if output.exists() and not output.is_dir():
        raise DataRankError(f"report: {output} is a file; give a folder for --output")
    if output.is_dir() and any(output.iterdir()) and not (output / _MARKER).exists():
        raise DataRankError(
            f"report: {output} holds files that are not a DataRank report; give a new or empty folder"
        )


def _switch_in(staged: Path, output: Path) -> None:
    """Replace `output` with `staged` by renames, so readers see the old report or the new one."""
    if not output.exists():
        staged.replace(output)
        return
    old = output.with_name(f".{output.name}.old-{uuid.uuid4().hex[:8]}")
    output.replace(old)
    try:
        staged.replace(output)
    except OSError:
        old.replace(output)
        raise
    shutil.rmtree(old, ignore_errors=True)
