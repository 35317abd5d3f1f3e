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
    """An error a user can cause or fix; the CLI prints it as one line, without a traceback, and
    exits with `exit_code` (the codes are `EXIT_CODES`)."""

    exit_code = 1


class UsageError(DataRankError):
    """A value given on the command line, in the environment or as a flow parameter is not one the
    command takes (a cap below 1, an unknown format, …); exit 2, as for a misspelled option."""

    exit_code = 2


#: What each exit status of the `datarank` command means, for a scheduler to tell apart (the README
#: and `datarank --help` list them; a Prefect flow run fails with the same words in its message).
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "error (one line on stderr says which)",
    2: "usage: an unknown option or a bad value",
    3: "a data check refused to publish; the previous version stays current",
    4: "another run holds the data dir (its lock); try again later",
    130: "interrupted (Ctrl-C, SIGINT)",
}


__all__ = ["EXIT_CODES", "DataRankError", "UsageError", "__version__", "open"]


def __getattr__(name: str) -> object:
    """`datarank.open` is loaded on first use, so `import datarank` (and the CLI's start) stays
    free of DuckDB and Polars."""
    if name == "open":
        from datarank.api import open as open_results

        return open_results
    raise AttributeError(f"module 'datarank' has no attribute {name!r}")
