"""Lookups by DOI on a published version: how long `datarank explain DOI`, `datarank.open().explain(DOI)`
and `datarank explain --from-file` take, against the same lookups by work id, and how many row
groups of dois.parquet a DOI lookup reads.

    python benchmarks/doi_lookups.py DATA_DIR [--repeat 7] [--batch 1000,100000]
    python benchmarks/doi_lookups.py --scale 10000000 [--repeat 7]   # the dois table alone, at any size

Works looked up: the one with the most citers that has a DOI, the median-ranked one with a DOI, and
five drawn at random among those with a DOI (seeded). Times are medians of --repeat calls in one
process with a warm page cache (what a second lookup costs), and of `datarank explain` processes
(interpreter start and imports included). The batch files mix ids, DOIs in three forms and 1%
unknown DOIs. `--scale N` writes a dois.parquet of N generated DOIs (ten registrants, as the
model writes it: sql/core/core_openalex__dois.sql, sorted) and times building it and looking DOIs up
in it, for the sizes no published run on this machine reaches. benchmarks/README.md (*Lookups by
DOI*) holds the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

import datarank
from datarank.db import materialize, run_sql, sql_text
from datarank.lake import Lake
from datarank.lookup import explain_works, resolve
from datarank.outputs import explain


def median_seconds(call: Callable[[], object], repeat: int) -> float:
    call()  # warm: the first call reads the files into the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def row_groups_scanned(dois: Path, doi: str) -> str:
    """What DuckDB's profile says the DOI lookup read ("1 / 2")."""
    plan = duckdb.connect().execute(
        f"explain analyze select work_id from read_parquet('{dois}') where doi = $d", {"d": doi}
    ).fetchall()[0][1]
    line = next((line for line in plan.splitlines() if "Row Groups Scanned" in line), "")
    return line.split(":", 1)[1].strip(" │") if line else "?"


def scale(works: int, repeat: int) -> None:
    """Build a dois.parquet of `works` generated DOIs through the model, then look seven up."""
    connection = duckdb.connect()
    run_sql(connection, sql_text("macros/doi_key"))
    run_sql(connection, f"""
        create table core_openalex__works as
        select range + 4000000000 as work_id,
            'https://doi.org/10.' || (1000 + range % 10) || '/Synth.' || hash(range) % 1000000000000 as doi
        from range({int(works)})""")
    with tempfile.TemporaryDirectory() as tmp:
        dois = Path(tmp) / "dois.parquet"
        started = time.perf_counter()
        materialize(connection, "core/core_openalex__dois", dois, order_by="doi, work_id")
        built = time.perf_counter() - started
        groups = connection.execute(f"select count(distinct row_group_id) from parquet_metadata('{dois}')").fetchall()[0][0]
        print(f"dois.parquet of {works:,} DOIs: written sorted in {built:.2f} s, {dois.stat().st_size / 1e6:.1f} MB, "
              f"{groups} row groups")
        wanted = [row[0] for row in connection.execute(
            "select doi from core_openalex__works using sample reservoir(7 rows) repeatable (17)").fetchall()]
        lookup = duckdb.connect()
        run_sql(lookup, sql_text("macros/doi_key"))
        for doi in wanted:
            text = doi.upper()
            seconds = median_seconds(lambda t=text: lookup.execute(
                f"select work_id from read_parquet('{dois}') where doi = doi_key($t)", {"t": t}).fetchall(), repeat)
            print(f"  {text:<44} {seconds * 1000:>7.1f} ms  row groups {row_groups_scanned(dois, doi.lower()[16:])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path, nargs="?")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", default="1000,100000", help="sizes of the --from-file batches to time")
    parser.add_argument("--scale", type=int, default=None, help="only the dois table, of this many generated DOIs")
    args = parser.parse_args()
    if args.scale:
        scale(args.scale, args.repeat)
        return
    if args.data_dir is None:
        parser.error("give DATA_DIR, or --scale N")
    folder = (args.data_dir / "current").resolve()
    scores, works, dois = (folder / f"{t}.parquet" for t in ("scores", "works", "dois"))
    connection = duckdb.connect()
    with_doi = f"""
        select scores.work_id, scores.citers_in_snapshot, scores.rank, works.doi
        from read_parquet('{scores}') as scores
        inner join read_parquet('{works}') as works on works.work_id = scores.work_number
        where works.doi is not null
    """
    total, doi_rows, groups = connection.execute(
        f"select (select count(*) from read_parquet('{scores}')), (select count(*) from read_parquet('{dois}')), "
        f"(select count(distinct row_group_id) from parquet_metadata('{dois}'))").fetchall()[0]
    most = connection.execute(f"{with_doi} order by citers_in_snapshot desc, rank limit 1").fetchall()[0]
    ranked = connection.execute(f"select * from ({with_doi}) order by rank").fetchall()
    drawn = random.Random(17).sample(ranked, 5)
    print(f"{args.data_dir}: {total:,} works ranked, {doi_rows:,} DOIs in dois.parquet "
          f"({dois.stat().st_size / 1e6:.1f} MB, {groups} row groups)")
    print(f"{'work':<14} {'by id':>8} {'by DOI':>8} {'resolve':>8} {'open() DOI':>11} {'CLI id':>8} {'CLI DOI':>8}  "
          "dois row groups")
    with datarank.open(args.data_dir) as results, Lake(args.data_dir).reading() as version:
        for work_id, _citers, _rank, doi in [most, ranked[len(ranked) // 2], *drawn]:
            upper = doi.upper()  # as a reader might paste it: https://DOI.ORG/10.…
            by_id = median_seconds(lambda w=work_id: explain(args.data_dir, w), args.repeat)
            by_doi = median_seconds(lambda d=upper: explain_works(version, d), args.repeat)
            resolved = median_seconds(lambda d=upper: resolve(version, [d]), args.repeat)
            api = median_seconds(lambda d=upper: results.explain(d), args.repeat)
            cli = [median_seconds(lambda t=text: subprocess.run(
                [sys.executable, "-m", "datarank", "explain", t, "--data-dir", str(args.data_dir)],
                check=True, capture_output=True), max(3, args.repeat // 2)) for text in (work_id, upper)]
            key = doi.lower().removeprefix("https://doi.org/")
            print(f"{work_id:<14} {by_id:>7.3f}s {by_doi:>7.3f}s {resolved:>7.3f}s {api:>10.3f}s {cli[0]:>7.3f}s "
                  f"{cli[1]:>7.3f}s  {row_groups_scanned(dois, key)}")
    for size in (int(n) for n in args.batch.split(",")):
        rng = random.Random(size)
        lines = []
        for work_id, _citers, _rank, doi in (rng.choice(ranked) for _ in range(size)):
            form = rng.randrange(4)
            bare = doi.removeprefix("https://doi.org/")
            lines.append([work_id, doi, f"doi:{bare.upper()}", bare][form] if rng.random() > 0.01 else f"10.9999/x{rng.random()}")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "inputs.txt"
            path.write_text("\n".join(lines) + "\n")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "datarank", "explain", "--from-file", str(path), "--output",
                            str(Path(tmp) / "out.csv"), "--data-dir", str(args.data_dir)], check=True, capture_output=True)
            elapsed = time.perf_counter() - started
        print(f"explain --from-file, {size:,} inputs (ids and DOIs, 1% unknown) → csv: {elapsed:.2f} s (one process)")


if __name__ == "__main__":
    main()
