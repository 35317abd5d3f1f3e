"""DataRank benchmarks: every figure a ratio against a floor measured in the same run.

    python benchmarks/run.py [--base-works 75000] [--work-dir /tmp/datarank-bench] [--quick]

Measures, on generated snapshots (benchmarks/synth.py):
  1. ingest throughput vs `gzip -dc` of the same files (MB of JSON per second per core);
  2. scoring time vs a floor query (one scan and group-by of the citations table);
  3. a whole `datarank run` vs benchmarks/plain_script.py (same ingest and scoring, in memory,
     no lake) at 4× the base size, in turns, three times each (medians compared);
  4. a scaling curve at 1×, 4×, 16× the base size: seconds per million citation links, peak RSS;
  5. a nightly run with 1% new works vs a full run of the grown snapshot, at 4× and 16×, in turns,
     three times each (medians compared; and both must publish the same scores);
  6. a run with --memory-limit 256MB at 4×: peak RSS and equality with the unlimited run.
Prints a table and writes results.json in the work dir.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
DATARANK = [PYTHON, "-m", "datarank"]


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds and peak RSS (MB) of a command, via GNU time."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *command], capture_output=True, text=True, env={**os.environ, **(env or {})},
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    wall, rss_kb = result.stderr.strip().splitlines()[-1].split()
    return {"seconds": float(wall), "peak_rss_mb": int(rss_kb) / 1024}


def part_files(snapshot: Path) -> list[str]:
    return sorted(str(p) for p in snapshot.glob("data/works/updated_date=*/part_*.gz"))


def json_bytes(files: list[str]) -> int:
    total = 0
    for file in files:
        out = subprocess.run(f"gzip -dc '{file}' | wc -c", shell=True, capture_output=True, text=True, check=True)
        total += int(out.stdout)
    return total


def gzip_floor(files: list[str]) -> float:
    """Seconds for one `gzip -dc` process to decompress every file (one core)."""
    started = time.perf_counter()
    subprocess.run(["sh", "-c", 'gzip -dc "$@" > /dev/null', "gzip", *files], check=True)
    return time.perf_counter() - started


def generate(path: Path, works: int, grow: float = 0.0) -> dict[str, Any]:
    if not grow:
        shutil.rmtree(path, ignore_errors=True)
    out = subprocess.run(
        [PYTHON, str(HERE / "synth.py"), str(path), "--works", str(works), *(["--grow", str(grow)] if grow else [])],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def datarank_run(snapshot: Path, data_dir: Path, *extra: str) -> dict[str, Any]:
    figures = timed([*DATARANK, "run", "--snapshot", str(snapshot), "--data-dir", str(data_dir), *extra])
    manifest = json.loads((data_dir / "current" / "manifest.json").read_text())
    figures["stages"] = {k: manifest["timings_s"].get(k) for k in ("read_files_s", "ingest", "score", "check", "compare")}
    figures["citations"] = manifest["ingest_counts"]["citations"]
    figures["works"] = manifest["ingest_counts"]["works"]
    return figures


def scoring_floor(data_dir: Path) -> float:
    citations = data_dir / "current" / "citations.parquet"
    connection = duckdb.connect()
    started = time.perf_counter()
    connection.execute(
        f"select count(*), sum(n) from (select cited_id, count(*) as n from read_parquet('{citations}') group by cited_id)"
    ).fetchall()
    return time.perf_counter() - started


def same_scores(a: Path, b: Path) -> dict[str, Any]:
    """Rows, ranks and DataRank of two published versions compared (floats to rel 1e-9)."""
    connection = duckdb.connect()
    rows, mismatched = connection.execute(
        f"""
        select count(*), count(*) filter (where a.rank <> b.rank
            or abs(a.datarank - b.datarank) > 1e-9 * greatest(abs(b.datarank), 1e-12)
            or a.citers_considered <> b.citers_considered)
        from read_parquet('{a / "current" / "scores.parquet"}') as a
        full join read_parquet('{b / "current" / "scores.parquet"}') as b using (work_number)
        """
    ).fetchall()[0]
    return {"rows": rows, "mismatched": mismatched}


def middle(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of the turn with the median wall time (an odd number of turns)."""
    return sorted(turns, key=lambda figures: figures["seconds"])[len(turns) // 2]


def nightly(snapshot: Path, works: int, data_dir: Path, full_dir: Path, turns: int = 3) -> dict[str, Any]:
    """Grow the snapshot by 1% new works (plus updated copies of 0.5% old ones) in a new partition,
    run on the lake that holds the last run (an incremental night), then a full run of the grown
    snapshot into an empty lake; both must publish the same scores. Timed in turns (each night on
    a fresh copy of the lake as it was before it), `turns` times each, and the medians compared:
    a single night's time moves by a third with this machine's load."""
    before = data_dir.with_name(data_dir.name + "-before-night")
    shutil.rmtree(before, ignore_errors=True)
    shutil.copytree(data_dir, before, symlinks=True)
    generate(snapshot, works, grow=0.01)
    nights, fulls = [], []
    for turn in range(turns):
        if turn:
            shutil.rmtree(data_dir)
            shutil.copytree(before, data_dir, symlinks=True)
        nights.append(datarank_run(snapshot, data_dir))
        shutil.rmtree(full_dir, ignore_errors=True)
        fulls.append(datarank_run(snapshot, full_dir))
    shutil.rmtree(before)
    night, full = middle(nights), middle(fulls)
    manifest = json.loads((data_dir / "current" / "manifest.json").read_text())
    return {
        "nightly_s": night["seconds"], "full_s": full["seconds"],
        "nightly_vs_full": round(night["seconds"] / full["seconds"], 3),
        "nightly_s_turns": [figures["seconds"] for figures in nights],
        "full_s_turns": [figures["seconds"] for figures in fulls],
        "nightly_stages_s": night["stages"],
        "full_stages_s": full["stages"],
        "build": json.loads((data_dir / "lake" / "core" / "current" / "ingest.json").read_text())["build"]["mode"],
        "scoring": manifest.get("scoring", {}).get("mode"),
        "rescored_works": manifest["score_counts"].get("rescored_works"),
        "works": manifest["score_counts"].get("scores"),
        "nightly_peak_rss_mb": round(max(figures["peak_rss_mb"] for figures in nights)),
        "same_as_full": same_scores(data_dir, full_dir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-works", type=int, default=75_000)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/datarank-bench"))
    parser.add_argument("--quick", action="store_true", help="1× and 4× only (no 16×)")
    args = parser.parse_args()
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"base_works": args.base_works, "cores": os.cpu_count()}
    scales = (1, 4) if args.quick else (1, 4, 16)

    for scale in scales:
        works = args.base_works * scale
        snapshot = work / f"snapshot-{scale}x"
        generated = generate(snapshot, works)
        files = part_files(snapshot)
        size = json_bytes(files)
        gzip_s = gzip_floor(files)
        data_dir = work / f"out-{scale}x"
        shutil.rmtree(data_dir, ignore_errors=True)
        run = datarank_run(snapshot, data_dir)
        floor_s = scoring_floor(data_dir)
        cores = os.cpu_count() or 1
        entry = {
            "works": run["works"], "citations": run["citations"], "json_mb": round(size / 1e6, 1),
            "gzip_mb": round(generated["gzip_bytes"] / 1e6, 1),
            "gzip_dc_s": round(gzip_s, 2), "gzip_dc_mb_s_per_core": round(size / 1e6 / gzip_s, 1),
            "run_s": run["seconds"], "peak_rss_mb": round(run["peak_rss_mb"]), "stages_s": run["stages"],
            # Reading the part files (decompress, parse, write raw Parquet), then the whole ingest
            # stage (also dedup, merges and the core tables).
            "read_mb_s_per_core": round(size / 1e6 / run["stages"]["read_files_s"] / cores, 1),
            "read_vs_gzip_per_core": round(gzip_s / run["stages"]["read_files_s"] / cores, 2),
            "ingest_vs_gzip_per_core": round(gzip_s / run["stages"]["ingest"] / cores, 2),
            "score_s": run["stages"]["score"], "score_floor_s": round(floor_s, 3),
            "score_vs_floor": round(run["stages"]["score"] / floor_s, 1),
            "run_s_per_million_links": round(run["seconds"] / (run["citations"] / 1e6), 2),
        }
        if scale == 4:
            # This machine's speed drifts by a quarter within minutes (gzip -dc of the same files:
            # 2.9-3.7 s), so the two are timed in turns, three times each, and the medians compared.
            plains, runs = [], [run]
            for turn in range(3):
                plains.append(timed([PYTHON, str(HERE / "plain_script.py"), str(snapshot), str(work / "plain.parquet")]))
                if turn < 2:
                    again = work / "out-4x-again"
                    shutil.rmtree(again, ignore_errors=True)
                    runs.append(datarank_run(snapshot, again))
            entry["plain_script_s"] = middle(plains)["seconds"]
            entry["run_s_turns"] = [figures["seconds"] for figures in runs]
            entry["plain_script_s_turns"] = [figures["seconds"] for figures in plains]
            entry["run_vs_plain"] = round(middle(runs)["seconds"] / middle(plains)["seconds"], 2)
            limited_dir = work / "out-4x-256MB"
            shutil.rmtree(limited_dir, ignore_errors=True)
            limited = datarank_run(snapshot, limited_dir, "--memory-limit", "256MB")
            entry["memory_limit_256MB"] = {
                "seconds": limited["seconds"], "peak_rss_mb": round(limited["peak_rss_mb"]),
                "same_as_unlimited": same_scores(limited_dir, data_dir),
            }
        if scale in (4, 16):
            entry["nightly_1pct"] = nightly(snapshot, works, data_dir, work / f"out-{scale}x-grown-full")
        results[f"{scale}x"] = entry
        print(json.dumps({f"{scale}x": entry}, indent=1), flush=True)
    (work / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"results in {work / 'results.json'}")


if __name__ == "__main__":
    main()
