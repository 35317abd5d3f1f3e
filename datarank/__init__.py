"""DataRank over OpenAlex: the library (settings, snapshot reading, the lake, scoring, exports, CLI).

Nothing in this package imports Prefect: `pipelines/` wraps these stages in flows.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("datarank")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"


class DataRankError(Exception):
    """An error a user can cause or fix; the CLI prints it as one line, without a traceback."""


__all__ = ["DataRankError", "__version__", "open"]


def __getattr__(name: str) -> object:
    """`datarank.open` is loaded on first use, so `import datarank` (and the CLI's start) stays
    free of DuckDB and Polars."""
    if name == "open":
        from datarank.api import open as open_results

        return open_results
    raise AttributeError(f"module 'datarank' has no attribute {name!r}")
