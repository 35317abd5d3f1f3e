"""The report's units (docs/units.md): a leaderboard each of institutions, sources, countries and
fields, and one page per unit on it with its figures and its ten best works.

    DIR/institutions.html, DIR/sources.html, DIR/countries.html, DIR/fields.html
    DIR/institutions/I….html, DIR/sources/S….html, DIR/countries/US.html, DIR/fields/17.html

The data comes from `datarank.units.explain_units`: three queries per kind of unit whatever the
number of pages. It reads the published layout only; `datarank.report` writes the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from datarank.db import literal
from datarank.settings import UNIT_TABLES
from datarank.units import UnitExplanation, explain_units, kind

#: What each leaderboard is called on the page.
TITLES = {"institutions": "Institutions", "sources": "Sources", "countries": "Countries", "fields": "Fields"}


def unit_leaderboards(folder: Path, top: int) -> dict[str, list[UnitExplanation]]:
    """The top `top` units of each kind of one version (`folder`), explained, in rank order; kinds
    the version has no table of (published by an older release) or no row in are left out."""
    if top < 1:
        return {}
    boards: dict[str, list[UnitExplanation]] = {}
    connection = duckdb.connect()
    try:
        for table in UNIT_TABLES:
            path = folder / f"{table}.parquet"
            if not path.exists():
                continue
            keys = [row[0] for row in connection.sql(
                f"select {kind(table).id_column} from read_parquet({literal(str(path))}) where rank <= $top order by rank",
                params={"top": top},
            ).fetchall()]
            if keys:
                boards[table] = explain_units(folder, table, keys)
    finally:
        connection.close()
    return boards


def page_name(unit: UnitExplanation) -> str:
    """A unit's page, under its kind's folder: its published id (I…, S…, the code, the field's number)."""
    return f"{unit.unit[kind(unit.table).id_column]}.html"


def write_unit_pages(environment: Any, staged: Path, context: dict[str, Any], boards: dict[str, list[UnitExplanation]]) -> int:
    """Each leaderboard and a page per unit on it; returns how many unit pages were written."""
    pages = 0
    board = environment.get_template("units.html.j2")
    page = environment.get_template("unit.html.j2")
    for table, units in boards.items():
        (staged / table).mkdir()
        names = {"id": kind(table).id_column, "name": _name_column(table), "whole": table in ("sources", "fields")}
        (staged / f"{table}.html").write_text(
            board.render(**context, table=table, title=TITLES[table], units=units, columns=names, page_name=page_name, root="")
        )
        for unit in units:
            (staged / table / page_name(unit)).write_text(
                page.render(**context, table=table, title=TITLES[table], u=unit, columns=names, root="../")
            )
            pages += 1
    return pages


def _name_column(table: str) -> str:
    return {"institutions": "institution_name", "sources": "source_name", "countries": "country_name",
            "fields": "field_name"}[table]
