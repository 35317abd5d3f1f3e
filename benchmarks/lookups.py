"""Lookups by work id on published versions: how long `datarank explain`, `datarank query` by id and
`datarank.open().explain()` take, and which row groups of which file each reads.

    python benchmarks/lookups.py DATA_DIR [DATA_DIR ...] [--repeat 5]

In each lake (e.g. one at 300k works, one at 10M) four works are looked up: the top-ranked one, the
median-ranked one, the one with the most citers in the snapshot after the top one (which often has
the most), and one no work cites. Each round
times every lookup of every lake in turn (lakes alternate, so the load of a shared machine falls on
all of them alike); figures are medians of --repeat rounds, after one round that warms the page cache.

- CLI explain: wall time of a `datarank explain W…` process (interpreter start and imports included).
- open().explain(): `results.explain(W…)` on a `datarank.open()` held open (the open is not timed).
- CLI query: wall time of a `datarank query "select * from scores where work_number = …"` process.
- start-up: wall time of `datarank --help` in the same rounds, the floor of every CLI figure.
- row groups: what DuckDB's EXPLAIN ANALYZE says each query of the explain (scores rows, works,
  fair_signals, abstracts, citers, the citers' titles in scores) and the query by id scanned, as
  `file scanned/total`.

benchmarks/README.md (*Lookups*) holds the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

import datarank
from datarank import outputs
from datarank.api import Results

# the console script installed beside this interpreter, as a user runs it
COMMAND = [str(Path(sys.executable).parent / "datarank")]


@dataclass
class Lookup:
    data_dir: Path
    role: str
    work_id: str
    citers: int
    rank: int

    @property
    def number(self) -> int:
        return int(self.work_id[1:])

    def query_sql(self) -> str:
        return f"select * from scores where work_number = {self.number}"


def pick_works(data_dir: Path) -> tuple[int, list[Lookup]]:
    scores = str((data_dir / "current" / "scores.parquet").resolve())
    connection = duckdb.connect()
    try:
        def one(where: str, order: str, params: dict[str, Any] | None = None) -> tuple[str, int, int]:
            return connection.execute(
                f"select work_id, citers_in_snapshot, rank from read_parquet($f) where {where} order by {order} limit 1",
                {"f": scores, **(params or {})},
            ).fetchall()[0]

        total = connection.execute("select count(*) from read_parquet($f)", {"f": scores}).fetchall()[0][0]
        uncited = connection.execute(
            "select count(*) from read_parquet($f) where citers_in_snapshot = 0", {"f": scores}).fetchall()[0][0]
        picks = {
            "top": one("rank = 1", "work_number"),
            "median rank": one("rank >= $r", "rank, work_number", {"r": total // 2}),
            "most citers": one("rank > 1", "citers_in_snapshot desc, rank"),  # the top one aside
            # the middle one by id of the works no work cites
            "no citers": connection.execute(
                "select work_id, citers_in_snapshot, rank from read_parquet($f) where citers_in_snapshot = 0 "
                "order by work_number limit 1 offset $o", {"f": scores, "o": uncited // 2}).fetchall()[0],
        }
    finally:
        connection.close()
    return total, [Lookup(data_dir, role, *row) for role, row in picks.items()]


PICKS = 4  # works looked up in each lake

# ---------------------------------------------------------------- row groups
_SCANNED = re.compile(r"Row Groups Scanned: (\d+) / (\d+)")
_FILE = re.compile(r"read_parquet\('([^']+)'\)")


def scanned(plan: str) -> str:
    """`3/78` for a plan's Parquet scan (the sum if several), `meta` when it read only the footer."""
    found = [(int(a), int(b)) for a, b in _SCANNED.findall(plan)]
    return f"{sum(a for a, _ in found)}/{sum(b for _, b in found)}" if found else "meta"


class _Profiled:
    """A DuckDB connection that runs EXPLAIN ANALYZE of each SELECT before running it, and records
    which file it read and how many of its row groups it scanned."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, reads: list[str]) -> None:
        self._connection = connection
        self._reads = reads

    def sql(self, query: str, params: dict[str, Any] | None = None) -> Any:
        files = _FILE.findall(query)
        if files:
            plan = self._connection.execute(f"explain analyze {query}", params).fetchall()[0][1]
            self._reads.append(f"{Path(files[0]).stem} {scanned(plan)}")
        return self._connection.sql(query, params=params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def explain_reads(lookup: Lookup) -> str:
    reads: list[str] = []
    connect = duckdb.connect
    outputs.duckdb.connect = lambda *a, **k: _Profiled(connect(*a, **k), reads)  # type: ignore[assignment]
    try:
        outputs.explain(lookup.data_dir, lookup.work_id)
    finally:
        outputs.duckdb.connect = connect  # type: ignore[assignment]
    return ", ".join(read for read in reads if not read.endswith(" meta"))


def query_reads(results: Results, lookup: Lookup) -> str:
    plan = results.sql(f"explain analyze {lookup.query_sql()}").fetchall()[0][1]
    return f"scores {scanned(plan)}"


# ---------------------------------------------------------------- timing
def seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def cli(*args: str) -> Callable[[], object]:
    return lambda: subprocess.run([*COMMAND, *args], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dirs", type=Path, nargs="+")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the start")
    lakes = {data_dir: pick_works(data_dir) for data_dir in args.data_dirs}
    opened = {data_dir: datarank.open(data_dir) for data_dir in args.data_dirs}
    lookups = [lookup for _, picked in lakes.values() for lookup in picked]
    calls: dict[tuple[int, str], Callable[[], object]] = {}
    for index, lookup in enumerate(lookups):
        calls[index, "cli explain"] = cli("explain", lookup.work_id, "--data-dir", str(lookup.data_dir))
        calls[index, "open().explain()"] = lambda lookup=lookup: opened[lookup.data_dir].explain(lookup.work_id)
        calls[index, "cli query"] = cli("query", lookup.query_sql(), "--data-dir", str(lookup.data_dir))
    calls[-1, "start-up"] = cli("--help")
    times: dict[tuple[int, str], list[float]] = {key: [] for key in calls}
    loads = []
    for turn in range(args.repeat + 1):  # turn 0 warms the page cache and is not counted
        # lookups of the lakes interleaved: 300k top, 10M top, 300k median, 10M median, …
        order = sorted(calls, key=lambda key: (key[0] % PICKS, key[0] // PICKS, key[1]))
        for key in order:
            elapsed = seconds(calls[key])
            if turn:
                times[key].append(elapsed)
        loads.append(os.getloadavg()[0])
    print(f"load average (1 min) after each round: {', '.join(f'{load:.2f}' for load in loads)}")
    print(f"start-up (`datarank --help`): median {statistics.median(times[-1, 'start-up']):.3f} s")
    print()
    print("| works | lookup | work | citers | CLI explain | open().explain() | CLI query by id | explain reads (row groups) | query reads |")
    print("|---|---|---|---|---|---|---|---|---|")
    for index, lookup in enumerate(lookups):
        total = lakes[lookup.data_dir][0]
        cells = [f"{statistics.median(times[index, kind]):.3f} s" for kind in ("cli explain", "open().explain()", "cli query")]
        print(f"| {total:,} | {lookup.role} (rank {lookup.rank:,}) | {lookup.work_id} | {lookup.citers:,} | "
              f"{' | '.join(cells)} | {explain_reads(lookup)} | {query_reads(opened[lookup.data_dir], lookup)} |")
    for results in opened.values():
        results.close()


if __name__ == "__main__":
    main()
