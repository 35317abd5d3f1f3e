"""The DuckDB engine: runs a stage's declared models (`datarank.models`) on one connection.

Each model becomes what its materialization says: a view, a table of the run's database (spilled
to `<data_dir>/tmp/duckdb` past `--memory-limit`), or a ZSTD Parquet file in the stage's folder
that later models read through a view. Values are bound as DuckDB parameters; the only text spliced
into SQL is the model's own name and lake paths (`datarank.db`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

from datarank.db import connect, create_table, literal, materialize, parquet_view, row_count, run_sql, sql_text, used_params
from datarank.faults import checkpoint
from datarank.models import SCORE_MODELS, SCORE_OUTPUTS, Model, for_mode
from datarank.settings import Settings

log = logging.getLogger(__name__)


def make_sources(connection: duckdb.DuckDBPyConnection, sources: dict[str, Path]) -> None:
    """A view per source: every row of one lake file."""
    for name, path in sources.items():
        parquet_view(connection, name, path)


def run_models(
    connection: duckdb.DuckDBPyConnection,
    models: Iterable[Model],
    mode: str,
    folder: Path,
    params: dict[str, Any] | None = None,
    after_each: Callable[[Model], None] | None = None,
    hooks: dict[str, Callable[[], None]] | None = None,
) -> None:
    """Make each model of `models` in order, as its materialization says; outputs go to `folder`,
    and a `hook` model is made by `hooks[name]`."""
    for model in models:
        step = model.sql(mode)
        started = time.perf_counter()
        if model.materialized == "hook":
            (hooks or {})[model.name]()
        elif model.materialized == "view":
            run_sql(connection, f"create or replace view {model.name} as\n{sql_text(step)}", used_params(step, params))
        elif model.materialized == "table":
            create_table(connection, step, params, name=model.name)
        else:
            assert model.file is not None
            materialize(connection, step, folder / model.file, params, name=model.name, order_by=model.order_by)
        log.info("%s (%s) %.2f s", model.name, model.materialized, time.perf_counter() - started)
        if after_each is not None:
            after_each(model)


class DuckDBEngine:
    """Scores in this process with DuckDB, in either mode."""

    modes = ("full", "incremental")

    def score(self, settings: Settings, mode: str, sources: dict[str, Path], staged: Path) -> dict[str, int]:
        connection = connect(settings)
        try:
            make_sources(connection, sources)
            # Intermediate models stay tables of the run's database; a Parquet round trip each cost
            # ~20% of scoring at 300k works (benchmarks/README.md). Only the outputs are written, once.
            run_models(connection, for_mode(SCORE_MODELS, mode), mode, staged, settings.score_params,
                       after_each=lambda _model: checkpoint("score.step_written"))
            counts = {
                published: row_count(connection, f"read_parquet({literal(str(staged / f'{published}.parquet'))})")
                for published in SCORE_OUTPUTS
            }
            if mode == "incremental":
                counts["rescored_works"] = row_count(connection, "core_openalex__rescored_works")
            return counts
        finally:
            connection.close()
