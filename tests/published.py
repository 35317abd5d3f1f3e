"""Run the real pipeline on a snapshot written by a test, and read back what it published.

`tests/` holds no `__init__.py`, so pytest puts this folder on `sys.path`: tests import the helpers
beside it as `published` and `oracle`, and the snapshot factory as `tests.factory` (the repository
root is on `sys.path` too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl


@dataclass
class Published:
    """What one `datarank.pipeline.run` left in `<data_dir>/current`."""

    state: Any  # datarank.pipeline.RunState
    current: Path
    scores: pl.DataFrame
    quarantine: pl.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        return self.state.ingest_summary["counts"]

    def row(self, work_id: str) -> dict[str, Any]:
        """The scores row of one work, as a dict; fails if the work is not there exactly once."""
        rows = self.scores.filter(pl.col("work_id") == work_id).to_dicts()
        assert len(rows) == 1, f"{work_id}: {len(rows)} rows in scores.parquet"
        return rows[0]


def run_pipeline(snapshot: Path, data_dir: Path, cap: int = 200, damping: float = 0.85) -> Published:
    """One full run (ingest → score → check → publish) of the code under test."""
    from datarank.pipeline import run
    from datarank.settings import Settings

    state = run(Settings(snapshot=str(snapshot), data_dir=data_dir, cap=cap, damping=damping))
    return read_published(state, data_dir)


def read_published(state: Any, data_dir: Path) -> Published:
    """What a run into `data_dir` published (its `current` version)."""
    current = data_dir / "current"
    return Published(
        state=state,
        current=current,
        scores=pl.read_parquet(current / "scores.parquet"),
        quarantine=pl.read_parquet(current / "quarantine.parquet"),
    )


def assert_same_table(left: pl.DataFrame, right: pl.DataFrame, what: object = "") -> None:
    """Two published tables are the same: every column exactly, floats to a relative 1e-9 (DuckDB's
    parallel sums add the citers' signals in a different order from one run to the next)."""
    from polars.testing import assert_frame_equal

    try:
        assert_frame_equal(left, right, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)
    except AssertionError as error:
        raise AssertionError(f"{what}: {error}") from None


#: The columns of a core's fair_signals.parquet (sql/core/core_openalex__fair_signals.sql).
FAIR_SIGNALS_SCHEMA = {
    "work_id": pl.Int64, "paratext": pl.Boolean, "is_dataset": pl.Boolean, "research_article": pl.Boolean,
    "has_doi": pl.Boolean, "has_pubmed_id": pl.Boolean, "indexed_in": pl.Int16, "datacite_registered": pl.Boolean,
    "in_repository": pl.Boolean, "any_orcid": pl.Boolean, "all_orcid": pl.Boolean, "any_ror": pl.Boolean,
    "is_oa": pl.Boolean, "repository_fulltext": pl.Boolean, "oa_pdf": pl.Boolean, "oa_version": pl.Boolean,
    "has_mesh": pl.Boolean, "has_funding": pl.Boolean, "has_corresponding": pl.Boolean, "licence": pl.Int8,
    "versions": pl.Int8, "venue": pl.String,
}


def write_fair_signals(core: Path, rows: list[dict[str, Any]]) -> None:
    """A core's fair_signals.parquet for tests that build core tables by hand: one row per given
    work (`{"work_id": …}` and any signals; the rest false, 0 or null); and, for the same works, the
    core's work context (`write_work_context`: nothing known)."""
    defaults = {name: (False if kind == pl.Boolean else 0 if kind in (pl.Int8, pl.Int16) else None)
                for name, kind in FAIR_SIGNALS_SCHEMA.items()}
    pl.DataFrame([{**defaults, **row} for row in rows], schema=FAIR_SIGNALS_SCHEMA).write_parquet(core / "fair_signals.parquet")
    write_work_context(core, [row["work_id"] for row in rows])


#: The columns of a core's work_context.parquet (sql/core/core_openalex__work_context.sql).
WORK_CONTEXT_SCHEMA = {
    "work_id": pl.Int64, "topic_id": pl.Int64, "topic_name": pl.String, "subfield_id": pl.Int32, "subfield_name": pl.String,
    "field_id": pl.Int32, "field_name": pl.String, "domain_id": pl.Int32, "domain_name": pl.String, "source_id": pl.Int64,
    "source_name": pl.String, "source_type": pl.String, "source_issn_l": pl.String, "openalex_fwci": pl.Float64,
    "openalex_normalized_percentile": pl.Float64, "openalex_top_1_percent": pl.Boolean, "openalex_top_10_percent": pl.Boolean,
    "n_authorships": pl.Int32, "is_retracted": pl.Boolean, "paratext": pl.Boolean,
}
WORK_INSTITUTIONS_SCHEMA = {"work_id": pl.Int64, "authorship": pl.Int32, "institution_id": pl.Int64, "institution_name": pl.String,
                            "ror": pl.String, "country_code": pl.String, "weight": pl.Float64}
WORK_COUNTRIES_SCHEMA = {"work_id": pl.Int64, "authorship": pl.Int32, "country_code": pl.String, "weight": pl.Float64}


def write_work_context(core: Path, work_ids: list[int], rows: list[dict[str, Any]] | None = None,
                       institutions: list[dict[str, Any]] | None = None, countries: list[dict[str, Any]] | None = None) -> None:
    """A core's work_context, work_institutions and work_countries for tests that build core tables by
    hand: one context row per work id (no topic, source or indicators, no authorships, unless `rows`
    gives them by work id), and the given institution and country rows (none by default)."""
    given = {row["work_id"]: row for row in rows or []}
    defaults = {name: None for name in WORK_CONTEXT_SCHEMA} | {"n_authorships": 0, "is_retracted": False, "paratext": False}
    pl.DataFrame([{**defaults, "work_id": w, **given.get(w, {})} for w in work_ids],
                 schema=WORK_CONTEXT_SCHEMA).write_parquet(core / "work_context.parquet")
    pl.DataFrame(institutions or [], schema=WORK_INSTITUTIONS_SCHEMA).write_parquet(core / "work_institutions.parquet")
    pl.DataFrame(countries or [], schema=WORK_COUNTRIES_SCHEMA).write_parquet(core / "work_countries.parquet")
