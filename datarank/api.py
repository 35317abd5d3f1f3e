"""The Python API for notebooks: `datarank.open()` gives one published version as DuckDB relations
and Polars frames, and `explain()` gives the same structured result the CLI prints.

    >>> import datarank
    >>> results = datarank.open()                      # the current version of data/out
    >>> results.scores.filter("tier = 'S1'").pl()      # a DuckDB relation → a Polars DataFrame
    >>> results.frame("citations").filter(...)          # a Polars LazyFrame over the Parquet file
    >>> results.explain("W2741809807").work["tier"]
    >>> results.explain("https://doi.org/10.7717/peerj.4375").work["rank"]   # by DOI, any form or case
    >>> results.researchers.order("rank").limit(5).pl()  # theSindex's researcher score (SPEC §8)
    >>> results.explain("A5023888391").works           # the ten works that make an author's score
    >>> results.institutions.order("rank").limit(5).pl()  # the units' leaderboards (docs/units.md)
    >>> results.explain("I4210166736").unit            # an institution's figures and ten best works

Everything reads the version's Parquet files where they lie: nothing is loaded before it is asked
for, so the same calls work on the sample and on a full snapshot. The version is pinned when
opened: a run that publishes a newer one meanwhile does not change what an open `Results` sees, and
`datarank prune` does not remove it until `close()` (or the end of a `with` block, or the process).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from datarank import DataRankError, UsageError
from datarank.catalog import catalog_views
from datarank.db import run_sql
from datarank.lake import VERSION_TABLES, Lake, ReadLock
from datarank.lookup import explain_works
from datarank.outputs import Explanation, explain_connection, explain_many
from datarank.researchers import ResearcherExplanation, explain_researchers, is_author_id, parse_author_id
from datarank.settings import Settings
from datarank.units import UnitExplanation, explain_units, is_unit_id, parse_unit_id

#: The views a `Results` offers, as attributes and by name.
VIEWS = (*VERSION_TABLES, "runs")


class Results:
    """One published version of a data dir: the views of `datarank query`, for Python.

    Attributes:
        data_dir: The lake the version belongs to.
        version: Its name (`v000003`).
        folder: Where its Parquet files are.
        manifest: Its run manifest (snapshot, parameters, counts, timings).
        connection: The DuckDB connection whose views (`scores`, `works`, …, `runs`) read the
            version; use it for anything the helpers below do not cover.
    """

    def __init__(self, data_dir: Path, version: str | None = None) -> None:
        lake = Lake(data_dir)
        self.data_dir = lake.root
        self._held = ReadLock(lake, version)  # until close(): `datarank prune` leaves this version alone
        self.folder = self._held.folder
        self.version = self.folder.name
        self.manifest: dict[str, Any] = json.loads((self.folder / "manifest.json").read_text())
        self._run_files = lake.run_files(up_to=self.version)
        self.connection = duckdb.connect()
        self._explainer: duckdb.DuckDBPyConnection | None = None  # explain's, opened by the first explain
        for statement in catalog_views(self.folder, self._run_files):
            run_sql(self.connection, statement)

    # ---------------------------------------------------------------- DuckDB relations
    def view(self, name: str) -> duckdb.DuckDBPyRelation:
        """A view by name, as a lazy DuckDB relation (`.pl()` → Polars, `.df()` → pandas)."""
        _check_view(name)
        if name != "runs" and not (self.folder / f"{name}.parquet").exists():
            raise DataRankError(f"version {self.version} has no {name} view (published by an older release)")
        return self.connection.sql(f"select * from {name}")

    @property
    def scores(self) -> duckdb.DuckDBPyRelation:
        """One row per work: the ranked table (SPEC §4 columns, year × type standing, tier)."""
        return self.view("scores")

    @property
    def researchers(self) -> duckdb.DuckDBPyRelation:
        """One row per author: the researcher score (mean DataRank of their ten best works), rank,
        percentile."""
        return self.view("researchers")

    @property
    def institutions(self) -> duckdb.DuckDBPyRelation:
        """One row per institution of the core corpus's works: full and fractional counts, DataRank
        sum and mean, PP(top 10%), PP(top 1%), top10_mean, rank (docs/units.md)."""
        return self.view("institutions")

    @property
    def sources(self) -> duckdb.DuckDBPyRelation:
        """One row per source (journal, repository, …): the same figures as `institutions`."""
        return self.view("sources")

    @property
    def countries(self) -> duckdb.DuckDBPyRelation:
        """One row per country of the authorships: the same figures as `institutions`."""
        return self.view("countries")

    @property
    def fields(self) -> duckdb.DuckDBPyRelation:
        """One row per field (primary_topic.field): the same figures as `institutions`."""
        return self.view("fields")

    @property
    def works(self) -> duckdb.DuckDBPyRelation:
        """One row per work: the fields kept from the snapshot."""
        return self.view("works")

    @property
    def citations(self) -> duckdb.DuckDBPyRelation:
        """One row per (citing_id, cited_id) inside the snapshot."""
        return self.view("citations")

    @property
    def authorships(self) -> duckdb.DuckDBPyRelation:
        """One row per (work_id, author_id)."""
        return self.view("authorships")

    @property
    def citers(self) -> duckdb.DuckDBPyRelation:
        """One row per (cited work, considered citer), with its contribution."""
        return self.view("citers")

    @property
    def quarantine(self) -> duckdb.DuckDBPyRelation:
        """One row per input line that was not a work."""
        return self.view("quarantine")

    @property
    def runs(self) -> duckdb.DuckDBPyRelation:
        """One row per published version up to this one."""
        return self.view("runs")

    def sql(self, query: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """Any DuckDB query over the views, as a relation; values bound as `$name` parameters."""
        return self.connection.sql(query, params=params)

    # ---------------------------------------------------------------- Polars
    def frame(self, name: str) -> pl.LazyFrame:
        """A view as a Polars LazyFrame over its Parquet file(s): filters and projections are
        pushed into the scan, so `.collect()` reads only what the query needs."""
        _check_view(name)
        if name == "runs":
            return pl.concat([pl.scan_parquet(path) for path in self._run_files], how="diagonal_relaxed")
        return pl.scan_parquet(self.folder / f"{name}.parquet")

    # ---------------------------------------------------------------- explain
    def explain(self, work_id: str | int, top: int = 10) -> Explanation | ResearcherExplanation | UnitExplanation:
        """Why a work has its DataRank, or an author their researcher score: the structured result
        `datarank explain --json` prints.

        Args:
            work_id: `W2741809807`, its URL, or the number 2741809807; the work's DOI in any form
                (`10.7717/peerj.4375`, `https://doi.org/10.7717/PEERJ.4375`, `doi:…`; DOIs match
                whatever their case); or an author, `A5023888391` (or its URL), for a
                `ResearcherExplanation`; or a unit, `I4210166736`, `S1983995261`,
                `country:US` or `field:17`, for a `UnitExplanation`. When several works have the DOI, the best-ranked one is
                explained and its `same_doi` lists the others.
            top: How many considered citers to list, by contribution (works only).
        """
        if isinstance(work_id, str) and is_author_id(work_id):
            return self.explain_researcher(work_id)
        if isinstance(work_id, str) and is_unit_id(work_id):
            return self.explain_unit(work_id)
        if self._explainer is None:
            self._explainer = explain_connection()
        if isinstance(work_id, int):
            found = explain_many(self.folder, [work_id], top=top, connection=self._explainer)
            if not found:
                raise DataRankError(f"explain: W{work_id} is not in the snapshot of version {self.version}")
            return found[0]
        if top < 0:
            raise UsageError("explain: --top must not be negative")
        return explain_works(self.folder, work_id, top=top, connection=self._explainer)[0]

    def explain_researcher(self, author_id: str | int) -> ResearcherExplanation:
        """An author's researcher score and the (at most ten) works it is the mean of, best first.

        Args:
            author_id: `A5023888391`, its URL, or the number 5023888391.
        """
        number = author_id if isinstance(author_id, int) else parse_author_id(author_id)
        found = explain_researchers(self.folder, [number])
        if not found:
            raise DataRankError(f"explain: A{number} is the author of no work in version {self.version}")
        return found[0]

    def explain_unit(self, unit_id: str) -> UnitExplanation:
        """A unit's figures and its (at most ten) best works, best first (docs/units.md).

        Args:
            unit_id: `I4210166736`, `S1983995261` (or their URLs), `country:US` or `field:17`.
        """
        entry, key = parse_unit_id(unit_id)
        found = explain_units(self.folder, entry.table, [key])
        if not found:
            raise DataRankError(f"explain: {unit_id.strip()} is no {entry.noun} of a core-corpus work in version {self.version}")
        return found[0]

    # ---------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Close the connection and let go of the version (`datarank prune` may remove it then)."""
        self.connection.close()
        if self._explainer is not None:
            self._explainer.close()
        self._held.release()

    def __enter__(self) -> Results:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<datarank.Results {self.version} of {self.data_dir}: {', '.join(VIEWS)}>"


def open(data_dir: str | Path | None = None, version: str | None = None) -> Results:
    """Open a published version for reading from Python.

    Args:
        data_dir: The data dir of `datarank run` (default: `DATARANK_DATA_DIR`, else data/out).
        version: A published version (`v000002` or `2`); default the current one.

    Raises:
        DataRankError: nothing is published there, or no such version.
    """
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    return Results(folder.expanduser().resolve(), version)


def _check_view(name: str) -> None:
    if name not in VIEWS:
        raise DataRankError(f"no view {name!r}; the views are {', '.join(VIEWS)}")
