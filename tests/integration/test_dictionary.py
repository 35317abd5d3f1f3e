"""The data dictionary covers what is published: every view and column of the catalog is in it with
its type and has a comment, docs/tables.md is its current rendering, and `datarank describe` shows
it (as datasette's tests/test_docs.py does for its settings)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from datarank.cli import main
from datarank.describe import describe
from datarank.dictionary import VIEWS
from datarank.lake import VERSION_TABLES

ROOT = Path(__file__).resolve().parents[2]


def _catalog(published_sample: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(published_sample / "datarank.duckdb"), read_only=True)


def test_every_published_column_is_in_the_dictionary_with_its_type(published_sample: Path) -> None:
    with _catalog(published_sample) as catalog:
        views = sorted(row[0] for row in catalog.sql("select view_name from duckdb_views() where not internal and schema_name = 'main'").fetchall())
        assert views == sorted(entry.name for entry in VIEWS), "a published view is missing from datarank/dictionary.py, or gone"
        for entry in VIEWS:
            published = [(row[0], row[1]) for row in catalog.sql(f"describe {entry.name}").fetchall()]
            documented = [(column.name, column.type) for column in entry.columns]
            undocumented = [column for column in published if column not in documented]
            stale = [column for column in documented if column not in published]
            assert documented == published, (
                f"{entry.name}: not in datarank/dictionary.py (name, type): {undocumented}; described there but "
                f"not published: {stale}; describe every published column there (name, type, meaning, unit, rule), "
                "in the view's order"
            )


def test_every_view_and_column_of_the_catalog_has_a_comment(published_sample: Path) -> None:
    with _catalog(published_sample) as catalog:
        views = catalog.sql("select view_name, comment from duckdb_views() where not internal and schema_name = 'main'").fetchall()
        columns = catalog.sql(
            "select table_name, column_name, comment from duckdb_columns() where not internal and schema_name = 'main'"
        ).fetchall()
    assert len(views) == len(VERSION_TABLES) + 1  # and runs
    assert [name for name, comment in views if not comment] == []
    # 26 + 6 + 12 + 2 + 2 + 8 + 4 + 46 columns, counted in `describe` of each view
    # 106 of DataRank's views, 12 more in scores, 4 more in runs, 22 + 2 + 6 in the three FAIR views,
    # 20 + 7 + 4 in work_context, work_institutions and work_countries, 2 in dois, 12 more in scores and 4 in
    # openalex_agreement (the field standing), 4 × 12 in the units' tables
    assert len(columns) == 249
    assert [(view, column) for view, column, comment in columns if not comment] == []
    comments = {(view, column): comment for view, column, comment in columns}
    assert comments[("scores", "datarank")] == (
        "DataRank, the score works are ranked by [DataRank points]. "
        "Rule: (1 − d) · B(p) + d · N(p), d = damping, default 0.85 (docs/metric.md)."
    )
    assert comments[("scores", "base_share")].startswith("the share of DataRank from the base score; null where DataRank is 0")


def test_docs_tables_md_is_the_dictionary() -> None:
    written = (ROOT / "docs" / "tables.md").read_text()
    assert written == describe(fmt="markdown") + "\n", (
        "docs/tables.md is stale: regenerate it with `datarank describe --format markdown > docs/tables.md`"
    )
    readme = (ROOT / "README.md").read_text()
    for entry in VIEWS:
        assert f"| `{entry.name}` |" in readme, f"README's table of views lacks {entry.name}"
    assert "docs/tables.md" in readme


def test_describe_scores_shows_each_column_with_its_type_unit_and_rule(published_sample: Path) -> None:
    result = CliRunner().invoke(main, ["describe", "scores"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "scores: one row per work of the snapshot: the ranked table, best first by rank"
    # 26 columns of DataRank, the standing and the tier, and 12 of fair_v1 (7 scores, 5 checklist flags beside has_doi, is_oa)
    assert lines[1] == "made by sql/out/out_datarank__scores.sql · 50 columns"
    with _catalog(published_sample) as catalog:
        published = catalog.sql("describe scores").fetchall()
    headers = [line for line in lines[3:] if not line.startswith(" ")]
    assert [header.split()[:2] for header in headers] == [[name, kind] for name, kind, *_ in published]
    text = "\n".join(lines)
    assert "datarank                        DOUBLE  [DataRank points]\n    DataRank, the score works are ranked by\n" in text
    assert "    rule: (1 − d) · B(p) + d · N(p), d = damping, default 0.85 (docs/metric.md)" in text
    assert "percentile                      DOUBLE  [percent (0–100)]" in text


def test_describe_lists_the_views_and_refuses_an_unknown_one() -> None:
    result = CliRunner().invoke(main, ["describe"])
    assert result.exit_code == 0
    assert [line.split()[:2] for line in result.output.splitlines()[1:21]] == [
        ["scores", "50"], ["researchers", "6"], ["works", "12"], ["citations", "2"], ["authorships", "2"],
        ["citers", "8"], ["quarantine", "4"], ["fair_signals", "22"], ["abstracts", "2"], ["fair_validation", "6"],
        ["openalex_agreement", "4"], ["work_context", "20"], ["work_institutions", "7"], ["work_countries", "4"],
        ["dois", "2"], ["institutions", "12"], ["sources", "12"], ["countries", "12"], ["fields", "12"], ["runs", "50"],
    ]
    result = CliRunner().invoke(main, ["describe", "nope"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "datarank: error: no view 'nope'; the views are scores, researchers, works, citations, authorships, citers, quarantine, fair_signals, abstracts, fair_validation, openalex_agreement, work_context, work_institutions, work_countries, dois, institutions, sources, countries, fields, runs"  # noqa: E501
    )


@pytest.mark.parametrize("view", ["citations", "runs"])
def test_describe_json_is_the_dictionary(view: str) -> None:
    result = CliRunner().invoke(main, ["describe", view, "--format", "json"])
    assert result.exit_code == 0
    found = json.loads(result.output)
    assert found["name"] == view
    assert all(set(column) == {"name", "type", "meaning", "unit", "rule"} for column in found["columns"])
    if view == "citations":
        assert [column["name"] for column in found["columns"]] == ["citing_id", "cited_id"]
