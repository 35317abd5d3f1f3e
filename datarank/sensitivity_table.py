"""The sensitivity table (`datarank sensitivity`, docs/sensitivity.md) as people read it: the
terminal table, CSV and JSON, and the rows the report shows. Reads `<data_dir>/sensitivity.json`;
computes nothing (`datarank.sensitivity` makes the file)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

#: Where the last comparison is kept, in the data dir (with the version it compared against).
SENSITIVITY_FILE = "sensitivity.json"
#: The leaderboard sizes whose overlap is reported.
TOPS = (100, 1000)
#: The columns of the table, in order: (key in a row, heading).
COLUMNS = (
    ("cap", "cap"),
    ("damping", "damping"),
    ("spearman", "Spearman ρ"),
    ("kendall_tau_b", "Kendall τ-b"),
    (f"top_{TOPS[0]}_overlap", f"top {TOPS[0]:,} overlap"),
    (f"top_{TOPS[1]}_overlap", f"top {TOPS[1]:,} overlap"),
    ("tier_changed", "tier changed"),
    ("score_seconds", "score s"),
)


def load(data_dir: Path, version: str | None = None) -> dict[str, Any] | None:
    """The last comparison in `data_dir`, or None if there is none (or, given `version`, if it
    compared another version)."""
    try:
        result = json.loads((Path(data_dir) / SENSITIVITY_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(result, dict) or (version is not None and result.get("version") != version):
        return None
    return result


def cells(row: dict[str, Any]) -> list[str]:
    """One row's figures as shown: correlations to 4 places, shares as percentages."""
    shown = []
    for key, _ in COLUMNS:
        value = row.get(key)
        if value is None:
            shown.append("–")
        elif key == "cap":
            shown.append(f"{value}{' *' if row.get('published') else ''}")
        elif key == "damping":
            shown.append(f"{value:.2f}")
        elif key in ("spearman", "kendall_tau_b"):
            shown.append(f"{value:.4f}")
        elif key == "score_seconds":
            shown.append(f"{value:.1f}")
        else:
            shown.append(f"{100 * value:.1f}%")
    return shown


def headings() -> list[str]:
    return [heading for _, heading in COLUMNS]


def caption(result: dict[str, Any]) -> str:
    published = result["published"]
    return (f"{result['works']:,} works of {result['version']} (cap {published['cap']}, damping "
            f"{published['damping']:.2f}, marked *) against each setting scored from the same core tables, "
            f"{result['grid']}")


def render(result: dict[str, Any], fmt: str = "table") -> str:
    """The comparison as a terminal table, CSV (one row per setting, every figure) or JSON (the file's contents)."""
    if fmt == "json":
        return json.dumps(result, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        fields = list(result["settings"][0]) if result["settings"] else [key for key, _ in COLUMNS]
        writer = csv.DictWriter(buffer, fieldnames=["version", *fields], lineterminator="\n")
        writer.writeheader()
        for row in result["settings"]:
            writer.writerow({"version": result["version"], **row})
        return buffer.getvalue()
    table = [headings(), *(cells(row) for row in result["settings"])]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)) for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return caption(result) + "\n" + "\n".join(lines) + "\n"


def report_section(data_dir: Path, version: str) -> dict[str, Any] | None:
    """What the report's sensitivity section shows: the table of the last `datarank sensitivity`
    run against `version`, or None when there is none for that version."""
    result = load(data_dir, version)
    if result is None or not result.get("settings"):
        return None
    return {
        "caption": caption(result),
        "headings": headings(),
        "rows": [{"cells": cells(row), "published": bool(row.get("published"))} for row in result["settings"]],
        "computed_at": result.get("computed_at"),
    }
