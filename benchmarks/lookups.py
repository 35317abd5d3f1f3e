"""Lookups by work id on a published version: how long `datarank explain`, `datarank query` by id and
`datarank.open().explain()` take, and how many row groups the scores lookup reads.

    python benchmarks/lookups.py DATA_DIR [--repeat 7]

Works looked up: the one with the most citers in the snapshot, the median-ranked one, and five
drawn at random (seeded). Times are medians of --repeat calls in one process with a warm page cache
(what a second lookup costs), and of --repeat `datarank explain` processes (interpreter start and
imports included). benchmarks/README.md (*Lookups*) holds the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

import datarank
from datarank.outputs import explain, query


def median_seconds(call: Callable[[], object], repeat: int) -> float:
    call()  # warm: the first call reads the files into the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def row_groups_scanned(scores: Path, number: int) -> str:
    """What DuckDB's profile says the scores lookup read ("1 / 82")."""
    plan = duckdb.connect().execute(
        f"explain analyze select * from read_parquet('{scores}') where work_number = $n", {"n": number}
    ).fetchall()[0][1]
    line = next((line for line in plan.splitlines() if "Row Groups Scanned" in line), "")
    return line.split(":", 1)[1].strip(" │") if line else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    scores = (args.data_dir / "current" / "scores.parquet").resolve()
    connection = duckdb.connect()
    total = connection.execute(f"select count(*) from read_parquet('{scores}')").fetchall()[0][0]
    most = connection.execute(
        f"select work_id, citers_in_snapshot from read_parquet('{scores}') order by citers_in_snapshot desc, rank limit 1"
    ).fetchall()[0]
    median = connection.execute(
        f"select work_id, citers_in_snapshot from read_parquet('{scores}') where rank = $r", {"r": total // 2}
    ).fetchall()[0]
    ranks = random.Random(17).sample(range(1, total + 1), 5)
    drawn = connection.execute(
        f"select work_id, citers_in_snapshot from read_parquet('{scores}') where list_contains($r, rank) order by rank",
        {"r": ranks},
    ).fetchall()
    print(f"{args.data_dir}: {total:,} works ranked")
    print(f"{'work':<14} {'citers':>8} {'explain':>9} {'query id':>9} {'open().explain':>15} {'CLI explain':>12}  row groups")
    with datarank.open(args.data_dir) as results:
        for work_id, citers in [most, median, *drawn]:
            number = int(work_id[1:])
            in_process = median_seconds(lambda w=work_id: explain(args.data_dir, w), args.repeat)
            by_id = median_seconds(lambda n=number: query(args.data_dir, f"select * from scores where work_number = {n}"),
                                   args.repeat)
            api = median_seconds(lambda w=work_id: results.explain(w), args.repeat)
            cli = median_seconds(lambda w=work_id: subprocess.run(
                [sys.executable, "-m", "datarank", "explain", w, "--data-dir", str(args.data_dir)],
                check=True, capture_output=True), max(3, args.repeat // 2))
            print(f"{work_id:<14} {citers:>8,} {in_process:>8.3f}s {by_id:>8.3f}s {api:>14.3f}s {cli:>11.3f}s  "
                  f"{row_groups_scanned(scores, number)}")


if __name__ == "__main__":
    main()
