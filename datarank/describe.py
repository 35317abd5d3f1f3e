"""`datarank describe`: the data dictionary (datarank.dictionary) for people, as a terminal listing,
as Markdown (docs/tables.md is this output, checked by tests/integration/test_dictionary.py), or as
JSON."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict

from datarank.dictionary import VIEWS, View, view

_WIDTH = 100
_INDENT = "    "


def describe(name: str | None = None, fmt: str = "table") -> str:
    """The dictionary of one view (`name`), or of every view, in `fmt` (table, markdown or json)."""
    views = [view(name)] if name else list(VIEWS)
    if fmt == "json":
        found = [asdict(entry) for entry in views]
        return json.dumps(found[0] if name else found, indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return markdown(views)
    return render_view(views[0]) if name else render_views(views)


def render_views(views: list[View]) -> str:
    """One line per view: its name, how many columns, its grain."""
    width = max(len(entry.name) for entry in views)
    lines = [f"{'view':<{width}}  columns  grain"]
    lines += [f"{entry.name:<{width}}  {len(entry.columns):>7}  {entry.grain}" for entry in views]
    lines.append("")
    lines.append("datarank describe VIEW lists a view's columns: type, unit, meaning and the rule that makes each.")
    return "\n".join(lines)


def render_view(entry: View) -> str:
    """A view's grain, then each column: name, type and unit on one line, meaning and rule below."""
    lines = [f"{entry.name}: {entry.grain}", f"made by {entry.made_by} · {len(entry.columns)} columns", ""]
    width = max(len(column.name) for column in entry.columns)
    for column in entry.columns:
        unit = f"  [{column.unit}]" if column.unit else ""
        lines.append(f"{column.name:<{width}}  {column.type}{unit}")
        lines += textwrap.wrap(column.meaning, _WIDTH, initial_indent=_INDENT, subsequent_indent=_INDENT)
        if column.rule:
            lines += textwrap.wrap(f"rule: {column.rule}", _WIDTH, initial_indent=_INDENT, subsequent_indent=_INDENT + "  ")
    return "\n".join(lines)


def markdown(views: list[View]) -> str:
    """docs/tables.md: a section per view with its columns as a table."""
    lines = [
        "# The published tables",
        "",
        "Every view of the catalog (`datarank.duckdb`, `datarank query`, `datarank.open()`) and every",
        "column, as `datarank describe --format markdown` prints them from the one data dictionary",
        "(`datarank/dictionary.py`); a test fails when a published column is missing here. The same",
        "text is in the catalog as comments (`select column_name, comment from duckdb_columns() where",
        "table_name = 'scores'`) and in every export's column descriptions. Formulas use the letters",
        "of [metric.md](metric.md): C(p) citations, B(p) base score, N(p) network score, d damping.",
        "",
    ]
    for entry in views:
        lines += [f"## `{entry.name}`", "", f"{_cell(entry.grain)}. Made by `{entry.made_by}`.", ""]
        lines += ["| column | type | unit | meaning | rule |", "|---|---|---|---|---|"]
        for column in entry.columns:
            lines.append(
                f"| `{column.name}` | `{column.type}` | {_cell(column.unit)} | {_cell(column.meaning)} | {_cell(column.rule)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
