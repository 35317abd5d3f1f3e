"""Time `datarank run --engine spark` against `--engine duckdb` on the same snapshots.

    python benchmarks/spark_vs_duckdb.py [--works 100000] [--repeat 2] [--master 'local[2]'] [--work-dir DIR]

Each run is a fresh `datarank run` process on a fresh data dir (so the Spark figures include starting
the JVM, as a nightly run pays it), on the shipped sample and on a generated snapshot
(tests/factory/corners.py). Engines alternate, so load from other processes on the machine
hits both alike; the table gives the median wall time, the median score stage, and the Spark/DuckDB
ratios. It also checks that both engines published the same ranking.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.factory
from tests.factory.corners import write_corners_snapshot  # noqa: E402

ENGINES = ("duckdb", "spark")


def run_once(snapshot: Path, data_dir: Path, engine: str, master: str) -> dict[str, float]:
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [sys.executable, "-m", "datarank", "run", "--snapshot", str(snapshot), "--data-dir", str(data_dir),
               "--engine", engine, "--spark-master", master]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    timings = json.loads((data_dir / "current" / "manifest.json").read_text())["timings_s"]
    return {"wall": wall, **{stage: timings[stage] for stage in ("ingest", "score", "check")}}


def same_ranking(a: Path, b: Path) -> str:
    left = pl.read_parquet(a / "current" / "scores.parquet").sort("work_number")
    right = pl.read_parquet(b / "current" / "scores.parquet").sort("work_number")
    ranks = left["rank"].equals(right["rank"])
    worst = ((left["datarank"] - right["datarank"]).abs() / left["datarank"].abs().clip(1e-300)).max()
    return f"ranks {'identical' if ranks else 'DIFFER'}, datarank max rel diff {worst:.1e}"


def warm(data_dir: Path, master: str, repeat: int) -> dict[str, list[float]]:
    """In one process, on the ingest `data_dir` holds: the Spark session's start, then the score
    stage alone, alternating engines (Spark's JVM and code cache warm after its first run)."""
    from datarank.engines.spark import spark_session
    from datarank.lake import Lake
    from datarank.score import score
    from datarank.settings import Settings

    core = Lake(data_dir).current_core()
    started = time.perf_counter()
    spark_session(Settings(data_dir=data_dir, engine="spark", spark_master=master))
    times: dict[str, list[float]] = {"spark session start": [time.perf_counter() - started], "duckdb": [], "spark": []}
    for _ in range(repeat):
        for engine in ENGINES:
            staged = Path(tempfile.mkdtemp(dir=data_dir))
            started = time.perf_counter()
            score(Settings(data_dir=data_dir, engine=engine, spark_master=master), core, staged)
            times[engine].append(time.perf_counter() - started)
            shutil.rmtree(staged)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="datarank-bench-"))
    generated = work / f"snapshot-{args.works}"
    if not (generated / "data" / "works" / "manifest").exists():
        print(json.dumps(write_corners_snapshot(generated, args.works, seed=7)))
    snapshots = {"sample (339 works)": REPO / "data" / "sample", f"generated ({args.works:,} works)": generated}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; master {args.master}")
    print("| snapshot | engine | run wall (median) | score stage (median) | spark / duckdb (run, score) |")
    print("|---|---|---|---|---|")
    for label, snapshot in snapshots.items():
        results: dict[str, list[dict[str, float]]] = {engine: [] for engine in ENGINES}
        for _ in range(args.repeat):
            for engine in ENGINES:
                results[engine].append(run_once(snapshot, work / f"out-{engine}", engine, args.master))
        medians = {e: {k: statistics.median(r[k] for r in results[e]) for k in results[e][0]} for e in ENGINES}
        for engine in ENGINES:
            m = medians[engine]
            ratio = "" if engine == "duckdb" else (
                f"{m['wall'] / medians['duckdb']['wall']:.1f}× , {m['score'] / medians['duckdb']['score']:.0f}×"
            )
            print(f"| {label} | {engine} | {m['wall']:.1f} s | {m['score']:.2f} s | {ratio} |")
        print(f"|  | check | {same_ranking(work / 'out-duckdb', work / 'out-spark')} |  |  |")
    print(f"\nscore stage in one process on the generated snapshot's ingest ({args.repeat + 1} runs each, "
          "the first Spark run cold):")
    times = warm(work / "out-spark", args.master, args.repeat + 1)
    for name, values in times.items():
        print(f"  {name}: " + ", ".join(f"{v:.2f} s" for v in values))
    print(f"  warm spark / duckdb (medians of all but the first): "
          f"{statistics.median(times['spark'][1:]) / statistics.median(times['duckdb'][1:]):.0f}×")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
