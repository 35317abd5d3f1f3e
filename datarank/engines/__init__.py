"""Engines: what runs the declared SQL models (`datarank.models`) over the lake's Parquet files.

Both engines take the same models and the same files and write the same outputs, so the stages
around them (checks, publishing, the readers) do not know which one scored:

- `duckdb` (`datarank.engines.duckdb`): one process, memory bounded by `--memory-limit`; runs every
  stage (core, score, checks) and both modes.
- `spark` (`datarank.engines.spark`): the score stage's full mode on Apache Spark (local mode, a
  cluster, or Spark Connect), the same SQL transpiled by sqlglot (docs/spark.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from datarank.settings import Settings


class Engine(Protocol):
    """Scores one run: the score stage's models for `mode`, over `sources`, into `staged`."""

    #: The modes it can run (the Spark engine scores every work: full only).
    modes: tuple[str, ...]

    def score(self, settings: Settings, mode: str, sources: dict[str, Path], staged: Path) -> dict[str, int]:
        """Write the score stage's outputs into `staged`; return their row counts by published name."""
        ...


def engine_for(settings: Settings) -> Engine:
    """The engine `--engine` names (Spark is imported only when asked for)."""
    if settings.engine == "spark":
        from datarank.engines.spark import SparkEngine

        return SparkEngine()
    from datarank.engines.duckdb import DuckDBEngine

    return DuckDBEngine()
