"""What changed between two DataRank versions: entered and left the top N, movers, new works.

The comparison is the SQL in `sql/diff/`: `diff_datarank__works` joins the two ranked tables once
(one row per work of either version); each section is one file reading that join. `compare` works
on any two folders holding a `scores.parquet` (the publish stage uses it on the staged version
before it is switched in); `diff` resolves published version names for `datarank diff`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from datarank import DataRankError, UsageError
from datarank.db import connect, create_table, parquet_view, sql_text
from datarank.lake import Lake
from datarank.settings import Settings

#: Section name → the SQL file that lists it, in the order they are shown.
SECTIONS = {
    "entered_top": "diff/diff_datarank__entered_top",
    "left_top": "diff/diff_datarank__left_top",
    "rank_movers": "diff/diff_datarank__rank_movers",
    "score_changes": "diff/diff_datarank__score_changes",
    "new_works": "diff/diff_datarank__new_works",
    "removed_works": "diff/diff_datarank__removed_works",
}


@dataclass(frozen=True)
class VersionDiff:
    """Two versions compared: counts, and up to `rows` works per section."""

    from_version: str
    to_version: str
    top: int
    rows: int
    summary: dict[str, int]
    sections: dict[str, pl.DataFrame]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "top": self.top,
            "rows": self.rows,
            "summary": self.summary,
            **{name: frame.to_dicts() for name, frame in self.sections.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


def compare(
    settings: Settings,
    from_dir: Path,
    to_dir: Path,
    top: int = 100,
    rows: int = 10,
    sections: tuple[str, ...] = tuple(SECTIONS),
    names: tuple[str, str] | None = None,
) -> VersionDiff:
    """Compare the ranked tables (`scores.parquet`) in two folders.

    Args:
        settings: DuckDB limits and spill folder.
        from_dir: The older version's folder.
        to_dir: The newer version's folder (or a staged one).
        top: The size of the leaderboard whose entries and exits are listed.
        rows: At most this many works per section.
        sections: Which sections to list (see `SECTIONS`); the summary is always computed.
        names: How to call the two versions (default: the folder names).
    """
    if top < 1 or rows < 0:
        raise UsageError("diff: --top must be at least 1 and --rows at least 0")
    connection = connect(settings)
    try:
        for view, folder in (("diff_from__scores", from_dir), ("diff_to__scores", to_dir)):
            path = folder / "scores.parquet"
            parquet_view(connection, view, path)
        create_table(connection, "diff/diff_datarank__works")
        summary_frame = _select(connection, "diff/diff_datarank__summary", {"top": top})
        summary = {key: int(value or 0) for key, value in summary_frame.to_dicts()[0].items()}
        listed = {name: _select(connection, SECTIONS[name], {"top": top, "rows": rows}) for name in sections}
    finally:
        connection.close()
    from_name, to_name = names or (from_dir.name, to_dir.name)
    return VersionDiff(from_name, to_name, top, rows, summary, listed)


def diff(
    settings: Settings, from_version: str | None = None, to_version: str | None = None, top: int = 100, rows: int = 10
) -> VersionDiff:
    """Compare two published versions; by default the current one and the one before it.

    Raises:
        DataRankError: a version is not published, or there is no earlier version to compare with.
    """
    lake = Lake(settings.data_dir)
    with lake.reading(to_version) as to_dir:  # both held against `datarank prune` while compared
        if from_version is None:
            earlier = [v for v in lake.versions() if v < to_dir.name]
            if not earlier:
                raise DataRankError(f"diff: {to_dir.name} is the first published version; there is nothing before it")
            from_version = earlier[-1]
        with lake.reading(from_version) as from_dir:
            return compare(settings, from_dir, to_dir, top=top, rows=rows)


def _select(connection: duckdb.DuckDBPyConnection, step: str, params: dict[str, Any]) -> pl.DataFrame:
    """The rows of one `sql/<step>.sql` SELECT, with only the parameters it names."""
    text = sql_text(step)
    used = {key: value for key, value in params.items() if f"${key}" in text}
    # A few rows: built from Python values, not through Arrow (whose import, with numpy's, costs
    # ~0.25 s of every run that compares with a previous version).
    cursor = connection.execute(text, used)
    columns = [description[0] for description in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row")


def render_diff(result: VersionDiff) -> str:
    """`datarank diff` as text: counts first, then one small table per section."""
    s = result.summary
    lines = [
        f"datarank diff {result.from_version} → {result.to_version}",
        f"works    {s['works_from']:,} → {s['works_to']:,}: {s['new_works']:,} new, {s['removed_works']:,} removed, "
        f"{s['works_in_both']:,} in both ({s['rank_changed']:,} changed rank, {s['score_changed']:,} changed score)",
        f"top {result.top:<4} {s['entered_top']:,} entered, {s['left_top']:,} left",
    ]
    titles = {
        "entered_top": f"Entered the top {result.top}",
        "left_top": f"Left the top {result.top}",
        "rank_movers": "Largest rank changes",
        "score_changes": "Largest DataRank changes",
        "new_works": "New works",
        "removed_works": "Removed works",
    }
    totals = {
        "entered_top": s["entered_top"], "left_top": s["left_top"], "rank_movers": s["rank_changed"],
        "score_changes": s["score_changed"], "new_works": s["new_works"], "removed_works": s["removed_works"],
    }
    for name, frame in result.sections.items():
        shown = f" ({frame.height} of {totals[name]:,})" if frame.height < totals[name] else ""
        lines += ["", f"{titles[name]}{shown}"]
        if frame.is_empty():
            lines.append("  none")
            continue
        lines.append(f"  {'work':<13} {'rank':>17} {'change':>8} {'DataRank':>19} {'change':>8}  title")
        for row in frame.iter_rows(named=True):
            lines.append(
                f"  {row['work_id']:<13} {_pair(row['rank_from'], row['rank_to'], '{:,}'):>17} "
                f"{_signed(row['rank_gain'], '{:+,}'):>8} "
                f"{_pair(row['datarank_from'], row['datarank_to'], '{:.4f}'):>19} "
                f"{_signed(row['datarank_change'], '{:+.4f}'):>8}  {(row['title'] or '')[:60]}"
            )
    return "\n".join(lines)


def _pair(before: Any, after: Any, fmt: str) -> str:
    show = lambda value: "—" if value is None else fmt.format(value)  # noqa: E731
    return f"{show(before)} → {show(after)}"


def _signed(value: Any, fmt: str) -> str:
    return "" if value is None else fmt.format(value)
