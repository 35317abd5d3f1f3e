"""What the data dictionary (datarank.dictionary) is made of: a view and its columns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a published view.

    Attributes:
        name: As the view names it.
        type: The DuckDB type the view shows (`DESCRIBE <view>`).
        meaning: What one value says, for a reader of an export.
        unit: What it counts or measures in ("" where it is an id, a flag or text).
        rule: Which rule makes it: the formula or definition, and where it is documented.
    """

    name: str
    type: str
    meaning: str
    unit: str = ""
    rule: str = ""


@dataclass(frozen=True)
class View:
    """One view of the catalog (`datarank.duckdb`, `datarank query`, `datarank.open()`)."""

    name: str
    grain: str
    made_by: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)
